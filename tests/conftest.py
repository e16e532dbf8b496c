"""The fixed cast: tenant A ("alpha": admin, supervisor, agent) and tenant B ("bravo":
admin, agent), created once per session through the real signup service and committed.
Each test then runs inside a transaction that is rolled back."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_tenants.utils import tenant_context

PASSWORD = "Passw0rd-test"


@dataclass
class TenantCast:
    slug: str
    host: str
    tenant: object
    users: dict[str, object] = field(default_factory=dict)  # role name -> User
    session_keys: dict[str, str] = field(default_factory=dict)

    def client(self, as_user: str | None = None) -> Client:
        c = Client(HTTP_HOST=self.host)
        if as_user:
            with tenant_context(self.tenant):
                c.force_login(self.users[as_user], backend="accounts.backends.EmailBackend")
            connection.set_schema_to_public()
        return c

    def api(self, token: str | None = None) -> Client:
        headers = {"HTTP_HOST": self.host}
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return Client(**headers)

    def token(self, as_user: str) -> str:
        from accounts.services import api_token_create

        with tenant_context(self.tenant):
            raw = api_token_create(user=self.users[as_user])
        connection.set_schema_to_public()
        return raw


@dataclass
class Cast:
    a: TenantCast
    b: TenantCast


def _build_tenant(slug: str, extra: dict[str, list[str]]) -> TenantCast:
    from accounts.services import user_create_active
    from tenants.services import tenant_signup

    tenant = tenant_signup(company=f"{slug.title()} Corp", slug=slug, admin_email=f"admin@{slug}.test",
                           password=PASSWORD, edition="standard")
    cast = TenantCast(slug=slug, host=f"{slug}.localhost", tenant=tenant)
    with tenant_context(tenant):
        from accounts.models import User

        cast.users["admin"] = User.objects.get(email=f"admin@{slug}.test")
        for name, roles in extra.items():
            cast.users[name] = user_create_active(email=f"{name}@{slug}.test", password=PASSWORD,
                                                  full_name=f"{name.title()} of {slug}", roles=roles)
        for name, user in cast.users.items():
            s = SessionStore()
            s["_auth_user_id"] = str(user.pk)
            s["_auth_user_backend"] = "accounts.backends.EmailBackend"
            s["_auth_user_hash"] = user.get_session_auth_hash()
            s.create()
            cast.session_keys[name] = s.session_key
    connection.set_schema_to_public()
    return cast


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from tenants.services import tenant_ensure_template

    with django_db_blocker.unblock():
        tenant_ensure_template()
        a = _build_tenant("alpha", {"supervisor": ["supervisor"], "agent": ["agent"]})
        b = _build_tenant("bravo", {"agent": ["agent"]})
    pytest.hostline_cast = Cast(a=a, b=b)


@pytest.fixture
def cast(django_db_setup, db) -> Cast:
    return pytest.hostline_cast


@pytest.fixture(autouse=True)
def _clean_state():
    cache.clear()
    yield
    connection.set_schema_to_public()
