"""Dialer bench (issue 9): a campaign of 20,000 numbers worked by 50 agents through the real
path — the dial tick, compliance checks, the sandbox carrier playing the callees (30 % answer
in person, 10 % machines, 10 % busy), signed webhooks through Django, auto-answering agents,
wrap-up and the ACD sweep — in accelerated (virtual) time. Progressive, then predictive.

Reports per mode: occupancy (on call + wrap-up over logged-in time, from the KPI engine),
talk share (talk over logged-in time), abandonment (abandoned / live answers) and contacts
per agent hour. Anchors (handbooks): manual dialing ≈ 40 % talk time, a good predictive
dialer 80–90 %, abandonment 2–3 %. Target: predictive ≥ 80 % with abandonment ≤ 3 %.

    python bench/dialer.py      # env: DIALER_AGENTS, DIALER_NUMBERS, DIALER_HOURS, DIALER_WRAP_S, DIALER_MODES
"""

from __future__ import annotations

import json
import os
import sys
import time
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

AGENTS = int(os.environ.get("DIALER_AGENTS", 50))
NUMBERS = int(os.environ.get("DIALER_NUMBERS", 20000))
HOURS = float(os.environ.get("DIALER_HOURS", 1.0))
WRAP_S = int(os.environ.get("DIALER_WRAP_S", 10))
SLUG = "bench-dialer"


def tenant():
    from tenants.models import Tenant
    from tenants.services import tenant_ensure_template, tenant_signup

    tenant_ensure_template()
    t = Tenant.objects.filter(slug=SLUG).first()
    if t is None:
        t = tenant_signup(company="Bench Dialer", slug=SLUG, admin_email=f"admin@{SLUG}.test",
                          password="Bench-pass-123", edition="professional")
        Tenant.objects.filter(pk=t.pk).update(state="active", seat_cap=AGENTS + 10)
        t.refresh_from_db()
    return t


def _fresh_day(t) -> datetime:
    """09:00 in New York on a day after everything earlier runs logged: the agents' state logs
    of two runs (or of this run and an earlier one in the same database) never overlap."""
    from datetime import timedelta

    from telephony.models import AgentStateChange

    with tenant_context(t):
        last = AgentStateChange.objects.order_by("-at").values_list("at", flat=True).first()
    day = max(datetime(2026, 6, 1, tzinfo=UTC), last or datetime(2026, 6, 1, tzinfo=UTC)).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, 13, 0, tzinfo=UTC)


def _reset_floor(bots) -> None:
    """A run cut short leaves calls open and bots on them: end those calls the normal way."""
    from django.db import transaction

    from telephony.models import AgentProfile, Call
    from telephony.services.agents import agent_set_state
    from telephony.services.calls import call_end

    for call in Call.objects.exclude(status="ended"):
        with transaction.atomic():
            call_end(Call.objects.select_for_update().get(pk=call.pk), carrier_status="completed")
    for profile in AgentProfile.objects.filter(user__in=bots, state="wrap_up").select_related("user"):
        agent_set_state(user=profile.user, to_state="available", source="system")


def run(mode: str) -> dict:
    from telephony import clock
    from telephony.models import (
        AgentProfile,
        Campaign,
        DialAttempt,
        IvrFlow,
        PhoneNumber,
        Queue,
    )
    from telephony.outbound.campaigns import contacts_add
    from telephony.outbound.dialer import dial_tick
    from telephony.sandbox import carrier_installed
    from telephony.sandbox.carrier import SandboxCarrier, random_callees
    from telephony.sandbox.scheduler import VirtualScheduler
    from telephony.sandbox.simulation import bots_ensure
    from telephony.sandbox.transport import ClientTransport
    from telephony.services.agents import agent_set_state
    from telephony.services.config import number_add
    from telephony.sweep import sweep

    t = tenant()
    scheduler = VirtualScheduler(start=_fresh_day(t))
    carrier = SandboxCarrier(transport=ClientTransport(), scheduler=scheduler)
    carrier.callee_model = random_callees(seed=11, p_human=0.3, p_machine=0.1, p_busy=0.1, talk_mean_s=120.0)
    with tenant_context(t), carrier_installed(carrier), clock.virtual(scheduler.now):
        number = PhoneNumber.objects.first() or number_add(e164="+19995550900",
                                                           entry_flow=IvrFlow.objects.get(name="Main"))
        Queue.objects.update(acw_limit_s=WRAP_S, recording_policy="none")
        bots = bots_ensure(AGENTS).users
        Campaign.objects.filter(name__startswith="bench ").update(state="cancelled")
        campaign = Campaign.objects.create(name=f"bench {mode} {time.time():.0f}", mode=mode, state="running",
                                           calling_from=dtime(0, 0), calling_until=dtime(23, 59), pilot_calls=0,
                                           call_on_holidays=True,
                                           caller_id=number.e164)
        campaign.agents.set(bots)
        rows = [{"number": f"+1{'212' if i < 10000 else '646'}555{i % 10000:04d}"} for i in range(NUMBERS)]
        contacts_add(campaign=campaign, rows=rows, source="bench")
        _reset_floor(bots)
        for bot in bots:
            profile, _ = AgentProfile.objects.get_or_create(user=bot)
            if profile.state != "available":
                if profile.state != "offline":
                    agent_set_state(user=bot, to_state="offline", source="system")
                agent_set_state(user=bot, to_state="available", source="agent")
        started, wall = scheduler.now(), time.perf_counter()
        end = scheduler.t + HOURS * 3600
        while scheduler.t < end:  # what beat does: the sweep and the dial tick every 2 s
            scheduler.run_until(scheduler.t + 2.0)
            sweep(simulated=True)  # the bench agents are simulated (bots)
            dial_tick(campaign)
        until = scheduler.now()
        from reports.kpis import agent_state_seconds, agent_time_kpis

        secs = agent_state_seconds(agent_ids=[b.pk for b in bots], since=started, until=until)
        logged = sum(agent_time_kpis(s)["logged_in_s"] for s in secs.values())
        handle = sum(agent_time_kpis(s)["handle_s"] for s in secs.values())
        talk = sum(s.get("on_call", 0.0) for s in secs.values())
        states = {}
        for s in secs.values():
            for k, v in s.items():
                states[k] = round(states.get(k, 0.0) + v)
        attempts = DialAttempt.objects.filter(campaign=campaign)
        answered = attempts.filter(outcome="answered").count()
        abandoned = attempts.filter(outcome="abandoned").count()
        dials = attempts.exclude(outcome="blocked").count()
        drain_end = scheduler.t + 3600  # no more dials: let the last calls and wrap-ups finish
        while scheduler.t < drain_end and AgentProfile.objects.filter(
                user__in=bots, state__in=["on_call", "wrap_up", "reserved"]).exists():
            scheduler.run_until(scheduler.t + 2.0)
            sweep(simulated=True)  # the bench agents are simulated (bots)
        for bot in bots:  # the next run starts from a clean floor
            if AgentProfile.objects.get(user=bot).state in ("available", "not_ready"):
                agent_set_state(user=bot, to_state="offline", source="system")
        Campaign.objects.filter(pk=campaign.pk).update(state="completed")
    connection.set_schema_to_public()
    return {"mode": mode, "simulated_hours": HOURS, "agents": AGENTS, "dials": dials, "live_answers": answered +
            abandoned, "connects": answered, "abandoned": abandoned,
            "abandon_rate": round(abandoned / max(1, answered + abandoned), 4),
            "occupancy": round(handle / logged, 4) if logged else None,
            "talk_share": round(talk / logged, 4) if logged else None,
            "contacts_per_agent_hour": round(answered / (AGENTS * HOURS), 2),
            "wall_s": round(time.perf_counter() - wall, 1),
            "carrier_errors": len(carrier.errors), "agent_seconds_by_state": states}


if __name__ == "__main__":
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    modes = os.environ.get("DIALER_MODES", "progressive,predictive").split(",")
    results = [run(m) for m in modes]
    pred = results[-1]
    summary = {"bench": "dialer", "results": results, "anchor": "predictive >= 80 % occupancy, abandonment <= 3 % "
               "(handbooks: manual ~40 %, good predictive 80–90 %)",
               "ratio_to_anchor": round((pred["occupancy"] or 0) / 0.8, 2),
               "meets_target": (pred["occupancy"] or 0) >= 0.8 and pred["abandon_rate"] <= 0.03}
    print(json.dumps(summary, indent=1))
    (out / "dialer.json").write_text(json.dumps(summary, indent=1))
