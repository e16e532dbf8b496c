"""Seed each tenant's customer tiers (CRM-1): VIP (jumps the queue), major, ordinary."""

from django.db import migrations

TIERS = [("vip", "VIP", True), ("major", "Major", False), ("ordinary", "Ordinary", False)]


def seed(apps, schema_editor):
    TierSetting = apps.get_model("crm", "TierSetting")
    for i, (code, label, vip) in enumerate(TIERS):
        TierSetting.objects.get_or_create(code=code, defaults={"label": label, "vip": vip, "position": i})


class Migration(migrations.Migration):
    dependencies = [("crm", "0007_tiers")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
