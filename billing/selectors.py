"""Billing reads: the tenant admin's billing page (plan, seats, add-ons, usage to date, this
month's estimate, invoices) and the operator's figures (MRR, revenue by plan, tenant and
month, usage, outstanding balances, tenants by state)."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum

from billing.entitlements import billing_today
from billing.invoicing import cents, fixed_lines, period_end, period_start
from billing.models import AddOn, BillingAccount, EntitlementDay, Invoice, UsageRecord


def current_entitlement(tenant) -> EntitlementDay | None:
    today = billing_today()
    return EntitlementDay.objects.filter(tenant=tenant, day__lte=today).select_related("edition").order_by(
        "-day").first()


def usage_to_date(tenant, period: date) -> dict:
    """This month's rated usage so far, by direction; unpriced records counted apart."""
    since = period_start(period)
    month = UsageRecord.objects.filter(tenant=tenant, occurred_at__gte=since, occurred_at__lt=period_end(period))
    rows = month.filter(kind=UsageRecord.Kind.CALL).values("direction").annotate(
        calls=Count("id"), seconds=Sum("billed_seconds"), amount=Sum("amount")).order_by("direction")
    return {"by_direction": [{**r, "minutes": round((r["seconds"] or 0) / 60, 1),
                              "amount": cents(r["amount"] or Decimal(0))} for r in rows],
            "one_off": cents(month.filter(kind=UsageRecord.Kind.ONE_OFF).aggregate(s=Sum("amount"))["s"]
                             or Decimal(0)),
            "unpriced": month.filter(kind=UsageRecord.Kind.CALL, amount__isnull=True).count()}


def month_estimate(tenant, period: date) -> dict:
    """What this month's invoice would be if nothing changed until its end: fixed fees for the
    whole month from today's entitlements, plus usage so far, plus tax."""
    fixed = fixed_lines(tenant=tenant, period=period)
    usage = usage_to_date(tenant, period)
    account = BillingAccount.objects.filter(tenant=tenant).first()
    tax_rate = account.tax_rate if account else Decimal(0)
    subtotal = sum((f.amount for f in fixed), Decimal("0.00")) + sum(
        (r["amount"] for r in usage["by_direction"]), Decimal("0.00")) + usage["one_off"]
    tax = cents(subtotal * tax_rate)
    return {"fixed": fixed, "usage": usage, "subtotal": subtotal, "tax": tax, "total": subtotal + tax}


def tenant_billing(tenant) -> dict:
    today = billing_today()
    period = today.replace(day=1)
    row = current_entitlement(tenant)
    addons = {a.code: a for a in AddOn.objects.all()}
    return {"today": today, "period": period, "entitlement": row,
            "addons": [addons[c] for c in (row.addons if row else []) if c in addons],
            "estimate": month_estimate(tenant, period),
            "invoices": Invoice.objects.filter(tenant=tenant).order_by("-period")}


def cdr_statement_csv(tenant, period: date) -> str:
    """Every metered call and charge of a month with how it was priced (BIL-3)."""
    since = period_start(period)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["occurred_at", "kind", "direction", "number", "seconds", "billed_seconds", "rate_prefix",
                "per_minute", "amount", "note"])
    for r in (UsageRecord.objects.filter(tenant=tenant, occurred_at__gte=since, occurred_at__lt=period_end(period))
              .select_related("rate").order_by("occurred_at", "pk").iterator(chunk_size=2000)):
        w.writerow([r.occurred_at.isoformat(), r.kind, r.direction, r.destination, r.seconds,
                    r.billed_seconds if r.billed_seconds is not None else "", r.rate.prefix if r.rate else "",
                    r.rate.per_minute if r.rate else "", r.amount if r.amount is not None else "",
                    r.rating_error or r.description])
    return out.getvalue()


def monthly_recurring(tenant_row: EntitlementDay) -> Decimal:
    """The monthly fees a tenant's current entitlement comes to (seats and add-ons)."""
    if tenant_row is None or not tenant_row.billable or tenant_row.edition is None:
        return Decimal("0.00")
    total = tenant_row.edition.seat_price * tenant_row.seats
    for addon in AddOn.objects.filter(code__in=tenant_row.addons):
        units = {AddOn.Unit.TENANT: 1, AddOn.Unit.SEAT: tenant_row.seats,
                 AddOn.Unit.SUPERVISOR_SEAT: tenant_row.supervisor_seats}[addon.unit]
        total += addon.monthly_fee * units
    return cents(total)


def operator_overview() -> dict:
    """BIL-6: MRR, revenue by month / plan / tenant, usage this month, outstanding balances,
    tenants by state."""
    from tenants.models import INTERNAL_STATES, Tenant

    tenants = list(Tenant.objects.exclude(state__in=INTERNAL_STATES).select_related("edition").order_by("name"))
    rows = {t.pk: current_entitlement(t) for t in tenants}
    mrr_by_tenant = {t.pk: monthly_recurring(rows[t.pk]) for t in tenants}
    period = billing_today().replace(day=1)
    invoices = Invoice.objects.exclude(status=Invoice.Status.VOID)
    by_month = list(invoices.values("period").annotate(total=Sum("total"), n=Count("id")).order_by("-period")[:12])
    by_plan = list(invoices.values("tenant__edition__name").annotate(total=Sum("total")).order_by("-total"))
    by_tenant = list(invoices.values("tenant__name", "tenant__slug").annotate(total=Sum("total")).order_by("-total"))
    outstanding = list(invoices.filter(status=Invoice.Status.ISSUED).values("tenant__name", "tenant__slug").annotate(
        balance=Sum("total"), n=Count("id")).order_by("-balance"))
    usage_month = UsageRecord.objects.filter(occurred_at__gte=period_start(period), occurred_at__lt=period_end(period))
    usage = usage_month.aggregate(records=Count("id"), priced=Sum("amount"),
                                  unpriced=Count("id", filter=Q(amount__isnull=True)))
    states: dict[str, int] = {}
    for t in tenants:
        states[t.state] = states.get(t.state, 0) + 1
    return {"mrr": sum(mrr_by_tenant.values(), Decimal("0.00")), "tenants": [
        {"tenant": t, "mrr": mrr_by_tenant[t.pk], "entitlement": rows[t.pk]} for t in tenants],
        "by_month": by_month, "by_plan": by_plan, "by_tenant": by_tenant[:20], "outstanding": outstanding,
        "usage": usage, "states": states, "period": period}


def daily_usage(day: date) -> list[dict]:
    """One platform day's metering per tenant: records, billed seconds, priced amount, unpriced."""
    from datetime import timedelta

    start = period_start(day) + timedelta(days=day.day - 1)
    day_rows = UsageRecord.objects.filter(occurred_at__gte=start, occurred_at__lt=start + timedelta(days=1))
    return list(day_rows.values("tenant__slug").annotate(
        records=Count("id"), seconds=Sum("billed_seconds"), priced=Sum("amount"),
        unpriced=Count("id", filter=Q(amount__isnull=True))).order_by("tenant__slug"))
