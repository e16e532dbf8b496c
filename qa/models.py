"""Quality assurance (SPEC §6): versioned scorecards, sampling into evaluators' queues,
evaluations with timed comments, disputes, improvement plans and coaching, calibration,
appraisals and the best-call library."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Scorecard(models.Model):
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def current(self) -> ScorecardVersion | None:
        return self.versions.filter(published=True).order_by("-number").first()


class ScorecardVersion(models.Model):
    """QA-1: a scorecard's sections and items as they were; an evaluation keeps its version."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    published = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scorecard", "-number"]
        constraints = [models.UniqueConstraint(fields=["scorecard", "number"], name="uniq_scorecard_version")]


class Section(models.Model):
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(max_length=80)
    weight = models.DecimalField(max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Item(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes / no"
        SCALE = "scale", "1–7 scale"
        POINTS = "points", "Points"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="items")
    text = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    max_points = models.PositiveSmallIntegerField(default=1)  # points items: 0..max
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)])
    critical = models.BooleanField(default=False, help_text="failing it fails the whole evaluation")
    allow_na = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class QaSettings(models.Model):
    """QA-2 sampling settings (one row per tenant)."""

    default_rate = models.DecimalField(max_digits=4, decimal_places=3, default=0.3,
                                       validators=[MinValueValidator(0), MaxValueValidator(1)])
    new_agent_weeks = models.PositiveSmallIntegerField(default=4)
    transfer_over_s = models.PositiveSmallIntegerField(default=7)
    call_limit_s = models.PositiveIntegerField(default=600, help_text="calls longer than this + 120 s are sampled")
    failed_under_s = models.PositiveSmallIntegerField(default=30)
    sample_complaints = models.BooleanField(default=True)
    sample_low_csat = models.BooleanField(default=True)
    calibration_tolerance = models.DecimalField(max_digits=5, decimal_places=2, default=5)


class AgentSamplingRate(models.Model):
    agent = models.OneToOneField("accounts.User", on_delete=models.CASCADE, related_name="qa_rate")
    rate = models.DecimalField(max_digits=4, decimal_places=3, validators=[MinValueValidator(0), MaxValueValidator(1)])


class SampleItem(models.Model):
    """A call in an evaluator's queue; a call is sampled at most once."""

    class Reason(models.TextChoices):
        RANDOM = "random", "Random sample"
        NEW_AGENT = "new_agent", "New agent (all calls)"
        TRANSFER = "transfer", "Transfer took long"
        LONG = "long", "Longer than the limit"
        FAILED = "failed", "Short, failed call"
        COMPLAINT = "complaint", "Complaint"
        LOW_CSAT = "low_csat", "Unsatisfied caller"
        MANUAL = "manual", "Picked by hand"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Evaluated"
        SKIPPED = "skipped", "Skipped"

    call = models.OneToOneField("telephony.Call", on_delete=models.CASCADE, related_name="qa_sample")
    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    assigned_to = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="qa_queue")
    day = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day", "id"]


class Evaluation(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        DISPUTED = "disputed", "Disputed"
        FINAL = "final", "Final"

    call = models.ForeignKey("telephony.Call", on_delete=models.CASCADE, related_name="evaluations")
    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="evaluations")
    evaluator = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="evaluations")
    calibration = models.ForeignKey("CalibrationSession", null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="evaluations")
    live = models.BooleanField(default=False)  # scored while monitoring, not from a recording
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    auto_failed_item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["agent", "submitted_at"], name="eval_agent_submitted_idx")]


class Answer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    value = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)  # None = N/A
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["evaluation", "item"], name="uniq_answer")]


class TimedComment(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="comments")
    at_s = models.PositiveIntegerField()
    text = models.CharField(max_length=500)
    author = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at_s", "id"]


class Dispute(models.Model):
    """QA-3: open → reviewed → upheld (the score stands) or changed (re-scored), with reasons."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        REVIEWED = "reviewed", "Under review"
        UPHELD = "upheld", "Upheld"
        CHANGED = "changed", "Score changed"

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="disputes")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    reviewer = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.TextField(blank=True)
    score_before = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class ImprovementPlan(models.Model):
    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="improvement_plans")
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    goals = models.TextField()
    days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1), MaxValueValidator(365)])
    starts_on = models.DateField()
    status = models.CharField(max_length=8, default="open")  # open, done
    created_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class CoachingSession(models.Model):
    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="sessions")
    planned_for = models.DateTimeField()
    notes = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    follow_up_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["planned_for"]


class CalibrationSession(models.Model):
    """QA-4: evaluators score the same calls blind; deviations from the reference are compared
    with the tolerance."""

    name = models.CharField(max_length=80)
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="+")
    reference = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+",
                                  help_text="whose scores are the reference")
    evaluators = models.ManyToManyField("accounts.User", related_name="+")
    calls = models.ManyToManyField("telephony.Call", related_name="+")
    tolerance = models.DecimalField(max_digits=5, decimal_places=2, default=5)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]


class Appraisal(models.Model):
    """QA-5: the periodic 100-point appraisal with self and supervisor scores and a grade."""

    agent = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="appraisals")
    period_start = models.DateField()
    period_end = models.DateField()
    self_scores = models.JSONField(default=dict, blank=True)
    supervisor_scores = models.JSONField(default=dict, blank=True)
    supervisor = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end"]


class BestCall(models.Model):
    """QA-6: typical good and bad calls for training."""

    call = models.ForeignKey("telephony.Call", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4, choices=[("good", "Good example"), ("bad", "What not to do")])
    title = models.CharField(max_length=120)
    note = models.TextField(blank=True)
    added_by = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["call"], name="uniq_best_call")]
