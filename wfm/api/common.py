"""Shared by the WFM API modules: who may plan, the period parameters, query parsing."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import BasePermission

from accounts.models import Role
from accounts.permissions import HasRole

PERIOD = [OpenApiParameter("from", str, description="YYYY-MM-DD (tenant's timezone)"),
          OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive")]

IsPlanner: type[BasePermission] = HasRole.of(Role.WFM_PLANNER, Role.SUPERVISOR, Role.TENANT_ADMIN)
IsSupervisor: type[BasePermission] = HasRole.of(Role.SUPERVISOR, Role.TENANT_ADMIN)


def query(serializer_cls, request) -> dict:
    s = serializer_cls(data=request.query_params)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)
