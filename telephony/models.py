"""Telephony (TENANT). The foundation ships the default queue and business hours every new
tenant gets; the telephony-core issue grows these into the full ACD model."""

from django.db import models


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
