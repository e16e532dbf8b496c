"""BIL-3 the monthly invoice with the SPEC vectors: 10 seats × 500 × 12 = 60,000, add-on fees
by unit, proration over a mid-month seat change (hand-computed), tax and rounding; one invoice
per tenant and month however often or concurrently the run goes, gap-free numbers, and a run
that fails part-way resumes without duplicates."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from billing.invoicing import invoice_for, invoice_run
from billing.models import BillingAccount, Edition, EntitlementDay, Invoice, InvoiceCounter, UsageRecord

pytestmark = pytest.mark.usefixtures("center")


def _entitle(tenant, day: date, *, seats: int, supervisors: int = 0, addons=(), edition="standard",
             billable=True):
    EntitlementDay.objects.update_or_create(tenant=tenant, day=day, defaults={
        "edition": Edition.objects.get(code=edition), "seats": seats, "supervisor_seats": supervisors,
        "addons": list(addons), "billable": billable})


def _fresh(center):
    EntitlementDay.objects.filter(tenant=center.tenant).delete()
    return center.tenant


def _lines(invoice) -> dict[str, Decimal]:
    return {line.description: line.amount for line in invoice.lines.all()}


def test_ten_seats_at_500_for_twelve_months_is_60000(center):
    t = _fresh(center)
    _entitle(t, date(2026, 1, 1), seats=10)
    invoices = [invoice_for(tenant=t, period=date(2026, m, 1), now=datetime(2026, m, 28, tzinfo=UTC))
                for m in range(1, 13)]
    assert [_lines(i)["Standard seats"] for i in invoices] == [Decimal("5000.00")] * 12
    assert sum(i.total for i in invoices) == Decimal("60000.00")


def test_a_mid_month_seat_change_is_prorated_by_seat_days(center):
    # June has 30 days: 10 seats on the 1st–15th, 15 seats from the 16th → 150 + 225 = 375 seat-days;
    # 500 × 375 / 30 = 6,250.00
    t = _fresh(center)
    _entitle(t, date(2026, 6, 1), seats=10)
    _entitle(t, date(2026, 6, 16), seats=15)
    invoice = invoice_for(tenant=t, period=date(2026, 6, 1), now=datetime(2026, 7, 1, 2, tzinfo=UTC))
    seats = invoice.lines.get(kind="seats")
    assert (seats.quantity, seats.unit, seats.amount) == (Decimal("375"), "seat-days", Decimal("6250.00"))


def test_add_ons_are_charged_by_their_unit_from_the_day_they_are_on(center):
    # July (31 days), 4 seats, 2 supervisors all month: survey 30 per tenant, supervisor monitoring
    # 30 × 2 supervisor seats; IVR menu (50) on from the 17th: 15 days → 50 × 15 / 31 = 24.193… → 24.19
    t = _fresh(center)
    _entitle(t, date(2026, 7, 1), seats=4, supervisors=2, addons=["survey", "supervisor_monitoring"])
    _entitle(t, date(2026, 7, 17), seats=4, supervisors=2, addons=["survey", "supervisor_monitoring", "ivr_menu"])
    lines = _lines(invoice_for(tenant=t, period=date(2026, 7, 1), now=datetime(2026, 8, 1, 2, tzinfo=UTC)))
    assert lines["Satisfaction survey (per tenant)"] == Decimal("30.00")
    assert lines["Supervisor monitoring (per supervisor seat)"] == Decimal("60.00")
    assert lines["IVR menu (per tenant)"] == Decimal("24.19")
    assert lines["Standard seats"] == Decimal("2000.00")


def test_a_trial_is_free_and_nothing_is_billed_after_closing(center):
    t = _fresh(center)
    _entitle(t, date(2026, 8, 1), seats=10, billable=False)  # trial
    _entitle(t, date(2026, 8, 11), seats=10)  # active from the 11th: 21 of 31 days
    _entitle(t, date(2026, 8, 21), seats=10, billable=False)  # closed on the 21st
    seats = invoice_for(tenant=t, period=date(2026, 8, 1), now=datetime(2026, 9, 1, 2, tzinfo=UTC)).lines.get(
        kind="seats")
    assert seats.quantity == Decimal("100") and seats.amount == Decimal("1612.90")  # 500 × 100 / 31 = 1612.903…


def test_usage_tax_and_rounding(center):
    t = _fresh(center)
    _entitle(t, date(2026, 9, 1), seats=1)
    BillingAccount.objects.update_or_create(tenant=t, defaults={"tax_rate": Decimal("0.2000")})
    at = datetime(2026, 9, 5, 12, tzinfo=UTC)
    for i, amount in enumerate(["0.013333", "0.013333", "0.013334"]):  # three calls: 0.04 exactly
        UsageRecord.objects.create(tenant=t, kind="call", source=f"CAtax{i}", occurred_at=at, direction="outbound",
                                   destination="+12125550100", seconds=40, billed_seconds=40, amount=Decimal(amount))
    UsageRecord.objects.create(tenant=t, kind="call", source="CAnext", occurred_at=datetime(2026, 10, 1, 0, 30,
                               tzinfo=UTC) + timedelta(hours=5), direction="outbound", destination="+12125550100",
                               seconds=40, billed_seconds=40, amount=Decimal("1"))  # October's: not on September's
    invoice = invoice_for(tenant=t, period=date(2026, 9, 1), now=datetime(2026, 10, 2, tzinfo=UTC))
    usage = invoice.lines.get(kind="usage")
    assert usage.amount == Decimal("0.04") and usage.quantity == Decimal("2.0000")  # 120 billed seconds
    # 1 seat × 500 + 0.04 = 500.04; tax 20 % = 100.008 → 100.01 (half up); total 600.05
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("500.04"), Decimal("100.01"),
                                                              Decimal("600.05"))
    assert UsageRecord.objects.get(source="CAnext", tenant=t).invoice is None


def test_running_again_makes_no_second_invoice(center):
    t = _fresh(center)
    _entitle(t, date(2026, 10, 1), seats=3)
    first = invoice_run(period=date(2026, 10, 1), tenant_ids=[t.pk], now=datetime(2026, 11, 1, 2, tzinfo=UTC))
    again = invoice_run(period=date(2026, 10, 1), tenant_ids=[t.pk], now=datetime(2026, 11, 1, 3, tzinfo=UTC))
    assert first["invoiced"] == 1 and again == {"invoiced": 0, "already": 1, "nothing_to_bill": 0}
    assert Invoice.objects.filter(tenant=t, period=date(2026, 10, 1)).count() == 1


def test_concurrent_runs_make_one_invoice_with_gap_free_numbers(center):
    t = _fresh(center)
    _entitle(t, date(2026, 11, 1), seats=2)
    start = InvoiceCounter.objects.filter(key="invoice").values_list("last", flat=True).first() or 0
    barrier = threading.Barrier(4)
    errors = []

    def worker():
        try:
            barrier.wait()
            invoice_for(tenant=t, period=date(2026, 11, 1), now=datetime(2026, 12, 1, 2, tzinfo=UTC))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    invoices = Invoice.objects.filter(tenant=t, period=date(2026, 11, 1))
    assert invoices.count() == 1
    assert InvoiceCounter.objects.get(key="invoice").last == start + 1  # four runs, one number taken
    assert invoices.get().number == f"HL-2026-{start + 1:06d}"


def test_a_run_that_fails_part_way_resumes_without_duplicates_or_gaps(center, django_db_blocker):
    from tests.telephony.conftest import build_center, drop_center

    second_center = build_center(django_db_blocker)
    try:
        t, other = _fresh(center), _fresh(second_center)  # `other` signed up later: invoiced second
        _entitle(t, date(2026, 12, 1), seats=2)
        _entitle(other, date(2026, 12, 1), seats=2_000_000_000)  # absurd: its rent overflows the amount column
        start = InvoiceCounter.objects.filter(key="invoice").values_list("last", flat=True).first() or 0
        period, now = date(2026, 12, 1), datetime(2027, 1, 1, 2, tzinfo=UTC)
        with pytest.raises(Exception, match="numeric field overflow"):
            invoice_run(period=period, tenant_ids=[t.pk, other.pk], now=now)
        assert Invoice.objects.filter(period=period, tenant__in=[t, other]).count() == 1  # the first one stands
        assert InvoiceCounter.objects.get(key="invoice").last == start + 1  # the failed one gave its number back
        EntitlementDay.objects.filter(tenant=other).update(seats=1)  # the operator fixes the data, runs again
        assert invoice_run(period=period, tenant_ids=[t.pk, other.pk], now=now) == {
            "invoiced": 1, "already": 1, "nothing_to_bill": 0}
        numbers = [Invoice.objects.get(tenant=x, period=period).number for x in (t, other)]
        assert numbers == [f"HL-2026-{start + 1:06d}", f"HL-2026-{start + 2:06d}"]
    finally:
        drop_center(second_center, django_db_blocker)


def test_recording_storage_is_billed_by_gb_month(center):
    # June (30 days): a 1-hour recording kept all month = 3600 s × 16 kB = 0.0576 GB-month; a 2-hour one
    # deleted on the 16th, kept half the month = 0.1152 × 15/30 = 0.0576; 0.1152 GB-month × 0.50 = 0.0576 → 0.06
    from django_tenants.utils import tenant_context

    from telephony.models import Call, Recording

    t = _fresh(center)
    _entitle(t, date(2026, 6, 1), seats=1)
    before = datetime(2026, 5, 20, tzinfo=UTC)
    with tenant_context(t):
        call = Call.objects.create(sid="CAstore", ani="+12125550100", dnis="+18005550100", status="ended",
                                   arrived_at=before)
        Recording.objects.create(sid="REkept", call=call, status="completed", duration_s=3600, started_at=before,
                                 completed_at=before)
        Recording.objects.create(sid="REgone", call=call, status="deleted", duration_s=7200, started_at=before,
                                 completed_at=before, deleted_at=datetime(2026, 6, 16, tzinfo=UTC))
    connection.set_schema_to_public()
    invoice = invoice_for(tenant=t, period=date(2026, 6, 1), now=datetime(2026, 7, 1, 2, tzinfo=UTC))
    storage = invoice.lines.get(unit="GB-months")
    assert (storage.quantity, storage.amount) == (Decimal("0.1152"), Decimal("0.06"))
    again = invoice_for(tenant=t, period=date(2026, 6, 1), now=datetime(2026, 7, 1, 3, tzinfo=UTC))
    assert again.pk == invoice.pk and UsageRecord.objects.filter(tenant=t, kind="recording_storage").count() == 1
