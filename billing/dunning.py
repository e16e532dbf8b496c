"""BIL-5 payments and dunning. An unpaid invoice gets a reminder 3 days before it is due, on
the day after, and a final one a week after; past its due date the account goes `past_due`;
past the grace period it is suspended (agents cannot sign in, no new calls; the admin can
still reach billing). A payment that settles every overdue invoice reactivates the account.

Payments are recorded by the operator, or by a payment provider through `PaymentProvider`
(its reference makes a replayed notification count once).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from billing.entitlements import billing_today
from billing.models import BillingAccount, Invoice, InvoiceReminder, Payment
from config.errors import ServiceError, field_error

REMINDERS = (("due_soon", -3), ("overdue", 1), ("final", 7))  # step, days after the due date


class PaymentProvider(Protocol):
    """What a card processor adapter provides: charge an invoice, say what happened."""

    name: str

    def charge(self, invoice: Invoice) -> tuple[bool, str]:  # (succeeded, provider reference)
        ...


def paid_amount(invoice: Invoice) -> Decimal:
    return invoice.payments.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")


@transaction.atomic
def payment_record(*, invoice: Invoice, amount, reference: str, method: str = "manual", by: str = "",
                   received_at: datetime | None = None) -> Payment:
    """Record money received; settles the invoice when paid in full and reactivates the account
    once nothing is overdue. The same (method, reference) twice records one payment."""
    amount = Decimal(str(amount))
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if amount <= 0:
        raise field_error("amount", "a payment is more than zero.")
    if not reference.strip():
        raise field_error("reference", "give the bank or provider reference.")
    if invoice.status == Invoice.Status.VOID:
        raise ServiceError("void", f"Invoice {invoice.number} is void.", status_code=409)
    existing = Payment.objects.filter(method=method, reference=reference.strip()).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            payment = Payment.objects.create(invoice=invoice, amount=amount, reference=reference.strip(),
                                             method=method, recorded_by=by,
                                             received_at=received_at or timezone.now())
    except IntegrityError:  # a concurrent copy of the same notification won
        return Payment.objects.get(method=method, reference=reference.strip())
    if paid_amount(invoice) >= invoice.total and invoice.status == Invoice.Status.ISSUED:
        invoice.status = Invoice.Status.PAID
        invoice.save(update_fields=["status"])
    _reactivate_if_settled(invoice.tenant)
    return payment


def _overdue(tenant, today: date):
    return Invoice.objects.filter(tenant=tenant, status=Invoice.Status.ISSUED, due_on__lt=today)


def _reactivate_if_settled(tenant) -> None:
    from tenants.models import Tenant, TenantState
    from tenants.services import tenant_transition

    tenant = Tenant.objects.get(pk=tenant.pk)
    if tenant.state in (TenantState.PAST_DUE, TenantState.SUSPENDED) and not _overdue(tenant, billing_today()).exists():
        tenant_transition(tenant=tenant, to_state=TenantState.ACTIVE, actor_email="billing",
                          reason="Every overdue invoice is paid.")


def _remind(invoice: Invoice, step: str, now: datetime) -> bool:
    try:
        with transaction.atomic():
            InvoiceReminder.objects.create(invoice=invoice, step=step, at=now)
    except IntegrityError:
        return False  # this step was taken already
    account = BillingAccount.objects.filter(tenant=invoice.tenant).first()
    to = (account.billing_email if account and account.billing_email else "") or _admin_email(invoice.tenant)
    if to:
        words = {"due_soon": "is due on", "overdue": "was due on", "final": "is a week overdue since",
                 "past_due": "is overdue since", "suspended": "is unpaid since"}[step]
        transaction.on_commit(lambda: send_mail(
            f"Hostline invoice {invoice.number}", f"Invoice {invoice.number} for {invoice.total} {invoice.currency} "
            f"{words} {invoice.due_on:%Y-%m-%d}. Pay it from your billing page.", None, [to], fail_silently=True))
    return True


def _admin_email(tenant) -> str:
    from django_tenants.utils import tenant_context

    from accounts.models import Role, User

    with tenant_context(tenant):
        return User.objects.filter(role_grants__role=Role.TENANT_ADMIN, status="active").values_list(
            "email", flat=True).order_by("pk").first() or ""


def dunning_run(*, today: date | None = None) -> dict[str, int]:
    """The daily dunning pass over unpaid invoices; safe to run again the same day."""
    from tenants.models import Tenant, TenantState
    from tenants.services import tenant_transition

    today = today or billing_today()
    now = timezone.now()
    done = {"reminders": 0, "past_due": 0, "suspended": 0}
    for invoice in Invoice.objects.filter(status=Invoice.Status.ISSUED).select_related("tenant").order_by("due_on"):
        for step, offset in REMINDERS:
            if today >= invoice.due_on + timedelta(days=offset):
                done["reminders"] += _remind(invoice, step, now)
        if today <= invoice.due_on:
            continue
        account = BillingAccount.objects.filter(tenant=invoice.tenant).first()
        grace = account.grace_days if account else 14
        with transaction.atomic():
            tenant = Tenant.objects.select_for_update().get(pk=invoice.tenant_id)
            if tenant.state in (TenantState.ACTIVE, TenantState.TRIAL):
                tenant_transition(tenant=tenant, to_state=TenantState.PAST_DUE, actor_email="billing",
                                  reason=f"Invoice {invoice.number} is overdue.")
                done["past_due"] += _remind(invoice, "past_due", now)
            elif tenant.state == TenantState.PAST_DUE and today > invoice.due_on + timedelta(days=grace):
                tenant_transition(tenant=tenant, to_state=TenantState.SUSPENDED, actor_email="billing",
                                  reason=f"Invoice {invoice.number} is unpaid {grace} days after it was due.")
                done["suspended"] += _remind(invoice, "suspended", now)
    return done
