"""Shared by the QA API modules."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter

from accounts.models import Role
from accounts.permissions import HasRole
from config.errors import field_error

IsQaStaff = HasRole.of(Role.QA_ANALYST, Role.SUPERVISOR, Role.TENANT_ADMIN)
PERIOD = [OpenApiParameter("from", str), OpenApiParameter("to", str)]


def call_or_400(pk):
    from telephony.models import Call

    call = Call.objects.filter(pk=pk).select_related("agent").first()
    if call is None:
        raise field_error("call", "no such call.")
    return call
