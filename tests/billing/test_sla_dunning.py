"""BIL-4 SLA credits (× 2 for a missed response, × 1.5 for a missed resolution, off the next
invoice) and BIL-5 dunning (reminders, past due, suspension, reactivation on payment)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from billing.dunning import dunning_run, payment_record
from billing.invoicing import invoice_for
from billing.models import Credit, Edition, EntitlementDay, Incident, Invoice, Payment
from billing.sla import fee_per_working_day, incident_credits_issue, working_days


def _ten_seats(tenant, day=date(2026, 6, 1)):
    EntitlementDay.objects.filter(tenant=tenant).delete()
    EntitlementDay.objects.create(tenant=tenant, day=day, edition=Edition.objects.get(code="standard"), seats=10)


def test_missed_response_credits_twice_and_missed_resolution_one_and_a_half_times_the_daily_fee(center):
    # 10 seats × 500 = 5,000 a month; June 2026 has 22 working days → 227.2727… a working day;
    # told after 45 min (target 30): 2 × = 454.55; fixed after 5 h (target 4 h): 1.5 × = 340.91
    t = center.tenant
    _ten_seats(t)
    assert working_days(2026, 6) == 22
    assert fee_per_working_day(t, date(2026, 6, 10)).quantize(Decimal("0.0001")) == Decimal("227.2727")
    start = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    incident = Incident.objects.create(title="Inbound calls failing", detected_at=start, all_tenants=False,
                                       notified_at=start + timedelta(minutes=45),
                                       resolved_at=start + timedelta(hours=5))
    incident.tenants.add(t)
    credits = incident_credits_issue(incident=incident)
    assert sorted(c.amount for c in credits) == [Decimal("340.91"), Decimal("454.55")]
    assert incident_credits_issue(incident=incident) == credits  # issued once
    invoice = invoice_for(tenant=t, period=date(2026, 6, 1), now=datetime(2026, 7, 1, 2, tzinfo=UTC))
    assert invoice.lines.filter(kind="credit").count() == 2
    assert invoice.subtotal == Decimal("5000.00") - Decimal("795.46")
    assert set(Credit.objects.filter(incident=incident).values_list("invoice", flat=True)) == {invoice.pk}


def test_an_incident_within_its_targets_credits_nothing_and_an_open_one_cannot_be_credited(center):
    from config.errors import ServiceError

    t = center.tenant
    _ten_seats(t)
    start = datetime(2026, 6, 11, 9, 0, tzinfo=UTC)
    quick = Incident.objects.create(title="Blip", detected_at=start, all_tenants=False,
                                    notified_at=start + timedelta(minutes=20), resolved_at=start + timedelta(hours=2))
    quick.tenants.add(t)
    assert incident_credits_issue(incident=quick) == []
    still_open = Incident.objects.create(title="Ongoing", detected_at=start, all_tenants=False)
    with pytest.raises(ServiceError, match="resolved"):
        incident_credits_issue(incident=still_open)


def test_a_credit_larger_than_the_invoice_is_split_and_the_rest_waits(center):
    t = center.tenant
    EntitlementDay.objects.filter(tenant=t).delete()
    EntitlementDay.objects.create(tenant=t, day=date(2026, 5, 1), edition=Edition.objects.get(code="standard"), seats=1)
    Credit.objects.create(tenant=t, amount=Decimal("700.00"), reason="Goodwill")
    invoice = invoice_for(tenant=t, period=date(2026, 5, 1), now=datetime(2026, 6, 1, 2, tzinfo=UTC))
    assert invoice.total == Decimal("0.00")  # 500 of charges, 500 of the credit
    assert Credit.objects.get(tenant=t, invoice__isnull=True).amount == Decimal("200.00")


def test_reminders_past_due_suspension_and_reactivation_on_payment(center):
    from tenants.models import Tenant

    t = center.tenant
    _ten_seats(t, date(2026, 6, 1))
    invoice = invoice_for(tenant=t, period=date(2026, 6, 1), now=datetime(2026, 7, 1, 2, tzinfo=UTC))
    assert invoice.due_on == date(2026, 7, 15)
    mail.outbox.clear()
    agent = center.api("agent1")  # signed in (a token) before any of this
    assert agent.get("/api/v1/desk").status_code == 200
    assert dunning_run(today=date(2026, 7, 12))["reminders"] == 1  # 3 days before: due soon
    assert dunning_run(today=date(2026, 7, 12))["reminders"] == 0  # the same day again: nothing more
    assert Tenant.objects.get(pk=t.pk).state == "active"
    result = dunning_run(today=date(2026, 7, 16))
    assert result["past_due"] == 1 and Tenant.objects.get(pk=t.pk).state == "past_due"
    assert dunning_run(today=date(2026, 7, 29))["suspended"] == 0  # still in the 14-day grace
    assert dunning_run(today=date(2026, 7, 30))["suspended"] == 1
    assert Tenant.objects.get(pk=t.pk).state == "suspended"
    assert any(invoice.number in m.subject for m in mail.outbox)
    # suspended: agents are out, the admin can still reach billing
    assert agent.get("/api/v1/desk").status_code == 401  # the agent's token went with the suspension
    from django_tenants.utils import tenant_context

    from accounts.services import api_token_create

    with tenant_context(t):
        fresh = api_token_create(user=center.users["agent1"])
    from django.test import Client

    late = Client(HTTP_HOST=center.host, HTTP_AUTHORIZATION=f"Bearer {fresh}")
    assert late.get("/api/v1/desk").status_code == 403  # and no token made since works either
    assert center.api("admin").get("/api/v1/users").status_code == 200  # the admin still works, to settle up
    half = payment_record(invoice=invoice, amount="2500.00", reference="BANK-1", by="ops@hostline.test")
    assert Tenant.objects.get(pk=t.pk).state == "suspended" and Invoice.objects.get(pk=invoice.pk).status == "issued"
    payment_record(invoice=invoice, amount="2500.00", reference="BANK-2", by="ops@hostline.test")
    assert payment_record(invoice=invoice, amount="2500.00", reference="BANK-2") .pk == Payment.objects.get(
        reference="BANK-2").pk  # a replayed notification records nothing new
    assert Payment.objects.filter(invoice=invoice).count() == 2 and half.amount == Decimal("2500.00")
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"
    assert Tenant.objects.get(pk=t.pk).state == "active"  # reactivated on payment
    assert late.get("/api/v1/desk").status_code == 200
