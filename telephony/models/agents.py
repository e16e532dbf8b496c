"""Agents: live state (the routing source of truth) and its append-only log (TEL-10)."""

from django.db import models
from django.utils import timezone

from telephony.agent_state import AgentState, Source


class AgentProfile(models.Model):
    """An agent's live state: the single source of truth for routing (TEL-10)."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="agent_profile")
    state = models.CharField(max_length=12, choices=AgentState.choices, default=AgentState.OFFLINE, db_index=True)
    state_since = models.DateTimeField(default=timezone.now)
    not_ready_reason = models.CharField(max_length=20, blank=True)  # a NotReadyCode, or missed / supervisor
    # When the agent last became available: longest-idle routing reads it.
    available_since = models.DateTimeField(null=True, blank=True)
    missed_offers = models.PositiveIntegerField(default=0)
    # Round-robin reads when the agent was last offered a call.
    last_offer_at = models.DateTimeField(null=True, blank=True)
    # Presence (RT-4): refreshed by the desk's heartbeat; the sweep logs out the silent.
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # End of the current wrap-up (the queue's ACW limit); the sweep makes the agent available.
    wrap_up_until = models.DateTimeField(null=True, blank=True)
    # Where the carrier rings this agent: empty = the browser softphone (client:agent-<id>).
    sip_uri = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state=AgentState.NOT_READY) | ~models.Q(not_ready_reason=""),
                name="not_ready_has_reason",
            )
        ]


class AgentStateChange(models.Model):
    """Append-only log of every transition, used by reports, WFM adherence and QA."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    from_state = models.CharField(max_length=12, choices=AgentState.choices)
    to_state = models.CharField(max_length=12, choices=AgentState.choices)
    reason = models.CharField(max_length=20, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    actor_email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["agent", "at"])]
