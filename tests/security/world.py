"""Tenant A with something of every kind (calls, recordings, IVR, CRM, cases, KB, campaigns,
QA, WFM, invitations, an invoice), and what of it must never reach anyone else: the
strings only A's data holds, and a fingerprint of every row A owns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import connection

SID = re.compile(r"^(CA|RE|CF|CO)[0-9A-Za-z]{10,40}$")
E164 = re.compile(r"^\+\d{9,15}$")


@dataclass
class World:
    ids: dict[str, int]
    call_sid: str
    recording_sid: str
    invite_token: str
    invoice_number: str
    secrets: list[str] = field(default_factory=list)


def build_a(center) -> World:
    from datetime import date

    from accounts.services import user_invite
    from billing.invoicing import invoice_for
    from telephony.models import Call, Campaign, Recording
    from tenants.management.commands.demo_crm import seed_demo_crm
    from tests.qa.test_isolation import _a_world as qa_world
    from tests.telephony.test_isolation import _a_world as telephony_world
    from tests.telephony.test_outbound import _campaign
    from tests.wfm.test_isolation import _a_objects as wfm_world

    sid, tel_ids = telephony_world(center)
    qa_ids = qa_world(center)
    wfm_world(center)
    campaign = _campaign(center, numbers=("+12125550123",))
    with center.in_tenant():
        Campaign.objects.filter(pk=campaign.pk).update(name="A's secret campaign")
        admin = center.users["admin"]
        seed_demo_crm(admin)
        _, token = user_invite(email=f"invitee@{center.host}", roles=["agent"], full_name="Ines Invitee of A",
                               invited_by=admin)
        call = Call.objects.get(sid=sid)
        recording_sid = Recording.objects.filter(call=call).values_list("sid", flat=True).first()
        from crm.models import Article, Case, Contact

        ids = {**{k.lower(): v for k, v in qa_ids.items()}, **tel_ids, "campaign": campaign.pk,
               "contact": Contact.objects.order_by("pk").first().pk, "case": Case.objects.order_by("pk").first().pk,
               "article": Article.objects.order_by("pk").first().pk, "agent1": center.users["agent1"].pk}
    connection.set_schema_to_public()
    invoice = invoice_for(tenant=center.tenant, period=date.today().replace(day=1))
    ids["invoice"] = invoice.pk
    return World(ids=ids, call_sid=sid, recording_sid=recording_sid, invite_token=token,
                 invoice_number=invoice.number)


def text_values(schema: str) -> set[str]:
    """Every distinct short-to-medium text value stored in the schema's tables."""
    with connection.cursor() as cur:
        cur.execute("""SELECT table_name, column_name FROM information_schema.columns
                       WHERE table_schema = %s AND data_type IN ('text', 'character varying')""", [schema])
        columns = cur.fetchall()
        values: set[str] = set()
        for table, column in columns:
            cur.execute(f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" '  # noqa: S608 - catalog names
                        f'WHERE length("{column}") BETWEEN 8 AND 400 LIMIT 2000')
            values.update(v for (v,) in cur.fetchall())
    return values


def secrets_of(a_schema: str, b_schema: str, world: World) -> list[str]:
    """What only A holds: phrases, e-mail addresses, numbers and carrier SIDs in A's rows that
    appear nowhere in B's. A response to B containing one of them is a leak."""
    mine = text_values(a_schema) - text_values(b_schema)
    picked = {v for v in mine if " " in v.strip() or "@" in v or SID.match(v) or E164.match(v)}
    picked |= {world.call_sid, world.invoice_number}
    return sorted(picked, key=len, reverse=True)


def fingerprint(schema: str, tenant_pk: int) -> dict[str, str]:
    """An md5 of every table of the schema, and of A's rows in the shared (public) tables."""
    out = {}
    with connection.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                    "AND table_type = 'BASE TABLE'", [schema])
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT md5(coalesce(string_agg(md5(t::text), \'\' ORDER BY md5(t::text)), \'\')) '  # noqa: S608
                        f'FROM "{schema}"."{table}" t')
            out[f"{schema}.{table}"] = cur.fetchone()[0]
        cur.execute("""SELECT table_name FROM information_schema.columns WHERE table_schema = 'public'
                       AND column_name = 'tenant_id'""")
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT md5(coalesce(string_agg(md5(t::text), \'\' ORDER BY md5(t::text)), \'\')) '  # noqa: S608
                        f'FROM public."{table}" t WHERE tenant_id = %s', [tenant_pk])
            out[f"public.{table}"] = cur.fetchone()[0]
        cur.execute("SELECT md5(t::text) FROM public.tenants_tenant t WHERE id = %s", [tenant_pk])
        out["public.tenants_tenant"] = cur.fetchone()[0]
    return out
