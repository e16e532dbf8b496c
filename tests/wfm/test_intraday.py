"""WFM-9 intraday (actual vs forecast, the 10 % alert, re-forecast, suggestions) and WFM-10
handover (cannot close with an open incident)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.wfm.test_forecast_api import BERLIN, FIRST, _calls, _tenant_in_berlin


def _setup(center, today_calls: int):
    """Three weeks of 100 calls at 10:00 and at 11:00 → a forecast of 100 each for FIRST;
    FIRST itself brings `today_calls` at 10:00. agent1 works 08:00–12:00."""
    from telephony.models import Queue
    from wfm.models import Schedule, ScheduledShift
    from wfm.services import forecast_create

    _tenant_in_berlin(center)
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        for i in range(1, 22):
            _calls(q, FIRST - timedelta(days=i), 100, at=(10, 0))
            _calls(q, FIRST - timedelta(days=i), 100, at=(11, 0))
        f = forecast_create(queue=q, name="today", method="relative", first_day=FIRST, days=1, interval_min=30,
                            params={"weeks": 3})
        _calls(q, FIRST, today_calls, at=(10, 0))
        s = Schedule.objects.create(name="W23", first_day=FIRST, days=1, interval_min=30, status="published")
        start = datetime(2026, 6, 1, 8, tzinfo=BERLIN)
        ScheduledShift.objects.create(schedule=s, agent=center.users["agent1"], day=FIRST, start=start,
                                      end=start + timedelta(hours=4))
    return f


NOW = datetime(2026, 6, 1, 10, 45, tzinfo=BERLIN)


def test_a_busier_morning_alerts_reforecasts_and_suggests(center):
    from wfm.intraday import intraday

    f = _setup(center, 130)
    with center.in_tenant():
        view = intraday(f, FIRST, NOW)
    assert (view["forecast_so_far"], view["actual_so_far"], view["deviation"], view["alert"]) == (100, 130, 0.3, True)
    rows = {r["time"]: r for r in view["intervals"]}
    assert rows["10:00"]["actual_calls"] == 130 and rows["10:00"]["deviation"] == 0.3
    assert rows["11:00"]["reforecast_calls"] == 130  # the rest of the day at the day's ratio
    assert rows["11:00"]["reforecast_required"] > rows["11:00"]["forecast_required"]
    assert rows["11:00"]["on_floor"] == 1
    text = " ".join(view["suggestions"])
    assert "Short by up to" in text and "from 11:00" in text
    assert "Offer overtime to" in text and "12:00" in text


@pytest.mark.parametrize("calls,alert", [(110, False), (111, True), (90, False), (89, True)])
def test_the_alert_starts_past_ten_percent(center, calls, alert):
    from wfm.intraday import intraday

    f = _setup(center, calls)
    with center.in_tenant():
        assert intraday(f, FIRST, NOW)["alert"] is alert


def test_alerts_are_raised_once_per_interval_and_shown_in_the_api(center):
    from wfm.models import IntradayAlert
    from wfm.services.intraday import intraday_alerts

    _setup(center, 130)
    with center.in_tenant():
        assert intraday_alerts(NOW) == 1
        assert intraday_alerts(NOW) == 0  # the same interval: no second alert
        assert IntradayAlert.objects.get().deviation == 0.3
    from telephony import clock

    with clock.virtual(lambda: NOW):
        body = center.api("supervisor").get("/api/v1/wfm/intraday", {"day": FIRST.isoformat()}).json()
    assert body["queues"][0]["alert"] is True
    assert center.api("agent1").get("/api/v1/wfm/intraday").status_code == 403


def test_handover_cannot_close_with_an_open_incident(center):
    api = center.api("supervisor")
    h = api.post("/api/v1/wfm/handovers", {"shift_label": "Early 1 June", "notes": "queue B slow"},
                 content_type="application/json").json()
    h = api.post(f"/api/v1/wfm/handovers/{h['id']}/incidents", {"text": "IVR down 09:10"},
                 content_type="application/json").json()
    refused = api.post(f"/api/v1/wfm/handovers/{h['id']}/close")
    assert refused.status_code == 409 and "IVR down 09:10" in refused.json()["error"]["message"]
    inc = h["incidents"][0]["id"]
    assert api.post(f"/api/v1/wfm/handover-incidents/{inc}/resolve", {"text": ""},
                    content_type="application/json").status_code == 400
    api.post(f"/api/v1/wfm/handover-incidents/{inc}/resolve", {"text": "carrier fixed it"},
             content_type="application/json")
    closed = api.post(f"/api/v1/wfm/handovers/{h['id']}/close")
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert center.api("agent1").get("/api/v1/wfm/handovers").status_code == 403
