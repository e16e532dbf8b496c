"""Campaign lifecycle (OUT-1) and lead handling (OUT-4): the state machine, adding contacts,
the one-agent-at-a-time lock, results with retry rules per outcome."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from accounts.models import Role
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from telephony import clock
from telephony.models.outbound import Campaign, CampaignContact

S = Campaign.State
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.APPROVED, S.CANCELLED},
    S.APPROVED: {S.PILOT, S.CANCELLED},
    S.PILOT: {S.RUNNING, S.PAUSED, S.CANCELLED},
    S.RUNNING: {S.PAUSED, S.COMPLETED, S.CANCELLED},
    S.PAUSED: {S.RUNNING, S.COMPLETED, S.CANCELLED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
}
DIALING_STATES = {S.PILOT, S.RUNNING}
LOCK_TTL = timedelta(minutes=15)
DEFAULT_RETRY_MIN = {"busy": 15, "no_answer": 120, "machine": 240, "abandoned": 72 * 60, "callback": 0}
GRADES = "ABCDE"
OBJECTIONS = ("no_need", "price", "wants_time", "busy", "fraud_fear", "no_authority", "other")
# Results an agent records besides the campaign's own goal codes
STANDARD_RESULTS = ("no_interest", "callback", "wrong_number", "do_not_call", "wrong_person", "busy", "no_answer",
                    "machine")


def result_codes(campaign: Campaign) -> list[str]:
    return [*(campaign.goal_codes or []), *[r for r in STANDARD_RESULTS if r not in (campaign.goal_codes or [])]]


def campaign_create(*, data: dict, by) -> Campaign:
    """A new campaign (draft) from validated fields; `agents` may name the users who work it."""
    data = dict(data)
    agents = data.pop("agents", None)
    with transaction.atomic():
        c = Campaign.objects.create(**data, created_by=by)
        if agents:
            c.agents.set(agents)
        audit_record(actor=by, action="outbound.campaign_create", target=c, summary=f"Campaign {c.name}")
    return c


def campaign_to_preview(*, campaign: Campaign, by) -> Campaign:
    """The per-campaign switch back to preview (OUT-2): the dialer stops dialing ahead at once;
    agents see each record and dial it themselves."""
    with transaction.atomic():
        Campaign.objects.filter(pk=campaign.pk).update(mode=Campaign.Mode.PREVIEW)
        audit_record(actor=by, action="outbound.campaign_preview", target=campaign,
                     summary=f"Campaign {campaign.name}: {campaign.mode} → preview")
    campaign.refresh_from_db()
    return campaign


def rows_from_csv(upload) -> tuple[list[dict], str]:
    """The rows of an uploaded target list (number, name, grade, timezone) and its source."""
    import csv
    import io

    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise field_error("file", "the file is not UTF-8 text.") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    if rows and "number" not in rows[0]:
        raise field_error("file", "the CSV needs a 'number' column (and optionally name, grade, timezone).")
    return rows, f"CSV {upload.name}"


def campaign_transition(*, campaign: Campaign, to: str, by) -> Campaign:
    with transaction.atomic():
        c = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if to not in TRANSITIONS.get(c.state, set()):
            allowed = ", ".join(sorted(TRANSITIONS.get(c.state, set()))) or "nothing (it is finished)"
            raise ServiceError("bad_transition", f"A {c.state} campaign can go to {allowed}, not {to}.",
                               status_code=409)
        if to == S.APPROVED:
            if not by.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
                raise ServiceError("forbidden", "A supervisor approves campaigns.", status_code=403)
            if c.mode == Campaign.Mode.PREDICTIVE and c.b2b:
                raise ServiceError("b2b_predictive", "Predictive dialing is not allowed for a business list; "
                                                     "switch the campaign to preview or progressive.", status_code=409)
            if not c.contacts.exists():
                raise ServiceError("no_contacts", "Add the target list before approval.", status_code=409)
            c.approved_by = by
        if to == S.RUNNING and c.state == S.PILOT:
            done = c.attempts.filter(pilot=True).exclude(outcome="blocked").count()
            if done < min(c.pilot_calls, c.contacts.count()):
                raise ServiceError("pilot_unfinished", f"The pilot has made {done} of its {c.pilot_calls} test calls; "
                                                       "evaluate it when they are done.", status_code=409)
        before, c.state = c.state, to
        c.save(update_fields=["state", "approved_by"])
        audit_record(actor=by, action="outbound.campaign_state", target=c,
                     summary=f"Campaign {c.name}: {before} → {to}")
    return c


@transaction.atomic
def contacts_add(*, campaign: Campaign, rows: list[dict], source: str, by=None) -> int:
    """Add numbers to a campaign (validated all or nothing; the source is recorded)."""
    from telephony.outbound.compliance import callee_zones, normalise_number

    clean = []
    for i, row in enumerate(rows, 1):
        number = normalise_number(str(row.get("number", "")))
        if number is None:
            raise field_error("rows", f"row {i}: '{str(row.get('number', ''))[:30]}' is not a phone number; "
                                      "nothing was added.")
        grade = str(row.get("grade", "") or "").upper()
        if grade and grade not in GRADES:
            raise field_error("rows", f"row {i}: grade is one of A–E.")
        tz = str(row.get("timezone", "") or "")
        zones = callee_zones(number, tz)
        clean.append(CampaignContact(campaign=campaign, number=number, name=str(row.get("name", ""))[:120],
                                     grade=grade, timezone=zones[0] if len(zones) == 1 else tz,
                                     contact_id=row.get("contact")))
    before = campaign.contacts.count()
    CampaignContact.objects.bulk_create(clean, ignore_conflicts=True)
    added = campaign.contacts.count() - before
    campaign.list_source = source[:200]
    campaign.save(update_fields=["list_source"])
    audit_record(actor=by, action="outbound.contacts_add", target=campaign,
                 summary=f"{added} numbers added to {campaign.name} from {source}")
    return added


def contact_lock_next(*, campaign: Campaign, agent) -> CampaignContact | None:
    """The next due contact, locked to `agent`: grade A first, then the longest waiting. Two
    agents asking at once get two different contacts (row locks, skipping locked rows); a lock
    older than 15 minutes is free again."""
    now = clock.now()
    with transaction.atomic():
        owned = agent and (CampaignContact.objects.select_for_update(skip_locked=True)
                           .filter(campaign=campaign, status=CampaignContact.Status.PENDING, owner=agent,
                                   next_attempt_at__lte=now).order_by("next_attempt_at", "pk").first())
        cc = owned or (CampaignContact.objects.select_for_update(skip_locked=True)
                       .filter(campaign=campaign, owner__isnull=True)
                       .filter(_due(now)).order_by(_grade_order(), "next_attempt_at", "pk").first())
        if cc is None:
            return None
        cc.status, cc.locked_by, cc.locked_at = CampaignContact.Status.LOCKED, agent, now
        cc.save(update_fields=["status", "locked_by", "locked_at"])
    return cc


def _due(now):
    from django.db.models import Q

    pending = Q(status=CampaignContact.Status.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    stale = Q(status=CampaignContact.Status.LOCKED, locked_at__lt=now - LOCK_TTL)
    return pending | stale


def _grade_order():
    from django.db.models import Case, IntegerField, Value, When

    return Case(*[When(grade=g, then=Value(i)) for i, g in enumerate(GRADES)], default=Value(len(GRADES)),
                output_field=IntegerField())


@transaction.atomic
def contact_result(*, cc: CampaignContact, agent, outcome: str, objection: str = "", grade: str = "",
                   callback_at=None, note: str = "") -> CampaignContact:
    """The agent's result for a worked contact: outcome and objection codes; a callback keeps
    the contact with its owner; failed tries come back after the campaign's retry interval."""
    cc = CampaignContact.objects.select_for_update().get(pk=cc.pk)
    if cc.locked_by_id != agent.pk:
        raise ServiceError("not_locked", "This contact is not locked to you.", status_code=409)
    if objection and objection not in OBJECTIONS:
        raise field_error("objection", f"one of {', '.join(OBJECTIONS)}.")
    if grade and grade.upper() not in GRADES:
        raise field_error("grade", "A–E.")
    campaign = cc.campaign
    if outcome not in result_codes(campaign):
        raise field_error("outcome", f"one of {', '.join(result_codes(campaign))}.")
    cc.attempts += 1
    cc.last_outcome, cc.objection = outcome, objection
    cc.grade = grade.upper() or cc.grade
    cc.locked_by, cc.locked_at = None, None
    retry = {**DEFAULT_RETRY_MIN, **(campaign.retry_minutes or {})}
    now = clock.now()
    if outcome == "callback":
        if callback_at is None:
            raise field_error("callback_at", "when to call back.")
        cc.status, cc.owner, cc.next_attempt_at = CampaignContact.Status.PENDING, agent, callback_at
    elif outcome in ("busy", "no_answer", "machine", "abandoned") and cc.attempts < campaign.max_attempts:
        cc.status, cc.next_attempt_at = CampaignContact.Status.PENDING, now + timedelta(minutes=retry[outcome])
    elif outcome in ("busy", "no_answer", "machine", "abandoned"):
        cc.status = CampaignContact.Status.EXHAUSTED
    else:
        cc.status = CampaignContact.Status.DONE
    cc.save()
    if outcome == "do_not_call":  # an opt-out on a call: honoured at once, in every campaign
        from telephony.outbound.compliance import opt_out

        opt_out(number=cc.number, reason=f"asked on a {campaign.name} call", by=agent)
    if cc.contact_id:
        from crm.models import ContactNote

        ContactNote.objects.create(contact_id=cc.contact_id, author=agent,
                                   text=f"Campaign {campaign.name}: {outcome}"
                                        + (f" ({objection})" if objection else "") + (f" — {note}" if note else ""))
    return cc


@transaction.atomic
def contact_skip(*, cc: CampaignContact, agent) -> CampaignContact:
    """Preview: the agent passes on the record without dialing; it goes back to the list
    untouched (no attempt counted) for someone else."""
    cc = CampaignContact.objects.select_for_update().get(pk=cc.pk)
    if cc.locked_by_id != agent.pk or cc.status != CampaignContact.Status.LOCKED:
        raise ServiceError("not_locked", "This contact is not locked to you.", status_code=409)
    cc.status, cc.locked_by, cc.locked_at = CampaignContact.Status.PENDING, None, None
    cc.save(update_fields=["status", "locked_by", "locked_at"])
    return cc
