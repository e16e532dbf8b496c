"""Billing benchmark (issue 10): 100 tenants × 10,000 calls (1,000,000 calls) metered from the
tenants' call legs into the ledger, rated set-based by longest prefix, and invoiced for the
month — the code the beat and the console run. Reported at 100,000 calls (10 tenants) and at
1,000,000 (100 tenants) to show it grows linearly. Target: the whole 1M run ≤ 60 s.

Tenants and their calls are written once (SQL generate_series) and reused; each measured run
starts from an empty ledger and no invoices for the bench tenants.

    python bench/billing.py      # env: BILLING_TENANTS (100), BILLING_CALLS (10000 per tenant)
Prints JSON and writes bench/results/billing.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

TENANTS = int(os.environ.get("BILLING_TENANTS", 100))
CALLS = int(os.environ.get("BILLING_CALLS", 10_000))
PERIOD = date(2026, 1, 1)
TARGET_S = 60.0
# destinations the calls go to: most priced by the default deck, a few with no rate (France)
DESTINATIONS = ["+1212555", "+1646555", "+4420712", "+4477009", "+4930123", "+8610123", "+3314268"]


def bench_tenants(n: int) -> list:
    from billing.models import Edition, EntitlementDay
    from tenants.models import Tenant
    from tenants.services import tenant_ensure_template, tenant_signup

    tenant_ensure_template()
    out = []
    for i in range(n):
        slug = f"bench-bill-{i:03d}"
        t = Tenant.objects.filter(slug=slug).first()
        if t is None:
            t = tenant_signup(company=f"Billing bench {i}", slug=slug, admin_email=f"admin@{slug}.test",
                              password="Bench-pass-123", edition="standard")
            Tenant.objects.filter(pk=t.pk).update(state="active")
            # A backend that has cloned many schemas carries their catalog cache and clones ever
            # slower; a fresh connection per signup keeps the 100th as fast as the first.
            connection.close()
        EntitlementDay.objects.update_or_create(tenant=t, day=PERIOD, defaults={
            "edition": Edition.objects.get(code="standard"), "seats": 10 + i % 20, "supervisor_seats": 2,
            "addons": ["survey", "supervisor_monitoring"] if i % 2 else ["ivr_menu"], "billable": True})
        out.append(t)
    return out


def fill(t) -> None:
    """CALLS finished calls in January with their caller legs, in the tenant's own schema."""
    schema = connection.ops.quote_name(t.schema_name)
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {schema}.telephony_callleg")
        if cur.fetchone()[0] == CALLS:
            return
        # another size asked for: start again
        cur.execute(f"DELETE FROM {schema}.telephony_callleg WHERE sid LIKE 'CAbill%%'")
        cur.execute(f"DELETE FROM {schema}.telephony_call WHERE sid LIKE 'CAbill%%'")
        cur.execute(f"""
            INSERT INTO {schema}.telephony_call (sid, direction, ani, dnis, status, outcome, abandon_point,
              ivr_node, ivr_path, ivr_retries, ivr_step, collected, language, caller_tier, priority, skills_relaxed,
              overflowed, arrived_at, answered_at, ended_at, hold_s, disposition, notes, transfer_count,
              recording_paused, conference_sid, sim_run)
            SELECT 'CAbill' || g, CASE WHEN g %% 3 = 0 THEN 'inbound' ELSE 'outbound' END,
              (%(dest)s::text[])[1 + g %% 7] || lpad((g %% 10000)::text, 4, '0'), '+18005550100', 'ended',
              'answered', '',
              '', '[]', 0, 0, '{{}}', '', '', 0, false, false,
              %(start)s::timestamptz + (g * interval '2 minutes'), %(start)s::timestamptz + (g * interval '2 minutes'),
              %(start)s::timestamptz + (g * interval '2 minutes') + ((5 + g %% 600) * interval '1 second'),
              0, '', '', 0, false, '', ''
            FROM generate_series(1, %(n)s) g""", {"dest": DESTINATIONS, "start": "2026-01-01T00:00:00Z", "n": CALLS})
        cur.execute(f"""
            INSERT INTO {schema}.telephony_callleg (call_id, sid, role, target, status, monitor_mode, on_hold, muted,
              note, started_at, answered_at, ended_at)
            SELECT c.id, c.sid, 'caller', c.ani, 'completed', '', false, false, '', c.arrived_at, c.answered_at,
                   c.ended_at
              FROM {schema}.telephony_call c WHERE c.sid LIKE 'CAbill%%'""")
        # bulk-loaded just now: give the planner the statistics autovacuum would (a live system has them)
        cur.execute(f"ANALYZE {schema}.telephony_call")
        cur.execute(f"ANALYZE {schema}.telephony_callleg")


def reset(tenants) -> None:
    from billing.models import Invoice, UsageRecord, UsageWatermark

    ids = [t.pk for t in tenants]
    UsageRecord.objects.filter(tenant_id__in=ids).delete()
    Invoice.objects.filter(tenant_id__in=ids).delete()
    UsageWatermark.objects.filter(tenant_id__in=ids).delete()


def run(tenants) -> dict:
    from billing.invoicing import invoice_run, period_end
    from billing.models import Invoice, UsageRecord
    from billing.rating import usage_rate
    from billing.usage import usage_meter_all

    reset(tenants)
    connection.close()
    ids = [t.pk for t in tenants]
    t0 = time.perf_counter()
    until = period_end(PERIOD)
    metered = usage_meter_all(tenant_ids=ids, until=until)  # what the 15-minute beat does: meter and price
    added = metered["added"]
    t1 = time.perf_counter()
    rated = usage_rate(tenant_ids=ids)  # anything left unpriced (the France calls: no rate)
    t2 = time.perf_counter()
    result = invoice_run(period=PERIOD, now=until, tenant_ids=[t.pk for t in tenants])
    t3 = time.perf_counter()
    invoiced_usage = UsageRecord.objects.filter(tenant__in=tenants, invoice__isnull=False).count()
    total = Invoice.objects.filter(tenant__in=tenants, period=PERIOD).values_list("total", flat=True)
    return {"tenants": len(tenants), "calls": added, "priced": added - rated["errors"],
            "unpriced": rated["errors"],
            "invoices": result["invoiced"], "invoiced_usage_records": invoiced_usage,
            "billed_total": str(sum(total)), "meter_and_rate_s": round(t1 - t0, 2),
            "rerate_unpriced_s": round(t2 - t1, 2),
            "invoice_s": round(t3 - t2, 2), "total_s": round(t3 - t0, 2),
            "calls_rated_per_s": round(added / max(t1 - t0, 1e-9)),
            "calls_per_s_end_to_end": round(added / max(t3 - t0, 1e-9))}


if __name__ == "__main__":
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    tenants = bench_tenants(TENANTS)
    for t in tenants:
        fill(t)
    small = run(tenants[: max(1, TENANTS // 10)])
    full = run(tenants)
    per_call_small = small["total_s"] / max(1, small["calls"])
    per_call_full = full["total_s"] / max(1, full["calls"])
    summary = {"bench": "billing", "runs": [small, full],
               "linearity": round(per_call_full / per_call_small, 2) if per_call_small else None,
               "anchor": f"whole run for {full['calls']:,} calls ≤ {TARGET_S:.0f} s",
               "ratio_to_anchor": round(full["total_s"] / TARGET_S, 3), "meets_target": full["total_s"] <= TARGET_S}
    print(json.dumps(summary, indent=1))
    (out / "billing.json").write_text(json.dumps(summary, indent=1))
