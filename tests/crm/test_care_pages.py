"""The customer-care pages as a person uses them: the team's case queue, follow-ups with a
return-visit answer, the knowledge base with its editor (supervisors only), the complaint and
CSAT report, and a contact's edit form; bad input is shown on the page and changes nothing."""

from datetime import timedelta

from django.test import Client
from django_tenants.utils import tenant_context


def _browser(center, who):
    client = Client(HTTP_HOST=f"{center.host}:8000")
    with tenant_context(center.tenant):
        client.force_login(center.users[who], backend="accounts.backends.EmailBackend")
    return client


def test_case_queue_follow_ups_and_report_pages(center):
    from accounts.models import Team
    from crm.models import FollowUpTask
    from crm.services import case_open

    with center.in_tenant():
        field = Team.objects.create(name="Field")
        mine = case_open(type="repair", subject="Leaking tap", team=field, actor=center.users["agent1"])
        case_open(type="inquiry", subject="Opening hours", actor=center.users["agent2"])
        case_open(type="complaint", subject="Long hold", complaint_category="service_long_hold")
        task = FollowUpTask.objects.create(action="survey", title="Return visit: Leaking tap", case=mine,
                                           assignee=center.users["agent1"],
                                           due_at=center.scheduler.now() - timedelta(minutes=1))
    agent = _browser(center, "agent1")
    queue = agent.get("/cases", {"team": field.pk}).content.decode()
    assert "Leaking tap" in queue and "Opening hours" not in queue and "Repair" in queue
    assert "Opening hours" not in agent.get("/cases", {"mine": "1"}).content.decode()
    page = agent.get("/follow-ups").content.decode()
    assert "Return visit: Leaking tap" in page
    assert agent.post("/follow-ups", {"form": "survey", "task": task.pk, "satisfied": "1",
                                      "reason": "fixed for good"}).status_code == 302
    assert "Nothing due" in agent.get("/follow-ups").content.decode()
    with center.in_tenant():
        task.refresh_from_db()
        assert task.status == "done"
    assert agent.get("/reports/customer").status_code == 403
    report = _browser(center, "supervisor").get("/reports/customer", {"bucket": "day"}).content.decode()
    assert "Service manner: long hold" in report and 'id="csat-total">100%' in report


def test_knowledge_base_pages_edit_versions_and_count_reads(center):
    from crm.models import Article

    sup, agent = _browser(center, "supervisor"), _browser(center, "agent1")
    assert agent.post("/kb/new", {"title": "x"}).status_code == 403  # agents read; writing is for supervisors
    with center.in_tenant():
        assert not Article.objects.exists()
    bad = sup.post("/kb/new", {"kind": "script", "title": "Greeting", "steps": "dance: now"})
    assert bad.status_code == 400 and "step 1" in bad.content.decode()
    with center.in_tenant():
        assert not Article.objects.exists()
    made = sup.post("/kb/new", {"kind": "script", "title": "Greeting", "tags": "hello, start",
                                "steps": "say: Thank you for calling\nidentity_check: Date of birth"})
    assert made.status_code == 302
    with center.in_tenant():
        art = Article.objects.get()
    assert [s["type"] for s in art.steps] == ["say", "identity_check"] and art.tags == ["hello", "start"]
    sup.post(f"/kb/{art.pk}", {"kind": "script", "title": "Greeting", "steps": "say: Hello!", "note": "shorter"})
    shown = agent.get(f"/kb/{art.pk}").content.decode()
    assert "Hello!" in shown and "v2" in shown and "shorter" in shown
    assert "Greeting" in agent.get("/kb", {"q": "greeting"}).content.decode()
    with center.in_tenant():
        assert Article.objects.get().uses == 1


def test_contact_edit_form_changes_the_contact_and_refuses_bad_numbers(center):
    from crm.models import Contact

    ada = center.api("agent1").post("/api/v1/contacts", {"first_name": "Ada", "phones": ["+14155550101"]},
                                    content_type="application/json").json()
    agent = _browser(center, "agent1")
    bad = agent.post(f"/contacts/{ada['id']}", {"form": "edit", "first_name": "Ada", "last_name": "Lovelace",
                                                "phones": "12", "tier": "vip", "lifecycle": "active"})
    assert bad.status_code == 400 and "not a valid phone number" in bad.content.decode()
    with center.in_tenant():
        assert Contact.objects.get(pk=ada["id"]).last_name == ""
    ok = agent.post(f"/contacts/{ada['id']}", {"form": "edit", "first_name": "Ada", "last_name": "Lovelace",
                                               "phones": "+14155550101; (415) 555-0199", "tier": "vip",
                                               "lifecycle": "active", "email": "ada@example.com", "tags": "math"})
    assert ok.status_code == 302
    card = center.api("agent1").get(f"/api/v1/contacts/{ada['id']}").json()
    assert (card["last_name"], card["tier"], card["phones"], card["tags"]) == (
        "Lovelace", "vip", ["+14155550101", "+14155550199"], ["math"])
