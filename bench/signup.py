"""Signup speed (TEN-2): signup from the warm spare pool, signup that clones the template
(pool empty), and the same tenant built by replaying migrations. Runs in a throw-away
database on the same Postgres; prints JSON and writes bench/results/signup.json.

    make bench          (or: python bench/signup.py [--n 20] [--replay 5])
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DB = "hostline_bench"


def _prepare_database() -> None:
    from config import embedded

    embedded.ensure_environment()
    import environ
    import psycopg

    cfg = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    from urllib.parse import unquote

    conninfo = dict(host=unquote(cfg["HOST"]), user=cfg["USER"], dbname=cfg["NAME"], autocommit=True)
    if cfg.get("PASSWORD"):
        conninfo["password"] = cfg["PASSWORD"]
    if cfg.get("PORT"):
        conninfo["port"] = cfg["PORT"]
    with psycopg.connect(**conninfo) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    host = quote(unquote(cfg["HOST"]), safe="")
    port = f":{cfg['PORT']}" if cfg.get("PORT") else ""
    auth = cfg["USER"] + (f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else "")
    os.environ["DATABASE_URL"] = f"postgres://{auth}@{host}{port}/{BENCH_DB}"


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20, help="signups to time")
    parser.add_argument("--replay", type=int, default=5, help="migration-replay creations to time")
    args = parser.parse_args()

    _prepare_database()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import override_settings

    from tenants.models import Tenant
    from tenants.services import tenant_ensure_template, tenant_pool_refill, tenant_signup

    call_command("migrate_schemas", interactive=False, verbosity=0)
    tenant_ensure_template()

    def signup(slug: str) -> float:
        t0 = time.perf_counter()
        tenant_signup(company=f"Bench {slug}", slug=slug, admin_email=f"admin@{slug}.test",
                      password="Bench12345", edition="standard")
        return time.perf_counter() - t0

    # 1. Steady state: a worker keeps a spare ready (refilled off the clock), signup renames it.
    pool = []
    for i in range(args.n):
        tenant_pool_refill(size=1)
        pool.append(signup(f"pool{i}"))
    # 2. Pool empty: signup clones the template itself.
    Tenant.objects.filter(state="spare").delete()  # rows only; leftover schemas are dropped with the DB
    with override_settings(TENANT_SPARE_POOL=0):
        clone = [signup(f"clone{i}") for i in range(args.n)]
        # 3. The same signup with the template switched off: schema built by replaying migrations.
        with override_settings(TENANT_BASE_SCHEMA="no_template_here"):
            replay = [signup(f"replay{i}") for i in range(args.replay)]

    result = {
        "bench": "signup",
        "signups": args.n,
        "signup_p50_s": round(statistics.median(pool), 4),
        "signup_p95_s": round(_pct(pool, 0.95), 4),
        "clone_p50_s": round(statistics.median(clone), 4),
        "clone_p95_s": round(_pct(clone, 0.95), 4),
        "migrate_replays": args.replay,
        "migrate_p50_s": round(statistics.median(replay), 4),
        "migrate_p95_s": round(_pct(replay, 0.95), 4),
        "speedup": round(statistics.median(replay) / statistics.median(pool), 1),
        "clone_speedup": round(statistics.median(replay) / statistics.median(clone), 1),
        "anchor": "TEN-2 target: usable tenant in < 1 s (signup_p50_s, spare pool warm)",
        "ratio_to_anchor": round(statistics.median(pool) / 1.0, 3),
        "meets_target": statistics.median(pool) < 1.0,
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "signup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result))
    from django.db import connection

    connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
