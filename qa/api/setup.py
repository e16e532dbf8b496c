"""QA API: scorecards, sampling settings and the evaluator's queue."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import HasRole, OnTenantDomain
from config.drf import validated
from config.errors import field_error
from qa import selectors
from qa.api.common import IsQaStaff
from qa.models import (
    QaSettings,
    Scorecard,
)
from qa.services import sampling, scorecards


class ScorecardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    sections = serializers.ListField(child=serializers.DictField())


class ReviseSerializer(serializers.Serializer):
    sections = serializers.ListField(child=serializers.DictField())
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False)


def _card(card: Scorecard) -> dict:
    v = card.current()
    return {"id": card.pk, "name": card.name, "description": card.description, "active": card.active,
            "version": scorecards.version_as_dict(v) if v else None,
            "versions": list(card.versions.values_list("number", flat=True))}


class ScorecardsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="Scorecards with their current version")
    def get(self, request):
        return Response([_card(c) for c in Scorecard.objects.all()])

    @extend_schema(request=ScorecardSerializer, responses={201: dict},
                   summary="Create a scorecard: sections, items (yes_no, scale, points), weights, critical items")
    def post(self, request):
        d = validated(ScorecardSerializer, request)
        return Response(_card(scorecards.scorecard_create(by=request.user, **d)), status=201)


class ScorecardView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="A scorecard and its versions")
    def get(self, request, pk: int):
        return Response(_card(get_object_or_404(Scorecard, pk=pk)))

    @extend_schema(request=ReviseSerializer, responses={200: dict},
                   summary="Revise a scorecard: a new version (evaluations keep theirs)")
    def put(self, request, pk: int):
        card = get_object_or_404(Scorecard, pk=pk)
        d = validated(ReviseSerializer, request)
        scorecards.scorecard_revise(scorecard=card, sections=d["sections"], note=d["note"], active=d.get("active"),
                                    by=request.user)
        return Response(_card(card))


# --- sampling and queues ------------------------------------------------------------------------

class SettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = QaSettings
        exclude = ["id"]


class SamplingView(APIView):
    def get_permissions(self):
        roles = (Role.QA_ANALYST, Role.SUPERVISOR, Role.TENANT_ADMIN) if self.request.method == "GET" else (
            Role.SUPERVISOR, Role.TENANT_ADMIN)
        return [OnTenantDomain(), HasRole.of(*roles)()]

    @extend_schema(responses={200: SettingsSerializer}, summary="Sampling settings (QA-2)")
    def get(self, request):
        return Response(SettingsSerializer(sampling.settings_get()).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer}, summary="Change sampling settings")
    def put(self, request):
        s = SettingsSerializer(sampling.settings_get(), data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        return Response(SettingsSerializer(s.save()).data)


class SamplingRunView(APIView):
    permission_classes = [OnTenantDomain, HasRole.of(Role.SUPERVISOR, Role.TENANT_ADMIN)]

    @extend_schema(parameters=[OpenApiParameter("day", str)], request=None, responses={200: dict},
                   summary="Sample a day's calls into the evaluators' queues now (the nightly task does it too)")
    def post(self, request):
        from datetime import date

        raw = request.query_params.get("day") or request.data.get("day", "")
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise field_error("day", "YYYY-MM-DD.") from None
        return Response({"day": day.isoformat(), "sampled": sampling.sample_day(day)})


class QueueView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="My evaluation queue")
    def get(self, request):
        return Response([{"id": s.pk, "call": s.call_id, "agent": s.agent.email, "reason": s.reason,
                          "day": s.day.isoformat()} for s in selectors.queue_for(request.user)])
