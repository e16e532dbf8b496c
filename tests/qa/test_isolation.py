"""Every QA API route and page probed from tenant B with tenant A's ids; agents of A probing
each other's evaluations, plans and appraisals. Nothing leaks, nothing changes."""

from __future__ import annotations

import re

from django.urls import get_resolver

from tests.qa.helpers import analyst, recorded_call, simple_scorecard

SECRET = "A's secret coaching note"


def qa_routes():
    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        if str(p.pattern).startswith("api/v1/qa/"):
            yield "/" + str(p.pattern)


def qa_pages():
    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        if str(p.pattern).startswith(("qa", "my-quality")):
            yield "/" + str(p.pattern)


def _a_world(center) -> dict:
    """One of each QA object in A, each carrying SECRET where it has text."""
    from datetime import timedelta

    from django.utils import timezone

    from qa import models
    from qa.services import appraisal, calibration, evaluations

    analyst(center)
    card, items = simple_scorecard(center)
    call = recorded_call(center)
    with center.in_tenant():
        a1, qa = center.users["agent1"], center.users["analyst"]
        ev = evaluations.evaluation_start(call=call, by=qa)
        evaluations.evaluation_save(evaluation=ev, by=qa, answers={str(k): 1 for k in [items["Verified identity"],
                                                                                       items["Offered more help"]]}
                                    | {str(items["Correct information"]): 7, str(items["Courtesy"]): 10},
                                    comments=[{"at_s": 3, "text": SECRET}], summary=SECRET, submit=True)
        dispute = evaluations.dispute_open(evaluation=ev, by=a1, reason=SECRET)
        plan = evaluations.plan_create(agent=a1, goals=SECRET, by=qa)
        session = evaluations.coaching_plan(plan=plan, planned_for=timezone.now() + timedelta(days=1), notes=SECRET)
        cal = calibration.session_create(name=SECRET[:40], version=card.current(), reference=qa,
                                         evaluators=[center.users["supervisor"]], calls=[call])
        appr = appraisal.appraisal_create(agent=a1, first=call.answered_at.date(), last=call.answered_at.date(),
                                          by=center.users["supervisor"])
        appr.note = SECRET
        appr.save()
        best = models.BestCall.objects.create(call=call, kind="good", title=SECRET)
        rec = call.recordings.get()
    return {"Call": call.pk, "Scorecard": card.pk, "Evaluation": ev.pk, "Dispute": dispute.pk,
            "ImprovementPlan": plan.pk, "CoachingSession": session.pk, "CalibrationSession": cal.pk,
            "Appraisal": appr.pk, "BestCall": best.pk, "Recording": rec.pk}


ROUTE_MODEL = [("scorecards", "Scorecard"), ("evaluations", "Evaluation"), ("disputes", "Dispute"),
               ("calls", "Call"),
               ("plans", "ImprovementPlan"), ("coaching", "CoachingSession"), ("calibrations", "CalibrationSession"),
               ("appraisals", "Appraisal"), ("recordings", "Recording")]


def _path(route: str, ids: dict) -> str:
    model = next((m for key, m in ROUTE_MODEL if f"/qa/{key}/" in route or route.startswith(f"/{key}/")
                  or f"qa/{key}/" in route), None)
    return re.sub(r"<int:\w+>", str(ids[model]) if model else "1", route)


def test_qa_routes_never_cross_tenants(center, cast):
    from django.apps import apps

    ids = _a_world(center)
    models = list(apps.get_app_config("qa").get_models())
    with center.in_tenant():
        before = {m.__name__: m.objects.count() for m in models}
    b = cast.b.api(cast.b.token("admin"))
    a_token = center.api("analyst") and center.tokens["analyst"]
    for route in qa_routes():
        path = _path(route, ids)
        for method in ("get", "post", "put", "delete"):
            resp = getattr(b, method)(path, {"call": 1, "reason": "x"}, content_type="application/json") \
                if method != "get" else b.get(path)
            assert resp.status_code != 500, (method, path)
            if "<int:" in route:
                assert resp.status_code in (404, 405), (method, path, resp.status_code)
            assert SECRET not in resp.content.decode(), (method, path)
        assert cast.b.api(a_token).get(path).status_code == 401, path
    with center.in_tenant():
        assert {m.__name__: m.objects.count() for m in models} == before


def test_agents_never_see_each_others_quality_records(center):
    ids = _a_world(center)
    other = center.api("agent2")
    for path in (f"/api/v1/qa/evaluations/{ids['Evaluation']}", f"/api/v1/qa/appraisals/{ids['Appraisal']}",
                 f"/api/v1/qa/recordings/{ids['Recording']}/media"):
        resp = other.get(path)
        assert resp.status_code in (403, 404), path
        assert SECRET not in resp.content.decode()
    assert other.get("/api/v1/qa/evaluations").json() == []
    assert other.get("/api/v1/qa/plans").json() == []
    assert other.get("/api/v1/qa/appraisals").json() == []
    for path in ("/api/v1/qa/disputes", "/api/v1/qa/queue", "/api/v1/qa/reports", "/api/v1/qa/calibrations",
                 "/api/v1/qa/scorecards"):
        assert other.get(path).status_code == 403, path
    assert other.post(f"/api/v1/qa/evaluations/{ids['Evaluation']}/dispute", {"reason": "mine?"},
                      content_type="application/json").status_code == 404


def test_qa_pages_never_show_tenant_a(center, cast):
    from django.test import Client
    from django_tenants.utils import tenant_context

    ids = _a_world(center)
    b_admin = Client(HTTP_HOST=cast.b.host)
    with tenant_context(cast.b.tenant):
        b_admin.force_login(cast.b.users["admin"], backend="accounts.backends.EmailBackend")
    probed = 0
    for route in qa_pages():
        path = _path(route, ids)
        for method in ("get", "post"):
            resp = getattr(b_admin, method)(path, {"outcome": "upheld", "resolution": "x", "reason": "x"})
            probed += 1
            assert resp.status_code != 500, (method, path)
            assert SECRET not in resp.content.decode(), (method, path)
            if "<int:" in route:
                assert resp.status_code in (302, 404, 405), (method, path, resp.status_code)
    assert probed >= 6
