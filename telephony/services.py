"""Telephony writes. Agent state (TEL-10) first; routing and calls build on it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import audit_record
from config.errors import ServiceError
from telephony.agent_state import (
    AgentState,
    NotReadyReason,
    Source,
    illegal_transition_message,
    transition_allowed,
)
from telephony.models import AgentProfile, AgentStateChange
from tenants.realtime import event_on_commit

AGENT_CHOOSABLE_REASONS = [r.value for r in NotReadyReason if r not in (NotReadyReason.MISSED,
                                                                         NotReadyReason.SUPERVISOR)]
MSG_NOT_AGENT = "{email} does not hold the agent role."
MSG_INACTIVE = "{email} is not an active user."
MSG_REASON = "Choose a not-ready reason: {choices}."


def _profile_locked(user: User) -> AgentProfile:
    AgentProfile.objects.get_or_create(user=user)
    return AgentProfile.objects.select_for_update().select_related("user").get(user=user)


def _check_reason(to_state: str, reason: str, source: str) -> str:
    if to_state != AgentState.NOT_READY:
        return ""
    if source == Source.SUPERVISOR and not reason:
        return NotReadyReason.SUPERVISOR
    allowed = AGENT_CHOOSABLE_REASONS if source == Source.AGENT else NotReadyReason.values
    if reason not in allowed:
        msg = MSG_REASON.format(choices=", ".join(allowed))
        raise ServiceError("invalid", f"reason: {msg}", {"reason": [msg]})
    return reason


@transaction.atomic
def agent_set_state(*, user: User, to_state: str, reason: str = "", source: str = Source.AGENT,
                    actor: User | None = None, ip: str | None = None) -> AgentProfile:
    """Move an agent to `to_state`, enforcing who may cause which transition; logged and pushed.

    Repeating the current state (with the same reason) changes nothing: retries are safe.
    """
    if to_state not in AgentState.values:
        msg = f"Unknown state '{to_state}'. Choose from: {', '.join(AgentState.values)}."
        raise ServiceError("invalid", f"state: {msg}", {"state": [msg]})
    if not user.has_role(Role.AGENT):
        raise ServiceError("not_agent", MSG_NOT_AGENT.format(email=user.email), status_code=409)
    if to_state != AgentState.OFFLINE and not user.is_active:
        raise ServiceError("inactive", MSG_INACTIVE.format(email=user.email), status_code=409)
    reason = _check_reason(to_state, reason, source)
    profile = _profile_locked(user)
    current = profile.state
    if current == to_state and profile.not_ready_reason == reason:
        return profile
    if not transition_allowed(source, current, to_state):
        raise ServiceError("illegal_transition", illegal_transition_message(source, current, to_state),
                           status_code=409)
    now = timezone.now()
    profile.state, profile.state_since, profile.not_ready_reason = to_state, now, reason
    if to_state == AgentState.AVAILABLE:
        profile.available_since = now
    if reason == NotReadyReason.MISSED:
        profile.missed_offers += 1
    profile.save()
    AgentStateChange.objects.create(agent=profile, at=now, from_state=current, to_state=to_state, reason=reason,
                                    source=source, actor_email=actor.email if actor else "")
    if source == Source.SUPERVISOR:
        audit_record(actor=actor, action="agent.force_state", target=user, ip=ip,
                     summary=f"Forced {user.email} from {current} to {to_state}",
                     detail={"from": current, "to": to_state, "reason": reason})
    event_on_commit([f"agent.{user.pk}", "supervisors"], "agent.state", {
        "agent": user.pk, "state": to_state, "reason": reason, "since": now.isoformat(), "source": source,
    })
    return profile
