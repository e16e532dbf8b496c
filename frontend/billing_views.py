"""The tenant admin's billing page (BIL-6, TEN-5): plan, seats, add-ons, usage to date, this
month's estimate and the invoices (HTML, PDF) and monthly CDR statements. Open to admins even
while the account is suspended, so they can settle it. Billing rows live in the public schema:
every read here is filtered by the request's tenant."""

from __future__ import annotations

from datetime import date

from django.http import Http404, HttpResponse
from django.shortcuts import render

from accounts.models import Role
from frontend.tenant_views import role_required

admin_only = role_required(Role.TENANT_ADMIN)


def _invoice(request, pk: int):
    from billing.models import Invoice

    invoice = Invoice.objects.filter(tenant=request.tenant, pk=pk).select_related("tenant").first()
    if invoice is None:
        raise Http404
    return invoice


@admin_only
def billing_page(request):
    from billing.entitlements import billing_today
    from billing.selectors import tenant_billing

    today = billing_today()
    months = [_month_back(today, i) for i in range(0, 7)]  # statements: this month so far, then the last six
    return render(request, "billing/tenant.html", {**tenant_billing(request.tenant), "months": months})


def _month_back(today: date, n: int) -> date:
    y, m = today.year, today.month - n
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


@admin_only
def invoice_page(request, pk: int):
    invoice = _invoice(request, pk)
    return render(request, "billing/invoice.html", {"invoice": invoice, "lines": invoice.lines.all()})


@admin_only
def invoice_pdf(request, pk: int):
    from billing.pdf import invoice_pdf_response

    return invoice_pdf_response(_invoice(request, pk))


@admin_only
def cdr_statement(request):
    from accounts.services import audit_record
    from billing.selectors import cdr_statement_csv

    try:
        period = date.fromisoformat(f"{request.GET.get('month', '')}-01")
    except ValueError:
        return HttpResponse("Give the month as ?month=YYYY-MM.", status=400, content_type="text/plain")
    body = cdr_statement_csv(request.tenant, period)
    audit_record(actor=request.user, action="billing.statement_export", target=request.tenant,
                 summary=f"Downloaded the call statement for {period:%Y-%m}")
    resp = HttpResponse(body, content_type="text/csv; charset=utf-8")
    resp["Content-Disposition"] = f'attachment; filename="statement-{period:%Y-%m}.csv"'
    return resp
