"""Scale-out (issue 11): the Procfile.scale topology on loopback — 3 daphne processes behind
ops.proxy, 2 Celery workers — against one Postgres and one Redis, driven with the routing
bench's tenants (10 tenants × 100 agents = 1,000 agents).

1. Push across processes: SOCKETS agents open their websocket through the proxy (so they
   land on all three web processes); each then changes state through the REST API, whose
   request the proxy sends to whichever process is next. Every socket must get its own
   `agent.state` event: counted, with the push latency (request sent → event received).
2. Webhook load: CALLS signed carrier webhooks (new calls) over all tenants through the
   proxy from CONCURRENCY clients: throughput, p50/p99, errors.
3. A web process dies: web2 is killed half-way through a second webhook run; new requests
   go to the others. Counted: errors after the kill and calls lost.

    python bench/scale.py      # env: SCALE_SOCKETS (60), SCALE_CALLS (2000), SCALE_CONCURRENCY (16)
Writes bench/results/scale.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
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

from bench.procs import LOGS, free_port, spawn  # noqa: E402
from telephony.sandbox.simulation import percentile  # noqa: E402

SOCKETS = int(os.environ.get("SCALE_SOCKETS", 60))
CALLS = int(os.environ.get("SCALE_CALLS", 2000))
CONCURRENCY = int(os.environ.get("SCALE_CONCURRENCY", 16))




class Topology:
    """3 daphne + the proxy + 2 Celery workers, as Procfile.scale runs them."""

    def __init__(self):
        self.ports = [free_port() for _ in range(3)]
        self.port = free_port()
        self.webs = [spawn(["daphne", "-b", "127.0.0.1", "-p", str(p), "config.asgi:application"],
                            f"scale-web{i + 1}.log", SITE_PORT=str(self.port)) for i, p in enumerate(self.ports)]
        self.proxy = spawn(["ops.proxy", "--listen", f"127.0.0.1:{self.port}", "--backends",
                             ",".join(f"127.0.0.1:{p}" for p in self.ports)], "scale-proxy.log")
        self.workers = [spawn(["celery", "-A", "config", "worker", "--concurrency", "1", "-n", f"scale{i}@%h",
                                "-l", "warning"], f"scale-worker{i}.log") for i in (1, 2)]

    def stop(self) -> None:
        for p in [*self.webs, self.proxy, *self.workers]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.webs, self.proxy, *self.workers]:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


def _setup():
    """The routing bench's tenants and bots; a session and a token per bot agent we drive."""
    from django.contrib.sessions.backends.db import SessionStore

    from bench.routing import ensure_tenants
    from telephony.models import PhoneNumber
    from telephony.signatures import tenant_webhook_token

    tenants = ensure_tenants()
    agents, numbers = [], []
    per_tenant = max(1, SOCKETS // len(tenants))
    for t in tenants:
        with tenant_context(t):
            from telephony.sandbox.simulation import bots_ensure

            bots = bots_ensure(per_tenant)
            for user in bots.users:
                s = SessionStore()
                s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                          "_auth_user_hash": user.get_session_auth_hash()})
                s.create()
                agents.append({"host": t.domains.first().domain, "session": s.session_key,
                               "token": bots.tokens[user.pk], "pk": user.pk})
            numbers.append((t.domains.first().domain, PhoneNumber.objects.values_list("e164", flat=True).first(),
                            tenant_webhook_token(t)))
    connection.set_schema_to_public()
    return agents[:SOCKETS], numbers


async def _wait_http(port: int) -> None:
    import aiohttp

    deadline = time.monotonic() + 60
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            try:
                async with s.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit("scale: the web processes did not start (see bench/results/scale-web*.log)")


async def push_across_processes(port: int, agents: list[dict]) -> dict:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        for a in agents:  # start from offline, so going available is a change every desk hears
            async with http.put(f"http://127.0.0.1:{port}/api/v1/agents/me/state", json={"state": "offline"},
                                headers={"Host": f"{a['host']}:{port}", "Authorization": f"Bearer {a['token']}"}) as r:
                assert r.status == 200, (r.status, await r.text())
        sockets = []
        for a in agents:
            ws = await http.ws_connect(f"http://127.0.0.1:{port}/ws/v1/events", headers={
                "Host": f"{a['host']}:{port}", "Origin": f"http://{a['host']}:{port}",
                "Cookie": f"sessionid={a['session']}"})
            hello = await ws.receive_json(timeout=10)
            assert hello["type"] == "hello", hello
            sockets.append(ws)
        sent: dict[int, float] = {}
        latencies, received = [], 0

        async def listen(ws, a):
            nonlocal received
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    msg = await ws.receive_json(timeout=max(0.1, deadline - time.monotonic()))
                except (TimeoutError, TypeError, ValueError):
                    return
                if msg.get("type") == "agent.state" and msg.get("agent") == a["pk"] and a["pk"] in sent:
                    latencies.append((time.monotonic() - sent[a["pk"]]) * 1000)
                    received += 1
                    return

        listeners = [asyncio.create_task(listen(ws, a)) for ws, a in zip(sockets, agents, strict=True)]
        for a in agents:
            sent[a["pk"]] = time.monotonic()
            async with http.put(f"http://127.0.0.1:{port}/api/v1/agents/me/state", json={"state": "available"},
                                headers={"Host": f"{a['host']}:{port}", "Authorization": f"Bearer {a['token']}"}) as r:
                assert r.status == 200, (r.status, await r.text())
        await asyncio.gather(*listeners)
        for ws in sockets:
            await ws.close()
    return {"sockets": len(agents), "events_received": received, "events_missed": len(agents) - received,
            "push_p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
            "push_p99_ms": round(percentile(latencies, 99), 1) if latencies else None}


async def webhook_load(port: int, numbers: list, calls: int, run: str, on_half=None) -> dict:
    import aiohttp

    from telephony.signatures import signature_for

    queue: asyncio.Queue = asyncio.Queue()
    for i in range(calls):
        queue.put_nowait(i)
    latencies, codes, sids = [], {}, []
    half = asyncio.Event()

    async def client(http):
        while not queue.empty():
            i = queue.get_nowait()
            host, number, token = numbers[i % len(numbers)]
            sid = f"CA{run}{i:06d}"
            params = {"CallSid": sid, "From": f"+1555{i % 10_000_000:07d}", "To": number, "CallStatus": "ringing",
                      "SandboxRun": run}
            url = f"http://{host}:{port}/telephony/voice/incoming"
            t0 = time.monotonic()
            for _ in range(5):  # a connection the dying process dropped is retried, as the carrier does
                try:
                    async with http.post(f"http://127.0.0.1:{port}/telephony/voice/incoming", data=params, headers={
                            "Host": f"{host}:{port}", "X-Twilio-Signature": signature_for(token, url, params)}) as r:
                        await r.read()
                        code = r.status
                except aiohttp.ClientError:
                    code = 0
                codes[code] = codes.get(code, 0) + 1
                if code == 200:
                    break
                await asyncio.sleep(0.5)
            latencies.append((time.monotonic() - t0) * 1000)
            sids.append((host, sid))
            if len(sids) == calls // 2 and on_half and not half.is_set():
                half.set()
                on_half()

    started = time.monotonic()
    connector = aiohttp.TCPConnector(limit=CONCURRENCY, force_close=True)  # new connections: spread by the proxy
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(client(http) for _ in range(CONCURRENCY)))
    elapsed = time.monotonic() - started
    return {"calls": calls, "throughput_calls_per_s": round(calls / elapsed, 1),
            "webhook_p50_ms": round(percentile(latencies, 50), 1),
            "webhook_p99_ms": round(percentile(latencies, 99), 1),
            "answers": {str(k): v for k, v in sorted(codes.items())}, "sids": sids}


def _stored(sids: list) -> int:
    from telephony.models import Call
    from tenants.models import Domain

    n = 0
    by_host: dict[str, list[str]] = {}
    for host, sid in sids:
        by_host.setdefault(host, []).append(sid)
    for host, group in by_host.items():
        with tenant_context(Domain.objects.get(domain=host).tenant):
            n += Call.objects.filter(sid__in=group).count()
    connection.set_schema_to_public()
    return n


def main() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    agents, numbers = _setup()
    topo = Topology()
    try:
        asyncio.run(_wait_http(topo.port))
        push = asyncio.run(push_across_processes(topo.port, agents))
        run = f"S{int(time.time())}"
        load = asyncio.run(webhook_load(topo.port, numbers, CALLS, run + "a"))
        load["lost_calls"] = load["calls"] - _stored(load.pop("sids"))

        def kill_web2():
            topo.webs[1].send_signal(signal.SIGKILL)

        failover = asyncio.run(webhook_load(topo.port, numbers, CALLS // 2, run + "b", on_half=kill_web2))
        failover["lost_calls"] = failover["calls"] - _stored(failover.pop("sids"))
        failover["web2_killed"] = topo.webs[1].poll() is not None
    finally:
        topo.stop()
    out = {"topology": {"web_processes": 3, "celery_workers": 2, "proxy": "ops.proxy (round robin, TCP)",
                        "tenants": len(numbers), "agents": len(numbers) * int(os.environ.get("BENCH_AGENTS", 100))},
           "push_across_processes": push, "webhook_load": load, "web_process_killed": failover,
           "errors": push["events_missed"] + load["lost_calls"] + failover["lost_calls"]}
    text = json.dumps(out, indent=2)
    (LOGS / "scale.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
