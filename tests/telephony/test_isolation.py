"""TEN-1 on every telephony route: tenant B (its own admin token, on its own domain) aims at
tenant A's object ids on every route of the URL conf — never A's data, never a change in A.
A's token on B's domain is unknown. Routes are read from the URL conf, so new ones are covered."""

import re

import pytest
from django.urls import get_resolver

MARKERS = ("+15558880001", "Secret flow of A")


def _a_world(center):
    """A call, recording, callback, backlog item, flow, number and list entry in tenant A."""
    from telephony.models import BacklogItem, Callback, CallerListEntry, Queue, Recording
    from telephony.services.config import ivr_flow_create

    with center.in_tenant():
        Queue.objects.filter(name="General").update(recording_policy="all")
        queue = Queue.objects.get(name="General")
        flow = ivr_flow_create(name="Secret flow of A", graph={"start": "q", "nodes": {"q": {"type": "queue",
                                                                                              "queue": queue.pk}}})
        CallerListEntry.objects.create(number=MARKERS[0], kind="vip")
    sid = center.dial(from_=MARKERS[0])
    center.ready("agent1")
    pk = center.call(sid).pk
    center.post("agent1", f"/api/v1/calls/{pk}/accept")
    center.advance(5)
    with center.in_tenant():
        Callback.objects.create(number=MARKERS[0], origin="agent", queue=queue, due_at=center.scheduler.now()
                                + __import__("datetime").timedelta(days=1))
        BacklogItem.objects.create(kind="message", contact_number=MARKERS[0], message="A's secret message")
        ids = {"call": pk, "recording": Recording.objects.get().pk, "flow": flow.pk}
    return sid, ids


def telephony_routes():
    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        route = str(p.pattern)
        if route.startswith("api/v1/") and any(k in route for k in ("calls", "queues", "numbers", "ivr-flows",
                                                                     "caller-lists", "callbacks", "backlog",
                                                                     "recordings", "routing-decisions", "agents",
                                                                     "desk", "wallboard")):
            yield "/" + route


def test_tenant_b_never_sees_or_touches_tenant_a_telephony(center):
    cast = pytest.hostline_cast  # committed session cast (the `cast` fixture would wrap us in a rollback)
    sid, ids = _a_world(center)
    before = center.call(sid)
    b_admin = cast.b.api(cast.b.token("admin"))
    b_agent = cast.b.api(cast.b.token("agent"))
    probed = 0
    for route in telephony_routes():
        for key, value in (("pk", ids["call"]), ("pk", ids["recording"]), ("pk", ids["flow"])):
            path = re.sub(r"<int:pk>", str(value), route)
            for client in (b_admin, b_agent):
                for method in ("get", "post", "patch", "delete"):
                    resp = getattr(client, method)(path, {}, content_type="application/json")
                    probed += 1
                    assert resp.status_code != 500, (method, path)
                    for marker in MARKERS:
                        assert marker.encode() not in resp.content, (method, path, resp.status_code)
    assert probed > 200
    after = center.call(sid)
    assert (after.status, after.agent_id, after.hold_s, after.notes) == (before.status, before.agent_id,
                                                                         before.hold_s, before.notes)
    a_token = center.tokens["agent1"]
    for route in telephony_routes():
        path = re.sub(r"<int:pk>", str(ids["call"]), route)
        resp = cast.b.api(a_token).get(path)
        assert resp.status_code == 401, path


def console_routes():
    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        route = str(p.pattern)
        if route.startswith(("console/", "desk", "wallboard", "contacts", "cases", "follow-ups", "kb", "reports", "wfm",
                             "my-schedule")):
            yield "/" + route


def test_tenant_b_console_pages_never_show_or_change_tenant_a(center, django_db_blocker):
    """Every console page (read from the URL conf), as B's admin with A's object ids. B is a
    fresh tenant of its own: the probes really do change B's settings."""
    from django.test import Client
    from django_tenants.utils import tenant_context

    from telephony.models import CallerListEntry, IvrFlow, Queue
    from tests.telephony.conftest import build_center

    b = build_center(django_db_blocker)
    sid, ids = _a_world(center)
    with center.in_tenant():
        queue_pk = Queue.objects.get(name="General").pk
        before = (list(Queue.objects.values_list("pk", "name", "sl_target_pct")),
                  list(IvrFlow.objects.values_list("pk", "name", "published_id")),
                  list(CallerListEntry.objects.values_list("number", flat=True)))
    b_admin = Client(HTTP_HOST=b.host)
    with tenant_context(b.tenant):
        b_admin.force_login(b.users["admin"], backend="accounts.backends.EmailBackend")
    probed = 0
    for route in console_routes():
        for value in (ids["flow"], queue_pk, ids["call"]):
            path = route.replace("<int:pk>", str(value)).replace("<str:kind>", "reason")
            for method in ("get", "post"):
                resp = getattr(b_admin, method)(path, {"name": "hijack", "sl_target_pct": 1, "number": MARKERS[0],
                                                       "kind": "block", "action": "remove"})
                probed += 1
                assert resp.status_code != 500, (method, path)
                assert MARKERS[1].encode() not in resp.content, (method, path)  # A's flow name
                assert resp.status_code in (200, 302, 400, 403, 404, 405), (method, path, resp.status_code)
    assert probed > 40
    with center.in_tenant():
        after = (list(Queue.objects.values_list("pk", "name", "sl_target_pct")),
                 list(IvrFlow.objects.values_list("pk", "name", "published_id")),
                 list(CallerListEntry.objects.values_list("number", flat=True)))
    assert after == before
