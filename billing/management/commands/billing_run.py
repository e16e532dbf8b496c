"""Run the monthly invoices by hand: `manage.py billing_run --period 2026-10` (default: last
month). Safe to repeat: tenants already invoiced for the month are left as they are."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from billing.invoicing import invoice_run, last_month


class Command(BaseCommand):
    help = "Invoice every tenant for a month (YYYY-MM; default last month)."

    def add_arguments(self, parser):
        parser.add_argument("--period", help="YYYY-MM")

    def handle(self, *args, period=None, **options):
        try:
            first = date.fromisoformat(f"{period}-01") if period else last_month()
        except ValueError:
            raise CommandError("Give the month as YYYY-MM, e.g. --period 2026-10.") from None
        result = invoice_run(period=first)
        self.stdout.write(f"{first:%Y-%m}: {result['invoiced']} invoiced, {result['already']} already invoiced, "
                          f"{result['nothing_to_bill']} with nothing to bill")
