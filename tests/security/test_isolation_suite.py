"""The isolation attack suite (TEN-1, §10): tenant B attacks tenant A on every route the
platform has — pages, API, carrier webhooks, websockets, the public host — with its own
session and tokens, A's object ids, A's stolen credentials, host-header tricks and webhooks
signed with B's token for A's number and calls. Routes are read from the URL confs and the
websocket router, so a new route is attacked the day it is added.

A leak is any response that carries a string only A's data holds (found in A's tables, not
B's: names, notes, e-mail addresses, numbers, carrier SIDs). A change is any difference in
the md5 of A's schema's tables or of A's rows in the shared tables. Both must be zero."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

from tests.conftest import run_async
from tests.security.routes import PARAM, fill, http_routes, is_api, is_carrier_hook, websocket_routes
from tests.security.world import World, build_a, fingerprint, secrets_of, text_values

# Routes anyone may call without signing in (everything else must refuse an anonymous caller).
ANONYMOUS_TENANT_ROUTES = {"/login", "/logout", "/invite/<str:token>", "/healthz", "/api/v1/auth/token",
                           "/api/v1/schema/", "/api/v1/docs/"}
ANONYMOUS_PUBLIC_ROUTES = {"/", "/signup", "/healthz", "/api/v1/signup", "/api/v1/schema/", "/api/v1/docs/"}
API_METHODS = ("get", "post", "put", "patch", "delete")
PAGE_METHODS = ("get", "post")
TOKEN_TAG = re.compile(r"(?:CA|RE|CF|CO)[0-9A-Za-z]{10,40}|\+\d{9,15}|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass
class Attack:
    a: object
    b: object
    world: World
    tokens: set[str]  # SIDs, numbers, e-mail addresses only A holds
    phrases: list[str]  # longer texts only A holds

    def leaks(self, body: bytes) -> list[str]:
        text = body.decode("utf-8", "replace")
        found = [t for t in set(TOKEN_TAG.findall(text)) if t in self.tokens]
        found += [p for p in self.phrases if p in text]
        if found:  # a probe may have made B hold the same text (a default, a probe's own value): B's then
            b_now = text_values(self.b.tenant.schema_name)
            connection.set_schema_to_public()
            self.tokens -= b_now
            self.phrases = [p for p in self.phrases if p not in b_now]
            found = [f for f in found if f not in b_now]
        return found

    def fingerprint(self) -> dict[str, str]:
        connection.set_schema_to_public()
        return fingerprint(self.a.tenant.schema_name, self.a.tenant.pk)


@pytest.fixture(scope="module")
def attack(django_db_setup, django_db_blocker):
    from telephony import clock
    from telephony.sandbox import carrier_installed
    from tests.telephony.conftest import build_center, drop_center

    a = build_center(django_db_blocker, features={"supervisor_monitoring": True})
    b = build_center(django_db_blocker)
    with django_db_blocker.unblock(), carrier_installed(a.carrier), clock.virtual(a.scheduler.now):
        world = build_a(a)
        found = secrets_of(a.tenant.schema_name, b.tenant.schema_name, world)
        tokens = {s for s in found if TOKEN_TAG.fullmatch(s)}
        phrases = [s for s in found if s not in tokens][:400]
        assert len(tokens) > 20 and len(phrases) > 20, (len(tokens), len(phrases))
        assert world.call_sid in tokens and "A's secret campaign" in phrases
        yield Attack(a=a, b=b, world=world, tokens=tokens, phrases=phrases)
        connection.set_schema_to_public()
    drop_center(a, django_db_blocker)
    drop_center(b, django_db_blocker)


def _content(resp) -> bytes:
    return b"".join(resp.streaming_content) if getattr(resp, "streaming", False) else resp.content


class BSide:
    """Tenant B's own people on B's own domain: admin and agent, by session and by token.
    A probe that signs B out (logout, token revoke) or disables B's agent is undone before
    the next one, so every route is attacked signed in."""

    def __init__(self, b):
        self.b = b
        self.clients: dict[str, Client] = {}

    def client(self, who: str, kind: str) -> Client:
        key = f"{who}:{kind}"
        if key not in self.clients:
            self.clients[key] = self._fresh(who, kind)
        return self.clients[key]

    def _fresh(self, who: str, kind: str) -> Client:
        from accounts.services import api_token_create

        with tenant_context(self.b.tenant):
            user = self.b.users[who]
            if kind == "token":
                c = Client(HTTP_HOST=self.b.host, HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")
            else:
                c = Client(HTTP_HOST=self.b.host)
                c.force_login(user, backend="accounts.backends.EmailBackend")
        connection.set_schema_to_public()
        return c

    def restore(self) -> None:
        from accounts.models import User, UserStatus

        with tenant_context(self.b.tenant):
            User.objects.exclude(status=UserStatus.INVITED).update(status=UserStatus.ACTIVE)
        connection.set_schema_to_public()
        self.clients.clear()


def _probe(client: Client, method: str, path: str, body: dict, api: bool):
    if method == "get":
        return client.get(path)
    if api:
        return getattr(client, method)(path, body, content_type="application/json")
    return client.post(path, body)


def test_b_people_with_a_ids_on_every_tenant_route_get_nothing_of_a(attack):
    from config import urls_tenant

    world, before = attack.world, attack.fingerprint()
    ids = sorted(set(world.ids.values()))
    b = BSide(attack.b)
    routes = [r for r in http_routes("config.urls_tenant") if not is_carrier_hook(r)]
    assert len(routes) > 200 and urls_tenant.urlpatterns
    probed, answered, signed_out, codes = set(), 0, 0, {}
    for route in routes:
        api = is_api(route)
        for pk in ids if PARAM.search(route) else [0]:
            path = fill(route, pk, {"token": world.invite_token, "kind": "reason"})
            body = {"name": "hijack", "title": "hijack", "state": "available", "to": "approved", "action": "remove",
                    "number": "+12125550177", "email": f"probe@{attack.b.host}", "outcome": "sale", "reason": "probe",
                    "status": "open", "queue": pk, "agent": pk, "contact": pk, "call": pk, "campaign": pk}
            for who in ("admin", "agent1"):
                for method in API_METHODS if api else PAGE_METHODS:
                    resp = _probe(b.client(who, "token" if api else "session"), method, path, body, api)
                    if resp.status_code in (401, 302) and resp.get("Location", "/login").startswith("/login"):
                        signed_out += 1  # a probe before signed B out (logout, token revoke): sign in, try again
                        b.restore()
                        resp = _probe(b.client(who, "token" if api else "session"), method, path, body, api)
                    assert resp.status_code < 500, (who, method, path, resp.status_code)
                    leaked = attack.leaks(_content(resp))
                    assert not leaked, (who, method, path, resp.status_code, leaked[:3])
                    answered += resp.status_code < 300
                    codes[resp.status_code] = codes.get(resp.status_code, 0) + 1
            probed.add(route)
        b.restore()
    assert probed == set(routes)
    assert answered > 150 and codes.get(404, 0) > 100  # B was signed in and served; A's ids were not B's
    assert attack.fingerprint() == before


def _anonymous_like(resp) -> bool:
    if resp.status_code in (401, 403, 405):  # 405: the method does not exist, whoever asks
        return True
    return resp.status_code == 302 and resp["Location"].startswith("/login")


def test_a_credentials_and_host_tricks_on_b_are_no_credentials(attack):
    """A's session cookie and A's token on B's domain are answered exactly as no credentials
    are; every route but the few public ones refuses them. B's token on A's domain likewise."""
    world = attack.world
    a, b = attack.a, attack.b
    a_token = a.api("admin") and a.tokens["admin"]
    from django.contrib.sessions.backends.db import SessionStore

    with tenant_context(a.tenant):
        s = SessionStore()
        user = a.users["admin"]
        s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                  "_auth_user_hash": user.get_session_auth_hash()})
        s.create()
    connection.set_schema_to_public()
    home = Client(HTTP_HOST=a.host)
    home.cookies["sessionid"] = s.session_key
    assert home.get("/console/users").status_code == 200  # the stolen cookie works at home
    before = attack.fingerprint()
    b_token = BSide(b).client("admin", "token").defaults["HTTP_AUTHORIZATION"]
    attackers = {
        "A's session on B": Client(HTTP_HOST=b.host),
        "A's token on B": Client(HTTP_HOST=b.host, HTTP_AUTHORIZATION=f"Bearer {a_token}"),
        "A's token on B, X-Forwarded-Host A": Client(HTTP_HOST=b.host, HTTP_AUTHORIZATION=f"Bearer {a_token}",
                                                     HTTP_X_FORWARDED_HOST=a.host),
        "B's token on A": Client(HTTP_HOST=a.host, HTTP_AUTHORIZATION=b_token),
        "B's token on A:8000": Client(HTTP_HOST=f"{a.host}:8000", HTTP_AUTHORIZATION=b_token),
    }
    attackers["A's session on B"].cookies["sessionid"] = s.session_key
    anonymous = {"B": Client(HTTP_HOST=b.host), "A": Client(HTTP_HOST=a.host)}
    pk = world.ids["call"]
    for route in (r for r in http_routes("config.urls_tenant") if not is_carrier_hook(r)):
        path = fill(route, pk, {"token": "not-a-token", "kind": "reason"})
        for method in ("get", "post"):
            for name, client in attackers.items():
                anon = anonymous["A" if name.startswith("B's") else "B"]
                resp, base = _probe(client, method, path, {}, is_api(route)), _probe(anon, method, path, {},
                                                                                     is_api(route))
                assert resp.status_code < 500, (name, method, path)
                assert not attack.leaks(_content(resp)), (name, method, path)
                if route in ANONYMOUS_TENANT_ROUTES:
                    continue
                assert _anonymous_like(resp), (name, method, path, resp.status_code)
                assert _anonymous_like(base), ("anonymous", method, path, base.status_code)
                if "session" in name:  # a foreign cookie is no cookie at all
                    assert resp.status_code == base.status_code, (name, method, path, resp.status_code)
    # A host that only starts with A's name, or carries B's after it, is another (unknown) host.
    for host in (f"{a.host}.{b.host}", f"{a.host}.evil.test", f"{a.tenant.slug}"):
        resp = Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {a_token}").get("/api/v1/calls")
        assert resp.status_code in (400, 404) and not attack.leaks(_content(resp)), (host, resp.status_code)
    assert attack.fingerprint() == before


def test_the_public_host_shows_no_tenant_anything(attack):
    """The operator console and admin need an operator; B's admin (a user of B's schema only),
    A's token and anonymous callers get the login page or a refusal on every public route."""
    from django.conf import settings

    before = attack.fingerprint()
    a_token = attack.a.api("admin") and attack.a.tokens["admin"]
    for host in (settings.PUBLIC_HOST, settings.BASE_DOMAIN):
        callers = {"anonymous": Client(HTTP_HOST=host),
                   "A's token": Client(HTTP_HOST=host, HTTP_AUTHORIZATION=f"Bearer {a_token}")}
        for route in http_routes("config.urls_public"):
            path = fill(route, attack.world.ids["invoice"], {})
            for method in ("get", "post"):
                for name, client in callers.items():
                    resp = _probe(client, method, path, {}, is_api(route))
                    assert resp.status_code < 500, (name, method, path)
                    assert not attack.leaks(_content(resp)), (name, method, path)
                    if route not in ANONYMOUS_PUBLIC_ROUTES:
                        assert resp.status_code in (401, 403, 404, 405) or (
                            resp.status_code == 302 and "login" in resp["Location"]), (name, method, path)
    assert attack.fingerprint() == before


def test_forged_webhooks_for_a_are_refused_or_touch_nothing(attack):
    """Every carrier hook, with A's call, recording and number in it: unsigned or signed with
    B's token on A's domain is refused (403); signed with B's token on B's domain it is B's
    own webhook, where A's call does not exist — either way A is untouched and nothing leaks."""
    from telephony.signatures import signature_for, tenant_webhook_token

    world, a, b = attack.world, attack.a, attack.b
    before = attack.fingerprint()
    b_secret = tenant_webhook_token(b.tenant)
    params = {"CallSid": world.call_sid, "To": a.number, "From": "+15558880001", "Called": a.number,
              "CallStatus": "completed", "Digits": "1", "RecordingSid": world.recording_sid or "RE0",
              "RecordingStatus": "completed", "RecordingUrl": "http://127.0.0.1:1/x", "RecordingDuration": "5",
              "ConferenceSid": "CF" + "0" * 32, "StatusCallbackEvent": "participant-leave", "AnsweredBy": "human",
              "CallDuration": "5", "SpeechResult": "yes"}
    hooks = [r for r in http_routes("config.urls_tenant") if is_carrier_hook(r)]
    assert len(hooks) >= 10
    for route in hooks:
        for host, expect_refused in ((a.host, True), (b.host, False)):
            url = f"http://{host}{route}"
            for signature in (None, signature_for(b_secret, url, params)):
                headers = {"HTTP_HOST": host}
                if signature:
                    headers["HTTP_X_TWILIO_SIGNATURE"] = signature
                resp = Client(**headers).post(route, params)
                assert resp.status_code < 500, (host, route, resp.status_code)
                assert not attack.leaks(resp.content), (host, route)
                if expect_refused or signature is None:
                    assert resp.status_code == 403, (host, route, signature is not None, resp.status_code)
    assert attack.fingerprint() == before


def test_websockets_of_b_never_hear_a_and_a_credentials_do_not_open_them(attack, django_db_blocker):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.contrib.sessions.backends.db import SessionStore

    from config.asgi import application

    a, b = attack.a, attack.b

    def session(center, who):
        with tenant_context(center.tenant):
            from accounts.models import User

            s, user = SessionStore(), User.objects.get(pk=center.users[who].pk)  # as it is now, after the probes
            s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                      "_auth_user_hash": user.get_session_auth_hash()})
            s.create()
        connection.set_schema_to_public()
        return s.session_key

    keys = {f"{side}:{who}": session(c, who) for side, c in (("a", a), ("b", b)) for who in ("admin", "agent1")}

    def socket(route, host, key):
        headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode())]
        if key:
            headers.append((b"cookie", f"sessionid={key}".encode()))
        return WebsocketCommunicator(application, route, headers=headers)

    @database_sync_to_async
    def a_is_busy():
        """A's agent signs in and takes a call; A's supervisor's board would show all of it."""
        a.ready("agent2")
        sid = a.dial(from_="+15558880002")
        a.post("agent2", f"/api/v1/calls/{a.call(sid).pk}/accept")
        a.advance(3)
        from tenants.realtime import flush

        flush()

    routes = websocket_routes()
    assert routes

    opened: list = []

    def track(ws):
        opened.append(ws)
        return ws

    async def attack_route(route):
        for key in (keys["a:admin"], keys["a:agent1"], None):
            connected, code = await track(socket(route, b.host, key)).connect()
            assert not connected and code == 4401, (route, code)
        assert not (await track(socket(route, f"{a.host}.evil.test", keys["a:admin"])).connect())[0]
        listeners = [track(socket(route, b.host, keys["b:admin"])), track(socket(route, b.host, keys["b:agent1"]))]
        home = track(socket(route, a.host, keys["a:admin"]))
        for name, ws in zip(("b:admin", "b:agent1", "a:admin"), [*listeners, home], strict=True):
            ok, code = await ws.connect()
            assert ok, (name, code)
            await ws.receive_json_from()  # hello
        for ws in listeners:  # B subscribes to A's queue ids: they are B's own (or refused)
            await ws.send_json_to({"type": "subscribe", "queues": list(attack.world.ids.values())})
        await a_is_busy()
        heard_at_home = []
        while not await home.receive_nothing(timeout=0.5):
            heard_at_home.append(await home.receive_output())
        assert heard_at_home, "A's own board heard A's call (the probe is live)"
        for ws in listeners:
            while not await ws.receive_nothing(timeout=0.5):
                out = await ws.receive_output()
                assert not attack.leaks(out.get("text", "").encode()), out
                assert "+15558880002" not in out.get("text", ""), out

    async def run():
        try:
            for route in routes:
                await attack_route(route)
        finally:  # every socket closed, or the loop waits on their tasks forever
            for ws in opened:
                with contextlib.suppress(Exception):  # refused or already closed
                    await ws.disconnect()

    with django_db_blocker.unblock():
        run_async(run)
