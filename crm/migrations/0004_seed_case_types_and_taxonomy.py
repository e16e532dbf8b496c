"""Seed each tenant's case types (CRM-3) and complaint taxonomy (CRM-4); both stay editable."""

from django.db import migrations

CASE_TYPES = [("inquiry", "Inquiry", 24), ("complaint", "Complaint", 48), ("repair", "Repair", 72),
              ("help", "Help", 24), ("suggestion", "Suggestion", 168), ("new_service", "New service", 72)]
COMPLAINTS = [
    ("product_quality", "Product quality", False), ("product_labelling", "Product labelling", False),
    ("service_long_hold", "Service manner: long hold", False),
    ("service_bounced", "Service manner: bounced around", False),
    ("staff_attitude", "Staff attitude", True), ("staff_misconduct", "Staff misconduct", True),
    ("policy_disagreement", "Policy disagreement", False), ("excessive_expectation", "Excessive expectation", False),
    ("billing_refund", "Billing / refund", False), ("misleading_sales", "Misleading sales", False),
]


def seed(apps, schema_editor):
    CaseTypeSetting = apps.get_model("crm", "CaseTypeSetting")
    ComplaintCategory = apps.get_model("crm", "ComplaintCategory")
    for code, label, hours in CASE_TYPES:
        CaseTypeSetting.objects.get_or_create(code=code, defaults={"label": label, "promise_hours": hours})
    for i, (code, label, staff) in enumerate(COMPLAINTS):
        ComplaintCategory.objects.get_or_create(code=code, defaults={"label": label, "about_staff": staff,
                                                                     "position": i})


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_privacy_surveys_followups_taxonomy")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
