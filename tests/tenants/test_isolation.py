"""Cross-tenant suite (TEN-1): tenant A's objects through tenant B's domain, token,
session, host-header tricks and websocket — 403/404, never data."""

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.db import connection
from django.urls import get_resolver
from django_tenants.utils import tenant_context

from config.asgi import application
from tests.conftest import run_async

API_ROUTES = [
    ("get", "/api/v1/me"), ("get", "/api/v1/users"), ("get", "/api/v1/teams"), ("get", "/api/v1/skills"),
    ("get", "/api/v1/audit"), ("get", "/api/v1/tenant"), ("get", "/api/v1/tenant/credentials"),
    ("get", "/api/v1/agents"),
]


def _a_emails(cast):
    return [u.email for u in cast.a.users.values()]


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_tenant_a_token_is_unknown_on_tenant_b(cast, method, path):
    token = cast.a.token("admin")
    # Sanity: it works at home.
    assert getattr(cast.a.api(token), method)(path).status_code == 200
    resp = getattr(cast.b.api(token), method)(path)
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "authentication_failed"
    for email in _a_emails(cast):
        assert email.encode() not in resp.content


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_tenant_a_session_is_anonymous_on_tenant_b(cast, method, path):
    client = cast.a.client("admin")
    assert getattr(client, method)(path).status_code == 200
    client.defaults["HTTP_HOST"] = cast.b.host  # same cookie jar, other tenant's domain
    resp = getattr(client, method)(path)
    assert resp.status_code in (401, 403)
    for email in _a_emails(cast):
        assert email.encode() not in resp.content


@pytest.mark.django_db
def test_pages_with_a_session_of_a_redirect_to_login_on_b(cast):
    client = cast.a.client("admin")
    assert client.get("/console/users").status_code == 200
    client.defaults["HTTP_HOST"] = cast.b.host
    resp = client.get("/console/users")
    assert resp.status_code == 302 and resp["Location"].startswith("/login")


@pytest.mark.django_db
def test_ids_of_a_objects_through_b_admin_never_return_a_data(cast):
    token_b = cast.b.token("admin")
    api = cast.b.api(token_b)
    for user in cast.a.users.values():
        for path in (f"/api/v1/users/{user.pk}", f"/api/v1/users/{user.pk}/disable"):
            resp = api.get(path) if "disable" not in path else api.post(path)
            assert user.email.encode() not in resp.content
    listing = api.get("/api/v1/users").json()["results"]
    assert {u["email"] for u in listing} == {u.email for u in cast.b.users.values()}
    # B's admin disabling "A's agent id" must not have touched A's agent.
    with tenant_context(cast.a.tenant):
        from accounts.models import User

        assert User.objects.get(pk=cast.a.users["agent"].pk).status == "active"


@pytest.mark.django_db
def test_host_header_tricks_do_not_switch_tenant(cast):
    token_a = cast.a.token("admin")
    resp = cast.b.api(token_a).get("/api/v1/users", HTTP_X_FORWARDED_HOST=cast.a.host)
    assert resp.status_code == 401
    # A host with the other tenant's name as a prefix is a different (unknown) host.
    resp = cast.a.api(token_a).get("/api/v1/users", HTTP_HOST=f"{cast.a.slug}.{cast.b.slug}.localhost")
    assert resp.status_code == 404


@pytest.mark.django_db
def test_a_credentials_on_b_login_fail(cast):
    from tests.conftest import PASSWORD

    resp = cast.b.api().post("/api/v1/auth/token", {"email": cast.a.users["admin"].email, "password": PASSWORD},
                             content_type="application/json")
    assert resp.status_code == 401
    assert "token" not in resp.json()


@pytest.mark.django_db
def test_audit_log_of_b_shows_nothing_of_a(cast):
    resp = cast.b.api(cast.b.token("admin")).get("/api/v1/audit")
    summaries = " ".join(e["summary"] + e["actor_email"] for e in resp.json()["results"])
    assert "alpha" not in summaries.lower()
    assert "Bravo Corp" in summaries


@pytest.mark.django_db
def test_cache_entries_are_per_tenant(cast):
    with tenant_context(cast.a.tenant):
        cache.set("screen-pop:+15550001", "alpha secret", 60)
        assert cache.get("screen-pop:+15550001") == "alpha secret"
    with tenant_context(cast.b.tenant):
        assert cache.get("screen-pop:+15550001") is None
    connection.set_schema_to_public()


def _ws(cast_tenant, host, session_key):
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
    if session_key:
        headers.append((b"cookie", f"sessionid={session_key}".encode()))
    return WebsocketCommunicator(application, "/ws/v1/events", headers=headers)


def test_websocket_session_of_a_is_refused_on_b_and_accepted_on_a(django_db_setup, django_db_blocker):
    # No test transaction here: the consumer reads the committed cast from its own thread.
    cast = pytest.hostline_cast
    async def run():
        home = _ws(cast.a, cast.a.host, cast.a.session_keys["agent"])
        connected, _ = await home.connect()
        assert connected
        hello = await home.receive_json_from()
        assert hello["tenant"] == "alpha" and hello["user"] == "agent@alpha.test"
        await home.disconnect()

        away = _ws(cast.b, cast.b.host, cast.a.session_keys["agent"])
        connected, code = await away.connect()
        assert not connected and code == 4401
        await away.disconnect()

        unknown = _ws(cast.b, "nosuch.localhost", cast.a.session_keys["agent"])
        connected, code = await unknown.connect()
        assert not connected

    with django_db_blocker.unblock():
        run_async(run)


@pytest.mark.django_db
def test_every_tenant_api_route_is_covered_by_this_suite(cast):
    """New API routes must join API_ROUTES (or a dedicated cross-tenant test)."""
    from config import urls_tenant

    covered = {p for _, p in API_ROUTES} | {
        "/api/v1/auth/token", "/api/v1/auth/token/current", "/api/v1/users/invite",
        "/api/v1/users/<int:pk>", "/api/v1/users/<int:pk>/disable", "/api/v1/users/<int:pk>/enable",
        "/api/v1/schema/", "/api/v1/docs/",
        # tests/telephony/test_agent_state.py::test_agent_routes_never_cross_tenants
        "/api/v1/agents", "/api/v1/agents/me/state", "/api/v1/agents/<int:pk>/state",
        "/api/v1/agents/<int:pk>/state-log",
    }
    from tests.telephony.test_isolation import telephony_routes

    covered |= set(telephony_routes())  # probed with A's ids by tests/telephony/test_isolation.py
    from tests.crm.test_contacts import crm_routes

    covered |= set(crm_routes())  # probed by tests/crm/test_contacts.py
    from tests.reports.test_kpis import reports_routes

    covered |= set(reports_routes())  # probed by tests/reports/test_kpis.py
    from tests.wfm.test_isolation import wfm_routes

    covered |= set(wfm_routes())  # probed by tests/wfm/test_isolation.py
    from tests.qa.test_isolation import qa_routes

    covered |= set(qa_routes())  # probed by tests/qa/test_isolation.py
    from tests.telephony.test_outbound import outbound_routes

    covered |= set(outbound_routes())  # probed by tests/telephony/test_outbound.py
    routes = {"/" + str(p.pattern) for p in get_resolver(urls_tenant).url_patterns if str(p.pattern).startswith("api/")}
    assert routes - covered == set()
