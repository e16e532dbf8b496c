"""WFM-8 adherence from the state log vs the published schedule: the ± 5 min tolerance edges
(7:55 and 8:05 on time, 8:06 late), adherence and conformance by hand, approved exceptions,
late starts recorded as lateness, the live board and the agent report's column."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

DAY = date(2026, 6, 3)


def _at(h: int, m: int = 0, s: int = 0) -> datetime:
    return datetime(DAY.year, DAY.month, DAY.day, h, m, s, tzinfo=UTC)


def _shift(center, who="agent1"):
    """08:00–16:00 with lunch 12:00–12:30, published."""
    from wfm.models import Schedule, ScheduledShift

    with center.in_tenant():
        s = Schedule.objects.create(name="W23", first_day=DAY, days=1, interval_min=15, status="published")
        return ScheduledShift.objects.create(schedule=s, agent=center.users[who], day=DAY, start=_at(8), end=_at(16),
                                             breaks=[{"kind": "lunch", "start": _at(12).isoformat(),
                                                      "end": _at(12, 30).isoformat()}])


def _log(center, steps, who="agent1"):
    from telephony.models import AgentProfile, AgentStateChange

    with center.in_tenant():
        profile, _ = AgentProfile.objects.get_or_create(user=center.users[who])
        before = "offline"
        for at, state in steps:
            AgentStateChange.objects.create(agent=profile, at=at, from_state=before, to_state=state, source="agent")
            before = state


def _verdict(center, until=None):
    from wfm.adherence import day_verdicts

    with center.in_tenant():
        (v,) = day_verdicts(DAY, until=until or _at(23))
        return v


@pytest.mark.parametrize("login,late", [((7, 55), None), ((8, 5), None), ((8, 6), 6), ((7, 30), None)])
def test_start_tolerance_edges(center, login, late):
    _shift(center)
    _log(center, [(_at(*login), "available"), (_at(16), "offline")])
    assert _verdict(center).late_min == late


def test_adherence_and_conformance_by_hand(center):
    _shift(center)
    _log(center, [(_at(8), "available"), (_at(10), "not_ready"), (_at(10, 20), "available"),
                  (_at(11), "on_call"), (_at(11, 10), "wrap_up"), (_at(11, 12), "available"),
                  (_at(12), "not_ready"), (_at(12, 30), "available"), (_at(16), "offline")])
    v = _verdict(center)
    # 8 h scheduled; the 20-minute unplanned break 10:00–10:20 is the only time out of adherence.
    assert (v.scheduled_s, v.adherent_s) == (8 * 3600, 8 * 3600 - 1200)
    assert v.adherence == round((28800 - 1200) / 28800, 4)
    # Conformance: on the phones 8 h − 20 min − 30 min lunch = 25,800 s of 27,000 planned.
    assert (v.phone_s, v.planned_phone_s, v.conformance) == (25800, 27000, round(25800 / 27000, 4))


def test_a_late_lunch_costs_only_what_passes_the_tolerance(center):
    _shift(center)
    _log(center, [(_at(8), "available"), (_at(12, 10), "not_ready"), (_at(12, 40), "available"),
                  (_at(16), "offline")])
    # Lunch 12:10–12:40 for a planned 12:00–12:30: 12:05–12:10 on the phones during lunch and
    # 12:35–12:40 at lunch during phone time are out; the 5 minutes around each boundary are forgiven.
    assert _verdict(center).adherent_s == 8 * 3600 - 600


def test_an_approved_exception_counts_as_adherent(center):
    _shift(center)
    _log(center, [(_at(8), "available"), (_at(9, 30), "not_ready"), (_at(10), "available"),
                  (_at(12), "not_ready"), (_at(12, 30), "available"), (_at(16), "offline")])
    assert _verdict(center).adherent_s == 8 * 3600 - 1800
    resp = center.api("supervisor").post("/api/v1/wfm/adherence-exceptions", {
        "agent": center.users["agent1"].pk, "start": _at(9, 30).isoformat(), "end": _at(10).isoformat(),
        "reason": "escorting a visitor"}, content_type="application/json")
    assert resp.status_code == 201, resp.content
    assert _verdict(center).adherence == 1.0
    bad = center.api("supervisor").post("/api/v1/wfm/adherence-exceptions", {
        "agent": center.users["agent1"].pk, "start": _at(10).isoformat(), "end": _at(9).isoformat(),
        "reason": "x"}, content_type="application/json")
    assert bad.status_code == 400 and "end" in bad.json()["error"]["fields"]


def test_late_starts_become_lateness_once(center):
    from wfm.models import LatenessRecord
    from wfm.services.leave import lateness_sweep

    _shift(center)
    _shift(center, who="agent2")
    _log(center, [(_at(8, 40), "available"), (_at(16), "offline")])  # 40 min late: a whole day
    _log(center, [(_at(8, 3), "available"), (_at(16), "offline")], who="agent2")  # within tolerance
    with center.in_tenant():
        assert lateness_sweep(DAY) == 1
        assert lateness_sweep(DAY) == 1  # again: the same record, updated
        (rec,) = LatenessRecord.objects.all()
        assert (rec.agent_id, rec.minutes_late, str(rec.leave_days)) == (center.users["agent1"].pk, 40, "1.0")


def test_adherence_api_and_the_live_board(center):
    from telephony import clock

    _shift(center)
    _log(center, [(_at(8), "available"), (_at(10), "not_ready")])
    rows = center.api("supervisor").get("/api/v1/wfm/adherence", {"day": DAY.isoformat()}).json()["rows"]
    assert rows[0]["email"] == center.users["agent1"].email and rows[0]["adherence"] < 1
    with center.in_tenant():
        from telephony.models import AgentProfile

        AgentProfile.objects.filter(user=center.users["agent1"]).update(state="not_ready", not_ready_reason="break",
                                                                         state_since=_at(10))
    with clock.virtual(lambda: _at(10, 30)):
        board = center.api("supervisor").get("/api/v1/wfm/adherence/live").json()["rows"]
    assert board[0]["planned"] == "phone" and board[0]["state"] == "not_ready" and not board[0]["in_adherence"]
    assert center.api("agent1").get("/api/v1/wfm/adherence/live").status_code == 403


def test_the_agent_report_shows_adherence(center):
    _shift(center)
    _log(center, [(_at(8), "available"), (_at(10), "not_ready"), (_at(10, 20), "available"),
                  (_at(12), "not_ready"), (_at(12, 30), "available"), (_at(16), "offline")])
    rows = center.api("supervisor").get("/api/v1/reports/agents", {"from": DAY.isoformat(),
                                                                   "to": DAY.isoformat()}).json()["rows"]
    me = next(r for r in rows if r["agent"] == center.users["agent1"].pk)
    assert me["adherence"] == round((28800 - 1200) / 28800, 4)
