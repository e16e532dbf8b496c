"""WFM-7 leave and swap rules, one by one, each refusal naming its rule; lateness arithmetic."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from config.errors import ServiceError

UTC = ZoneInfo("UTC")
TODAY = date(2026, 6, 1)  # a Monday: requests are made on it, for the days after
TUE, WED, THU = (TODAY + timedelta(days=i) for i in (1, 2, 3))


def _roster(center, rows):
    """A published schedule: rows of (agent name, day, start hour, hours)."""
    from wfm.models import Schedule, ScheduledShift, ShiftTemplate

    with center.in_tenant():
        tpl, _ = ShiftTemplate.objects.get_or_create(name="Day", defaults={"starts": ["08:00"], "length_min": 480})
        s = Schedule.objects.create(name="June", first_day=TODAY, days=7, interval_min=15, status="published")
        out = []
        for who, day, hour, hours in rows:
            start = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
            out.append(ScheduledShift.objects.create(schedule=s, agent=center.users[who], day=day, start=start,
                                                     end=start + timedelta(hours=hours), template=tpl))
        return out


def _rule(exc: pytest.ExceptionInfo) -> str:
    return exc.value.fields["rule"][0]


def test_leave_needs_a_day_of_notice_except_emergency_sickness(center):
    from wfm.services.leave import leave_request

    with center.in_tenant():
        a1 = center.users["agent1"]
        with pytest.raises(ServiceError) as exc:
            leave_request(agent=a1, kind="annual", first_day=TODAY, last_day=TODAY, today=TODAY)
        assert _rule(exc) == "notice" and "1 day ahead" in exc.value.message
        assert leave_request(agent=a1, kind="annual", first_day=TUE, last_day=TUE, today=TODAY).status == "pending"
        sick = leave_request(agent=a1, kind="sick", first_day=TODAY, last_day=TODAY, emergency=True, today=TODAY)
        assert sick.emergency and sick.approvals_needed == 1


def test_two_leave_days_a_month_more_needs_proof_and_two_approvals(center):
    from wfm.services.leave import leave_decide, leave_request

    with center.in_tenant():
        a1, sup, admin = center.users["agent1"], center.users["supervisor"], center.users["admin"]
        two = leave_request(agent=a1, kind="annual", first_day=TUE, last_day=WED, today=TODAY)
        assert two.approvals_needed == 1
        with pytest.raises(ServiceError) as exc:
            leave_request(agent=a1, kind="personal", first_day=THU, last_day=THU, today=TODAY)
        assert _rule(exc) == "monthly_allowance" and "already has 2" in exc.value.message
        third = leave_request(agent=a1, kind="personal", first_day=THU, last_day=THU, proof="hospital letter",
                              today=TODAY)
        assert third.approvals_needed == 2
        third = leave_decide(request=third, by=sup, approve=True)
        assert third.status == "pending" and len(third.approvals) == 1  # one of two
        with pytest.raises(ServiceError, match="approved this already"):
            leave_decide(request=third, by=sup, approve=True)
        assert leave_decide(request=third, by=admin, approve=True).status == "approved"
        # Sickness and training do not use the allowance.
        assert leave_request(agent=a1, kind="training", first_day=TODAY + timedelta(days=10),
                             last_day=TODAY + timedelta(days=12), today=TODAY).approvals_needed == 1


def test_lateness_counts_toward_the_allowance(center):
    from wfm.services.leave import lateness_month, lateness_record, leave_request

    with center.in_tenant():
        a1 = center.users["agent1"]
        assert lateness_record(agent=a1, day=date(2026, 6, 2), minutes_late=30).leave_days == Decimal("0.5")
        assert lateness_record(agent=a1, day=date(2026, 6, 3), minutes_late=31).leave_days == Decimal("1.0")
        assert lateness_month(a1, 2026, 6) == {"late_events": 2, "leave_days": 1.5, "absent_days": 0}
        lateness_record(agent=a1, day=date(2026, 6, 4), minutes_late=6)
        assert lateness_month(a1, 2026, 6) == {"late_events": 3, "leave_days": 2.0, "absent_days": 1}
        with pytest.raises(ServiceError) as exc:  # the two days are used up by lateness
            leave_request(agent=a1, kind="annual", first_day=date(2026, 6, 20), last_day=date(2026, 6, 20),
                          today=TODAY)
        assert _rule(exc) == "monthly_allowance"


def test_one_person_off_per_shift_a_second_needs_an_override(center):
    from wfm.services.leave import leave_decide, leave_request

    _roster(center, [("agent1", WED, 8, 8), ("agent2", WED, 8, 8), ("agent3", WED, 14, 8)])
    with center.in_tenant():
        sup = center.users["supervisor"]
        first = leave_request(agent=center.users["agent1"], kind="annual", first_day=WED, last_day=WED, today=TODAY)
        assert leave_decide(request=first, by=sup, approve=True).status == "approved"
        second = leave_request(agent=center.users["agent2"], kind="annual", first_day=WED, last_day=WED, today=TODAY)
        with pytest.raises(ServiceError) as exc:
            leave_decide(request=second, by=sup, approve=True)
        assert _rule(exc) == "per_shift" and center.users["agent1"].email in exc.value.message
        assert leave_decide(request=second, by=sup, approve=True, override=True).status == "approved"
        # Another shift that day is not affected.
        other = leave_request(agent=center.users["agent3"], kind="annual", first_day=WED, last_day=WED, today=TODAY)
        assert leave_decide(request=other, by=sup, approve=True).status == "approved"
        with pytest.raises(ServiceError, match="own leave"):
            leave_decide(request=leave_request(agent=sup, kind="annual", first_day=THU, last_day=THU, today=TODAY),
                         by=sup, approve=True)


def test_swaps_change_hands_once_accepted_and_approved(center):
    from wfm.services.leave import swap_decide, swap_request, swap_respond

    a_shift, b_shift = _roster(center, [("agent1", WED, 8, 8), ("agent2", THU, 8, 8)])
    with center.in_tenant():
        a1, a2, sup = center.users["agent1"], center.users["agent2"], center.users["supervisor"]
        swap = swap_request(requester=a1, requester_shift=a_shift, partner=a2, partner_shift=b_shift, today=TODAY)
        with pytest.raises(ServiceError, match="accepted"):
            swap_decide(swap=swap, by=sup, approve=True)  # the colleague has not said yes yet
        with pytest.raises(ServiceError, match="colleague asked"):
            swap_respond(swap=swap, partner=a1, accept=True)
        swap_respond(swap=swap, partner=a2, accept=True)
        assert swap_decide(swap=swap, by=sup, approve=True).status == "approved"
        a_shift.refresh_from_db(), b_shift.refresh_from_db()
        assert (a_shift.agent_id, b_shift.agent_id) == (a2.pk, a1.pk)


def test_two_swaps_a_month(center):
    from wfm.services.leave import swap_request

    shifts = _roster(center, [("agent1", TUE, 8, 8), ("agent1", WED, 8, 8), ("agent1", THU, 8, 8)])
    with center.in_tenant():
        a1, a2 = center.users["agent1"], center.users["agent2"]
        for shift in shifts[:2]:
            swap_request(requester=a1, requester_shift=shift, partner=a2, today=TODAY)
        with pytest.raises(ServiceError) as exc:
            swap_request(requester=a1, requester_shift=shifts[2], partner=center.users["agent3"], today=TODAY)
        assert _rule(exc) == "monthly_swaps" and "has 2" in exc.value.message


def test_a_swap_must_not_create_back_to_back_shifts(center):
    from wfm.services.leave import swap_request

    # agent2 ends Tuesday at 23:00; taking agent1's Wednesday 07:00 would leave 8 h of rest.
    late, early = _roster(center, [("agent2", TUE, 15, 8), ("agent1", WED, 7, 8)])
    with center.in_tenant():
        with pytest.raises(ServiceError) as exc:
            swap_request(requester=center.users["agent1"], requester_shift=early, partner=center.users["agent2"],
                         today=TODAY)
        assert _rule(exc) == "back_to_back" and "only 8 h" in exc.value.message


def test_swap_notice_and_per_shift_cap(center):
    from wfm.services.leave import leave_decide, leave_request, swap_decide, swap_request, swap_respond

    today_shift, wed1, wed2 = _roster(center, [("agent1", TODAY, 8, 8), ("agent1", WED, 8, 8),
                                               ("agent3", WED, 8, 8)])
    with center.in_tenant():
        a1, a2, a3, sup = (center.users[k] for k in ("agent1", "agent2", "agent3", "supervisor"))
        with pytest.raises(ServiceError) as exc:
            swap_request(requester=a1, requester_shift=today_shift, partner=a2, today=TODAY)
        assert _rule(exc) == "notice"
        leave_decide(request=leave_request(agent=a3, kind="annual", first_day=WED, last_day=WED, today=TODAY),
                     by=sup, approve=True)
        swap = swap_respond(swap=swap_request(requester=a1, requester_shift=wed1, partner=a2, today=TODAY),
                            partner=a2, accept=True)
        with pytest.raises(ServiceError) as exc:
            swap_decide(swap=swap, by=sup, approve=True)
        assert _rule(exc) == "per_shift" and a3.email in exc.value.message
        assert swap_decide(swap=swap, by=sup, approve=True, override=True).status == "approved"


def test_leave_and_swap_api_explain_refusals(center):
    resp = center.api("agent1").post("/api/v1/wfm/leave", {"kind": "annual", "first_day": "2020-01-01",
                                                            "last_day": "2020-01-01"}, content_type="application/json")
    assert resp.status_code == 400 and resp.json()["error"]["fields"]["rule"] == ["notice"]
    far = (date.today() + timedelta(days=40)).isoformat()
    ok = center.api("agent1").post("/api/v1/wfm/leave", {"kind": "annual", "first_day": far, "last_day": far},
                                   content_type="application/json")
    assert ok.status_code == 201, ok.content
    pk = ok.json()["id"]
    assert center.api("agent2").post(f"/api/v1/wfm/leave/{pk}/decide", {"approve": True},
                                     content_type="application/json").status_code == 403  # agents do not approve
    inbox = center.api("supervisor").get("/api/v1/wfm/leave", {"status": "pending"}).json()
    assert [r["id"] for r in inbox] == [pk]
    refused = center.api("supervisor").post(f"/api/v1/wfm/leave/{pk}/decide", {"approve": False},
                                            content_type="application/json")
    assert refused.status_code == 400 and "note" in refused.json()["error"]["fields"]
    done = center.api("supervisor").post(f"/api/v1/wfm/leave/{pk}/decide", {"approve": True},
                                         content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "approved"
    mine = center.api("agent1").get("/api/v1/wfm/leave").json()
    assert [r["status"] for r in mine] == ["approved"]
    assert center.api("agent2").get("/api/v1/wfm/leave").json() == []  # an agent sees only their own


def test_an_agent_withdraws_only_their_own_pending_request(center):
    far = (date.today() + timedelta(days=30)).isoformat()
    pk = center.api("agent1").post("/api/v1/wfm/leave", {"kind": "annual", "first_day": far, "last_day": far},
                                   content_type="application/json").json()["id"]
    assert center.api("agent2").post(f"/api/v1/wfm/leave/{pk}/cancel").status_code == 404
    assert center.api("agent1").post(f"/api/v1/wfm/leave/{pk}/cancel").json()["status"] == "cancelled"
    assert center.api("agent1").post(f"/api/v1/wfm/leave/{pk}/cancel").status_code == 409
