"""Pick the tenant's carrier: its own Twilio subaccount (TEN-6), else the sandbox."""

from __future__ import annotations

from django.db import connection

from telephony.providers.base import Participant, Provider, ProviderError

__all__ = ["Participant", "Provider", "ProviderError", "provider_for_current_tenant"]


def provider_for_current_tenant() -> Provider:
    from tenants.crypto import decrypt_secret
    from tenants.models import ProviderCredential

    tenant = connection.tenant
    cred = ProviderCredential.objects.filter(tenant_id=tenant.pk).first()
    if cred is not None and cred.provider in (ProviderCredential.Provider.TWILIO, ProviderCredential.Provider.SIP) \
            and cred.account_sid and cred.secret_encrypted:
        from telephony.providers.twilio import TwilioProvider

        return TwilioProvider(account_sid=cred.account_sid, auth_token=decrypt_secret(cred.secret_encrypted),
                              sip_domain=cred.sip_domain)
    from telephony.providers.sandbox import SandboxProvider

    return SandboxProvider(tenant_schema=tenant.schema_name)
