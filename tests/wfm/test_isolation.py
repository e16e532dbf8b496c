"""Every WFM API route probed from tenant B with tenant A's ids: B's admin on B's domain gets
404 (or B's own, empty, lists), A's token on B's domain is no login, and A's data is intact."""

from __future__ import annotations

import re

from django.urls import get_resolver


def wfm_routes():
    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        if str(p.pattern).startswith("api/v1/wfm/"):
            yield "/" + str(p.pattern)


def _a_objects(center):
    """One of each WFM object in tenant A, with 'A's outage' in every text a leak would show."""
    from datetime import UTC, datetime, timedelta

    from tests.wfm.test_forecast_api import FIRST, _three_weeks
    from wfm import models
    from wfm.services import history_adjust
    from wfm.services.handover import handover_open, incident_add
    from wfm.services.schedules import template_save

    q = _three_weeks(center)
    resp = center.api("admin").post("/api/v1/wfm/forecasts", {
        "queue": q.pk, "method": "relative", "first_day": FIRST.isoformat(), "days": 1},
        content_type="application/json")
    assert resp.status_code == 201
    with center.in_tenant():
        history_adjust(queue=q, first_day=FIRST, last_day=FIRST, action="exclude", reason="A's outage")
        tpl = template_save(name="A's outage shift", starts=["08:00"], length_min=480)
        sched = models.Schedule.objects.create(name="A's outage", first_day=FIRST, days=1, interval_min=30,
                                               status="published")
        start = datetime(2026, 6, 1, 8, tzinfo=UTC)
        a1, a2 = center.users["agent1"], center.users["agent2"]
        sh1 = models.ScheduledShift.objects.create(schedule=sched, agent=a1, day=FIRST, start=start,
                                                   end=start + timedelta(hours=8), template=tpl)
        sh2 = models.ScheduledShift.objects.create(schedule=sched, agent=a2, day=FIRST, start=start,
                                                   end=start + timedelta(hours=8), template=tpl)
        models.LeaveRequest.objects.create(agent=a1, kind="annual", first_day=FIRST, last_day=FIRST,
                                           reason="A's outage")
        models.SwapRequest.objects.create(requester=a1, partner=a2, requester_shift=sh1, partner_shift=sh2,
                                          reason="A's outage")
        models.AdherenceException.objects.create(agent=a1, start=start, end=start + timedelta(hours=1),
                                                 reason="A's outage")
        models.AgentWorkRule.objects.create(user=a1, fairness_group="A's outage")
        h = handover_open(author=center.users["supervisor"], shift_label="A's outage")
        incident_add(handover=h, summary="A's outage")
    return q


def _id_for(route: str, ids: dict) -> int:
    keys = [("history-adjustments", "HistoryAdjustment"), ("forecasts", "Forecast"),
            ("shift-templates", "ShiftTemplate"), ("team-work-rules", "Team"), ("work-rules", "User"),
            ("schedules", "Schedule"),
            ("leave", "LeaveRequest"), ("swaps", "SwapRequest"), ("adherence-exceptions", "AdherenceException"),
            ("handover-incidents", "HandoverIncident"), ("handovers", "Handover")]
    return next(ids[model] for key, model in keys if f"/wfm/{key}/" in route)


def test_wfm_routes_never_cross_tenants(center, cast):
    from accounts.models import User

    q = _a_objects(center)
    with center.in_tenant():
        ids = {m.__name__: m.objects.order_by("-pk").values_list("pk", flat=True).first() for m in models_of_wfm()}
        ids["User"] = center.users["agent1"].pk
        from accounts.models import Team

        ids["Team"] = Team.objects.create(name="A's team").pk
        before = {m.__name__: m.objects.count() for m in models_of_wfm()}
    from accounts.models import Team

    with cast_tenant(cast.b):
        b_users = set(User.objects.values_list("pk", flat=True))
        b_teams = set(Team.objects.values_list("pk", flat=True))
    assert ids["User"] not in b_users, "pick an A user whose id B does not have"
    assert ids["Team"] not in b_teams, "pick an A team whose id B does not have"
    b = cast.b.api(cast.b.token("admin"))
    a_token = center.tokens["admin"]
    for route in wfm_routes():
        path = re.sub(r"<int:(\w+)>", lambda m: str(_id_for(route, ids)), route)
        for method in ("get", "post", "put", "patch", "delete"):
            resp = getattr(b, method)(path, {"queue": q.pk}, content_type="application/json") \
                if method != "get" else b.get(path, {"queue": q.pk})
            assert resp.status_code != 500, (method, path)
            if "<int:" in route:
                assert resp.status_code in (404, 405), (method, path, resp.status_code)
            assert "A's outage" not in resp.content.decode(), (method, path)
        assert cast.b.api(a_token).get(path).status_code == 401, path
    with center.in_tenant():
        assert {m.__name__: m.objects.count() for m in models_of_wfm()} == before


def cast_tenant(t):
    from django_tenants.utils import tenant_context

    return tenant_context(t.tenant)


def models_of_wfm():
    from django.apps import apps

    return list(apps.get_app_config("wfm").get_models())


def wfm_pages():
    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        if str(p.pattern).startswith(("wfm", "my-schedule")):
            yield "/" + str(p.pattern)


PAGE_IDS = [("wfm/forecasts/", "Forecast"), ("wfm/schedules/", "Schedule"), ("wfm/leave/", "LeaveRequest"),
            ("wfm/swaps/", "SwapRequest"), ("my-schedule/swaps/", "SwapRequest")]


def test_wfm_pages_never_show_tenant_a(center, cast):
    from django.test import Client
    from django_tenants.utils import tenant_context

    _a_objects(center)
    with center.in_tenant():
        ids = {m.__name__: m.objects.order_by("-pk").values_list("pk", flat=True).first() for m in models_of_wfm()}
        before = {m.__name__: m.objects.count() for m in models_of_wfm()}
    b_admin = Client(HTTP_HOST=cast.b.host)
    with tenant_context(cast.b.tenant):
        b_admin.force_login(cast.b.users["admin"], backend="accounts.backends.EmailBackend")
    probed = 0
    for route in wfm_pages():
        model = next((m for prefix, m in PAGE_IDS if route.startswith("/" + prefix)), None)
        path = route.replace("<int:pk>", str(ids[model])) if model else route
        for method in ("get", "post"):
            resp = getattr(b_admin, method)(path, {"decision": "approve", "a": ids["Schedule"], "b": ids["Schedule"]})
            probed += 1
            assert resp.status_code != 500, (method, path)
            assert "A's outage" not in resp.content.decode(), (method, path)
            if "<int:pk>" in route:
                assert resp.status_code in (302, 404, 405), (method, path, resp.status_code)
    assert probed >= 30
    with center.in_tenant():
        assert {m.__name__: m.objects.count() for m in models_of_wfm()} == before
