"""Privacy (CRM-8): consent evidence, the subject-access export, legal holds that block
erasure and outrank retention, and erasure cascading to calls, recordings (here and at the
carrier), voicemails/messages, callbacks, cases, notes and surveys, leaving the call facts
that reports need. Everything is admin-only and audited."""

from datetime import timedelta

CALLER = "+15551230001"  # the number Center.dial() calls from


def _ada(center):
    api = center.api("admin")
    ada = api.post("/api/v1/contacts", {"first_name": "Ada", "last_name": "Lovelace", "phones": [CALLER],
                                        "consent_marketing": True}, content_type="application/json").json()
    api.post(f"/api/v1/contacts/{ada['id']}/notes", {"text": "Ada prefers mornings"},
             content_type="application/json")
    return ada


def _recorded_call(center) -> int:
    from telephony.models import Queue

    with center.in_tenant():
        Queue.objects.filter(name="General").update(recording_policy="all")
    sid, pk = center.talking("agent1", 5)
    center.post("agent1", f"/api/v1/calls/{pk}/digits", {"digits": "4111"})
    center.carrier.hangup(sid)
    center.run()
    return pk


def _history(center, ada):
    """Besides the recorded call: a message, a callback and a case about Ada."""
    from telephony.models import Queue
    from telephony.services.backlog import message_receive
    from telephony.services.callbacks import callback_request

    with center.in_tenant():
        message_receive(contact_number=CALLER, contact_name="Ada Lovelace", message="Ada here, call me back")
        callback_request(number=CALLER, queue=Queue.objects.get(name="General"), origin="agent",
                         due_at=center.scheduler.now() + timedelta(hours=2))
    case = center.api("agent1").post("/api/v1/cases", {"type": "repair", "subject": "Ada's washing machine",
                                                       "description": "Lovelace, 12 Byron Road",
                                                       "contact": ada["id"]}, content_type="application/json")
    assert case.status_code == 201
    from crm.models import Case, Contact, FollowUpTask
    from crm.services.surveys import survey_record

    with center.in_tenant():
        opened = Case.objects.get(pk=case.json()["id"])
        FollowUpTask.objects.create(action="survey", title="Return visit: Ada's washing machine", case=opened,
                                    contact=opened.contact, due_at=center.scheduler.now())
        survey_record(kind="return_visit", satisfied=False, case=opened, contact=Contact.objects.get(pk=ada["id"]),
                      reason="Ada says the drum still rattles")
    return case.json()


def test_consent_changes_are_recorded_as_evidence(center):
    from crm.models import ConsentRecord

    ada = _ada(center)
    center.api("agent1").patch(f"/api/v1/contacts/{ada['id']}", {"do_not_contact": True},
                               content_type="application/json")
    with center.in_tenant():
        rows = list(ConsentRecord.objects.filter(contact_id=ada["id"]).order_by("id").values_list(
            "kind", "granted", "source", "actor_email"))
    assert rows == [("marketing", True, "api", center.users["admin"].email),
                    ("contact", False, "change", center.users["agent1"].email)]


def test_export_lists_everything_held_and_is_admin_only_and_audited(center):
    from accounts.models import AuditEvent

    ada = _ada(center)
    pk = _recorded_call(center)
    case = _history(center, ada)
    assert center.api("agent1").get(f"/api/v1/contacts/{ada['id']}/privacy-export").status_code == 403
    assert center.api("supervisor").get(f"/api/v1/contacts/{ada['id']}/privacy-export").status_code == 403
    resp = center.api("admin").get(f"/api/v1/contacts/{ada['id']}/privacy-export")
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    data = resp.json()
    assert data["contact"]["name"] == "Ada Lovelace" and data["contact"]["phones"] == [CALLER]
    assert [c["id"] for c in data["calls"]] == [pk] and data["calls"][0]["talk_s"] > 0
    assert [r["call"] for r in data["recordings"]] == [pk]
    assert data["recordings"][0]["api"] == f"/api/v1/recordings/{data['recordings'][0]['id']}"
    assert [n["text"] for n in data["notes"]] == ["Ada prefers mornings"]
    assert [c["number"] for c in data["cases"]] == [case["number"]] and data["cases"][0]["events"]
    assert [m["message"] for m in data["voicemails_and_messages"]] == ["Ada here, call me back"]
    assert len(data["callbacks"]) == 1 and data["consent_records"][0]["kind"] == "marketing"
    with center.in_tenant():
        assert AuditEvent.objects.filter(action="contact.privacy_export", target_id=str(ada["id"])).count() == 1


def test_legal_hold_blocks_erasure_and_recording_deletion_and_outranks_retention(center):
    from crm.models import Contact
    from telephony.models import Recording
    from telephony.services.recordings import recordings_expire

    ada = _ada(center)
    pk = _recorded_call(center)
    admin = center.api("admin")
    assert admin.post(f"/api/v1/contacts/{ada['id']}/legal-hold", {"reason": ""},
                      content_type="application/json").status_code == 400
    assert center.api("supervisor").post(f"/api/v1/contacts/{ada['id']}/legal-hold", {"reason": "x"},
                                         content_type="application/json").status_code == 403
    held = admin.post(f"/api/v1/contacts/{ada['id']}/legal-hold", {"reason": "Court order 2026/118"},
                      content_type="application/json")
    assert held.status_code == 201
    again = admin.post(f"/api/v1/contacts/{ada['id']}/legal-hold", {"reason": "twice"},
                       content_type="application/json")
    assert again.status_code == 409 and "already under legal hold" in again.json()["error"]["message"]

    refused = admin.post(f"/api/v1/contacts/{ada['id']}/erase", {"reason": "GDPR request 7", "confirm": str(ada["id"])},
                         content_type="application/json")
    assert refused.status_code == 409
    assert "legal hold" in refused.json()["error"]["message"] and "Court order" in refused.json()["error"]["message"]
    with center.in_tenant():
        rec = Recording.objects.get(call_id=pk)
        Recording.objects.filter(pk=rec.pk).update(started_at=rec.started_at - timedelta(days=400))
        assert recordings_expire(retention_days=90) == 0  # held: kept past retention
        assert Contact.objects.filter(pk=ada["id"]).exists()
    assert admin.delete(f"/api/v1/recordings/{rec.pk}").status_code == 409
    assert rec.sid in center.carrier.recordings

    assert admin.delete(f"/api/v1/contacts/{ada['id']}/legal-hold", {"reason": "Case closed"},
                        content_type="application/json").status_code == 200
    with center.in_tenant():
        assert recordings_expire(retention_days=90) == 1  # released: retention applies again
    center.run()
    assert rec.sid not in center.carrier.recordings


def test_erasure_cascades_everywhere_and_keeps_the_call_facts(center):
    from accounts.models import AuditEvent
    from crm.models import Case, ConsentRecord, Contact, ContactNote, ContactPhone, FollowUpTask, SurveyResponse
    from telephony.models import BacklogItem, Call, Callback, CallEvent, Recording

    ada = _ada(center)
    pk = _recorded_call(center)
    case = _history(center, ada)
    with center.in_tenant():
        rec = Recording.objects.get(call_id=pk)
        talk_s = Call.objects.get(pk=pk).talk_s
        assert CallEvent.objects.filter(call_id=pk, detail__has_key="queue").exists()
    assert rec.sid in center.carrier.recordings
    url = f"/api/v1/contacts/{ada['id']}/erase"
    assert center.api("supervisor").post(url, {"reason": "r", "confirm": str(ada["id"])},
                                         content_type="application/json").status_code == 403
    wrong = center.api("admin").post(url, {"reason": "GDPR request 7", "confirm": "12345"},
                                     content_type="application/json")
    assert wrong.status_code == 400 and "confirm" in wrong.json()["error"]["message"]
    with center.in_tenant():
        assert Contact.objects.filter(pk=ada["id"]).exists()

    done = center.api("admin").post(url, {"reason": "GDPR request 7", "confirm": str(ada["id"])},
                                    content_type="application/json")
    assert done.status_code == 200, done.content
    assert done.json()["erased"] == {"calls": 1, "recordings": 1, "voicemails_and_messages": 1, "callbacks": 1,
                                     "cases": 1, "notes": 1, "surveys": 1}
    center.run()
    assert rec.sid not in center.carrier.recordings  # the carrier's copy is gone too
    with center.in_tenant():
        assert not Contact.objects.filter(pk=ada["id"]).exists()
        assert not ContactPhone.objects.filter(e164=CALLER).exists()
        assert not ContactNote.objects.exists() and not ConsentRecord.objects.exists()
        call = Call.objects.get(pk=pk)
        assert (call.ani, call.collected, call.talk_s) == ("erased", {}, talk_s)  # the facts stay
        assert all(d == {"erased": True} for d in CallEvent.objects.filter(call=call).values_list("detail", flat=True))
        assert Recording.objects.get(pk=rec.pk).status == "deleted"
        item = BacklogItem.objects.get()
        assert (item.contact_number, item.contact_name, item.message) == ("", "", "")
        cb = Callback.objects.get()
        assert (cb.number, cb.status) == ("erased", "cancelled")
        kept = Case.objects.get(number=case["number"])
        assert (kept.subject, kept.description, kept.contact_id, kept.type) == ("(erased contact)", "", None,
                                                                               "repair")
        assert not FollowUpTask.objects.exists()
        answer = SurveyResponse.objects.get()
        assert (answer.reason, answer.contact_id, answer.satisfied) == ("", None, False)
        entry = AuditEvent.objects.get(action="contact.erase")
        assert "Lovelace" not in entry.summary and CALLER not in entry.summary and "GDPR request 7" in entry.summary
    pop = center.api("agent1").get("/api/v1/contacts/screen-pop", {"phone": CALLER}).json()
    assert pop["contact"] is None and pop["history"] == []
