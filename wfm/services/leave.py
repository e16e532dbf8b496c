"""Leave, swaps and lateness (SPEC WFM-7). Every rule is checked here and a refusal says which
rule and why:
  - at most 2 leave days a month (annual and personal leave, lateness included); more needs
    proof and two approvals
  - at most 1 person off (on leave or swapped) per shift; a second needs a supervisor's override
  - asked at least 1 day ahead (emergency sickness excepted)
  - at most 2 swaps a month per agent
  - a swap must not leave anyone less than their rest between two shifts (no back-to-back)
  - lateness ≤ 30 min counts 0.5 day of personal leave, more counts 1 day; 3 late starts in a
    month make 1 day absent
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.services import audit_record
from config.calendar import month_bounds
from config.errors import ServiceError, field_error
from reports.selectors import tenant_tz
from wfm.models import AgentWorkRule, LatenessRecord, LeaveRequest, Schedule, ScheduledShift, SwapRequest

MAX_LEAVE_DAYS_PER_MONTH = 2
MAX_OFF_PER_SHIFT = 1
NOTICE_DAYS = 1
MAX_SWAPS_PER_MONTH = 2
LATE_HALF_DAY_MAX_MIN = 30
LATE_EVENTS_PER_ABSENT_DAY = 3
COUNTED_KINDS = (LeaveRequest.Kind.ANNUAL, LeaveRequest.Kind.PERSONAL)
LIVE = (LeaveRequest.Status.PENDING, LeaveRequest.Status.APPROVED)
SWAPS_LIVE = (SwapRequest.Status.PENDING, SwapRequest.Status.ACCEPTED, SwapRequest.Status.APPROVED)


class RuleBroken(ServiceError):
    """A leave or swap rule refuses the request; `rule` names it for the page and the API."""

    def __init__(self, rule: str, message: str, status_code: int = 400):
        super().__init__("rule_" + rule, message, {"rule": [rule]}, status_code=status_code)


def local_today() -> date:
    return datetime.now(ZoneInfo(tenant_tz())).date()


def _days(first: date, last: date):
    d = first
    while d <= last:
        yield d
        d += timedelta(days=1)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    return sorted({(d.year, d.month) for d in _days(first, last)})


def leave_days_in_month(agent, year: int, month: int, *, exclude_pk: int | None = None) -> Decimal:
    """Counted leave days (annual + personal, pending or approved) plus lateness, in a month."""
    first, last = month_bounds(year, month)
    total = Decimal(0)
    for lr in LeaveRequest.objects.filter(agent=agent, kind__in=COUNTED_KINDS, status__in=LIVE,
                                          first_day__lte=last, last_day__gte=first).exclude(pk=exclude_pk):
        total += sum(1 for _ in _days(max(lr.first_day, first), min(lr.last_day, last)))
    late = LatenessRecord.objects.filter(agent=agent, day__gte=first, day__lte=last).aggregate(s=Sum("leave_days"))
    return total + (late["s"] or 0)


@transaction.atomic
def leave_request(*, agent, kind: str, first_day: date, last_day: date, reason: str = "", emergency: bool = False,
                  proof: str = "", today: date | None = None) -> LeaveRequest:
    if kind not in LeaveRequest.Kind.values:
        raise field_error("kind", f"one of {', '.join(LeaveRequest.Kind.values)}.")
    if last_day < first_day:
        raise field_error("last_day", "the leave ends before it starts.")
    if (last_day - first_day).days > 60:
        raise field_error("last_day", "ask for at most 61 days at a time.")
    today = today or local_today()
    urgent_sick = kind == LeaveRequest.Kind.SICK and emergency
    if not urgent_sick and first_day < today + timedelta(days=NOTICE_DAYS):
        raise RuleBroken("notice", f"Leave is asked at least {NOTICE_DAYS} day ahead (emergency sickness "
                                   f"excepted): the earliest you can ask for now is {today + timedelta(days=1)}.")
    if LeaveRequest.objects.filter(agent=agent, status__in=LIVE, first_day__lte=last_day,
                                   last_day__gte=first_day).exists():
        raise RuleBroken("overlap", "You already asked for leave on some of these days.")
    approvals_needed = 1
    if kind in COUNTED_KINDS:
        for year, month in _months(first_day, last_day):
            taken = leave_days_in_month(agent, year, month)
            asked = sum(1 for d in _days(first_day, last_day) if (d.year, d.month) == (year, month))
            if taken + asked > MAX_LEAVE_DAYS_PER_MONTH:
                if not (proof or "").strip():
                    raise RuleBroken("monthly_allowance", (
                        f"At most {MAX_LEAVE_DAYS_PER_MONTH} leave days a month: {year}-{month:02d} already has "
                        f"{taken:g} (lateness included) and this asks for {asked}. More needs proof (say what "
                        "backs it) and two approvals."))
                approvals_needed = 2
    lr = LeaveRequest.objects.create(agent=agent, kind=kind, first_day=first_day, last_day=last_day,
                                     reason=(reason or "").strip()[:300], emergency=urgent_sick,
                                     proof=(proof or "").strip()[:300], approvals_needed=approvals_needed)
    audit_record(actor=agent, action="wfm.leave_request", target=lr,
                 summary=f"{lr.get_kind_display()} {first_day}–{last_day}"
                         + (" (needs two approvals)" if approvals_needed == 2 else ""))
    return lr


@transaction.atomic
def leave_cancel(*, request: LeaveRequest, by) -> LeaveRequest:
    """The agent withdraws their own request while it is still pending."""
    lr = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    if lr.agent_id != by.pk:
        raise ServiceError("forbidden", "Only the agent withdraws their own request.", status_code=403)
    if lr.status != LeaveRequest.Status.PENDING:
        raise ServiceError("decided", f"This request is already {lr.status}.", status_code=409)
    lr.status = LeaveRequest.Status.CANCELLED
    lr.save(update_fields=["status"])
    audit_record(actor=by, action="wfm.leave_cancel", target=lr, summary=f"Withdrew leave {lr.first_day}")
    return lr


@transaction.atomic
def adherence_exception_add(*, agent, start, end, reason: str, by):
    """WFM-8: time a supervisor approves away from the plan; it counts as adherent."""
    from wfm.models import AdherenceException

    exc = AdherenceException.objects.create(agent=agent, start=start, end=end, reason=reason, approved_by=by)
    audit_record(actor=by, action="wfm.adherence_exception", target=exc,
                 summary=f"Exception for {agent.email} {start:%Y-%m-%d %H:%M}–{end:%H:%M}: {reason}")
    return exc


def _shift_slot(shift: ScheduledShift) -> tuple:
    """What 'the same shift' means: the same day, template and start."""
    return (shift.day, shift.template_id, shift.start)


def _off_on_slot(slot: tuple, *, exclude_agent_ids: set[int], exclude_swap: int | None = None) -> list[str]:
    """Who else is off (approved leave) or swapped out of the shift `slot`."""
    day, template_id, start = slot
    same = ScheduledShift.objects.filter(schedule__status=Schedule.Status.PUBLISHED, day=day,
                                         template_id=template_id, start=start)
    agents = set(same.values_list("agent_id", flat=True)) - exclude_agent_ids
    off = [lr.agent.email for lr in LeaveRequest.objects.filter(
        agent_id__in=agents, status=LeaveRequest.Status.APPROVED, first_day__lte=day, last_day__gte=day)
        .select_related("agent")]
    swapped = SwapRequest.objects.filter(status=SwapRequest.Status.APPROVED).filter(
        Q(requester_shift__in=same) | Q(partner_shift__in=same)).exclude(pk=exclude_swap)
    off += [f"{s.requester.email} ⇄ {s.partner.email}" for s in swapped.select_related("requester", "partner")
            if not ({s.requester_id, s.partner_id} & exclude_agent_ids)]
    return off


def _published_shifts(agent, first: date, last: date):
    return ScheduledShift.objects.filter(schedule__status=Schedule.Status.PUBLISHED, agent=agent, day__gte=first,
                                         day__lte=last)


@transaction.atomic
def leave_decide(*, request: LeaveRequest, by, approve: bool, note: str = "", override: bool = False) -> LeaveRequest:
    lr = LeaveRequest.objects.select_for_update().get(pk=request.pk)
    if lr.status != LeaveRequest.Status.PENDING:
        raise ServiceError("decided", f"This request is already {lr.status}.", status_code=409)
    if by.pk == lr.agent_id:
        raise ServiceError("own_request", "You cannot decide your own leave.", status_code=403)
    if not approve:
        if not (note or "").strip():
            raise field_error("note", "say why the request is refused.")
        lr.status, lr.decision_note, lr.decided_at = LeaveRequest.Status.REFUSED, note.strip()[:300], timezone.now()
        lr.save(update_fields=["status", "decision_note", "decided_at"])
        audit_record(actor=by, action="wfm.leave_refuse", target=lr, summary=f"Refused leave of {lr.agent.email}")
        return lr
    if any(a["by"] == by.email for a in lr.approvals):
        raise ServiceError("approved_twice", "You approved this already; the second approval is someone else's.",
                           status_code=409)
    for shift in _published_shifts(lr.agent, lr.first_day, lr.last_day):
        others = _off_on_slot(_shift_slot(shift), exclude_agent_ids={lr.agent_id})
        if len(others) >= MAX_OFF_PER_SHIFT and not (override or lr.override):
            raise RuleBroken("per_shift", (
                f"At most {MAX_OFF_PER_SHIFT} person off per shift: on {shift.day} "
                f"({shift.start.astimezone(ZoneInfo(tenant_tz())):%H:%M}) {', '.join(others)} is already off. "
                "A second needs an override."), status_code=409)
    lr.override = lr.override or override
    lr.approvals = [*lr.approvals, {"by": by.email, "at": timezone.now().isoformat()}]
    if len(lr.approvals) >= lr.approvals_needed:
        lr.status, lr.decided_at = LeaveRequest.Status.APPROVED, timezone.now()
    lr.decision_note = (note or "").strip()[:300]
    lr.save(update_fields=["approvals", "status", "decided_at", "override", "decision_note"])
    audit_record(actor=by, action="wfm.leave_approve", target=lr,
                 summary=f"Approved leave of {lr.agent.email} ({len(lr.approvals)}/{lr.approvals_needed})"
                         + (" with override" if override else ""))
    return lr


def _rest_min(agent) -> int:
    rule = AgentWorkRule.objects.filter(user=agent).first()
    return (rule.rest_hours if rule else 11) * 60


def _rest_breach(agent, taking: ScheduledShift, giving: ScheduledShift | None) -> str | None:
    """Would `agent`, working `taking` instead of `giving`, have a shift too close before or
    after it (less than their rest between shifts)?"""
    rest = timedelta(minutes=_rest_min(agent))
    near = _published_shifts(agent, taking.day - timedelta(days=1), taking.day + timedelta(days=1))
    if giving is not None:
        near = near.exclude(pk=giving.pk)
    for other in near:
        if other.day == taking.day:
            return f"{agent.email} already works on {taking.day}"
        gap = taking.start - other.end if other.end <= taking.start else other.start - taking.end
        if gap < rest:
            hours = gap.total_seconds() / 3600
            return (f"{agent.email} would have only {hours:g} h between shifts (at least "
                    f"{rest.total_seconds() / 3600:g} h): no back-to-back shifts")
    return None


def _swaps_in_month(agent, year: int, month: int) -> int:
    first, last = month_bounds(year, month)
    return SwapRequest.objects.filter(Q(requester=agent) | Q(partner=agent), status__in=SWAPS_LIVE,
                                      requester_shift__day__gte=first, requester_shift__day__lte=last).count()


@transaction.atomic
def swap_request(*, requester, requester_shift: ScheduledShift, partner, partner_shift: ScheduledShift | None = None,
                 reason: str = "", today: date | None = None) -> SwapRequest:
    """Ask `partner` to take `requester_shift` (and give `partner_shift` in return, if any)."""
    today = today or local_today()
    if requester_shift.agent_id != requester.pk or requester_shift.schedule.status != Schedule.Status.PUBLISHED:
        raise field_error("requester_shift", "one of your own published shifts.")
    if partner.pk == requester.pk:
        raise field_error("partner", "swap with a colleague, not yourself.")
    if partner_shift is not None and (partner_shift.agent_id != partner.pk
                                      or partner_shift.schedule.status != Schedule.Status.PUBLISHED):
        raise field_error("partner_shift", "one of the colleague's published shifts.")
    first = min(requester_shift.day, partner_shift.day if partner_shift else requester_shift.day)
    if first < today + timedelta(days=NOTICE_DAYS):
        raise RuleBroken("notice", f"Swaps are asked at least {NOTICE_DAYS} day ahead.")
    for who in (requester, partner):
        n = _swaps_in_month(who, requester_shift.day.year, requester_shift.day.month)
        if n >= MAX_SWAPS_PER_MONTH:
            raise RuleBroken("monthly_swaps", f"At most {MAX_SWAPS_PER_MONTH} swaps a month: {who.email} has {n} "
                                              f"in {requester_shift.day:%Y-%m}.")
    problem = _rest_breach(partner, requester_shift, partner_shift)
    if problem is None and partner_shift is not None:
        problem = _rest_breach(requester, partner_shift, requester_shift)
    if problem:
        raise RuleBroken("back_to_back", f"This swap cannot be made: {problem}.")
    swap = SwapRequest.objects.create(requester=requester, partner=partner, requester_shift=requester_shift,
                                      partner_shift=partner_shift, reason=(reason or "").strip()[:300])
    audit_record(actor=requester, action="wfm.swap_request", target=swap,
                 summary=f"Swap asked of {partner.email} for {requester_shift.day}")
    return swap


@transaction.atomic
def swap_respond(*, swap: SwapRequest, partner, accept: bool) -> SwapRequest:
    swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if swap.partner_id != partner.pk:
        raise ServiceError("not_yours", "Only the colleague asked can answer this swap.", status_code=403)
    if swap.status != SwapRequest.Status.PENDING:
        raise ServiceError("decided", f"This swap is already {swap.status}.", status_code=409)
    swap.status = SwapRequest.Status.ACCEPTED if accept else SwapRequest.Status.REFUSED
    swap.save(update_fields=["status"])
    audit_record(actor=partner, action="wfm.swap_" + ("accept" if accept else "decline"), target=swap,
                 summary=f"{partner.email} {'accepted' if accept else 'declined'} the swap")
    return swap


@transaction.atomic
def swap_decide(*, swap: SwapRequest, by, approve: bool, note: str = "", override: bool = False) -> SwapRequest:
    """A supervisor approves (the shifts change hands) or refuses an accepted swap."""
    swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapRequest.Status.ACCEPTED:
        raise ServiceError("not_accepted", "Only a swap the colleague accepted can be decided.", status_code=409)
    if not approve:
        if not (note or "").strip():
            raise field_error("note", "say why the swap is refused.")
        swap.status, swap.decision_note, swap.decided_at = SwapRequest.Status.REFUSED, note.strip(), timezone.now()
        swap.save(update_fields=["status", "decision_note", "decided_at"])
        return swap
    for shift in filter(None, (swap.requester_shift, swap.partner_shift)):
        others = _off_on_slot(_shift_slot(shift), exclude_agent_ids={swap.requester_id, swap.partner_id},
                              exclude_swap=swap.pk)
        if len(others) >= MAX_OFF_PER_SHIFT and not override:
            raise RuleBroken("per_shift", (f"At most {MAX_OFF_PER_SHIFT} person off or swapped per shift: on "
                                           f"{shift.day} {', '.join(others)} already is. A second needs an "
                                           "override."), status_code=409)
    # The rest rule again: the plan may have changed since the swap was asked.
    problem = _rest_breach(swap.partner, swap.requester_shift, swap.partner_shift)
    if problem is None and swap.partner_shift is not None:
        problem = _rest_breach(swap.requester, swap.partner_shift, swap.requester_shift)
    if problem:
        raise RuleBroken("back_to_back", f"This swap cannot be made: {problem}.", status_code=409)
    ScheduledShift.objects.filter(pk=swap.requester_shift_id).update(agent=swap.partner)
    if swap.partner_shift_id:
        ScheduledShift.objects.filter(pk=swap.partner_shift_id).update(agent=swap.requester)
    swap.status, swap.override, swap.decided_at = SwapRequest.Status.APPROVED, override, timezone.now()
    swap.decision_note = (note or "").strip()[:300]
    swap.save(update_fields=["status", "override", "decided_at", "decision_note"])
    audit_record(actor=by, action="wfm.swap_approve", target=swap,
                 summary=f"Approved the swap of {swap.requester.email} and {swap.partner.email}")
    return swap


def lateness_leave_days(minutes_late: int) -> Decimal:
    """≤ 30 min late costs half a day of personal leave, more costs a whole day."""
    return Decimal("0.5") if minutes_late <= LATE_HALF_DAY_MAX_MIN else Decimal("1.0")


def lateness_record(*, agent, day: date, minutes_late: int, shift: ScheduledShift | None = None) -> LatenessRecord:
    """One late start per agent per day (recording it again updates it)."""
    rec, _ = LatenessRecord.objects.update_or_create(
        agent=agent, day=day, defaults={"minutes_late": minutes_late, "shift": shift,
                                        "leave_days": lateness_leave_days(minutes_late)})
    return rec


def lateness_month(agent, year: int, month: int) -> dict:
    first, last = month_bounds(year, month)
    rows = LatenessRecord.objects.filter(agent=agent, day__gte=first, day__lte=last)
    events = rows.count()
    return {"late_events": events, "leave_days": float(rows.aggregate(s=Sum("leave_days"))["s"] or 0),
            "absent_days": events // LATE_EVENTS_PER_ABSENT_DAY}


def lateness_sweep(day: date) -> int:
    """Record the late starts of `day` from adherence (agents who logged in more than the
    tolerance after their shift began); run again, it changes nothing."""
    from accounts.models import User
    from wfm.adherence import day_verdicts

    recorded = 0
    for v in day_verdicts(day):
        if v.late_min is not None and v.login_at is not None:
            lateness_record(agent=User.objects.get(pk=v.agent), day=day, minutes_late=v.late_min,
                            shift=ScheduledShift.objects.filter(pk=v.shift).first())
            recorded += 1
    return recorded
