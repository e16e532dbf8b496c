"""Outbound campaigns (SPEC §5): do-not-call lists, campaigns with their contacts, and every
dial attempt with the compliance checks it passed or failed."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class DncEntry(models.Model):
    """OUT-3: a number nobody may dial: the company's own list, or the national registry."""

    class Source(models.TextChoices):
        COMPANY = "company", "Company list"
        NATIONAL = "national", "National registry"
        OPT_OUT = "opt_out", "Opted out on a call"

    number = models.CharField(max_length=20)
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number", "source"], name="uniq_dnc_number_source")]
        indexes = [models.Index(fields=["number"], name="dnc_number_idx")]


class Campaign(models.Model):
    class Mode(models.TextChoices):
        PREVIEW = "preview", "Preview"
        PROGRESSIVE = "progressive", "Progressive"
        PREDICTIVE = "predictive", "Predictive"

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPROVED = "approved", "Approved"
        PILOT = "pilot", "Pilot"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    class Region(models.TextChoices):
        US = "us", "US rules (abandonment over 30 days)"
        UK = "uk", "UK rules (abandonment over 24 hours)"

    name = models.CharField(max_length=80, unique=True)
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.PROGRESSIVE)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    b2b = models.BooleanField(default=False, help_text="business list: predictive dialing is not allowed")
    region = models.CharField(max_length=2, choices=Region.choices, default=Region.US)
    caller_id = models.CharField(max_length=20, blank=True)
    queue = models.ForeignKey("telephony.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    script = models.TextField(blank=True)
    script_version = models.PositiveIntegerField(default=1)
    goal_codes = models.JSONField(default=list, blank=True)  # primary / secondary outcome codes
    calling_from = models.TimeField(default=datetime.time(8, 0))  # callee-local
    calling_until = models.TimeField(default=datetime.time(21, 0))
    calling_days = models.JSONField(default=list, blank=True, help_text="0 = Monday; empty = every day")
    call_on_holidays = models.BooleanField(default=False)
    max_attempts = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1),
                                                                           MaxValueValidator(20)])
    retry_minutes = models.JSONField(default=dict, blank=True)  # outcome -> minutes before the next try
    abandon_cap = models.DecimalField(max_digits=4, decimal_places=3, default=0.03)
    pilot_calls = models.PositiveIntegerField(default=20)
    deadline = models.DateField(null=True, blank=True)
    agents = models.ManyToManyField("accounts.User", blank=True, related_name="campaigns")
    # Blending (OUT-2): an inbound call waiting this long in a queue an agent serves pulls that
    # agent back from the campaign (the dialer stops dialing for them); empty = outbound only.
    pull_back_after_s = models.PositiveIntegerField(null=True, blank=True, default=20)
    list_source = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]


class CampaignContact(models.Model):
    """A number to work in a campaign; one agent at a time (the lock)."""

    class Status(models.TextChoices):
        PENDING = "pending", "To call"
        LOCKED = "locked", "Being worked"
        DONE = "done", "Done"
        EXHAUSTED = "exhausted", "Attempts used up"
        BLOCKED = "blocked", "Blocked (do not call)"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contacts")
    contact = models.ForeignKey("crm.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    number = models.CharField(max_length=20)
    name = models.CharField(max_length=120, blank=True)
    timezone = models.CharField(max_length=40, blank=True)  # from the number or the address
    grade = models.CharField(max_length=1, blank=True)  # A (close within a week) … E (general target)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    locked_at = models.DateTimeField(null=True, blank=True)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_outcome = models.CharField(max_length=20, blank=True)
    objection = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "number"], name="uniq_campaign_number")]
        indexes = [models.Index(fields=["campaign", "status", "next_attempt_at"], name="campaign_contact_due_idx")]


class DialAttempt(models.Model):
    """Every dial the dialer tried, with each compliance check; blocked ones were never dialed."""

    class Outcome(models.TextChoices):
        BLOCKED = "blocked", "Blocked by a check"
        ANSWERED = "answered", "Answered, agent connected"
        ABANDONED = "abandoned", "Answered, no agent (abandoned)"
        MACHINE = "machine", "Answering machine"
        BUSY = "busy", "Busy"
        NO_ANSWER = "no_answer", "No answer"
        FAILED = "failed", "Failed / invalid"
        DIALING = "dialing", "Dialing"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attempts")
    contact = models.ForeignKey(CampaignContact, on_delete=models.CASCADE, related_name="dial_attempts")
    number = models.CharField(max_length=20)
    at = models.DateTimeField()
    checks = models.JSONField(default=dict)  # check name -> "ok" or why it failed
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.DIALING)
    amd = models.CharField(max_length=12, blank=True)  # human, machine, unknown
    amd_false_positive = models.BooleanField(default=False)  # a human hung up on as a machine
    agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    pilot = models.BooleanField(default=False)
    talk_s = models.FloatField(null=True, blank=True)
    # When the dial stopped ringing (answered by someone or something, or ended): the pacing
    # learns from it how a ringing dial's chance of a live answer falls with its age.
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["campaign", "at"], name="dial_campaign_at_idx"),
                   models.Index(fields=["number", "outcome", "at"], name="dial_number_outcome_idx")]
