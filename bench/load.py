"""Load (issue 11): 50 tenants × 20 agents (1,000 agents), a day of traffic compressed: each
tenant's last 24 hours run on a virtual clock, its calls arriving along the simulator's day
curve (nothing at night, a morning and an afternoon peak), the quiet hours skipped. The
sandbox simulator drives every tenant's callers through the real webhook path (signature,
idempotency, IVR, ACD, offers) and its agents through the REST API, two tenants at a time
(one per core). The cost is per call, not per simulated hour: LOAD_CALLS_PER_TENANT (100, a
quiet day for 20 agents) sets the day's volume; a busy day (~2,000 calls per tenant) is
hours of wall time on two cores. LOAD_PROFILE=flat runs the calls as one busy spell instead.
Reported: calls and webhooks per wall second, webhook p50/p99, routing p99 (the ACD's own
decision time, from the routing log), and errors (webhook 5xx, lost calls, double offers).
Push latency across web processes is bench/scale.py's.

    python bench/load.py     # env: LOAD_TENANTS (50), LOAD_AGENTS (20), LOAD_CALLS_PER_TENANT (100),
                             #      LOAD_PROFILE (day)
Writes bench/results/load.json.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TENANTS = int(os.environ.get("LOAD_TENANTS", 50))
AGENTS = int(os.environ.get("LOAD_AGENTS", 20))
PER_TENANT = int(os.environ.get("LOAD_CALLS_PER_TENANT", 100))
PROFILE = os.environ.get("LOAD_PROFILE", "day")
# the routing bench's tenant set-up and full-path phase, at this size
os.environ["BENCH_TENANTS"], os.environ["BENCH_AGENTS"] = str(TENANTS), str(AGENTS)
os.environ["BENCH_FULL_CALLS"] = str(TENANTS * PER_TENANT)
os.environ["BENCH_FULL_PROFILE"] = PROFILE

from bench.routing import ensure_tenants, phase_full  # noqa: E402


def main() -> None:
    tenants = ensure_tenants()
    full = phase_full(tenants)
    out = {"tenants": len(tenants), "agents": len(tenants) * AGENTS, "profile": PROFILE,
           "simulated_hours_per_tenant": full["simulated_hours_mean"], "calls_per_tenant": PER_TENANT,
           "calls": full["calls"], "answered": full["answered"],
           "calls_per_wall_s": round(full["calls"] / full["wall_s"], 1), "webhooks": full["webhooks"],
           "webhooks_per_s": full["webhooks_per_s"], "webhook_p50_ms": full["webhook_p50_ms"],
           "webhook_p99_ms": full["webhook_p99_ms"], "routing_p99_ms": full["routing_p99_ms_in_flow"],
           "errors": {"webhook_5xx": full["webhook_errors"], "lost_calls": full["lost_calls"],
                      "double_offers": full["double_offers"]},
           "service_level_mean": full["service_level_mean"], "wall_s": full["wall_s"]}
    text = json.dumps(out, indent=2)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "load.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
