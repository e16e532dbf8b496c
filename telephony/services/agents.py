"""Agent state writes (TEL-10) and presence (RT-4)."""

from __future__ import annotations

import re
from datetime import datetime

from django.db import transaction

from accounts.models import Role, User
from accounts.services import audit_record
from config.errors import ServiceError
from telephony import clock
from telephony.agent_state import (
    AgentState,
    NotReadyReason,
    Source,
    illegal_transition_message,
    transition_allowed,
)
from telephony.models import AgentProfile, AgentStateChange
from telephony.selectors import not_ready_codes
from tenants.realtime import event_on_commit

SYSTEM_REASONS = [NotReadyReason.MISSED.value, NotReadyReason.SUPERVISOR.value]
MSG_NOT_AGENT = "{email} does not hold the agent role."
MSG_INACTIVE = "{email} is not an active user."
MSG_REASON = "Choose a not-ready reason: {choices}."


def _profile_locked(user: User) -> AgentProfile:
    AgentProfile.objects.get_or_create(user=user)
    return AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(user=user)


def _check_reason(to_state: str, reason: str, source: str) -> str:
    if to_state != AgentState.NOT_READY:
        return ""
    if source == Source.SUPERVISOR and not reason:
        return NotReadyReason.SUPERVISOR
    allowed = [c.code for c in not_ready_codes()]  # the tenant's own list (console → Wrap-up codes & reasons)
    if source != Source.AGENT:
        allowed += SYSTEM_REASONS
    if reason not in allowed:
        msg = MSG_REASON.format(choices=", ".join(allowed))
        raise ServiceError("invalid", f"reason: {msg}", {"reason": [msg]})
    return reason


@transaction.atomic
def agent_set_state(*, user: User, to_state: str, reason: str = "", source: str = Source.AGENT,
                    actor: User | None = None, ip: str | None = None, wrap_up_until: datetime | None = None,
                    profile: AgentProfile | None = None) -> AgentProfile:
    """Move an agent to `to_state`, enforcing who may cause which transition; logged and pushed.

    Repeating the current state (with the same reason) changes nothing: retries are safe.
    Becoming available asks the ACD for work once the change is committed. Callers that
    already hold the profile's row lock pass it as `profile`.
    """
    if to_state not in AgentState.values:
        msg = f"Unknown state '{to_state}'. Choose from: {', '.join(AgentState.values)}."
        raise ServiceError("invalid", f"state: {msg}", {"state": [msg]})
    if source != Source.SYSTEM and not user.has_role(Role.AGENT):
        raise ServiceError("not_agent", MSG_NOT_AGENT.format(email=user.email), status_code=409)
    if to_state != AgentState.OFFLINE and not user.is_active:
        raise ServiceError("inactive", MSG_INACTIVE.format(email=user.email), status_code=409)
    reason = _check_reason(to_state, reason, source)
    if profile is None:
        profile = _profile_locked(user)
    current = profile.state
    if current == to_state and profile.not_ready_reason == reason:
        return profile
    if not transition_allowed(source, current, to_state):
        raise ServiceError("illegal_transition", illegal_transition_message(source, current, to_state),
                           status_code=409)
    now = clock.now()
    profile.state, profile.state_since, profile.not_ready_reason = to_state, now, reason
    profile.wrap_up_until = wrap_up_until if to_state == AgentState.WRAP_UP else None
    if to_state == AgentState.AVAILABLE:
        profile.available_since = now
    if to_state == AgentState.RESERVED:
        profile.last_offer_at = now
    if to_state != AgentState.OFFLINE and source == Source.AGENT and profile.last_seen_at is not None:
        profile.last_seen_at = now
    if reason == NotReadyReason.MISSED:
        profile.missed_offers += 1
    profile.save(update_fields=["state", "state_since", "not_ready_reason", "wrap_up_until", "available_since",
                                "last_offer_at", "last_seen_at", "missed_offers"])
    AgentStateChange.objects.create(agent=profile, at=now, from_state=current, to_state=to_state, reason=reason,
                                    source=source, actor_email=actor.email if actor else "")
    if source == Source.SUPERVISOR:
        audit_record(actor=actor, action="agent.force_state", target=user, ip=ip,
                     summary=f"Forced {user.email} from {current} to {to_state}",
                     detail={"from": current, "to": to_state, "reason": reason})
    push_agent_state(user.pk, to_state, reason, now, source)
    if to_state == AgentState.AVAILABLE:
        from telephony import acd

        acd.route_on_commit(simulated=user.is_bot)
    return profile


def push_agent_state(user_pk: int, state: str, reason: str, since: datetime, source: str) -> None:
    event_on_commit([f"agent.{user_pk}", "supervisors"], "agent.state", {
        "agent": user_pk, "state": state, "reason": reason, "since": since.isoformat(), "source": source,
    })


def agents_seen(*, user_ids) -> int:
    """Many desks are alive (the batched websocket heartbeats): one UPDATE."""
    return AgentProfile.objects.filter(user_id__in=list(user_ids)).update(last_seen_at=clock.now())


@transaction.atomic
def agent_heartbeat(*, user: User) -> AgentProfile:
    """The desk is alive (RT-4). Agents who stop beating are logged out by the sweep."""
    profile = _profile_locked(user)
    profile.last_seen_at = clock.now()
    profile.save(update_fields=["last_seen_at"])
    return profile


SIP_URI = re.compile(r"^sip:[^@\s]+@[A-Za-z0-9.-]+(:\d+)?$")
MSG_SIP = "Use a SIP address like sip:alice@pbx.example.com, or leave it empty for the browser softphone."


@transaction.atomic
def agent_set_phone(*, user: User, sip_uri: str, actor: User) -> AgentProfile:
    """Where the carrier rings this agent: a SIP address, or the browser softphone (empty)."""
    sip_uri = sip_uri.strip()
    if sip_uri and not SIP_URI.match(sip_uri):
        raise ServiceError("invalid", f"sip_uri: {MSG_SIP}", {"sip_uri": [MSG_SIP]})
    if not user.has_role(Role.AGENT):
        raise ServiceError("not_agent", MSG_NOT_AGENT.format(email=user.email), status_code=409)
    profile = _profile_locked(user)
    profile.sip_uri = sip_uri
    profile.save(update_fields=["sip_uri"])
    audit_record(actor=actor, action="agent.phone", target=user,
                 summary=f"{user.email} is now rung at {sip_uri or 'the browser softphone'}")
    return profile
