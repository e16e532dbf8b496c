"""QA API: appraisals, the best-call library, reports, and recording playback."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import OnTenantDomain
from config.drf import client_ip, period_of, validated
from config.errors import ServiceError, field_error
from qa import scoring, selectors
from qa.api.common import PERIOD, IsQaStaff
from qa.api.common import call_or_400 as _call
from qa.models import (
    Appraisal,
    BestCall,
)
from qa.services import appraisal, evaluations


class AppraisalSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ScoresSerializer(serializers.Serializer):
    scores = serializers.DictField()
    note = serializers.CharField(required=False, allow_blank=True)


def appraisal_dict(a: Appraisal) -> dict:
    def plain(v):
        return str(v) if v is not None and not isinstance(v, (int, float, str, dict, list, bool)) else v

    inputs = appraisal.inputs(a.agent, a.period_start, a.period_end)
    totals = appraisal.totals(a)
    return {"id": a.pk, "agent": a.agent_id, "agent_email": a.agent.email,
            "period_start": a.period_start.isoformat(), "period_end": a.period_end.isoformat(),
            "items": [{"group": g, "key": k, "max": m} for g, k, m in scoring.APPRAISAL_ITEMS],
            "self_scores": a.self_scores, "supervisor_scores": a.supervisor_scores, "note": a.note,
            "totals": {who: ({"total": str(t["total"]), "grade": t["grade"]} if t else None)
                       for who, t in totals.items()},
            "inputs": {k: ({kk: plain(vv) for kk, vv in v.items()} if isinstance(v, dict) else plain(v))
                       for k, v in inputs.items()}}


def _appraisal_visible(request, pk: int) -> Appraisal:
    a = get_object_or_404(Appraisal.objects.select_related("agent"), pk=pk)
    if a.agent_id != request.user.pk and not evaluations.is_qa_staff(request.user):
        raise ServiceError("not_found", "No such appraisal.", status_code=404)
    return a


class AppraisalsView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="Appraisals: all for QA staff, your own for agents")
    def get(self, request):
        qs = Appraisal.objects.select_related("agent")
        if not evaluations.is_qa_staff(request.user):
            qs = qs.filter(agent=request.user)
        return Response([{"id": a.pk, "agent": a.agent.email, "period_start": a.period_start.isoformat(),
                          "period_end": a.period_end.isoformat()} for a in qs[:200]])

    @extend_schema(request=AppraisalSerializer, responses={201: dict}, summary="Open a periodic appraisal")
    def post(self, request):
        d = validated(AppraisalSerializer, request)
        agent = get_object_or_404(User, pk=d["agent"])
        a = appraisal.appraisal_create(agent=agent, first=d["period_start"], last=d["period_end"], by=request.user)
        return Response(appraisal_dict(a), status=201)


class AppraisalView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="An appraisal: items, self and supervisor scores, grade, inputs")
    def get(self, request, pk: int):
        return Response(appraisal_dict(_appraisal_visible(request, pk)))

    @extend_schema(request=ScoresSerializer, responses={200: dict},
                   summary="Score an appraisal (the agent: self scores; a supervisor: supervisor scores)")
    def put(self, request, pk: int):
        a = _appraisal_visible(request, pk)
        d = validated(ScoresSerializer, request)
        return Response(appraisal_dict(appraisal.appraisal_score(appraisal=a, by=request.user, **d)))


class BestCallSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["good", "bad"])
    title = serializers.CharField(max_length=120)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BestCallsView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsAuthenticated if self.request.method == "GET" else IsQaStaff)()]

    @extend_schema(responses={200: dict}, summary="The best-call library (training)")
    def get(self, request):
        return Response([{"id": b.pk, "call": b.call_id, "kind": b.kind, "title": b.title, "note": b.note}
                         for b in BestCall.objects.all()[:200]])

    @extend_schema(request=BestCallSerializer, responses={201: dict}, summary="Add a call to the library")
    def post(self, request):
        d = validated(BestCallSerializer, request)
        call = _call(d.pop("call"))
        if BestCall.objects.filter(call=call).exists():
            raise field_error("call", "this call is in the library already.")
        b = BestCall.objects.create(call=call, added_by=request.user, **d)
        return Response({"id": b.pk, "call": call.pk, "kind": b.kind, "title": b.title}, status=201)


class QaReportsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(parameters=PERIOD, responses={200: dict},
                   summary="QA trends per agent and team, most-failed items, evaluator consistency, leaderboard")
    def get(self, request):
        start, end = period_of(request, default_days=90)
        return Response({"from": start.isoformat(), "to": end.isoformat(),
                         "agents": selectors.trends(start, end, "agent"), "teams": selectors.trends(start, end, "team"),
                         "items": selectors.item_trends(start, end),
                         "evaluators": selectors.evaluator_consistency(start, end),
                         "leaderboard": selectors.leaderboard(start, end)})


class RecordingMediaView(APIView):
    """The recording's audio for the evaluation player: access checked and audited each time."""

    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={(200, "audio/wav"): bytes}, summary="Play a recording (checked and audited)")
    def get(self, request, pk: int):
        from telephony.models import Recording
        from telephony.services.recordings import recording_access

        rec = get_object_or_404(Recording.objects.select_related("call"), pk=pk)
        rec = recording_access(user=request.user, rec=rec, ip=client_ip(request))
        from qa.media import recording_audio

        resp = HttpResponse(recording_audio(rec), content_type="audio/wav")
        resp["Cache-Control"] = "private, no-store"
        return resp
