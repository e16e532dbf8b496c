"""BIL-1 add-on price list and a default rate deck for both editions (operators edit both as data)."""

from decimal import Decimal

from django.db import migrations

# (code, name, feature, monthly fee, unit) — SPEC BIL-1
ADDONS = [
    ("ivr_transfer", "IVR transfer", "ivr_transfer", "50", "tenant"),
    ("ivr_menu", "IVR menu", "ivr_menu", "50", "tenant"),
    ("voicemail", "Voicemail", "voicemail", "30", "tenant"),
    ("time_of_day_routing", "Time-of-day routing", "time_of_day_routing", "50", "tenant"),
    ("supervisor_monitoring", "Supervisor monitoring", "supervisor_monitoring", "30", "supervisor_seat"),
    ("survey", "Satisfaction survey", "survey", "30", "tenant"),
    ("click_to_call", "Click to call", "click_to_call", "20", "tenant"),
]
# (prefix, direction, description, per minute, first, next, minimum, pass-through)
RATES = [
    ("+1", "inbound", "North America, local numbers", "0.0100", 60, 60, 0, False),
    ("+1800", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+1833", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+1844", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+1855", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+1866", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+1877", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+1888", "inbound", "US toll-free", "0.0300", 60, 60, 0, False),
    ("+44", "inbound", "United Kingdom", "0.0120", 60, 60, 0, False),
    ("+1", "outbound", "North America", "0.0200", 60, 60, 0, False),
    ("+44", "outbound", "United Kingdom, landlines", "0.0300", 1, 1, 60, False),
    ("+447", "outbound", "United Kingdom, mobiles", "0.0800", 1, 1, 60, False),
    ("+49", "outbound", "Germany", "0.0400", 60, 1, 0, False),
    ("+86", "outbound", "China", "0.0500", 60, 6, 0, False),
    ("+881", "outbound", "Satellite (carrier cost passed through)", "0", 60, 60, 0, True),
]


def seed(apps, schema_editor):
    AddOn = apps.get_model("billing", "AddOn")
    RateDeck = apps.get_model("billing", "RateDeck")
    Rate = apps.get_model("billing", "Rate")
    Edition = apps.get_model("billing", "Edition")
    for code, name, feature, fee, unit in ADDONS:
        AddOn.objects.update_or_create(code=code, defaults={"name": name, "feature": feature,
                                                            "monthly_fee": Decimal(fee), "unit": unit})
    deck, _ = RateDeck.objects.get_or_create(name="Standard rates", defaults={"currency": "USD"})
    for prefix, direction, description, per_minute, first, nxt, minimum, passthrough in RATES:
        Rate.objects.update_or_create(deck=deck, prefix=prefix, direction=direction, defaults={
            "description": description, "per_minute": Decimal(per_minute), "first_increment_s": first,
            "next_increment_s": nxt, "minimum_s": minimum, "pass_through": passthrough})
    Edition.objects.filter(rate_deck__isnull=True).update(rate_deck=deck)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_usage_and_rating")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
