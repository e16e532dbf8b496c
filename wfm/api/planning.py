"""WFM API: history and its adjustments, forecasts, shift templates, work rules, schedules,
and the agent's own published shifts."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import OnTenantDomain
from config.drf import period_of, validated
from config.errors import ServiceError, field_error
from telephony.models import Queue
from wfm import selectors, services
from wfm.api.common import PERIOD, IsPlanner, day_param
from wfm.api.common import query as _query
from wfm.history import queue_history
from wfm.models import (
    AgentWorkRule,
    Forecast,
    HistoryAdjustment,
    Schedule,
    ShiftTemplate,
)
from wfm.services import schedules


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
        day = day_param(request, None)
        return Response({**selectors.forecast_summary(f), "days_detail": selectors.forecast_days(f, day)})

    @extend_schema(responses={204: None}, summary="Delete a forecast")
    def delete(self, request, pk: int):
        get_object_or_404(Forecast, pk=pk).delete()
        return Response(status=204)


# --- shift templates, work rules, schedules --------------------------------------------------

class ShiftTemplateSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShiftTemplate
        fields = ["id", "name", "starts", "length_min", "breaks", "night", "weekdays", "active"]
        read_only_fields = ["id"]
        extra_kwargs = {"name": {"validators": []}}


class ShiftTemplatesView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={200: ShiftTemplateSerializer(many=True)}, summary="Shift templates")
    def get(self, request):
        return Response(ShiftTemplateSerializer(ShiftTemplate.objects.all(), many=True).data)

    @extend_schema(request=ShiftTemplateSerializer, responses={201: ShiftTemplateSerializer},
                   summary="Add a shift template (staggered starts, breaks relative to the start)")
    def post(self, request):
        d = validated(ShiftTemplateSerializer, request)
        active = d.pop("active", True)
        tpl = schedules.template_save(by=request.user, **d)
        if not active:
            ShiftTemplate.objects.filter(pk=tpl.pk).update(active=False)
            tpl.refresh_from_db()
        return Response(ShiftTemplateSerializer(tpl).data, status=201)


class ShiftTemplateView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(request=ShiftTemplateSerializer, responses={200: ShiftTemplateSerializer},
                   summary="Change a shift template")
    def put(self, request, pk: int):
        get_object_or_404(ShiftTemplate, pk=pk)
        d = validated(ShiftTemplateSerializer, request)
        active = d.pop("active", True)
        tpl = schedules.template_save(pk=pk, by=request.user, **d)
        ShiftTemplate.objects.filter(pk=tpl.pk).update(active=active)
        tpl.refresh_from_db()
        return Response(ShiftTemplateSerializer(tpl).data)

    @extend_schema(responses={204: None}, summary="Retire a shift template (kept on past shifts)")
    def delete(self, request, pk: int):
        ShiftTemplate.objects.filter(pk=get_object_or_404(ShiftTemplate, pk=pk).pk).update(active=False)
        return Response(status=204)


class WorkRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgentWorkRule
        fields = ["min_week_hours", "max_week_hours", "min_month_hours", "max_month_hours", "max_consecutive_days",
                  "rest_hours",
                  "rest_after_night_hours", "avoid_weekdays", "templates", "preferred_templates",
                  "fairness_group", "meal_group"]

    def validate_avoid_weekdays(self, value):
        if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
            raise serializers.ValidationError("days 0 (Monday) to 6 (Sunday).")
        return value

    def validate(self, data):
        if data.get("min_week_hours", 0) > data.get("max_week_hours", 40):
            raise serializers.ValidationError({"min_week_hours": "more than the weekly maximum."})
        if data.get("max_month_hours") is not None and data.get("min_month_hours", 0) > data["max_month_hours"]:
            raise serializers.ValidationError({"min_month_hours": "more than the monthly maximum."})
        return data


class WorkRuleView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={200: WorkRuleSerializer}, summary="An agent's contract and wishes for scheduling")
    def get(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        rule = AgentWorkRule.objects.filter(user=user).first() or AgentWorkRule(user=user)
        return Response(WorkRuleSerializer(rule).data if rule.pk else {
            k: v for k, v in WorkRuleSerializer(rule).data.items() if k not in ("templates", "preferred_templates")})

    @extend_schema(request=WorkRuleSerializer, responses={200: WorkRuleSerializer},
                   summary="Set an agent's contract and wishes for scheduling")
    def put(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        rule = AgentWorkRule.objects.filter(user=user).first()
        s = WorkRuleSerializer(rule, data=request.data)
        s.is_valid(raise_exception=True)
        rule = s.save(user=user)
        return Response(WorkRuleSerializer(rule).data)


class TeamWorkRuleView(APIView):
    """Group rules: one contract for every member of a team (each keeps a rule of their own)."""

    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(request=WorkRuleSerializer, responses={200: dict},
                   summary="Set the same scheduling rules for every agent of a team")
    def put(self, request, pk: int):
        from django.db import transaction

        from accounts.models import Team

        team = get_object_or_404(Team, pk=pk)
        check = WorkRuleSerializer(data=request.data)
        check.is_valid(raise_exception=True)
        members = list(team.members.all())
        with transaction.atomic():
            for user in members:
                s = WorkRuleSerializer(AgentWorkRule.objects.filter(user=user).first(), data=request.data)
                s.is_valid(raise_exception=True)
                s.save(user=user)
        return Response({"team": team.pk, "agents": len(members)})


class ScheduleCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    forecasts = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=20)
    team = serializers.IntegerField(required=False, allow_null=True)
    seats = serializers.IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True)
    meal_group_limit = serializers.IntegerField(min_value=1, max_value=10_000, required=False, allow_null=True)
    shrinkage = serializers.FloatField(min_value=0, max_value=0.89, default=0.0)
    virtual_agents = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    time_limit_s = serializers.IntegerField(min_value=1, max_value=300, default=30)


class SchedulesView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={200: dict}, summary="Schedules, newest first")
    def get(self, request):
        return Response([selectors.schedule_summary(s) for s in Schedule.objects.prefetch_related("forecasts")[:100]])

    @extend_schema(request=ScheduleCreateSerializer, responses={202: dict},
                   summary="Build a schedule for forecasts' days with the CP-SAT solver (a worker runs it)")
    def post(self, request):
        from accounts.models import Team

        d = validated(ScheduleCreateSerializer, request)
        forecasts = list(Forecast.objects.filter(pk__in=d.pop("forecasts")))
        if not forecasts:
            raise field_error("forecasts", "no such forecast.")
        team_id = d.pop("team", None)
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if team_id and team is None:
            raise field_error("team", "no such team.")
        s = schedules.schedule_create(forecasts=forecasts, team=team, by=request.user, **d)
        return Response(selectors.schedule_summary(s), status=202)


class ScheduleView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("day", str)], responses={200: dict},
                   summary="A schedule: figures, shifts, coverage vs requirement per interval")
    def get(self, request, pk: int):
        s = get_object_or_404(Schedule, pk=pk)
        day = day_param(request, None)
        return Response(selectors.schedule_detail(s, day))

    @extend_schema(responses={204: None}, summary="Delete a draft or failed schedule")
    def delete(self, request, pk: int):
        s = get_object_or_404(Schedule, pk=pk)
        if s.status == Schedule.Status.PUBLISHED:
            raise ServiceError("published", "A published schedule stays on record; publish another to replace it.",
                               status_code=409)
        s.delete()
        return Response(status=204)


class SchedulePublishView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(request=None, responses={200: dict}, summary="Publish a draft schedule to its agents")
    def post(self, request, pk: int):
        s = schedules.schedule_publish(schedule=get_object_or_404(Schedule, pk=pk), by=request.user)
        return Response(selectors.schedule_summary(s))


class ScheduleCompareView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("a", int), OpenApiParameter("b", int)], responses={200: dict},
                   summary="Two schedules side by side (what-if)")
    def get(self, request):
        ids = [request.query_params.get(k, "") for k in ("a", "b")]
        if not all(i.isdigit() for i in ids):
            raise field_error("a", "give two schedule ids as a and b.")
        return Response(selectors.schedule_compare(get_object_or_404(Schedule, pk=ids[0]),
                                                   get_object_or_404(Schedule, pk=ids[1])))


class MyShiftsView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(parameters=PERIOD, responses={200: dict},
                   summary="My published shifts (default: from today, two weeks)")
    def get(self, request):
        start, end = period_of(request, default_days=1, max_days=93)
        if "to" not in request.query_params:
            end = start + timedelta(days=14)
        rows = schedules.published_shifts(agent_ids=[request.user.pk], first=start.date(),
                                          last=(end - timedelta(days=1)).date())
        return Response({"shifts": [selectors.shift_row(sh) for sh in rows]})
