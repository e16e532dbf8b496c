from decimal import Decimal

from django.db import migrations, models

STANDARD = ["inbound", "outbound", "recording", "crm"]
PROFESSIONAL = STANDARD + ["voicemail", "time_of_day_routing", "blacklist", "qa", "wfm"]


def seed_editions(apps, schema_editor):
    Edition = apps.get_model("billing", "Edition")
    Edition.objects.update_or_create(
        code="standard",
        defaults=dict(name="Standard", seat_price=Decimal("500.00"), features=STANDARD, sort_order=1),
    )
    Edition.objects.update_or_create(
        code="professional",
        defaults=dict(name="Professional", seat_price=Decimal("800.00"), features=PROFESSIONAL, sort_order=2),
    )


class Migration(migrations.Migration):
    initial = True
    dependencies = []

    operations = [
        migrations.CreateModel(
            name="Edition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(unique=True)),
                ("name", models.CharField(max_length=80)),
                ("seat_price", models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=10)),
                ("currency", models.CharField(default="USD", max_length=3)),
                ("max_seats", models.PositiveIntegerField(default=500)),
                ("default_seats", models.PositiveIntegerField(default=10)),
                ("features", models.JSONField(default=list, help_text="Feature codes included (tenants.features).")),
                ("is_public", models.BooleanField(default=True, help_text="Offered on the signup page.")),
                ("sort_order", models.PositiveSmallIntegerField(default=0)),
            ],
            options={"ordering": ["sort_order", "code"]},
        ),
        migrations.RunPython(seed_editions, migrations.RunPython.noop),
    ]
