"""WFM API: leave, swaps and lateness (WFM-7)."""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import OnTenantDomain
from config.drf import validated
from config.errors import field_error
from wfm import selectors
from wfm.api.common import IsPlanner
from wfm.models import (
    LeaveRequest,
    ScheduledShift,
    SwapRequest,
)
from wfm.services import leave


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
        return Response(leave_row(leave.leave_cancel(request=lr, by=request.user)))


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
