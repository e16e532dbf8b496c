"""Reports benchmark (issue 6): 10,000,000 call records across 20 tenants (500,000 each, over
the last 90 days), then, for one tenant, the time of a month's 15-minute interval report and
a month's agent report through `reports.selectors` — the code the pages and the API run.
Target: ≤ 1 s for the month of intervals.

Calls are written straight in SQL (generate_series) once; later runs reuse them.

    python bench/reports.py      # env: REPORTS_TENANTS (20), REPORTS_CALLS (500000 per tenant), REPORTS_RUNS (5)
Prints JSON and writes bench/results/reports.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

TENANTS = int(os.environ.get("REPORTS_TENANTS", 20))
CALLS = int(os.environ.get("REPORTS_CALLS", 500_000))
RUNS = int(os.environ.get("REPORTS_RUNS", 5))
AGENTS = 50
DAYS = 90
TARGET_S = 1.0


def tenant(slug: str):
    from tenants.models import Tenant
    from tenants.services import tenant_ensure_template, tenant_signup

    tenant_ensure_template()
    t = Tenant.objects.filter(slug=slug).first()
    if t is None:
        t = tenant_signup(company=f"Reports bench {slug}", slug=slug, admin_email=f"admin@{slug}.test",
                          password="Bench-pass-123", edition="professional")
    return t


def fill(n: int) -> float:
    """n answered / abandoned inbound calls over the last DAYS days, AGENTS agents with a
    state log of one shift a day."""
    from accounts.models import User
    from telephony.models import AgentProfile, Call, Queue

    have = Call.objects.count()
    if have >= n:
        return 0.0
    t0 = time.perf_counter()
    queues = [Queue.objects.get_or_create(name=name, defaults={"sl_threshold_s": 20})[0].pk
              for name in ("General", "Billing", "Support")]
    users = [User.objects.get_or_create(email=f"agent{i}@bench.test", defaults={"full_name": f"Agent {i}"})[0]
             for i in range(AGENTS)]
    for u in users:
        AgentProfile.objects.get_or_create(user=u)
    ids = [u.pk for u in users]
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute("""
            INSERT INTO telephony_call (sid, direction, ani, dnis, status, outcome, abandon_point, queue_id, agent_id,
              ivr_node, ivr_path, ivr_retries, ivr_step, collected, language, caller_tier, priority, skills_relaxed,
              overflowed, arrived_at, queued_at, answered_at, ended_at, wait_s, talk_s, hold_s, acw_s, disposition,
              notes, transfer_count, recording_paused, conference_sid, sim_run)
            SELECT 'CAbench' || g, 'inbound', '+1555' || lpad((g %% 200000)::text, 7, '0'), '+18005550100', 'ended',
              CASE WHEN g %% 10 = 0 THEN 'abandoned' ELSE 'answered' END, '', (%(queues)s)[1 + g %% 3],
              CASE WHEN g %% 10 = 0 THEN NULL ELSE (%(agents)s)[1 + g %% %(n_agents)s] END,
              '', '[]'::jsonb, 0, 0, '{}'::jsonb, '', '', 0, false, false,
              t, t,
              CASE WHEN g %% 10 = 0 THEN NULL ELSE t + make_interval(secs => g %% 40) END,
              t + make_interval(secs => g %% 40 + CASE WHEN g %% 10 = 0 THEN 0 ELSE 60 + g %% 400 END),
              g %% 40, CASE WHEN g %% 10 = 0 THEN NULL ELSE 60 + g %% 400 END,
              CASE WHEN g %% 7 = 0 THEN 20 ELSE 0 END, CASE WHEN g %% 10 = 0 THEN NULL ELSE 15 + g %% 30 END,
              '', '', CASE WHEN g %% 23 = 0 THEN 1 ELSE 0 END, false, '', ''
            FROM (SELECT g, %(now)s - make_interval(secs => (g::float8 * %(span)s / %(n)s)) AS t
                  FROM generate_series(%(first)s, %(n)s) g) s""",
                    {"queues": queues, "agents": ids, "n_agents": len(ids), "now": now, "n": n, "first": have + 1,
                     "span": DAYS * 86400.0})
        cur.execute("""
            INSERT INTO telephony_agentstatechange (agent_id, at, from_state, to_state, reason, source, actor_email)
            SELECT p.id, d + st.off, st.f, st.t, '', 'agent', ''
            FROM telephony_agentprofile p
            CROSS JOIN generate_series(date_trunc('day', %(now)s::timestamptz) - interval '90 days',
                                       %(now)s::timestamptz, interval '1 day') d
            CROSS JOIN (VALUES (interval '8 hours', 'offline', 'available'),
                               (interval '12 hours', 'available', 'not_ready'),
                               (interval '12 hours 30 minutes', 'not_ready', 'available'),
                               (interval '16 hours 30 minutes', 'available', 'offline')) st(off, f, t)
            WHERE p.user_id = ANY(%(agents)s) AND d + st.off < %(now)s
              AND NOT EXISTS (SELECT 1 FROM telephony_agentstatechange x WHERE x.agent_id = p.id)""",
                    {"now": now, "agents": ids})
        cur.execute("ANALYZE telephony_call; ANALYZE telephony_agentstatechange")
    return time.perf_counter() - t0


def timed(fn) -> dict:
    fn()  # warm, as a running system is
    runs = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(runs), 3), "max_s": round(max(runs), 3)}


def main() -> dict:
    from reports import selectors
    from telephony.models import Call

    fill_s = 0.0
    target = None
    for i in range(TENANTS):
        t = tenant(f"bench-rep-{i}")
        with tenant_context(t):
            fill_s += fill(CALLS)
        target = target or t
    with tenant_context(target):
        calls = Call.objects.count()
        end = timezone.now()
        start = end - timedelta(days=30)
        month_calls = Call.objects.filter(queued_at__gte=start, queued_at__lt=end).count()
        report = selectors.kpi_report(start=start, end=end, group_by=["interval15"])
        interval = timed(lambda: selectors.kpi_report(start=start, end=end, group_by=["interval15"]))
        agents = timed(lambda: selectors.agent_report(start=start, end=end))
        intervals = len(report["rows"])
    connection.set_schema_to_public()
    return {"bench": "reports", "tenants": TENANTS, "calls_per_tenant": calls, "calls_total": calls * TENANTS,
            "fill_s": round(fill_s, 1), "month_calls": month_calls, "month_intervals": intervals,
            "interval_report_month": interval, "agent_report_month": agents, "target_s": TARGET_S,
            "ratio_interval_to_target": round(interval["median_s"] / TARGET_S, 3)}


if __name__ == "__main__":
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    result = main()
    text = json.dumps(result, indent=2)
    (ROOT / "bench" / "results" / "reports.json").write_text(text + "\n")
    print(text)
