"""Voicemail & messages backlog (TEL-14): review, up to three contact attempts with the next
attempt scheduled each time, then converted to a case or closed. Agents hear of new items."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from accounts.models import User
from config.errors import ServiceError
from telephony import clock
from telephony.addresses import E164
from telephony.models import (
    AttemptOutcome,
    BacklogAttempt,
    BacklogItem,
    BacklogKind,
    BacklogStatus,
    Outcome,
    Recording,
)
from telephony.services.common import call_event, locked_call
from tenants.realtime import event_on_commit

MAX_ATTEMPTS = 3
MIN_VOICEMAIL_S = 3
# After attempt 1 and attempt 2 fail, try again this much later.
NEXT_ATTEMPT_AFTER = {1: timedelta(hours=2), 2: timedelta(hours=24)}
MSG_STATE = "This item is {status}; {action} is not possible now."
MSG_ATTEMPTS_LEFT = "Record a contact attempt first (the customer has not been reached yet)."


def _notify(item: BacklogItem, what: str) -> None:
    event_on_commit(["supervisors", "agents"], "backlog.update", {"item": item.pk, "kind": item.kind,
                                                                  "status": item.status, "what": what})


def _locked(item_pk: int) -> BacklogItem:
    item = BacklogItem.objects.select_for_update().filter(pk=item_pk).first()
    if item is None:
        raise ServiceError("not_found", "No such backlog item.", status_code=404)
    return item


@transaction.atomic
def voicemail_received(*, call_pk: int, recording_sid: str, url: str, duration_s: int) -> BacklogItem | None:
    """The carrier's <Record> action: the caller left a message. Idempotent per call."""
    call = locked_call(pk=call_pk)
    if call is None:
        return None
    existing = BacklogItem.objects.filter(call=call, kind=BacklogKind.VOICEMAIL).first()
    if existing is not None:
        return existing
    rec, _ = Recording.objects.get_or_create(sid=recording_sid, defaults={
        "call": call, "kind": "voicemail", "status": "completed", "media_url": url, "duration_s": duration_s,
        "started_at": clock.now(), "completed_at": clock.now()}) if recording_sid else (None, False)
    item = BacklogItem.objects.create(kind=BacklogKind.VOICEMAIL, call=call, queue=call.queue, recording=rec,
                                      contact_number=call.ani if E164.match(call.ani or "") else "",
                                      duration_s=duration_s, created_at=clock.now())
    call.outcome = Outcome.VOICEMAIL
    call.save(update_fields=["outcome"])
    call_event(call, "voicemail_left", item=item.pk, duration_s=duration_s)
    _notify(item, "new")
    return item


@transaction.atomic
def message_receive(*, contact_number: str, contact_name: str, message: str) -> BacklogItem:
    item = BacklogItem.objects.create(kind=BacklogKind.MESSAGE, contact_number=contact_number.strip(),
                                      contact_name=contact_name.strip()[:120], message=message, created_at=clock.now())
    _notify(item, "new")
    return item


@transaction.atomic
def backlog_review(*, item_pk: int, actor: User) -> BacklogItem:
    """Too short, or nobody to call back: invalid and closed. Otherwise ready for contact."""
    item = _locked(item_pk)
    if item.status != BacklogStatus.NEW:
        raise ServiceError("bad_state", MSG_STATE.format(status=item.status, action="review"), status_code=409)
    now = clock.now()
    item.reviewed_at = now
    item.assigned_to = item.assigned_to or actor
    too_short = item.kind == BacklogKind.VOICEMAIL and item.duration_s < MIN_VOICEMAIL_S
    if too_short or not E164.match(item.contact_number or ""):
        item.status, item.closed_at = BacklogStatus.INVALID, now
        item.closed_reason = "message too short" if too_short else "no number to call back"
    else:
        item.status, item.next_attempt_at = BacklogStatus.CONTACTING, now
    item.save()
    _notify(item, "reviewed")
    return item


@transaction.atomic
def backlog_attempt(*, item_pk: int, actor: User, outcome: str, note: str = "") -> BacklogItem:
    """One contact attempt. Not reached: the next one is scheduled; after the third, closed."""
    item = _locked(item_pk)
    if item.status != BacklogStatus.CONTACTING or item.attempts >= MAX_ATTEMPTS:
        raise ServiceError("bad_state", MSG_STATE.format(status=item.status, action="another attempt"),
                           status_code=409)
    if outcome not in AttemptOutcome.values:
        raise ServiceError("invalid", f"outcome: choose {', '.join(AttemptOutcome.values)}.")
    now = clock.now()
    item.attempts += 1
    BacklogAttempt.objects.create(item=item, number=item.attempts, at=now, agent=actor, outcome=outcome,
                                  note=note[:500])
    item.first_contact_at = item.first_contact_at or now
    if outcome == AttemptOutcome.REACHED:
        item.next_attempt_at = None
    elif outcome == AttemptOutcome.WRONG_NUMBER or item.attempts >= MAX_ATTEMPTS:
        item.status, item.closed_at, item.next_attempt_at = BacklogStatus.CLOSED, now, None
        item.closed_reason = ("wrong number" if outcome == AttemptOutcome.WRONG_NUMBER
                              else f"not reached after {MAX_ATTEMPTS} attempts")
    else:
        item.next_attempt_at = now + NEXT_ATTEMPT_AFTER[item.attempts]
    item.save()
    _notify(item, "attempt")
    return item


@transaction.atomic
def backlog_convert(*, item_pk: int, actor: User, case_type: str, subject: str = "") -> BacklogItem:
    """The customer was reached: open a CRM case of the tenant's case type from the item."""
    from crm.selectors import contact_for_phone
    from crm.services import case_open

    item = _locked(item_pk)
    reached = item.attempt_log.filter(outcome=AttemptOutcome.REACHED).exists()
    if item.status != BacklogStatus.CONTACTING:
        raise ServiceError("bad_state", MSG_STATE.format(status=item.status, action="converting"), status_code=409)
    if not reached:
        raise ServiceError("not_reached", MSG_ATTEMPTS_LEFT, status_code=409)
    who = item.contact_name or item.contact_number or "caller"
    case = case_open(type=case_type, subject=subject.strip() or f"From the {item.get_kind_display().lower()} of {who}",
                     description=item.message, actor=actor, call=item.call,
                     contact=contact_for_phone(item.contact_number) if item.contact_number else None)
    item.status, item.case_type, item.case, item.closed_at = BacklogStatus.CONVERTED, case_type, case, clock.now()
    item.save()
    _notify(item, "converted")
    return item


@transaction.atomic
def backlog_close(*, item_pk: int, actor: User, reason: str) -> BacklogItem:
    item = _locked(item_pk)
    if item.status in (BacklogStatus.CONVERTED, BacklogStatus.CLOSED, BacklogStatus.INVALID):
        raise ServiceError("bad_state", MSG_STATE.format(status=item.status, action="closing"), status_code=409)
    if not reason.strip():
        raise ServiceError("invalid", "reason: Say why the item is closed.", {"reason": ["Say why."]})
    item.status, item.closed_reason, item.closed_at = BacklogStatus.CLOSED, reason.strip()[:200], clock.now()
    item.save()
    _notify(item, "closed")
    return item


