"""Websocket tenancy: resolve the tenant from the Host header and the user from the
session *inside that tenant's schema*, before any consumer runs."""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django_tenants.utils import remove_www, tenant_context

from tenants.models import INTERNAL_STATES, Domain, TenantState


def _host(scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"host":
            return remove_www(value.decode("latin1").split(":")[0].lower())
    return ""


def _cookie(scope, name: str) -> str | None:
    from http.cookies import SimpleCookie

    for header, value in scope.get("headers", []):
        if header == b"cookie":
            jar = SimpleCookie()
            jar.load(value.decode("latin1"))
            if name in jar:
                return jar[name].value
    return None


@database_sync_to_async
def resolve(scope):
    from django.conf import settings
    from django.contrib.auth import get_user
    from django.contrib.sessions.backends.db import SessionStore

    connection.set_schema_to_public()
    domain = Domain.objects.select_related("tenant").filter(domain=_host(scope)).first()
    if domain is None or domain.tenant.state in (TenantState.CLOSED, *INTERNAL_STATES):
        return None, AnonymousUser()
    tenant = domain.tenant
    with tenant_context(tenant):
        session = SessionStore(session_key=_cookie(scope, settings.SESSION_COOKIE_NAME))

        class _Req:  # get_user needs only .session
            pass

        req = _Req()
        req.session = session
        user = get_user(req)
        if user.is_authenticated:
            _ = user.role_codes  # load while the schema is set
    return tenant, user


class TenantWebsocketMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        tenant, user = await resolve(scope)
        if tenant is None:
            # Unknown host: refuse the handshake outright.
            await send({"type": "websocket.close", "code": 4404})
            return
        scope = dict(scope, tenant=tenant, schema_name=tenant.schema_name, user=user)
        return await self.app(scope, receive, send)
