"""What a tenant admin configures: queues (TEL-7), hours and holidays (TEL-5), numbers
(TEL-1), IVR flows with versions (TEL-4) and black/white lists (TEL-6)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class Strategy(models.TextChoices):
    LONGEST_IDLE = "longest_idle", "Longest idle agent"
    ROUND_ROBIN = "round_robin", "Round robin"
    LEAST_OCCUPIED = "least_occupied", "Least occupied today"
    RING_ALL = "ring_all", "Ring all (first to answer)"
    SKILLS = "skills", "Skills, best proficiency first"
    LAST_AGENT = "last_agent", "Last agent (sticky), then longest idle"


class QueueOverflowAction(models.TextChoices):
    VOICEMAIL = "voicemail", "Voicemail"
    CALLBACK = "callback", "Callback (keeps the place in line)"
    HANGUP = "hangup", "Apologise and hang up"


class AfterHoursAction(models.TextChoices):
    VOICEMAIL = "voicemail", "Voicemail"
    MESSAGE = "message", "Play a message and hang up"
    QUEUE = "queue", "Send to another queue"


class RecordingPolicy(models.TextChoices):
    ALL = "all", "Record every call"
    NONE = "none", "Never record"
    ON_DEMAND = "on_demand", "Agent starts recording"


class Queue(models.Model):
    name = models.CharField(max_length=80, unique=True)
    is_default = models.BooleanField(default=False)
    strategy = models.CharField(max_length=16, choices=Strategy.choices, default=Strategy.LONGEST_IDLE)
    # Higher first when an agent could take calls from several queues.
    priority = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    # Added to a call's priority when the caller is a VIP (whitelist or CRM tier).
    vip_priority_boost = models.PositiveSmallIntegerField(default=50)
    sl_target_pct = models.PositiveSmallIntegerField(default=80, validators=[MaxValueValidator(100)])
    sl_threshold_s = models.PositiveSmallIntegerField(default=20)
    offer_timeout_s = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(3)])
    acw_limit_s = models.PositiveSmallIntegerField(default=30)
    sticky_timeout_s = models.PositiveSmallIntegerField(default=30)
    overflow_after_s = models.PositiveIntegerField(null=True, blank=True)
    overflow_widen_skills = models.BooleanField(default=False)
    overflow_queue = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    max_wait_s = models.PositiveIntegerField(null=True, blank=True)
    max_wait_action = models.CharField(max_length=12, choices=QueueOverflowAction.choices,
                                       default=QueueOverflowAction.VOICEMAIL)
    max_size = models.PositiveIntegerField(null=True, blank=True)
    use_hours = models.BooleanField(default=False, help_text="Check opening hours and holidays on entry.")
    after_hours_action = models.CharField(max_length=12, choices=AfterHoursAction.choices,
                                          default=AfterHoursAction.VOICEMAIL)
    after_hours_queue = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    after_hours_message = models.CharField(max_length=300, blank=True,
                                           default="We are closed. Please call again during opening hours.")
    recording_policy = models.CharField(max_length=10, choices=RecordingPolicy.choices, default=RecordingPolicy.NONE)
    consent_prompt = models.CharField(max_length=300, blank=True)
    announce_position = models.BooleanField(default=True)
    post_call_survey = models.BooleanField(default=False, help_text="After the agent hangs up, ask the caller "
                                           "to rate the call (needs the survey add-on).")
    survey_prompt = models.CharField(max_length=300, blank=True)
    hold_music_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QueueSkill(models.Model):
    """A skill a queue requires, with the minimum proficiency (1–5)."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="required_skills")
    skill = models.ForeignKey("accounts.Skill", on_delete=models.CASCADE, related_name="+")
    min_proficiency = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1),
                                                                              MaxValueValidator(5)])

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "skill"], name="uniq_queue_skill")]


class QueueMember(models.Model):
    """Agents staffing a queue. A queue without members is staffed by every agent."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="queue_memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "user"], name="uniq_queue_member")]


class BusinessHours(models.Model):
    """Weekly opening hours (TEL-5); weekday 0 = Monday, in the tenant's timezone.
    Rows without a queue are the tenant's hours; a queue with rows of its own uses those."""

    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField()
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="weekday_0_to_6"),
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="opens_before_closes"),
        ]


class Holiday(models.Model):
    date = models.DateField()
    name = models.CharField(max_length=80)
    queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.CASCADE, related_name="holidays")

    class Meta:
        ordering = ["date"]


class IvrFlow(models.Model):
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=200, blank=True)
    published = models.ForeignKey("IvrFlowVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IvrFlowVersion(models.Model):
    """An immutable, validated graph. Calls keep the version they entered on."""

    flow = models.ForeignKey(IvrFlow, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    graph = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["flow", "-version"]
        constraints = [models.UniqueConstraint(fields=["flow", "version"], name="uniq_flow_version")]


class NumberKind(models.TextChoices):
    DID = "did", "Local number (DID)"
    TOLL_FREE = "toll_free", "Toll-free"
    SHORT_CODE = "short_code", "Short code"
    SIP = "sip", "SIP address"


class PhoneNumber(models.Model):
    """A number of this tenant (TEL-1); the platform-wide owner lives in tenants.NumberRoute."""

    e164 = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=12, choices=NumberKind.choices, default=NumberKind.DID)
    label = models.CharField(max_length=80, blank=True)
    entry_flow = models.ForeignKey(IvrFlow, null=True, blank=True, on_delete=models.PROTECT, related_name="numbers")
    entry_queue = models.ForeignKey(Queue, null=True, blank=True, on_delete=models.PROTECT, related_name="numbers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["e164"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry_flow__isnull=True) | models.Q(entry_queue__isnull=True),
                name="number_one_entry"),
        ]

    def __str__(self) -> str:
        return self.e164


class CallerListKind(models.TextChoices):
    BLOCK = "block", "Blacklist (rejected)"
    VIP = "vip", "Whitelist (VIP priority)"


class CallerListEntry(models.Model):
    """TEL-6: callers rejected with busy, or prioritised as VIPs."""

    number = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=8, choices=CallerListKind.choices)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["number"]
