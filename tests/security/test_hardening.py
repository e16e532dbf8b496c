"""Production hardening: `check --deploy` clean with the production settings, a weak secret
refused at start-up, protective headers and cookies, and no secret ever written to a log."""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tests.conftest import PASSWORD, ROOT, _child_env


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env=_child_env(**env) | {"DJANGO_SETTINGS_MODULE": "config.settings.production"})


@pytest.mark.django_db
def test_check_deploy_is_clean_with_production_settings():
    done = _manage("check", "--deploy", "--fail-level", "WARNING", SECRET_KEY=secrets.token_urlsafe(60))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "short", "dev-only-insecure-key-change-me-in-production-0123456789"])
def test_production_refuses_to_start_with_a_weak_secret(key):
    done = _manage("check", SECRET_KEY=key)
    assert done.returncode != 0 and "SECRET_KEY" in done.stderr


@pytest.mark.django_db
def test_pages_carry_protective_headers_and_cookies(cast):
    resp = cast.a.client().post("/login", {"email": cast.a.users["admin"].email, "password": PASSWORD})
    assert resp["X-Frame-Options"] == "DENY" and resp["X-Content-Type-Options"] == "nosniff"
    assert resp["Referrer-Policy"] == "same-origin"
    cookie = resp.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.django_db
def test_no_secret_reaches_the_logs(cast, caplog):
    """Passwords, API tokens, carrier secrets and webhook signatures pass through sign-in,
    token, credential and webhook paths with every logger at DEBUG: none is written."""
    from telephony.signatures import signature_for, tenant_webhook_token

    carrier_secret = "tw-" + secrets.token_hex(16)
    caplog.set_level(logging.DEBUG)
    client = cast.a.api()
    bad = client.post("/api/v1/auth/token", {"email": cast.a.users["admin"].email, "password": "Wrong-" + PASSWORD},
                      content_type="application/json")
    assert bad.status_code == 401
    token = client.post("/api/v1/auth/token", {"email": cast.a.users["admin"].email, "password": PASSWORD},
                        content_type="application/json").json()["token"]
    api = cast.a.api(token)
    assert api.get("/api/v1/me").status_code == 200
    resp = api.put("/api/v1/tenant/credentials", {"provider": "twilio", "account_sid": "AC" + "1" * 32,
                                                  "secret": carrier_secret}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["secret_set"] and carrier_secret not in resp.content.decode()
    connection.set_schema_to_public()
    url = f"http://{cast.a.host}/telephony/voice/incoming"
    params = {"CallSid": "CA" + "9" * 32, "From": "+15550001111", "To": "+15550002222"}
    signature = signature_for(tenant_webhook_token(cast.a.tenant), url, params)
    cast.a.client().post("/telephony/voice/incoming", params, HTTP_X_TWILIO_SIGNATURE=signature)
    cast.a.client().post("/telephony/voice/incoming", params, HTTP_X_TWILIO_SIGNATURE="forged" + signature)
    logged = "\n".join(r.getMessage() + " " + repr(r.args) + " " + repr(getattr(r, "request", "")) for r in
                       caplog.records)
    assert caplog.records, "the paths above log something (the check is live)"
    for secret in (PASSWORD, token, token[3:], carrier_secret, signature):
        assert secret not in logged
    with tenant_context(cast.a.tenant):
        from tenants.models import ProviderCredential

        stored = ProviderCredential.objects.get(tenant=cast.a.tenant)
        assert carrier_secret.encode() not in bytes(stored.secret_encrypted)  # encrypted at rest
    connection.set_schema_to_public()


@pytest.mark.django_db
def test_a_nul_byte_in_the_address_is_refused_with_a_400(cast):
    api = cast.a.api(cast.a.token("admin"))
    resp = api.get("/api/v1/cases", {"state": "open\x00"})
    assert resp.status_code == 400
    assert "NUL" in resp.json()["error"]["message"]
    assert api.get("/api/v1/cases", {"state": "open"}).status_code == 200
    resp = cast.a.client("admin").get("/cases", {"q\x00": "x"})
    assert resp.status_code == 400 and b"NUL" in resp.content
    # In a JSON body (a rule's name) and a form body: refused, nothing saved.
    rules = api.get("/api/v1/follow-up-rules").json()
    resp = api.post("/api/v1/follow-up-rules", {"name": "call\x00back", "event": "case_closed", "days": 1,
                                                "action": "call"}, content_type="application/json")
    assert resp.status_code == 400 and "NUL" in resp.json()["error"]["message"]
    assert api.get("/api/v1/follow-up-rules").json() == rules
    literal = api.post("/api/v1/follow-up-rules", {"name": "C:\\u0000 is fine", "event": "case_closed", "days": 1,
                                                   "action": "call"}, content_type="application/json")
    assert literal.status_code == 201, literal.content  # a backslash then the text "u0000" is no NUL
    resp = cast.a.client().post("/login", urlencode({"email": "x\x00@example.com", "password": "y"}),
                                content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and b"NUL" in resp.content
