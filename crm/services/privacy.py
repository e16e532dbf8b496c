"""Privacy (CRM-8): legal holds, and erasure of a contact cascading to everything that
carries their identity: calls and their events, voicemails and messages, callbacks,
recordings (here and at the carrier), cases, notes, consent records, surveys.

Erasure keeps the *business* facts (a call happened at 10:02, waited 14 s, was answered by
Ann) so the KPIs, billing and QA history do not change; it removes who the caller was and
what they said. One transaction: it either all happens or nothing does; the carrier's copy
of a recording is deleted after commit through the provider adapter (retried by it)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from accounts.models import Role, User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from crm.models import Contact, LegalHold

ERASED = "erased"
MSG_ADMIN = "Only tenant admins may place legal holds or erase contacts."
MSG_HELD = ("{name} is under legal hold since {since:%Y-%m-%d} ({reason}); release the hold before erasing. "
            "Nothing was changed.")
MSG_ALREADY_HELD = "{name} is already under legal hold ({reason})."
MSG_NOT_HELD = "{name} is not under legal hold."


def _admin_only(actor: User) -> None:
    if not actor.has_role(Role.TENANT_ADMIN):
        raise ServiceError("forbidden", MSG_ADMIN, status_code=403)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise field_error("reason", "Give the reason (1–300 characters); it goes into the audit log.")
    return reason


def active_hold(contact: Contact) -> LegalHold | None:
    return contact.legal_holds.filter(released_at__isnull=True).first()


@transaction.atomic
def legal_hold_place(*, contact: Contact, actor: User, reason: str, ip: str | None = None) -> LegalHold:
    _admin_only(actor)
    reason = _reason(reason)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    held = active_hold(contact)
    if held:
        raise ServiceError("already_held", MSG_ALREADY_HELD.format(name=contact.name, reason=held.reason),
                           status_code=409)
    hold = LegalHold.objects.create(contact=contact, reason=reason, placed_by=actor.email)
    audit_record(actor=actor, action="contact.legal_hold", target=contact, ip=ip,
                 summary=f"Legal hold placed on contact #{contact.pk}: {reason}")
    return hold


@transaction.atomic
def legal_hold_release(*, contact: Contact, actor: User, reason: str, ip: str | None = None) -> LegalHold:
    from telephony import clock

    _admin_only(actor)
    reason = _reason(reason)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    hold = active_hold(contact)
    if hold is None:
        raise ServiceError("not_held", MSG_NOT_HELD.format(name=contact.name), status_code=409)
    hold.released_at, hold.released_by, hold.release_reason = clock.now(), actor.email, reason
    hold.save()
    audit_record(actor=actor, action="contact.legal_hold_release", target=contact, ip=ip,
                 summary=f"Legal hold on contact #{contact.pk} released: {reason}")
    return hold


@transaction.atomic
def contact_erase(*, contact: Contact, actor: User, reason: str, ip: str | None = None) -> dict[str, int]:
    """Erase a contact everywhere (GDPR art. 17); refused while a legal hold is active.
    Returns what was erased, by kind (also written, without personal data, to the audit log)."""
    from crm import selectors
    from telephony.models import BacklogItem, Call, Callback, CallbackStatus, CallEvent, CallLeg, Recording
    from telephony.services.recordings import recording_delete

    _admin_only(actor)
    reason = _reason(reason)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    hold = active_hold(contact)
    if hold:
        raise ServiceError("legal_hold", MSG_HELD.format(name=contact.name, since=hold.placed_at, reason=hold.reason),
                           status_code=409)
    numbers = selectors.contact_numbers(contact)
    pk = contact.pk
    calls = Call.objects.filter(Q(ani__in=numbers) | Q(dnis__in=numbers)) if numbers else Call.objects.none()
    call_ids = list(calls.values_list("pk", flat=True))
    backlog = BacklogItem.objects.filter(contact_number__in=numbers) if numbers else BacklogItem.objects.none()
    recordings = Recording.objects.filter(Q(call_id__in=call_ids)
                                          | Q(pk__in=backlog.exclude(recording=None).values("recording")))
    counts = {"calls": len(call_ids), "recordings": 0, "voicemails_and_messages": 0, "callbacks": 0,
              "cases": 0, "notes": contact.notes.count(), "surveys": 0}
    for rec in recordings.exclude(status="deleted"):
        recording_delete(user=None, rec=rec, reason="contact erased (privacy request)")
        counts["recordings"] += 1
    Call.objects.filter(pk__in=call_ids, ani__in=numbers).update(ani=ERASED, collected={}, notes="")
    Call.objects.filter(pk__in=call_ids, dnis__in=numbers).update(dnis=ERASED, collected={}, notes="")
    CallLeg.objects.filter(call_id__in=call_ids, target__in=numbers).update(target=ERASED)
    # Events keep their kind and time (the call's log still reads right) but lose details
    # such as keyed digits and transfer notes.
    CallEvent.objects.filter(call_id__in=call_ids).update(detail={"erased": True})
    counts["voicemails_and_messages"] = backlog.update(contact_number="", contact_name="", message="")
    callbacks = Callback.objects.filter(number__in=numbers) if numbers else Callback.objects.none()
    callbacks.filter(status__in=[CallbackStatus.SCHEDULED, CallbackStatus.QUEUED]).update(
        status=CallbackStatus.CANCELLED)
    counts["callbacks"] = callbacks.update(number=ERASED)
    _erase_follow_ups(call_ids, contact)
    counts["cases"] = contact.cases.update(subject="(erased contact)", description="", contact=None)
    counts["surveys"] = _erase_surveys(call_ids, contact)
    contact.delete()  # phones, notes, consent records and their follow-ups go with it (CASCADE)
    audit_record(actor=actor, action="contact.erase", target=None, ip=ip, detail=counts,
                 summary=f"Contact #{pk} erased ({reason}): " + ", ".join(f"{v} {k}" for k, v in counts.items() if v))
    return counts


def _erase_follow_ups(call_ids: list[int], contact: Contact) -> None:
    """Follow-up titles name the customer or their number: the tasks go."""
    from crm.models import FollowUpTask

    FollowUpTask.objects.filter(Q(call_id__in=call_ids) | Q(contact=contact) | Q(case__contact=contact)).delete()


def _erase_surveys(call_ids: list[int], contact: Contact) -> int:
    from crm.models import SurveyResponse

    answers = SurveyResponse.objects.filter(Q(call_id__in=call_ids) | Q(contact=contact))
    return answers.update(reason="", contact=None)
