"""Forecasts end to end (WFM-1…WFM-4): call records → history through the KPI engine (tenant's
wall-clock intervals, exclusions, scaling) → forecast → Erlang requirements → shrinkage,
through the API; bad input changes nothing; another tenant sees nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 6, 1)  # a Monday; the history is the three weeks before


def _calls(queue, day: date, n: int, *, at=(10, 0), span_min=30, talk=180.0, seq=[0]):  # noqa: B006
    """`n` calls answered at once and talked `talk` s, spread over `span_min` minutes from `at`."""
    from telephony.models import Call

    rows = []
    start = datetime(day.year, day.month, day.day, *at, tzinfo=BERLIN)
    for i in range(n):
        seq[0] += 1
        t = start + timedelta(seconds=i * span_min * 60 / n)
        rows.append(Call(sid=f"CAwfm{seq[0]:07d}", ani="+15550003000", queue=queue, queued_at=t, arrived_at=t,
                         answered_at=t, ended_at=t + timedelta(seconds=talk), status="ended", outcome="answered",
                         wait_s=0, talk_s=talk, hold_s=0, acw_s=0))
    Call.objects.bulk_create(rows)


def _tenant_in_berlin(center):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=center.tenant.pk).update(timezone="Europe/Berlin")
    center.tenant.refresh_from_db()


def _three_weeks(center):
    from telephony.models import Queue

    _tenant_in_berlin(center)
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        for i in range(1, 22):
            _calls(q, FIRST - timedelta(days=i), 100)
    return q


def test_history_reads_the_engine_in_wall_clock_intervals_with_adjustments(center):
    from wfm.history import queue_history
    from wfm.services import history_adjust

    q = _three_weeks(center)
    with center.in_tenant():
        hist = queue_history(queue_id=q.pk, first_day=FIRST - timedelta(days=21), last_day=FIRST - timedelta(days=1),
                             interval_min=30)
        assert hist.calls.shape == (21, 48)
        assert hist.calls[:, 20].tolist() == [100] * 21  # 10:00 Berlin is slot 20 of 30 minutes, every day
        assert hist.calls.sum() == 2100 and hist.overall_aht() == 180
        quarter = queue_history(queue_id=q.pk, first_day=FIRST - timedelta(days=1), last_day=FIRST - timedelta(days=1),
                                interval_min=15)
        assert quarter.calls[0, 40:42].tolist() == [50, 50]
        history_adjust(queue=q, first_day=FIRST - timedelta(days=7), last_day=FIRST - timedelta(days=7),
                       action="exclude", reason="outage")
        history_adjust(first_day=FIRST - timedelta(days=2), last_day=FIRST - timedelta(days=1), action="scale",
                       factor=1.15, reason="15 % more customers")
        hist = queue_history(queue_id=q.pk, first_day=FIRST - timedelta(days=21), last_day=FIRST - timedelta(days=1),
                             interval_min=30)
        assert hist.excluded.tolist().count(True) == 1 and hist.excluded[-7]
        assert hist.calls[-1, 20] == pytest.approx(115) and hist.calls[-3, 20] == 100


def test_forecast_api_staffs_the_spec_vector_from_history(center):
    _three_weeks(center)
    with center.in_tenant():
        from telephony.models import Queue

        q = Queue.objects.get(name="General")
    resp = center.api("admin").post("/api/v1/wfm/forecasts", {
        "queue": q.pk, "method": "relative", "first_day": FIRST.isoformat(), "days": 7, "interval_min": 30,
        "params": {"weeks": 3}, "target_sl": 0.8, "threshold_s": 20, "shrinkage": 0.3}, content_type="application/json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    monday = body["days_detail"][0]
    assert monday["day"] == "2026-06-01" and len(monday["intervals"]) == 48
    ten = next(i for i in monday["intervals"] if i["time"] == "10:00")
    # 100 calls in 30 minutes at AHT 180 s, 80 % in 20 s: 14 agents (SL 0.8884); 30 % shrinkage → 20.
    assert (ten["calls"], ten["aht_s"], ten["required"], ten["scheduled"], ten["service_level"]) == (
        100, 180, 14, 20, 0.8884)
    assert ten["start"].startswith("2026-06-01T10:00:00+02:00")
    quiet = next(i for i in monday["intervals"] if i["time"] == "11:00")
    assert (quiet["calls"], quiet["required"], quiet["scheduled"]) == (0, 0, 0)
    assert monday["scheduled_hours"] == 10.0  # 20 agents × half an hour
    assert body["accuracy"] == {}  # three weeks are too short to hold two weeks out
    # The planner's +20 % and the detail endpoint for one day.
    more = center.api("admin").post("/api/v1/wfm/forecasts", {
        "queue": q.pk, "method": "relative", "first_day": FIRST.isoformat(), "days": 1, "interval_min": 30,
        "overrides": {"global_pct": 20}}, content_type="application/json").json()
    ten = next(i for i in more["days_detail"][0]["intervals"] if i["time"] == "10:00")
    assert ten["calls"] == 120 and ten["required"] > 14
    one_day = center.api("admin").get(f"/api/v1/wfm/forecasts/{body['id']}", {"day": "2026-06-03"}).json()
    assert [d["day"] for d in one_day["days_detail"]] == ["2026-06-03"]


def test_interval_length_follows_the_aht(center):
    from telephony.models import Queue

    _tenant_in_berlin(center)
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        for i in range(1, 15):
            _calls(q, FIRST - timedelta(days=i), 10, talk=900)  # 15-minute calls
    resp = center.api("admin").post("/api/v1/wfm/forecasts", {"queue": q.pk, "method": "relative",
                                                               "first_day": FIRST.isoformat(), "days": 1},
                                    content_type="application/json")
    assert resp.json()["interval_min"] == 30  # WFM-1: 30 minutes when AHT > 10 minutes


@pytest.mark.parametrize("body,field", [
    ({"method": "psychic"}, "method"),
    ({"days": 0}, "days"),
    ({"method": "fixed"}, "window_first"),
    ({"overrides": {"global_pct": "lots"}}, "overrides"),
    ({"overrides": {"periods": [{"from": "25:00", "to": "26:00", "pct": 5}]}}, "overrides"),
    ({"overrides": {"sunshine": 1}}, "overrides"),
    ({"method": "holt_winters", "params": {"history_first": "2026-05-25"}}, "method"),  # one week of history
    ({"queue": 999999}, "queue"),
    ({"first_day": "0001-01-01"}, "first_day"),  # its history would start before the calendar does
    ({"params": {"history_first": "1066-10-14"}}, "history_first"),
])
def test_bad_forecast_requests_are_refused_and_write_nothing(center, body, field):
    from telephony.models import Queue
    from wfm.models import Forecast

    q = _three_weeks(center)
    payload = {"queue": q.pk, "method": "relative", "first_day": FIRST.isoformat(), "days": 7, **body}
    resp = center.api("admin").post("/api/v1/wfm/forecasts", payload, content_type="application/json")
    assert resp.status_code == 400, resp.content
    error = resp.json()["error"]
    assert field in error["fields"] and error["message"]
    with center.in_tenant():
        assert not Forecast.objects.exists() and Queue.objects.filter(pk=q.pk).exists()


def test_forecasts_belong_to_their_tenant_and_to_planners(center, cast):
    from accounts.models import Role
    from accounts.services import user_create_active
    from tests.conftest import PASSWORD

    q = _three_weeks(center)
    with center.in_tenant():
        center.users["planner"] = user_create_active(email=f"planner@{center.host}", password=PASSWORD,
                                                     roles=[Role.WFM_PLANNER])
    resp = center.api("planner").post("/api/v1/wfm/forecasts", {
        "queue": q.pk, "method": "relative", "first_day": FIRST.isoformat(), "days": 1},
        content_type="application/json")
    assert resp.status_code == 201
    pk = resp.json()["id"]
    assert center.api("agent1").get(f"/api/v1/wfm/forecasts/{pk}").status_code == 403
    b = cast.b.api(cast.b.token("admin"))
    assert b.get(f"/api/v1/wfm/forecasts/{pk}").status_code in (403, 404)  # B's admin is no planner there…
    assert all(f["id"] != pk for f in b.get("/api/v1/wfm/forecasts").json()) if b.get(
        "/api/v1/wfm/forecasts").status_code == 200 else True
    # …and A's token on B's domain is no login at all.
    assert cast.b.api(center.tokens["planner"]).get("/api/v1/wfm/forecasts").status_code == 401
