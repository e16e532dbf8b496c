"""CRM reads: the screen-pop lookups, search, the interaction timeline (CRM-2), export."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from crm.models import Contact, ContactNote, ContactPhone
from crm.phones import InvalidPhone, to_e164

TIMELINE_LIMIT = 20


def contact_list() -> QuerySet[Contact]:
    return Contact.objects.select_related("account", "owner").prefetch_related("phones")


def _phone_matches(number: str) -> QuerySet[ContactPhone]:
    """Contacts' numbers equal to `number` (any format), the most recently updated contact first."""
    try:
        e164 = to_e164(number)
    except InvalidPhone:
        return ContactPhone.objects.none()
    return ContactPhone.objects.filter(e164=e164).order_by("-contact__updated_at")


def contact_for_phone(number: str) -> Contact | None:
    """The contact with this number (the most recently updated, if several share it)."""
    hit = _phone_matches(number).values_list("contact_id", flat=True).first()
    return contact_list().filter(pk=hit).first() if hit else None


def contact_tier_for_phone(number: str) -> str:
    """The caller's CRM tier ('' when unknown): one index lookup on the call's way in."""
    return _phone_matches(number).values_list("contact__tier", flat=True).first() or ""


def contact_for_account_number(number: str) -> Contact | None:
    if not number:
        return None
    return contact_list().filter(account__number=number).order_by("-updated_at").first()


def contact_search(q: str) -> QuerySet[Contact]:
    """By name, e-mail, account number or name, or any phone number (in any format)."""
    q = (q or "").strip()
    qs = contact_list()
    if not q:
        return qs
    cond = (Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(email__icontains=q)
            | Q(account__number=q) | Q(account__name__icontains=q))
    with contextlib.suppress(InvalidPhone):  # not a phone number: search the other fields only
        cond |= Q(phones__e164=to_e164(q))
    return qs.filter(cond).distinct()


def contact_numbers(contact: Contact) -> list[str]:
    return [p.e164 for p in contact.phones.all()]


def timeline_for_numbers(numbers: Iterable[str], *, contact: Contact | None = None,
                         limit: int = TIMELINE_LIMIT) -> list[dict]:
    """Calls, voicemails and callbacks of these numbers and the contact's notes, newest first."""
    from telephony.models import BacklogItem, Call, Callback

    numbers = list(numbers)
    items: list[dict] = []
    for c in Call.objects.filter(ani__in=numbers).select_related("queue", "agent").order_by("-arrived_at")[:limit]:
        items.append({"kind": "call", "at": c.arrived_at, "id": c.pk, "outcome": c.outcome or c.status,
                      "queue": c.queue.name if c.queue_id else "", "agent": c.agent.email if c.agent_id else "",
                      "disposition": c.disposition, "talk_s": c.talk_s})
    for b in BacklogItem.objects.filter(contact_number__in=numbers).order_by("-created_at")[:limit]:
        items.append({"kind": b.kind, "at": b.created_at, "id": b.pk, "status": b.status, "message": b.message,
                      "duration_s": b.duration_s})
    for cb in Callback.objects.filter(number__in=numbers).order_by("-created_at")[:limit]:
        items.append({"kind": "callback", "at": cb.created_at, "id": cb.pk, "status": cb.status})
    if contact is not None:
        for n in ContactNote.objects.filter(contact=contact).select_related("author")[:limit]:
            items.append({"kind": "note", "at": n.at, "id": n.pk, "text": n.text,
                          "author": n.author.email if n.author_id else ""})
    items.sort(key=lambda i: i["at"], reverse=True)
    return items[:limit]


def contact_card(contact: Contact) -> dict:
    return {"id": contact.pk, "name": contact.name, "first_name": contact.first_name,
            "last_name": contact.last_name, "email": contact.email, "tier": contact.tier,
            "lifecycle": contact.lifecycle, "tags": contact.tags, "do_not_contact": contact.do_not_contact,
            "consent_recording": contact.consent_recording, "phones": contact_numbers(contact),
            "account": ({"number": contact.account.number, "name": contact.account.name, "tier": contact.account.tier}
                        if contact.account_id else None),
            "owner": contact.owner.email if contact.owner_id else None, "custom": contact.custom}


def screen_pop(*, ani: str, collected: dict | None = None) -> dict:
    """What the desk shows about a caller: the contact (by an account number keyed in the
    IVR first, else by the calling number), and the recent history of that number."""
    collected = collected or {}
    contact = contact_for_account_number(str(collected.get("account", "")))
    matched_by = "account" if contact else ""
    if contact is None:
        contact = contact_for_phone(ani)
        matched_by = "phone" if contact else ""
    numbers = set(contact_numbers(contact)) if contact else set()
    try:
        numbers.add(to_e164(ani))
    except InvalidPhone:
        numbers.add(ani)
    return {"contact": contact_card(contact) if contact else None, "matched_by": matched_by,
            "cases": open_cases_of(contact) if contact else [],
            "history": timeline_for_numbers(numbers, contact=contact, limit=5)}


def contacts_csv(contacts: QuerySet[Contact]) -> str:
    """Export in the import's own format (so an export re-imports as it is)."""
    from crm.services import FIELDS

    keys = sorted({k for custom in contacts.values_list("custom", flat=True) for k in custom})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*FIELDS, *(f"custom.{k}" for k in keys)])
    for c in contacts:
        writer.writerow([c.first_name, c.last_name, c.email, ";".join(contact_numbers(c)),
                         c.account.number if c.account_id else "", c.account.name if c.account_id else "",
                         c.tier, c.lifecycle, ";".join(c.tags), "yes" if c.do_not_contact else "no",
                         "yes" if c.consent_marketing else "no", c.address, *(c.custom.get(k, "") for k in keys)])
    return out.getvalue()


def case_card(case) -> dict:
    return {"id": case.pk, "number": case.number, "type": case.type, "state": case.state, "subject": case.subject,
            "contact": case.contact_id, "call": case.call_id, "assignee": case.assignee.email if case.assignee_id
            else None, "promised_by": case.promised_by, "escalation": case.get_escalation_display(),
            "resolved_on_first_contact": case.resolved_on_first_contact, "created_at": case.created_at,
            "overdue": case.overdue_alerted_at is not None}


def open_cases_of(contact: Contact) -> list[dict]:
    from crm.cases import OPEN_STATES

    return [case_card(c) for c in contact.cases.filter(state__in=[*OPEN_STATES, "follow_up"])
            .select_related("assignee")[:10]]
