"""Shared by the WFM API modules: who may plan, the period parameters, query parsing."""

from __future__ import annotations

from datetime import date

from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import BasePermission

from accounts.models import Role
from accounts.permissions import HasRole
from config.errors import field_error

PERIOD = [OpenApiParameter("from", str, description="YYYY-MM-DD (tenant's timezone)"),
          OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive")]

IsPlanner: type[BasePermission] = HasRole.of(Role.WFM_PLANNER, Role.SUPERVISOR, Role.TENANT_ADMIN)
IsSupervisor: type[BasePermission] = HasRole.of(Role.SUPERVISOR, Role.TENANT_ADMIN)


def query(serializer_cls, request) -> dict:
    s = serializer_cls(data=request.query_params)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


def day_param(request, default: date | None) -> date | None:
    """The `day` query parameter (YYYY-MM-DD), or `default`; a 400 naming it when malformed."""
    raw = request.query_params.get("day", "")
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        raise field_error("day", f"'{raw}' is not a date; use YYYY-MM-DD.") from None
