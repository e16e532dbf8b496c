"""Fault injection (issue 11) with real processes; prints what was lost (it must be nothing).

1. billing_worker_kill — a real Celery worker runs the invoice run for 40 tenants; once some
   invoices exist it is killed with SIGKILL mid-run, a new worker starts and the run is sent
   again (as beat's retry or the operator would). Counted: tenants with no invoice or with
   more than one, and whether this run's invoice numbers are consecutive (no gap, no reuse).
2. postgres_restart_webhooks — a real daphne takes signed carrier webhooks (new calls) one
   after another while the embedded Postgres is restarted underneath it. Every webhook must
   end either answered or with a 5xx/connection error the carrier retries; retried until
   answered. Counted: calls lost (no row), calls written twice, half-written calls (no
   arrival event), and the 5xx the restart caused.
3. redis_kill_webhooks — the same traffic with Redis (cache, channel layer, broker) killed at
   a third and started again at two thirds, while the tenant admin's wallboard socket is open
   on the daphne (reconnecting with backoff whenever it closes, as the pages' live.js does).
   Once Redis is back (and the desk's reconnection window of a few seconds has passed) every
   new call must be pushed to that wallboard: pushes resume, none of the calls after the
   restart goes unheard.
4. dialer_worker_kill — a progressive campaign dialled through the real path (beat's task in
   a Celery worker, the sandbox carrier process, daphne): the worker is SIGKILLed in the middle
   of a tick's dials and a new one started. Counted: contacts dialled twice, attempts the
   carrier placed twice, dials recorded but never placed, and of those any still 'dialing'
   after beat's sweep has had a minute (they must be failed and retried by the rules).

    python bench/faults.py          # env: FAULT_TENANTS (40), FAULT_CALLS (300)
Needs the tenants of bench/billing.py (make bench runs it first). Writes bench/results/faults.json.
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
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django_tenants.utils import tenant_context  # noqa: E402

from bench.procs import LOGS, admin_session, free_port, spawn  # noqa: E402

TENANTS = int(os.environ.get("FAULT_TENANTS", 40))
CALLS = int(os.environ.get("FAULT_CALLS", 300))
DIAL_AGENTS = int(os.environ.get("FAULT_DIAL_AGENTS", 40))
DIAL_SECONDS = int(os.environ.get("FAULT_DIAL_SECONDS", 40))
QUEUE = "hostline-faults"
SETTLE_S = 5  # after Redis is back: the desks' reconnection backoff (live.js) has run its course



def _worker() -> subprocess.Popen:
    return spawn(["celery", "-A", "config", "worker", "--pool=solo", "-Q", QUEUE, "--without-gossip",
                   "--without-mingle", "--without-heartbeat", "-l", "warning"], "faults-worker.log")


def _wait(what: str, fn, timeout: float = 600.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(every)
    raise SystemExit(f"faults: timed out waiting for {what}")


def billing_worker_kill() -> dict:
    from bench.billing import PERIOD, bench_tenants, fill, reset
    from billing.models import Invoice, InvoiceCounter
    from billing.tasks import invoice_run_period

    tenants = bench_tenants(TENANTS)
    for t in tenants:
        fill(t)
    reset(tenants)
    ids = [t.pk for t in tenants]
    counter_before = InvoiceCounter.objects.filter(key="invoice").values_list("last", flat=True).first() or 0

    def made() -> int:
        return Invoice.objects.filter(tenant_id__in=ids, period=PERIOD).count()

    worker = _worker()
    invoice_run_period.apply_async(kwargs={"period": PERIOD.isoformat(), "tenant_ids": ids}, queue=QUEUE)
    killed_at = _wait("the first invoices", lambda: (n := made()) >= TENANTS // 4 and n)
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    at_kill = made()
    worker = _worker()  # the run is sent again: as beat's retry, or the operator pressing "run"
    invoice_run_period.apply_async(kwargs={"period": PERIOD.isoformat(), "tenant_ids": ids}, queue=QUEUE)
    _wait("every tenant invoiced", lambda: made() >= TENANTS)
    time.sleep(2)  # let a duplicate, if the code could make one, arrive
    worker.terminate()
    worker.wait(30)
    rows = list(Invoice.objects.filter(tenant_id__in=ids, period=PERIOD).values_list("tenant_id", "number"))
    per_tenant = {t: sum(1 for r in rows if r[0] == t) for t in ids}
    numbers = sorted(int(n.rsplit("-", 1)[1]) for _, n in rows)
    return {"tenants": TENANTS, "invoices_when_killed": killed_at, "invoices_after_kill": at_kill,
            "invoices": len(rows), "tenants_without_invoice": sum(1 for n in per_tenant.values() if n == 0),
            "duplicate_invoices": sum(n - 1 for n in per_tenant.values() if n > 1),
            "numbers_consecutive": numbers == list(range(counter_before + 1, counter_before + 1 + len(rows)))}



def dialer_worker_kill() -> dict:
    """A progressive campaign dialled by the real path — beat's `outbound.dial_tick_all` task
    in a real Celery worker, the sandbox carrier process, daphne for its webhooks — with the
    worker SIGKILLed once dials are flowing and a new one started. A double dial is a contact
    dialled twice (two attempts that reached the dialling stage) or one attempt the carrier
    placed twice (two carrier calls reporting on the same leg)."""
    from bench.dialer import _reset_floor
    from bench.dialer import tenant as dialer_tenant
    from telephony.models import AgentProfile, CallLeg, Campaign, DialAttempt, IvrFlow, PhoneNumber, WebhookReceipt
    from telephony.outbound.campaigns import DIALING_STATES, contacts_add
    from telephony.sandbox import carrier_installed
    from telephony.sandbox.carrier import SandboxCarrier
    from telephony.sandbox.scheduler import VirtualScheduler
    from telephony.sandbox.simulation import bots_ensure
    from telephony.sandbox.transport import ClientTransport
    from telephony.services.agents import agent_set_state
    from telephony.services.config import number_add
    from telephony.tasks import dial_tick_all

    t = dialer_tenant()
    run = int(time.time())
    with tenant_context(t):
        number = PhoneNumber.objects.first()
        if number is None:
            carrier = SandboxCarrier(transport=ClientTransport(), scheduler=VirtualScheduler(start=datetime.now(UTC)))
            with carrier_installed(carrier):
                number = number_add(e164="+19995550900", entry_flow=IvrFlow.objects.get(name="Main"))
        bots = bots_ensure(DIAL_AGENTS).users
        Campaign.objects.filter(state__in=list(DIALING_STATES)).update(state="cancelled")
        campaign = Campaign.objects.create(name=f"faults {run}", mode="progressive", state="running",
                                           calling_from=dtime(0, 0), calling_until=dtime(23, 59), pilot_calls=0,
                                           call_on_holidays=True, caller_id=number.e164)
        campaign.agents.set(bots)
        contacts_add(campaign=campaign, source="faults",
                     rows=[{"number": f"+1{'646' if run % 2 else '718'}{(run + i) % 10_000_000:07d}"}
                           for i in range(1000)])
        _reset_floor(bots)
        for bot in bots:
            profile, _ = AgentProfile.objects.get_or_create(user=bot)
            if profile.state != "available":
                if profile.state != "offline":
                    agent_set_state(user=bot, to_state="offline", source="system")
                agent_set_state(user=bot, to_state="available", source="agent")
    connection.set_schema_to_public()
    web_port, carrier_port = free_port(), free_port()
    env = {"SITE_PORT": str(web_port), "SANDBOX_CARRIER_URL": f"http://127.0.0.1:{carrier_port}"}
    web = spawn(["daphne", "-b", "127.0.0.1", "-p", str(web_port), "config.asgi:application"],
                 "faults-dial-daphne.log", **env)
    carrier = subprocess.Popen([sys.executable, "manage.py", "sandbox_carrier", "--listen",  # noqa: S603
                                f"http://127.0.0.1:{carrier_port}", "--app", f"http://127.0.0.1:{web_port}"],
                               cwd=ROOT, env=dict(os.environ, **env), stdout=open(LOGS / "faults-carrier.log", "w"),  # noqa: SIM115
                               stderr=subprocess.STDOUT)
    worker = spawn(["celery", "-A", "config", "worker", "--pool=solo", "-Q", QUEUE, "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "-l", "warning"], "faults-dial-worker.log", **env)

    def dialled() -> int:
        with tenant_context(t):
            n = DialAttempt.objects.filter(campaign=campaign).exclude(outcome="blocked").count()
        connection.set_schema_to_public()
        return n

    killed_at, end = None, time.monotonic() + DIAL_SECONDS
    while time.monotonic() < end:
        dial_tick_all.apply_async(queue=QUEUE, expires=4)  # what beat sends every 2 s
        tick_end = time.monotonic() + 2
        while time.monotonic() < tick_end:
            if killed_at is None and dialled() >= 5:  # in the middle of the first tick's dials
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                killed_at = dialled()
                worker = spawn(["celery", "-A", "config", "worker", "--pool=solo", "-Q", QUEUE,
                                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"],
                                "faults-dial-worker2.log", **env)
            time.sleep(0.05)
    with tenant_context(t):
        Campaign.objects.filter(pk=campaign.pk).update(state="cancelled")
    connection.set_schema_to_public()
    # beat's sweep for a minute and a bit: a dial the killed worker committed but never placed
    # must be failed (and its contact's rules applied), not left 'dialing' for ever
    from telephony.tasks import sweep_all

    sweep_end = time.monotonic() + 70
    while time.monotonic() < sweep_end:
        sweep_all.apply_async(queue=QUEUE, expires=4)
        time.sleep(2)
    for p in (worker, carrier, web):
        p.terminate()
        p.wait(30)
    with tenant_context(t):
        attempts = list(DialAttempt.objects.filter(campaign=campaign).exclude(outcome="blocked")
                        .values_list("contact_id", "call_id"))
        per_contact: dict[int, int] = {}
        for contact, _ in attempts:
            per_contact[contact] = per_contact.get(contact, 0) + 1
        legs = set(CallLeg.objects.filter(call_id__in=[c for _, c in attempts if c], role="caller")
                   .values_list("pk", flat=True))
        carrier_calls: dict[int, set] = {}  # leg -> the carrier calls that reported on it
        for sid, event in WebhookReceipt.objects.filter(event__startswith="leg:").values_list("call_sid", "event"):
            leg = int(event.split(":")[1] or 0)
            if leg in legs:
                carrier_calls.setdefault(leg, set()).add(sid)
        reached = len(carrier_calls)
        # a contact the killed tick locked but never dialled: free again after the lock's 15 minutes
        from telephony.models import CampaignContact

        stranded = CampaignContact.objects.filter(campaign=campaign, status="locked").exclude(
            pk__in=[c for c, _ in attempts]).count()
        unresolved = DialAttempt.objects.filter(campaign=campaign, outcome="dialing").exclude(
            call__legs__sid__isnull=False).count()
    connection.set_schema_to_public()
    contact_twice = sum(n - 1 for n in per_contact.values() if n > 1)
    carrier_twice = sum(len(s) - 1 for s in carrier_calls.values() if len(s) > 1)
    return {"dials": len(attempts), "dials_when_killed": killed_at, "worker_killed": killed_at is not None,
            "dials_that_reached_the_carrier": reached, "contacts_dialled_twice": contact_twice,
            "attempts_placed_twice_by_the_carrier": carrier_twice, "double_dials": contact_twice + carrier_twice,
            "dials_recorded_but_never_placed": len(attempts) - reached,
            "contacts_locked_by_the_killed_tick_undialled": stranded,
            "dials_never_placed_and_still_dialing": unresolved}


def _embedded_postgres() -> bool:
    from config import embedded

    return str(embedded.PG_DIR) in urllib.parse.unquote(os.environ.get("DATABASE_URL", ""))


def _restart_postgres() -> None:
    import pgserver._commands as pgc

    from config import embedded

    pgc.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=embedded.PG_DIR, user=embedded._pg_user())


def _embedded_redis() -> bool:
    from config import embedded

    return os.environ.get("REDIS_URL", "") == f"unix://{embedded.REDIS_SOCKET}"


REDIS_DOWN = threading.Event()


def _kill_redis() -> None:
    from config import embedded

    os.kill(int(embedded.REDIS_PIDFILE.read_text().strip()), signal.SIGKILL)
    _wait("Redis to die", lambda: not embedded._redis_alive(), 10)
    REDIS_DOWN.set()  # confirmed down: the calls that follow are taken without it


def _start_redis() -> None:
    from config import embedded

    embedded._start_redis()


def postgres_restart_webhooks() -> dict:
    if not _embedded_postgres():
        return {"skipped": "DATABASE_URL is not the embedded Postgres this bench can restart"}
    return webhooks_under_fault(_restart_postgres, None)


def redis_kill_webhooks() -> dict:
    """Redis (cache, channel layer, Celery broker) killed at a third of the traffic and
    started again at two thirds: calls must still be taken and stored, and pushes resume."""
    if not _embedded_redis():
        return {"skipped": "REDIS_URL is not the embedded Redis this bench can kill"}
    result = webhooks_under_fault(_kill_redis, _start_redis, with_desk=True)
    return {**result, "redis_was_down": REDIS_DOWN.is_set()}


class Desk(threading.Thread):
    """The tenant admin's wallboard on the daphne under test: one socket, opened again with
    backoff whenever it closes and pinging every 2 s, as live.js does; notes which calls it
    hears of (call.update)."""

    def __init__(self, port: int, host: str, session: str):
        super().__init__(daemon=True)
        self.port, self.host, self.session = port, host, session
        self.heard: set[int] = set()
        self.connects = 0
        self.ready, self.stop = threading.Event(), threading.Event()

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        import aiohttp

        delay = 0.5
        async with aiohttp.ClientSession() as http:
            while not self.stop.is_set():
                try:
                    ws = await http.ws_connect(f"http://127.0.0.1:{self.port}/ws/v1/events", timeout=5, headers={
                        "Host": f"{self.host}:{self.port}", "Origin": f"http://{self.host}:{self.port}",
                        "Cookie": f"sessionid={self.session}"})
                    if (await ws.receive_json(timeout=5)).get("type") == "hello":
                        self.connects += 1
                        self.ready.set()
                        delay = 0.5
                        await self._listen(ws)
                    await ws.close()
                except (aiohttp.ClientError, TimeoutError, TypeError, ValueError, RuntimeError):
                    pass
                if not self.stop.is_set():
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 4.0)

    async def _listen(self, ws) -> None:
        import aiohttp

        pinged = 0.0
        while not self.stop.is_set():
            if time.monotonic() - pinged > 2:
                await ws.send_json({"type": "ping"})
                pinged = time.monotonic()
            try:
                msg = await ws.receive(timeout=0.5)
            except TimeoutError:
                continue
            if msg.type != aiohttp.WSMsgType.TEXT:
                return
            data = json.loads(msg.data)
            if data.get("type") == "call.update":
                self.heard.add(data["call"])


def webhooks_under_fault(fault, recover, with_desk: bool = False) -> dict:
    from telephony.models import Call, CallEvent, IvrFlow, PhoneNumber
    from telephony.sandbox import carrier_installed
    from telephony.sandbox.carrier import SandboxCarrier
    from telephony.sandbox.scheduler import VirtualScheduler
    from telephony.sandbox.transport import ClientTransport
    from telephony.services.config import number_add
    from telephony.signatures import signature_for, tenant_webhook_token
    from tenants.models import Tenant
    from tenants.services import tenant_signup

    slug = "bench-faults"
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        tenant = tenant_signup(company="Faults bench", slug=slug, admin_email=f"admin@{slug}.test",
                               password="Bench-pass-123", edition="professional")
        Tenant.objects.filter(pk=tenant.pk).update(state="active")
        tenant.refresh_from_db()
    number = "+19995550999"
    with tenant_context(tenant):
        if not PhoneNumber.objects.filter(e164=number).exists():
            carrier = SandboxCarrier(transport=ClientTransport(), scheduler=VirtualScheduler(start=datetime.now(UTC)))
            with carrier_installed(carrier):
                number_add(e164=number, entry_flow=IvrFlow.objects.get(name="Main"))
        run = f"F{int(time.time())}"
    connection.set_schema_to_public()
    token = tenant_webhook_token(tenant)
    port = free_port()
    host = f"{slug}.{os.environ.get('BASE_DOMAIN', 'localhost')}"
    web = spawn(["daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"], "faults-daphne.log",
                 SITE_PORT=str(port))
    url = f"http://{host}:{port}/telephony/voice/incoming"

    def post(sid: str) -> int:
        params = {"CallSid": sid, "From": "+15550009999", "To": number, "CallStatus": "ringing"}
        req = urllib.request.Request(f"http://127.0.0.1:{port}/telephony/voice/incoming",
                                     data=urllib.parse.urlencode(params).encode(), method="POST",
                                     headers={"Host": f"{host}:{port}", "X-Twilio-Signature":
                                              signature_for(token, url, params)})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
                return resp.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0  # refused / reset: the carrier sees no answer and retries

    _wait("daphne", lambda: post("CAwarmup" + run) == 200, 60, 0.2)
    desk = Desk(port, host, admin_session(tenant)) if with_desk else None
    if desk:
        desk.start()
        if not desk.ready.wait(30):
            raise SystemExit("faults: the wallboard socket did not open (see bench/results/faults-daphne.log)")
    sids = [f"CA{run}{i:05d}" for i in range(CALLS)]
    statuses: dict[str, list[int]] = {s: [] for s in sids}
    done = threading.Event()

    def traffic():
        for i, sid in enumerate(sids):
            if i == CALLS // 3:
                threading.Thread(target=lambda: (fault(), done.set()), daemon=True).start()
            if i == 2 * CALLS // 3 and recover is not None:
                done.wait(120)
                recover()
                if desk:
                    time.sleep(SETTLE_S)
            statuses[sid].append(post(sid))
            time.sleep(0.01)

    started = time.monotonic()
    traffic()
    done.wait(120)
    # The carrier retries what was not answered 200 (Twilio: the fallback URL / its retry policy).
    for _ in range(30):
        pending = [s for s in sids if statuses[s][-1] != 200]
        if not pending:
            break
        time.sleep(1)
        for sid in pending:
            statuses[sid].append(post(sid))
    elapsed = time.monotonic() - started
    if desk:
        time.sleep(2)  # the last calls' pushes are on their way
        desk.stop.set()
        desk.join(10)
    web.terminate()
    web.wait(30)
    connection.close()  # ours died with the restart
    with tenant_context(tenant):
        stored = dict(Call.objects.filter(sid__in=sids).values_list("sid", "pk"))
        arrived = set(CallEvent.objects.filter(call_id__in=stored.values()).values_list("call_id", flat=True))
        rows = Call.objects.filter(sid__in=sids).count()
    failures = [c for codes in statuses.values() for c in codes if c != 200]
    pushes = {}
    if desk:
        after = [stored[s] for s in sids[2 * CALLS // 3:] if s in stored]
        pushes = {"wallboard_connects": desk.connects, "calls_after_restart": len(after),
                  "calls_after_restart_heard": sum(pk in desk.heard for pk in after),
                  "pushes_lost_after_restart": sum(pk not in desk.heard for pk in after)}
    return {"calls": CALLS, "answered_5xx_or_no_answer": len(failures),
            "failure_codes": sorted(set(failures)), "calls_retried": sum(len(c) > 1 for c in statuses.values()),
            "lost_calls": sum(1 for s in sids if s not in stored), "calls_written_twice": rows - len(stored),
            "half_written_calls": sum(1 for pk in stored.values() if pk not in arrived),
            "never_answered_200": sum(1 for c in statuses.values() if c[-1] != 200),
            "throughput_calls_per_s": round(CALLS / elapsed, 1), **pushes}


def main() -> None:
    LOGS.mkdir(parents=True, exist_ok=True)
    out = {"billing_worker_kill": billing_worker_kill(), "postgres_restart_webhooks": postgres_restart_webhooks(),
           "redis_kill_webhooks": redis_kill_webhooks(), "dialer_worker_kill": dialer_worker_kill()}
    b, hooks = out["billing_worker_kill"], [out["postgres_restart_webhooks"], out["redis_kill_webhooks"]]
    out["lost"] = {"duplicate_invoices": b["duplicate_invoices"], "tenants_without_invoice":
                   b["tenants_without_invoice"], "double_dials": out["dialer_worker_kill"]["double_dials"],
                   "dials_stuck": out["dialer_worker_kill"]["dials_never_placed_and_still_dialing"]}
    for key in ("lost_calls", "calls_written_twice", "half_written_calls", "never_answered_200",
                "pushes_lost_after_restart"):
        out["lost"][key] = sum(h.get(key, 0) for h in hooks)
    out["nothing_lost"] = not any(out["lost"].values()) and b["numbers_consecutive"]
    text = json.dumps(out, indent=2)
    (LOGS / "faults.json").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
