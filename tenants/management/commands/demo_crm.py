"""The demo tenant's customer-care content: a few contacts (one VIP with an open case), a
knowledge article, a call script with an identity check, a return-visit survey rule, and the
post-call survey on every queue. Idempotent: runs on every `make run`."""

from __future__ import annotations

from accounts.models import User


def seed_demo_crm(admin: User) -> None:
    from crm.models import Article, Contact, FollowUpRule
    from crm.services import case_open, contact_create
    from crm.services.kb import article_save
    from telephony.models import Queue

    Queue.objects.update(post_call_survey=True)
    if not Contact.objects.exists():
        ada = contact_create(data={"first_name": "Ada", "last_name": "Lovelace", "phones": ["+15551230001"],
                                   "email": "ada@example.com", "tier": "vip", "lifecycle": "loyal",
                                   "account_number": "1001", "account_name": "Analytical Engines Ltd",
                                   "tags": ["early adopter"]}, actor=admin, source="demo")
        contact_create(data={"first_name": "Alan", "last_name": "Turing", "phones": ["+15551230002"],
                             "lifecycle": "active", "account_number": "1002", "account_name": "Bletchley"},
                       actor=admin, source="demo")
        case_open(type="repair", subject="Engine makes a grinding noise", contact=ada, actor=admin)
    if not Article.objects.exists():
        article_save(data={"title": "Refunds for damaged deliveries", "tags": ["billing", "refund"],
                           "body": "A delivery that arrives damaged is refunded in full within 14 days.\n"
                                   "Ask for a photo, open a complaint case (billing / refund) and promise a reply "
                                   "within 48 hours."}, actor=admin)
        article_save(data={"kind": "script", "title": "Greeting and identity check", "steps": [
            {"type": "say", "text": "Thank you for calling Demo Call Center, my name is …"},
            {"type": "identity_check", "text": "Before account details: confirm the caller's date of birth "
                                               "and postcode."},
            {"type": "ask", "text": "How can I help you today?"}]}, actor=admin)
    if not FollowUpRule.objects.exists():
        FollowUpRule.objects.create(name="Return visit after a repair", event="case_resolved", days=3,
                                    action="survey", case_type="repair")
