"""BIL-3 the monthly invoice: seat rent prorated by seat-days, add-ons by their unit and days,
usage by category, one-off charges, tax; numbered without gaps; one per tenant and month.

Idempotent and safe to run concurrently: each tenant's invoice is one transaction holding an
advisory lock on (tenant, period); a second run (or a run that crashed and is started again)
finds the invoice made and moves on. The number comes from a counter row locked in the same
transaction, so a failed invoice gives its number back.

Proration: a monthly price × (units on each day, summed over the month) / days in the month,
rounded half up to cents once per line. Usage: every rated, not yet invoiced record up to the
end of the month (records priced late, e.g. after a deck fix, join the next invoice).
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from billing.entitlements import billing_today, entitlements_by_day, platform_tz
from billing.fanout import for_each_tenant
from billing.models import AddOn, BillingAccount, Credit, Invoice, InvoiceCounter, InvoiceLine, UsageRecord
from billing.rating import usage_rate
from billing.usage import storage_meter, usage_collect, usage_meter_all
from config.calendar import month_bounds

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    kind: str
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None
    amount: Decimal


def period_start(period: date) -> datetime:
    """The instant the month starts, in the platform's billing timezone."""
    return datetime.combine(period.replace(day=1), time(0), tzinfo=platform_tz())


def period_end(period: date) -> datetime:
    """The instant the month ends, in the platform's billing timezone."""
    _, last = month_bounds(period.year, period.month)
    return datetime.combine(last + timedelta(days=1), time(0), tzinfo=platform_tz())


def fixed_lines(*, tenant, period: date) -> list[Line]:
    """Seat rent (per edition) and add-ons, day by day from the entitlement rows."""
    first, last = month_bounds(period.year, period.month)
    days_in_month = Decimal((last - first).days + 1)
    seat_days: dict[object, int] = defaultdict(int)
    addon_units: dict[str, int] = defaultdict(int)
    addons = {a.code: a for a in AddOn.objects.all()}
    for _, row in entitlements_by_day(tenant=tenant, first=first, last=last):
        if row is None or not row.billable:
            continue
        seat_days[row.edition] += row.seats
        for code in row.addons:
            addon = addons.get(code)
            if addon is None:
                continue
            addon_units[code] += {AddOn.Unit.TENANT: 1, AddOn.Unit.SEAT: row.seats,
                                  AddOn.Unit.SUPERVISOR_SEAT: row.supervisor_seats}[addon.unit]
    lines = []
    for edition, units in seat_days.items():
        if edition is None or not units:
            continue
        lines.append(Line("seats", f"{edition.name} seats", Decimal(units), "seat-days", edition.seat_price,
                          cents(edition.seat_price * units / days_in_month)))
    for code, units in sorted(addon_units.items()):
        addon = addons[code]
        if not units:
            continue
        unit = {"tenant": "days", "seat": "seat-days", "supervisor_seat": "supervisor seat-days"}[addon.unit]
        lines.append(Line("addon", f"{addon.name} ({addon.get_unit_display()})", Decimal(units), unit,
                          addon.monthly_fee, cents(addon.monthly_fee * units / days_in_month)))
    return lines


def _usage_due(tenant, period: date):
    return UsageRecord.objects.filter(tenant=tenant, invoice__isnull=True, amount__isnull=False,
                                      occurred_at__lt=period_end(period))


def usage_lines(*, tenant, period: date) -> list[Line]:
    """Calls by direction and rate (minutes billed), and each one-off charge."""
    due = _usage_due(tenant, period)
    lines = []
    calls = (due.filter(kind=UsageRecord.Kind.CALL)
             .values("direction", "rate__description", "rate__prefix")
             .annotate(n=Count("id"), billed=Sum("billed_seconds"), amount=Sum("amount"))
             .order_by("direction", "rate__prefix"))
    for g in calls:
        minutes = Decimal(g["billed"] or 0) / 60
        what = g["rate__description"] or g["rate__prefix"] or "other"
        lines.append(Line("usage", f"{g['direction'].capitalize()} calls — {what} ({g['n']} calls)",
                          minutes.quantize(Decimal("0.0001")), "minutes", None, cents(g["amount"])))
    for r in due.filter(kind=UsageRecord.Kind.RECORDING_STORAGE).order_by("occurred_at", "pk"):
        lines.append(Line("usage", r.description, r.quantity, "GB-months", None, cents(r.amount)))
    for r in due.filter(kind=UsageRecord.Kind.ONE_OFF).order_by("occurred_at", "pk"):
        lines.append(Line("one_off", r.description or "One-off charge", Decimal(1), "", r.amount, cents(r.amount)))
    return lines


def _next_number(period: date) -> str:
    counter, _ = InvoiceCounter.objects.select_for_update().get_or_create(key="invoice")
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"HL-{period.year}-{counter.last:06d}"


def _lock(tenant_pk: int, period: date) -> None:
    key = zlib.crc32(f"invoice:{tenant_pk}:{period.isoformat()}".encode())
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x484C, key - 2**31])


def invoice_for(*, tenant, period: date, now: datetime | None = None, meter: bool = True) -> Invoice | None:
    """The tenant's invoice for the month starting `period`: made once, returned thereafter.
    None when there is nothing to bill (a trial all month, say). `meter=False` when the
    caller has just metered and priced the usage (the monthly run does it for all at once)."""
    period = period.replace(day=1)
    now = now or timezone.now()
    if meter:
        usage_collect(tenant=tenant, until=min(now, period_end(period)))
        usage_rate(tenant_ids=[tenant.pk])
    with transaction.atomic():
        _lock(tenant.pk, period)
        existing = Invoice.objects.filter(tenant=tenant, period=period).first()
        if existing is not None:
            return existing
        storage_meter(tenant=tenant, period=period)
        lines = fixed_lines(tenant=tenant, period=period) + usage_lines(tenant=tenant, period=period)
        if not lines:
            return None
        account, _ = BillingAccount.objects.get_or_create(tenant=tenant)
        credits = _credits_due(tenant, sum((line.amount for line in lines), Decimal("0.00")))
        lines += [Line("credit", c.reason, Decimal(1), "", None, -c.amount) for c in credits]
        subtotal = sum((line.amount for line in lines), Decimal("0.00"))
        tax = cents(subtotal * account.tax_rate)
        # numbered last (below), so the counter's lock is held only for the commit: runs for
        # other tenants are not queued behind this one's work
        invoice = Invoice.objects.create(
            tenant=tenant, period=period, number=f"pending-{tenant.pk}-{period:%Y%m}", currency=tenant.currency,
            subtotal=subtotal,
            tax_rate=account.tax_rate, tax=tax, total=subtotal + tax, issued_at=now,
            due_on=now.astimezone(platform_tz()).date() + timedelta(days=account.payment_terms_days))
        InvoiceLine.objects.bulk_create(
            InvoiceLine(invoice=invoice, kind=line.kind, description=line.description[:200], quantity=line.quantity,
                        unit=line.unit, unit_price=line.unit_price, amount=line.amount, position=i)
            for i, line in enumerate(lines))
        _usage_due(tenant, period).update(invoice=invoice)
        Credit.objects.filter(pk__in=[c.pk for c in credits]).update(invoice=invoice)
        invoice.number = _next_number(period)
        invoice.save(update_fields=["number"])
    return invoice


def _credits_due(tenant, charges: Decimal) -> list:
    """The tenant's open credits that fit in this invoice's charges, oldest first; a credit
    larger than what is left is split and the rest waits for the next invoice."""
    taken, left = [], charges
    for credit in Credit.objects.select_for_update().filter(tenant=tenant, invoice__isnull=True).order_by("pk"):
        if left <= 0:
            break
        if credit.amount > left:
            Credit.objects.create(tenant=tenant, incident=credit.incident, amount=credit.amount - left,
                                  reason=credit.reason + " (rest)")
            credit.amount = left
            credit.save(update_fields=["amount"])
        taken.append(credit)
        left -= credit.amount
    return taken


def invoice_run(*, period: date, now: datetime | None = None, tenant_ids: list[int] | None = None) -> dict[str, int]:
    """Invoice every customer tenant (or these) for the month: the 1st-of-month beat, the
    console and `manage.py billing_run` call this."""
    from tenants.models import INTERNAL_STATES, Tenant

    tenants = Tenant.objects.exclude(state__in=INTERNAL_STATES).select_related("edition").order_by("pk")
    if tenant_ids is not None:
        tenants = tenants.filter(pk__in=tenant_ids)
    tenants = list(tenants)
    usage_meter_all(tenant_ids=[t.pk for t in tenants], until=min(now or timezone.now(), period_end(period)))

    def one(tenant) -> str:
        before = Invoice.objects.filter(tenant=tenant, period=period.replace(day=1)).exists()
        invoice = invoice_for(tenant=tenant, period=period, now=now, meter=False)
        return "nothing" if invoice is None else "already" if before else "made"

    outcomes = for_each_tenant(one, tenants)
    return {"invoiced": outcomes.count("made"), "already": outcomes.count("already"),
            "nothing_to_bill": outcomes.count("nothing")}


def last_month(today: date | None = None) -> date:
    """The first day of the month before `today` (platform timezone)."""
    today = today or billing_today()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)
