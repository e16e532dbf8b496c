"""Cases (CRM-3): numbers without gaps (also under concurrent openings), the workflow with
clear refusals and audited overrides, resolved-on-first-contact, staff complaints to
supervisors, and overdue promises that alert and escalate from the real Celery worker."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django_tenants.utils import tenant_context


def _open(center, who="agent1", **body):
    body = {"type": "inquiry", "subject": "Where is my order?", **body}
    return center.api(who).post("/api/v1/cases", body, content_type="application/json")


def _move(center, pk, state, who="agent1", **extra):
    return center.api(who).post(f"/api/v1/cases/{pk}/move", {"state": state, **extra},
                                content_type="application/json")


def test_numbers_have_no_gaps_even_when_an_opening_rolls_back_or_many_open_at_once(center, django_db_blocker):
    from crm.models import Case
    from crm.services import case_open

    assert [_open(center).json()["number"] for _ in range(2)] == [1, 2]
    with center.in_tenant(), pytest.raises(RuntimeError), transaction.atomic():
        case_open(type="help", subject="rolled back")
        raise RuntimeError("the opening transaction fails")
    assert _open(center).json()["number"] == 3  # the rolled-back number was given back
    bad = _open(center, type="praise")
    assert bad.status_code == 400 and "not a case type" in bad.json()["error"]["message"]

    def opener():
        with django_db_blocker.unblock(), tenant_context(center.tenant):
            for _ in range(5):
                case_open(type="help", subject="concurrent")
        connection.close()

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with center.in_tenant():
        numbers = sorted(Case.objects.values_list("number", flat=True))
    assert numbers == list(range(1, 34))


def test_the_workflow_refuses_illegal_moves_and_records_overrides_with_reasons(center):
    from crm.models import CaseEvent

    pk = _open(center).json()["id"]
    assert _move(center, pk, "in_progress").json()["state"] == "in_progress"
    assert _move(center, pk, "resolved").json()["state"] == "resolved"
    illegal = _move(center, pk, "assigned")
    assert illegal.status_code == 409
    assert "cannot become assigned; it can go to: closed, follow_up, in_progress" in illegal.json()["error"]["message"]
    assert _move(center, pk, "closed").status_code == 200
    assert _move(center, pk, "in_progress").status_code == 409  # closed is final
    assert _move(center, pk, "in_progress", override=True, reason="customer called back").status_code == 403
    no_reason = _move(center, pk, "in_progress", who="supervisor", override=True)
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    ok = _move(center, pk, "in_progress", who="supervisor", override=True, reason="customer called back")
    assert ok.status_code == 200 and ok.json()["state"] == "in_progress"
    with center.in_tenant():
        override = CaseEvent.objects.get(case_id=pk, kind="override")
        assert (override.from_state, override.to_state, override.reason) == ("closed", "in_progress",
                                                                             "customer called back")
        assert override.actor_email == center.users["supervisor"].email


def test_resolved_on_first_contact_only_within_the_call_that_opened_it(center):
    sid, call_pk = center.talking("agent1", 5)
    first = _open(center, call=call_pk).json()
    assert _move(center, first["id"], "resolved").json()["resolved_on_first_contact"] is True
    later = _open(center).json()  # not opened on a call
    assert _move(center, later["id"], "resolved").json()["resolved_on_first_contact"] is False
    _move(center, first["id"], "in_progress")  # reopened
    assert _move(center, first["id"], "resolved").json()["resolved_on_first_contact"] is False


def test_staff_complaints_go_to_supervisors_and_open_cases_pop_on_the_desk(center):
    contact = center.api("agent1").post("/api/v1/contacts", {"first_name": "Ada", "phones": ["+14155550101"]},
                                        content_type="application/json").json()
    complaint = _open(center, type="complaint", subject="Rude staff member on the phone", contact=contact["id"])
    assert complaint.json()["escalation"] == "Supervisor"
    _open(center, subject="Invoice copy", contact=contact["id"])
    pop = center.api("agent1").get("/api/v1/contacts/screen-pop", {"phone": "+14155550101"}).json()
    assert [c["subject"] for c in pop["cases"]] == ["Invoice copy", "Rude staff member on the phone"]


def test_an_overdue_promise_alerts_and_escalates_once_from_the_celery_worker(center, celery_worker,
                                                                               django_db_blocker):
    from crm.models import Case, CaseEvent
    from crm.services import cases_overdue_sweep
    from crm.tasks import cases_overdue_all
    from tests.conftest import wait_for

    late = _open(center).json()
    on_time = _open(center).json()
    with center.in_tenant():
        Case.objects.filter(pk=late["id"]).update(promised_by=Case.objects.get(pk=late["id"]).created_at
                                                  - timedelta(hours=1))

    def escalated():
        with tenant_context(center.tenant):
            return Case.objects.get(pk=late["id"]).overdue_alerted_at is not None

    cases_overdue_all.apply_async(queue="hostline-test")
    wait_for("the worker to escalate the overdue case", escalated, timeout=60)
    with center.in_tenant():
        assert cases_overdue_sweep() == 0 and cases_overdue_sweep() == 0  # later beats change nothing more
        case = Case.objects.get(pk=late["id"])
        kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
        assert case.escalation == 1 and kinds.count("overdue") == 1 and kinds.count("escalated") == 1
        assert Case.objects.get(pk=on_time["id"]).escalation == 0


def test_contact_and_case_pages_work_for_agents_and_overrides_need_a_supervisor(center):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    from crm.models import Case, Contact

    def browser(who):
        client = Client(HTTP_HOST=f"{center.host}:8000")
        with tenant_context(center.tenant):
            client.force_login(center.users[who], backend="accounts.backends.EmailBackend")
        return client

    agent, sup = browser("agent1"), browser("supervisor")
    bad = sup.post("/contacts", {"file": SimpleUploadedFile("c.csv", b"first_name,phones\nAda,12\n")})
    assert bad.status_code == 400 and b"not a valid phone number" in bad.content and b"import-report" in bad.content
    assert sup.post("/contacts", {"file": SimpleUploadedFile("c.csv", b"first_name,phones\nAda,+14155550101\n")}
                    ).status_code == 302
    with center.in_tenant():
        ada = Contact.objects.get(first_name="Ada")
    listing = agent.get("/contacts", {"q": "415-555-0101"})
    assert listing.status_code == 200 and f'href="/contacts/{ada.pk}"'.encode() in listing.content
    assert agent.post("/contacts", {"file": SimpleUploadedFile("c.csv", b"first_name\nEve\n")}).status_code == 200
    with center.in_tenant():
        assert not Contact.objects.filter(first_name="Eve").exists()  # agents cannot bulk import
    assert agent.post(f"/contacts/{ada.pk}", {"form": "note", "text": "Call after 5pm"}).status_code == 302
    assert agent.post(f"/contacts/{ada.pk}", {"form": "case", "type": "repair", "subject": "Broken hinge"}
                      ).status_code == 302
    page = agent.get(f"/contacts/{ada.pk}")
    assert b"Call after 5pm" in page.content and b"Broken hinge" in page.content
    with center.in_tenant():
        case = Case.objects.get(subject="Broken hinge")
    agent.post(f"/cases/{case.pk}/action", {"state": "resolved"})
    agent.post(f"/cases/{case.pk}/action", {"state": "closed"})
    refused = agent.post(f"/cases/{case.pk}/action", {"state": "in_progress", "override": "1", "reason": "x"},
                         follow=True)
    assert b"Only supervisors" in refused.content
    sup.post(f"/cases/{case.pk}/action", {"state": "in_progress", "override": "1", "reason": "came back"})
    with center.in_tenant():
        case.refresh_from_db()
        assert case.state == "in_progress"
