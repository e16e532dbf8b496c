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


def test_wfm_routes_never_cross_tenants(center, cast):
    from tests.wfm.test_forecast_api import FIRST, _three_weeks
    from wfm import models
    from wfm.services import history_adjust

    q = _three_weeks(center)
    resp = center.api("admin").post("/api/v1/wfm/forecasts", {
        "queue": q.pk, "method": "relative", "first_day": FIRST.isoformat(), "days": 1},
        content_type="application/json")
    assert resp.status_code == 201
    with center.in_tenant():
        history_adjust(queue=q, first_day=FIRST, last_day=FIRST, action="exclude", reason="A's outage")
        ids = {m.__name__: m.objects.order_by("-pk").values_list("pk", flat=True).first()
               for m in (models.Forecast, models.HistoryAdjustment)}
        ids.update(extra_ids(center))
        before = {m.__name__: m.objects.count() for m in models_of_wfm()}
    b = cast.b.api(cast.b.token("admin"))
    a_token = center.api("admin") and center.tokens["admin"]
    for route in wfm_routes():
        path = re.sub(r"<int:(\w+)>", lambda m: str(_id_for(route, ids)), route)
        for method in ("get", "post", "put", "patch", "delete"):
            resp = getattr(b, method)(path, {"queue": q.pk}, content_type="application/json") \
                if method != "get" else b.get(path, {"queue": q.pk})
            assert resp.status_code != 500, (method, path)
            if "<int:" in route:
                assert resp.status_code in (404, 405), (method, path, resp.status_code)
            body = resp.content.decode()
            assert "A's outage" not in body and f"{center.host}" not in body, (method, path)
        assert cast.b.api(a_token).get(path).status_code == 401, path
    with center.in_tenant():
        assert {m.__name__: m.objects.count() for m in models_of_wfm()} == before


def models_of_wfm():
    from django.apps import apps

    return list(apps.get_app_config("wfm").get_models())


def extra_ids(center) -> dict:
    """Ids of A's other WFM objects, for the routes that take them (filled as routes arrive)."""
    out = {}
    for m in models_of_wfm():
        out.setdefault(m.__name__, m.objects.order_by("-pk").values_list("pk", flat=True).first() or 1)
    return out


def _id_for(route: str, ids: dict) -> int:
    if "history-adjustments" in route:
        return ids["HistoryAdjustment"]
    if "forecasts" in route:
        return ids["Forecast"]
    for name, pk in ids.items():
        if name.lower() in route.replace("-", ""):
            return pk
    return max(ids.values())
