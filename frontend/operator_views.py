"""The operator's billing console on the public host (BIL-6): MRR, revenue by month, plan and
tenant, usage this month, outstanding balances, tenants by state; run a month's invoices;
numbers that could not be priced; the daily billing report; any invoice as PDF."""

from __future__ import annotations

import csv
import io
from datetime import date

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST


@staff_member_required
def billing_console(request):
    from billing.invoicing import last_month
    from billing.models import Invoice
    from billing.rating import rating_errors
    from billing.selectors import operator_overview

    return render(request, "operator/billing.html", {
        **operator_overview(), "errors": rating_errors(50), "default_period": last_month(),
        "invoices": Invoice.objects.select_related("tenant").order_by("-issued_at")[:50]})


@staff_member_required
@require_POST
def billing_run(request):
    from billing.invoicing import invoice_run

    try:
        period = date.fromisoformat(f"{request.POST.get('period', '')}-01")
    except ValueError:
        messages.error(request, "Give the month as YYYY-MM.")
        return redirect("operator-billing")
    result = invoice_run(period=period)
    messages.success(request, f"{period:%B %Y}: {result['invoiced']} invoiced, {result['already']} already "
                              f"invoiced, {result['nothing_to_bill']} with nothing to bill.")
    return redirect("operator-billing")


@staff_member_required
def invoice_pdf(request, pk: int):
    from billing.models import Invoice
    from billing.pdf import invoice_pdf_response

    return invoice_pdf_response(get_object_or_404(Invoice.objects.select_related("tenant"), pk=pk))


@staff_member_required
def daily_report(request):
    """One day's metering per tenant (BIL-3): calls, billed minutes, amount, unpriced."""
    from datetime import timedelta

    from billing.entitlements import billing_today
    from billing.selectors import daily_usage

    try:
        day = date.fromisoformat(request.GET.get("day") or (billing_today() - timedelta(days=1)).isoformat())
    except ValueError:
        return HttpResponse("Give the day as ?day=YYYY-MM-DD.", status=400, content_type="text/plain")
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["day", "tenant", "records", "billed_minutes", "amount", "unpriced"])
    for r in daily_usage(day):
        w.writerow([day.isoformat(), r["tenant__slug"], r["records"], round((r["seconds"] or 0) / 60, 2),
                    r["priced"] if r["priced"] is not None else "0", r["unpriced"]])
    resp = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="billing-{day.isoformat()}.csv"'
    return resp
