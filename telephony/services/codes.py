"""The tenant's not-ready reasons and wrap-up codes: what agents pick from on the desk."""

from __future__ import annotations

import re

from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import field_error
from telephony.models import NotReadyCode, WrapUpCode
from telephony.services.agents import SYSTEM_REASONS

CODE = re.compile(r"^[a-z0-9_]{1,20}$")




@transaction.atomic
def not_ready_code_add(*, code: str, label: str, actor: User | None = None) -> NotReadyCode:
    code, label = (code or "").strip().lower(), (label or "").strip()
    if not CODE.match(code):
        raise field_error("code", "Use 1–20 lowercase letters, digits or underscores, e.g. team_huddle.")
    if code in SYSTEM_REASONS:
        raise field_error("code", f"'{code}' is reserved for the system.")
    if not label or len(label) > 40:
        raise field_error("label", "Give a label of 1–40 characters.")
    if NotReadyCode.objects.filter(code=code).exists():
        raise field_error("code", f"The reason '{code}' already exists.", "exists", 409)
    item = NotReadyCode.objects.create(code=code, label=label)
    audit_record(actor=actor, action="not_ready_code.add", target=item, summary=f"Not-ready reason {label} added")
    return item


@transaction.atomic
def wrap_up_code_add(*, label: str, actor: User | None = None) -> WrapUpCode:
    label = (label or "").strip()
    if not label or len(label) > 40:
        raise field_error("label", "Give a label of 1–40 characters.")
    if WrapUpCode.objects.filter(label__iexact=label).exists():
        raise field_error("label", f"The wrap-up code '{label}' already exists.", "exists", 409)
    item = WrapUpCode.objects.create(label=label)
    audit_record(actor=actor, action="wrap_up_code.add", target=item, summary=f"Wrap-up code {label} added")
    return item


@transaction.atomic
def code_set_active(*, item: NotReadyCode | WrapUpCode, active: bool, actor: User | None = None):
    """Retire or bring back a reason or code (kept, so history still reads)."""
    item.active = active
    item.save(update_fields=["active"])
    kind = "not_ready_code" if isinstance(item, NotReadyCode) else "wrap_up_code"
    audit_record(actor=actor, action=f"{kind}.{'enable' if active else 'disable'}", target=item,
                 summary=f"{item.label} {'enabled' if active else 'retired'}")
    return item
