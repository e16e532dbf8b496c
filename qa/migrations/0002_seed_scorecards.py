"""Seed each tenant's two scorecards (QA-1): inbound service on the four dimensions (attitude,
accuracy, speed, quality) and outbound compliance with its critical items. Both stay editable
(a revision is a new version)."""

from django.db import migrations

INBOUND = [
    ("Attitude", 25, [("Greets by name and offers help", "yes_no", 1, False),
                      ("Courteous and patient throughout", "scale", 2, False),
                      ("Shows empathy when the caller is upset", "scale", 1, False)]),
    ("Accuracy", 35, [("Verifies identity before account details", "yes_no", 2, True),
                      ("Information given is correct and complete", "scale", 3, False),
                      ("Records the case and disposition correctly", "yes_no", 1, False)]),
    ("Speed", 15, [("No unnecessary hold or dead air", "scale", 1, False),
                   ("Resolves or routes without bouncing the caller", "yes_no", 1, False)]),
    ("Quality", 25, [("Confirms the caller's need is met", "yes_no", 1, False),
                     ("Offers further help and closes properly", "yes_no", 1, False),
                     ("Overall call handling", "points", 2, False)]),
]
OUTBOUND = [
    ("Compliance", 50, [("Confirms the account holder before anything else", "yes_no", 1, True),
                        ("Does not pitch to minors or the elderly", "yes_no", 1, True),
                        ("States the offer, the fee, the service number and how to cancel", "yes_no", 1, True),
                        ("Subscribes only with the customer's explicit consent", "yes_no", 1, True)]),
    ("Conversation", 50, [("Opening and introduction", "scale", 1, False),
                          ("Handles objections", "scale", 2, False),
                          ("Clear, friendly close", "yes_no", 1, False)]),
]


def seed(apps, schema_editor):
    Scorecard = apps.get_model("qa", "Scorecard")
    ScorecardVersion = apps.get_model("qa", "ScorecardVersion")
    Section = apps.get_model("qa", "Section")
    Item = apps.get_model("qa", "Item")
    for name, desc, sections in (("Inbound service", "Attitude, accuracy, speed and quality", INBOUND),
                                 ("Outbound compliance", "Critical compliance items fail the call", OUTBOUND)):
        card, created = Scorecard.objects.get_or_create(name=name, defaults={"description": desc})
        if not created:
            continue
        version = ScorecardVersion.objects.create(scorecard=card, number=1, note="seeded")
        for si, (title, weight, items) in enumerate(sections):
            section = Section.objects.create(version=version, title=title, weight=weight, position=si)
            for ii, (text, kind, w, critical) in enumerate(items):
                Item.objects.create(section=section, text=text, kind=kind, weight=w, critical=critical,
                                    max_points=10 if kind == "points" else 1, allow_na=not critical, position=ii)


class Migration(migrations.Migration):
    dependencies = [("qa", "0001_qa_core")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
