"""The agent state machine (TEL-10): states, reasons and the legal transitions, as data.
Pure: no database. `telephony.services.agent_set_state` is the only writer."""

from __future__ import annotations

from django.db import models


class AgentState(models.TextChoices):
    OFFLINE = "offline", "Offline"
    AVAILABLE = "available", "Available"
    NOT_READY = "not_ready", "Not ready"
    RESERVED = "reserved", "Offer ringing"
    ON_CALL = "on_call", "On a call"
    WRAP_UP = "wrap_up", "Wrap-up"


class NotReadyReason(models.TextChoices):
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    TRAINING = "training", "Training"
    MEETING = "meeting", "Meeting"
    COACHING = "coaching", "Coaching"
    OUTBOUND = "outbound", "Outbound work"
    MISSED = "missed", "Missed an offer"
    SUPERVISOR = "supervisor", "Set by supervisor"


class Source(models.TextChoices):
    AGENT = "agent", "Agent"
    SUPERVISOR = "supervisor", "Supervisor"
    SYSTEM = "system", "System"  # ACD, call events, timers, presence


S = AgentState
# What a person may switch by hand. Agents and supervisors share one table: supervisors
# force ready / busy / logout on others, and nobody crosses a ringing offer or a live call.
MANUAL_TRANSITIONS: dict[str, set[str]] = {
    S.OFFLINE: {S.AVAILABLE, S.NOT_READY},
    S.AVAILABLE: {S.NOT_READY, S.OFFLINE},
    S.NOT_READY: {S.AVAILABLE, S.NOT_READY, S.OFFLINE},
    S.WRAP_UP: {S.AVAILABLE, S.NOT_READY, S.OFFLINE},  # ending wrap-up early
    S.RESERVED: set(),  # answered or missed through the offer, not the state switch
    S.ON_CALL: set(),
}
# The ACD, call events, timers and presence.
SYSTEM_TRANSITIONS: dict[str, set[str]] = {
    S.OFFLINE: set(),
    S.AVAILABLE: {S.RESERVED, S.OFFLINE},
    S.NOT_READY: {S.OFFLINE},
    S.RESERVED: {S.ON_CALL, S.NOT_READY, S.AVAILABLE, S.OFFLINE},  # answered / missed / caller gone / presence
    S.ON_CALL: {S.WRAP_UP},
    S.WRAP_UP: {S.AVAILABLE, S.OFFLINE},
}
TRANSITIONS = {Source.AGENT: MANUAL_TRANSITIONS, Source.SUPERVISOR: MANUAL_TRANSITIONS,
               Source.SYSTEM: SYSTEM_TRANSITIONS}

HINTS: dict[str, str] = {
    S.ON_CALL: "finish the call first",
    S.RESERVED: "answer or decline the ringing offer first",
}


def transition_allowed(source: str, current: str, target: str) -> bool:
    return target in TRANSITIONS[source].get(current, set())


def illegal_transition_message(source: str, current: str, target: str) -> str:
    hint = HINTS.get(current, "")
    who = {Source.AGENT: "You", Source.SUPERVISOR: "A supervisor", Source.SYSTEM: "The system"}[source]
    msg = f"{who} cannot switch an agent from {S(current).label.lower()} to {S(target).label.lower()}"
    return f"{msg}: {hint}." if hint else f"{msg}."
