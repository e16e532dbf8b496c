"""The WFM pages render the services' figures: planning lists, forecast table, schedule grid,
compare, requests inbox, adherence, intraday, handover, calculator; agents get My schedule
and no planner page."""

from __future__ import annotations

from datetime import date, timedelta

from django.test import Client
from django_tenants.utils import tenant_context

from tests.wfm.test_forecast_api import FIRST
from tests.wfm.test_schedules import _build, _setup


def _client(center, who: str) -> Client:
    c = Client(HTTP_HOST=f"{center.host}:8000")
    with tenant_context(center.tenant):
        c.force_login(center.users[who], backend="accounts.backends.EmailBackend")
    return c


def test_planner_pages_show_the_figures(center):
    from wfm.services.schedules import schedule_publish

    _q, f = _setup(center)
    pk = center.api("admin").post("/api/v1/wfm/schedules", {"forecasts": [f.pk], "time_limit_s": 10},
                                  content_type="application/json").json()["id"]
    s = _build(center, pk)
    with center.in_tenant():
        schedule_publish(schedule=s)
        before_shift = s.shifts.order_by("start").first().start - timedelta(hours=1)
    from telephony import clock

    with clock.virtual(lambda: before_shift):
        desk = _client(center, "agent1").get("/desk").content.decode()
    assert 'id="my-next-shift"' in desk and f"Shift {FIRST.isoformat()}" in desk
    sup = _client(center, "supervisor")
    home = sup.get("/wfm").content.decode()
    assert "June" in home and "Morning" in home and "Published" in home
    fc = sup.get(f"/wfm/forecasts/{f.pk}").content.decode()
    assert "<td>10:00</td><td class=\"num\">10.0</td><td class=\"num\">180</td><td class=\"num\">3</td>" in fc
    grid = sup.get(f"/wfm/schedules/{pk}").content.decode()
    for i in (1, 2, 3):
        assert center.users[f"agent{i}"].email in grid
    assert 'id="coverage-chart"' in grid and "Published" in grid
    assert sup.get(f"/wfm/compare?a={pk}&b={pk}").status_code == 200
    assert sup.get("/wfm/adherence").status_code == 200
    assert sup.get(f"/wfm/intraday?day={FIRST}").status_code == 200
    calc = sup.get("/wfm/calculator?calls=100&interval_s=1800&aht_s=180&target_sl=0.8&threshold_s=20").content.decode()
    assert "<strong>14</strong><span>agents (erlang_c)</span>" in calc
    size = sup.get("/wfm/calculator?users=1000000&calls_per_user_month=2").content.decode()
    assert "<strong>157.1</strong>" in size and "<strong>133333.3</strong>" in size
    bad = sup.get("/wfm/calculator?calls=-5&aht_s=180").content.decode()
    assert "calls:" in bad


def test_agents_see_their_schedule_and_ask_for_leave(center):
    from wfm.models import LeaveRequest

    agent = _client(center, "agent1")
    assert agent.get("/wfm").status_code == 403
    page = agent.get("/my-schedule").content.decode()
    assert "No published shifts yet" in page
    later = (date.today() + timedelta(days=20)).isoformat()
    resp = agent.post("/my-schedule/leave", {"kind": "annual", "first_day": later, "last_day": later}, follow=True)
    assert "Leave asked for" in resp.content.decode()
    resp = agent.post("/my-schedule/leave", {"kind": "annual", "first_day": "2020-01-01"}, follow=True)
    assert "day ahead" in resp.content.decode()
    with center.in_tenant():
        assert LeaveRequest.objects.filter(agent=center.users["agent1"]).count() == 1
    inbox = _client(center, "supervisor").get("/wfm/requests").content.decode()
    assert center.users["agent1"].email in inbox


def test_handover_page_refuses_to_close_with_an_open_incident(center):
    from wfm.models import Handover

    sup = _client(center, "supervisor")
    sup.post("/wfm/handover", {"action": "open", "shift_label": "Late 1 June"})
    with center.in_tenant():
        h = Handover.objects.get()
    sup.post("/wfm/handover", {"action": "incident", "handover": h.pk, "text": "queue B stuck"})
    resp = sup.post("/wfm/handover", {"action": "close", "handover": h.pk}, follow=True)
    assert "cannot close while an incident is open" in resp.content.decode()
    with center.in_tenant():
        h.refresh_from_db()
        assert h.closed_at is None
