"""Telephony (TENANT). The foundation ships the default queue and business hours every new
tenant gets; the telephony-core issue grows these into the full ACD model."""

from django.db import models
from django.utils import timezone

from telephony.agent_state import AgentState, NotReadyReason, Source


class Queue(models.Model):
    name = models.CharField(max_length=80, unique=True)
    is_default = models.BooleanField(default=False)
    sl_target_pct = models.PositiveSmallIntegerField(default=80)
    sl_threshold_s = models.PositiveSmallIntegerField(default=20)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHours(models.Model):
    """Weekly opening hours (TEL-5); weekday 0 = Monday, in the tenant's timezone."""

    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_to_6"),
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="opens_before_closes"),
        ]


class AgentProfile(models.Model):
    """An agent's live state: the single source of truth for routing (TEL-10)."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="agent_profile")
    state = models.CharField(max_length=12, choices=AgentState.choices, default=AgentState.OFFLINE, db_index=True)
    state_since = models.DateTimeField(default=timezone.now)
    not_ready_reason = models.CharField(max_length=20, choices=NotReadyReason.choices, blank=True)
    # When the agent last became available: longest-idle routing reads it.
    available_since = models.DateTimeField(null=True, blank=True)
    missed_offers = models.PositiveIntegerField(default=0)

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
