import pytest
from django.db import connection
from django.test import Client, override_settings
from django_tenants.utils import tenant_context

from tenants.models import Tenant
from tenants.services import tenant_set_feature, tenant_transition
from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_login_page_signs_in_and_rate_limits_failures(cast):
    c = cast.a.client()
    assert c.get("/login").status_code == 200
    for _ in range(10):
        assert c.post("/login", {"email": "admin@alpha.test", "password": "wrong-pass1"}).status_code == 400
    locked = c.post("/login", {"email": "admin@alpha.test", "password": PASSWORD})
    assert locked.status_code == 400 and b"Too many failed attempts" in locked.content
    api = cast.a.api().post("/api/v1/auth/token", {"email": "admin@alpha.test", "password": PASSWORD},
                            content_type="application/json")
    assert api.status_code == 429
    # Another tenant's counter is untouched.
    ok = cast.b.client().post("/login", {"email": "admin@bravo.test", "password": PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_suspension_blocks_agents_but_lets_admin_reach_the_account(cast):
    agent = cast.a.client("agent")
    agent_token = cast.a.token("agent")
    tenant_transition(tenant=cast.a.tenant, to_state="suspended", actor_email="ops@hostline", reason="unpaid")
    connection.set_schema_to_public()
    assert agent.get("/").status_code in (302, 403)
    assert cast.a.api(agent_token).get("/api/v1/me").status_code == 401
    refused = cast.a.api().post("/api/v1/auth/token", {"email": "agent@alpha.test", "password": PASSWORD},
                                content_type="application/json")
    assert refused.status_code == 403 and "suspended" in refused.json()["error"]["message"]
    admin_tok = cast.a.api().post("/api/v1/auth/token", {"email": "admin@alpha.test", "password": PASSWORD},
                                  content_type="application/json")
    assert admin_tok.status_code == 201
    tenant = cast.a.api(admin_tok.json()["token"]).get("/api/v1/tenant").json()
    assert tenant["state"] == "suspended"
    audit = cast.a.api(admin_tok.json()["token"]).get("/api/v1/audit?action=tenant.state").json()["results"]
    assert audit[0]["actor_kind"] == "operator" and audit[0]["detail"]["reason"] == "unpaid"


@pytest.mark.django_db
def test_lifecycle_refuses_impossible_transitions_and_closed_tenants_vanish(cast):
    from config.errors import ServiceError

    tenant_transition(tenant=cast.b.tenant, to_state="closed")
    with pytest.raises(ServiceError, match="cannot move"):
        tenant_transition(tenant=Tenant.objects.get(pk=cast.b.tenant.pk), to_state="active")
    connection.set_schema_to_public()
    assert Tenant.objects.get(pk=cast.b.tenant.pk).deletion_due_at is not None
    assert cast.b.client().get("/login").status_code == 404


@pytest.mark.django_db
def test_operator_feature_switch_changes_entitlements_at_once(cast):
    admin = cast.a.api(cast.a.token("admin"))
    assert "qa" not in admin.get("/api/v1/tenant").json()["features"]
    tenant_set_feature(tenant=cast.a.tenant, feature="qa", enabled=True, actor_email="ops@hostline")
    tenant_set_feature(tenant=cast.a.tenant, feature="outbound", enabled=False, actor_email="ops@hostline")
    connection.set_schema_to_public()
    features = admin.get("/api/v1/tenant").json()["features"]
    assert "qa" in features and "outbound" not in features
    assert "qa" not in cast.b.api(cast.b.token("admin")).get("/api/v1/tenant").json()["features"]


@pytest.mark.django_db
def test_provider_secret_is_encrypted_at_rest_and_never_returned(cast):
    admin = cast.a.api(cast.a.token("admin"))
    resp = admin.put("/api/v1/tenant/credentials", {"provider": "twilio", "account_sid": "AC123",
                                                    "secret": "tw-secret-value"}, content_type="application/json")
    assert resp.status_code == 200
    assert resp.json() == {"provider": "twilio", "account_sid": "AC123", "sip_domain": "", "secret_set": True}
    assert b"tw-secret-value" not in admin.get("/api/v1/tenant/credentials").content
    from tenants.crypto import decrypt_secret
    from tenants.models import ProviderCredential

    stored = ProviderCredential.objects.get(tenant=cast.a.tenant)
    assert b"tw-secret-value" not in bytes(stored.secret_encrypted)
    assert decrypt_secret(stored.secret_encrypted) == "tw-secret-value"
    bad = admin.put("/api/v1/tenant/credentials", {"provider": "twilio", "account_sid": "nope"},
                    content_type="application/json")
    assert bad.status_code == 400 and "account SID" in bad.json()["error"]["message"]
    assert decrypt_secret(ProviderCredential.objects.get(tenant=cast.a.tenant).secret_encrypted) == "tw-secret-value"


@pytest.mark.django_db
def test_api_errors_have_one_shape(cast):
    api = cast.a.api(cast.a.token("admin"))
    for resp in (api.post("/api/v1/users/invite", {"email": "nope"}, content_type="application/json"),
                 api.get("/api/v1/users/999999"), Client(HTTP_HOST=cast.a.host).get("/api/v1/users")):
        err = resp.json()["error"]
        assert set(err) == {"code", "message", "fields"} and err["message"]


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(cast):
    schema = Client(HTTP_HOST=cast.a.host).get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/users/invite" in schema.content
    public = Client(HTTP_HOST="localhost").get("/api/v1/schema/")
    assert b"/api/v1/signup" in public.content
    assert Client(HTTP_HOST=cast.a.host).get("/api/v1/docs/").status_code == 200


@pytest.mark.django_db
def test_healthz_reports_both_services_and_503_when_redis_is_gone(cast, tmp_path):
    ok = Client(HTTP_HOST="localhost").get("/healthz")
    assert ok.status_code == 200 and ok.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    with override_settings(REDIS_URL=f"unix://{tmp_path}/missing.sock"):
        down = Client(HTTP_HOST="localhost").get("/healthz")
    assert down.status_code == 503 and down.json()["redis"].startswith("down")


@pytest.mark.django_db
def test_audit_events_are_append_only(cast):
    from accounts.models import AuditEvent

    with tenant_context(cast.a.tenant):
        event = AuditEvent.objects.first()
        event.summary = "tampered"
        with pytest.raises(ValueError, match="append-only"):
            event.save()
        with pytest.raises(ValueError, match="append-only"):
            event.delete()
    connection.set_schema_to_public()
