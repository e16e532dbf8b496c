"""Cases (CRM-3): gap-free numbering, the workflow with audited overrides, the escalation
ladder and the overdue-promise timer."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from accounts.models import User
from config.errors import ServiceError, field_error

# ---------------------------------------------------------------- cases (CRM-3)

MSG_OVERRIDE_ROLE = "Only supervisors and tenant admins may override the case workflow."
MSG_OVERRIDE_REASON = "Give the reason for overriding the workflow."


def _case_event(case, kind: str, actor: User | None, **fields):
    from crm.models import CaseEvent

    return CaseEvent.objects.create(case=case, kind=kind, actor_email=actor.email if actor else "", **fields)


def _next_case_number() -> int:
    from crm.models import CaseCounter

    counter, _ = CaseCounter.objects.select_for_update().get_or_create(pk=1)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def case_open(*, type: str, subject: str, actor: User | None = None, contact=None, call=None, team=None,
              description: str = "", promised_by=None, complaint_category: str = ""):
    """Open a case with the next number (no gaps: the counter row is locked until commit),
    routed to its type's team with its type's promised reply time. Complaints about staff
    (by category, or saying so) start at supervisor level (CRM-3)."""
    from crm.models import Case, CaseTypeSetting, ComplaintCategory, Escalation
    from telephony import clock

    setting = CaseTypeSetting.objects.filter(code=type, active=True).first()
    if setting is None:
        codes = ", ".join(CaseTypeSetting.objects.filter(active=True).values_list("code", flat=True))
        raise field_error("type", f"'{type}' is not a case type; use {codes}.")
    category = None
    if complaint_category:
        if type != "complaint":
            raise field_error("complaint_category", "Only complaints take a complaint category.")
        category = ComplaintCategory.objects.filter(code=complaint_category, active=True).first()
        if category is None:
            codes = ", ".join(ComplaintCategory.objects.filter(active=True).values_list("code", flat=True))
            raise field_error("complaint_category", f"'{complaint_category}' is not a complaint category; use {codes}.")
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        raise field_error("subject", "Give a subject of 1–200 characters.")
    now = clock.now()
    about_staff = type == "complaint" and (
        (category is not None and category.about_staff) or "staff" in (subject + " " + description).lower())
    case = Case.objects.create(number=_next_case_number(), type=type, subject=subject, description=description,
                               contact=contact, call=call, team=team or setting.team, opened_by=actor,
                               assignee=actor, complaint_category=category, created_at=now,
                               promised_by=promised_by or now + timedelta(hours=setting.promise_hours),
                               escalation=Escalation.SUPERVISOR if about_staff else Escalation.AGENT)
    _case_event(case, "opened", actor, to_state=case.state,
                reason="complaint about staff: routed to supervisors" if about_staff else "")
    if about_staff:
        from tenants.realtime import event_on_commit

        event_on_commit(["supervisors"], "alert", {
            "kind": "staff_complaint", "case": case.number, "level": "warning", "active": True,
            "message": f"Complaint about staff: case #{case.number} ({case.subject})"})
    return case


@transaction.atomic
def case_transition(*, case, to_state: str, actor: User, reason: str = "", override: bool = False):
    """Move a case along the workflow; a supervisor may override it, with a reason (recorded)."""
    from accounts.models import Role
    from crm import cases
    from crm.models import Case, CaseState
    from telephony import clock

    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_state not in CaseState.values:
        msg = f"'{to_state}' is not a case state; use {', '.join(CaseState.values)}."
        raise field_error("state", msg)
    if not cases.allowed(case.state, to_state):
        if not override:
            raise ServiceError("illegal_transition", cases.illegal_message(case.state, to_state), status_code=409)
        if not actor.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
            raise ServiceError("forbidden", MSG_OVERRIDE_ROLE, status_code=403)
        if not (reason or "").strip():
            raise field_error("reason", MSG_OVERRIDE_REASON)
    now = clock.now()
    before = case.state
    case.state = to_state
    if to_state == CaseState.RESOLVED:
        case.resolved_at = now
        case.resolved_on_first_contact = _first_contact(case, now)
    if to_state == CaseState.CLOSED:
        case.closed_at = now
    if to_state == CaseState.ASSIGNED and case.assignee_id is None:
        case.assignee = actor
    case.save()
    _case_event(case, "override" if override and not cases.allowed(before, to_state) else "state", actor,
                from_state=before, to_state=to_state, reason=(reason or "")[:300])
    return case


def _first_contact(case, now) -> bool:
    """Resolved within the contact that opened it: before that call's wrap-up ended, never
    escalated, never reopened."""
    if case.call_id is None or case.escalation:
        return False
    if case.events.filter(kind__in=["state", "override"], from_state="resolved").exists():
        return False
    ended = case.call.wrap_ended_at
    return ended is None or now <= ended


@transaction.atomic
def case_escalate(*, case, actor: User | None, reason: str):
    """One step up the ladder: agent → team leader → supervisor → manager."""
    from crm.models import Case, Escalation

    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.escalation >= Escalation.MANAGER:
        return case
    case.escalation += 1
    case.save(update_fields=["escalation"])
    _case_event(case, "escalated", actor, reason=f"to {Escalation(case.escalation).label}: {reason}"[:300])
    return case


def cases_overdue_sweep() -> int:
    """Celery beat: every case past its promised reply time and still open raises an alert to
    the supervisors and goes one step up the ladder, once per promise."""
    from crm import cases
    from crm.models import Case
    from telephony import clock
    from tenants.realtime import event_on_commit

    now = clock.now()
    done = 0
    for pk in Case.objects.filter(state__in=cases.OPEN_STATES, promised_by__lt=now,
                                  overdue_alerted_at__isnull=True).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            case = Case.objects.select_for_update(skip_locked=True).filter(pk=pk, overdue_alerted_at__isnull=True
                                                                           ).first()
            if case is None:
                continue
            case.overdue_alerted_at = now
            case.save(update_fields=["overdue_alerted_at"])
            _case_event(case, "overdue", None, reason=f"promised by {case.promised_by:%Y-%m-%d %H:%M} UTC")
            case_escalate(case=case, actor=None, reason="reply promise missed")
            event_on_commit(["supervisors"], "alert", {
                "kind": "case_overdue", "case": case.number, "level": "warning", "active": True,
                "message": f"Case #{case.number} ({case.subject}) is past its promised reply time"})
            done += 1
    return done
