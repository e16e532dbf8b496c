"""Agent state API (TEL-10): agents switch their own state; supervisors see and force."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import HasRole, IsAdminOrSupervisor, OnTenantDomain
from telephony import selectors, services
from telephony.agent_state import Source
from telephony.serializers import AgentStateSerializer, StateChangeRequestSerializer, StateChangeSerializer

IsAgent = HasRole.of(Role.AGENT)


def _agent_or_404(pk: int):
    return get_object_or_404(selectors.agent_list(), pk=pk)


class AgentListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=AgentStateSerializer(many=True), summary="Agents with live state and time in state")
    def get(self, request):
        return Response(AgentStateSerializer(selectors.agent_list(), many=True).data)


class MyStateView(APIView):
    permission_classes = [OnTenantDomain, IsAgent]

    @extend_schema(responses=AgentStateSerializer, summary="My current state")
    def get(self, request):
        return Response(AgentStateSerializer(_agent_or_404(request.user.pk)).data)

    @extend_schema(request=StateChangeRequestSerializer, responses=AgentStateSerializer,
                   summary="Switch my state (available, not_ready with a reason, offline)")
    def put(self, request):
        data = StateChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agent_set_state(user=request.user, to_state=data.validated_data["state"],
                                 reason=data.validated_data["reason"], source=Source.AGENT, actor=request.user,
                                 ip=request.META.get("REMOTE_ADDR"))
        return Response(AgentStateSerializer(_agent_or_404(request.user.pk)).data)


class ForceStateView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(request=StateChangeRequestSerializer, responses=AgentStateSerializer,
                   summary="Force an agent ready, not ready or logged out (audited)")
    def post(self, request, pk: int):
        agent = _agent_or_404(pk)
        data = StateChangeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.agent_set_state(user=agent, to_state=data.validated_data["state"],
                                 reason=data.validated_data["reason"], source=Source.SUPERVISOR,
                                 actor=request.user, ip=request.META.get("REMOTE_ADDR"))
        return Response(AgentStateSerializer(_agent_or_404(pk)).data)


class StateLogView(APIView):
    permission_classes = [OnTenantDomain]

    @extend_schema(responses=StateChangeSerializer(many=True), summary="An agent's state transitions, newest first")
    def get(self, request, pk: int):
        user = request.user
        if not (user.is_authenticated and (user.pk == pk or user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN))):
            raise PermissionDenied(HasRole.message)
        agent = _agent_or_404(pk)
        return Response(StateChangeSerializer(selectors.agent_state_log(user=agent), many=True).data)
