"""The one KPI engine (SPEC §9) against figures computed by hand: boundary cases (answered
exactly at T, abandons at 4.9 s and 5.1 s, calls on both sides of an interval boundary),
grouping by interval, queue and agent in the tenant's timezone, a DST day, and the
wallboard, the report API and its CSV agreeing on the same period. Another tenant sees none."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

DAY = datetime(2026, 3, 10, tzinfo=UTC)  # a Tuesday; the tenant is on UTC unless a test says otherwise


def _call(queue, queued_at, *, wait, talk=None, acw=0.0, hold=0.0, abandoned=False, agent=None, transfers=0,
          n=[0]):  # noqa: B006
    from telephony.models import Call

    n[0] += 1
    fields = {"sid": f"CAkpi{n[0]:05d}", "ani": "+15550002000", "queue": queue, "queued_at": queued_at,
              "arrived_at": queued_at, "status": "ended", "wait_s": wait}
    if abandoned:
        fields.update(outcome="abandoned", ended_at=queued_at + timedelta(seconds=wait))
    else:
        answered = queued_at + timedelta(seconds=wait)
        ended = answered + timedelta(seconds=talk + hold)
        fields.update(outcome="answered", answered_at=answered, ended_at=ended, talk_s=talk, hold_s=hold, acw_s=acw,
                      agent=agent, transfer_count=transfers)
    return Call.objects.create(**fields)


def _day(center):
    """Queue General, T = 20 s.
    09:00–09:15  answered at exactly 20 s (talk 100, acw 20, held 30 s) by agent1
                 answered at 21 s (talk 200, acw 10), transferred once, by agent2
                 abandoned at 4.9 s (short: out of SL and abandon rate)
                 abandoned at 5.1 s (counts; within T, so not in the SL base)
    09:14:59     answered at 5 s (talk 60, acw 0) by agent1 — the last second of the first interval
    09:15:00     abandoned at 25 s — the first second of the second interval
    Sales, T = 10 s: 09:20 answered at 12 s (talk 50, acw 5) by agent2."""
    from telephony.models import Queue

    u = center.users
    with center.in_tenant():
        general = Queue.objects.get(name="General")
        general.sl_threshold_s = 20
        general.save()
        sales = Queue.objects.create(name="Sales", sl_threshold_s=10)
        nine = DAY.replace(hour=9)
        _call(general, nine + timedelta(minutes=1), wait=20, talk=100, acw=20, hold=30, agent=u["agent1"])
        _call(general, nine + timedelta(minutes=2), wait=21, talk=200, acw=10, agent=u["agent2"], transfers=1)
        _call(general, nine + timedelta(minutes=3), wait=4.9, abandoned=True)
        _call(general, nine + timedelta(minutes=4), wait=5.1, abandoned=True)
        _call(general, nine + timedelta(minutes=14, seconds=59), wait=5, talk=60, agent=u["agent1"])
        _call(general, nine + timedelta(minutes=15), wait=25, abandoned=True)
        _call(sales, nine + timedelta(minutes=20), wait=12, talk=50, acw=5, agent=u["agent2"])
    return general, sales


def _get(center, **params):
    return center.api("supervisor").get("/api/v1/reports/kpis", {"from": "2026-03-10", "to": "2026-03-10", **params})


def test_every_kpi_of_a_hand_built_day(center):
    general, sales = _day(center)
    report = _get(center, group_by="interval15,queue").json()
    rows = {(r["key"]["interval15"], r["key"]["queue"]): r for r in report["rows"]}
    assert list(rows) == [("2026-03-10 09:00", general.pk), ("2026-03-10 09:15", general.pk),
                          ("2026-03-10 09:15", sales.pk)]
    first = rows[("2026-03-10 09:00", general.pk)]
    assert (first["offered"], first["answered"], first["abandoned"], first["short_abandoned"]) == (5, 3, 1, 1)
    # SL: within T = the 20 s and the 5 s calls (exactly T counts); base = 3 answered + 0 abandoned after T.
    assert (first["answered_within_t"], first["abandoned_after_t"], first["service_level"]) == (2, 0, 0.6667)
    assert first["asa_s"] == round((20 + 21 + 5) / 3, 2)
    assert first["abandon_rate"] == 0.2  # 1 (the 5.1 s one) / 5 offered
    assert first["aht_s"] == round(((100 + 30 + 20) + (200 + 10) + 60) / 3, 1)
    assert (first["handled"], first["transfer_rate"], first["hold_rate"]) == (3, 0.3333, 0.3333)
    second = rows[("2026-03-10 09:15", general.pk)]
    # One abandon after T, nothing answered: SL 0 of 1; ASA and AHT have no calls to average.
    assert (second["offered"], second["abandoned_after_t"], second["service_level"], second["asa_s"],
            second["aht_s"], second["abandon_rate"]) == (1, 1, 0.0, None, None, 1.0)
    s = rows[("2026-03-10 09:15", sales.pk)]
    assert (s["service_level"], s["asa_s"], s["aht_s"]) == (0.0, 12.0, 55.0)  # 12 s > T = 10 s
    total = report["total"]
    assert (total["offered"], total["answered"], total["abandoned"], total["short_abandoned"]) == (7, 4, 2, 1)
    # Total SL: within T = 2; base = 4 answered + 1 abandoned after T.
    assert total["service_level"] == 0.4 and total["abandon_rate"] == round(2 / 7, 4)
    assert [r["label"] for r in _get(center, group_by="queue").json()["rows"]] == ["General", "Sales"]


def test_agents_and_periods_group_the_same_calls(center):
    _day(center)
    by_agent = {r["label"]: r for r in _get(center, group_by="agent").json()["rows"]}
    a1, a2 = center.users["agent1"].email, center.users["agent2"].email
    assert (by_agent[a1]["answered"], by_agent[a1]["aht_s"]) == (2, round((150 + 60) / 2, 1))
    assert (by_agent[a2]["answered"], by_agent[a2]["aht_s"]) == (2, round((210 + 55) / 2, 1))
    assert by_agent["(none)"]["offered"] == 3  # the abandons had no agent
    with center.in_tenant():
        from accounts.models import Team

        center.users["agent1"].teams.add(Team.objects.create(name="North"))
    by_team = {r["label"]: r["answered"] for r in _get(center, group_by="team").json()["rows"]}
    assert by_team == {"North": 2, "(none)": 2}  # agent2's two calls have no team
    days = _get(center, group_by="day").json()["rows"]
    months = _get(center, group_by="month").json()["rows"]
    hours = _get(center, group_by="interval30").json()["rows"]
    assert [r["key"]["day"] for r in days] == ["2026-03-10"] and [r["key"]["month"] for r in months] == ["2026-03-01"]
    assert [r["label"] for r in hours] == ["2026-03-10 09:00"]
    assert days[0]["offered"] == months[0]["offered"] == hours[0]["offered"] == 7


def test_intervals_follow_the_tenants_clock_across_a_dst_change(center):
    from telephony.models import Queue
    from tenants.models import Tenant

    Tenant.objects.filter(pk=center.tenant.pk).update(timezone="Europe/Berlin")
    center.tenant.refresh_from_db()
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        # 2026-03-29: Berlin goes from 02:00 CET to 03:00 CEST (00:59 and 01:00 UTC are 01:59 and 03:00 local).
        _call(q, datetime(2026, 3, 29, 0, 59, tzinfo=UTC), wait=3, talk=10)
        _call(q, datetime(2026, 3, 29, 1, 0, tzinfo=UTC), wait=3, talk=10)
        _call(q, datetime(2026, 3, 28, 23, 30, tzinfo=UTC), wait=3, talk=10)  # 00:30 local on the 29th
        _call(q, datetime(2026, 3, 28, 22, 59, tzinfo=UTC), wait=3, talk=10)  # 23:59 local on the 28th
    rows = center.api("supervisor").get("/api/v1/reports/kpis", {
        "from": "2026-03-29", "to": "2026-03-29", "group_by": "hour"}).json()
    assert [(r["label"], r["offered"]) for r in rows["rows"]] == [
        ("2026-03-29 00:00", 1), ("2026-03-29 01:00", 1), ("2026-03-29 03:00", 1)]
    assert rows["timezone"] == "Europe/Berlin" and rows["total"]["offered"] == 3  # the 28th's call is outside


def test_wallboard_report_api_and_csv_agree_and_bad_input_is_refused(center):
    from telephony import clock

    today = clock.now().date().isoformat()
    with center.in_tenant():
        from telephony.models import Queue

        q = Queue.objects.get(name="General")
        now = clock.now()
        _call(q, now - timedelta(minutes=5), wait=8, talk=40, acw=5)
        _call(q, now - timedelta(minutes=4), wait=30, abandoned=True)
        _call(q, now - timedelta(minutes=3), wait=2, abandoned=True)
    board = center.api("supervisor").get("/api/v1/wallboard").json()
    tile = next(t for t in board["queues"] if t["name"] == "General")
    api = center.api("supervisor").get("/api/v1/reports/kpis", {"from": today, "to": today,
                                                                "group_by": "queue"}).json()
    row = next(r for r in api["rows"] if r["label"] == "General")
    fields = ("offered", "answered", "abandoned", "short_abandoned", "service_level", "asa_s", "abandon_rate", "aht_s")
    assert {f: tile[f] for f in fields} == {f: row[f] for f in fields}
    text = center.api("supervisor").get("/api/v1/reports/kpis", {"from": today, "to": today, "group_by": "queue",
                                                                 "export": "csv"}).content.decode()
    lines = list(csv.DictReader(io.StringIO(text)))
    general = next(line for line in lines if line["queue"] == "General")
    assert {f: general[f] for f in fields} == {f: "" if row[f] is None else str(row[f]) for f in fields}
    for bad in ({"group_by": "colour"}, {"group_by": "day,queue,agent"}, {"from": "2026-13-01"},
                {"from": "2026-03-10", "to": "2026-03-01"}, {"queue": "abc"}):
        resp = center.api("supervisor").get("/api/v1/reports/kpis", bad)
        assert resp.status_code == 400 and resp.json()["error"]["message"], bad
    assert center.api("agent1").get("/api/v1/reports/kpis").status_code == 403


def reports_routes():
    from django.urls import get_resolver

    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        if str(p.pattern).startswith(("api/v1/reports/kpis", "api/v1/reports/agents")):
            yield "/" + str(p.pattern)


def test_another_tenant_never_sees_these_calls(center):
    _day(center)
    cast = pytest.hostline_cast
    b = cast.b.api(cast.b.token("admin"))
    for route in reports_routes():
        resp = b.get(route, {"from": "2026-03-10", "to": "2026-03-10", "group_by": "queue"})
        assert resp.status_code == 200 and resp.json()["rows"] == [], route
        assert resp.json().get("total", {"offered": 0})["offered"] == 0
    center.api("supervisor")
    assert cast.b.api(center.tokens["supervisor"]).get("/api/v1/reports/kpis").status_code == 401  # A's token on B


def test_agent_report_takes_time_in_state_from_the_log(center):
    from telephony.models import AgentProfile, AgentStateChange

    _day(center)
    nine = DAY.replace(hour=9)
    with center.in_tenant():
        profile, _ = AgentProfile.objects.get_or_create(user=center.users["agent1"])
        steps = [(0, "offline", "available"), (10, "available", "on_call"), (20, "on_call", "wrap_up"),
                 (25, "wrap_up", "available"), (40, "available", "not_ready"), (50, "not_ready", "offline")]
        for minute, before, after in steps:
            AgentStateChange.objects.create(agent=profile, at=nine + timedelta(minutes=minute), from_state=before,
                                            to_state=after, source="agent")
        from crm.models import SurveyResponse

        for satisfied in (True, True, False):
            SurveyResponse.objects.create(kind="post_call", satisfied=satisfied, at=nine, agent=center.users["agent1"])
    rows = {r["email"]: r for r in center.api("supervisor").get(
        "/api/v1/reports/agents", {"from": "2026-03-10", "to": "2026-03-10"}).json()["rows"]}
    a1 = rows[center.users["agent1"].email]
    # available 10 + 15 min, on call 10, wrap-up 5, not ready 10: logged in 50 min.
    assert (a1["logged_in_s"], a1["not_ready_s"]) == (3000, 600)
    assert (a1["occupancy"], a1["utilisation"], a1["talk_pct"]) == (0.375, 0.3, 0.2)  # 900/2400, 900/3000, 600/3000
    assert (a1["answered"], a1["aht_s"], a1["hold_s"], a1["acw_s"]) == (2, 105.0, 15.0, 10.0)
    assert (a1["survey_answers"], a1["csat"]) == (3, 0.6667)  # 2 of 3 callers satisfied
    assert rows[center.users["agent2"].email]["occupancy"] is None  # took calls, no state log in the period
    assert rows[center.users["agent2"].email]["csat"] is None  # no survey answers
    text = center.api("supervisor").get("/api/v1/reports/agents", {"from": "2026-03-10", "to": "2026-03-10",
                                                                   "export": "csv"}).content.decode()
    line = next(r for r in csv.DictReader(io.StringIO(text)) if r["agent"] == center.users["agent1"].email)
    assert (line["occupancy"], line["aht_s"]) == ("0.375", "105.0")


def test_fcr_complaint_rate_repeat_calls_and_csat(center):
    from crm.models import Case, SurveyResponse
    from crm.services import case_open

    _day(center)
    with center.in_tenant():
        cases = [case_open(type=t, subject=t) for t in ("inquiry", "complaint", "complaint", "repair")]
        Case.objects.filter(pk__in=[c.pk for c in cases]).update(created_at=DAY.replace(hour=10))
        Case.objects.filter(pk=cases[0].pk).update(resolved_on_first_contact=True)
        SurveyResponse.objects.create(kind="post_call", satisfied=True, at=DAY.replace(hour=11))
        SurveyResponse.objects.create(kind="post_call", satisfied=False, at=DAY.replace(hour=11))
        SurveyResponse.objects.create(kind="post_call", satisfied=False, at=DAY - timedelta(days=1))  # not this day
    assert _get(center).json()["service"] is None  # asked for only: it costs a lookup per call
    service = _get(center, service="1").json()["service"]
    # 4 handled calls, all from one number: every one but the first had a call in the 7 days before.
    assert service == {"cases_opened": 4, "fcr": 0.25, "complaints": 2, "complaint_rate": 0.5,
                       "repeat_calls_7d": 3, "repeat_rate_7d": 0.75, "survey_answers": 2, "csat": 0.5}


def test_report_pages_show_the_engines_figures(center):
    from django.test import Client
    from django_tenants.utils import tenant_context

    _day(center)
    page = Client(HTTP_HOST=f"{center.host}:8000")
    with tenant_context(center.tenant):
        page.force_login(center.users["supervisor"], backend="accounts.backends.EmailBackend")
    html = page.get("/reports/intervals", {"from": "2026-03-10", "to": "2026-03-10", "group": "interval15"})
    text = html.content.decode()
    assert html.status_code == 200 and "2026-03-10 09:00" in text and "2026-03-10 09:15" in text
    assert 'id="chart-data"' in text and "export=csv" in text
    by_queue = page.get("/reports/intervals", {"from": "2026-03-10", "to": "2026-03-10", "group": "queue"})
    assert "<td>General</td>" in by_queue.content.decode() and "<td>Sales</td>" in by_queue.content.decode()
    agents = page.get("/reports/agents", {"from": "2026-03-10", "to": "2026-03-10"}).content.decode()
    assert center.users["agent1"].email in agents and "105.0" in agents  # agent1's AHT
    bad = page.get("/reports/intervals", {"from": "tomorrow"})
    assert bad.status_code == 200 and "YYYY-MM-DD" in bad.content.decode()
    agent = Client(HTTP_HOST=f"{center.host}:8000")
    with tenant_context(center.tenant):
        agent.force_login(center.users["agent1"], backend="accounts.backends.EmailBackend")
    assert agent.get("/reports/intervals").status_code == 403 and agent.get("/reports/agents").status_code == 403


def test_call_detail_filters_drill_down_and_calls_back_an_abandoned_caller(center):
    from django.test import Client
    from django_tenants.utils import tenant_context

    from telephony.models import Callback

    general, _ = _day(center)
    page = Client(HTTP_HOST=f"{center.host}:8000")
    with tenant_context(center.tenant):
        page.force_login(center.users["supervisor"], backend="accounts.backends.EmailBackend")
    day = {"from": "2026-03-10", "to": "2026-03-10"}
    listing = page.get("/reports/calls", {**day, "outcome": "abandoned"}).content.decode()
    rows = listing.split("<tbody>")[1]
    assert rows.count("Caller hung up while waiting") == 3 and rows.count("Call back</button>") == 3
    mine = page.get("/reports/calls", {**day, "agent": center.users["agent1"].pk}).content.decode()
    assert mine.count(center.users["agent1"].email) >= 2 and center.users["agent2"].email not in mine.split(
        "<tbody>")[1]
    with center.in_tenant():
        from telephony.models import Call

        abandoned = Call.objects.filter(outcome="abandoned", wait_s=25).get()
        answered = Call.objects.filter(wait_s=20).get()
        from telephony.services.common import call_event

        call_event(answered, "answered", agent="agent1")
    detail = page.get(f"/reports/calls/{answered.pk}").content.decode()
    assert "answered" in detail and "General" in detail and 'id="call-events"' in detail
    resp = page.post(f"/reports/calls/{abandoned.pk}/call-back", {"next": "https://evil.example/"})
    assert resp.status_code == 302 and resp["Location"] == "/reports/calls"
    with center.in_tenant():
        cb = Callback.objects.get()
    assert (cb.number, cb.queue_id) == (abandoned.ani, general.pk) and cb.status in ("scheduled", "queued")
    text = center.api("supervisor").get("/api/v1/reports/kpis", {**day, "group_by": "disposition"}).json()
    assert [r["label"] for r in text["rows"]] == ["(none)"] and text["rows"][0]["offered"] == 7


def test_an_agent_shift_across_midnight_is_split_between_the_days(center):
    from telephony.models import AgentProfile, AgentStateChange

    with center.in_tenant():
        profile, _ = AgentProfile.objects.get_or_create(user=center.users["agent3"])
        for at, before, after in ((DAY.replace(hour=23), "offline", "available"),
                                  (DAY.replace(hour=23, minute=30), "available", "on_call"),
                                  (DAY + timedelta(hours=24, minutes=15), "on_call", "available"),
                                  (DAY + timedelta(hours=25), "available", "offline")):
            AgentStateChange.objects.create(agent=profile, at=at, from_state=before, to_state=after, source="agent")

    def day(d):
        rows = center.api("supervisor").get("/api/v1/reports/agents", {"from": d, "to": d}).json()["rows"]
        return next(r for r in rows if r["email"] == center.users["agent3"].email)

    first, second = day("2026-03-10"), day("2026-03-11")
    # 23:00–24:00 on the 10th: 30 min available, 30 on call; 00:00–01:00 on the 11th: 15 on call, 45 available.
    assert (first["logged_in_s"], first["occupancy"]) == (3600, 0.5)
    assert (second["logged_in_s"], second["occupancy"]) == (3600, 0.25)
