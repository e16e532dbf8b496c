"""WFM API: the staffing calculators (Erlang C / A, trunk and seat sizing), history and its
adjustments, forecasts with their requirements."""

from __future__ import annotations

import math
from datetime import date, timedelta

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import HasRole, OnTenantDomain
from config.drf import period_of, validated
from config.errors import ServiceError, field_error
from telephony.models import Queue
from wfm import adherence, erlang, selectors, services, sizing
from wfm.history import queue_history
from wfm.models import (
    AdherenceException,
    AgentWorkRule,
    Forecast,
    Handover,
    HandoverIncident,
    HistoryAdjustment,
    LeaveRequest,
    Schedule,
    ScheduledShift,
    ShiftTemplate,
    SwapRequest,
)
from wfm.services import handover, leave, schedules

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
        day = request.query_params.get("day")
        try:
            day = date.fromisoformat(day) if day else None
        except ValueError:
            raise field_error("day", f"'{day}' is not a date; use YYYY-MM-DD.") from None
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


# --- leave, swaps, lateness (WFM-7) ----------------------------------------------------------

def _is_staff(user) -> bool:
    return user.has_role(Role.WFM_PLANNER, Role.SUPERVISOR, Role.TENANT_ADMIN)


def leave_row(lr: LeaveRequest) -> dict:
    return {"id": lr.pk, "agent": lr.agent_id, "agent_email": lr.agent.email, "kind": lr.kind,
            "first_day": lr.first_day.isoformat(), "last_day": lr.last_day.isoformat(), "reason": lr.reason,
            "emergency": lr.emergency, "proof": lr.proof, "status": lr.status,
            "approvals_needed": lr.approvals_needed, "approvals": lr.approvals, "override": lr.override,
            "decision_note": lr.decision_note, "created_at": lr.created_at.isoformat()}


class LeaveCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=LeaveRequest.Kind.choices)
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    emergency = serializers.BooleanField(default=False)
    proof = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DecideSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    override = serializers.BooleanField(default=False)


class LeaveListView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("status", str)], responses={200: dict},
                   summary="Leave requests: your own, or everyone's for planners and supervisors")
    def get(self, request):
        qs = LeaveRequest.objects.select_related("agent")
        if not _is_staff(request.user):
            qs = qs.filter(agent=request.user)
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response([leave_row(lr) for lr in qs[:500]])

    @extend_schema(request=LeaveCreateSerializer, responses={201: dict}, summary="Ask for leave (WFM-7 rules apply)")
    def post(self, request):
        d = validated(LeaveCreateSerializer, request)
        return Response(leave_row(leave.leave_request(agent=request.user, **d)), status=201)


class LeaveDecideView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(request=DecideSerializer, responses={200: dict}, summary="Approve or refuse a leave request")
    def post(self, request, pk: int):
        lr = get_object_or_404(LeaveRequest, pk=pk)
        lr = leave.leave_decide(request=lr, by=request.user, **validated(DecideSerializer, request))
        return Response(leave_row(lr))


class LeaveCancelView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(request=None, responses={200: dict}, summary="Withdraw your own pending leave request")
    def post(self, request, pk: int):
        lr = get_object_or_404(LeaveRequest, pk=pk, agent=request.user)
        if lr.status != LeaveRequest.Status.PENDING:
            raise ServiceError("decided", f"This request is already {lr.status}.", status_code=409)
        lr.status = LeaveRequest.Status.CANCELLED
        lr.save(update_fields=["status"])
        return Response(leave_row(lr))


def swap_row(s: SwapRequest) -> dict:
    return {"id": s.pk, "requester": s.requester_id, "requester_email": s.requester.email, "partner": s.partner_id,
            "partner_email": s.partner.email, "requester_shift": selectors.shift_row(s.requester_shift),
            "partner_shift": selectors.shift_row(s.partner_shift) if s.partner_shift_id else None,
            "reason": s.reason, "status": s.status, "override": s.override, "decision_note": s.decision_note}


class SwapCreateSerializer(serializers.Serializer):
    requester_shift = serializers.IntegerField()
    partner = serializers.IntegerField()
    partner_shift = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SwapListView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="Swaps: yours, or everyone's for planners and supervisors")
    def get(self, request):
        qs = SwapRequest.objects.select_related("requester", "partner", "requester_shift__agent",
                                                "requester_shift__template", "partner_shift__agent",
                                                "partner_shift__template")
        if not _is_staff(request.user):
            qs = qs.filter(Q(requester=request.user) | Q(partner=request.user))
        return Response([swap_row(s) for s in qs[:500]])

    @extend_schema(request=SwapCreateSerializer, responses={201: dict}, summary="Ask a colleague to swap shifts")
    def post(self, request):
        d = validated(SwapCreateSerializer, request)
        mine = ScheduledShift.objects.filter(pk=d["requester_shift"], agent=request.user).first()
        if mine is None:
            raise field_error("requester_shift", "one of your own published shifts.")
        partner = User.objects.filter(pk=d["partner"]).first()
        if partner is None:
            raise field_error("partner", "no such colleague.")
        theirs = None
        if d.get("partner_shift"):
            theirs = ScheduledShift.objects.filter(pk=d["partner_shift"], agent=partner).first()
            if theirs is None:
                raise field_error("partner_shift", "one of the colleague's published shifts.")
        s = leave.swap_request(requester=request.user, requester_shift=mine, partner=partner, partner_shift=theirs,
                               reason=d["reason"])
        return Response(swap_row(s), status=201)


class SwapRespondView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(request=DecideSerializer, responses={200: dict}, summary="Accept or decline a swap asked of you")
    def post(self, request, pk: int):
        swap = get_object_or_404(SwapRequest, Q(requester=request.user) | Q(partner=request.user), pk=pk)
        d = validated(DecideSerializer, request)
        return Response(swap_row(leave.swap_respond(swap=swap, partner=request.user, accept=d["approve"])))


class SwapDecideView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(request=DecideSerializer, responses={200: dict}, summary="Approve or refuse an accepted swap")
    def post(self, request, pk: int):
        swap = get_object_or_404(SwapRequest, pk=pk)
        return Response(swap_row(leave.swap_decide(swap=swap, by=request.user, **validated(DecideSerializer, request))))


class LatenessView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("agent", int), OpenApiParameter("month", str)],
                   responses={200: dict}, summary="An agent's late starts in a month and what they cost")
    def get(self, request):
        agent = get_object_or_404(User, pk=request.query_params.get("agent") or 0)
        raw = request.query_params.get("month", "")
        try:
            year, month = (int(x) for x in raw.split("-")) if raw else (date.today().year, date.today().month)
            date(year, month, 1)
        except ValueError:
            raise field_error("month", "YYYY-MM.") from None
        return Response({"agent": agent.pk, "month": f"{year:04d}-{month:02d}",
                         **leave.lateness_month(agent, year, month)})


# --- adherence (WFM-8) ---------------------------------------------------------------------

class AdherenceView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("day", str)], responses={200: dict},
                   summary="Adherence and conformance per agent for a day (tenant's date)")
    def get(self, request):
        raw = request.query_params.get("day", "")
        try:
            day = date.fromisoformat(raw) if raw else leave.local_today()
        except ValueError:
            raise field_error("day", f"'{raw}' is not a date; use YYYY-MM-DD.") from None
        names = dict(User.objects.values_list("pk", "email"))
        rows = adherence.agent_day_summary(day)
        return Response({"day": day.isoformat(), "rows": [
            {"agent": a, "email": names.get(a, ""), **{k: v for k, v in r.items()}} for a, r in sorted(rows.items())]})


class AdherenceBoardView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={200: dict}, summary="Live adherence board: plan now vs state now, per agent")
    def get(self, request):
        from telephony import clock

        return Response({"at": clock.now().isoformat(), "rows": adherence.board(clock.now())})


class ExceptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AdherenceException
        fields = ["id", "agent", "start", "end", "reason", "approved_by", "created_at"]
        read_only_fields = ["id", "approved_by", "created_at"]

    def validate(self, data):
        if data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": "the exception ends before it starts."})
        if data["end"] - data["start"] > timedelta(hours=24):
            raise serializers.ValidationError({"end": "an exception lasts at most a day."})
        return data


class ExceptionsView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("day", str)], responses={200: ExceptionSerializer(many=True)},
                   summary="Approved adherence exceptions")
    def get(self, request):
        qs = AdherenceException.objects.all()
        if request.query_params.get("agent", "").isdigit():
            qs = qs.filter(agent_id=int(request.query_params["agent"]))
        return Response(ExceptionSerializer(qs[:500], many=True).data)

    @extend_schema(request=ExceptionSerializer, responses={201: ExceptionSerializer},
                   summary="Approve time away from the plan (counts as adherent)")
    def post(self, request):
        d = validated(ExceptionSerializer, request)
        exc = AdherenceException.objects.create(approved_by=request.user, **d)
        from accounts.services import audit_record

        audit_record(actor=request.user, action="wfm.adherence_exception", target=exc,
                     summary=f"Exception for {exc.agent.email} {exc.start:%Y-%m-%d %H:%M}–{exc.end:%H:%M}: "
                             f"{exc.reason}")
        return Response(ExceptionSerializer(exc).data, status=201)


class ExceptionView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(responses={204: None}, summary="Withdraw an adherence exception")
    def delete(self, request, pk: int):
        get_object_or_404(AdherenceException, pk=pk).delete()
        return Response(status=204)


# --- intraday (WFM-9) and handover (WFM-10) ------------------------------------------------

class IntradayView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("forecast", int), OpenApiParameter("day", str)],
                   responses={200: dict}, summary="Actual vs forecast today, the rest re-forecast, suggestions")
    def get(self, request):
        from telephony import clock
        from wfm.intraday import intraday
        from wfm.services.intraday import todays_forecasts

        raw = request.query_params.get("day", "")
        try:
            day = date.fromisoformat(raw) if raw else leave.local_today()
        except ValueError:
            raise field_error("day", f"'{raw}' is not a date; use YYYY-MM-DD.") from None
        fid = request.query_params.get("forecast", "")
        forecasts = [get_object_or_404(Forecast, pk=fid)] if fid.isdigit() else todays_forecasts(day)
        return Response({"day": day.isoformat(), "queues": [intraday(f, day, clock.now()) for f in forecasts]})


def handover_row(h: Handover) -> dict:
    return {"id": h.pk, "shift_label": h.shift_label, "notes": h.notes, "author": h.author.email if h.author else "",
            "created_at": h.created_at.isoformat(), "closed_at": h.closed_at.isoformat() if h.closed_at else None,
            "incidents": [{"id": i.pk, "summary": i.summary, "resolved_at": i.resolved_at.isoformat()
                           if i.resolved_at else None, "resolution": i.resolution} for i in h.incidents.all()]}


class HandoverSerializer(serializers.Serializer):
    shift_label = serializers.CharField(max_length=60)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)


IsSupervisor = HasRole.of(Role.SUPERVISOR, Role.TENANT_ADMIN)


class HandoversView(APIView):
    permission_classes = [OnTenantDomain, IsSupervisor]

    @extend_schema(responses={200: dict}, summary="Shift handover log")
    def get(self, request):
        return Response([handover_row(h) for h in Handover.objects.prefetch_related("incidents")
                        .select_related("author")[:100]])

    @extend_schema(request=HandoverSerializer, responses={201: dict}, summary="Open a shift handover")
    def post(self, request):
        d = validated(HandoverSerializer, request)
        return Response(handover_row(handover.handover_open(author=request.user, **d)), status=201)


class HandoverIncidentsView(APIView):
    permission_classes = [OnTenantDomain, IsSupervisor]

    @extend_schema(request=TextSerializer, responses={201: dict}, summary="Log an incident on a handover")
    def post(self, request, pk: int):
        h = get_object_or_404(Handover, pk=pk)
        d = validated(TextSerializer, request)
        handover.incident_add(handover=h, summary=d["text"], by=request.user)
        return Response(handover_row(h), status=201)


class HandoverIncidentResolveView(APIView):
    permission_classes = [OnTenantDomain, IsSupervisor]

    @extend_schema(request=TextSerializer, responses={200: dict}, summary="Resolve a handover incident")
    def post(self, request, pk: int):
        inc = get_object_or_404(HandoverIncident, pk=pk)
        d = validated(TextSerializer, request)
        handover.incident_resolve(incident=inc, resolution=d["text"], by=request.user)
        return Response(handover_row(inc.handover))


class HandoverCloseView(APIView):
    permission_classes = [OnTenantDomain, IsSupervisor]

    @extend_schema(request=None, responses={200: dict}, summary="Close a handover (no incident may be open)")
    def post(self, request, pk: int):
        h = handover.handover_close(handover=get_object_or_404(Handover, pk=pk), by=request.user)
        return Response(handover_row(h))
