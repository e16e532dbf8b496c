"""Webhook signatures (TEL-2, SEC-3): every carrier webhook is checked against the token of
the tenant it claims to be for. The sandbox carrier signs exactly as Twilio does."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from twilio.request_validator import RequestValidator

from tenants.crypto import decrypt_secret
from tenants.models import ProviderCredential, Tenant


def sandbox_auth_token(tenant: Tenant) -> str:
    """The sandbox carrier's per-tenant auth token: derived, so nothing to store or leak in a dump."""
    key = (settings.HOSTLINE_ENCRYPTION_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, f"sandbox-auth-token:{tenant.schema_name}".encode(), hashlib.sha256).hexdigest()[:32]


def tenant_webhook_token(tenant: Tenant) -> str:
    """The token webhooks for this tenant must be signed with: its Twilio auth token, else the sandbox's."""
    cred = ProviderCredential.objects.filter(tenant=tenant).first()
    if cred is not None and cred.provider == ProviderCredential.Provider.TWILIO and cred.secret_encrypted:
        return decrypt_secret(cred.secret_encrypted)
    return sandbox_auth_token(tenant)


def signature_for(token: str, url: str, params: dict[str, str]) -> str:
    """What the carrier puts in X-Twilio-Signature (the sandbox signs its webhooks with this)."""
    return RequestValidator(token).compute_signature(url, params)


def signature_valid(token: str, url: str, params: dict[str, str], signature: str | None) -> bool:
    return bool(signature) and RequestValidator(token).validate(url, params, signature)
