"""CRM benchmark (issue 5): the screen-pop lookup at 1,000,000 contacts in one tenant, and
the CSV import rate.

Phase 1 fills one tenant with CRM_CONTACTS contacts (one or two numbers each) straight in
SQL (generate_series), once; later runs reuse them. It then looks up CRM_LOOKUPS random
numbers — half known, half unknown — through `crm.selectors.contact_for_phone`, the path
the desk and the call's way in use, timing each call end to end (ORM + round trip), and
reads Postgres' own execution time for a sample with EXPLAIN ANALYZE. Target: p99 ≤ 5 ms
in the database.

Phase 2 imports a CRM_IMPORT_ROWS-row CSV file through `crm.services.contacts_import`
(every row checked, then one transaction) into a fresh tenant and reports rows/s; phase 3
runs a CRM_JOB_ROWS-row file (default 100,000) through the background import job, the code
the Celery worker runs for large files, progress updates included.

    python bench/crm.py      # env: CRM_CONTACTS, CRM_LOOKUPS, CRM_IMPORT_ROWS, CRM_JOB_ROWS
Prints JSON and writes bench/results/crm.json.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from telephony.sandbox.simulation import percentile  # noqa: E402

CONTACTS = int(os.environ.get("CRM_CONTACTS", 1_000_000))
LOOKUPS = int(os.environ.get("CRM_LOOKUPS", 2000))
IMPORT_ROWS = int(os.environ.get("CRM_IMPORT_ROWS", 100_000))
JOB_ROWS = int(os.environ.get("CRM_JOB_ROWS", 100_000))
TARGET_DB_P99_MS = 5.0


def tenant(slug: str):
    from tenants.models import Tenant
    from tenants.services import tenant_ensure_template, tenant_signup

    tenant_ensure_template()
    t = Tenant.objects.filter(slug=slug).first()
    if t is None:
        t = tenant_signup(company=f"CRM bench {slug}", slug=slug, admin_email=f"admin@{slug}.test",
                          password="Bench-pass-123", edition="professional")
    return t


def fill(n: int) -> float:
    """n contacts numbered 1..n with +1 212 <7 digits> numbers; every 10th has a second one."""
    from crm.models import Contact

    have = Contact.objects.count()
    if have >= n:
        return 0.0
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO crm_contact (first_name, last_name, email, tier, lifecycle, address, do_not_contact,
                                     consent_recording, consent_marketing, tags, custom, source, created_at,
                                     updated_at)
            SELECT 'First' || g, 'Last' || g, 'c' || g || '@example.com',
                   CASE WHEN g %% 50 = 0 THEN 'vip' WHEN g %% 7 = 0 THEN 'major' ELSE 'ordinary' END,
                   'active', '', false, true, false, ARRAY['bench'], '{}'::jsonb, 'bench', now(), now()
            FROM generate_series(%s, %s) g""", [have + 1, n])
        cur.execute("""
            INSERT INTO crm_contactphone (contact_id, e164, label)
            SELECT id, '+1212' || lpad((id %% 10000000)::text, 7, '0'), 'mobile' FROM crm_contact WHERE id > %s
            UNION ALL
            SELECT id, '+1646' || lpad((id %% 10000000)::text, 7, '0'), 'work' FROM crm_contact
            WHERE id > %s AND id %% 10 = 0""", [have, have])
        cur.execute("ANALYZE crm_contact; ANALYZE crm_contactphone")
    return time.perf_counter() - t0


def lookups(n: int) -> dict:
    from crm.selectors import contact_for_phone

    rng = random.Random(11)
    wall, db = [], []
    found = 0
    known = [f"+1212{rng.randint(1, CONTACTS) % 10_000_000:07d}" for _ in range(n // 2)]
    unknown = [f"+1305{rng.randint(0, 9_999_999):07d}" for _ in range(n - n // 2)]
    numbers = [x for pair in zip(known, unknown, strict=False) for x in pair]
    for number in numbers[:50]:  # warm the cache as a running system would be
        contact_for_phone(number)
    for number in numbers:
        t0 = time.perf_counter()
        hit = contact_for_phone(number)
        wall.append((time.perf_counter() - t0) * 1000)
        found += hit is not None
    with connection.cursor() as cur:
        for number in numbers[: min(500, n)]:
            cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) SELECT U0.contact_id FROM crm_contactphone U0 "
                        "INNER JOIN crm_contact U1 ON U0.contact_id = U1.id WHERE U0.e164 = %s "
                        "ORDER BY U1.updated_at DESC LIMIT 1", [number])
            plan = cur.fetchone()[0]
            plan = plan[0] if isinstance(plan, list) else json.loads(plan)[0]
            db.append(plan["Execution Time"] + plan["Planning Time"])
    return {"lookups": n, "found": found, "wall_ms": {"p50": percentile(wall, 50), "p99": percentile(wall, 99)},
            "db_ms": {"p50": percentile(db, 50), "p99": percentile(db, 99)}}


def _csv(rows: int) -> str:
    lines = ["first_name,last_name,email,phones,account_number,account_name,tier,tags"]
    for i in range(rows):
        lines.append(f"Imp{i},Row{i},imp{i}@example.com,+1718{i:07d},ACC-{i % 500},Account {i % 500},"
                     f"{'vip' if i % 97 == 0 else 'ordinary'},import;bench")
    return "\n".join(lines) + "\n"


def job_rate(rows: int) -> dict:
    """A large file through the background job (what the Celery worker runs), progress included."""
    from crm.models import Contact, ImportJob
    from crm.services.imports import contacts_import_run

    Contact.objects.all().delete()
    job = ImportJob.objects.create(filename="bench-job.csv", payload=_csv(rows), rows=rows)
    t0 = time.perf_counter()
    status = contacts_import_run(job.pk)
    seconds = time.perf_counter() - t0
    job.refresh_from_db()
    return {"rows": rows, "status": status, "created": job.created, "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds, 1)}


def import_rate(rows: int) -> dict:
    from crm.models import Contact
    from crm.services import contacts_import

    text = _csv(rows)
    Contact.objects.all().delete()
    t0 = time.perf_counter()
    report = contacts_import(text=text, filename="bench.csv")
    seconds = time.perf_counter() - t0
    return {"rows": rows, "created": report.created, "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds, 1)}


def main() -> dict:
    big = tenant("bench-crm")
    with tenant_context(big):
        fill_s = fill(CONTACTS)
        from crm.models import Contact, ContactPhone

        counts = {"contacts": Contact.objects.count(), "phones": ContactPhone.objects.count()}
        result_lookup = lookups(LOOKUPS)
    imp = tenant("bench-crm-import")
    with tenant_context(imp):
        result_import = import_rate(IMPORT_ROWS)
        result_job = job_rate(JOB_ROWS)
    connection.set_schema_to_public()
    p99 = result_lookup["db_ms"]["p99"]
    return {"bench": "crm", **counts, "fill_s": round(fill_s, 1), "screen_pop": result_lookup,
            "target_db_p99_ms": TARGET_DB_P99_MS, "ratio_db_p99_to_target": round(p99 / TARGET_DB_P99_MS, 3),
            "csv_import": result_import, "csv_import_job": result_job}


if __name__ == "__main__":
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    result = main()
    text = json.dumps(result, indent=2)
    (ROOT / "bench" / "results" / "crm.json").write_text(text + "\n")
    print(text)
