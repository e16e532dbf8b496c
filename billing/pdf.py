"""Invoice PDF (BIL-3) with fpdf2: pure Python, no system packages. Built from the stored
invoice and its lines, never recomputed, so the PDF always says what the invoice says."""

from __future__ import annotations

from django.http import HttpResponse
from fpdf import FPDF

from billing.models import Invoice


def _latin(text: str) -> str:
    """The core fonts are Latin-1: replace what they cannot draw rather than fail."""
    return (text.replace("—", "-").replace("–", "-").replace("×", "x").replace("€", "EUR")
            .encode("latin-1", "replace").decode("latin-1"))


def invoice_pdf(invoice: Invoice) -> bytes:
    tenant = invoice.tenant
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(0, 10, "Hostline", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, _latin(f"Invoice {invoice.number}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, _latin(f"Bill to: {tenant.name} ({tenant.slug})"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Period: {invoice.period:%B %Y}", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 6, f"Issued: {invoice.issued_at:%Y-%m-%d}   Due: {invoice.due_on:%Y-%m-%d}", new_x="LMARGIN",
             new_y="NEXT")
    pdf.ln(4)
    widths = (100, 28, 30, 32)
    pdf.set_font("Helvetica", "B", 10)
    for w, head in zip(widths, ("Description", "Quantity", "Unit price", f"Amount ({invoice.currency})"),
                       strict=True):
        pdf.cell(w, 7, head, border="B", align="L" if head == "Description" else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in invoice.lines.all():
        qty = f"{line.quantity.normalize():f} {line.unit}".strip()
        price = f"{line.unit_price.normalize():f}" if line.unit_price is not None else ""
        pdf.cell(widths[0], 6, _latin(line.description)[:70])
        pdf.cell(widths[1], 6, _latin(qty), align="R")
        pdf.cell(widths[2], 6, price, align="R")
        pdf.cell(widths[3], 6, f"{line.amount:,.2f}", align="R")
        pdf.ln()
    pdf.ln(2)
    pdf.set_font("Helvetica", "", 10)
    for label, value in (("Subtotal", invoice.subtotal), (f"Tax ({invoice.tax_rate * 100:.2f} %)", invoice.tax)):
        pdf.cell(sum(widths[:3]), 6, label, align="R")
        pdf.cell(widths[3], 6, f"{value:,.2f}", align="R")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(sum(widths[:3]), 8, "Total", align="R")
    pdf.cell(widths[3], 8, f"{invoice.total:,.2f} {invoice.currency}", align="R")
    pdf.ln()
    return bytes(pdf.output())


def invoice_pdf_response(invoice: Invoice) -> HttpResponse:
    resp = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return resp
