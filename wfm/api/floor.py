"""WFM API: adherence (WFM-8), intraday (WFM-9) and the shift handover log (WFM-10)."""

from __future__ import annotations

from datetime import timedelta

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import OnTenantDomain
from config.drf import validated
from wfm import adherence
from wfm.api.common import IsPlanner, IsSupervisor, day_param
from wfm.models import (
    AdherenceException,
    Forecast,
    Handover,
    HandoverIncident,
)
from wfm.services import handover, leave


class AdherenceView(APIView):
    permission_classes = [OnTenantDomain, IsPlanner]

    @extend_schema(parameters=[OpenApiParameter("day", str)], responses={200: dict},
                   summary="Adherence and conformance per agent for a day (tenant's date)")
    def get(self, request):
        day = day_param(request, leave.local_today())
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
        exc = leave.adherence_exception_add(by=request.user, **validated(ExceptionSerializer, request))
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

        day = day_param(request, leave.local_today())
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
