"""QA API: evaluations, disputes, improvement plans and coaching."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import OnTenantDomain
from config.drf import validated
from config.errors import ServiceError, field_error
from qa import selectors
from qa.api.common import IsQaStaff
from qa.api.common import call_or_400 as _call
from qa.models import (
    CoachingSession,
    Dispute,
    Evaluation,
    ImprovementPlan,
    Scorecard,
)
from qa.services import evaluations


class EvaluationStartSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    scorecard = serializers.IntegerField(required=False)
    live = serializers.BooleanField(default=False)


class EvaluationSaveSerializer(serializers.Serializer):
    answers = serializers.DictField(required=False)
    comments = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    summary = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(default=False)


def _visible(request, pk: int) -> Evaluation:
    ev = get_object_or_404(Evaluation.objects.select_related("agent", "evaluator", "version__scorecard",
                                                             "auto_failed_item", "calibration"), pk=pk)
    if not evaluations.may_see(request.user, ev):
        raise ServiceError("not_found", "No such evaluation.", status_code=404)
    return ev


class EvaluationsView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("agent", int), OpenApiParameter("status", str)],
                   responses={200: dict}, summary="Evaluations: all for QA staff, your own for agents")
    def get(self, request):
        qs = Evaluation.objects.select_related("agent", "evaluator", "version__scorecard", "auto_failed_item")
        if evaluations.is_qa_staff(request.user):
            qs = qs.filter(calibration__isnull=True)
            if request.query_params.get("agent", "").isdigit():
                qs = qs.filter(agent_id=int(request.query_params["agent"]))
        else:
            qs = qs.filter(agent=request.user, calibration__isnull=True).exclude(status="draft")
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response([selectors.evaluation_row(e) for e in qs[:300]])

    @extend_schema(request=EvaluationStartSerializer, responses={201: dict},
                   summary="Start evaluating a call (the scorecard's current version)")
    def post(self, request):
        d = validated(EvaluationStartSerializer, request)
        version = None
        if d.get("scorecard"):
            card = Scorecard.objects.filter(pk=d["scorecard"]).first()
            if card is None or card.current() is None:
                raise field_error("scorecard", "no such scorecard.")
            version = card.current()
        ev = evaluations.evaluation_start(call=_call(d["call"]), by=request.user, version=version, live=d["live"])
        return Response(selectors.evaluation_detail(ev), status=201)


class EvaluationView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="An evaluation: form, answers, timed comments, disputes")
    def get(self, request, pk: int):
        return Response(selectors.evaluation_detail(_visible(request, pk)))

    @extend_schema(request=EvaluationSaveSerializer, responses={200: dict},
                   summary="Save answers and timed comments; submit to score and show the agent")
    def put(self, request, pk: int):
        ev = _visible(request, pk)
        d = validated(EvaluationSaveSerializer, request)
        ev = evaluations.evaluation_save(evaluation=ev, by=request.user, **d)
        return Response(selectors.evaluation_detail(ev))


class DisputeOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DisputeOpenView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(request=DisputeOpenSerializer, responses={201: dict}, summary="Dispute your evaluation")
    def post(self, request, pk: int):
        ev = _visible(request, pk)
        d = evaluations.dispute_open(evaluation=ev, by=request.user, **validated(DisputeOpenSerializer, request))
        return Response({"id": d.pk, "status": d.status}, status=201)


class DisputesView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="Disputes waiting for a decision")
    def get(self, request):
        qs = Dispute.objects.select_related("evaluation__agent", "raised_by")
        if request.query_params.get("all") != "1":
            qs = qs.filter(status__in=["open", "reviewed"])
        return Response([{"id": d.pk, "evaluation": d.evaluation_id, "agent": d.raised_by.email, "reason": d.reason,
                          "status": d.status, "score_before": str(d.score_before)} for d in qs[:200]])


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["upheld", "changed"])
    resolution = serializers.CharField(max_length=2000)
    answers = serializers.DictField(required=False)


class DisputeReviewView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=None, responses={200: dict}, summary="Take a dispute under review")
    def post(self, request, pk: int):
        d = evaluations.dispute_review(dispute=get_object_or_404(Dispute, pk=pk), by=request.user)
        return Response({"id": d.pk, "status": d.status})


class DisputeResolveView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=ResolveSerializer, responses={200: dict},
                   summary="Resolve a dispute: upheld, or changed with corrected answers")
    def post(self, request, pk: int):
        dispute = get_object_or_404(Dispute, pk=pk)
        d = evaluations.dispute_resolve(dispute=dispute, by=request.user, **validated(ResolveSerializer, request))
        return Response({"id": d.pk, "status": d.status, "score_before": str(d.score_before),
                         "score_after": str(d.score_after)})


# --- improvement plans and coaching ----------------------------------------------------------

class PlanSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    goals = serializers.CharField(max_length=4000)
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)
    evaluation = serializers.IntegerField(required=False)


def _plan(p: ImprovementPlan) -> dict:
    return {"id": p.pk, "agent": p.agent_id, "goals": p.goals, "days": p.days, "starts_on": p.starts_on.isoformat(),
            "status": p.status, "sessions": [{"id": s.pk, "planned_for": s.planned_for.isoformat(), "notes": s.notes,
                                              "done_at": s.done_at.isoformat() if s.done_at else None,
                                              "follow_up_on": s.follow_up_on.isoformat() if s.follow_up_on else None}
                                             for s in p.sessions.all()]}


class PlansView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="Improvement plans: all for QA staff, your own for agents")
    def get(self, request):
        qs = ImprovementPlan.objects.prefetch_related("sessions")
        if not evaluations.is_qa_staff(request.user):
            qs = qs.filter(agent=request.user)
        return Response([_plan(p) for p in qs[:200]])

    @extend_schema(request=PlanSerializer, responses={201: dict}, summary="Open an improvement plan")
    def post(self, request):
        if not evaluations.is_qa_staff(request.user):
            raise ServiceError("forbidden", "QA staff open improvement plans.", status_code=403)
        d = validated(PlanSerializer, request)
        agent = get_object_or_404(User, pk=d["agent"])
        ev = Evaluation.objects.filter(pk=d.get("evaluation"), agent=agent).first() if d.get("evaluation") else None
        p = evaluations.plan_create(agent=agent, goals=d["goals"], days=d["days"], evaluation=ev, by=request.user)
        return Response(_plan(p), status=201)


class SessionSerializer(serializers.Serializer):
    planned_for = serializers.DateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSessionsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=SessionSerializer, responses={201: dict}, summary="Plan a coaching session")
    def post(self, request, pk: int):
        plan = get_object_or_404(ImprovementPlan, pk=pk)
        evaluations.coaching_plan(plan=plan, **validated(SessionSerializer, request))
        return Response(_plan(plan), status=201)


class DoneSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up_days = serializers.IntegerField(min_value=1, max_value=365, required=False)


class CoachingDoneView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=DoneSerializer, responses={200: dict}, summary="Record a coaching session as held")
    def post(self, request, pk: int):
        session = get_object_or_404(CoachingSession, pk=pk)
        evaluations.coaching_done(session=session, **validated(DoneSerializer, request))
        return Response(_plan(session.plan))


class PlanCloseView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=None, responses={200: dict}, summary="Close an improvement plan")
    def post(self, request, pk: int):
        return Response(_plan(evaluations.plan_close(plan=get_object_or_404(ImprovementPlan, pk=pk), by=request.user)))
