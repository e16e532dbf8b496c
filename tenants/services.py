"""Writes for tenants: signup (TEN-2), lifecycle (TEN-5), entitlements (TEN-4), credentials (TEN-6)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import get_tenant_base_schema, schema_context, schema_exists, tenant_context

from accounts.models import AuditEvent, Role, User
from accounts.services import audit_record
from billing.models import Edition
from config.errors import ServiceError
from tenants.crypto import encrypt_secret
from tenants.features import FEATURES
from tenants.models import TENANT_TRANSITIONS, Domain, FeatureOverride, ProviderCredential, Tenant, TenantState
from tenants.tasking import enqueue_on_commit

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = {
    "app", "www", "api", "admin", "public", "static", "media", "mail", "smtp", "status", "help",
    "docs", "support", "billing", "login", "signup", "template", "tenant-template", "operator", "sandbox",
}
MSG_SLUG_FORMAT = ("Use 3–40 lowercase letters, digits or hyphens, starting with a letter "
                   "and not ending with a hyphen.")
MSG_SLUG_RESERVED = "This address is reserved. Please choose another."
MSG_SLUG_TAKEN = "This address is already taken. Please choose another."
MSG_EDITION_UNKNOWN = "Unknown edition. Choose one of: {choices}."
MSG_COMPANY_REQUIRED = "Enter your company name."
MSG_BAD_TRANSITION = "A tenant in state '{current}' cannot move to '{target}'."
MSG_SEAT_CAP_PLAN = "Your plan allows at most {max} seats."
MSG_SEAT_CAP_BELOW_USE = "{used} seats are in use; disable users or revoke invitations before lowering to {cap}."
CLOSED_RETENTION_DAYS = 90
SPARE_PREFIX = "spare_"


def schema_name_for(slug: str) -> str:
    # A prefix keeps tenant schemas clear of Postgres' own (pg_*, information_schema, public).
    return "t_" + slug.replace("-", "_")


def _validate_signup(*, company: str, slug: str, admin_email: str, password: str, edition: str) -> Edition:
    errors: dict[str, list[str]] = {}
    if not company.strip():
        errors["company"] = [MSG_COMPANY_REQUIRED]
    if not SLUG_RE.match(slug):
        errors["slug"] = [MSG_SLUG_FORMAT]
    elif slug in RESERVED_SLUGS or slug.startswith(SPARE_PREFIX.replace("_", "-")):
        errors["slug"] = [MSG_SLUG_RESERVED]
    elif Tenant.objects.filter(slug=slug).exists() or Tenant.objects.filter(schema_name=schema_name_for(slug)).exists():
        errors["slug"] = [MSG_SLUG_TAKEN]
    try:
        validate_email(admin_email)
    except ValidationError:
        errors["admin_email"] = ["Enter a valid e-mail address."]
    try:
        validate_password(password, user=User(email=admin_email))
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    edition_obj = Edition.objects.filter(code=edition, is_public=True).first()
    if edition_obj is None:
        choices = ", ".join(Edition.objects.filter(is_public=True).values_list("code", flat=True))
        errors["edition"] = [MSG_EDITION_UNKNOWN.format(choices=choices)]
    if errors:
        field, msgs = next(iter(errors.items()))
        raise ServiceError("invalid", f"{field}: {msgs[0]}", errors)
    return edition_obj


@transaction.atomic
def tenant_signup(
    *, company: str, slug: str, admin_email: str, password: str, edition: str = "standard",
    timezone_name: str = "UTC", admin_name: str = "", ip: str | None = None,
) -> Tenant:
    """Create a live tenant: schema (cloned from the template), domain, admin, defaults.

    One transaction: any failure leaves no tenant row, no domain and no schema behind.
    """
    slug = slug.strip().lower()
    admin_email = admin_email.strip().lower()
    edition_obj = _validate_signup(company=company, slug=slug, admin_email=admin_email,
                                   password=password, edition=edition)
    fields = dict(slug=slug, name=company.strip(), edition=edition_obj, state=TenantState.TRIAL,
                  seat_cap=edition_obj.default_seats, timezone=timezone_name, currency=edition_obj.currency)
    tenant = _spare_take(schema_name=schema_name_for(slug), **fields)
    if tenant is None:  # pool empty: clone the template now
        tenant = Tenant(schema_name=schema_name_for(slug), **fields)
        tenant.save()
    from tenants.tasks import tenant_pool_refill_task

    enqueue_on_commit(tenant_pool_refill_task)
    Domain.objects.create(domain=f"{slug}.{settings.BASE_DOMAIN}", tenant=tenant, is_primary=True)
    with tenant_context(tenant):
        from accounts.services import user_create_active
        from telephony.services.config import telephony_defaults_create

        admin = user_create_active(email=admin_email, password=password, full_name=admin_name,
                                   roles=[Role.TENANT_ADMIN, Role.SUPERVISOR])
        telephony_defaults_create()
        audit_record(actor=admin, action="tenant.signup", target=tenant,
                     summary=f"{company} signed up on the {edition_obj.name} edition", ip=ip)
    return tenant


def _spare_take(*, schema_name: str, **fields) -> Tenant | None:
    """Claim a pre-cloned spare schema and rename it; None when the pool is empty.

    SKIP LOCKED: concurrent signups never claim the same spare. The rename is
    transactional, so a failed signup gives the spare back untouched.
    """
    spare = Tenant.objects.select_for_update(skip_locked=True).filter(state=TenantState.SPARE).order_by("pk").first()
    if spare is None:
        return None
    with connection.cursor() as cur:
        cur.execute(f'ALTER SCHEMA "{spare.schema_name}" RENAME TO "{schema_name}"')
    spare.schema_name = schema_name
    for key, value in fields.items():
        setattr(spare, key, value)
    spare.created_at = spare.state_changed_at = timezone.now()
    spare.save()
    return spare


POOL_LOCK_KEY = 0x686F73746C696E65  # "hostline": one refill at a time across all processes


def tenant_pool_refill(*, size: int | None = None) -> int:
    """Top the spare pool up to `size` (TENANT_SPARE_POOL); returns how many were cloned.

    A Postgres advisory lock serialises refills (beat, post-signup tasks, the command):
    a refill that finds another running returns 0 instead of overfilling the pool.
    """
    import secrets

    size = settings.TENANT_SPARE_POOL if size is None else size
    if not schema_exists(get_tenant_base_schema()):
        return 0
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [POOL_LOCK_KEY])
        if not cur.fetchone()[0]:
            return 0
    try:
        made = 0
        while Tenant.objects.filter(state=TenantState.SPARE).count() < size:
            suffix = secrets.token_hex(6)
            with transaction.atomic():
                Tenant.objects.create(schema_name=f"{SPARE_PREFIX}{suffix}", slug=f"spare-{suffix}", name="Spare",
                                      state=TenantState.SPARE, seat_cap=0)
            made += 1
        return made
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [POOL_LOCK_KEY])


def tenant_ensure_template() -> bool:
    """Create the migrated template schema new tenants are cloned from.

    The template is a Tenant row, so `migrate_schemas` keeps it current with every migration.
    Returns True when it had to be created.
    """
    base = get_tenant_base_schema()
    if Tenant.objects.filter(schema_name=base).exists():
        return False
    Tenant.objects.create(schema_name=base, slug="tenant-template", name="Tenant template",
                          state=TenantState.TEMPLATE, seat_cap=0)
    return True


@transaction.atomic
def tenant_transition(*, tenant: Tenant, to_state: str, actor_email: str = "", reason: str = "") -> Tenant:
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if to_state not in TENANT_TRANSITIONS.get(tenant.state, set()):
        raise ServiceError("bad_transition", MSG_BAD_TRANSITION.format(current=tenant.state, target=to_state),
                           status_code=409)
    previous = tenant.state
    tenant.state = to_state
    tenant.state_changed_at = timezone.now()
    if to_state == TenantState.CLOSED:
        tenant.deletion_due_at = timezone.now() + timedelta(days=CLOSED_RETENTION_DAYS)
    tenant.save(update_fields=["state", "state_changed_at", "deletion_due_at"])
    from billing.entitlements import entitlement_snapshot

    entitlement_snapshot(tenant=tenant)  # a trial is free and nothing is charged once closed
    with tenant_context(tenant):
        audit_record(actor=None, actor_email=actor_email, actor_kind=AuditEvent.ActorKind.OPERATOR,
                     action="tenant.state", target=tenant,
                     summary=f"Account state changed from {previous} to {to_state}",
                     detail={"from": previous, "to": to_state, "reason": reason})
    if to_state in (TenantState.SUSPENDED, TenantState.CLOSED):
        # Suspension blocks agents at once: every non-admin session/token stops working.
        with tenant_context(tenant):
            from accounts.services import users_revoke_non_admin_sessions

            users_revoke_non_admin_sessions()
    return tenant


@transaction.atomic
def tenant_set_feature(*, tenant: Tenant, feature: str, enabled: bool | None, actor_email: str = "",
                       reason: str = "") -> None:
    """Operator switch for one feature; `None` returns the feature to the edition default."""
    if feature not in FEATURES:
        raise ServiceError("unknown_feature", f"Unknown feature '{feature}'.")
    if enabled is None:
        FeatureOverride.objects.filter(tenant=tenant, feature=feature).delete()
    else:
        FeatureOverride.objects.update_or_create(tenant=tenant, feature=feature,
                                                 defaults={"enabled": enabled, "reason": reason})
    from billing.entitlements import entitlement_snapshot

    entitlement_snapshot(tenant=tenant)  # an add-on is paid for from the day it is switched on
    with tenant_context(tenant):
        state = {True: "enabled", False: "disabled", None: "reset to plan default"}[enabled]
        audit_record(actor=None, actor_email=actor_email, actor_kind=AuditEvent.ActorKind.OPERATOR,
                     action="tenant.feature", target=tenant, summary=f"Feature {feature} {state}",
                     detail={"feature": feature, "enabled": enabled, "reason": reason})


@transaction.atomic
def tenant_set_seat_cap(*, tenant: Tenant, seat_cap: int, actor: User) -> Tenant:
    from accounts.selectors import seats_in_use

    max_seats = tenant.edition.max_seats if tenant.edition else seat_cap
    if seat_cap < 1 or seat_cap > max_seats:
        msg = MSG_SEAT_CAP_PLAN.format(max=max_seats)
        raise ServiceError("seat_cap", msg, {"seat_cap": [msg]})
    with tenant_context(tenant):  # count the tenant's own users, whoever calls
        used = seats_in_use()
    if seat_cap < used:
        msg = MSG_SEAT_CAP_BELOW_USE.format(used=used, cap=seat_cap)
        raise ServiceError("seat_cap", msg, {"seat_cap": [msg]})
    previous = tenant.seat_cap
    Tenant.objects.filter(pk=tenant.pk).update(seat_cap=seat_cap)
    tenant.seat_cap = seat_cap
    from billing.entitlements import entitlement_snapshot

    entitlement_snapshot(tenant=tenant)  # seat rent follows the seat count from today
    with tenant_context(tenant):  # the tenant's own log, whoever calls
        audit_record(actor=actor, action="tenant.seats", target=tenant,
                     summary=f"Seat count changed from {previous} to {seat_cap}")
    return tenant


@transaction.atomic
def tenant_set_recording_retention(*, tenant: Tenant, days: int, actor: User) -> Tenant:
    """TEL-13: how long recordings are kept (0 = until deleted by hand)."""
    previous = tenant.recording_retention_days
    Tenant.objects.filter(pk=tenant.pk).update(recording_retention_days=days)
    tenant.recording_retention_days = days
    with tenant_context(tenant):
        audit_record(actor=actor, action="tenant.recording_retention", target=tenant,
                     summary=f"Recording retention changed from {previous} to {days} days")
    return tenant


@transaction.atomic
def tenant_set_credentials(*, tenant: Tenant, provider: str, account_sid: str = "", secret: str = "",
                           sip_domain: str = "", actor: User) -> ProviderCredential:
    if provider not in ProviderCredential.Provider.values:
        raise ServiceError("invalid", f"provider: choose one of {', '.join(ProviderCredential.Provider.values)}.",
                           {"provider": ["Unknown provider."]})
    if provider == ProviderCredential.Provider.TWILIO and not (account_sid.startswith("AC") and secret):
        msg = "A Twilio account SID (AC…) and auth token are required."
        raise ServiceError("invalid", msg, {"account_sid": [msg]})
    with schema_context("public"):
        cred, _ = ProviderCredential.objects.update_or_create(
            tenant=tenant,
            defaults={"provider": provider, "account_sid": account_sid,
                      "secret_encrypted": encrypt_secret(secret), "sip_domain": sip_domain},
        )
    with tenant_context(tenant):  # the tenant's own log, whoever calls
        audit_record(actor=actor, action="tenant.credentials", target=tenant,
                     summary=f"Telephony credentials set ({provider})")
    return cred
