import pytest
from django.db import connection

from telephony.signatures import sandbox_auth_token, signature_for, signature_valid, tenant_webhook_token

# SPEC appendix: twilio-python's own test vector.
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234",
                 "From": "+14158675309", "To": "+18005551212"}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_public_vector_is_reproduced_and_accepted():
    assert signature_for("12345", VECTOR_URL, VECTOR_PARAMS) == VECTOR_SIGNATURE
    assert signature_valid("12345", VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)


@pytest.mark.parametrize("tamper", [
    {"Digits": "1235"}, {"To": "+18005551213"}, {"Extra": "1"},
])
def test_any_changed_parameter_breaks_the_signature(tamper):
    assert not signature_valid("12345", VECTOR_URL, {**VECTOR_PARAMS, **tamper}, VECTOR_SIGNATURE)


def test_missing_signature_wrong_token_or_url_is_rejected():
    assert not signature_valid("12345", VECTOR_URL, VECTOR_PARAMS, None)
    assert not signature_valid("12345", VECTOR_URL, VECTOR_PARAMS, "")
    assert not signature_valid("54321", VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)
    assert not signature_valid("12345", VECTOR_URL.replace("foo=1", "foo=2"), VECTOR_PARAMS, VECTOR_SIGNATURE)


@pytest.mark.django_db
def test_each_tenant_has_its_own_token_and_b_signature_fails_for_a(cast):
    url = "http://alpha.localhost:8000/telephony/voice/incoming"
    token_a, token_b = tenant_webhook_token(cast.a.tenant), tenant_webhook_token(cast.b.tenant)
    assert token_a == sandbox_auth_token(cast.a.tenant) and token_a != token_b
    forged = signature_for(token_b, url, VECTOR_PARAMS)
    assert not signature_valid(token_a, url, VECTOR_PARAMS, forged)
    assert signature_valid(token_a, url, VECTOR_PARAMS, signature_for(token_a, url, VECTOR_PARAMS))


@pytest.mark.django_db
def test_a_tenant_on_twilio_is_verified_with_its_own_auth_token(cast):
    from tenants.services import tenant_set_credentials

    tenant_set_credentials(tenant=cast.a.tenant, provider="twilio", account_sid="AC42", secret="12345",
                           actor=cast.a.users["admin"])
    connection.set_schema_to_public()
    assert tenant_webhook_token(cast.a.tenant) == "12345"
    assert signature_valid(tenant_webhook_token(cast.a.tenant), VECTOR_URL, VECTOR_PARAMS, VECTOR_SIGNATURE)
    assert tenant_webhook_token(cast.b.tenant) == sandbox_auth_token(cast.b.tenant)
    from django_tenants.utils import tenant_context

    from accounts.models import AuditEvent

    with tenant_context(cast.a.tenant):
        assert AuditEvent.objects.filter(action="tenant.credentials").count() == 1
    connection.set_schema_to_public()
    assert not AuditEvent.objects.filter(action="tenant.credentials").exists()  # not in the public log
