"""CRM (TENANT schema): accounts, contacts with their phone numbers, notes (CRM-1, CRM-2)."""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone


class TierSetting(models.Model):
    """A tenant's customer tiers (CRM-1, configurable; seeded VIP / major / ordinary). Callers
    whose contact has a `vip` tier jump the queue by the queue's VIP boost (TEL-6)."""

    code = models.SlugField(max_length=10, unique=True)
    label = models.CharField(max_length=40)
    vip = models.BooleanField(default=False, help_text="Callers of this tier jump the queue.")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


DEFAULT_TIER = "ordinary"


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
    tier = models.CharField(max_length=10, default=DEFAULT_TIER)  # a TierSetting code
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
    tier = models.CharField(max_length=10, default=DEFAULT_TIER)  # a TierSetting code
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


class CaseTypeSetting(models.Model):
    """A tenant's case types (CRM-3, configurable; seeded by migration 0004): the promised reply
    time and the department/team new cases of the type are routed to."""

    code = models.SlugField(max_length=12, unique=True)
    label = models.CharField(max_length=60)
    promise_hours = models.PositiveIntegerField()
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label


class ComplaintCategory(models.Model):
    """CRM-4 taxonomy (seeded, editable). Categories about staff route to supervisors."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=80)
    about_staff = models.BooleanField(default=False)
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        verbose_name_plural = "complaint categories"

    def __str__(self) -> str:
        return self.label


class Case(models.Model):
    number = models.PositiveIntegerField(unique=True)
    type = models.CharField(max_length=12)  # a CaseTypeSetting code
    complaint_category = models.ForeignKey(ComplaintCategory, null=True, blank=True, on_delete=models.PROTECT,
                                           related_name="cases")
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


class ConsentRecord(models.Model):
    """CRM-8: every grant or withdrawal of consent, with where it came from (the flags on the
    contact are the current answer; these rows are the evidence)."""

    class Kind(models.TextChoices):
        RECORDING = "recording", "Call recording"
        MARKETING = "marketing", "Marketing"
        CONTACT = "contact", "Being contacted"

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consent_records")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=120, blank=True)
    actor_email = models.CharField(max_length=254, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]


class LegalHold(models.Model):
    """While a hold is active the contact cannot be erased and recordings of their numbers
    are kept past retention and cannot be deleted (CRM-8 legal-hold override)."""

    contact = models.ForeignKey(Contact, null=True, on_delete=models.SET_NULL, related_name="legal_holds")
    reason = models.CharField(max_length=300)
    placed_by = models.CharField(max_length=254)
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.CharField(max_length=254, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["contact"], condition=models.Q(released_at__isnull=True),
                                               name="one_active_hold_per_contact")]


class SurveyKind(models.TextChoices):
    POST_CALL = "post_call", "After the call (IVR)"
    IVR = "ivr", "Survey node in an IVR flow"
    RETURN_VISIT = "return_visit", "Return visit"


class SurveyResponse(models.Model):
    """CRM-5: one answer (1 = satisfied, 2 = not, with an optional reason), tied to the call,
    its agent and queue, and the case it followed up."""

    kind = models.CharField(max_length=14, choices=SurveyKind.choices)
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    queue = models.ForeignKey("telephony.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    case = models.ForeignKey("crm.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="surveys")
    satisfied = models.BooleanField()
    reason = models.TextField(blank=True)
    reason_recording = models.ForeignKey("telephony.Recording", null=True, blank=True, on_delete=models.SET_NULL,
                                         related_name="+")
    recorded_by = models.CharField(max_length=254, blank=True)  # the agent for a return visit
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["call", "kind"], condition=models.Q(call__isnull=False),
                                               name="one_survey_per_call_and_kind")]


class FollowUpEvent(models.TextChoices):
    CASE_OPENED = "case_opened", "Case opened"
    CASE_RESOLVED = "case_resolved", "Case resolved"
    CASE_CLOSED = "case_closed", "Case closed"
    CALL_ANSWERED = "call_answered", "Call answered"


class FollowUpAction(models.TextChoices):
    CALL = "call", "Call the customer"
    SURVEY = "survey", "Return-visit survey"
    TASK = "task", "Task"


class FollowUpRule(models.Model):
    """CRM-7: "N days after event X, create a follow-up" (e.g. day 3, 7 and 30 after a repair)."""

    name = models.CharField(max_length=120)
    event = models.CharField(max_length=16, choices=FollowUpEvent.choices)
    days = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=8, choices=FollowUpAction.choices)
    case_type = models.CharField(max_length=12, blank=True)  # only cases of this type ('' = any)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["event", "days", "id"]


class FollowUpStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class FollowUpTask(models.Model):
    rule = models.ForeignKey(FollowUpRule, null=True, on_delete=models.SET_NULL, related_name="tasks")
    action = models.CharField(max_length=8, choices=FollowUpAction.choices)
    title = models.CharField(max_length=200)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    case = models.ForeignKey("crm.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups")
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    assignee = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    outcome = models.CharField(max_length=500, blank=True)
    done_by = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "case"], condition=models.Q(case__isnull=False),
                                    name="one_follow_up_per_rule_and_case"),
            models.UniqueConstraint(fields=["rule", "call"], condition=models.Q(call__isnull=False),
                                    name="one_follow_up_per_rule_and_call"),
        ]


class ArticleKind(models.TextChoices):
    ARTICLE = "article", "Knowledge article"
    SCRIPT = "script", "Call script"


class Article(models.Model):
    """CRM-6: a knowledge article or call script. The current version's text lives here (for
    search: `search` is a weighted tsvector kept up to date by the service that saves it);
    every saved version is kept in ArticleVersion."""

    kind = models.CharField(max_length=8, choices=ArticleKind.choices, default=ArticleKind.ARTICLE)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    steps = models.JSONField(default=list, blank=True)  # scripts: [{"type": "say"|"ask"|"identity_check", ...}]
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    queue = models.ForeignKey("telephony.Queue", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.CharField(max_length=80, blank=True)
    version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    uses = models.PositiveIntegerField(default=0)
    search = SearchVectorField(null=True, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uses", "title"]
        indexes = [GinIndex(fields=["search"], name="article_search_gin")]


class ArticleVersion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    steps = models.JSONField(default=list, blank=True)
    author_email = models.CharField(max_length=254, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["article", "version"], name="one_article_version")]


class ArticleUse(models.Model):
    """Who opened which article on which call: frequent questions feed the knowledge base."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="use_log")
    user = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    call = models.ForeignKey("telephony.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    query = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    CHECKING = "checking", "Checking rows"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Not imported (see the report)"


class ImportJob(models.Model):
    """A large CSV import run by a Celery worker, with progress for the page that started it.
    Same rules as a small one: every row checked first, then one transaction or nothing."""

    filename = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    payload = models.TextField(blank=True)  # the file, until the job ends
    rows = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey("accounts.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
