"""QA API: calibration sessions."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import OnTenantDomain
from config.drf import validated
from config.errors import ServiceError, field_error
from qa import selectors
from qa.api.common import IsQaStaff
from qa.api.evaluations import EvaluationStartSerializer
from qa.models import (
    CalibrationSession,
    Scorecard,
)
from qa.services import calibration, evaluations


class CalibrationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scorecard = serializers.IntegerField()
    reference = serializers.IntegerField()
    evaluators = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    calls = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=50)
    tolerance = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, default=5)


def _calibration(s: CalibrationSession, user) -> dict:
    from qa.services.evaluations import is_qa_staff

    out = {"id": s.pk, "name": s.name, "version": s.version_id, "reference": s.reference_id,
           "tolerance": str(s.tolerance), "closed_at": s.closed_at.isoformat() if s.closed_at else None,
           "calls": list(s.calls.values_list("pk", flat=True)),
           "evaluators": list(s.evaluators.values_list("pk", flat=True)),
           "mine": [selectors.evaluation_row(e) for e in s.evaluations.filter(evaluator=user)
                    .select_related("agent", "evaluator", "version__scorecard", "auto_failed_item")]}
    # Blind: the deviations show once the session is closed (supervisors see them all along).
    if s.closed_at or (is_qa_staff(user) and user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)):
        r = calibration.results(s)
        out["results"] = [{**row, "overall_deviation": str(row["overall_deviation"])
                           if row["overall_deviation"] is not None else None,
                           "item_deviation": {str(k): str(v) for k, v in row["item_deviation"].items()}}
                          for row in r["evaluators"]]
    return out


class CalibrationsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="Calibration sessions and whether one is due")
    def get(self, request):
        return Response({"due": calibration.reminders(), "sessions": [
            _calibration(s, request.user) for s in CalibrationSession.objects.all()[:50]]})

    @extend_schema(request=CalibrationSerializer, responses={201: dict},
                   summary="Open a calibration session on a set of calls")
    def post(self, request):
        from telephony.models import Call

        d = validated(CalibrationSerializer, request)
        card = get_object_or_404(Scorecard, pk=d["scorecard"])
        version = card.current()
        users = {u.pk: u for u in User.objects.filter(pk__in=[d["reference"], *d["evaluators"]])}
        if d["reference"] not in users:
            raise field_error("reference", "no such user.")
        calls = list(Call.objects.filter(pk__in=d["calls"]))
        if len(calls) != len(set(d["calls"])):
            raise field_error("calls", "some of these calls do not exist.")
        s = calibration.session_create(name=d["name"], version=version, reference=users[d["reference"]],
                                       evaluators=[users[e] for e in d["evaluators"] if e in users], calls=calls,
                                       tolerance=d["tolerance"], by=request.user)
        return Response(_calibration(s, request.user), status=201)


class CalibrationView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="A calibration session (deviations once closed)")
    def get(self, request, pk: int):
        return Response(_calibration(get_object_or_404(CalibrationSession, pk=pk), request.user))


class CalibrationEvaluateView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=EvaluationStartSerializer, responses={201: dict},
                   summary="Start scoring one of the session's calls (blind)")
    def post(self, request, pk: int):
        s = get_object_or_404(CalibrationSession, pk=pk)
        d = validated(EvaluationStartSerializer, request)
        if not s.evaluators.filter(pk=request.user.pk).exists():
            raise ServiceError("forbidden", "You are not an evaluator of this session.", status_code=403)
        if s.closed_at:
            raise ServiceError("closed", "This calibration is closed.", status_code=409)
        call = s.calls.filter(pk=d["call"]).first()
        if call is None:
            raise field_error("call", "not one of this session's calls.")
        ev = evaluations.evaluation_start(call=call, by=request.user, version=s.version, calibration=s)
        return Response(selectors.evaluation_detail(ev), status=201)


class CalibrationCloseView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=None, responses={200: dict}, summary="Close a calibration session")
    def post(self, request, pk: int):
        s = calibration.session_close(session=get_object_or_404(CalibrationSession, pk=pk), by=request.user)
        return Response(_calibration(s, request.user))
