"""What each tenant had, day by day (BIL-1, BIL-3): seats, supervisor seats, edition and the
paid add-ons that were on. A change writes today's row (the last change of a day wins), so it
is charged from that day; the invoice reads a month through `entitlements_by_day`, each day
carrying the latest row at or before it."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.models import AddOn, EntitlementDay


def platform_tz() -> ZoneInfo:
    return ZoneInfo(settings.PLATFORM_TIMEZONE)


def billing_today(tenant=None) -> date:
    """Today in the platform's billing timezone (PLATFORM_TIMEZONE): days and months of
    billing begin at its midnight."""
    return timezone.now().astimezone(platform_tz()).date()


def paid_addons(tenant) -> list[str]:
    """Add-on codes whose feature is on for the tenant and not already in its edition."""
    from tenants.selectors import tenant_features

    included = set(tenant.edition.features if tenant.edition else [])
    on = tenant_features(tenant)
    return sorted(a.code for a in AddOn.objects.all() if a.feature in on and a.feature not in included)


def supervisor_seats(tenant) -> int:
    """Active supervisors of the tenant (the unit of per-supervisor-seat add-ons)."""
    from django_tenants.utils import tenant_context

    from accounts.models import Role, User

    with tenant_context(tenant):
        return User.objects.filter(role_grants__role=Role.SUPERVISOR, status="active", is_bot=False).distinct().count()


@transaction.atomic
def entitlement_snapshot(*, tenant, day: date | None = None) -> EntitlementDay:
    """Record what the tenant has now as its entitlement from `day` (default today)."""
    from tenants.models import Tenant, TenantState

    tenant = Tenant.objects.select_related("edition").get(pk=tenant.pk)  # the committed truth, not a stale copy
    day = day or billing_today(tenant)
    row, _ = EntitlementDay.objects.update_or_create(tenant=tenant, day=day, defaults={
        "edition": tenant.edition, "seats": tenant.seat_cap, "supervisor_seats": supervisor_seats(tenant),
        "addons": paid_addons(tenant), "billable": tenant.state not in (TenantState.TRIAL, TenantState.CLOSED)})
    return row


def entitlements_by_day(*, tenant, first: date, last: date) -> list[tuple[date, EntitlementDay | None]]:
    """Each day of [first, last] with the row in force that day (None before the first row)."""
    rows = list(EntitlementDay.objects.filter(tenant=tenant, day__lte=last).select_related("edition").order_by("day"))
    out, i, current = [], 0, None
    d = first
    while d <= last:
        while i < len(rows) and rows[i].day <= d:
            current = rows[i]
            i += 1
        out.append((d, current))
        d += timedelta(days=1)
    return out
