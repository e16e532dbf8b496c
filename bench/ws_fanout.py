"""Websocket fan-out benchmark (issue 4): 500 clients on one tenant (50 supervisors on the
wallboard, 450 agents on the desk, every agent pinging every 2 s as the desk does) plus 9
quieter tenants, all on one real daphne process with Redis as the channel layer.

Phase 1 — pushes. This process changes agent states through the real service
(`agent_set_state`: row lock, state log, commit, push after commit) at a steady rate; each
change must reach the agent's own desk and every supervisor of that tenant, and nobody
else. We time each delivery from just before the service call to the client's receipt
(commit and Redis included) and count what never arrived and what arrived at the wrong
tenant.

Phase 2 — presence (RT-4). Agents' desks close; with the sweep running every 2 s (what
Celery beat does) we time how long until the supervisors see each agent go offline.

Anchors: peers take 15–30 s to notice an offline agent. Targets: ≤ 250 ms p99 for pushes,
0 lost, ≤ 10 s to offline.

    python bench/ws_fanout.py     # env: FANOUT_SUPERVISORS, FANOUT_AGENTS, FANOUT_QUIET_TENANTS,
                                  #      FANOUT_RATE (changes/s), FANOUT_SECONDS, FANOUT_OFFLINE
Prints JSON and writes bench/results/ws_fanout.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

import aiohttp  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from telephony.sandbox.simulation import percentile  # noqa: E402

SUPERVISORS = int(os.environ.get("FANOUT_SUPERVISORS", 50))
AGENTS = int(os.environ.get("FANOUT_AGENTS", 450))
QUIET_TENANTS = int(os.environ.get("FANOUT_QUIET_TENANTS", 9))
QUIET_SIZE = (2, 20)  # supervisors, agents per quiet tenant
RATE = float(os.environ.get("FANOUT_RATE", 20))  # state changes per second on the big tenant
QUIET_RATE = 1.0  # per quiet tenant
SECONDS = float(os.environ.get("FANOUT_SECONDS", 30))
OFFLINE = int(os.environ.get("FANOUT_OFFLINE", 20))
PING_S = 2.0
TARGET_P99_MS, TARGET_OFFLINE_S, ANCHOR_OFFLINE_S = 250.0, 10.0, (15.0, 30.0)


def ensure_tenant(slug: str, supervisors: int, agents: int):
    """A tenant with `agents` agents and `supervisors` supervisors, each with a session."""
    from accounts.models import Role, User
    from accounts.services import _grant_roles
    from telephony.models import AgentProfile
    from tenants.models import Tenant
    from tenants.services import tenant_signup

    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = tenant_signup(company=f"Fanout {slug}", slug=slug, admin_email=f"admin@{slug}.test",
                               password="Bench-pass-123", edition="professional")
    Tenant.objects.filter(pk=tenant.pk).update(state="active", seat_cap=agents + supervisors + 10)
    tenant.refresh_from_db()
    people: dict[str, list] = {"supervisor": [], "agent": []}
    with tenant_context(tenant):
        for role, count in (("supervisor", supervisors), ("agent", agents)):
            for i in range(1, count + 1):
                email = f"{role}{i:03d}@{slug}.test"
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = User.objects.create_user(email=email, password=None, full_name=f"{role.title()} {i}")
                    _grant_roles(user, [Role.SUPERVISOR if role == "supervisor" else Role.AGENT])
                if role == "agent":
                    AgentProfile.objects.get_or_create(user=user)
                s = SessionStore()
                s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                          "_auth_user_hash": user.get_session_auth_hash()})
                s.create()
                people[role].append((user, s.session_key))
        # Everyone starts logged out of the phone, freshly seen.
        AgentProfile.objects.update(state="offline", not_ready_reason="", last_seen_at=None)
    connection.set_schema_to_public()
    return tenant, people


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Clients:
    """Every websocket client, in one asyncio loop on its own thread."""

    def __init__(self, port: int):
        self.port = port
        self.received: dict[tuple, list[float]] = {}  # (schema, agent, since) -> receipt times
        self.wrong_tenant = 0
        self.connect_retries = 0
        self.sockets: dict[tuple, object] = {}  # (schema, user pk) -> ws
        self.offline_seen: dict[tuple, float] = {}  # (schema, agent) -> first supervisor receipt
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.tasks: list = []

    async def _client(self, session, schema: str, host: str, user, key: str, role: str) -> None:
        headers = {"Host": host, "Origin": f"http://{host}", "Cookie": f"sessionid={key}"}
        for attempt in range(6):  # like the desk: a refused or dropped handshake is retried with backoff
            try:
                ws = await session.ws_connect(f"http://127.0.0.1:{self.port}/ws/v1/events", headers=headers,
                                              heartbeat=None, max_msg_size=0)
                break
            except aiohttp.ClientError:
                self.connect_retries += 1
                if attempt == 5:
                    raise
                await asyncio.sleep(0.5 * 2 ** attempt)
        self.sockets[(schema, user.pk)] = ws
        hello = json.loads((await ws.receive()).data)
        assert hello["type"] == "hello", hello

        async def pinger():
            while not ws.closed:
                await ws.send_str('{"type":"ping"}')
                await asyncio.sleep(PING_S)

        ping_task = asyncio.ensure_future(pinger()) if role == "agent" else None
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            event = json.loads(msg.data)
            if event.get("type") != "agent.state":
                continue
            now = time.time()
            key_ = (schema, event["agent"], event["since"])
            self.received.setdefault(key_, []).append(now)
            if (schema, event["agent"]) not in self.known_agents:
                self.wrong_tenant += 1
            if role == "supervisor" and event["state"] == "offline":
                self.offline_seen.setdefault((schema, event["agent"]), now)
        if ping_task:
            ping_task.cancel()

    async def _main(self, plan) -> None:
        conn = aiohttp.TCPConnector(limit=0)
        self.http = aiohttp.ClientSession(connector=conn)
        sem = asyncio.Semaphore(20)

        async def start(*args):
            async with sem:
                await asyncio.sleep(0)
                task = asyncio.ensure_future(self._client(self.http, *args))
                self.tasks.append(task)
                # wait until this socket is connected before opening the next batch
                while (args[0], args[2].pk) not in self.sockets and not task.done():
                    await asyncio.sleep(0.005)
                if task.done() and task.exception():
                    raise task.exception()

        await asyncio.gather(*(start(*p) for p in plan))
        await asyncio.sleep(1.0)  # hellos in, groups joined
        self.ready.set()

    def start(self, plan, known_agents: set) -> None:
        self.known_agents = known_agents
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._main(plan), self.loop).result(timeout=300)

    def close(self, key) -> float:
        ws = self.sockets[key]
        fut = asyncio.run_coroutine_threadsafe(ws.close(), self.loop)
        t = time.time()
        fut.result(timeout=10)
        return t

    def shutdown(self) -> None:
        async def stop():
            for ws in list(self.sockets.values()):
                await ws.close()
            await self.http.close()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)


def change_states(tenants, deadline: float, sent: list, rate: float, quiet_rate: float) -> None:
    """Flip agents between available and not ready through the real service, at `rate`/s on
    the big tenant and `quiet_rate`/s on each quiet one; record (schema, agent, since, t0)."""
    from telephony.agent_state import Source
    from telephony.services import agent_set_state

    rng = random.Random(7)
    schedule = []  # (tenant, agents, period)
    for i, (tenant, people) in enumerate(tenants):
        schedule.append((tenant, [u for u, _ in people["agent"]], 1.0 / (rate if i == 0 else quiet_rate)))
    next_at = {t.pk: time.time() for t, _, _ in schedule}
    while time.time() < deadline:
        now = time.time()
        for tenant, agents, period in schedule:
            if now < next_at[tenant.pk]:
                continue
            next_at[tenant.pk] += period
            user = rng.choice(agents)
            with tenant_context(tenant):
                from telephony.models import AgentProfile

                current = AgentProfile.objects.get(user=user).state
                target = "not_ready" if current == "available" else "available"
                t0 = time.time()
                profile = agent_set_state(user=user, to_state=target, reason="break" if target == "not_ready"
                                          else "", source=Source.AGENT, actor=user)
                sent.append((tenant.schema_name, user.pk, profile.state_since.isoformat(), t0))
        time.sleep(0.002)
    connection.set_schema_to_public()


def main() -> dict:
    from tenants.realtime import flush
    from tenants.services import tenant_ensure_template

    tenant_ensure_template()
    tenants = [ensure_tenant("bench-ws01", SUPERVISORS, AGENTS)]
    tenants += [ensure_tenant(f"bench-ws{i:02d}", *QUIET_SIZE) for i in range(2, QUIET_TENANTS + 2)]
    port = free_port()
    env = dict(os.environ, SITE_PORT=str(port), DJANGO_SETTINGS_MODULE="config.settings.base")
    log = open(ROOT / "bench" / "results" / "ws_fanout.daphne.log", "w")  # noqa: SIM115
    web = subprocess.Popen([sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                            "config.asgi:application"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        return run(tenants, port, flush)
    finally:
        web.terminate()
        web.wait(timeout=30)
        log.close()


def run(tenants, port: int, flush) -> dict:
    import urllib.request

    deadline = time.time() + 60
    while True:
        try:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"})
            if urllib.request.urlopen(req, timeout=2).status == 200:  # noqa: S310 - loopback
                break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.3)
    plan, known, audience = [], set(), {}
    for tenant, people in tenants:
        host = next(d.domain for d in tenant.domains.all())
        for role in ("supervisor", "agent"):
            for user, key in people[role]:
                plan.append((tenant.schema_name, host, user, key, role))
        known |= {(tenant.schema_name, u.pk) for u, _ in people["agent"]}
        audience[tenant.schema_name] = len(people["supervisor"])
    clients = Clients(port)
    t_connect = time.time()
    clients.start(plan, known)
    connect_s = time.time() - t_connect

    # Agents log in to the phone (their desks are pinging): not part of the measurement.
    from telephony.agent_state import Source
    from telephony.services import agent_set_state

    for tenant, people in tenants:
        with tenant_context(tenant):
            for user, _ in people["agent"]:
                agent_set_state(user=user, to_state="available", source=Source.AGENT, actor=user)
    connection.set_schema_to_public()
    flush()
    time.sleep(3)

    # Phase 1: pushes.
    sent: list = []
    change_states(tenants, time.time() + SECONDS, sent, RATE, QUIET_RATE)
    flush()
    time.sleep(5)  # drain
    latencies, expected, got = [], 0, 0
    for schema, agent, since, t0 in sent:
        want = audience[schema] + 1  # every supervisor + the agent's own desk
        times = clients.received.get((schema, agent, since), [])
        expected += want
        got += min(len(times), want)
        latencies += [(t - t0) * 1000 for t in times]
    latencies.sort()

    # Phase 2: presence — desks close while the sweep runs every 2 s (as beat does).
    from telephony.tasks import sweep_all

    stop = threading.Event()

    def beat():
        while not stop.is_set():
            sweep_all()
            stop.wait(2.0)
        connection.close()

    big_tenant, big_people = tenants[0]
    victims = [u for u, _ in big_people["agent"][:OFFLINE]]
    beat_thread = threading.Thread(target=beat, daemon=True)
    beat_thread.start()
    time.sleep(1)
    closed_at = {u.pk: clients.close((big_tenant.schema_name, u.pk)) for u in victims}
    deadline = time.time() + 60
    while time.time() < deadline and not all((big_tenant.schema_name, pk) in clients.offline_seen
                                              for pk in closed_at):
        time.sleep(0.2)
    stop.set()
    beat_thread.join(10)
    detect = sorted(clients.offline_seen[(big_tenant.schema_name, pk)] - t for pk, t in closed_at.items()
                    if (big_tenant.schema_name, pk) in clients.offline_seen)
    clients.shutdown()

    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    return {
        "bench": "ws_fanout",
        "clients": len(plan), "tenants": len(tenants),
        "big_tenant": {"supervisors": SUPERVISORS, "agents": AGENTS},
        "quiet_tenants": {"count": len(tenants) - 1, "supervisors": QUIET_SIZE[0], "agents": QUIET_SIZE[1]},
        "connect_all_s": round(connect_s, 2), "connect_retries": clients.connect_retries,
        "state_changes": len(sent), "seconds": SECONDS, "rate_per_s": round(len(sent) / SECONDS, 1),
        "deliveries_expected": expected, "deliveries_received": got, "lost": expected - got,
        "wrong_tenant": clients.wrong_tenant,
        "push_latency_ms": {"p50": round(p50, 1), "p99": round(p99, 1), "max": round(latencies[-1], 1)
                            if latencies else None},
        "target_p99_ms": TARGET_P99_MS, "ratio_p99_to_target": round(p99 / TARGET_P99_MS, 3),
        "offline_detection_s": {"agents": len(closed_at), "detected": len(detect),
                                "p50": round(percentile(detect, 50), 2) if detect else None,
                                "max": round(detect[-1], 2) if detect else None},
        "presence_grace_s": settings.PRESENCE_GRACE_S,
        "anchor_offline_s": list(ANCHOR_OFFLINE_S), "target_offline_s": TARGET_OFFLINE_S,
        "ratio_offline_to_anchor_low": round(detect[-1] / ANCHOR_OFFLINE_S[0], 3) if detect else None,
    }


if __name__ == "__main__":
    (ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
    result = main()
    text = json.dumps(result, indent=2)
    (ROOT / "bench" / "results" / "ws_fanout.json").write_text(text + "\n")
    print(text)
