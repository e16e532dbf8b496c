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


class ShiftTemplate(models.Model):
    """WFM-6: a shift pattern with staggered starts and breaks placed relative to the start."""

    name = models.CharField(max_length=60, unique=True)
    starts = models.JSONField(help_text='start times, e.g. ["07:00", "07:30", "08:00"]')
    length_min = models.PositiveSmallIntegerField(validators=[MinValueValidator(60), MaxValueValidator(14 * 60)])
    # [{"kind": "break" | "lunch", "after_min": 120, "length_min": 15, "flex_min": 30}]
    breaks = models.JSONField(default=list, blank=True)
    night = models.BooleanField(default=False)
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday; empty = every day")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]


class AgentWorkRule(models.Model):
    """An agent's contract and wishes for scheduling; agents without one get the defaults."""

    user = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="work_rule")
    min_week_hours = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(80)])
    max_week_hours = models.PositiveSmallIntegerField(default=40, validators=[MaxValueValidator(80)])
    min_month_hours = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(320)])
    max_month_hours = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(320)])
    max_consecutive_days = models.PositiveSmallIntegerField(default=5, validators=[MinValueValidator(1),
                                                                                  MaxValueValidator(14)])
    rest_hours = models.PositiveSmallIntegerField(default=11, validators=[MaxValueValidator(48)])
    rest_after_night_hours = models.PositiveSmallIntegerField(default=24, validators=[MaxValueValidator(72)])
    avoid_weekdays = models.JSONField(default=list, blank=True)
    templates = models.ManyToManyField(ShiftTemplate, blank=True, related_name="+",
                                       help_text="the shifts this agent may work; none = any")
    preferred_templates = models.ManyToManyField(ShiftTemplate, blank=True, related_name="+")
    fairness_group = models.CharField(max_length=40, blank=True, help_text="night shifts shared fairly within")
    meal_group = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(min_week_hours__lte=models.F("max_week_hours")),
                                              name="week_hours_in_order")]


class Schedule(models.Model):
    """WFM-6: a generated schedule over the days of one or more forecasts."""

    class Status(models.TextChoices):
        BUILDING = "building", "Building"
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        SUPERSEDED = "superseded", "Superseded"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=80)
    forecasts = models.ManyToManyField(Forecast, related_name="schedules")
    first_day = models.DateField()
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(31)])
    interval_min = models.PositiveSmallIntegerField()
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    seats = models.PositiveIntegerField(null=True, blank=True)
    meal_group_limit = models.PositiveIntegerField(null=True, blank=True)
    shrinkage = models.FloatField(default=0.0, validators=[MinValueValidator(0), MaxValueValidator(0.9)],
                                  help_text="unplanned absence to cover on top (breaks and leave are planned)")
    virtual_agents = models.JSONField(default=list, blank=True,
                                      help_text='what-if: extra agents, e.g. [{"count": 5, "max_week_hours": 20}]')
    time_limit_s = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1),
                                                                             MaxValueValidator(300)])
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BUILDING)
    result = models.JSONField(default=dict, blank=True)  # figures and per-interval coverage
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ScheduledShift(models.Model):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    virtual_label = models.CharField(max_length=40, blank=True)  # a what-if agent who does not exist
    day = models.DateField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    template = models.ForeignKey(ShiftTemplate, null=True, on_delete=models.SET_NULL, related_name="+")
    breaks = models.JSONField(default=list, blank=True)  # [{"kind", "start", "end"}] ISO datetimes

    class Meta:
        ordering = ["day", "start"]
        indexes = [models.Index(fields=["agent", "start"], name="shift_agent_start_idx")]


class LeaveRequest(models.Model):
    """WFM-7: days away, checked against the tenant's leave rules when asked for and approved."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual leave"
        PERSONAL = "personal", "Personal leave"
        SICK = "sick", "Sickness"
        TRAINING = "training", "Training"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        CANCELLED = "cancelled", "Cancelled"

    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="leave_requests")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=300, blank=True)
    emergency = models.BooleanField(default=False)  # emergency sickness: no notice needed
    proof = models.CharField(max_length=300, blank=True)  # what backs a request over the monthly allowance
    approvals_needed = models.PositiveSmallIntegerField(default=1)
    approvals = models.JSONField(default=list, blank=True)  # [{"by": email, "at": iso}]
    override = models.BooleanField(default=False)  # a supervisor allowed a second person off that shift
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decision_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(first_day__lte=models.F("last_day")),
                                              name="leave_days_in_order")]


class SwapRequest(models.Model):
    """WFM-7: two agents trade shifts (or one gives a shift away), approved by a supervisor."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the colleague"
        ACCEPTED = "accepted", "Waiting for approval"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"
        CANCELLED = "cancelled", "Cancelled"

    requester = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    requester_shift = models.ForeignKey(ScheduledShift, on_delete=models.CASCADE, related_name="+")
    partner_shift = models.ForeignKey(ScheduledShift, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="+")
    reason = models.CharField(max_length=300, blank=True)
    override = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decision_note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class LatenessRecord(models.Model):
    """WFM-7: a late start; ≤ 30 min costs half a day of personal leave, more a whole day."""

    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    shift = models.ForeignKey(ScheduledShift, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    day = models.DateField()
    minutes_late = models.PositiveIntegerField()
    leave_days = models.DecimalField(max_digits=3, decimal_places=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["agent", "day"], name="uniq_lateness_per_day")]


class AdherenceException(models.Model):
    """WFM-8: time a supervisor approved away from the plan (escorting a visitor 9:30–10:00)."""

    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200)
    approved_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=models.Q(start__lt=models.F("end")),
                                              name="exception_in_order")]


class Handover(models.Model):
    """WFM-10: a supervisor's shift handover log; it cannot close while an incident is open."""

    author = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    shift_label = models.CharField(max_length=60)
    notes = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class HandoverIncident(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="incidents")
    summary = models.CharField(max_length=300)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]


class IntradayAlert(models.Model):
    """WFM-9: actual volume strayed more than 10 % from the forecast; raised once per interval."""

    forecast = models.ForeignKey(Forecast, on_delete=models.CASCADE, related_name="alerts")
    interval_start = models.DateTimeField()
    forecast_calls = models.FloatField()
    actual_calls = models.FloatField()
    deviation = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-interval_start"]
        constraints = [models.UniqueConstraint(fields=["forecast", "interval_start"], name="uniq_intraday_alert")]
