"""WFM-8 adherence: the agent-state log against the published schedule.

Planned activity: on the phones for the shift, minus its breaks; away during breaks; off
outside shifts. Actual: available, offer ringing, on a call and wrap-up all satisfy planned
phone time; not ready or logged out satisfies a planned break. Each planned boundary (shift
start and end, break start and end) has a ± 5 min tolerance: a planned 8:00 start is on time
from 7:55 to 8:05. Time a supervisor approved as an exception counts as adherent.
  adherence   = adherent seconds / scheduled seconds (the shift's span)
  conformance = seconds on the phones / planned phone seconds (may pass 100 %)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from reports.kpis import agent_state_spans
from reports.selectors import tenant_tz

TOLERANCE = timedelta(minutes=5)
PHONE_STATES = {"available", "reserved", "on_call", "wrap_up"}


@dataclass
class Verdict:
    agent: int
    shift: int | None
    scheduled_s: float
    adherent_s: float
    planned_phone_s: float
    phone_s: float
    login_at: datetime | None
    late_min: int | None  # None: on time (or no shift started yet)

    @property
    def adherence(self) -> float | None:
        return round(self.adherent_s / self.scheduled_s, 4) if self.scheduled_s else None

    @property
    def conformance(self) -> float | None:
        return round(self.phone_s / self.planned_phone_s, 4) if self.planned_phone_s else None


def planned(shift) -> list[tuple[datetime, datetime, str]]:
    """The shift as (start, end, 'phone' | 'break' | 'lunch') segments, in order."""
    breaks = sorted((datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"]), b["kind"])
                    for b in shift.breaks)
    out, t = [], shift.start
    for b0, b1, kind in breaks:
        if b0 > t:
            out.append((t, b0, "phone"))
        out.append((b0, b1, kind))
        t = b1
    if t < shift.end:
        out.append((t, shift.end, "phone"))
    return out


def _kind_at(segments, t: datetime, default: str) -> str:
    for s0, s1, kind in segments:
        if s0 <= t < s1:
            return kind
    return default


def judge(shift, spans: list[tuple], exceptions: list[tuple[datetime, datetime]], until: datetime) -> Verdict:
    """One shift's adherence from the agent's state spans up to `until` (now, for a live day)."""
    plan = planned(shift)
    end = min(shift.end, until)
    boundaries = {shift.start, shift.end} | {s for s, _, _ in plan} | {e for _, e, _ in plan}
    cuts = {shift.start, end}
    for t in boundaries:
        cuts |= {t - TOLERANCE, t + TOLERANCE}
    for _, s0, s1 in spans:
        cuts |= {s0, s1}
    for e0, e1 in exceptions:
        cuts |= {e0, e1}
    points = sorted(c for c in cuts if shift.start <= c <= end)
    scheduled = adherent = planned_phone = phone = 0.0
    for a, b in zip(points, points[1:], strict=False):
        if b <= a:
            continue
        mid = a + (b - a) / 2
        length = (b - a).total_seconds()
        want = _kind_at(plan, mid, "off")
        state = next((st for st, s0, s1 in spans if s0 <= mid < s1), "offline")
        on_phone = state in PHONE_STATES
        scheduled += length
        planned_phone += length if want == "phone" else 0.0
        phone += length if on_phone else 0.0
        ok = (on_phone if want == "phone" else not on_phone)
        ok = ok or any(abs(mid - t) <= TOLERANCE for t in boundaries) or any(e0 <= mid < e1 for e0, e1 in exceptions)
        adherent += length if ok else 0.0
    login = next((s0 for st, s0, s1 in spans if st != "offline" and s1 > shift.start - timedelta(hours=2)), None)
    late = None
    if login is not None and login - shift.start > TOLERANCE:
        late = int((login - shift.start).total_seconds() // 60)
    elif login is None and until - shift.start > TOLERANCE:
        late = int((min(until, shift.end) - shift.start).total_seconds() // 60)  # not here yet
    return Verdict(agent=shift.agent_id, shift=shift.pk, scheduled_s=scheduled, adherent_s=adherent,
                   planned_phone_s=planned_phone, phone_s=phone, login_at=login, late_min=late)


def day_verdicts(day: date, *, until: datetime | None = None, agent_ids=None) -> list[Verdict]:
    """Every published shift of `day` (tenant's date), judged up to `until` (default: the end
    of the day, or now when that is earlier). Agents on approved leave are left out."""
    from django.utils import timezone

    from wfm.models import AdherenceException, LeaveRequest
    from wfm.services.schedules import published_shifts

    zone = ZoneInfo(tenant_tz())
    shifts = list(published_shifts(agent_ids=agent_ids, first=day, last=day))
    on_leave = set(LeaveRequest.objects.filter(status=LeaveRequest.Status.APPROVED, first_day__lte=day,
                                               last_day__gte=day).values_list("agent_id", flat=True))
    shifts = [s for s in shifts if s.agent_id not in on_leave]
    if not shifts:
        return []
    until = until or min(timezone.now(), datetime.combine(day + timedelta(days=2), time.min, zone))
    since = min(s.start for s in shifts) - timedelta(hours=2)
    last = max(s.end for s in shifts)
    spans = agent_state_spans(agent_ids=[s.agent_id for s in shifts], since=since, until=min(until, last))
    exceptions: dict[int, list] = {}
    for e in AdherenceException.objects.filter(agent_id__in=[s.agent_id for s in shifts], start__lt=last,
                                               end__gt=since):
        exceptions.setdefault(e.agent_id, []).append((e.start, e.end))
    return [judge(s, spans.get(s.agent_id, []), exceptions.get(s.agent_id, []), until)
            for s in shifts if s.start < until]


def agent_day_summary(day: date, **kw) -> dict[int, dict]:
    """Adherence and conformance per agent for a day (several shifts add up)."""
    out: dict[int, dict] = {}
    for v in day_verdicts(day, **kw):
        row = out.setdefault(v.agent, {"scheduled_s": 0.0, "adherent_s": 0.0, "planned_phone_s": 0.0, "phone_s": 0.0,
                                       "late_min": None})
        for k in ("scheduled_s", "adherent_s", "planned_phone_s", "phone_s"):
            row[k] += getattr(v, k)
        if v.late_min is not None:
            row["late_min"] = max(row["late_min"] or 0, v.late_min)
    for row in out.values():
        row["adherence"] = round(row["adherent_s"] / row["scheduled_s"], 4) if row["scheduled_s"] else None
        row["conformance"] = round(row["phone_s"] / row["planned_phone_s"], 4) if row["planned_phone_s"] else None
    return out


def period_summary(first: date, last: date) -> dict[int, dict]:
    """Adherence and conformance per agent over days (time-weighted), for reports and QA."""
    totals: dict[int, dict] = {}
    d = first
    while d <= last:
        for agent, row in agent_day_summary(d).items():
            t = totals.setdefault(agent, {"scheduled_s": 0.0, "adherent_s": 0.0, "planned_phone_s": 0.0,
                                          "phone_s": 0.0, "days": 0})
            for k in ("scheduled_s", "adherent_s", "planned_phone_s", "phone_s"):
                t[k] += row[k]
            t["days"] += 1
        d += timedelta(days=1)
    for t in totals.values():
        t["adherence"] = round(t["adherent_s"] / t["scheduled_s"], 4) if t["scheduled_s"] else None
        t["conformance"] = round(t["phone_s"] / t["planned_phone_s"], 4) if t["planned_phone_s"] else None
    return totals


def board(now: datetime) -> list[dict]:
    """The live adherence board: every agent with a shift today, what the plan says now, what
    they are doing, whether that matches (tolerance and exceptions included) and the day so far."""
    from telephony.models import AgentProfile
    from wfm.models import AdherenceException
    from wfm.services.schedules import published_shifts

    zone = ZoneInfo(tenant_tz())
    today = now.astimezone(zone).date()
    shifts = list(published_shifts(first=today - timedelta(days=1), last=today))
    # Today's shifts, and last night's while it still runs.
    shifts = [s for s in shifts if s.day == today or s.end + timedelta(hours=1) >= now]
    if not shifts:
        return []
    states = {p.user_id: p for p in AgentProfile.objects.filter(user_id__in=[s.agent_id for s in shifts])}
    exc = {}
    for e in AdherenceException.objects.filter(agent_id__in=[s.agent_id for s in shifts], start__lte=now,
                                               end__gt=now):
        exc[e.agent_id] = e.reason
    summary = agent_day_summary(today, until=now)
    rows = []
    for s in shifts:
        plan = planned(s)
        want = _kind_at(plan, now, "off")
        profile = states.get(s.agent_id)
        state = profile.state if profile else "offline"
        on_phone = state in PHONE_STATES
        near_boundary = any(abs(now - t) <= TOLERANCE for a, b, _ in plan for t in (a, b))
        ok = (on_phone if want == "phone" else not on_phone) or near_boundary or s.agent_id in exc
        day = summary.get(s.agent_id, {})
        rows.append({"agent": s.agent_id, "name": str(s.agent), "shift": f"{s.start.astimezone(zone):%H:%M}–"
                                                                         f"{s.end.astimezone(zone):%H:%M}",
                     "planned": want, "state": state, "in_adherence": ok, "exception": exc.get(s.agent_id, ""),
                     "state_since": profile.state_since.isoformat() if profile else None,
                     "adherence_today": day.get("adherence"), "conformance_today": day.get("conformance"),
                     "late_min": day.get("late_min")})
    return sorted(rows, key=lambda r: (r["in_adherence"], r["name"]))
