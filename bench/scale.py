"""Scale-out (issue 11): the Procfile.scale topology on loopback — 3 daphne processes behind
ops.proxy, 2 Celery workers — against one Postgres and one Redis, driven with the routing
bench's tenants (10 tenants × 100 agents = 1,000 agents).

1. Push across processes: SOCKETS agents open their websocket through the proxy (so they
   land on all three web processes); each then changes state through the REST API, whose
   request the proxy sends to whichever process is next. Every socket must get its own
   `agent.state` event: counted, with the push latency (request sent → event received).
2. Webhook load: CALLS signed carrier webhooks (new calls) over all tenants through the
   proxy from CONCURRENCY clients: throughput, p50/p99, errors.
2. The simulator across processes: every tenant's callers and bots at once, on wall-clock
   time (a rush of short calls: SCALE_SIM_PACE divides every human duration). The sandbox
   carrier runs in this process and posts its webhooks through the proxy, one new
   connection each, so they land on all three web processes; the bots' REST calls too; the
   app's REST commands come back to the carrier; Celery beat and the two workers run the
   timers. Half-way through the arrivals web3 is SIGKILLed: calls in flight go on through
   the other two (a dropped connection is retried, as Twilio retries); after the run web3
   is started again, as the process supervisor would. Each tenant's
   wallboard socket is opened directly on web1 or web2, in turn: every call event the
   tenants' calls logged must reach its wallboard, wherever the webhook that caused it was
   served. Counted: calls, webhooks per process, lost calls, double offers, errors, events
   missed.
3. Webhook load: CALLS signed carrier webhooks (new calls) over all tenants through the
   proxy from CONCURRENCY clients: throughput, p50/p99, errors.
4. A web process dies: web2 is killed half-way through a second webhook run; new requests
   go to the others. Counted: errors after the kill and calls lost.

    python bench/scale.py      # env: SCALE_SOCKETS (60), SCALE_CALLS (2000), SCALE_CONCURRENCY (16),
                               #      SCALE_SIM_CALLS per tenant (30), SCALE_SIM_AGENTS (4), SCALE_SIM_PACE (10)
Writes bench/results/scale.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
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

from django.db import connection  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from bench.procs import LOGS, ROOT, admin_session, free_port, spawn, wait_http  # noqa: E402
from ops.procfile import procfile, with_option  # noqa: E402
from telephony.sandbox.simulation import percentile  # noqa: E402

SOCKETS = int(os.environ.get("SCALE_SOCKETS", 60))
CALLS = int(os.environ.get("SCALE_CALLS", 2000))
CONCURRENCY = int(os.environ.get("SCALE_CONCURRENCY", 16))
SIM_CALLS = int(os.environ.get("SCALE_SIM_CALLS", 30))
SIM_AGENTS = int(os.environ.get("SCALE_SIM_AGENTS", 4))
SIM_PACE = float(os.environ.get("SCALE_SIM_PACE", 10))




class Topology:
    """The processes of Procfile.scale, run from that file's own commands: only the ports,
    the proxy's backends and beat's schedule file move (free loopback ports, bench/results),
    so the bench tests the topology we tell operators to run. The sandbox carrier is this
    bench's own (phase 2)."""

    def __init__(self):
        procs = procfile(ROOT / "Procfile.scale")
        self.web_commands = [procs[name] for name in sorted(procs) if name.startswith("web")]
        workers = [procs[name] for name in sorted(procs) if name.startswith("worker")]
        if len(self.web_commands) != 3 or len(workers) != 2 or "proxy" not in procs or "beat" not in procs:
            raise SystemExit(f"Procfile.scale should run 3 web processes, a proxy, 2 workers and beat: {sorted(procs)}")
        self.ports = [free_port() for _ in self.web_commands]
        self.port = free_port()
        self.carrier_port = free_port()
        self.env = {"SITE_PORT": str(self.port), "SANDBOX_CARRIER_URL": f"http://127.0.0.1:{self.carrier_port}"}
        env = self.env
        self.webs = [self._web(i) for i in range(len(self.web_commands))]
        proxy = with_option(procs["proxy"], "--listen", f"127.0.0.1:{self.port}")
        proxy = with_option(proxy, "--backends", ",".join(f"127.0.0.1:{p}" for p in self.ports))
        self.proxy = spawn(proxy, "scale-proxy.log")
        self.workers = [spawn(argv, f"scale-worker{i}.log", **env) for i, argv in enumerate(workers, 1)]
        beat = with_option(procs["beat"], "--schedule", str(LOGS / "scale-beat-schedule"))
        self.beat = spawn(beat, "scale-beat.log", **env)

    def _web(self, i: int, log_mode: str = "w"):
        argv = with_option(with_option(self.web_commands[i], "-p", str(self.ports[i])), "-b", "127.0.0.1")
        return spawn(argv, f"scale-web{i + 1}.log", log_mode=log_mode, **self.env)

    def restart_web(self, i: int) -> None:
        """What the process supervisor does for a web process that died: start it again on
        its port (its log goes on), and the proxy sends it connections as before."""
        self.webs[i] = self._web(i, log_mode="a")
        asyncio.run(wait_http(self.ports[i]))

    def stop(self) -> None:
        for p in [*self.webs, self.proxy, *self.workers, self.beat]:
            if p.poll() is None:
                p.terminate()
        for p in [*self.webs, self.proxy, *self.workers, self.beat]:
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
            from telephony.sandbox.simulation import bots_ensure, leftovers_reset

            leftovers_reset()  # a run that was killed may have left bots ringing
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


def _served_hooks() -> list[int]:
    """Carrier webhooks each web process has served so far (from its access log)."""
    return [sum(1 for line in (LOGS / f"scale-web{i}.log").read_text(errors="replace").splitlines()
                if '"POST /telephony/' in line) for i in (1, 2, 3)]


class Wallboards(threading.Thread):
    """One supervisor socket per tenant, opened directly on web1 or web2 in turn (web3 is
    killed during the run); collects the (call, event) pairs each one hears."""

    def __init__(self, topo: Topology, boards: list[dict]):
        super().__init__(daemon=True)
        self.topo, self.boards = topo, boards
        self.heard: dict[str, set] = {b["slug"]: set() for b in boards}
        self.dropped = 0
        self.ready, self.done = threading.Event(), threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported by the bench, not lost in a thread
            self.failure = exc
            self.ready.set()

    async def _main(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as http:
            sockets = []
            for i, b in enumerate(self.boards):
                web = self.topo.ports[i % 2]
                ws = await http.ws_connect(f"http://127.0.0.1:{web}/ws/v1/events", headers={
                    "Host": f"{b['host']}:{self.topo.port}", "Origin": f"http://{b['host']}:{self.topo.port}",
                    "Cookie": f"sessionid={b['session']}"})
                hello = await ws.receive_json(timeout=10)
                assert hello["type"] == "hello" and {"supervisor", "tenant_admin"} & set(hello["roles"]), hello
                sockets.append(ws)
            self.ready.set()
            await asyncio.gather(*(self._listen(ws, b["slug"]) for ws, b in zip(sockets, self.boards, strict=True)))
            for ws in sockets:
                await ws.close()

    async def _listen(self, ws, slug: str) -> None:
        import aiohttp

        while not self.done.is_set():
            try:
                msg = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            if msg.type != aiohttp.WSMsgType.TEXT:
                self.dropped += 1
                return
            data = json.loads(msg.data)
            if data.get("type") == "call.update":
                self.heard[slug].add((data["call"], data["event"]))


def simulator_across_processes(topo: Topology) -> dict:
    from django.conf import settings

    from bench.routing import ensure_tenants
    from telephony.management.commands.sandbox_carrier import sandbox_number
    from telephony.models import CallEvent
    from telephony.sandbox.carrier import SandboxCarrier
    from telephony.sandbox.scheduler import RealtimeScheduler
    from telephony.sandbox.server import serve
    from telephony.sandbox.simulation import Simulation, run_realtime
    from telephony.sandbox.transport import HttpApi, HttpTransport

    settings.SITE_PORT = str(topo.port)  # the URLs the carrier signs are the proxy's, as the webs see them
    tenants = ensure_tenants()
    proxy = f"http://127.0.0.1:{topo.port}"
    carrier = SandboxCarrier(transport=HttpTransport(connect_to=proxy), scheduler=RealtimeScheduler())
    carrier.number_resolver = sandbox_number
    failures: list[str] = []
    server = serve(carrier, "127.0.0.1", topo.carrier_port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    threading.Thread(target=carrier.scheduler.run_forever, args=(lambda exc: failures.append(repr(exc)),),
                     daemon=True).start()
    boards = Wallboards(topo, [{"slug": t.slug, "host": t.domains.first().domain, "session": admin_session(t)}
                               for t in tenants])
    boards.start()
    boards.ready.wait(60)
    if boards.failure:
        raise boards.failure
    served_before = _served_hooks()
    sims = [Simulation(tenant=t, calls=SIM_CALLS, agents=SIM_AGENTS, pace=SIM_PACE, seed=i, api=HttpApi(proxy))
            for i, t in enumerate(tenants, 1)]
    half = len(sims) * SIM_CALLS // 2
    killed = threading.Event()

    def kill_web3_half_way() -> None:
        while sum(s.arrived for s in sims) < half and not killed.is_set():
            time.sleep(0.2)
        if not killed.is_set():
            topo.webs[2].send_signal(signal.SIGKILL)
            killed.set()

    threading.Thread(target=kill_web3_half_way, daemon=True).start()
    try:
        result = run_realtime(sims, carrier=carrier)
    finally:
        killed.set()
        time.sleep(3)  # the last pushes of the last calls
        boards.done.set()
        boards.join(10)
        carrier.scheduler.stop()
        server.shutdown()
    missed, logged = 0, 0
    for sim in sims:
        with tenant_context(sim.tenant):
            expected = set(CallEvent.objects.filter(call__sim_run=sim.run_id).values_list("call_id", "kind"))
        logged += len(expected)
        missed += len(expected - boards.heard[sim.tenant.slug])
    connection.set_schema_to_public()
    served = [after - before for before, after in zip(served_before, _served_hooks(), strict=True)]
    return {"tenants": len(sims), "agents": len(sims) * SIM_AGENTS, "pace": SIM_PACE,
            "calls": result["calls"], "answered": result["answered"],
            "service_level_mean": round(sum(r["service_level"] or 0 for r in result["tenants"]) / len(sims), 3),
            "webhooks": result["webhooks"], "webhooks_served_per_process": served,
            "web3_killed_half_way": topo.webs[2].poll() is not None,
            "webhook_p50_ms": result["webhook_p50_ms"], "webhook_p99_ms": result["webhook_p99_ms"],
            "webhook_errors": result["webhook_errors"], "webhook_retries": result["webhook_retries"],
            "bot_api_errors": result["api_errors"], "carrier_failures": len(failures),
            "lost_calls": result["lost_calls"], "double_offers": result["double_offers"],
            "call_events_logged": logged, "call_events_missed_on_wallboards": missed,
            "wallboard_sockets_dropped": boards.dropped, "wall_s": result["wall_s"]}


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
        asyncio.run(wait_http(topo.port))
        push = asyncio.run(push_across_processes(topo.port, agents))
        sim = simulator_across_processes(topo)
        topo.restart_web(2)
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
           "push_across_processes": push, "simulator_across_processes": sim, "webhook_load": load,
           "web_process_killed": failover,
           "errors": push["events_missed"] + load["lost_calls"] + failover["lost_calls"] + sim["lost_calls"]
           + sim["double_offers"] + sim["webhook_errors"] + sim["bot_api_errors"] + sim["carrier_failures"]
           + sim["call_events_missed_on_wallboards"]}
    text = json.dumps(out, indent=2)
    (LOGS / "scale.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
