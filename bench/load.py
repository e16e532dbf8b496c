"""Load (issue 11): 50 tenants × 20 agents (1,000 agents), a day of traffic compressed: each
tenant's last 24 hours run on a virtual clock, its calls arriving along the simulator's day
curve (nothing at night, a morning and an afternoon peak), the quiet hours skipped. The
sandbox simulator drives every tenant's callers through the real webhook path (signature,
idempotency, IVR, ACD, offers) and its agents through the REST API, two tenants at a time
(one per core). The cost is per call, not per simulated hour: LOAD_CALLS_PER_TENANT (100, a
quiet day for 20 agents) sets the day's volume; a busy day (~2,000 calls per tenant) is
hours of wall time on two cores. LOAD_PROFILE=flat runs the calls as one busy spell instead.
Reported: calls and webhooks per wall second, webhook p50/p99, routing p99 (the ACD's own
decision time, from the routing log), push p50/p99 and errors (webhook 5xx, lost calls, double
offers, pushes missed). Push: while the load runs, a daphne process serves LOAD_PUSH_PROBES
probe agents of the first tenant (never ready, so never routed), each with its browser socket;
they switch their not-ready reason over the REST API in turn and the time from the request to
the agent.state event on the socket is the push latency, under the same Postgres, Redis and
two cores as the traffic. (Across several web processes: bench/scale.py.)

    python bench/load.py     # env: LOAD_TENANTS (50), LOAD_AGENTS (20), LOAD_CALLS_PER_TENANT (100),
                             #      LOAD_PROFILE (day)
Writes bench/results/load.json.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TENANTS = int(os.environ.get("LOAD_TENANTS", 50))
AGENTS = int(os.environ.get("LOAD_AGENTS", 20))
PER_TENANT = int(os.environ.get("LOAD_CALLS_PER_TENANT", 100))
PROFILE = os.environ.get("LOAD_PROFILE", "day")
PROBES = int(os.environ.get("LOAD_PUSH_PROBES", 10))
# the routing bench's tenant set-up and full-path phase, at this size
os.environ["BENCH_TENANTS"], os.environ["BENCH_AGENTS"] = str(TENANTS), str(AGENTS)
os.environ["BENCH_FULL_CALLS"] = str(TENANTS * PER_TENANT)
os.environ["BENCH_FULL_PROFILE"] = PROFILE

from bench.routing import ensure_tenants, phase_full  # noqa: E402


def _probe_agents(tenant) -> list[dict]:
    """Agents with no skill and never ready, so the ACD never offers them a call; a browser
    session (their socket) and a token (their REST calls) each."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django_tenants.utils import tenant_context

    from accounts.models import Role, User
    from accounts.services import _grant_roles, api_token_create
    from telephony.agent_state import AgentState, Source
    from telephony.services import agent_set_state

    agents = []
    with tenant_context(tenant):
        for i in range(1, PROBES + 1):
            user = User.objects.filter(email=f"probe{i:02d}@load-probe.invalid").first()
            if user is None:
                user = User.objects.create_user(email=f"probe{i:02d}@load-probe.invalid", password=None,
                                                full_name=f"Push probe {i:02d}")
                _grant_roles(user, [Role.AGENT])
            agent_set_state(user=user, to_state=AgentState.NOT_READY, reason="break", source=Source.AGENT)
            s = SessionStore()
            s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                      "_auth_user_hash": user.get_session_auth_hash()})
            s.create()
            agents.append({"host": tenant.domains.first().domain, "session": s.session_key, "pk": user.pk,
                           "token": api_token_create(user=user, name="push probe")})
    connection.set_schema_to_public()
    return agents


def push_probe(port: int, agents: list[dict], stop, results) -> None:
    """(A process of its own.) Until `stop`: each probe agent in turn switches its not-ready
    reason and waits for the agent.state event on its own socket."""
    results.put(asyncio.run(_probe(port, agents, stop)))


async def _probe(port: int, agents: list[dict], stop) -> dict:
    import aiohttp

    latencies, missed = [], 0
    async with aiohttp.ClientSession() as http:
        sockets = []
        for a in agents:
            ws = await http.ws_connect(f"http://127.0.0.1:{port}/ws/v1/events", headers={
                "Host": f"{a['host']}:{port}", "Origin": f"http://{a['host']}:{port}",
                "Cookie": f"sessionid={a['session']}"})
            assert (await ws.receive_json(timeout=30))["type"] == "hello"
            sockets.append(ws)
        reasons = ["lunch", "break"]
        turn = 0
        while not stop.is_set():
            a, ws = agents[turn % len(agents)], sockets[turn % len(agents)]
            reason = reasons[(turn // len(agents)) % 2]
            turn += 1
            sent = time.monotonic()
            async with http.put(f"http://127.0.0.1:{port}/api/v1/agents/me/state",
                                json={"state": "not_ready", "reason": reason},
                                headers={"Host": f"{a['host']}:{port}", "Authorization": f"Bearer {a['token']}"}) as r:
                if r.status != 200:
                    missed += 1
                    continue
            deadline = sent + 10
            while True:
                try:
                    msg = await ws.receive_json(timeout=max(0.05, deadline - time.monotonic()))
                except (TimeoutError, TypeError, ValueError):
                    missed += 1
                    break
                if msg.get("type") == "agent.state" and msg.get("agent") == a["pk"] and msg.get("reason") == reason:
                    latencies.append((time.monotonic() - sent) * 1000)
                    break
            await asyncio.sleep(0.2)
        for ws in sockets:
            await ws.close()
    return {"latencies": latencies, "missed": missed}


def main() -> None:
    from bench.procs import free_port, spawn, wait_http
    from telephony.sandbox.simulation import percentile

    tenants = ensure_tenants()
    probes = _probe_agents(tenants[0])
    port = free_port()
    web = spawn(["daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"], "load-web.log",
                SITE_PORT=str(port))
    ctx = mp.get_context("spawn")  # a fresh interpreter: the traffic's pool forks this one
    stop, results = ctx.Event(), ctx.Queue()
    try:
        asyncio.run(wait_http(port))
        prober = ctx.Process(target=push_probe, args=(port, probes, stop, results))
        prober.start()
        full = phase_full(tenants)
        stop.set()
        push = results.get(timeout=60)
        prober.join(30)
    finally:
        web.terminate()
        web.wait(30)
    pushes = push["latencies"]
    out = {"tenants": len(tenants), "agents": len(tenants) * AGENTS, "profile": PROFILE,
           "simulated_hours_per_tenant": full["simulated_hours_mean"], "calls_per_tenant": PER_TENANT,
           "calls": full["calls"], "answered": full["answered"],
           "calls_per_wall_s": round(full["calls"] / full["wall_s"], 1), "webhooks": full["webhooks"],
           "webhooks_per_s": full["webhooks_per_s"], "webhook_p50_ms": full["webhook_p50_ms"],
           "webhook_p99_ms": full["webhook_p99_ms"], "routing_p99_ms": full["routing_p99_ms_in_flow"],
           "pushes": len(pushes), "push_p50_ms": round(percentile(pushes, 50), 1) if pushes else None,
           "push_p99_ms": round(percentile(pushes, 99), 1) if pushes else None,
           "errors": {"webhook_5xx": full["webhook_errors"], "lost_calls": full["lost_calls"],
                      "double_offers": full["double_offers"], "pushes_missed": push["missed"]},
           "service_level_mean": full["service_level_mean"], "wall_s": full["wall_s"]}
    text = json.dumps(out, indent=2)
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "bench" / "results" / "load.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
