"""Trunk and seat sizing (SPEC WFM-5): the handbook's load-factor method, with Erlang B trunk
sizing for a target blocking rate beside it."""

from __future__ import annotations

from dataclasses import dataclass

from wfm import erlang


@dataclass(frozen=True)
class SizingInput:
    users: float
    calls_per_user_month: float
    days_per_month: float = 30
    busy_day_factor: float = 2.0
    busy_hour_factor: float = 0.1
    agent_share: float = 0.25  # share of the calls that reach an agent (the rest end in the IVR)
    talk_s: float = 90
    wrap_s: float = 5
    agent_load: float = 0.8  # planned occupancy of a seat in the busy hour
    trunk_load_erlangs: float = 0.7  # planned Erlangs carried per trunk
    target_blocking: float = 0.01  # for the Erlang B alternative


def size(inp: SizingInput) -> dict:
    """Peak-day calls, busy-hour calls, busy-hour calls to agents, agents (seats) and trunks by
    the load-factor method (each rounded to 0.1 as the handbook prints them), and the trunks
    Erlang B needs for the busy-hour load at the target blocking."""
    peak_day = inp.users * inp.calls_per_user_month / inp.days_per_month * inp.busy_day_factor
    busy_hour = peak_day * inp.busy_hour_factor
    to_agents = busy_hour * inp.agent_share
    agents = to_agents * (inp.talk_s + inp.wrap_s) / 3600 / inp.agent_load
    trunks = round(agents, 1) / inp.trunk_load_erlangs
    # Erlang B, on the same footing as the load-factor trunks: a call to an agent holds a trunk
    # for its talk time.
    trunk_load = to_agents * inp.talk_s / 3600
    return {
        "peak_day_calls": round(peak_day, 1),
        "busy_hour_calls": round(busy_hour, 1),
        "busy_hour_agent_calls": round(to_agents, 1),
        "agents": round(agents, 1),
        "agents_whole": int(erlang.scheduled_for(agents, 0)),
        "trunks": round(trunks, 1),
        "trunks_whole": int(erlang.scheduled_for(trunks, 0)),
        "trunk_load_erlangs": round(trunk_load, 2),
        "erlang_b_trunks": int(erlang.trunks_for_blocking(trunk_load, inp.target_blocking)),
        "target_blocking": inp.target_blocking,
    }
