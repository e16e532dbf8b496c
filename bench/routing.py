"""Routing benchmark (issue 3): 10 tenants × 100 agents on this machine.

Phase 1 — the ACD under concurrent load. Each round queues 100 calls per tenant and makes
its 100 agents available; worker processes then route all tenants at once. A decision is
one committed transaction that locks a waiting call and an eligible agent (SKIP LOCKED),
reserves the agent, writes the offer, the routing log and the call event. We time every
decision end to end (including COMMIT) and the wall time of each round; 5 rounds = 5,000
calls matched. Double offers are counted from the data afterwards.

Phase 2 — the full webhook path. The sandbox simulator sends every tenant's calls through
Django's request stack (signature check, idempotency key, services, TwiML), with simulated
agents working through the REST API; we report webhook p50/p99 and routing p99 beside the
anchor: the 2016 Channels load test measured ~12 ms latency for daphne + Redis at 300 rps.

    python bench/routing.py            # env: BENCH_TENANTS, BENCH_AGENTS, BENCH_ROUNDS,
                                       #      BENCH_WORKERS, BENCH_FULL_CALLS
Prints JSON and writes bench/results/routing.json.
"""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from telephony.sandbox.simulation import percentile  # noqa: E402

TENANTS = int(os.environ.get("BENCH_TENANTS", 10))
AGENTS = int(os.environ.get("BENCH_AGENTS", 100))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
# One router per core; a second pass oversubscribes (one more router than cores) to show the tail.
WORKERS = int(os.environ.get("BENCH_WORKERS", os.cpu_count() or 2))
FULL_CALLS = int(os.environ.get("BENCH_FULL_CALLS", 5000))
FULL_PROFILE = os.environ.get("BENCH_FULL_PROFILE", "flat")  # the simulator's traffic profile: flat | day
ANCHOR_MS = 12.0
TARGET_RATE, TARGET_P99_MS = 200.0, 20.0
RUN = "bench-acd"


def ensure_tenants() -> list:
    from tenants.models import Tenant
    from tenants.services import tenant_ensure_template, tenant_signup

    tenant_ensure_template()
    out = []
    for i in range(1, TENANTS + 1):
        slug = f"bench-r{i:02d}"
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            tenant = tenant_signup(company=f"Bench {i}", slug=slug, admin_email=f"admin@{slug}.test",
                                   password="Bench-pass-123", edition="professional")
            Tenant.objects.filter(pk=tenant.pk).update(state="active")
            tenant.refresh_from_db()
        with tenant_context(tenant):
            from telephony.models import PhoneNumber
            from telephony.sandbox.simulation import bots_ensure

            bots_ensure(AGENTS)
            if not PhoneNumber.objects.exists():
                from telephony.models import IvrFlow
                from telephony.services.config import number_add

                number_add(e164=f"+1999555{i:04d}", entry_flow=IvrFlow.objects.get(name="Main"))
        out.append(tenant)
    connection.set_schema_to_public()
    return out


def reset_round(tenant) -> None:
    """Agents available (staggered idle times), offers gone, AGENTS fresh calls waiting."""
    from datetime import timedelta

    from django.utils import timezone

    from telephony.models import AgentProfile, Call, Queue

    now = timezone.now()
    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute("DELETE FROM telephony_offer o USING telephony_call c WHERE o.call_id = c.id AND c.sim_run = %s",
                    [RUN])
        cur.execute("DELETE FROM telephony_callevent e USING telephony_call c WHERE e.call_id = c.id "
                    "AND c.sim_run = %s", [RUN])
        cur.execute("DELETE FROM telephony_routingdecision d USING telephony_call c WHERE d.call_id = c.id "
                    "AND c.sim_run = %s", [RUN])
        cur.execute("DELETE FROM telephony_call WHERE sim_run = %s", [RUN])
        from accounts.models import User

        for bot in User.objects.filter(is_bot=True).exclude(agent_profile__isnull=False):
            AgentProfile.objects.create(user=bot)
        for i, p in enumerate(AgentProfile.objects.filter(user__is_bot=True).order_by("pk")):
            p.state, p.available_since, p.not_ready_reason = "available", now - timedelta(seconds=i), ""
            p.save(update_fields=["state", "available_since", "not_ready_reason"])
        queue = Queue.objects.get(name="General")
        Call.objects.bulk_create(Call(sid=f"BENCH{tenant.pk}x{i}", ani=f"+1555{i:07d}", status="queued",
                                      queue=queue, queued_at=now + timedelta(microseconds=i), sim_run=RUN)
                                 for i in range(AGENTS))
    connection.set_schema_to_public()


def acd_worker(args) -> list[float]:
    """Route every tenant until nothing is left to match; the latency of each decision (ms)."""
    from telephony import acd

    tenant_ids, start_at = args
    connections.close_all()
    from tenants.models import Tenant

    tenants = list(Tenant.objects.filter(pk__in=tenant_ids))
    while time.time() < start_at:
        time.sleep(0.001)
    latencies: list[float] = []
    active = list(tenants)
    while active:
        for tenant in list(active):
            with tenant_context(tenant):
                cache: dict = {}
                t0 = time.perf_counter()
                matched = acd._route_one(True, cache)
                if matched:
                    latencies.append((time.perf_counter() - t0) * 1000)
                else:
                    active.remove(tenant)
    connections.close_all()
    return latencies


def phase_acd(tenants, workers: int = WORKERS, rounds: int = ROUNDS) -> dict:
    from telephony.sandbox.simulation import double_offers

    ctx = mp.get_context("fork")
    all_lat: list[float] = []
    walls: list[float] = []
    doubles = 0
    for _ in range(rounds):
        for tenant in tenants:
            reset_round(tenant)
        connections.close_all()
        ids = [t.pk for t in tenants]
        start_at = time.time() + 0.5
        # Every worker routes every tenant (rotated), so they contend for the same rows.
        jobs = [(ids[w:] + ids[:w], start_at) for w in range(workers)]
        with ctx.Pool(workers) as pool:
            t0 = time.time()
            results = pool.map(acd_worker, jobs)
            walls.append(time.time() - max(t0, start_at))
        for lat in results:
            all_lat += lat
        for tenant in tenants:
            with tenant_context(tenant):
                doubles += double_offers(RUN)
        connection.set_schema_to_public()
    decisions = len(all_lat)
    rate = decisions / sum(walls)
    return {"decisions": decisions, "expected": rounds * TENANTS * AGENTS, "workers": workers,
            "decisions_per_s": round(rate, 1), "decision_p50_ms": percentile(all_lat, 50),
            "decision_p99_ms": percentile(all_lat, 99), "double_offers": doubles, "wall_s": round(sum(walls), 2)}


def full_worker(args) -> dict:
    from telephony.sandbox.simulation import Simulation, keep_connection_across_requests
    from tenants.models import Tenant

    tenant_id, calls = args
    connections.close_all()
    logging.getLogger("django.request").setLevel(logging.ERROR)  # bots meet 409s by design (late accepts)
    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise before collectstatic
    keep_connection_across_requests()
    tenant = Tenant.objects.get(pk=tenant_id)
    sim = Simulation(tenant=tenant, calls=calls, agents=AGENTS, seed=tenant_id, profile=FULL_PROFILE)
    summary = sim.run()
    summary["webhook_ms"] = sim.timings.webhook_ms
    connections.close_all()
    return summary


def phase_full(tenants) -> dict:
    from telephony.models import RoutingDecision

    per_tenant = max(1, FULL_CALLS // len(tenants))
    ctx = mp.get_context("fork")
    connections.close_all()
    t0 = time.time()
    with ctx.Pool(2) as pool:
        results = pool.map(full_worker, [(t.pk, per_tenant) for t in tenants])
    wall = time.time() - t0
    hooks = [ms for r in results for ms in r.pop("webhook_ms")]
    routing = []
    for tenant, r in zip(tenants, results, strict=True):
        with tenant_context(tenant):
            routing += [u / 1000 for u in RoutingDecision.objects.filter(call__sim_run=r["run"]).exclude(
                strategy__in=["overflow", "transfer"]).values_list("elapsed_us", flat=True)]
    connection.set_schema_to_public()
    return {"calls": sum(r["calls"] for r in results), "answered": sum(r["answered"] for r in results),
            "webhooks": len(hooks), "webhooks_per_s": round(len(hooks) / wall, 1),
            "webhook_p50_ms": percentile(hooks, 50), "webhook_p99_ms": percentile(hooks, 99),
            "routing_p99_ms_in_flow": percentile(routing, 99),
            "double_offers": sum(r["double_offers"] for r in results),
            "lost_calls": sum(r["lost_calls"] for r in results),
            "webhook_errors": sum(r["webhook_errors"] for r in results),
            "service_level_mean": round(sum(r["service_level"] or 0 for r in results) / len(results), 4),
            "simulated_hours_mean": round(sum(r["simulated_s"] for r in results) / len(results) / 3600, 1),
            "wall_s": round(wall, 1)}


def main() -> None:
    tenants = ensure_tenants()
    acd = phase_acd(tenants)
    oversubscribed = phase_acd(tenants, workers=WORKERS + 1, rounds=max(1, ROUNDS // 2))
    full = phase_full(tenants) if FULL_CALLS else None
    result = {
        "name": "routing", "machine_cores": os.cpu_count(), "tenants": TENANTS, "agents_per_tenant": AGENTS,
        "acd": acd, "acd_oversubscribed": oversubscribed, "full_path": full,
        "anchor": {"what": "2016 Channels load test: daphne + Redis latency at 300 rps", "latency_ms": ANCHOR_MS},
        "ratio_decision_p99_to_anchor": round(acd["decision_p99_ms"] / ANCHOR_MS, 3),
        "ratio_webhook_p99_to_anchor": round(full["webhook_p99_ms"] / ANCHOR_MS, 3) if full else None,
        "targets": {"decisions_per_s": TARGET_RATE, "decision_p99_ms": TARGET_P99_MS},
        "meets_targets": acd["decisions_per_s"] >= TARGET_RATE and acd["decision_p99_ms"] <= TARGET_P99_MS
        and acd["double_offers"] == 0 and acd["decisions"] == acd["expected"],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "routing.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
