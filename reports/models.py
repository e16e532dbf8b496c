"""Reports (TENANT schema): the record of each daily summary e-mail, so each day is sent once."""

from django.db import models
from django.utils import timezone


class DailySummary(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Not sent yet"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"

    day = models.DateField(unique=True)  # the tenant-local day the summary covers
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
