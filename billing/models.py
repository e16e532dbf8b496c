"""Billing of tenants (SPEC §8), in the public schema: editions and add-ons as data, what each
tenant was entitled to day by day, rate decks, the usage ledger written from call records,
and (later) invoices, payments, credits.

Money is `Decimal` throughout. Rounding (half up, i.e. away from zero for charges): a usage
record's amount keeps 6 decimals; an invoice line is rounded to cents once, from the exact
sum of what it covers; tax is rounded to cents from the rounded subtotal.
"""

from decimal import Decimal

from django.db import models


class Edition(models.Model):
    """A plan a tenant subscribes to (BIL-1): seat rent and the features it includes."""

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    seat_price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="USD")
    max_seats = models.PositiveIntegerField(default=500)
    default_seats = models.PositiveIntegerField(default=10)
    features = models.JSONField(default=list, help_text="Feature codes included (tenants.features).")
    is_public = models.BooleanField(default=True, help_text="Offered on the signup page.")
    sort_order = models.PositiveSmallIntegerField(default=0)
    rate_deck = models.ForeignKey("billing.RateDeck", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="editions")
    carrier_markup_pct = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("20.00"),
                                             help_text="Markup on carrier costs passed through.")
    storage_gb_month_price = models.DecimalField(max_digits=8, decimal_places=4, default=Decimal("0.5000"),
                                                 help_text="Recording storage, per GB kept for a month.")

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class AddOn(models.Model):
    """A paid extra (BIL-1) that switches a feature on. A tenant pays for it on the days the
    feature is on and not already part of its edition."""

    class Unit(models.TextChoices):
        TENANT = "tenant", "per tenant"
        SEAT = "seat", "per seat"
        SUPERVISOR_SEAT = "supervisor_seat", "per supervisor seat"

    code = models.SlugField(unique=True)
    name = models.CharField(max_length=80)
    feature = models.CharField(max_length=40, unique=True, help_text="The feature code it grants.")
    monthly_fee = models.DecimalField(max_digits=10, decimal_places=2)
    unit = models.CharField(max_length=16, choices=Unit.choices, default=Unit.TENANT)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.monthly_fee} {self.get_unit_display()})"


class EntitlementDay(models.Model):
    """What a tenant had from `day` on (until its next row): seats, supervisor seats, its
    edition and the paid add-ons switched on. Written whenever one of them changes (the last
    change of a day wins), so a change is charged from that day; an invoice reads the month
    day by day from these rows."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="entitlement_days")
    day = models.DateField()
    edition = models.ForeignKey(Edition, on_delete=models.PROTECT, null=True)
    seats = models.PositiveIntegerField()
    supervisor_seats = models.PositiveIntegerField(default=0)
    addons = models.JSONField(default=list)  # AddOn codes charged from this day
    billable = models.BooleanField(default=True)  # False in the free trial and once the account is closed

    class Meta:
        ordering = ["tenant", "day"]
        constraints = [models.UniqueConstraint(fields=["tenant", "day"], name="uniq_entitlement_tenant_day")]


class RateDeck(models.Model):
    """Per-minute prices by destination prefix (BIL-2)."""

    name = models.CharField(max_length=80, unique=True)
    currency = models.CharField(max_length=3, default="USD")

    def __str__(self) -> str:
        return self.name


class Rate(models.Model):
    """One prefix of a deck: the longest prefix of a call's number (E.164) that the deck holds
    for the call's direction prices it."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", "Inbound"
        OUTBOUND = "outbound", "Outbound"

    deck = models.ForeignKey(RateDeck, on_delete=models.CASCADE, related_name="rates")
    prefix = models.CharField(max_length=16, help_text="E.164 with '+', e.g. +44 or +1800")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    description = models.CharField(max_length=80, blank=True)
    per_minute = models.DecimalField(max_digits=10, decimal_places=5)
    first_increment_s = models.PositiveSmallIntegerField(default=60)
    next_increment_s = models.PositiveSmallIntegerField(default=60)
    minimum_s = models.PositiveSmallIntegerField(default=0)
    pass_through = models.BooleanField(default=False, help_text="Charge the carrier's cost plus the edition's "
                                                                "markup instead of the per-minute price.")

    class Meta:
        ordering = ["deck", "direction", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["deck", "direction", "prefix"], name="uniq_rate_prefix"),
            models.CheckConstraint(condition=models.Q(first_increment_s__gte=1, next_increment_s__gte=1),
                                   name="rate_increments_positive"),
            models.CheckConstraint(condition=models.Q(prefix__regex=r"^\+[0-9]{1,15}$"), name="rate_prefix_e164"),
        ]


class UsageRecord(models.Model):
    """The usage ledger (BIL-2): one row per billable thing, written from the tenant's call
    records exactly once (unique per tenant, kind and source), rated set-based in SQL."""

    class Kind(models.TextChoices):
        CALL = "call", "Call minutes"
        RECORDING_STORAGE = "recording_storage", "Recording storage (GB-month)"
        ONE_OFF = "one_off", "One-off charge"

    # Indexed by the (tenant, …) composites below; a lone tenant index would only slow inserts.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="usage", db_index=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=64, help_text="Call SID, storage month or charge reference.")
    occurred_at = models.DateTimeField()
    direction = models.CharField(max_length=8, blank=True)
    destination = models.CharField(max_length=64, blank=True)
    seconds = models.PositiveIntegerField(default=0)
    quantity = models.DecimalField(max_digits=14, decimal_places=6, default=Decimal("0"))
    description = models.CharField(max_length=200, blank=True)
    carrier_cost = models.DecimalField(max_digits=12, decimal_places=6, null=True, blank=True)
    rate = models.ForeignKey(Rate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                             db_index=False)  # rates are rarely deleted; a million-row index is not worth it
    billed_seconds = models.PositiveIntegerField(null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    rating_error = models.CharField(max_length=200, blank=True)
    # Not indexed on its own: reads go by (tenant, occurred_at), and marking a month's records
    # invoiced stays a cheap update.
    invoice = models.ForeignKey("billing.Invoice", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="usage", db_index=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "kind", "source"], name="uniq_usage_source")]
        indexes = [models.Index(fields=["tenant", "occurred_at"], name="usage_tenant_at_idx"),
                   models.Index(fields=["amount"], name="usage_unrated_idx", condition=models.Q(amount__isnull=True))]


class UsageWatermark(models.Model):
    """How far the usage collector has read each tenant's call records."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="usage_watermark")
    calls_until = models.DateTimeField()


class BillingAccount(models.Model):
    """A tenant's billing terms: tax, payment terms, dunning grace, where invoices go."""

    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.CASCADE, related_name="billing_account")
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"),
                                   help_text="e.g. 0.2000 for 20 %")
    payment_terms_days = models.PositiveSmallIntegerField(default=14)
    grace_days = models.PositiveSmallIntegerField(default=14, help_text="Past due this long: suspended.")
    billing_email = models.EmailField(blank=True)


class InvoiceCounter(models.Model):
    """The one source of invoice numbers: taken under a row lock in the invoice's own
    transaction, so a rolled-back invoice gives its number back (no gaps)."""

    key = models.CharField(max_length=20, unique=True)
    last = models.PositiveIntegerField(default=0)


class Invoice(models.Model):
    """A tenant's invoice for a month (BIL-3); one per tenant and period, numbered without gaps."""

    class Status(models.TextChoices):
        ISSUED = "issued", "Issued"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="invoices")
    period = models.DateField(help_text="First day of the month billed.")
    number = models.CharField(max_length=20, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ISSUED)
    currency = models.CharField(max_length=3)
    subtotal = models.DecimalField(max_digits=12, decimal_places=2)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0"))
    tax = models.DecimalField(max_digits=12, decimal_places=2)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    issued_at = models.DateTimeField()
    due_on = models.DateField()

    class Meta:
        ordering = ["-period", "number"]
        constraints = [models.UniqueConstraint(fields=["tenant", "period"], name="uniq_invoice_tenant_period")]


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        SEATS = "seats", "Seat rent"
        ADDON = "addon", "Add-on"
        USAGE = "usage", "Usage"
        ONE_OFF = "one_off", "One-off charge"
        CREDIT = "credit", "Credit"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=4)
    unit = models.CharField(max_length=20, blank=True)  # seat-days, days, minutes, …
    unit_price = models.DecimalField(max_digits=12, decimal_places=5, null=True, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["invoice", "position", "pk"]


class Incident(models.Model):
    """A platform problem the operator records (BIL-4): when it was detected, when tenants were
    told (the response), when it was fixed (the resolution), against the commitments."""

    title = models.CharField(max_length=200)
    detected_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True, help_text="When affected tenants were told.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    response_target_min = models.PositiveIntegerField(default=30)
    resolution_target_min = models.PositiveIntegerField(default=240)
    all_tenants = models.BooleanField(default=True)
    tenants = models.ManyToManyField("tenants.Tenant", blank=True, related_name="incidents")
    credits_issued = models.BooleanField(default=False)

    class Meta:
        ordering = ["-detected_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.detected_at:%Y-%m-%d %H:%M})"


class Credit(models.Model):
    """Money owed back to a tenant, taken off its next invoice (SLA credits, goodwill)."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="credits")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.PROTECT, related_name="credits")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.SET_NULL, related_name="credits")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_positive")]


class Payment(models.Model):
    """Money received against an invoice (BIL-5): recorded by the operator, or by a payment
    provider (its reference makes a replayed notification harmless)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    received_at = models.DateTimeField()
    method = models.CharField(max_length=20, default="manual")
    reference = models.CharField(max_length=100)
    recorded_by = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [models.UniqueConstraint(fields=["method", "reference"], name="uniq_payment_reference"),
                       models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive")]


class InvoiceReminder(models.Model):
    """A dunning step taken for an invoice, once each (BIL-5)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="reminders")
    step = models.CharField(max_length=20)  # due_soon, overdue, final, past_due, suspended
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "step"], name="uniq_invoice_reminder_step")]
