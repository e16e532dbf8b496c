"""Work that outlives the call: the voicemail & messages backlog (TEL-14) and callbacks (TEL-15)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class BacklogKind(models.TextChoices):
    VOICEMAIL = "voicemail", "Voicemail"
    MESSAGE = "message", "Web message"


class BacklogStatus(models.TextChoices):
    NEW = "new", "New, not reviewed"
    CONTACTING = "contacting", "Valid, contacting the customer"
    CONVERTED = "converted", "Converted to a case"
    CLOSED = "closed", "Closed"
    INVALID = "invalid", "Invalid (too short or no contact)"


class BacklogItem(models.Model):
    kind = models.CharField(max_length=10, choices=BacklogKind.choices)
    status = models.CharField(max_length=12, choices=BacklogStatus.choices, default=BacklogStatus.NEW)
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    queue = models.ForeignKey("telephony.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recording = models.ForeignKey("telephony.Recording", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    contact_number = models.CharField(max_length=64, blank=True)
    contact_name = models.CharField(max_length=120, blank=True)
    message = models.TextField(blank=True)
    duration_s = models.PositiveIntegerField(default=0)
    assigned_to = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="backlog_items")
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    case_type = models.CharField(max_length=12, blank=True)
    case = models.ForeignKey("crm.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    first_contact_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", "Reached the customer"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    LEFT_MESSAGE = "left_message", "Left a message"
    WRONG_NUMBER = "wrong_number", "Wrong number"


class BacklogAttempt(models.Model):
    item = models.ForeignKey(BacklogItem, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    agent = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField(max_length=14, choices=AttemptOutcome.choices)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["item", "number"]
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="uniq_backlog_attempt")]


class CallbackOrigin(models.TextChoices):
    CALLER = "caller", "Requested by the caller"
    AGENT = "agent", "Scheduled by an agent"


class CallbackStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Due, waiting for an agent"
    DIALING = "dialing", "Dialing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed after all attempts"
    CANCELLED = "cancelled", "Cancelled"


class Callback(models.Model):
    number = models.CharField(max_length=64)
    origin = models.CharField(max_length=8, choices=CallbackOrigin.choices)
    status = models.CharField(max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.SCHEDULED)
    queue = models.ForeignKey("telephony.Queue", on_delete=models.PROTECT, related_name="callbacks")
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="callbacks")
    origin_call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    due_at = models.DateTimeField()
    # A caller-requested callback keeps the caller's place in line.
    place_in_line_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by_email = models.CharField(max_length=254, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["due_at"], name="callback_due_idx", condition=Q(status="scheduled"))]
