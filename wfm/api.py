"""WFM API: the staffing calculators (Erlang C / A, trunk and seat sizing), history and its
adjustments, forecasts with their requirements."""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import HasRole, OnTenantDomain
from config.drf import period_of, validated
from config.errors import field_error
from telephony.models import Queue
from wfm import erlang, selectors, services, sizing
from wfm.history import queue_history
from wfm.models import Forecast, HistoryAdjustment

PERIOD = [OpenApiParameter("from", str, description="YYYY-MM-DD (tenant's timezone)"),
          OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive")]

IsPlanner = HasRole.of(Role.WFM_PLANNER, Role.SUPERVISOR, Role.TENANT_ADMIN)


def _query(serializer_cls, request) -> dict:
    s = serializer_cls(data=request.query_params)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class ErlangQuery(serializers.Serializer):
    calls = serializers.FloatField(min_value=0, max_value=1_000_000, help_text="calls offered in the interval")
    interval_s = serializers.IntegerField(min_value=60, max_value=86_400, default=1800)
    aht_s = serializers.FloatField(min_value=1, max_value=86_400, help_text="average handle time, seconds")
    target_sl = serializers.FloatField(min_value=0.01, max_value=0.999, default=0.8)
    threshold_s = serializers.FloatField(min_value=0, max_value=3600, default=20)
    max_occupancy = serializers.FloatField(min_value=0.1, max_value=1.0, default=1.0)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.95, default=0.0)
    patience_s = serializers.FloatField(min_value=1, max_value=86_400, required=False,
                                        help_text="mean caller patience: switches to Erlang A")
    agents = serializers.IntegerField(min_value=1, max_value=5000, required=False,
                                      help_text="evaluate this many agents instead of searching")

    def validate(self, data):
        load = data["calls"] * data["aht_s"] / data["interval_s"]
        if load > 4000:
            raise serializers.ValidationError({"calls": f"the load is {load:.0f} Erlangs; the calculator stops at "
                                                        "4,000 (split the queue or the interval)."})
        return data


def erlang_answer(q: dict) -> dict:
    """The calculator's answer: agents for the target (or the figures of `agents`), the
    sensitivity around it and the agents to schedule after shrinkage."""
    args = (q["calls"], q["aht_s"], q["interval_s"])
    patience = q.get("patience_s")
    if patience:
        if q.get("agents"):
            best = erlang.erlang_a(q["agents"], *args, patience, q["threshold_s"])
        else:
            best = erlang.agents_for_sl_a(*args, q["target_sl"], q["threshold_s"], patience)
        out = {"model": "erlang_a", **best, "load_erlangs": round(erlang.traffic(*args).item(), 4)}
    else:
        if q.get("agents"):
            s = erlang.metrics_for_agents(q["agents"], *args, q["threshold_s"])
        else:
            s = erlang.agents_for_sl(*args, q["target_sl"], q["threshold_s"], q["max_occupancy"])
        out = {"model": "erlang_c", **s.row()}
        if math.isinf(out["asa_s"]):
            out["asa_s"] = None  # the agents cannot carry the load: the queue grows without bound
    n = out["agents"]
    around = [m for m in range(max(1, n - 3), n + 4)]
    table = erlang.metrics_for_agents(around, *args, q["threshold_s"])
    out["sensitivity"] = [{"agents": m, "service_level": round(float(table.service_level[i]), 4)}
                          for i, m in enumerate(around)]
    out["shrinkage"] = q["shrinkage"]
    out["scheduled"] = int(erlang.scheduled_for(n, q["shrinkage"]))
    return out


class ErlangView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[ErlangQuery], responses={200: dict},
                   summary="Agents for a service-level target (Erlang C; Erlang A with patience_s)")
    def get(self, request):
        return Response(erlang_answer(_query(ErlangQuery, request)))


class SizingQuery(serializers.Serializer):
    users = serializers.FloatField(min_value=1, max_value=1e10)
    calls_per_user_month = serializers.FloatField(min_value=0.0001, max_value=10_000)
    days_per_month = serializers.FloatField(min_value=1, max_value=31, default=30)
    busy_day_factor = serializers.FloatField(min_value=0.1, max_value=31, default=2.0)
    busy_hour_factor = serializers.FloatField(min_value=0.001, max_value=1, default=0.1)
    agent_share = serializers.FloatField(min_value=0.001, max_value=1, default=0.25)
    talk_s = serializers.FloatField(min_value=1, max_value=86_400, default=90)
    wrap_s = serializers.FloatField(min_value=0, max_value=86_400, default=5)
    agent_load = serializers.FloatField(min_value=0.05, max_value=1, default=0.8)
    trunk_load_erlangs = serializers.FloatField(min_value=0.05, max_value=1, default=0.7)
    target_blocking = serializers.FloatField(min_value=0.0001, max_value=0.5, default=0.01)

    def validate(self, data):
        load = (data["users"] * data["calls_per_user_month"] / data["days_per_month"] * data["busy_day_factor"]
                * data["busy_hour_factor"] * data["agent_share"] * data["talk_s"] / 3600)
        if load > 20_000:
            raise serializers.ValidationError({"users": f"the busy hour carries {load:.0f} Erlangs; size at most "
                                                        "20,000 at a time (split by site or region)."})
        return data


class SizingView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[SizingQuery], responses={200: dict},
                   summary="Trunk and seat sizing: the load-factor method and Erlang B trunks")
    def get(self, request):
        return Response(sizing.size(sizing.SizingInput(**_query(SizingQuery, request))))


# --- history, adjustments and forecasts ------------------------------------------------------

class HistoryAdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = HistoryAdjustment
        fields = ["id", "queue", "first_day", "last_day", "action", "factor", "reason", "created_at"]
        read_only_fields = ["id", "created_at"]


class HistoryAdjustmentsView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={200: HistoryAdjustmentSerializer(many=True)},
                   summary="History exclusions and scaling (WFM-1)")
    def get(self, request):
        return Response(HistoryAdjustmentSerializer(HistoryAdjustment.objects.all(), many=True).data)

    @extend_schema(request=HistoryAdjustmentSerializer, responses={201: HistoryAdjustmentSerializer},
                   summary="Exclude a stretch of history, or scale it (× 1.15 after 15 % growth)")
    def post(self, request):
        d = validated(HistoryAdjustmentSerializer, request)
        adj = services.history_adjust(**d, by=request.user)
        return Response(HistoryAdjustmentSerializer(adj).data, status=201)


class HistoryAdjustmentView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={204: None}, summary="Remove a history adjustment")
    def delete(self, request, pk: int):
        get_object_or_404(HistoryAdjustment, pk=pk).delete()
        return Response(status=204)


class HistoryQuery(serializers.Serializer):
    queue = serializers.IntegerField()
    interval_min = serializers.ChoiceField(choices=[15, 30], default=15)


class HistoryView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[HistoryQuery, *PERIOD], responses={200: dict},
                   summary="Calls and AHT per day and interval for a queue (after adjustments)")
    def get(self, request):
        q = _query(HistoryQuery, request)
        queue = get_object_or_404(Queue, pk=q["queue"])
        start, end = period_of(request, default_days=28, max_days=731)
        hist = queue_history(queue_id=queue.pk, first_day=start.date(), last_day=(end.date() - timedelta(days=1)),
                             interval_min=q["interval_min"])
        return Response({"queue": queue.pk, "interval_min": hist.interval_min, "days": [
            {"day": d.isoformat(), "excluded": bool(hist.excluded[i]), "holiday": d in hist.holidays,
             "calls": round(float(hist.calls[i].sum()), 2), "intervals": [round(float(x), 2) for x in hist.calls[i]],
             "aht_s": (round(float(hist.handle_s[i].sum() / hist.handled[i].sum()), 1)
                       if hist.handled[i].sum() else None)}
            for i, d in enumerate(hist.days)]})


class ForecastCreateSerializer(serializers.Serializer):
    queue = serializers.IntegerField()
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    method = serializers.ChoiceField(choices=Forecast.Method.choices)
    first_day = serializers.DateField()
    days = serializers.IntegerField(min_value=1, max_value=92)
    interval_min = serializers.ChoiceField(choices=[15, 30], required=False)
    params = serializers.DictField(required=False, default=dict)
    overrides = serializers.DictField(required=False, default=dict)
    target_sl = serializers.FloatField(min_value=0.01, max_value=0.999, required=False)
    threshold_s = serializers.IntegerField(min_value=0, max_value=3600, required=False)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.94, default=0.3)
    patience_s = serializers.FloatField(min_value=1, max_value=3600, required=False)


class ForecastsView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={200: dict}, summary="Forecasts, newest first")
    def get(self, request):
        return Response([selectors.forecast_summary(f) for f in Forecast.objects.select_related("queue")[:200]])

    @extend_schema(request=ForecastCreateSerializer, responses={201: dict},
                   summary="Forecast a queue from its history and staff every interval (WFM-2/3/4)")
    def post(self, request):
        d = validated(ForecastCreateSerializer, request)
        queue = Queue.objects.filter(pk=d.pop("queue")).first()
        if queue is None:
            raise field_error("queue", "no such queue.")
        f = services.forecast_create(queue=queue, by=request.user, **d)
        return Response({**selectors.forecast_summary(f), "days_detail": selectors.forecast_days(f)}, status=201)


class ForecastView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("day", str, description="YYYY-MM-DD: one day only")],
                   responses={200: dict}, summary="A forecast with its intervals and requirements")
    def get(self, request, pk: int):
        f = get_object_or_404(Forecast.objects.select_related("queue"), pk=pk)
        day = request.query_params.get("day")
        try:
            day = date.fromisoformat(day) if day else None
        except ValueError:
            raise field_error("day", f"'{day}' is not a date; use YYYY-MM-DD.") from None
        return Response({**selectors.forecast_summary(f), "days_detail": selectors.forecast_days(f, day)})

    @extend_schema(responses={204: None}, summary="Delete a forecast")
    def delete(self, request, pk: int):
        get_object_or_404(Forecast, pk=pk).delete()
        return Response(status=204)
