"""Schedule writes (WFM-6): shift templates, agents' work rules, building a schedule from
forecasts with the CP-SAT scheduler (a Celery task), publishing it to the agents."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction

from accounts.models import Role, User, UserStatus
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from reports.selectors import tenant_tz
from tenants.realtime import event_on_commit
from tenants.tasking import enqueue_on_commit
from wfm import erlang, scheduler
from wfm.models import AgentWorkRule, Forecast, LeaveRequest, Schedule, ScheduledShift, ShiftTemplate

HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
MAX_SCHEDULE_DAYS = 31


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def template_clean(*, name: str, starts, length_min: int, breaks=None, night: bool = False, weekdays=None) -> dict:
    """A shift template's fields, checked: starts HH:MM, breaks inside the shift, in order."""
    if not (name or "").strip():
        raise field_error("name", "name the shift (e.g. Early 8.5 h).")
    if not isinstance(starts, list) or not starts or not all(isinstance(s, str) and HHMM.match(s) for s in starts):
        raise field_error("starts", 'a list of start times like ["07:00", "07:30"].')
    if not isinstance(length_min, int) or not 60 <= length_min <= 14 * 60:
        raise field_error("length_min", "a shift lasts 60 to 840 minutes.")
    breaks = breaks or []
    if not isinstance(breaks, list):
        raise field_error("breaks", "a list of breaks.")
    end_prev = 0
    for i, b in enumerate(breaks):
        if not isinstance(b, dict) or b.get("kind") not in ("break", "lunch"):
            raise field_error("breaks", f"break {i + 1}: kind is break or lunch.")
        try:
            after, length, flex = int(b["after_min"]), int(b["length_min"]), int(b.get("flex_min", 30))
        except (KeyError, TypeError, ValueError):
            raise field_error("breaks", f"break {i + 1}: after_min and length_min are minutes.") from None
        if length < 5 or after < end_prev or after + length > length_min or not 0 <= flex <= 240:
            raise field_error("breaks", f"break {i + 1}: it must lie inside the shift, after the break before it.")
        end_prev = after + length
    weekdays = weekdays or []
    if not isinstance(weekdays, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in weekdays):
        raise field_error("weekdays", "days 0 (Monday) to 6 (Sunday); empty = every day.")
    return {"name": name.strip(), "starts": sorted(set(starts)), "length_min": length_min,
            "breaks": [{"kind": b["kind"], "after_min": int(b["after_min"]), "length_min": int(b["length_min"]),
                        "flex_min": int(b.get("flex_min", 30))} for b in breaks],
            "night": bool(night), "weekdays": sorted(set(weekdays))}


def template_save(*, pk: int | None = None, by=None, **fields) -> ShiftTemplate:
    data = template_clean(**fields)
    if ShiftTemplate.objects.filter(name=data["name"]).exclude(pk=pk).exists():
        raise field_error("name", "another shift template has this name.")
    if pk:
        tpl = ShiftTemplate.objects.get(pk=pk)
        for k, v in data.items():
            setattr(tpl, k, v)
        tpl.save()
    else:
        tpl = ShiftTemplate.objects.create(**data)
    audit_record(actor=by, action="wfm.template_save", target=tpl, summary=f"Shift template {tpl.name}")
    return tpl


def _as_template(t: ShiftTemplate) -> scheduler.Template:
    return scheduler.Template(
        key=str(t.pk), starts_min=tuple(_minutes(s) for s in t.starts), length_min=t.length_min, night=t.night,
        breaks=tuple(scheduler.Break(b["kind"], b["after_min"], b["length_min"], b.get("flex_min", 30))
                     for b in t.breaks),
        weekdays=tuple(t.weekdays) if t.weekdays else (0, 1, 2, 3, 4, 5, 6))


def eligible_queues(users: list[User], queues) -> dict[int, frozenset[str]]:
    """Which of `queues` each agent may serve: a member where the queue has members, holding
    each required skill at the queue's minimum proficiency."""
    from accounts.models import UserSkill
    from telephony.models import QueueMember, QueueSkill

    members = defaultdict(set)
    for qid, uid in QueueMember.objects.filter(queue__in=queues).values_list("queue_id", "user_id"):
        members[qid].add(uid)
    needs = defaultdict(list)
    for qid, sid, level in QueueSkill.objects.filter(queue__in=queues).values_list("queue_id", "skill_id",
                                                                                      "min_proficiency"):
        needs[qid].append((sid, level))
    skills = defaultdict(dict)
    for uid, sid, level in UserSkill.objects.filter(user__in=users).values_list("user_id", "skill_id", "proficiency"):
        skills[uid][sid] = level
    out = {}
    for u in users:
        out[u.pk] = frozenset(str(q.pk) for q in queues
                              if (not members[q.pk] or u.pk in members[q.pk])
                              and all(skills[u.pk].get(sid, 0) >= level for sid, level in needs[q.pk]))
    return out


def _agents(schedule: Schedule, queues, first: date, last: date) -> list[scheduler.Agent]:
    users = User.objects.filter(role_grants__role=Role.AGENT, status=UserStatus.ACTIVE, is_bot=False).distinct()
    if schedule.team_id:
        users = users.filter(teams=schedule.team_id)
    users = list(users.order_by("pk"))
    rules = {r.user_id: r for r in AgentWorkRule.objects.filter(user__in=users)
             .prefetch_related("templates", "preferred_templates")}
    leave = defaultdict(set)
    for lr in LeaveRequest.objects.filter(agent__in=users, status=LeaveRequest.Status.APPROVED,
                                          first_day__lte=last, last_day__gte=first):
        d = max(lr.first_day, first)
        while d <= min(lr.last_day, last):
            leave[lr.agent_id].add(d)
            d += timedelta(days=1)
    can_serve = eligible_queues(users, queues)
    out = []
    for u in users:
        r = rules.get(u.pk) or AgentWorkRule(user=u)
        allowed = {str(t.pk) for t in r.templates.all()} if r.pk else set()
        out.append(scheduler.Agent(
            key=u.pk, queues=can_serve[u.pk], min_week_min=r.min_week_hours * 60, max_week_min=r.max_week_hours * 60,
            max_month_min=r.max_month_hours * 60 if r.max_month_hours else None,
            min_month_min=r.min_month_hours * 60,
            max_consecutive_days=r.max_consecutive_days, rest_min=r.rest_hours * 60,
            rest_after_night_min=r.rest_after_night_hours * 60, days_off=frozenset(leave[u.pk]),
            avoid_weekdays=frozenset(r.avoid_weekdays or []),
            prefer_templates=frozenset(str(t.pk) for t in r.preferred_templates.all()) if r.pk else frozenset(),
            templates=frozenset(allowed) or None, fairness_group=r.fairness_group, meal_group=r.meal_group))
    all_queues = frozenset(str(q.pk) for q in queues)
    for i, spec in enumerate(schedule.virtual_agents or []):
        for k in range(int(spec.get("count", 1))):
            out.append(scheduler.Agent(key=-(1000 * (i + 1) + k), queues=all_queues,
                                       min_week_min=int(spec.get("min_week_hours", 0)) * 60,
                                       max_week_min=int(spec.get("max_week_hours", 20)) * 60))
    return out


def _clean_virtual(raw) -> list[dict]:
    if not raw:
        return []
    if not isinstance(raw, list):
        raise field_error("virtual_agents", 'a list like [{"count": 5, "max_week_hours": 20}].')
    for spec in raw:
        count = spec.get("count", 1) if isinstance(spec, dict) else None
        if not isinstance(count, int) or not 1 <= count <= 200:
            raise field_error("virtual_agents", "each entry needs a count between 1 and 200.")
        for key in ("min_week_hours", "max_week_hours"):
            if key in spec and (not isinstance(spec[key], int) or not 0 <= spec[key] <= 60):
                raise field_error("virtual_agents", f"{key} is whole hours between 0 and 60.")
    return raw


@transaction.atomic
def schedule_create(*, name: str, forecasts: list[Forecast], team=None, seats: int | None = None,
                    meal_group_limit: int | None = None, shrinkage: float = 0.0, virtual_agents=None,
                    time_limit_s: int = 30, by=None) -> Schedule:
    """A schedule to build over the forecasts' common days; the solver runs in a worker."""
    if not forecasts:
        raise field_error("forecasts", "pick at least one forecast (one per queue).")
    if len({f.queue_id for f in forecasts}) != len(forecasts):
        raise field_error("forecasts", "one forecast per queue.")
    if len({f.interval_min for f in forecasts}) != 1:
        raise field_error("forecasts", "the forecasts must share one interval length.")
    first = max(f.first_day for f in forecasts)
    last = min(f.first_day + timedelta(days=f.days - 1) for f in forecasts)
    if last < first:
        raise field_error("forecasts", "the forecasts share no day.")
    days = min((last - first).days + 1, MAX_SCHEDULE_DAYS)
    if not ShiftTemplate.objects.filter(active=True).exists():
        raise ServiceError("no_templates", "Add a shift template first: the scheduler picks among them.",
                           {"templates": ["no active shift template"]})
    if not 0 <= shrinkage < 0.9:
        raise field_error("shrinkage", "a share between 0 and 0.9.")
    if not 1 <= int(time_limit_s) <= 300:
        raise field_error("time_limit_s", "1 to 300 seconds.")
    schedule = Schedule.objects.create(
        name=name or f"Schedule from {first}", first_day=first, days=days, interval_min=forecasts[0].interval_min,
        team=team, seats=seats, meal_group_limit=meal_group_limit, shrinkage=shrinkage,
        virtual_agents=_clean_virtual(virtual_agents), time_limit_s=time_limit_s, created_by=by)
    schedule.forecasts.set(forecasts)
    audit_record(actor=by, action="wfm.schedule_create", target=schedule, summary=f"Schedule '{schedule.name}'")

    from wfm.tasks import schedule_build_task

    enqueue_on_commit(schedule_build_task, schedule_id=schedule.pk)
    return schedule


def _requirement(schedule: Schedule, forecasts: list[Forecast], days: list[date]) -> tuple[dict, dict, dict]:
    """Per queue (days, slots): agents to have on the phones (the forecast's Erlang figure,
    grossed up for the schedule's unplanned shrinkage), calls and AHT."""
    zone = ZoneInfo(tenant_tz())
    slots = 24 * 60 // schedule.interval_min
    index = {d: i for i, d in enumerate(days)}
    required, calls, aht = {}, {}, {}
    for f in forecasts:
        key = str(f.queue_id)
        req, c, a = np.zeros((len(days), slots)), np.zeros((len(days), slots)), np.full((len(days), slots), 180.0)
        for iv in f.intervals.all():
            local = iv.start.astimezone(zone)
            i = index.get(local.date())
            if i is None:
                continue
            s = (local.hour * 60 + local.minute) // schedule.interval_min
            req[i, s], c[i, s], a[i, s] = iv.required, iv.calls, iv.aht_s
        required[key] = erlang.scheduled_for(req, schedule.shrinkage).astype(float)
        calls[key], aht[key] = c, a
    return required, calls, aht


def _at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return (datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)).replace(tzinfo=zone)


def schedule_build(schedule_id: int) -> Schedule:
    """Solve a schedule and store its shifts and figures. Safe to run twice: only a schedule
    still building is solved, and the write re-checks that under a row lock."""
    schedule = Schedule.objects.filter(pk=schedule_id, status=Schedule.Status.BUILDING).first()
    if schedule is None:
        return Schedule.objects.get(pk=schedule_id)
    forecasts = list(schedule.forecasts.select_related("queue"))
    days = [schedule.first_day + timedelta(days=i) for i in range(schedule.days)]
    required, calls, aht = _requirement(schedule, forecasts, days)
    templates = {str(t.pk): t for t in ShiftTemplate.objects.filter(active=True)}
    problem = scheduler.Problem(days=days, interval_min=schedule.interval_min, required=required,
                                agents=_agents(schedule, [f.queue for f in forecasts], days[0], days[-1]),
                                templates=[_as_template(t) for t in templates.values()], seats=schedule.seats,
                                meal_group_limit=schedule.meal_group_limit)
    solution = scheduler.solve(problem, time_limit_s=schedule.time_limit_s)
    zone = ZoneInfo(tenant_tz())
    thresholds = {str(f.queue_id): f.threshold_s for f in forecasts}
    result = _figures(schedule, solution, problem, calls, aht, thresholds, days)
    with transaction.atomic():
        locked = Schedule.objects.select_for_update().get(pk=schedule.pk)
        if locked.status != Schedule.Status.BUILDING:
            return locked
        ok = solution.status in ("OPTIMAL", "FEASIBLE")
        ScheduledShift.objects.bulk_create([
            ScheduledShift(schedule=locked, agent_id=sh.agent if sh.agent > 0 else None,
                           virtual_label="" if sh.agent > 0 else f"virtual {abs(sh.agent) % 1000 + 1}",
                           day=sh.day, start=_at(sh.day, sh.start_min, zone), end=_at(sh.day, sh.end_min, zone),
                           template=templates.get(sh.template),
                           breaks=[{"kind": k, "start": _at(sh.day, b0, zone).isoformat(),
                                    "end": _at(sh.day, b1, zone).isoformat()} for k, b0, b1 in sh.breaks])
            for sh in solution.shifts])
        locked.status = Schedule.Status.DRAFT if ok else Schedule.Status.FAILED
        locked.result = result
        locked.save(update_fields=["status", "result"])
    return locked


def _figures(schedule, solution, problem, calls, aht, thresholds, days) -> dict:
    """The schedule's totals and, per day and interval, requirement vs agents on the phones
    and the service level those agents are predicted to give (Erlang C, per queue, weighted
    by calls)."""
    interval_s = schedule.interval_min * 60
    per_day = []
    sl_num = np.zeros((len(days), problem.slots))
    all_calls = np.zeros((len(days), problem.slots))
    for q, cov in solution.coverage.items():
        productive = np.floor(cov * (1 - schedule.shrinkage) + erlang.EPS)
        m = erlang.metrics_for_agents(productive, calls[q], aht[q], interval_s, thresholds[q])
        sl_num += m.service_level * calls[q]
        all_calls += calls[q]
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(all_calls > 0, sl_num / all_calls, np.nan)
    total_req = sum(problem.required.values())
    for i, d in enumerate(days):
        per_day.append({
            "day": d.isoformat(),
            "required": [int(x) for x in total_req[i]],
            "on_floor": [int(x) for x in solution.on_floor[i]],
            "service_level": [None if np.isnan(x) else round(float(x), 4) for x in sl[i]],
            "calls": round(float(all_calls[i].sum()), 1),
            "predicted_sl": round(float(sl_num[i].sum() / all_calls[i].sum()), 4) if all_calls[i].sum() else None})
    served = sl_num.sum() / all_calls.sum() if all_calls.sum() else None
    return {"status": solution.status, "solve_s": solution.solve_s, "shifts": len(solution.shifts),
            "paid_hours": solution.paid_hours, "required_agent_intervals": solution.required_total,
            "under_agent_intervals": solution.under, "under_pct": solution.under_pct,
            "lp_bound_under": solution.lp_under, "gap_to_bound_pct": solution.gap_to_bound_pct,
            "predicted_sl": round(float(served), 4) if served is not None else None,
            "agents": len([a for a in problem.agents if a.key > 0]),
            "virtual_agents": len([a for a in problem.agents if a.key < 0]),
            "notes": solution.notes, "days": per_day}


@transaction.atomic
def schedule_publish(*, schedule: Schedule, by=None) -> Schedule:
    """Publish a draft: agents see their shifts; an earlier published schedule over the same
    days is superseded for the agents this one covers."""
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status != Schedule.Status.DRAFT:
        raise ServiceError("not_draft", f"Only a draft can be published; this schedule is {schedule.status}.",
                           status_code=409)
    if schedule.shifts.filter(agent__isnull=True).exists():
        raise ServiceError("virtual_agents", "This what-if schedule has virtual agents; it cannot be published.",
                           status_code=409)
    last = schedule.first_day + timedelta(days=schedule.days - 1)
    overlapping = Schedule.objects.filter(status=Schedule.Status.PUBLISHED, first_day__lte=last).exclude(pk=schedule.pk)
    superseded = [s for s in overlapping if s.first_day + timedelta(days=s.days - 1) >= schedule.first_day]
    Schedule.objects.filter(pk__in=[s.pk for s in superseded]).update(status=Schedule.Status.SUPERSEDED)
    from django.utils import timezone

    schedule.status, schedule.published_at = Schedule.Status.PUBLISHED, timezone.now()
    schedule.save(update_fields=["status", "published_at"])
    agents = set(schedule.shifts.values_list("agent_id", flat=True))
    event_on_commit([f"agent.{a}" for a in agents], "schedule.published",
                    {"schedule": schedule.pk, "first_day": schedule.first_day.isoformat(), "days": schedule.days})
    audit_record(actor=by, action="wfm.schedule_publish", target=schedule,
                 summary=f"Published '{schedule.name}' to {len(agents)} agents"
                         + (f", superseding {len(superseded)}" if superseded else ""))
    return schedule


def published_shifts(*, agent_ids=None, first: date | None = None, last: date | None = None):
    """Shifts of published schedules (what agents and adherence go by)."""
    qs = ScheduledShift.objects.filter(schedule__status=Schedule.Status.PUBLISHED, agent__isnull=False)
    if agent_ids is not None:
        qs = qs.filter(agent_id__in=list(agent_ids))
    if first is not None:
        qs = qs.filter(day__gte=first)
    if last is not None:
        qs = qs.filter(day__lte=last)
    return qs.select_related("template", "agent").order_by("start")
