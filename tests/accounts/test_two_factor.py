"""Two-step sign-in (TOTP): enrolling, signing in with the code, API tokens, the staff
requirement, an admin's reset and the operator console."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django_otp.oath import totp
from django_tenants.utils import tenant_context

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _device(cast, who):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with tenant_context(cast.a.tenant):
        return TOTPDevice.objects.filter(user=cast.a.users[who]).first()


def _sign_in(cast, who="admin", nxt=""):
    c = Client(HTTP_HOST=cast.a.host)
    resp = c.post(f"/login{nxt}", {"email": cast.a.users[who].email, "password": PASSWORD})
    return c, resp


def _enrol(cast, who="admin"):
    c, resp = _sign_in(cast, who)
    assert resp.status_code == 302
    page = c.get("/account/2fa")
    assert page.status_code == 200 and b"<svg" in page.content
    key = re.search(rb'data-testid="totp-key">([A-Z2-7 ]+)<', page.content).group(1).decode().replace(" ", "")
    device = _device(cast, who)
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() == key and not device.confirmed  # the page shows the real key
    wrong = c.post("/account/2fa", {"action": "enrol", "otp": "000000" if _code(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and b"not valid" in wrong.content
    assert c.post("/account/2fa", {"action": "enrol", "otp": _code(device)}).status_code == 302
    return c, _device(cast, who)


def test_an_admin_enrols_and_then_signing_in_needs_the_code(cast):
    from accounts.models import AuditEvent

    _, device = _enrol(cast)
    assert device.confirmed
    with tenant_context(cast.a.tenant):
        assert AuditEvent.objects.filter(action="user.2fa_on", target_id=str(cast.a.users["admin"].pk)).exists()
    connection.set_schema_to_public()

    c, resp = _sign_in(cast, nxt="?next=/console/users")
    assert resp.status_code == 302 and resp["Location"].endswith("/login/verify")
    assert c.get("/console/users")["Location"].startswith("/login")  # the password alone is not a session
    bad = c.post("/login/verify", {"otp": "12345x"})
    assert bad.status_code == 400 and b"not valid" in bad.content
    code = _code(device, drift=1)
    ok = c.post("/login/verify", {"otp": code})
    assert ok.status_code == 302 and ok["Location"] == "/console/users"
    assert c.get("/console/users").status_code == 200
    # The same code cannot be used twice (a code seen over someone's shoulder is spent).
    c2, _ = _sign_in(cast)
    assert c2.post("/login/verify", {"otp": code}).status_code == 400
    assert c2.get("/console/users")["Location"].startswith("/login")


def test_api_tokens_need_the_code_once_enrolled(cast):
    _, device = _enrol(cast)
    api = Client(HTTP_HOST=cast.a.host)
    body = {"email": cast.a.users["admin"].email, "password": PASSWORD}
    resp = api.post("/api/v1/auth/token", body, content_type="application/json")
    assert resp.status_code == 401 and resp.json()["error"]["fields"]["otp"]
    resp = api.post("/api/v1/auth/token", {**body, "otp": _code(device, drift=1)}, content_type="application/json")
    assert resp.status_code == 201 and resp.json()["token"].startswith("hl_")


def test_when_required_admins_enrol_before_anything_else_and_agents_do_not(cast, settings):
    settings.REQUIRE_STAFF_2FA = True
    c, resp = _sign_in(cast, nxt="?next=/console/users")
    assert resp["Location"] == "/account/2fa?next=/console/users"
    assert c.get("/console/users")["Location"].startswith("/account/2fa")
    assert c.get("/api/v1/users").status_code == 403
    token = Client(HTTP_HOST=cast.a.host).post("/api/v1/auth/token", {"email": cast.a.users["admin"].email,
                                                                      "password": PASSWORD},
                                               content_type="application/json")
    assert token.status_code == 403 and "two-step" in token.json()["error"]["message"]
    assert c.get("/account/2fa?next=/console/users").status_code == 200  # the key to scan
    device = _device(cast, "admin")
    assert c.post("/account/2fa", {"action": "enrol", "otp": _code(device), "next": "/console/users"})[
        "Location"] == "/console/users"
    assert c.get("/console/users").status_code == 200
    off = c.post("/account/2fa", {"action": "off", "otp": _code(device, drift=1)})
    assert off.status_code == 400 and b"required" in off.content  # admins cannot opt out
    agent, resp = _sign_in(cast, "agent")
    assert resp["Location"] == "/" and agent.get("/desk").status_code == 200


def test_an_admin_resets_a_lost_authenticator(cast):
    from accounts.models import AuditEvent

    _enrol(cast, "agent")
    admin = cast.a.client("admin")
    resp = admin.post(f"/console/users/{cast.a.users['agent'].pk}/2fa-reset")
    assert resp.status_code == 302 and _device(cast, "agent") is None
    with tenant_context(cast.a.tenant):
        assert AuditEvent.objects.filter(action="user.2fa_off").count() == 1
    connection.set_schema_to_public()
    agent = cast.a.client("agent")  # an agent cannot reset anyone's
    assert agent.post(f"/console/users/{cast.a.users['admin'].pk}/2fa-reset").status_code == 403
    c, resp = _sign_in(cast, "agent")
    assert resp["Location"] == "/"  # straight in again: they enrol anew when they choose (or must)


def test_operators_need_a_verified_session_when_required(settings):
    from django.core.management import call_command

    from accounts.models import User

    settings.REQUIRE_STAFF_2FA = True
    connection.set_schema_to_public()
    op = User.objects.create_superuser("op@hostline.test", PASSWORD, full_name="Op")
    c = Client(HTTP_HOST=settings.PUBLIC_HOST)
    c.force_login(op, backend="accounts.backends.EmailBackend")
    resp = c.get("/operator/billing")
    assert resp.status_code == 302 and resp["Location"].startswith("/admin/login/")
    from io import StringIO

    out = StringIO()
    call_command("totp_enrol", "--email", "op@hostline.test", stdout=out)
    assert out.getvalue().startswith("otpauth://totp/Hostline%3Aop%40hostline.test?secret=")
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=op)
    request = type("R", (), {"session": c.session, "user": op})()
    otp_login(request, device)
    request.session.save()
    assert c.get("/operator/billing").status_code == 200
