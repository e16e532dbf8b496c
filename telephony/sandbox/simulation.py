"""Simulated traffic through the real path (the `simulate` command, tests and benchmarks).

Callers dial the tenant's number on the sandbox carrier and walk its published IVR;
simulated agents ("bots": no seat, no login, only simulated calls) work through the
same REST API a desk uses — go ready, accept offers after a human-like delay, wrap up.
Every carrier event reaches the app as a signed webhook through Django's full request
stack. Time is virtual: an hour of traffic runs in a minute, and the run is laid out to
end at the present moment, so its calls read as this morning's history.

`run_realtime` plays several tenants at once on wall-clock time against running web
processes instead (HTTP both ways, the app's own beat for timers): how bench/scale.py
spreads the simulator's traffic over a multi-process topology.
"""

from __future__ import annotations

import math
import random
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from django.db import connection

from telephony import clock
from telephony.sandbox import carrier_installed
from telephony.sandbox.carrier import CallerScript, SandboxCarrier
from telephony.sandbox.scheduler import VirtualScheduler
from telephony.sandbox.transport import ClientApi, ClientTransport, HttpApi, Timings

BOT_DOMAIN = "sandbox.invalid"
TICK_S = 1.0
SWEEP_EVERY_S = 2.0
MEAN_TALK_S = 150.0
MEAN_PATIENCE_S = 150.0
MEAN_ANSWER_DELAY_S = 2.5
MEAN_WRAP_S = 12.0
TARGET_OCCUPANCY = 0.85
# A contact centre's day, calls per hour by UTC hour (relative): quiet nights, a morning
# peak, a lunch dip, an afternoon peak and a long tail into the evening.
DAY_SHAPE = (0, 0, 0, 0, 0, 0, 1, 3, 6, 9, 10, 9, 7, 8, 9, 8, 7, 6, 4, 3, 2, 1, 0, 0)
DRAIN_LIMIT_S = 4 * 3600


def keep_connection_across_requests() -> None:
    """One process driving the app in-process: keep its DB connection between requests
    (as Django's test client does) instead of reconnecting for every webhook."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


class SimulationBusy(Exception):
    pass


@dataclass
class SimAgents:
    users: list = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)


def bots_ensure(count: int) -> SimAgents:
    """The tenant's simulated agents (created once, reused), all skills at mixed levels."""
    from accounts.models import ApiToken, Role, Skill, User, UserSkill
    from accounts.services import _grant_roles, api_token_create

    out = SimAgents()
    ApiToken.objects.filter(user__is_bot=True, name="simulation").delete()
    skills = list(Skill.objects.all())
    for i in range(1, count + 1):
        email = f"sim{i:03d}@{BOT_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=f"Sim agent {i:03d}",
                                            is_bot=True)
            _grant_roles(user, [Role.AGENT])
            UserSkill.objects.bulk_create(UserSkill(user=user, skill=s, proficiency=2 + (i + j) % 4)
                                          for j, s in enumerate(skills))
        out.users.append(user)
        out.tokens[user.pk] = api_token_create(user=user, name="simulation")
    return out


class CallerBehaviour:
    """How simulated callers answer the IVR: mostly into queues, some voicemail or callback."""

    def __init__(self, graph: dict, rng: random.Random, queue_ids: set[int] | None):
        self.graph, self.rng, self.queue_ids = graph, rng, queue_ids

    def _weight(self, target: str, depth: int = 0) -> float:
        node = self.graph["nodes"].get(target, {})
        kind = node.get("type")
        if kind == "queue":
            return 1.0 if self.queue_ids is None or node.get("queue") in self.queue_ids else 0.0
        if kind in ("voicemail", "callback"):
            return 0.04
        if kind in ("hangup", "transfer"):
            return 0.0
        if depth > 6:
            return 0.2
        nexts = [v.get("next") if isinstance(v, dict) else v for v in (node.get("options") or {}).values()]
        nexts += [node[b] for b in ("next", "open", "closed", "vip", "default") if node.get(b)]
        return max((self._weight(n, depth + 1) for n in nexts), default=0.0)

    def on_gather(self, action_url: str) -> str | None:
        node_id = (parse_qs(urlsplit(action_url).query).get("node") or [""])[0]
        node = self.graph["nodes"].get(node_id, {})
        kind = node.get("type")
        if kind == "collect":
            return "".join(self.rng.choice("0123456789") for _ in range(node.get("min_digits", 4))) + \
                node.get("finish_on_key", "#")
        if kind == "survey":
            return self.rng.choice("1112")
        options = node.get("options") or {}
        keys = list(options)
        weights = [self._weight(v.get("next") if isinstance(v, dict) else v) for v in options.values()]
        if not keys or sum(weights) == 0:
            return None
        return self.rng.choices(keys, weights=weights)[0]


class Simulation:
    """One tenant's traffic. `profile` "flat": calls arrive at a steady rate that keeps the
    agents at TARGET_OCCUPANCY; "day": the calls spread over the last 24 hours along
    DAY_SHAPE (a day's history, as WFM forecasts from). `pace` divides every human duration
    (talk, patience, answer delay, wrap-up, think time): pace 10 is a rush of 15-second calls,
    for runs on wall-clock time (`run_realtime`). `api` is how the bots reach the app
    (in-process by default)."""

    def __init__(self, *, tenant, calls: int, agents: int, queues: int | None = None, seed: int = 1,
                 pace: float = 1.0, api: ClientApi | HttpApi | None = None, profile: str = "flat"):
        if profile not in ("flat", "day"):
            raise ValueError(f"Unknown traffic profile {profile!r}: use 'flat' or 'day'.")
        self.tenant, self.n_calls, self.n_agents, self.n_queues = tenant, calls, agents, queues
        self.profile = profile
        self.rng = random.Random(seed)
        self.run_id = "sim" + secrets.token_hex(6)
        self.timings = Timings()
        self.pace = pace
        self.api = api or ClientApi()
        self.api_errors = 0
        self.handled_offers: set[int] = set()
        self.handled_wraps: set[tuple[int, int]] = set()
        self.arrived = 0

    def _s(self, seconds: float) -> float:
        return seconds / self.pace

    # -- setup --------------------------------------------------------------------------
    def _entry(self):
        from telephony.models import PhoneNumber

        number = PhoneNumber.objects.select_related("entry_flow__published").filter(
            entry_flow__published__isnull=False).order_by("pk").first()
        if number is None:
            raise ValueError("The tenant has no number with a published IVR flow to call.")
        return number, number.entry_flow.published.graph

    def _api(self, bot_pk: int, method: str, path: str, body: dict | None = None) -> int:
        """A bot's REST call. 4xx is part of the game (an offer another bot won: 409); 5xx
        or no answer at all is an error of the platform and is counted."""
        status = self.api.request(method, self.host, path, self.bots.tokens[bot_pk], body)
        if status == 0 or status >= 500:
            self.api_errors += 1
        return status

    # -- the bots' side ------------------------------------------------------------------
    def _bots_tick(self) -> None:
        from telephony.models import AgentProfile, Offer

        bot_ids = list(self.bots.tokens)
        for offer_pk, agent_id, call_id in Offer.objects.filter(
                status="pending", agent_id__in=bot_ids).values_list("pk", "agent_id", "call_id"):
            if offer_pk in self.handled_offers:
                continue
            self.handled_offers.add(offer_pk)
            delay = self.rng.expovariate(1 / self._s(MEAN_ANSWER_DELAY_S))
            self.scheduler.call_later(min(delay, self._s(20)), lambda a=agent_id, c=call_id: self._api(
                a, "post", f"/api/v1/calls/{c}/accept"))
        for agent_id, since in AgentProfile.objects.filter(state="wrap_up", user_id__in=bot_ids).values_list(
                "user_id", "state_since"):
            key = (agent_id, int(since.timestamp()))
            if key in self.handled_wraps:
                continue
            self.handled_wraps.add(key)
            call_pk = self._last_call_of(agent_id)
            if call_pk is None:
                continue
            wrap = min(self.rng.expovariate(1 / self._s(MEAN_WRAP_S)), self._s(25))
            self.scheduler.call_later(wrap, lambda a=agent_id, c=call_pk: self._api(
                a, "post", f"/api/v1/calls/{c}/wrap-up", {"disposition": "resolved"}))

    def _last_call_of(self, agent_id: int) -> int | None:
        from telephony.models import Call

        return (Call.objects.filter(agent_id=agent_id, ended_at__isnull=False, sim_run=self.run_id)
                .order_by("-ended_at").values_list("pk", flat=True).first())

    def _callback_hangups(self) -> None:
        """Callback calls have no caller script: the agent ends them after a talk."""
        from telephony.models import Call

        for pk, agent_id in Call.objects.filter(sim_run=self.run_id, direction="callback", status="connected",
                                                 agent__isnull=False).values_list("pk", "agent_id"):
            if ("cb", pk) in self.handled_wraps:
                continue
            self.handled_wraps.add(("cb", pk))
            talk = self.rng.expovariate(1 / self._s(MEAN_TALK_S))
            self.scheduler.call_later(talk, lambda a=agent_id, c=pk: self._api(a, "post", f"/api/v1/calls/{c}/hangup"))

    # -- the callers' side ---------------------------------------------------------------
    def _arrivals_start(self) -> None:
        if self.profile == "flat":
            self.scheduler.call_later(0, self._arrive)
            return
        hours = [(self.scheduler.now() + timedelta(hours=k)).hour for k in range(24)]
        picks = self.rng.choices(range(24), weights=[DAY_SHAPE[h] for h in hours], k=self.n_calls)
        for k in sorted(picks):
            self.scheduler.call_later(k * 3600 + self.rng.uniform(0, 3600), self._caller_place)

    def _arrive(self) -> None:
        """Flat profile: a caller now, the next one after an exponential gap."""
        if self.arrived >= self.n_calls:
            return
        self._caller_place()
        self.scheduler.call_later(self.rng.expovariate(self.rate), self._arrive)

    def _caller_place(self) -> None:
        self.arrived += 1
        script = CallerScript(on_gather=self.behaviour.on_gather,
                              patience_s=self.rng.expovariate(1 / self._s(MEAN_PATIENCE_S)) + self._s(3),
                              talk_s=max(self._s(15.0), self.rng.lognormvariate(
                                  math.log(self._s(MEAN_TALK_S)) - 0.18, 0.6)),
                              voicemail_s=max(2.0, self._s(self.rng.uniform(2, 45))),
                              think_s=self._s(self.rng.uniform(1, 4)))
        ani = f"+1{self.rng.randint(201, 989)}{self.rng.randint(2000000, 9999999)}"
        self.carrier.place_call(from_=ani, to=self.number.e164, script=script, tags={"SandboxRun": self.run_id})

    # -- running -------------------------------------------------------------------------
    @contextmanager
    def _locked(self) -> Iterator[None]:
        key = f"simulate:{self.tenant.schema_name}"
        with connection.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [key])
            if not cur.fetchone()[0]:
                raise SimulationBusy(f"A simulation is already running for {self.tenant.slug}.")
        try:
            yield
        finally:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", [key])

    def _prepare(self) -> None:
        """The tenant's entry number, bots and caller model (inside the tenant's context)."""
        from telephony.models import Queue
        from tenants.selectors import tenant_url

        self.host = urlsplit(tenant_url(self.tenant)).netloc
        self.number, graph = self._entry()
        self.bots = bots_ensure(self.n_agents)
        leftovers_reset()
        queue_ids = None
        if self.n_queues:
            queue_ids = set(Queue.objects.order_by("pk").values_list("pk", flat=True)[:self.n_queues])
        self.behaviour = CallerBehaviour(graph, self.rng, queue_ids)
        capacity = self.n_agents / (self._s(MEAN_TALK_S + MEAN_WRAP_S + MEAN_ANSWER_DELAY_S) + 5)
        self.rate = TARGET_OCCUPANCY * capacity

    def run(self) -> dict:
        """In-process, on a virtual clock: hours of traffic in minutes, ending now."""
        from django_tenants.utils import tenant_context

        with tenant_context(self.tenant), self._locked():
            self._prepare()
            if self.profile == "day":  # the last full day, from an hour's start, drained by now
                start = (datetime.now(UTC) - timedelta(hours=24, seconds=1800)).replace(minute=0, second=0,
                                                                                         microsecond=0)
            else:
                start = datetime.now(UTC) - timedelta(seconds=self.n_calls / self.rate + 1800)
            self.scheduler = VirtualScheduler(start=start)
            self.carrier = SandboxCarrier(transport=ClientTransport(self.timings), scheduler=self.scheduler)
            t0 = time.perf_counter()
            with carrier_installed(self.carrier), clock.virtual(self.scheduler.now):
                self._configure_number()
                self._go()
            wall = time.perf_counter() - t0
            return self.summary(wall)

    def _configure_number(self) -> None:
        from telephony.hooks import hook_url
        from telephony.providers.sandbox import SandboxProvider

        SandboxProvider(tenant_schema=self.tenant.schema_name).number_configure(
            e164=self.number.e164, voice_url=hook_url("incoming"), status_url=hook_url("status"))

    def _go(self) -> None:
        from telephony.sweep import sweep

        for bot in self.bots.users:
            self._api(bot.pk, "put", "/api/v1/agents/me/state", {"state": "available"})
        self._arrivals_start()
        next_sweep = 0.0
        deadline = None
        while True:
            busy = self._busy()
            upcoming = self.scheduler.next_time()
            if not busy and upcoming is not None and upcoming > self.scheduler.t + TICK_S:
                self.scheduler.run_until(upcoming)  # nothing waits on a timer: jump to the next event
            else:
                self.scheduler.run_until(self.scheduler.t + TICK_S)
            self._bots_tick()
            self._callback_hangups()
            if self.scheduler.t >= next_sweep and (busy or self._busy()):
                sweep(simulated=True)
                next_sweep = self.scheduler.t + SWEEP_EVERY_S
            if self.arrived >= self.n_calls:
                deadline = deadline or self.scheduler.t + DRAIN_LIMIT_S
                if self._drained() or self.scheduler.t > deadline:
                    break
        for bot in self.bots.users:
            self._api(bot.pk, "put", "/api/v1/agents/me/state", {"state": "offline"})

    def _busy(self) -> bool:
        """Is anything waiting on a timer (offer, wrap-up, overflow, max wait, callback)?"""
        with connection.cursor() as cur:
            cur.execute("""
                SELECT EXISTS (SELECT 1 FROM telephony_call WHERE sim_run = %s
                                 AND status IN ('queued', 'offered', 'connecting'))
                    OR EXISTS (SELECT 1 FROM telephony_agentprofile p JOIN accounts_user u ON u.id = p.user_id
                                WHERE u.is_bot AND p.state IN ('reserved', 'wrap_up'))
                    OR EXISTS (SELECT 1 FROM telephony_callback b JOIN telephony_call c ON c.id = b.origin_call_id
                                WHERE c.sim_run = %s AND b.status = 'scheduled')""", [self.run_id, self.run_id])
            return cur.fetchone()[0]

    def _drained(self) -> bool:
        from telephony.models import ACTIVE_STATUSES, AgentProfile, Call, Callback

        if self._live_legs():
            return False
        if Call.objects.filter(sim_run=self.run_id, status__in=ACTIVE_STATUSES).exists():
            return False
        if Callback.objects.filter(origin_call__sim_run=self.run_id, status__in=["scheduled", "queued",
                                                                                   "dialing"]).exists():
            return False
        return not AgentProfile.objects.filter(user__is_bot=True, state__in=["wrap_up", "reserved",
                                                                              "on_call"]).exists()

    def _live_legs(self) -> list:
        """The carrier's calls still up on this tenant's account (one carrier may serve many)."""
        from telephony.providers.sandbox import sandbox_account_sid

        account = sandbox_account_sid(self.tenant.schema_name)
        return [c for c in self.carrier.live_calls() if c.account == account]

    # -- results -------------------------------------------------------------------------
    def summary(self, wall_s: float) -> dict:
        from reports.kpis import call_kpis
        from telephony.models import ACTIVE_STATUSES, Call, Callback, RoutingDecision

        calls = Call.objects.filter(sim_run=self.run_id)
        kpis = call_kpis(where="c.sim_run = %(run)s", params={"run": self.run_id})
        routing_us = sorted(RoutingDecision.objects.filter(call__sim_run=self.run_id, strategy__in=[
            "longest_idle", "round_robin", "least_occupied", "skills", "last_agent"]).values_list(
            "elapsed_us", flat=True))
        hooks = sorted(self.timings.webhook_ms)
        return {
            "tenant": self.tenant.slug, "run": self.run_id, "calls": self.n_calls, "agents": self.n_agents,
            "offered": kpis.offered, "answered": kpis.answered, "abandoned": kpis.abandoned + kpis.short_abandoned,
            "voicemail": calls.filter(outcome="voicemail").count(),
            "callbacks": Callback.objects.filter(origin_call__sim_run=self.run_id).count(),
            "callbacks_completed": Callback.objects.filter(origin_call__sim_run=self.run_id,
                                                           status="completed").count(),
            "double_offers": double_offers(self.run_id),
            "lost_calls": calls.filter(status__in=ACTIVE_STATUSES).count() + len(self._live_legs()),
            "service_level": kpis.service_level, "asa_s": kpis.asa_s, "abandon_rate": kpis.abandon_rate,
            "aht_s": kpis.aht_s,
            "webhooks": len(hooks), "webhook_errors": len(self.carrier.errors), "api_errors": self.api_errors,
            "carrier_refusals": len(self.carrier.refusals),
            "webhook_p50_ms": percentile(hooks, 50), "webhook_p99_ms": percentile(hooks, 99),
            "routing_decisions": len(routing_us), "routing_p50_ms": percentile([u / 1000 for u in routing_us], 50),
            "routing_p99_ms": percentile([u / 1000 for u in routing_us], 99),
            "simulated_s": round(self.scheduler.t), "wall_s": round(wall_s, 1),
        }


def leftovers_reset() -> None:
    """A run that was killed leaves bots mid-call and calls unfinished: close them honestly
    (in the current tenant), so the next run starts from offline bots and no live calls."""
    from telephony.agent_state import AgentState
    from telephony.models import ACTIVE_STATUSES, AgentProfile, AgentStateChange, Call, Offer

    now = clock.now()
    stale = Call.objects.exclude(sim_run="").filter(status__in=ACTIVE_STATUSES)
    Offer.objects.filter(call__in=stale, status="pending").update(status="cancelled", resolved_at=now)
    stale.update(status="ended", outcome="failed", ended_at=now)
    for profile in AgentProfile.objects.filter(user__is_bot=True).exclude(state=AgentState.OFFLINE):
        AgentStateChange.objects.create(agent=profile, at=now, from_state=profile.state, to_state="offline",
                                        source="system", reason="", actor_email="simulation reset")
        profile.state, profile.state_since, profile.wrap_up_until = AgentState.OFFLINE, now, None
        profile.save()
    # Bots have no desk to ping from: a socket a bench once opened for one must not let the
    # presence sweep (RT-4) log it out between calls of a wall-clock run.
    AgentProfile.objects.filter(user__is_bot=True, last_seen_at__isnull=False).update(last_seen_at=None)


def run_realtime(sims: list[Simulation], *, carrier: SandboxCarrier, drain_limit_s: float = 900) -> dict:
    """Several tenants' traffic at once on wall-clock time, against running web processes.

    `carrier` plays Twilio for all of them: its `RealtimeScheduler` runs in a thread of its
    own, it posts webhooks over HTTP, and the app's REST commands reach it through its
    server (`SANDBOX_CARRIER_URL`). The bots speak HTTP (`HttpApi`); the app's own Celery
    beat runs the timers. This thread only reads the database to play the bots.
    """
    from django_tenants.utils import tenant_context

    scheduler = carrier.scheduler
    t0 = time.perf_counter()
    with ExitStack() as locks:
        for sim in sims:
            with tenant_context(sim.tenant):
                locks.enter_context(sim._locked())
                sim._prepare()
                sim.scheduler, sim.carrier = scheduler, carrier
                for bot in sim.bots.users:
                    sim._api(bot.pk, "put", "/api/v1/agents/me/state", {"state": "available"})
            sim._arrivals_start()
        running = list(sims)
        deadline: dict[str, float] = {}
        while running:
            tick = time.perf_counter()
            for sim in list(running):
                with tenant_context(sim.tenant):
                    sim._bots_tick()
                    sim._callback_hangups()
                    if sim.arrived < sim.n_calls:
                        continue
                    deadline.setdefault(sim.run_id, scheduler.t + drain_limit_s)
                    if sim._drained() or scheduler.t > deadline[sim.run_id]:
                        for bot in sim.bots.users:
                            sim._api(bot.pk, "put", "/api/v1/agents/me/state", {"state": "offline"})
                        running.remove(sim)
            time.sleep(max(0.0, TICK_S - (time.perf_counter() - tick)))
        wall = time.perf_counter() - t0
        rows = []
        for sim in sims:
            with tenant_context(sim.tenant):
                row = sim.summary(wall)
            for shared in ("webhooks", "webhook_errors", "carrier_refusals", "webhook_p50_ms", "webhook_p99_ms",
                           "wall_s"):
                row.pop(shared)  # one carrier for all tenants: reported once, below
            rows.append(row)
    connection.set_schema_to_public()
    hooks = sorted(carrier.transport.timings.webhook_ms)
    return {"tenants": rows, "calls": sum(r["calls"] for r in rows), "answered": sum(r["answered"] for r in rows),
            "webhooks": len(hooks), "webhook_p50_ms": percentile(hooks, 50), "webhook_p99_ms": percentile(hooks, 99),
            "webhook_errors": len(carrier.errors), "webhook_retries": carrier.transport.retries,
            "api_errors": sum(r["api_errors"] for r in rows),
            "lost_calls": sum(r["lost_calls"] for r in rows), "double_offers": sum(r["double_offers"] for r in rows),
            "wall_s": round(wall, 1)}


def double_offers(run_id: str) -> int:
    """Offers overlapping in time for the same call or the same agent — must be 0 (TEL-8)."""
    sql = """
        SELECT count(*) FROM telephony_offer a JOIN telephony_offer b
          ON a.id < b.id AND (a.call_id = b.call_id OR a.agent_id = b.agent_id)
         AND a.created_at < coalesce(b.resolved_at, 'infinity')
         AND b.created_at < coalesce(a.resolved_at, 'infinity')
        JOIN telephony_call ca ON ca.id = a.call_id JOIN telephony_call cb ON cb.id = b.call_id
        WHERE ca.sim_run = %s AND cb.sim_run = %s
    """
    with connection.cursor() as cur:
        cur.execute(sql, [run_id, run_id])
        return cur.fetchone()[0]


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    k = min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))
    return round(sorted(values)[k], 2)
