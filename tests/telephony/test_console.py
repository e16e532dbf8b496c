"""The tenant admin console (TEN-3, TEL-1, TEL-4, TEL-5, TEL-6): every page renders for an
admin, refuses agents, and each form changes exactly what it says — or, with bad input,
shows a message a person can act on and changes nothing."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

PAGES = ["/console/users", "/console/teams", "/console/numbers", "/console/queues", "/console/ivr",
         "/console/hours", "/console/codes", "/console/lists", "/console/audit"]


def _browser(center, who: str) -> Client:
    client = Client(HTTP_HOST=f"{center.host}:8000")
    with tenant_context(center.tenant):
        client.force_login(center.users[who], backend="accounts.backends.EmailBackend")
    return client


@pytest.fixture
def admin(center):
    return _browser(center, "admin")


def test_every_console_page_renders_for_the_admin_and_not_for_an_agent(center, admin):
    from telephony.models import IvrFlow, Queue

    with center.in_tenant():
        pages = [*PAGES, f"/console/queues/{Queue.objects.first().pk}", f"/console/ivr/{IvrFlow.objects.first().pk}"]
    agent = _browser(center, "agent1")
    for page in pages:
        assert admin.get(page).status_code == 200, page
        assert agent.get(page).status_code == 403, page
    desk = agent.get("/desk")
    assert desk.status_code == 200 and b'x-data="desk"' in desk.content
    assert admin.get("/wallboard").status_code == 200 and agent.get("/wallboard").status_code == 403


def test_numbers_are_added_rerouted_and_bad_ones_refused(center, admin):
    from telephony.models import IvrFlow, PhoneNumber, Queue

    with center.in_tenant():
        queue, flow = Queue.objects.first(), IvrFlow.objects.first()
    bad = admin.post("/console/numbers", {"e164": "0800 123", "entry": f"queue:{queue.pk}"})
    assert bad.status_code == 400 and b"E.164" in bad.content
    taken = admin.post("/console/numbers", {"e164": center.number, "entry": f"queue:{queue.pk}"})
    assert taken.status_code == 400 and b"already belongs" in taken.content
    ok = admin.post("/console/numbers", {"e164": "+15550009999", "label": "Promo", "entry": f"queue:{queue.pk}"})
    assert ok.status_code == 302
    with center.in_tenant():
        number = PhoneNumber.objects.get(e164="+15550009999")
        assert (number.label, number.entry_queue_id, number.entry_flow_id) == ("Promo", queue.pk, None)
    admin.post(f"/console/numbers/{number.pk}", {"label": "Promo", "entry": f"flow:{flow.pk}", "action": "save"})
    with center.in_tenant():
        number.refresh_from_db()
        assert (number.entry_queue_id, number.entry_flow_id) == (None, flow.pk)
        assert PhoneNumber.objects.count() == 2


def test_queue_page_saves_routing_skills_and_members_and_rejects_bad_values(center, admin):
    from accounts.models import Skill
    from telephony.models import Queue, QueueSkill

    with center.in_tenant():
        queue = Queue.objects.first()
        skill = Skill.objects.get(name="billing")
    page = admin.get(f"/console/queues/{queue.pk}")
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    form.update({"name": "Billing line", "strategy": "skills", "sl_target_pct": 90, "sl_threshold_s": 15,
                 "recording_policy": "all", f"skill_{skill.pk}": "3",
                 "members": [center.users["agent2"].pk]})
    form = {k: ("on" if v is True else v) for k, v in form.items() if v is not False}
    assert admin.post(f"/console/queues/{queue.pk}", form).status_code == 302
    with center.in_tenant():
        queue.refresh_from_db()
        assert (queue.name, queue.strategy, queue.sl_target_pct, queue.recording_policy) == (
            "Billing line", "skills", 90, "all")
        assert list(QueueSkill.objects.filter(queue=queue).values_list("skill__name", "min_proficiency")) == [
            ("billing", 3)]
        assert list(queue.members.values_list("user__email", flat=True)) == [center.users["agent2"].email]
    refused = admin.post(f"/console/queues/{queue.pk}", {**form, "name": "Changed", "sl_target_pct": 150})
    assert refused.status_code == 400 and b"less than or equal to 100" in refused.content
    with center.in_tenant():
        queue.refresh_from_db()
        assert queue.name == "Billing line"  # nothing changed


def test_hours_are_all_or_nothing_and_holidays_listed(center, admin):
    from telephony.models import BusinessHours, Holiday

    with center.in_tenant():
        before = list(BusinessHours.objects.filter(queue=None).values_list("weekday", "opens", "closes"))
    week = {"form": "week", "open_0": "on", "opens_0": "08:00", "closes_0": "17:00",
            "open_1": "on", "opens_1": "18:00", "closes_1": "09:00"}
    bad = admin.post("/console/hours", week)
    assert bad.status_code == 400 and b"Tuesday: closing time must be after opening time" in bad.content
    with center.in_tenant():
        assert list(BusinessHours.objects.filter(queue=None).values_list("weekday", "opens", "closes")) == before
    week["closes_1"] = "20:00"
    assert admin.post("/console/hours", week).status_code == 302
    with center.in_tenant():
        assert sorted(BusinessHours.objects.filter(queue=None).values_list("weekday", flat=True)) == [0, 1]
    assert admin.post("/console/hours", {"form": "holiday", "date": "2026-12-25", "name": "Christmas"}).status_code \
        == 302
    again = admin.post("/console/hours", {"form": "holiday", "date": "2026-12-25", "name": "Again"})
    assert again.status_code == 400 and b"already a holiday" in again.content
    with center.in_tenant():
        assert list(Holiday.objects.values_list("name", flat=True)) == ["Christmas"]


def test_reasons_and_wrap_up_codes_reach_the_desk_and_state_rules(center, admin):
    assert admin.post("/console/codes", {"kind": "reason", "code": "huddle", "label": "Team huddle"}).status_code \
        == 302
    reserved = admin.post("/console/codes", {"kind": "reason", "code": "missed", "label": "Missed"})
    assert reserved.status_code == 400 and b"reserved for the system" in reserved.content
    assert admin.post("/console/codes", {"kind": "wrap", "label": "Refund issued"}).status_code == 302
    desk = center.api("agent1").get("/api/v1/desk").json()
    assert {"value": "huddle", "label": "Team huddle"} in desk["reasons"]
    assert "Refund issued" in desk["dispositions"]
    api = center.api("agent1")
    ok = api.put("/api/v1/agents/me/state", {"state": "not_ready", "reason": "huddle"},
                 content_type="application/json")
    assert ok.status_code == 200 and ok.json()["reason"] == "huddle"
    # Retire "lunch": it leaves the desk and agents can no longer choose it.
    from telephony.models import NotReadyCode

    with center.in_tenant():
        lunch = NotReadyCode.objects.get(code="lunch")
    admin.post(f"/console/codes/reason/{lunch.pk}/toggle")
    assert all(r["value"] != "lunch" for r in api.get("/api/v1/desk").json()["reasons"])
    refused = api.put("/api/v1/agents/me/state", {"state": "not_ready", "reason": "lunch"},
                      content_type="application/json")
    assert refused.status_code == 400 and "huddle" in refused.json()["error"]["message"]


def test_caller_lists_and_teams_from_the_console(center, admin):
    from accounts.models import Team
    from telephony.models import CallerListEntry

    assert admin.post("/console/lists", {"number": "+15550001111", "kind": "block", "note": "abuse"}).status_code \
        == 302
    bad = admin.post("/console/lists", {"number": "12", "kind": "block"})
    assert bad.status_code == 400
    assert admin.post("/console/teams", {"kind": "team", "name": "Night shift"}).status_code == 302
    with center.in_tenant():
        assert list(CallerListEntry.objects.values_list("number", "kind")) == [("+15550001111", "block")]
        assert Team.objects.filter(name="Night shift").exists()


def test_ivr_validate_names_the_bad_nodes_and_changes_nothing(center):
    from telephony.models import IvrFlow

    graph = {"start": "main", "nodes": {"main": {"type": "menu", "say": "Hi", "options": {"1": "nowhere"}},
                                        "lost": {"type": "hangup"}}}
    resp = center.api("admin").post("/api/v1/ivr-flows/validate", {"graph": graph}, content_type="application/json")
    body = resp.json()
    assert resp.status_code == 200 and body["ok"] is False
    assert {"node": "main", "message": "'options.1' points at 'nowhere', which is not a node"} in body["problems"]
    assert {"node": "lost", "message": "is unreachable from the start"} in body["problems"]
    with center.in_tenant():
        assert IvrFlow.objects.count() == 1
