"""Scheduled follow-ups (CRM-7): rules such as "3, 7 and 30 days after a repair is resolved,
do a return-visit survey" create tasks when they fall due. A Celery beat sweep creates them;
a unique constraint per (rule, case) and (rule, call) makes the sweep safe to run twice or
concurrently. A rule applies to events whose follow-up falls due after the rule was made, so
a new rule does not flood agents with follow-ups for last year's cases."""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from crm.models import (
    Case,
    CaseTypeSetting,
    FollowUpAction,
    FollowUpEvent,
    FollowUpRule,
    FollowUpStatus,
    FollowUpTask,
)

MAX_DAYS = 365
CASE_EVENT_FIELD = {FollowUpEvent.CASE_OPENED: "created_at", FollowUpEvent.CASE_RESOLVED: "resolved_at",
                    FollowUpEvent.CASE_CLOSED: "closed_at"}
SWEEP_BATCH = 1000


def clean_rule(data: dict) -> dict:
    """One rule's fields, checked; raises a 400 naming the field."""
    name = str(data.get("name") or "").strip()
    if not name or len(name) > 120:
        raise field_error("name", "Give the rule a name of 1–120 characters.")
    event = str(data.get("event") or "")
    if event not in FollowUpEvent.values:
        raise field_error("event", f"'{event}' is not an event; use {', '.join(FollowUpEvent.values)}.")
    action = str(data.get("action") or "")
    if action not in FollowUpAction.values:
        raise field_error("action", f"'{action}' is not an action; use {', '.join(FollowUpAction.values)}.")
    try:
        days = int(data.get("days"))
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= MAX_DAYS:
        raise field_error("days", f"days: a whole number from 0 to {MAX_DAYS}.")
    case_type = str(data.get("case_type") or "")
    if case_type and event == FollowUpEvent.CALL_ANSWERED:
        raise field_error("case_type", "Only case events can be limited to a case type.")
    if case_type and not CaseTypeSetting.objects.filter(code=case_type).exists():
        raise field_error("case_type", f"'{case_type}' is not a case type.")
    return {"name": name, "event": event, "action": action, "days": days, "case_type": case_type,
            "active": bool(data.get("active", True))}


@transaction.atomic
def follow_up_rule_save(*, data: dict, actor: User, rule: FollowUpRule | None = None) -> FollowUpRule:
    fields = clean_rule(data)
    if rule is None:
        rule = FollowUpRule.objects.create(**fields)
    else:
        for k, v in fields.items():
            setattr(rule, k, v)
        rule.save()
    audit_record(actor=actor, action="crm.follow_up_rule", target=rule,
                 summary=f"Follow-up rule '{rule.name}': {rule.days} days after {rule.event}, {rule.action}")
    return rule


def _title(rule: FollowUpRule, subject: str) -> str:
    return f"{rule.get_action_display()} — day {rule.days} after {rule.get_event_display().lower()}: {subject}"[:200]


def follow_ups_create() -> int:
    """Create every follow-up task that has fallen due; returns how many were created."""
    from crm.selectors import contact_for_phone
    from telephony import clock
    from telephony.models import Call

    now = clock.now()
    created = 0
    for rule in FollowUpRule.objects.filter(active=True):
        latest = now - timedelta(days=rule.days)
        earliest = rule.created_at - timedelta(days=rule.days)
        candidates: list[FollowUpTask] = []
        if rule.event in CASE_EVENT_FIELD:
            at = CASE_EVENT_FIELD[rule.event]
            cases = Case.objects.filter(**{f"{at}__lte": latest, f"{at}__gte": earliest}).exclude(
                follow_ups__rule=rule)
            if rule.case_type:
                cases = cases.filter(type=rule.case_type)
            candidates = [FollowUpTask(rule=rule, action=rule.action, title=_title(rule, f"#{c.number} {c.subject}"),
                                       case=c, contact_id=c.contact_id, assignee_id=c.assignee_id,
                                       due_at=getattr(c, at) + timedelta(days=rule.days))
                          for c in cases.order_by(at)[:SWEEP_BATCH]]
        else:
            calls = Call.objects.filter(answered_at__lte=latest, answered_at__gte=earliest).exclude(
                pk__in=FollowUpTask.objects.filter(rule=rule).exclude(call=None).values("call"))
            for call in calls.order_by("answered_at")[:SWEEP_BATCH]:
                contact = contact_for_phone(call.ani)
                candidates.append(FollowUpTask(rule=rule, action=rule.action, call=call, contact=contact,
                                               title=_title(rule, contact.name if contact else call.ani),
                                               assignee_id=call.agent_id,
                                               due_at=call.answered_at + timedelta(days=rule.days)))
        for task in candidates:
            try:
                with transaction.atomic():  # a concurrent sweep may have made it: skip, do not fail
                    task.save()
                    created += 1
            except IntegrityError:
                continue
    return created


@transaction.atomic
def follow_up_complete(*, task: FollowUpTask, actor: User, outcome: str,
                       cancelled: bool = False) -> FollowUpTask:
    from telephony import clock

    task = FollowUpTask.objects.select_for_update().get(pk=task.pk)
    if task.status != FollowUpStatus.OPEN:
        raise ServiceError("not_open", f"This follow-up is already {task.get_status_display().lower()}.",
                           status_code=409)
    outcome = (outcome or "").strip()
    if not outcome or len(outcome) > 500:
        raise field_error("outcome", "Say what happened (1–500 characters).")
    task.status = FollowUpStatus.CANCELLED if cancelled else FollowUpStatus.DONE
    task.outcome, task.done_by, task.done_at = outcome, actor.email, clock.now()
    task.save()
    return task
