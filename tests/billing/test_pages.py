"""The tenant admin's billing page, invoice (HTML and PDF) and CDR statement; the operator's
billing console on the public host; and neither leaks across tenants."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.test import Client

from billing.invoicing import invoice_for
from billing.models import Edition, EntitlementDay, Invoice, UsageRecord

pytestmark = pytest.mark.django_db


def _invoiced(tenant) -> Invoice:
    EntitlementDay.objects.filter(tenant=tenant).delete()
    EntitlementDay.objects.create(tenant=tenant, day=date(2026, 4, 1), edition=Edition.objects.get(code="standard"),
                                  seats=3, supervisor_seats=1, addons=["survey"])
    UsageRecord.objects.create(tenant=tenant, kind="call", source=f"CApage-{tenant.slug}",
                               occurred_at=datetime(2026, 4, 3, 10, tzinfo=UTC), direction="outbound",
                               destination="+442071234567", seconds=75, billed_seconds=75, amount=Decimal("0.0375"))
    return invoice_for(tenant=tenant, period=date(2026, 4, 1), now=datetime(2026, 5, 1, 3, tzinfo=UTC))


def test_the_admin_sees_the_plan_the_invoice_its_pdf_and_the_statement(cast):
    invoice = _invoiced(cast.a.tenant)
    admin = cast.a.client("admin")
    page = admin.get("/billing").content.decode()
    assert invoice.number in page and "Satisfaction survey" in page
    html = admin.get(f"/billing/invoices/{invoice.pk}").content.decode()
    assert "Standard seats" in html and "1500.00" in html and "30.00" in html and str(invoice.total) in html
    pdf = admin.get(f"/billing/invoices/{invoice.pk}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    csv = admin.get("/billing/statement", {"month": "2026-04"}).content.decode()
    assert "+442071234567" in csv and "0.037500" in csv
    assert admin.get("/billing/statement", {"month": "April"}).status_code == 400


def test_agents_and_other_tenants_get_nothing(cast):
    invoice = _invoiced(cast.a.tenant)
    assert cast.a.client("agent").get("/billing").status_code == 403
    b_admin = cast.b.client("admin")
    assert b_admin.get(f"/billing/invoices/{invoice.pk}").status_code == 404
    assert b_admin.get(f"/billing/invoices/{invoice.pk}/pdf").status_code == 404
    assert invoice.number not in b_admin.get("/billing").content.decode()
    assert "+442071234567" not in b_admin.get("/billing/statement", {"month": "2026-04"}).content.decode()


def test_a_suspended_tenants_admin_still_reaches_billing(cast):
    from tenants.models import Tenant

    Tenant.objects.filter(pk=cast.a.tenant.pk).update(state="suspended")
    assert cast.a.client("admin").get("/billing").status_code == 200
    assert cast.a.client("agent").get("/billing").status_code == 403


def test_the_operator_runs_the_month_and_reads_the_console(cast):
    from accounts.models import User

    EntitlementDay.objects.filter(tenant=cast.a.tenant).delete()
    EntitlementDay.objects.create(tenant=cast.a.tenant, day=date(2026, 2, 1),
                                  edition=Edition.objects.get(code="standard"), seats=10)
    User.objects.create_superuser("ops@hostline.test", "Operator123x")
    ops = Client(HTTP_HOST="localhost")
    assert ops.login(email="ops@hostline.test", password="Operator123x")
    resp = ops.post("/operator/billing/run", {"period": "2026-02"})
    assert resp.status_code == 302
    invoice = Invoice.objects.get(tenant=cast.a.tenant, period=date(2026, 2, 1))
    assert invoice.total == Decimal("5000.00")
    page = ops.get("/operator/billing").content.decode()
    assert invoice.number in page and "5000.00" in page
    assert ops.get(f"/operator/invoices/{invoice.pk}/pdf").content.startswith(b"%PDF")
    assert ops.get("/operator/billing/daily.csv", {"day": "2026-02-03"}).status_code == 200
    assert ops.post("/operator/billing/run", {"period": "Feb"}).status_code == 302  # refused with a message
    assert Invoice.objects.filter(tenant=cast.a.tenant).count() == 1
    # not for tenant admins, and not on a tenant's host
    assert Client(HTTP_HOST="localhost").get("/operator/billing").status_code == 302
    assert cast.a.client("admin").get("/operator/billing").status_code == 404
