"""The CP-SAT scheduler (WFM-6) on instances small enough to know the optimum by hand, and
one instance per rule showing the rule bites."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from wfm.scheduler import Agent, Break, Problem, Template, lp_bound, solve

MONDAY = date(2026, 6, 1)
Q = frozenset({"general"})


def _problem(req_rows, agents, templates, *, interval_min=60, **kw) -> Problem:
    slots = 24 * 60 // interval_min
    required = {}
    for queue, rows in (req_rows.items() if isinstance(req_rows, dict) else [("general", req_rows)]):
        arr = np.zeros((len(rows), slots))
        for d, row in enumerate(rows):
            for s, v in row.items():
                arr[d, s] = v
        required[queue] = arr
    n_days = len(next(iter(required.values())))
    return Problem(days=[MONDAY + timedelta(days=i) for i in range(n_days)], interval_min=interval_min,
                   required=required, agents=agents, templates=templates, **kw)


FOUR = Template("four", tuple(range(8 * 60, 13 * 60, 60)), 240)  # 4-hour shifts starting 08:00–12:00


def _ramp():
    return {**{s: 1 for s in range(8, 12)}, **{s: 2 for s in range(12, 16)}}  # 1 agent 08–12, 2 agents 12–16


def test_known_optimum_full_cover_with_fewest_hours():
    p = _problem([_ramp()], [Agent(key=i, queues=Q) for i in range(3)], [FOUR])
    sol = solve(p, time_limit_s=10)
    assert sol.status == "OPTIMAL"
    assert sol.under == 0 and sol.paid_hours == 12  # 12 agent-hours required, 12 paid: nothing wasted
    assert sorted(s.start_min // 60 for s in sol.shifts) == [8, 12, 12]
    assert sol.coverage["general"][0, 8:16].tolist() == [1, 1, 1, 1, 2, 2, 2, 2]


def test_short_of_agents_the_gap_equals_the_lp_bound():
    p = _problem([_ramp()], [Agent(key=0, queues=Q)], [FOUR])
    sol = solve(p, time_limit_s=10)
    # One agent covers 4 of the 12 agent-hours at best; the LP bound knows it too.
    assert sol.under == 8 and lp_bound(p) == 8 and sol.gap_to_bound_pct == 0


def test_max_consecutive_days():
    week = [{10: 1} for _ in range(7)]
    sol = solve(_problem(week, [Agent(key=0, queues=Q, max_consecutive_days=3)], [FOUR]), time_limit_s=10)
    worked = {s.day for s in sol.shifts}
    runs, run = [], 0
    for i in range(7):
        run = run + 1 if MONDAY + timedelta(days=i) in worked else 0
        runs.append(run)
    assert max(runs) == 3 and len(worked) == 6  # e.g. on-on-on-off-on-on-on


def test_weekly_hours_cap_and_minimum():
    week = [{10: 1} for _ in range(7)]
    capped = solve(_problem(week, [Agent(key=0, queues=Q, max_week_min=8 * 60)], [FOUR]), time_limit_s=10)
    assert len(capped.shifts) == 2 and capped.under == 5
    quiet = [{} for _ in range(7)]  # no calls at all, but the contract says 12 hours a week
    held = solve(_problem(quiet, [Agent(key=0, queues=Q, min_week_min=12 * 60)], [FOUR]), time_limit_s=10)
    assert len(held.shifts) == 3


def test_rest_after_a_night_shift_and_no_back_to_back_shifts():
    night = Template("night", (22 * 60,), 8 * 60, night=True)
    early = Template("early", (7 * 60,), 8 * 60)
    late = Template("late", (15 * 60,), 8 * 60)
    # Day 1 needs a night (22–06) and day 2 an early (07–15): one agent cannot do both (rest after
    # a night is 24 h), a second agent is needed.
    req = [{22: 1, 23: 1}, {7: 1, 8: 1}]
    one = solve(_problem(req, [Agent(key=0, queues=Q)], [night, early]), time_limit_s=10)
    assert len(one.shifts) == 1 and one.under > 0
    two = solve(_problem(req, [Agent(key=0, queues=Q), Agent(key=1, queues=Q)], [night, early]), time_limit_s=10)
    assert two.under == 0 and len({s.agent for s in two.shifts}) == 2
    # A late (15–23) then an early (07–15) leaves 8 h: under the 11 h rest, not allowed.
    req = [{16: 1}, {8: 1}]
    sol = solve(_problem(req, [Agent(key=0, queues=Q)], [late, early]), time_limit_s=10)
    assert len(sol.shifts) == 1


def test_days_off_and_preferences():
    week = [{10: 1} for _ in range(7)]
    leave = MONDAY + timedelta(days=2)
    a = Agent(key=0, queues=Q, days_off=frozenset({leave}), avoid_weekdays=frozenset({6}), max_consecutive_days=7)
    b = Agent(key=1, queues=Q, max_consecutive_days=7)
    sol = solve(_problem(week, [a, b], [FOUR]), time_limit_s=10)
    assert sol.under == 0
    assert all(s.agent != 0 for s in sol.shifts if s.day == leave)
    assert all(s.agent == 1 for s in sol.shifts if s.day.weekday() == 6)  # A would rather not work Sundays


def test_seat_limit():
    sol = solve(_problem([{10: 5}], [Agent(key=i, queues=Q) for i in range(5)], [FOUR], seats=3), time_limit_s=10)
    assert sol.on_floor.max() == 3 and sol.under == 2


def test_multi_skill_coverage_respects_who_can_serve_what():
    both, only_a = frozenset({"a", "b"}), frozenset({"a"})
    req = {"a": [{10: 1}], "b": [{10: 1}]}
    sol = solve(_problem(req, [Agent(key=0, queues=both), Agent(key=1, queues=only_a)], [FOUR]), time_limit_s=10)
    assert sol.under == 0 and sol.coverage["a"][0, 10] == 1 and sol.coverage["b"][0, 10] == 1
    # Two callers for B but only one agent can take B calls: one short, whatever else is on.
    req = {"a": [{}], "b": [{10: 2}]}
    sol = solve(_problem(req, [Agent(key=0, queues=both), Agent(key=1, queues=only_a)], [FOUR]), time_limit_s=10)
    assert sol.under == 1 and len(sol.shifts) == 1  # the A-only agent would be paid for nothing


def test_night_shifts_are_shared_fairly_in_a_group():
    night = Template("night", (22 * 60,), 8 * 60, night=True)
    req = [{22: 1} for _ in range(4)]
    agents = [Agent(key=i, queues=Q, fairness_group="nights", rest_after_night_min=0, max_consecutive_days=7)
              for i in range(2)]
    sol = solve(_problem(req, agents, [night]), time_limit_s=10)
    per_agent = [sum(1 for s in sol.shifts if s.agent == i) for i in range(2)]
    assert sol.under == 0 and per_agent == [2, 2]


def test_breaks_move_within_their_window_and_meal_groups_take_turns():
    eight = Template("eight", (8 * 60,), 8 * 60, breaks=(Break("lunch", 240, 60, 120),))
    agents = [Agent(key=i, queues=Q, meal_group="floor") for i in range(3)]
    req = [{s: 2 for s in range(8, 16)}]
    sol = solve(_problem(req, agents, [eight], meal_group_limit=1), time_limit_s=10)
    lunches = sorted(b[1] for s in sol.shifts for b in s.breaks)
    assert len(sol.shifts) == 3 and len(set(lunches)) == 3  # one at a time
    assert all(10 * 60 <= t <= 14 * 60 for t in lunches)  # within ± 2 h of 12:00
    assert sol.under == 0  # three agents, one at lunch: two always on the phones


def test_monthly_minimum_holds_when_the_horizon_covers_the_month():
    # February 2027 (28 days) with nothing to answer: the contract's 40 hours a month still stand.
    first = date(2027, 2, 1)
    p = Problem(days=[first + timedelta(days=i) for i in range(28)], interval_min=60,
                required={"general": np.zeros((28, 24))},
                agents=[Agent(key=0, queues=Q, min_month_min=40 * 60, max_consecutive_days=7)], templates=[FOUR])
    assert len(solve(p, time_limit_s=10).shifts) == 10
    p.days = p.days[:27]  # a part of the month: the monthly minimum cannot be asked
    p.required = {"general": np.zeros((27, 24))}
    assert solve(p, time_limit_s=10).shifts == []
