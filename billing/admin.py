"""The operator's console (Django admin on the public host) for billing data: editions,
add-ons and rate decks as data, tenants' billing terms, incidents with their SLA credits,
payments, invoices (read-only: they are issued by the run, never edited)."""

from django.contrib import admin, messages

from billing.models import (
    AddOn,
    BillingAccount,
    Credit,
    Edition,
    Incident,
    Invoice,
    InvoiceLine,
    Payment,
    Rate,
    RateDeck,
)
from config.errors import ServiceError


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "seat_price", "currency", "max_seats", "rate_deck", "carrier_markup_pct",
                    "is_public")


@admin.register(AddOn)
class AddOnAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "feature", "monthly_fee", "unit")


class RateInline(admin.TabularInline):
    model = Rate
    extra = 1


@admin.register(RateDeck)
class RateDeckAdmin(admin.ModelAdmin):
    list_display = ("name", "currency")
    inlines = [RateInline]


@admin.register(BillingAccount)
class BillingAccountAdmin(admin.ModelAdmin):
    list_display = ("tenant", "tax_rate", "payment_terms_days", "grace_days", "billing_email")


@admin.action(description="Issue SLA credits for the selected resolved incidents")
def issue_credits(modeladmin, request, queryset):
    from billing.sla import incident_credits_issue

    for incident in queryset:
        try:
            credits = incident_credits_issue(incident=incident)
            messages.success(request, f"{incident.title}: {len(credits)} credits.")
        except ServiceError as exc:
            messages.error(request, f"{incident.title}: {exc.message}")


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "detected_at", "notified_at", "resolved_at", "all_tenants", "credits_issued")
    filter_horizontal = ("tenants",)
    actions = [issue_credits]


@admin.register(Credit)
class CreditAdmin(admin.ModelAdmin):
    list_display = ("tenant", "amount", "reason", "incident", "invoice", "created_at")


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "description", "quantity", "unit", "unit_price", "amount", "position")


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("number", "tenant", "period", "status", "total", "currency", "due_on")
    list_filter = ("status", "period")
    inlines = [InvoiceLineInline]
    readonly_fields = ("tenant", "period", "number", "currency", "subtotal", "tax_rate", "tax", "total", "issued_at",
                       "due_on", "status")

    def has_add_permission(self, request):
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("invoice", "amount", "received_at", "method", "reference", "recorded_by")

    def save_model(self, request, obj, form, change):
        """Through the service: settles the invoice and reactivates the account when it should."""
        from billing.dunning import payment_record

        if change:
            return super().save_model(request, obj, form, change)
        try:
            payment = payment_record(invoice=obj.invoice, amount=obj.amount, reference=obj.reference,
                                     method=obj.method or "manual", by=request.user.email,
                                     received_at=obj.received_at)
            obj.pk = payment.pk
        except ServiceError as exc:
            messages.error(request, exc.message)
