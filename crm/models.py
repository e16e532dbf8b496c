"""CRM (TENANT schema): accounts, contacts with their phone numbers, notes (CRM-1, CRM-2)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone


class Tier(models.TextChoices):
    VIP = "vip", "VIP"
    MAJOR = "major", "Major"
    ORDINARY = "ordinary", "Ordinary"


class Lifecycle(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    NEW = "new", "New"
    ACTIVE = "active", "Active"
    LOYAL = "loyal", "Loyal"
    LAPSED = "lapsed", "Lapsed"


class Account(models.Model):
    """A customer organisation or household; its number is what callers key in the IVR."""

    number = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.ORDINARY)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Contact(models.Model):
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80, blank=True)
    email = models.EmailField(blank=True, db_index=True)
    account = models.ForeignKey(Account, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    tier = models.CharField(max_length=10, choices=Tier.choices, default=Tier.ORDINARY)
    lifecycle = models.CharField(max_length=10, choices=Lifecycle.choices, default=Lifecycle.NEW)
    owner = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address = models.TextField(blank=True)
    do_not_contact = models.BooleanField(default=False)
    consent_recording = models.BooleanField(default=True)
    consent_marketing = models.BooleanField(default=False)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    custom = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=120, blank=True)  # "import contacts.csv", "desk", "api"
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [GinIndex(fields=["tags"], name="contact_tags_gin")]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or "(no name)"


class ContactPhone(models.Model):
    """One number of a contact, in E.164: the screen-pop lookup is an index scan on `e164`."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    e164 = models.CharField(max_length=20)
    label = models.CharField(max_length=20, blank=True)  # mobile, work, home

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["contact", "e164"], name="contact_phone_once")]
        indexes = [models.Index(fields=["e164"], name="contact_phone_e164")]


class ContactNote(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField(default=timezone.now)
    author = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()

    class Meta:
        ordering = ["-at", "-id"]


class CaseType(models.TextChoices):
    INQUIRY = "inquiry", "Inquiry"
    COMPLAINT = "complaint", "Complaint"
    REPAIR = "repair", "Repair"
    HELP = "help", "Help"
    SUGGESTION = "suggestion", "Suggestion"
    NEW_SERVICE = "new_service", "New service"


class CaseState(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    IN_PROGRESS = "in_progress", "In progress"
    RESOLVED = "resolved", "Resolved"
    FOLLOW_UP = "follow_up", "Follow-up (return visit)"
    CLOSED = "closed", "Closed"


class Escalation(models.IntegerChoices):
    AGENT = 0, "Agent"
    TEAM_LEADER = 1, "Team leader"
    SUPERVISOR = 2, "Supervisor"
    MANAGER = 3, "Manager"


class CaseCounter(models.Model):
    """One row: the last case number given. Taken FOR UPDATE in the opening transaction, so
    numbers never skip (a rolled-back opening gives its number back) and never repeat."""

    last = models.PositiveIntegerField(default=0)


class Case(models.Model):
    number = models.PositiveIntegerField(unique=True)
    type = models.CharField(max_length=12, choices=CaseType.choices)
    state = models.CharField(max_length=12, choices=CaseState.choices, default=CaseState.NEW)
    subject = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases")
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    opened_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    promised_by = models.DateTimeField()
    escalation = models.PositiveSmallIntegerField(choices=Escalation.choices, default=Escalation.AGENT)
    resolved_on_first_contact = models.BooleanField(null=True)
    overdue_alerted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        indexes = [models.Index(fields=["state", "promised_by"], name="case_open_due")]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"


class CaseEvent(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    actor_email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=20)  # opened, state, escalated, override, overdue, assigned
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
