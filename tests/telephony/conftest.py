"""A call center of its own for every telephony flow test, committed for real (routing and
carrier requests run after commit), wired to an in-process sandbox carrier on a virtual
clock shared with the app: the test decides when time passes."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from tests.conftest import PASSWORD

_seq = itertools.count(1)


@dataclass
class Center:
    tenant: object
    host: str
    users: dict
    carrier: object
    scheduler: object
    number: str
    tokens: dict = field(default_factory=dict)

    def api(self, who: str):
        from django.test import Client

        if who not in self.tokens:
            from accounts.services import api_token_create

            with tenant_context(self.tenant):
                self.tokens[who] = api_token_create(user=self.users[who])
        return Client(HTTP_HOST=f"{self.host}:8000", HTTP_AUTHORIZATION=f"Bearer {self.tokens[who]}")

    def post(self, who: str, path: str, body: dict | None = None):
        resp = self.api(who).post(path, body or {}, content_type="application/json")
        self.run()
        return resp

    def dial(self, from_: str = "+15551230001", script=None, to: str | None = None) -> str:
        sid = self.carrier.place_call(from_=from_, to=to or self.number, script=script)
        self.run()
        return sid

    def run(self) -> None:
        """Deliver everything due now (webhooks, carrier reactions) without moving time on."""
        self.scheduler.run_until(self.scheduler.t)

    def advance(self, seconds: float) -> None:
        """Let time pass: carrier events fire and the ACD sweep runs, as beat would."""
        from telephony.sweep import sweep

        end = self.scheduler.t + seconds
        while self.scheduler.t < end:
            self.scheduler.run_until(min(end, self.scheduler.t + 1.0))
            with tenant_context(self.tenant):
                sweep()

    def talking(self, who: str = "agent1", talk_s: float = 2) -> tuple[str, int]:
        """A caller dials, `who` goes available and answers; `talk_s` later they are talking.
        Returns (carrier call SID, call id)."""
        sid = self.dial()
        self.ready(who)
        pk = self.call(sid).pk
        assert self.post(who, f"/api/v1/calls/{pk}/accept").status_code == 200
        self.advance(talk_s)
        return sid, pk

    def ready(self, who: str) -> None:
        resp = self.api(who).put("/api/v1/agents/me/state", {"state": "available"}, content_type="application/json")
        assert resp.status_code == 200, resp.content
        self.run()

    def call(self, sid: str):
        from telephony.models import Call

        with tenant_context(self.tenant):
            return Call.objects.select_related("queue", "agent").get(sid=sid)

    def events(self, sid: str) -> list[str]:
        from telephony.models import CallEvent

        with tenant_context(self.tenant):
            return list(CallEvent.objects.filter(call__sid=sid).values_list("kind", flat=True))

    def state(self, who: str) -> str:
        from telephony.models import AgentProfile

        with tenant_context(self.tenant):
            p = AgentProfile.objects.filter(user=self.users[who]).first()
            return p.state if p else "offline"

    def in_tenant(self):
        return tenant_context(self.tenant)


def build_center(django_db_blocker, *, edition: str = "professional", features: dict | None = None,
                 start=None) -> Center:
    """A committed tenant with a supervisor and three agents, its sandbox carrier on a virtual
    clock starting at `start` (default now)."""
    from datetime import UTC, datetime

    from accounts.models import Role, Skill, UserSkill
    from accounts.services import user_create_active
    from telephony.models import IvrFlow
    from telephony.sandbox.carrier import SandboxCarrier
    from telephony.sandbox.scheduler import VirtualScheduler
    from telephony.sandbox.transport import ClientTransport
    from telephony.services.config import number_add
    from tenants.models import Tenant
    from tenants.services import tenant_set_feature, tenant_signup

    n = next(_seq)
    slug = f"tc{n}{secrets.token_hex(2)}"
    number = f"+1555{secrets.randbelow(900) + 100}{n:04d}"
    with django_db_blocker.unblock():
        tenant = tenant_signup(company=f"{slug} Ltd", slug=slug, admin_email=f"admin@{slug}.test", password=PASSWORD,
                               edition=edition)
        Tenant.objects.filter(pk=tenant.pk).update(state="active", seat_cap=50)
        tenant.refresh_from_db()
        for feature, on in (features or {}).items():
            tenant_set_feature(tenant=tenant, feature=feature, enabled=on)
        users = {}
        with tenant_context(tenant):
            from accounts.models import User

            users["admin"] = User.objects.get(email=f"admin@{slug}.test")
            users["supervisor"] = user_create_active(email=f"sup@{slug}.test", password=PASSWORD,
                                                     roles=[Role.SUPERVISOR])
            billing = Skill.objects.create(name="billing")
            for i in (1, 2, 3):
                users[f"agent{i}"] = user_create_active(email=f"agent{i}@{slug}.test", password=PASSWORD,
                                                        roles=[Role.AGENT])
                UserSkill.objects.create(user=users[f"agent{i}"], skill=billing, proficiency=i)
        connection.set_schema_to_public()
    scheduler = VirtualScheduler(start=start or datetime.now(UTC).replace(microsecond=0))
    carrier = SandboxCarrier(transport=ClientTransport(keep_history=True), scheduler=scheduler)
    center = Center(tenant=tenant, host=f"{slug}.localhost", users=users, carrier=carrier, scheduler=scheduler,
                    number=number)
    from telephony.sandbox import carrier_installed

    with django_db_blocker.unblock(), tenant_context(tenant), carrier_installed(carrier):
        number_add(e164=number, entry_flow=IvrFlow.objects.get(name="Main"))
    connection.set_schema_to_public()
    return center


@pytest.fixture
def center(django_db_setup, django_db_blocker):
    """A fresh tenant, its carrier installed, the app on the carrier's clock."""
    from telephony import clock
    from telephony.sandbox import carrier_installed

    c = build_center(django_db_blocker, features={"supervisor_monitoring": True})
    with django_db_blocker.unblock(), carrier_installed(c.carrier), clock.virtual(c.scheduler.now):
        yield c
        connection.set_schema_to_public()
    drop_center(c, django_db_blocker)


def drop_center(c: Center, django_db_blocker) -> None:
    """Drop the test's tenant: every schema left behind makes Postgres' catalog (and so
    each later schema clone) slower for the rest of the session."""
    from billing.models import Credit, Invoice, Payment, UsageRecord
    from tenants.models import Tenant

    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        for tenant in Tenant.objects.filter(pk=c.tenant.pk):
            # Billing records protect a tenant from deletion (money must not vanish); a test's go with it.
            UsageRecord.objects.filter(tenant=tenant).delete()
            Credit.objects.filter(tenant=tenant).delete()
            Payment.objects.filter(invoice__tenant=tenant).delete()
            Invoice.objects.filter(tenant=tenant).delete()
            tenant.delete(force_drop=True)
        # A backend that has created and dropped many schemas carries their catalog cache
        # and gets slower at every DDL (DROP SCHEMA took minutes by the 200th tenant); a
        # fresh connection per tenant keeps each test as fast as the first.
        connection.close()
