from __future__ import annotations

from django.db import connection, models
from django_tenants.clone import CloneSchema
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_tenant_base_schema, schema_exists


class TenantState(models.TextChoices):
    TEMPLATE = "template", "Template"  # the schema every new tenant is cloned from
    SPARE = "spare", "Spare"  # a pre-cloned schema waiting for the next signup
    TRIAL = "trial", "Trial"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Past due"
    SUSPENDED = "suspended", "Suspended"
    CLOSED = "closed", "Closed"


# TEN-5: the only transitions the lifecycle allows.
TENANT_TRANSITIONS: dict[str, set[str]] = {
    TenantState.TRIAL: {TenantState.ACTIVE, TenantState.PAST_DUE, TenantState.SUSPENDED, TenantState.CLOSED},
    TenantState.ACTIVE: {TenantState.PAST_DUE, TenantState.SUSPENDED, TenantState.CLOSED},
    TenantState.PAST_DUE: {TenantState.ACTIVE, TenantState.SUSPENDED, TenantState.CLOSED},
    TenantState.SUSPENDED: {TenantState.ACTIVE, TenantState.CLOSED},
    TenantState.CLOSED: set(),
    TenantState.TEMPLATE: set(),
    TenantState.SPARE: set(),
}
# States that are platform plumbing, never a customer's call center.
INTERNAL_STATES = (TenantState.TEMPLATE, TenantState.SPARE)


class Tenant(TenantMixin):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=40, unique=True)
    edition = models.ForeignKey("billing.Edition", on_delete=models.PROTECT, null=True, blank=True)
    state = models.CharField(max_length=16, choices=TenantState.choices, default=TenantState.TRIAL)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    seat_cap = models.PositiveIntegerField(default=10)
    timezone = models.CharField(max_length=64, default="UTC")
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)
    deletion_due_at = models.DateTimeField(null=True, blank=True)
    # TEL-13: recordings older than this are deleted here and at the carrier (0 = keep).
    recording_retention_days = models.PositiveIntegerField(default=365)

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Clone the migrated template schema (TEN-2: signup in well under a second).

        django-tenants would clone and then run `migrate_schemas --fake`; the template's
        django_migrations rows are copied with its data, so that second pass only costs
        time. Without a template (creating the template itself) it migrates normally.
        """
        if check_if_exists and schema_exists(self.schema_name):
            return False
        base = get_tenant_base_schema()
        if not sync_schema or self.schema_name == base or not schema_exists(base):
            return super().create_schema(check_if_exists=check_if_exists, sync_schema=sync_schema,
                                         verbosity=verbosity)
        CloneSchema().clone_schema(base, self.schema_name, self.clone_mode)
        connection.set_schema_to_public()
        return True


class Domain(DomainMixin):
    pass


class FeatureOverride(models.Model):
    """Operator's per-tenant switch on top of the edition (add-on on, feature withheld)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="feature_overrides")
    feature = models.CharField(max_length=40)
    enabled = models.BooleanField()
    reason = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "feature"], name="uniq_tenant_feature")]


class ProviderCredential(models.Model):
    """TEN-6: the tenant's own Twilio subaccount or SIP trunk; the secret is Fernet-encrypted."""

    class Provider(models.TextChoices):
        TWILIO = "twilio", "Twilio"
        SIP = "sip", "SIP trunk"
        SANDBOX = "sandbox", "Sandbox carrier"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="provider_credential")
    provider = models.CharField(max_length=16, choices=Provider.choices, default=Provider.SANDBOX)
    account_sid = models.CharField(max_length=64, blank=True)
    secret_encrypted = models.BinaryField(blank=True, default=b"")
    sip_domain = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)


class NumberRoute(models.Model):
    """TEL-1: which tenant owns a phone number, platform-wide. A number belongs to one tenant;
    an inbound webhook must arrive on that tenant's domain as well."""

    e164 = models.CharField(max_length=32, unique=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="numbers")
    created_at = models.DateTimeField(auto_now_add=True)
