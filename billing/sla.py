"""BIL-4 SLA credits. The platform commits to tell tenants of a problem within 30 minutes and
to fix it within the resolution target. A missed response credits 2 × the tenant's fee per
working day, a missed resolution 1.5 × (both can apply); the credit comes off the next invoice.

Fee per working day = the tenant's monthly fees (seats and add-ons, as entitled on the day
the incident was detected) / the Monday–Friday days of that month; each credit rounded half up
to cents.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from billing.entitlements import platform_tz
from billing.invoicing import cents
from billing.models import Credit, EntitlementDay, Incident
from config.calendar import month_bounds
from config.errors import ServiceError

RESPONSE_FACTOR = Decimal("2")
RESOLUTION_FACTOR = Decimal("1.5")


def working_days(year: int, month: int) -> int:
    first, last = month_bounds(year, month)
    return sum(1 for i in range((last - first).days + 1) if (first + timedelta(days=i)).weekday() < 5)


def fee_per_working_day(tenant, day: date) -> Decimal:
    """The tenant's monthly fees on `day` over the month's working days (unrounded)."""
    from billing.selectors import monthly_recurring

    row = EntitlementDay.objects.filter(tenant=tenant, day__lte=day).select_related("edition").order_by("-day").first()
    return monthly_recurring(row) / working_days(day.year, day.month)


def breaches(incident: Incident) -> dict[str, bool]:
    response = incident.notified_at is None or (
        incident.notified_at - incident.detected_at > timedelta(minutes=incident.response_target_min))
    resolution = incident.resolved_at is not None and (
        incident.resolved_at - incident.detected_at > timedelta(minutes=incident.resolution_target_min))
    return {"response": response, "resolution": resolution}


@transaction.atomic
def incident_credits_issue(*, incident: Incident) -> list[Credit]:
    """Credits for every affected tenant of a resolved incident, once."""
    from tenants.models import INTERNAL_STATES, Tenant

    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.resolved_at is None:
        raise ServiceError("unresolved", "Record when the incident was resolved before issuing credits.",
                           status_code=409)
    if incident.credits_issued:
        return list(incident.credits.all())
    missed = breaches(incident)
    day = incident.detected_at.astimezone(platform_tz()).date()
    tenants = (Tenant.objects.exclude(state__in=INTERNAL_STATES) if incident.all_tenants
               else incident.tenants.all())
    credits = []
    for tenant in tenants:
        fee = fee_per_working_day(tenant, day)
        for kind, factor in (("response", RESPONSE_FACTOR), ("resolution", RESOLUTION_FACTOR)):
            amount = cents(fee * factor)
            if missed[kind] and amount > 0:
                credits.append(Credit.objects.create(
                    tenant=tenant, incident=incident, amount=amount,
                    reason=f"SLA: {kind} time missed for '{incident.title}' ({factor} × daily fee)"))
    incident.credits_issued = True
    incident.save(update_fields=["credits_issued"])
    return credits
