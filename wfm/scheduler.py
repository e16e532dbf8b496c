"""WFM-6 schedule generation with OR-Tools CP-SAT, pure (no database): agents, shift templates
and the requirement per queue per interval in; shifts with breaks, coverage and figures out.

Stage 1 (one CP-SAT model over the whole horizon) picks at most one shift option (template ×
staggered start) per agent per day. Breaks sit at their planned offsets. Rules:
  weekly min/max hours, monthly max hours, max consecutive working days, rest between shifts
  (longer after a night shift), which also forbids back-to-back split shifts, days off asked
  for (hard) and preferences (soft), seat count per interval, fair night shifts within each
  group (soft), multi-skill: agents serve the queues they are skilled for, and each set of
  queues is covered by no more agents than hold any of its skills (Hall's condition, exact).
Objective (lexicographic by weights): under-staffing in agent-intervals, then paid intervals,
then unfairness and preferences.
Stage 2 (one small CP-SAT per day) slides every break within its window to where the floor
can spare it best, with at most `meal_group_limit` of a meal group at lunch at once.

The LP lower bound of under-staffing (shift counts relaxed to reals, per-agent rules dropped)
tells how far from the best possible the schedule is.
"""

from __future__ import annotations

import calendar
import itertools
import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Break:
    kind: str  # break | lunch
    after_min: int  # planned offset from the shift's start
    length_min: int
    flex_min: int = 30  # stage 2 may move it this much either way


@dataclass(frozen=True)
class Template:
    key: str
    starts_min: tuple[int, ...]  # staggered starts, minutes after local midnight (07:00 = 420)
    length_min: int
    breaks: tuple[Break, ...] = ()
    night: bool = False
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


@dataclass
class Agent:
    key: int
    queues: frozenset[str]  # queues the agent may serve (skills and proficiency checked by the caller)
    min_week_min: int = 0
    max_week_min: int = 40 * 60
    max_month_min: int | None = None
    min_month_min: int = 0  # held only for months the horizon covers whole
    max_consecutive_days: int = 5
    rest_min: int = 11 * 60
    rest_after_night_min: int = 24 * 60
    days_off: frozenset[date] = frozenset()  # approved leave: hard
    avoid_weekdays: frozenset[int] = frozenset()  # preference: soft
    prefer_templates: frozenset[str] = frozenset()  # preference: soft
    templates: frozenset[str] | None = None  # templates the agent may work (None = all)
    fairness_group: str = ""
    meal_group: str = ""


@dataclass
class Problem:
    days: list[date]
    interval_min: int
    required: dict[str, np.ndarray]  # queue -> (days, slots) agents on the phones
    agents: list[Agent]
    templates: list[Template]
    seats: int | None = None
    meal_group_limit: int | None = None
    weight_under: int = 0  # 0 = large enough to make under-staffing lexicographically first
    weight_unfair: int = 8
    weight_preference: int = 4

    @property
    def slots(self) -> int:
        return 24 * 60 // self.interval_min


@dataclass
class Shift:
    agent: int
    day: date
    template: str
    start_min: int  # from the day's local midnight (may run past 24:00 for a night shift)
    end_min: int
    breaks: list[tuple[str, int, int]] = field(default_factory=list)  # (kind, start_min, end_min)


@dataclass
class Solution:
    status: str
    shifts: list[Shift]
    coverage: dict[str, np.ndarray]  # queue -> agents serving it per (day, slot)
    on_floor: np.ndarray  # agents on the phones per (day, slot), breaks excluded
    under: float  # agent-intervals short of the requirement
    required_total: float
    paid_hours: float
    lp_under: float
    solve_s: float
    objective: float
    notes: list[str] = field(default_factory=list)

    @property
    def under_pct(self) -> float:
        return round(100 * self.under / self.required_total, 3) if self.required_total else 0.0

    @property
    def gap_to_bound_pct(self) -> float:
        """Under-coverage above the LP bound, in % of the requirement."""
        return round(100 * (self.under - self.lp_under) / self.required_total, 3) if self.required_total else 0.0


@dataclass(frozen=True)
class _Option:
    template: Template
    start_min: int

    @property
    def end_min(self) -> int:
        return self.start_min + self.template.length_min


def _options(p: Problem) -> list[_Option]:
    return [_Option(t, s) for t in p.templates for s in t.starts_min]


def _working_slots(p: Problem, opt: _Option, breaks: list[tuple[str, int, int]] | None = None) -> list[int]:
    """Slots (counted from the shift day's midnight, possibly past the day) the option puts the
    agent on the phones, its breaks taken out."""
    im = p.interval_min
    if breaks is None:
        breaks = [(b.kind, opt.start_min + b.after_min, opt.start_min + b.after_min + b.length_min)
                  for b in opt.template.breaks]
    out = []
    for s in range(opt.start_min // im, -(-opt.end_min // im)):
        lo, hi = s * im, (s + 1) * im
        if any(b0 < hi and lo < b1 for _, b0, b1 in breaks):
            continue
        out.append(s)
    return out


def _queue_sets(queues: list[str]) -> list[tuple[str, ...]]:
    return [c for r in range(1, len(queues) + 1) for c in itertools.combinations(queues, r)]


def _classes(p: Problem) -> dict[frozenset[str], list[int]]:
    """Agents grouped by the queues they serve: the coverage counts per class, not per agent."""
    out: dict[frozenset[str], list[int]] = {}
    for ai, a in enumerate(p.agents):
        out.setdefault(a.queues, []).append(ai)
    return out


SCALE = 12  # stage 1 counts coverage in twelfths of an agent


def _break_starts(p: Problem, opt: _Option, b: Break) -> list[int]:
    """Where stage 2 may start a break: the grid points within ± its flex, inside the shift."""
    im = p.interval_min
    planned = opt.start_min + b.after_min
    lo = max(opt.start_min + im, planned - b.flex_min)
    hi = min(opt.end_min - b.length_min - im, planned + b.flex_min)
    return sorted({t for t in range(lo - lo % im, hi + 1, im) if lo <= t <= hi} | {planned})


def _floor_slots(p: Problem, opts: list[_Option]) -> dict[int, list[tuple[int, int, int]]]:
    """For each option, (day offset, slot, weight) over the shift's span: weight = SCALE when the
    agent is surely on the phones, less where a break may fall (its chance of falling there,
    the break's start spread evenly over its window), 0 when surely on break. Stage 1 thus
    expects breaks to be staggered, as stage 2 will stagger them."""
    im = p.interval_min
    out = {}
    for o, opt in enumerate(opts):
        away = {}
        for b in opt.template.breaks:
            starts = _break_starts(p, opt, b)
            for t in starts:
                for s in range(t // im, -(-(t + b.length_min) // im)):
                    overlap = min((s + 1) * im, t + b.length_min) - max(s * im, t)
                    away[s] = away.get(s, 0.0) + overlap / im / len(starts)
        out[o] = [(s // p.slots, s % p.slots, round(SCALE * max(0.0, 1 - away.get(s, 0.0))))
                  for s in range(opt.start_min // im, -(-opt.end_min // im))]
    return out


def lp_bound(p: Problem) -> float:
    """Least under-staffing any schedule could reach: shift counts per agent class and break
    positions relaxed to reals, limited by each class's size per day, weekly hours and shifts
    per week (finer per-agent rules and meal groups dropped). A true lower bound: every
    schedule the solver may return is a point of this LP."""
    solver = pywraplp.Solver.CreateSolver("GLOP")
    opts, classes = _options(p), _classes(p)
    queues = sorted(p.required)
    n_days, slots, im = len(p.days), p.slots, p.interval_min
    n = {(d, o, c): solver.NumVar(0, len(members), "") for d in range(n_days) for o, opt in enumerate(opts)
         if p.days[d].weekday() in opt.template.weekdays for c, members in classes.items()}
    cover = {(q, d, s): solver.NumVar(0, float(p.required[q][d, s]), "") for q in queues for d in range(n_days)
             for s in range(slots)}
    for c, members in classes.items():
        for d in range(n_days):
            solver.Add(sum(v for (dd, _, cc), v in n.items() if dd == d and cc == c) <= len(members))
        for wk in {day.isocalendar()[:2] for day in p.days}:
            in_week = [(d, o, v) for (d, o, cc), v in n.items() if cc == c and p.days[d].isocalendar()[:2] == wk]
            solver.Add(sum(opts[o].template.length_min * v for _, o, v in in_week)
                       <= sum(p.agents[ai].max_week_min for ai in members))
            solver.Add(sum(v for _, _, v in in_week) <= _max_shifts(p, opts, members, wk))
    # floor[(day, slot)] = [(class, coefficient, variable)]: on shift, minus the breaks' share.
    floor: dict[tuple, list] = {}
    for (d, o, c), v in n.items():
        opt = opts[o]
        for s in range(opt.start_min // im, -(-opt.end_min // im)):
            floor.setdefault((d + s // slots, s % slots), []).append((c, 1.0, v))
        for b in opt.template.breaks:
            starts = _break_starts(p, opt, b)
            zs = [solver.NumVar(0, solver.infinity(), "") for _ in starts]
            solver.Add(sum(zs) == v)
            for t, z in zip(starts, zs, strict=True):
                for s in range(t // im, -(-(t + b.length_min) // im)):
                    overlap = (min((s + 1) * im, t + b.length_min) - max(s * im, t)) / im
                    floor.setdefault((d + s // slots, s % slots), []).append((c, -overlap, z))
    for d in range(n_days):
        for s in range(slots):
            here = floor.get((d, s), [])
            if p.seats is not None and here:
                solver.Add(sum(v for _, k, v in here if k > 0) <= p.seats)
            for qs in _queue_sets(queues):
                solver.Add(sum(cover[q, d, s] for q in qs) <= sum(k * v for c, k, v in here if c & set(qs)))
    solver.Maximize(sum(cover.values()))
    solver.Solve()
    return round(float(sum(r.sum() for r in p.required.values()) - solver.Objective().Value()), 6)


def _max_shifts(p: Problem, opts: list[_Option], members: list[int], wk) -> int:
    """Shifts a class's agents can fit in an ISO week: bounded by the consecutive-days rule and
    by how many of each agent's shortest shifts fit in their weekly hours."""
    days_in = sum(1 for day in p.days if day.isocalendar()[:2] == wk)
    total = 0
    for ai in members:
        a = p.agents[ai]
        shortest = min((o.template.length_min for o in opts if a.templates is None or o.template.key in a.templates),
                       default=0)
        by_hours = a.max_week_min // shortest if shortest else 0
        total += min(days_in - days_in // (a.max_consecutive_days + 1), by_hours)
    return total


def _add_coverage(m: cp_model.CpModel, p: Problem, opts: list[_Option],
                  counts: dict[tuple[int, int, frozenset], cp_model.IntVar]) -> tuple[list, list]:
    """Coverage constraints over shift counts per (day, option, agent class): seats, and per
    interval the agents serving each queue under Hall's condition. Returns the under-staffing
    terms (in twelfths of an agent) and the paid-interval terms."""
    queues = sorted(p.required)
    n_days, slots, im = len(p.days), p.slots, p.interval_min
    sets = _queue_sets(queues)
    covers = _floor_slots(p, opts)
    floor: dict[tuple[int, int], list[tuple[frozenset, cp_model.IntVar, int]]] = {}
    for (d, o, c), v in counts.items():
        for dd, s, w in covers[o]:
            if d + dd < n_days:
                floor.setdefault((d + dd, s), []).append((c, v, w))
    under_terms = []
    paid_terms = [opts[o].template.length_min // im * v for (_, o, _), v in counts.items()]
    for d in range(n_days):
        for s in range(slots):
            here = floor.get((d, s), [])
            if p.seats is not None and here:
                m.Add(sum(v for _, v, _ in here) <= p.seats)
            serve = {q: m.NewIntVar(0, SCALE * int(p.required[q][d, s]), "") for q in queues
                     if p.required[q][d, s] > 0}
            if not serve:
                continue
            for qs in sets:
                relevant = [serve[q] for q in qs if q in serve]
                if relevant:
                    m.Add(sum(relevant) <= sum(w * v for c, v, w in here if c & set(qs)))
            under_terms.extend(SCALE * int(p.required[q][d, s]) - v for q, v in serve.items())
    return under_terms, paid_terms


def _count_plan(p: Problem, opts: list[_Option], time_limit_s: float, workers: int,
                seed: int) -> dict[tuple[int, int, frozenset], int]:
    """Phase 1: how many agents of each class work each shift option each day, with the agents'
    rules summed per class (days available, weekly hours, working days per week). Small and
    quick; it seeds the per-agent model."""
    m = cp_model.CpModel()
    classes = _classes(p)
    n_days = len(p.days)
    counts = {}
    for c, members in classes.items():
        for d, day in enumerate(p.days):
            free = sum(1 for ai in members if day not in p.agents[ai].days_off)
            day_vars = []
            for o, opt in enumerate(opts):
                if day.weekday() not in opt.template.weekdays:
                    continue
                able = sum(1 for ai in members if day not in p.agents[ai].days_off and (
                    p.agents[ai].templates is None or opt.template.key in p.agents[ai].templates))
                if able:
                    counts[d, o, c] = m.NewIntVar(0, able, "")
                    day_vars.append(counts[d, o, c])
            if day_vars:
                m.Add(sum(day_vars) <= free)
        for wk in {day.isocalendar()[:2] for day in p.days}:
            in_week = [(d, o, v) for (d, o, cc), v in counts.items() if cc == c and p.days[d].isocalendar()[:2] == wk]
            m.Add(sum(opts[o].template.length_min * v for _, o, v in in_week)
                  <= sum(p.agents[ai].max_week_min for ai in members))
            m.Add(sum(v for _, _, v in in_week) <= _max_shifts(p, opts, members, wk))
    under_terms, paid_terms = _add_coverage(m, p, opts, counts)
    w_under = sum(o.template.length_min // p.interval_min for o in opts) * len(p.agents) * n_days + 1
    m.Minimize(w_under * sum(under_terms) + sum(paid_terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return {}
    return {k: solver.Value(v) for k, v in counts.items() if solver.Value(v)}


def _roster(p: Problem, opts: list[_Option], plan: dict[tuple[int, int, frozenset], int]) -> set[tuple[int, int, int]]:
    """Phase 1's counts handed to named agents, day by day, greedily: the agent of the class
    with the fewest hours so far who may work the shift under their rules. A hint for the
    per-agent model, which repairs what the greedy pass gets wrong."""
    classes = _classes(p)
    minutes = {ai: {} for ai in range(len(p.agents))}  # ai -> {iso week: minutes}
    last: dict[int, tuple[int, _Option]] = {}  # ai -> (day index, option) of the latest shift
    run = {ai: 0 for ai in range(len(p.agents))}
    out = set()
    for d, day in enumerate(p.days):
        wk = day.isocalendar()[:2]
        taken = set()
        for (dd, o, c), count in sorted(plan.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if dd != d:
                continue
            opt = opts[o]
            for _ in range(count):
                best = None
                for ai in classes[c]:
                    a = p.agents[ai]
                    if ai in taken or day in a.days_off:
                        continue
                    if a.templates is not None and opt.template.key not in a.templates:
                        continue
                    if minutes[ai].get(wk, 0) + opt.template.length_min > a.max_week_min:
                        continue
                    prev = last.get(ai)
                    streak = run[ai] if prev and prev[0] == d - 1 else 0
                    if streak >= a.max_consecutive_days:
                        continue
                    if prev and prev[0] == d - 1:
                        rest = a.rest_after_night_min if prev[1].template.night else a.rest_min
                        if 24 * 60 + opt.start_min - prev[1].end_min < rest:
                            continue
                    key = (minutes[ai].get(wk, 0), day.weekday() in a.avoid_weekdays, ai)
                    if best is None or key < best[0]:
                        best = (key, ai)
                if best is None:
                    continue
                ai = best[1]
                taken.add(ai)
                prev = last.get(ai)
                run[ai] = run[ai] + 1 if prev and prev[0] == d - 1 else 1
                last[ai] = (d, opt)
                minutes[ai][wk] = minutes[ai].get(wk, 0) + opt.template.length_min
                out.add((ai, d, o))
    return out


def solve(p: Problem, *, time_limit_s: float = 60.0, workers: int = 2, seed: int = 0) -> Solution:
    """Stage 1 and stage 2 (see the module docstring)."""
    m = cp_model.CpModel()
    opts = _options(p)
    queues = sorted(p.required)
    n_days, slots, im = len(p.days), p.slots, p.interval_min
    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    for ai, a in enumerate(p.agents):
        for d, day in enumerate(p.days):
            if day in a.days_off:
                continue
            for o, opt in enumerate(opts):
                if day.weekday() not in opt.template.weekdays:
                    continue
                if a.templates is not None and opt.template.key not in a.templates:
                    continue
                x[ai, d, o] = m.NewBoolVar(f"x{ai}_{d}_{o}")
    by_agent_day: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
    for (ai, d, o), v in x.items():
        by_agent_day.setdefault((ai, d), []).append((o, v))
    works = {}
    for key, vs in by_agent_day.items():
        m.AddAtMostOne(v for _, v in vs)
        works[key] = sum(v for _, v in vs)

    penalties = []
    for ai, a in enumerate(p.agents):
        # Hours per ISO week inside the horizon, and per month.
        weeks: dict[tuple[int, int], list] = {}
        months: dict[tuple[int, int], list] = {}
        for d, day in enumerate(p.days):
            for o, v in by_agent_day.get((ai, d), []):
                weeks.setdefault(day.isocalendar()[:2], []).append(opts[o].template.length_min * v)
                months.setdefault((day.year, day.month), []).append(opts[o].template.length_min * v)
        for wk, terms in weeks.items():
            days_in = sum(1 for day in p.days if day.isocalendar()[:2] == wk)
            m.Add(sum(terms) <= a.max_week_min)
            if days_in == 7 and a.min_week_min:  # a partial week cannot be held to the weekly minimum
                leave = sum(1 for day in a.days_off if day.isocalendar()[:2] == wk)
                m.Add(sum(terms) >= max(0, a.min_week_min - leave * 8 * 60))
        for (year, month), terms in months.items():
            if a.max_month_min is not None:
                m.Add(sum(terms) <= a.max_month_min)
            days_in_month = sum(1 for day in p.days if (day.year, day.month) == (year, month))
            if a.min_month_min and days_in_month == calendar.monthrange(year, month)[1]:
                leave = sum(1 for day in a.days_off if (day.year, day.month) == (year, month))
                m.Add(sum(terms) >= max(0, a.min_month_min - leave * 8 * 60))
        # Max consecutive working days.
        k = a.max_consecutive_days
        for d in range(n_days - k):
            m.Add(sum(works.get((ai, d + i), 0) for i in range(k + 1)) <= k)
        # Rest between shifts (longer after nights): no back-to-back (split) shifts.
        for d in range(n_days - 1):
            for o1, v1 in by_agent_day.get((ai, d), []):
                rest = a.rest_after_night_min if opts[o1].template.night else a.rest_min
                too_soon = [v2 for o2, v2 in by_agent_day.get((ai, d + 1), [])
                            if 24 * 60 + opts[o2].start_min - opts[o1].end_min < rest]
                if too_soon:
                    m.Add(sum(too_soon) == 0).OnlyEnforceIf(v1)
        # Preferences.
        for d, day in enumerate(p.days):
            for o, v in by_agent_day.get((ai, d), []):
                if day.weekday() in a.avoid_weekdays:
                    penalties.append(p.weight_preference * v)
                if a.prefer_templates and opts[o].template.key not in a.prefer_templates:
                    penalties.append(p.weight_preference * v)

    # Fair night shifts within each group: the spread between the most and fewest nights.
    groups: dict[str, list[int]] = {}
    for ai, a in enumerate(p.agents):
        if a.fairness_group:
            groups.setdefault(a.fairness_group, []).append(ai)
    if any(t.night for t in p.templates):
        for members in groups.values():
            if len(members) < 2:
                continue
            nights = []
            for ai in members:
                n = m.NewIntVar(0, n_days, "")
                m.Add(n == sum(v for (aj, _, o), v in x.items() if aj == ai and opts[o].template.night))
                nights.append(n)
            hi, lo = m.NewIntVar(0, n_days, ""), m.NewIntVar(0, n_days, "")
            m.AddMaxEquality(hi, nights)
            m.AddMinEquality(lo, nights)
            penalties.append(p.weight_unfair * (hi - lo))

    # Coverage through shift counts per agent class (agents serving the same queues), so each
    # interval sums a few counts instead of every agent's options.
    counts: dict[tuple[int, int, frozenset], cp_model.IntVar] = {}
    for c, members in _classes(p).items():
        for d in range(n_days):
            for o in range(len(opts)):
                vs = [x[ai, d, o] for ai in members if (ai, d, o) in x]
                if vs:
                    counts[d, o, c] = m.NewIntVar(0, len(vs), "")
                    m.Add(counts[d, o, c] == sum(vs))
    under_terms, paid_terms = _add_coverage(m, p, opts, counts)
    max_paid = sum(opts[o].template.length_min // im for (_, _, o) in x) + 1
    w_under = p.weight_under or (max_paid + p.weight_unfair * n_days * len(p.agents)
                                 + p.weight_preference * 2 * len(x) + 1)
    m.Minimize(w_under * sum(under_terms) + sum(paid_terms) + sum(penalties))

    started = time.perf_counter()
    plan = _count_plan(p, opts, time_limit_s * 0.25, workers, seed)
    hint = _roster(p, opts, plan)
    for key, v in x.items():
        m.AddHint(v, key in hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, time_limit_s - (time.perf_counter() - started))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.Solve(m)
    name = solver.StatusName(status)
    required_total = float(sum(r.sum() for r in p.required.values()))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(status=name, shifts=[], coverage={q: np.zeros((n_days, slots)) for q in queues},
                        on_floor=np.zeros((n_days, slots)), under=required_total, required_total=required_total,
                        paid_hours=0.0, lp_under=lp_bound(p), solve_s=solver.WallTime(), objective=0.0,
                        notes=["no schedule satisfies the hard rules (weekly minimum hours, days off, seats): "
                               "relax one of them"])
    shifts = []
    for (ai, d, o), v in x.items():
        if solver.Value(v):
            opt = opts[o]
            shifts.append(Shift(agent=p.agents[ai].key, day=p.days[d], template=opt.template.key,
                                start_min=opt.start_min, end_min=opt.end_min,
                                breaks=[(b.kind, opt.start_min + b.after_min,
                                         opt.start_min + b.after_min + b.length_min) for b in opt.template.breaks]))
    place_breaks(p, shifts, time_limit_s=max(1.0, time_limit_s / 10), workers=workers)
    coverage, on_floor = cover(p, shifts)
    under = float(sum(np.maximum(p.required[q] - coverage[q], 0).sum() for q in queues))
    return Solution(status=name, shifts=sorted(shifts, key=lambda s: (s.day, s.start_min, s.agent)),
                    coverage=coverage, on_floor=on_floor, under=under, required_total=required_total,
                    paid_hours=sum(s.end_min - s.start_min for s in shifts) / 60, lp_under=lp_bound(p),
                    solve_s=round(solver.WallTime(), 2), objective=solver.ObjectiveValue())


def cover(p: Problem, shifts: list[Shift]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Agents on the floor per (day, slot), and how many serve each queue: each interval's agents
    are shared out to the queues by a max flow (an agent serves one queue at a time)."""
    from ortools.graph.python import max_flow

    queues = sorted(p.required)
    n_days, slots = len(p.days), p.slots
    index = {d: i for i, d in enumerate(p.days)}
    agents = {a.key: a for a in p.agents}
    templates = {t.key: t for t in p.templates}
    present: dict[tuple[int, int], dict[frozenset[str], int]] = {}
    for sh in shifts:
        for s in _working_slots(p, _Option(templates[sh.template], sh.start_min), sh.breaks):
            d, ss = index[sh.day] + s // slots, s % slots
            if d < n_days:
                here = present.setdefault((d, ss), {})
                here[agents[sh.agent].queues] = here.get(agents[sh.agent].queues, 0) + 1
    on_floor = np.zeros((n_days, slots))
    coverage = {q: np.zeros((n_days, slots)) for q in queues}
    qnode = {q: 1 + i for i, q in enumerate(queues)}
    sink = len(queues) + 1
    for (d, s), classes in present.items():
        on_floor[d, s] = sum(classes.values())
        flow = max_flow.SimpleMaxFlow()
        for ci, (c, count) in enumerate(classes.items()):
            node = sink + 1 + ci
            flow.add_arc_with_capacity(0, node, count)
            for q in c & set(queues):
                flow.add_arc_with_capacity(node, qnode[q], count)
        arcs = {q: flow.add_arc_with_capacity(qnode[q], sink, int(p.required[q][d, s])) for q in queues}
        if flow.solve(0, sink) == flow.OPTIMAL:
            for q, arc in arcs.items():
                coverage[q][d, s] = flow.flow(arc)
    return coverage, on_floor


def place_breaks(p: Problem, shifts: list[Shift], *, time_limit_s: float = 5.0, workers: int = 2) -> None:
    """Stage 2: slide each break within ± its flex, per day, to keep the floor covered where the
    requirement is highest; at most `meal_group_limit` of a meal group at lunch at once."""
    im = p.interval_min
    templates = {t.key: t for t in p.templates}
    agents = {a.key: a for a in p.agents}
    total_req = sum(p.required.values())
    index = {d: i for i, d in enumerate(p.days)}
    for day in p.days:
        todays = [s for s in shifts if s.day == day and templates[s.template].breaks]
        if not todays:
            continue
        m = cp_model.CpModel()
        choice: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
        for si, sh in enumerate(todays):
            opt = _Option(templates[sh.template], sh.start_min)
            for bi, b in enumerate(templates[sh.template].breaks):
                choice[si, bi] = [(t, m.NewBoolVar("")) for t in _break_starts(p, opt, b)]
                m.AddExactlyOne(v for _, v in choice[si, bi])
            # Breaks of one shift keep their order and do not overlap.
            brs = templates[sh.template].breaks
            for bi in range(len(brs) - 1):
                first = sum(t * v for t, v in choice[si, bi])
                m.Add(sum(t * v for t, v in choice[si, bi + 1]) >= first + brs[bi].length_min)
        d = index[day]
        horizon = max(s.end_min for s in todays)
        slot_terms: dict[int, list] = {}
        lunch_terms: dict[tuple[str, int], list] = {}
        for (si, bi), opts in choice.items():
            b = templates[todays[si].template].breaks[bi]
            for t, v in opts:
                for s in range(t // im, -(-(t + b.length_min) // im)):
                    slot_terms.setdefault(s, []).append(v)
                    group = agents[todays[si].agent].meal_group
                    if b.kind == "lunch" and group and p.meal_group_limit is not None:
                        lunch_terms.setdefault((group, s), []).append(v)
        for terms in lunch_terms.values():
            m.Add(sum(terms) <= p.meal_group_limit)
        shortfall = []
        for s in range(0, -(-horizon // im)):
            dd, ss = d + s // p.slots, s % p.slots
            if dd >= len(p.days) or s not in slot_terms:
                continue
            on_shift = sum(1 for sh in todays if sh.start_min <= s * im < sh.end_min)
            on_shift += sum(1 for sh in shifts if sh.day == day and not templates[sh.template].breaks
                            and sh.start_min <= s * im < sh.end_min)
            req = int(total_req[dd, ss])
            short = m.NewIntVar(0, len(todays) + req, "")
            m.Add(short >= req - (on_shift - sum(slot_terms[s])))
            shortfall.append(short)
        m.Minimize(sum(shortfall))
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = time_limit_s
        solver.parameters.num_workers = workers
        if solver.Solve(m) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue  # keep the planned offsets
        for si, sh in enumerate(todays):
            placed = []
            for bi, b in enumerate(templates[sh.template].breaks):
                t = next(t for t, v in choice[si, bi] if solver.Value(v))
                placed.append((b.kind, t, t + b.length_min))
            sh.breaks = placed
