"""Workforce management (SPEC §7): history adjustments, forecasts with their intervals,
shift templates, agents' working rules, schedules and their shifts."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class HistoryAdjustment(models.Model):
    """WFM-1: a stretch of history the planner leaves out (a storm, an outage) or scales
    (× 1.15 after 15 % customer growth) before it feeds a forecast."""

    class Action(models.TextChoices):
        EXCLUDE = "exclude", "Exclude"
        SCALE = "scale", "Scale"

    queue = models.ForeignKey("telephony.Queue", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="+", help_text="empty = every queue")
    first_day = models.DateField()
    last_day = models.DateField()
    action = models.CharField(max_length=8, choices=Action.choices)
    factor = models.DecimalField(max_digits=6, decimal_places=3, default=1,
                                 validators=[MinValueValidator(0), MaxValueValidator(100)])
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_day"]
        constraints = [models.CheckConstraint(condition=models.Q(first_day__lte=models.F("last_day")),
                                              name="adjustment_days_in_order")]


class Forecast(models.Model):
    """WFM-2: expected calls and AHT per interval for one queue over a run of days, with the
    agents they require (WFM-3/4)."""

    class Method(models.TextChoices):
        SHARE = "share", "Share-based (monthly × day share × weekday factor × interval share)"
        RELATIVE = "relative", "Relative window (the same weekday in the weeks before)"
        FIXED = "fixed", "Fixed window (the same weekday in chosen dates)"
        HOLT_WINTERS = "holt_winters", "Seasonal exponential smoothing (Holt-Winters)"

    queue = models.ForeignKey("telephony.Queue", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    method = models.CharField(max_length=16, choices=Method.choices)
    first_day = models.DateField()
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(92)])
    interval_min = models.PositiveSmallIntegerField(choices=[(15, "15 minutes"), (30, "30 minutes")])
    params = models.JSONField(default=dict, blank=True)  # method inputs: window, monthly volume, history span
    overrides = models.JSONField(default=dict, blank=True)  # planner overrides and what-if
    target_sl = models.FloatField(default=0.8)
    threshold_s = models.PositiveIntegerField(default=20)
    shrinkage = models.FloatField(default=0.3, validators=[MinValueValidator(0), MaxValueValidator(0.95)])
    patience_s = models.FloatField(null=True, blank=True, help_text="set: staff with Erlang A")
    accuracy = models.JSONField(default=dict, blank=True)  # backtest on held-out weeks: WAPE, MAPE
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class ForecastInterval(models.Model):
    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="intervals")
    start = models.DateTimeField()
    calls = models.FloatField()
    aht_s = models.FloatField()
    required = models.PositiveIntegerField()  # agents on the phones (Erlang)
    scheduled = models.PositiveIntegerField()  # agents to schedule after shrinkage
    service_level = models.FloatField()  # predicted with `required` agents
    holiday = models.BooleanField(default=False)

    class Meta:
        ordering = ["start"]
        constraints = [models.UniqueConstraint(fields=["forecast", "start"], name="uniq_forecast_interval")]
