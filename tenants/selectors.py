from __future__ import annotations

from django.conf import settings

from tenants.features import FEATURES
from tenants.models import INTERNAL_STATES, Tenant, TenantState


def tenant_features(tenant: Tenant) -> set[str]:
    """Effective entitlements: the edition's features, then the operator's overrides."""
    enabled = set(tenant.edition.features if tenant.edition else [])
    for feature, on in tenant.feature_overrides.values_list("feature", "enabled"):
        (enabled.add if on else enabled.discard)(feature)
    return enabled & set(FEATURES)


def tenant_has_feature(tenant: Tenant, feature: str) -> bool:
    return feature in tenant_features(tenant)


def current_tenant_has(feature: str) -> bool:
    """Entitlement check for the tenant of the current request, task or simulation."""
    from django.db import connection

    return tenant_has_feature(connection.tenant, feature)


def tenant_url(tenant: Tenant) -> str:
    domain = tenant.get_primary_domain()
    host = domain.domain if domain else f"{tenant.slug}.{settings.BASE_DOMAIN}"
    port = "" if settings.SITE_PORT in ("", "80", "443") else f":{settings.SITE_PORT}"
    return f"{settings.SITE_SCHEME}://{host}{port}/"


def tenant_list_live():
    """Tenants that can be served (everything but the template and closed ones)."""
    return Tenant.objects.exclude(state__in=[*INTERNAL_STATES, TenantState.CLOSED]).select_related("edition")
