"""Schedules end to end (WFM-6): forecast → schedule built by a real worker → figures →
publish → each agent sees their shifts; leave keeps an agent off; a what-if with virtual
part-timers compares side by side and cannot be published; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import wait_for
from tests.wfm.test_forecast_api import FIRST, _calls, _tenant_in_berlin


def _setup(center, calls_per_day=10):
    """Two weeks of 10 calls at 10:00–10:30 (AHT 180 s) → a forecast needing 3 agents at 10:00
    (Erlang C, 80 % in 20 s) and nobody else; one 4-hour template starting 08:00, 09:00 or 10:00."""
    from telephony.models import Queue
    from wfm.services import forecast_create
    from wfm.services.schedules import template_save

    _tenant_in_berlin(center)
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        for i in range(1, 15):
            _calls(q, FIRST - timedelta(days=i), calls_per_day)
        f = forecast_create(queue=q, name="June", method="relative", first_day=FIRST, days=1, interval_min=30,
                            params={"weeks": 2}, target_sl=0.8, threshold_s=20, shrinkage=0.3)
        assert [iv.required for iv in f.intervals.filter(required__gt=0)] == [3]
        template_save(name="Morning", starts=["08:00", "09:00", "10:00"], length_min=240)
    return q, f


def _build(center, pk):
    from wfm.services.schedules import schedule_build

    with center.in_tenant():
        return schedule_build(pk)


def test_a_schedule_covers_the_forecast_and_agents_see_it_once_published(center, celery_worker):
    _q, f = _setup(center)
    resp = center.api("admin").post("/api/v1/wfm/schedules", {"name": "Week 23", "forecasts": [f.pk],
                                                               "time_limit_s": 10}, content_type="application/json")
    assert resp.status_code == 202, resp.content
    pk = resp.json()["id"]
    assert resp.json()["status"] == "building"

    def built():
        return center.api("admin").get(f"/api/v1/wfm/schedules/{pk}").json()["status"] != "building"

    wait_for("the worker to build the schedule", built, timeout=90)
    body = center.api("admin").get(f"/api/v1/wfm/schedules/{pk}").json()
    assert body["status"] == "draft", body
    fig = body["figures"]
    assert (fig["status"], fig["shifts"], fig["under_agent_intervals"], fig["paid_hours"]) == ("OPTIMAL", 3, 0, 12)
    assert fig["lp_bound_under"] == 0 and fig["gap_to_bound_pct"] == 0
    day = body["coverage"][0]
    ten = 20  # 10:00 in 30-minute slots
    assert day["required"][ten] == 3 and day["on_floor"][ten] == 3
    assert day["service_level"][ten] >= 0.8  # predicted with the three agents on the phones
    assert {s["agent"] for s in body["shifts"]} == {center.users[f"agent{i}"].pk for i in (1, 2, 3)}

    mine = center.api("agent1").get("/api/v1/wfm/my-shifts", {"from": FIRST.isoformat()}).json()
    assert mine["shifts"] == []  # a draft is the planner's business
    assert center.api("admin").post(f"/api/v1/wfm/schedules/{pk}/publish").status_code == 200
    mine = center.api("agent1").get("/api/v1/wfm/my-shifts", {"from": FIRST.isoformat()}).json()["shifts"]
    assert len(mine) == 1 and mine[0]["day"] == FIRST.isoformat()
    assert mine[0]["start"].endswith("+02:00")  # Berlin summer time
    again = center.api("admin").post(f"/api/v1/wfm/schedules/{pk}/publish")
    assert again.status_code == 409 and "draft" in again.json()["error"]["message"]


def test_approved_leave_keeps_an_agent_off_and_the_gap_shows(center):
    from wfm.models import LeaveRequest

    _q, f = _setup(center)
    with center.in_tenant():
        LeaveRequest.objects.create(agent=center.users["agent3"], kind="annual", first_day=FIRST, last_day=FIRST,
                                    status=LeaveRequest.Status.APPROVED)
    pk = center.api("admin").post("/api/v1/wfm/schedules", {"forecasts": [f.pk], "time_limit_s": 10},
                                  content_type="application/json").json()["id"]
    s = _build(center, pk)
    assert s.status == "draft"
    assert center.users["agent3"].pk not in {sh.agent_id for sh in s.shifts.all()}
    assert s.result["under_agent_intervals"] == 1 and s.result["shifts"] == 2


def test_what_if_with_virtual_part_timers_compares_but_is_not_published(center):
    from wfm.models import LeaveRequest

    _q, f = _setup(center)
    with center.in_tenant():
        for who in ("agent2", "agent3"):
            LeaveRequest.objects.create(agent=center.users[who], kind="annual", first_day=FIRST, last_day=FIRST,
                                        status=LeaveRequest.Status.APPROVED)
    api = center.api("admin")
    base = api.post("/api/v1/wfm/schedules", {"forecasts": [f.pk], "time_limit_s": 10},
                    content_type="application/json").json()["id"]
    what_if = api.post("/api/v1/wfm/schedules", {"forecasts": [f.pk], "time_limit_s": 10,
                                                 "virtual_agents": [{"count": 2, "max_week_hours": 20}]},
                       content_type="application/json").json()["id"]
    _build(center, base), _build(center, what_if)
    cmp = api.get("/api/v1/wfm/schedules/compare", {"a": base, "b": what_if}).json()
    assert cmp["a"]["figures"]["under_agent_intervals"] == 2 and cmp["b"]["figures"]["under_agent_intervals"] == 0
    assert cmp["b"]["figures"]["virtual_agents"] == 2
    assert cmp["days"][0]["a_on_floor"][20] == 1 and cmp["days"][0]["b_on_floor"][20] == 3
    resp = api.post(f"/api/v1/wfm/schedules/{what_if}/publish")
    assert resp.status_code == 409 and "virtual" in resp.json()["error"]["message"]


@pytest.mark.parametrize("body,field", [
    ({"forecasts": []}, "forecasts"),
    ({"forecasts": [999999]}, "forecasts"),
    ({"time_limit_s": 0}, "time_limit_s"),
    ({"virtual_agents": [{"count": 0}]}, "virtual_agents"),
    ({"shrinkage": 2}, "shrinkage"),
])
def test_bad_schedule_requests_write_nothing(center, body, field):
    from wfm.models import Schedule

    _q, f = _setup(center)
    resp = center.api("admin").post("/api/v1/wfm/schedules", {"forecasts": [f.pk], **body},
                                    content_type="application/json")
    assert resp.status_code == 400 and field in resp.json()["error"]["fields"], resp.content
    with center.in_tenant():
        assert not Schedule.objects.exists()


@pytest.mark.parametrize("body,field", [
    ({"starts": ["7:00"]}, "starts"),
    ({"starts": []}, "starts"),
    ({"length_min": 30}, "length_min"),
    ({"breaks": [{"kind": "nap", "after_min": 60, "length_min": 15}]}, "breaks"),
    ({"breaks": [{"kind": "break", "after_min": 230, "length_min": 15}]}, "breaks"),  # past the shift's end
])
def test_bad_shift_templates_are_explained(center, body, field):
    from wfm.models import ShiftTemplate

    payload = {"name": "Early", "starts": ["07:00"], "length_min": 240, **body}
    resp = center.api("admin").post("/api/v1/wfm/shift-templates", payload, content_type="application/json")
    assert resp.status_code == 400 and field in resp.json()["error"]["fields"], resp.content
    with center.in_tenant():
        assert not ShiftTemplate.objects.exists()


def test_no_template_no_schedule(center):
    from wfm.models import ShiftTemplate

    _q, f = _setup(center)
    with center.in_tenant():
        ShiftTemplate.objects.update(active=False)
    resp = center.api("admin").post("/api/v1/wfm/schedules", {"forecasts": [f.pk]}, content_type="application/json")
    assert resp.status_code == 400 and "shift template" in resp.json()["error"]["message"]


def test_work_rules_feed_the_scheduler(center):
    _q, f = _setup(center)
    a1 = center.users["agent1"].pk
    resp = center.api("admin").put(f"/api/v1/wfm/work-rules/{a1}", {"max_week_hours": 0, "min_week_hours": 0},
                                   content_type="application/json")
    assert resp.status_code == 200, resp.content
    pk = center.api("admin").post("/api/v1/wfm/schedules", {"forecasts": [f.pk], "time_limit_s": 10},
                                  content_type="application/json").json()["id"]
    s = _build(center, pk)
    assert a1 not in {sh.agent_id for sh in s.shifts.all()}  # no hours in the contract, no shift
    bad = center.api("admin").put(f"/api/v1/wfm/work-rules/{a1}", {"min_week_hours": 30, "max_week_hours": 20},
                                  content_type="application/json")
    assert bad.status_code == 400


def test_group_rules_apply_to_a_whole_team(center):
    from accounts.models import Team
    from wfm.models import AgentWorkRule

    with center.in_tenant():
        team = Team.objects.create(name="North")
        for who in ("agent1", "agent2"):
            center.users[who].teams.add(team)
    resp = center.api("admin").put(f"/api/v1/wfm/team-work-rules/{team.pk}", {"max_week_hours": 20,
                                                                               "fairness_group": "north"},
                                   content_type="application/json")
    assert resp.status_code == 200 and resp.json()["agents"] == 2
    with center.in_tenant():
        rules = {r.user_id: (r.max_week_hours, r.fairness_group) for r in AgentWorkRule.objects.all()}
    assert rules == {center.users["agent1"].pk: (20, "north"), center.users["agent2"].pk: (20, "north")}
    bad = center.api("admin").put(f"/api/v1/wfm/team-work-rules/{team.pk}", {"min_week_hours": 30,
                                                                              "max_week_hours": 20},
                                  content_type="application/json")
    assert bad.status_code == 400
