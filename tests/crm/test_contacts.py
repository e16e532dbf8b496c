"""CRM contacts (CRM-1, CRM-2, TEL-14): E.164 numbers, all-or-nothing CSV import with a
row-by-row report, export that re-imports, the screen pop by phone or IVR account number,
VIP callers jumping the queue, and another tenant seeing none of it."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

GOOD = """first_name,last_name,email,phones,account_number,account_name,tier,lifecycle,tags,do_not_contact,custom.plan
Ada,Lovelace,ADA@example.com,(415) 555-0101,A-1001,Analytical Ltd,vip,loyal,early adopter;math,no,gold
Alan,Turing,alan@example.com,+1 415 555 0102; +44 20 7946 0958,A-1002,Bletchley,major,active,,yes,
Grace,Hopper,,+14155550103,A-1001,Analytical Ltd,ordinary,new,navy,,silver
"""


def _upload(center, who, text, name="contacts.csv"):
    return center.api(who).post("/api/v1/contacts/import",
                                {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")})


def _count(center):
    from crm.models import Account, Contact, ContactPhone

    with center.in_tenant():
        return Contact.objects.count(), ContactPhone.objects.count(), Account.objects.count()


def test_a_file_with_bad_rows_imports_nothing_and_says_where(center):
    bad = GOOD + "Bad,Phone,,12,,,,,,,\nBad,Tier,,+14155550199,,,gold,,,,\nDup,Phone,,415-555-0101,,,,,,maybe,\n"
    resp = _upload(center, "admin", bad)
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert "nothing was imported" in error["message"]
    report = error["fields"]["report"]
    assert report["rows"] == 6 and report["problem_count"] == 4
    found = {(p["row"], p["column"]) for p in report["problems"]}
    assert found == {(5, "phones"), (6, "tier"), (7, "phones"), (7, "do_not_contact")}
    assert any("also on row 2" in p["problem"] for p in report["problems"])
    assert _count(center) == (0, 0, 0)


def test_a_good_file_imports_every_row_in_one_go_with_numbers_in_e164(center):
    from crm.models import Contact

    resp = _upload(center, "admin", GOOD)
    assert resp.status_code == 201, resp.content
    assert resp.json() == {"rows": 3, "created": 3, "problem_count": 0, "problems": []}
    assert _count(center) == (3, 4, 2)
    with center.in_tenant():
        ada = Contact.objects.get(last_name="Lovelace")
        assert (ada.email, ada.tier, ada.lifecycle, ada.tags, ada.custom, ada.account.name) == (
            "ada@example.com", "vip", "loyal", ["early adopter", "math"], {"plan": "gold"}, "Analytical Ltd")
        alan = Contact.objects.get(last_name="Turing")
        assert sorted(alan.phones.values_list("e164", flat=True)) == ["+14155550102", "+442079460958"]
        assert alan.do_not_contact is True and ada.source == "import contacts.csv"


def test_import_refuses_unknown_columns_and_non_csv(center):
    resp = _upload(center, "admin", "name,phone\nAda,+14155550101\n")
    assert resp.status_code == 400
    assert "unknown column(s) name, phone" in resp.json()["error"]["fields"]["report"]["problems"][0]["problem"]
    latin = center.api("admin").post("/api/v1/contacts/import", {"file": SimpleUploadedFile(
        "x.csv", "first_name\nJos\xe9\n".encode("latin-1"), content_type="text/csv")})
    assert latin.status_code == 400 and "UTF-8" in latin.content.decode()
    assert _upload(center, "agent1", GOOD).status_code == 403
    assert _count(center) == (0, 0, 0)


def test_export_is_the_import_format_and_is_audited(center):
    from accounts.models import AuditEvent

    _upload(center, "admin", GOOD)
    resp = center.api("supervisor").get("/api/v1/contacts/export")
    assert resp.status_code == 200 and resp["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.content.decode())))
    ada = next(r for r in rows if r["last_name"] == "Lovelace")
    assert (ada["phones"], ada["tags"], ada["custom.plan"], ada["account_number"]) == (
        "+14155550101", "early adopter;math", "gold", "A-1001")
    assert center.api("agent1").get("/api/v1/contacts/export").status_code == 403
    with center.in_tenant():
        assert AuditEvent.objects.filter(action="contact.export").count() == 1


def test_create_normalises_and_refuses_bad_input_without_writing(center):
    api = center.api("agent1")
    bad = api.post("/api/v1/contacts", {"first_name": "X", "phones": ["not a number"], "tier": "platinum"},
                   content_type="application/json")
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert "not a valid phone number" in fields["phones"][0] and "platinum" in fields["tier"][0]
    assert _count(center) == (0, 0, 0)
    ok = api.post("/api/v1/contacts?source=desk", {"first_name": "Lin", "phones": ["415.555.0177"]},
                  content_type="application/json")
    assert ok.status_code == 201 and ok.json()["phones"] == ["+14155550177"]
    found = api.get("/api/v1/contacts", {"q": "(415) 555-0177"}).json()["results"]
    assert [c["first_name"] for c in found] == ["Lin"]


def test_screen_pop_by_phone_or_ivr_account_with_history(center):
    _upload(center, "admin", GOOD)
    sid, pk = center.talking("agent1", 5)
    api = center.api("agent1")
    by_phone = api.get("/api/v1/contacts/screen-pop", {"phone": "+14155550103"}).json()
    assert by_phone["contact"]["name"] == "Grace Hopper" and by_phone["matched_by"] == "phone"
    by_account = api.get("/api/v1/contacts/screen-pop", {"phone": "+19995550000", "account": "A-1002"}).json()
    assert by_account["contact"]["name"] == "Alan Turing" and by_account["matched_by"] == "account"
    unknown = api.get("/api/v1/contacts/screen-pop", {"phone": "+15551230001"}).json()
    assert unknown["contact"] is None
    assert [h["kind"] for h in unknown["history"]] == ["call"]  # the call now in progress, from that number
    assert unknown["history"][0]["id"] == pk


def test_a_vip_contact_jumps_the_queue_and_pops_on_the_desk(center):
    from telephony.models import Queue

    _upload(center, "admin", GOOD)
    sid = center.dial(from_="+14155550101")  # Ada, VIP
    call = center.call(sid)
    with center.in_tenant():
        queue = Queue.objects.get(pk=call.queue_id)
    assert call.caller_tier == "vip" and call.priority == queue.priority + queue.vip_priority_boost
    center.ready("agent1")
    ringing = center.api("agent1").get("/api/v1/desk").json()["ringing"]
    assert ringing[0]["pop"]["contact"]["name"] == "Ada Lovelace"
    assert ringing[0]["pop"]["contact"]["account"]["number"] == "A-1001"


def test_tiers_are_the_tenants_own_and_a_vip_flagged_tier_jumps_the_queue(center):
    from telephony.models import Queue

    admin = center.api("admin")
    assert center.api("agent1").post("/api/v1/contact-tiers", {"code": "platinum", "label": "Platinum", "vip": True},
                                     content_type="application/json").status_code == 403
    assert admin.post("/api/v1/contact-tiers", {"code": "platinum", "label": "Platinum", "vip": True},
                      content_type="application/json").status_code == 200
    bad = admin.post("/api/v1/contacts", {"first_name": "Bo", "phones": ["+14155550150"], "tier": "diamond"},
                     content_type="application/json")
    message = bad.json()["error"]["message"]
    assert bad.status_code == 400 and "'diamond' is not one of" in message and "platinum" in message
    admin.post("/api/v1/contacts", {"first_name": "Pat", "phones": ["+14155550151"], "tier": "platinum"},
               content_type="application/json")
    admin.post("/api/v1/contacts", {"first_name": "Maj", "phones": ["+14155550152"], "tier": "major"},
               content_type="application/json")
    plat, major = center.call(center.dial(from_="+14155550151")), center.call(center.dial(from_="+14155550152"))
    with center.in_tenant():
        queue = Queue.objects.get(pk=plat.queue_id)
    assert (plat.caller_tier, plat.priority) == ("vip", queue.priority + queue.vip_priority_boost)
    assert (major.caller_tier, major.priority) == ("major", queue.priority)


def test_notes_join_the_timeline(center):
    _upload(center, "admin", GOOD)
    api = center.api("agent1")
    ada = api.get("/api/v1/contacts", {"q": "Lovelace"}).json()["results"][0]
    assert api.post(f"/api/v1/contacts/{ada['id']}/notes", {"text": ""}, content_type="application/json"
                    ).status_code == 400
    assert api.post(f"/api/v1/contacts/{ada['id']}/notes", {"text": "Prefers e-mail"},
                    content_type="application/json").status_code == 201
    timeline = api.get(f"/api/v1/contacts/{ada['id']}/timeline").json()
    assert [(t["kind"], t.get("text")) for t in timeline] == [("note", "Prefers e-mail")]


def crm_routes():
    from django.urls import get_resolver

    from config import urls_tenant

    for p in get_resolver(urls_tenant).url_patterns:
        if str(p.pattern).startswith(("api/v1/contact", "api/v1/cases", "api/v1/case-types",
                                      "api/v1/complaint-categories", "api/v1/reports/complaints",
                                      "api/v1/reports/csat", "api/v1/follow-up", "api/v1/kb")):
            yield "/" + str(p.pattern)


def test_tenant_b_never_sees_or_changes_tenant_a_contacts(center):
    cast = pytest.hostline_cast
    _upload(center, "admin", GOOD)
    api = center.api("admin")
    ada = api.get("/api/v1/contacts", {"q": "Lovelace"}).json()["results"][0]
    before = _count(center)
    b_admin = cast.b.api(cast.b.token("admin"))
    probed = 0
    for route in crm_routes():
        path = route.replace("<int:pk>", str(ada["id"]))
        for method in ("get", "post", "patch", "delete"):
            resp = getattr(b_admin, method)(path, {"text": "x", "first_name": "Hijack"},
                                            content_type="application/json")
            probed += 1
            assert resp.status_code != 500, (method, path)
            assert b"Lovelace" not in resp.content and b"4155550101" not in resp.content, (method, path)
    pop = b_admin.get("/api/v1/contacts/screen-pop", {"phone": "+14155550101"}).json()
    assert pop["contact"] is None and pop["history"] == []
    assert probed >= 18 and _count(center) == before
    assert api.get(f"/api/v1/contacts/{ada['id']}").json()["first_name"] == "Ada"
    # A's token on B's domain is unknown.
    assert cast.b.api(center.tokens["admin"]).get("/api/v1/contacts").status_code == 401
