"""Calls, legs and everything that happens to them (TEL-8, TEL-13, TEL-16)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    CALLBACK = "callback", "Callback"


class CallStatus(models.TextChoices):
    IVR = "ivr", "In the IVR"
    QUEUED = "queued", "Waiting in a queue"
    OFFERED = "offered", "Offered to an agent"
    CONNECTING = "connecting", "Agent accepted, connecting"
    CONNECTED = "connected", "Talking"
    ENDED = "ended", "Ended"


ACTIVE_STATUSES = (CallStatus.IVR, CallStatus.QUEUED, CallStatus.OFFERED, CallStatus.CONNECTING,
                   CallStatus.CONNECTED)


class Outcome(models.TextChoices):
    ANSWERED = "answered", "Answered by an agent"
    ABANDONED = "abandoned", "Caller hung up while waiting"
    IVR_HANGUP = "ivr_hangup", "Caller hung up in the IVR"
    VOICEMAIL = "voicemail", "Left a voicemail"
    CALLBACK = "callback", "Callback requested"
    BLOCKED = "blocked", "Rejected (blacklist)"
    AFTER_HOURS = "after_hours", "After hours"
    TRANSFERRED_OUT = "transferred_out", "Transferred to an external number"
    SURVEY = "survey", "Completed the survey"
    QUEUE_FULL = "queue_full", "Queue full"
    FAILED = "failed", "Failed"
    NO_ANSWER = "no_answer", "Not answered (outbound)"


class Call(models.Model):
    """One customer call, from arrival to final state (TEL-16). Legs hang off it."""

    sid = models.CharField(max_length=64, unique=True)
    direction = models.CharField(max_length=10, choices=Direction.choices, default=Direction.INBOUND)
    ani = models.CharField(max_length=64, db_index=True)
    dnis = models.CharField(max_length=64, blank=True)
    number = models.ForeignKey("telephony.PhoneNumber", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="calls")
    status = models.CharField(max_length=12, choices=CallStatus.choices, default=CallStatus.IVR)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    abandon_point = models.CharField(max_length=10, blank=True)  # ivr, queue, ringing
    queue = models.ForeignKey("telephony.Queue", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="calls")
    agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="calls")
    # Sticky routing or a callback's owner: offered to this agent first.
    preferred_agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    callback = models.ForeignKey("telephony.Callback", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="calls")
    ivr_version = models.ForeignKey("telephony.IvrFlowVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    ivr_node = models.CharField(max_length=64, blank=True)
    ivr_path = models.JSONField(default=list, blank=True)
    ivr_retries = models.PositiveSmallIntegerField(default=0)
    # Bumped at every prompt: a Gather's action URL carries it, so a replayed keypress is
    # recognised as a replay and a late one as stale.
    ivr_step = models.PositiveIntegerField(default=0)
    collected = models.JSONField(default=dict, blank=True)
    language = models.CharField(max_length=12, blank=True)
    caller_tier = models.CharField(max_length=12, blank=True)
    priority = models.IntegerField(default=0)
    skills_relaxed = models.BooleanField(default=False)
    overflowed = models.BooleanField(default=False)
    arrived_at = models.DateTimeField(default=timezone.now)
    queued_at = models.DateTimeField(null=True, blank=True)
    offered_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    wrap_ended_at = models.DateTimeField(null=True, blank=True)
    hold_started_at = models.DateTimeField(null=True, blank=True)
    wait_s = models.FloatField(null=True, blank=True)
    talk_s = models.FloatField(null=True, blank=True)
    hold_s = models.FloatField(default=0)
    acw_s = models.FloatField(null=True, blank=True)
    disposition = models.CharField(max_length=40, blank=True)
    notes = models.TextField(blank=True)
    transfer_count = models.PositiveSmallIntegerField(default=0)
    recording_paused = models.BooleanField(default=False)
    conference_sid = models.CharField(max_length=64, blank=True)
    cost = models.DecimalField(max_digits=12, decimal_places=5, null=True, blank=True)
    # Calls of a sandbox simulation run; the live ACD and sweep never touch them (and vice versa).
    sim_run = models.CharField(max_length=32, blank=True, db_index=True)

    class Meta:
        ordering = ["-arrived_at", "-id"]
        indexes = [
            models.Index(fields=["-priority", "queued_at"], name="call_waiting_idx",
                         condition=Q(status="queued")),
            models.Index(fields=["agent", "answered_at"], name="call_agent_answered_idx"),
            models.Index(fields=["ani", "-answered_at"], name="call_ani_answered_idx"),
            models.Index(fields=["queue", "arrived_at"], name="call_queue_arrived_idx"),
            # Reports read a period of calls by when they reached a queue (reports.kpis).
            models.Index(fields=["queued_at"], name="call_queued_idx", condition=Q(queued_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.direction} call {self.sid} from {self.ani}"

    @property
    def conference_name(self) -> str:
        return f"call-{self.sid}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class LegRole(models.TextChoices):
    CALLER = "caller", "Caller"
    AGENT = "agent", "Agent"
    CONSULT = "consult", "Consulted agent"
    EXTERNAL = "external", "External number"
    SUPERVISOR = "supervisor", "Supervisor"


class LegStatus(models.TextChoices):
    RINGING = "ringing", "Ringing"
    IN_PROGRESS = "in_progress", "Connected"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed or not answered"


class MonitorMode(models.TextChoices):
    MONITOR = "monitor", "Silent monitor"
    WHISPER = "whisper", "Whisper (coach)"
    BARGE = "barge", "Barge"


class CallLeg(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="legs")
    sid = models.CharField(max_length=64, null=True, blank=True, unique=True)
    role = models.CharField(max_length=10, choices=LegRole.choices)
    user = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    target = models.CharField(max_length=200, blank=True)  # client:…, sip:…, +E.164
    status = models.CharField(max_length=12, choices=LegStatus.choices, default=LegStatus.RINGING)
    monitor_mode = models.CharField(max_length=8, choices=MonitorMode.choices, blank=True)
    on_hold = models.BooleanField(default=False)
    muted = models.BooleanField(default=False)
    note = models.TextField(blank=True)  # a warm transfer's notes travel on the new agent's leg
    started_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["started_at", "id"]


class CallEvent(models.Model):
    """The call's own event log: every step a person or the carrier caused, in order."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=40)
    actor_email = models.CharField(max_length=254, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["call", "at"])]


class OfferStatus(models.TextChoices):
    PENDING = "pending", "Ringing"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    MISSED = "missed", "Timed out"
    CANCELLED = "cancelled", "Caller left"


class Offer(models.Model):
    """A reservation of one agent for one call (TEL-8). The database itself refuses a second
    pending offer for the same call or the same agent."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="offers")
    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="offers")
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["call"], condition=Q(status="pending"), name="one_pending_offer_per_call"),
            models.UniqueConstraint(fields=["agent"], condition=Q(status="pending"),
                                    name="one_pending_offer_per_agent"),
        ]
        indexes = [models.Index(fields=["expires_at"], name="offer_pending_expiry_idx",
                                condition=Q(status="pending"))]


class RoutingDecision(models.Model):
    """TEL-8: why this agent got this call (or why the call moved)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="decisions")
    queue = models.ForeignKey("telephony.Queue", null=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    strategy = models.CharField(max_length=16)
    reason = models.CharField(max_length=300)
    elapsed_us = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["at", "id"]


class RecordingStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "Recording"
    PAUSED = "paused", "Paused"
    COMPLETED = "completed", "Completed"
    DELETED = "deleted", "Deleted"


class Recording(models.Model):
    """TEL-13: linked to call and agent; access is permission-checked and audited."""

    sid = models.CharField(max_length=64, unique=True)
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="recordings")
    agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="recordings")
    kind = models.CharField(max_length=10, default="call")  # call, voicemail
    status = models.CharField(max_length=12, choices=RecordingStatus.choices, default=RecordingStatus.IN_PROGRESS)
    media_url = models.CharField(max_length=400, blank=True)
    duration_s = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]


class WebhookReceipt(models.Model):
    """TEL-3: one row per (CallSid, event) handled; a replay returns the stored response."""

    call_sid = models.CharField(max_length=64)
    event = models.CharField(max_length=120)
    status_code = models.PositiveSmallIntegerField(default=200)
    content_type = models.CharField(max_length=60, default="text/xml")
    response = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call_sid", "event"], name="uniq_webhook_event")]
