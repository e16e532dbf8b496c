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
