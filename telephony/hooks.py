"""Absolute URLs of this tenant's carrier webhooks (what the carrier signs and calls)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import connection

PATHS = {
    "incoming": "telephony/voice/incoming",
    "ivr": "telephony/voice/ivr",
    "wait": "telephony/voice/wait",
    "voicemail": "telephony/voice/voicemail",
    "status": "telephony/voice/status",
    "leg": "telephony/voice/leg",
    "conference": "telephony/voice/conference",
    "recording": "telephony/voice/recording",
    "outbound": "telephony/voice/outbound",
    "redirect": "telephony/voice/redirect",
    "survey": "telephony/voice/survey",
    "campaign": "telephony/voice/campaign",
}


def _base() -> str:
    tenant = connection.tenant
    base = getattr(tenant, "_hook_base", None)
    if base is None:
        from tenants.selectors import tenant_url

        base = tenant._hook_base = tenant_url(tenant)
    return base


def hook_url(name: str, **query: object) -> str:
    q = {k: v for k, v in query.items() if v is not None}
    return _base() + PATHS[name] + (f"?{urlencode(q)}" if q else "")
