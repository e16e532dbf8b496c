"""Customer care around the case: the post-call survey through the carrier and CSAT per
agent and queue (CRM-5), the complaint taxonomy with its distribution report and staff
complaints to supervisors (CRM-4), configurable case types with team routing (CRM-3), and
follow-up rules creating return-visit surveys exactly once, from the Celery worker (CRM-7)."""

from datetime import timedelta

from django_tenants.utils import tenant_context

CALLER = "+15551230001"


def _survey_on(center):
    from telephony.models import Queue
    from tenants.services import tenant_set_feature

    tenant_set_feature(tenant=center.tenant, feature="survey", enabled=True)
    center.tenant.refresh_from_db()
    with center.in_tenant():
        Queue.objects.filter(name="General").update(post_call_survey=True)


def _call_and_rate(center, who: str, key: str, reason_s: int = 0) -> int:
    sid, pk = center.talking(who, 4)
    assert center.post(who, f"/api/v1/calls/{pk}/hangup").status_code == 200
    assert center.call(sid).status == "ended" and center.state(who) == "wrap_up"  # the agent is free of it
    center.carrier.press(sid, key)  # the caller, still on the line, answers the survey
    center.run()
    if reason_s:
        center.carrier.leave_message(sid, reason_s)
        center.run()
    center.carrier.hangup(sid)
    center.run()
    center.post(who, f"/api/v1/calls/{pk}/wrap-up", {"disposition": ""})
    center.api(who).put("/api/v1/agents/me/state", {"state": "not_ready", "reason": "break"},
                        content_type="application/json")  # the next test call goes to whoever the test says
    center.run()
    return pk


def test_post_call_survey_ties_answers_to_call_agent_and_queue_and_gives_csat(center):
    from crm.models import SurveyResponse

    _survey_on(center)
    ada = center.api("agent1").post("/api/v1/contacts", {"first_name": "Ada", "phones": [CALLER]},
                                    content_type="application/json").json()
    unhappy = _call_and_rate(center, "agent1", "2", reason_s=9)
    happy = _call_and_rate(center, "agent1", "1")
    _call_and_rate(center, "agent2", "1")
    with center.in_tenant():
        answers = {a.call_id: a for a in SurveyResponse.objects.select_related("reason_recording", "queue")}
    assert len(answers) == 3 and {unhappy, happy} <= set(answers)
    assert answers[unhappy].satisfied is False and answers[unhappy].reason_recording.duration_s == 9
    assert answers[unhappy].reason_recording.kind == "survey"
    assert answers[happy].satisfied is True and answers[happy].agent == center.users["agent1"]
    assert answers[happy].queue.name == "General" and answers[happy].kind == "post_call"
    assert answers[happy].contact_id == ada["id"]
    timeline = center.api("agent1").get(f"/api/v1/contacts/{ada['id']}/timeline").json()
    assert sorted(t["status"] for t in timeline if t["kind"] == "survey") == ["not satisfied", "satisfied",
                                                                              "satisfied"]
    day = center.scheduler.now().date().isoformat()
    sup = center.api("supervisor")
    by_agent = sup.get("/api/v1/reports/csat", {"by": "agent", "from": day, "to": day}).json()["rows"]
    assert {r["key"]: (r["answers"], r["satisfied"], r["csat"]) for r in by_agent} == {
        center.users["agent1"].email: (2, 1, 0.5), center.users["agent2"].email: (1, 1, 1.0)}
    overall = sup.get("/api/v1/reports/csat", {"from": day, "to": day}).json()["rows"]
    assert overall == [{"key": "all", "answers": 3, "satisfied": 2, "csat": 0.6667}]
    assert sup.get("/api/v1/reports/csat", {"by": "colour"}).status_code == 400
    assert sup.get("/api/v1/reports/csat", {"from": "yesterday"}).status_code == 400
    assert center.api("agent1").get("/api/v1/reports/csat").status_code == 403


def test_without_the_survey_the_callers_line_simply_ends(center):
    from crm.models import SurveyResponse

    sid, pk = center.talking("agent1", 3)
    center.post("agent1", f"/api/v1/calls/{pk}/hangup")
    assert center.carrier.calls[sid].status == "completed"
    with center.in_tenant():
        assert not SurveyResponse.objects.exists()


def test_complaint_taxonomy_routes_staff_complaints_and_reports_the_distribution(center):
    from crm.models import Case

    agent = center.api("agent1")

    def complaint(category, subject="Unhappy"):
        return agent.post("/api/v1/cases", {"type": "complaint", "subject": subject,
                                            "complaint_category": category}, content_type="application/json")

    cats = agent.get("/api/v1/complaint-categories").json()
    assert {"product_quality", "staff_attitude", "misleading_sales", "billing_refund"} <= {c["code"] for c in cats}
    assert complaint("staff_attitude").json()["escalation"] == "Supervisor"
    assert complaint("product_quality").json()["escalation"] == "Agent"
    complaint("product_quality")
    complaint("")
    with center.in_tenant():
        before = Case.objects.count()
    bad = complaint("weather")
    assert bad.status_code == 400 and "not a complaint category" in bad.json()["error"]["message"]
    wrong = agent.post("/api/v1/cases", {"type": "inquiry", "subject": "x", "complaint_category": "product_quality"},
                       content_type="application/json")
    assert wrong.status_code == 400 and "Only complaints" in wrong.json()["error"]["message"]
    with center.in_tenant():
        assert Case.objects.count() == before
    day = center.scheduler.now().date().isoformat()
    report = center.api("supervisor").get("/api/v1/reports/complaints",
                                          {"from": day, "to": day, "bucket": "day"}).json()
    assert report["total"] == 4
    assert [(c["code"], c["count"], c["share"]) for c in report["categories"]] == [
        ("product_quality", 2, 0.5), ("staff_attitude", 1, 0.25), ("uncategorised", 1, 0.25)]
    assert report["periods"] == [{"period": day, "counts": {"product_quality": 2, "staff_attitude": 1,
                                                            "uncategorised": 1}}]


def test_case_types_are_configurable_and_route_to_their_team(center):
    from accounts.models import Team

    with center.in_tenant():
        field = Team.objects.create(name="Field service")
    body = {"code": "warranty", "label": "Warranty claim", "promise_hours": 120, "team": field.pk}
    assert center.api("agent1").post("/api/v1/case-types", body, content_type="application/json").status_code == 403
    assert center.api("admin").post("/api/v1/case-types", {**body, "promise_hours": 0},
                                    content_type="application/json").status_code == 400
    assert center.api("admin").post("/api/v1/case-types", body, content_type="application/json").status_code == 200
    case = center.api("agent1").post("/api/v1/cases", {"type": "warranty", "subject": "Broken hinge"},
                                     content_type="application/json").json()
    assert case["team"] == field.pk
    opened = center.scheduler.now()
    with center.in_tenant():
        from crm.models import Case

        promised = Case.objects.get(pk=case["id"]).promised_by
    assert abs((promised - opened) - timedelta(hours=120)) < timedelta(seconds=5)
    queue = center.api("supervisor").get("/api/v1/cases", {"team": field.pk}).json()["results"]
    assert [c["number"] for c in queue] == [case["number"]]


def test_follow_up_rules_create_return_visit_surveys_once_from_the_worker(center, celery_worker):
    from crm.models import Case, FollowUpRule, FollowUpTask, SurveyResponse
    from crm.services.followups import follow_ups_create
    from crm.tasks import follow_ups_all
    from tests.conftest import wait_for

    sup = center.api("supervisor")
    for bad in ({"name": "x", "event": "case_resolved", "days": -1, "action": "survey"},
                {"name": "x", "event": "moon_landing", "days": 3, "action": "survey"},
                {"name": "x", "event": "call_answered", "days": 3, "action": "survey", "case_type": "repair"}):
        assert sup.post("/api/v1/follow-up-rules", bad, content_type="application/json").status_code == 400
    rule = sup.post("/api/v1/follow-up-rules", {"name": "Repair check", "event": "case_resolved", "days": 3,
                                                 "action": "survey", "case_type": "repair"},
                    content_type="application/json")
    assert rule.status_code == 201
    agent = center.api("agent1")
    repair = agent.post("/api/v1/cases", {"type": "repair", "subject": "Fridge"}, content_type="application/json")
    inquiry = agent.post("/api/v1/cases", {"type": "inquiry", "subject": "Hours"}, content_type="application/json")
    old = agent.post("/api/v1/cases", {"type": "repair", "subject": "Old oven"}, content_type="application/json")
    for c in (repair, inquiry, old):
        agent.post(f"/api/v1/cases/{c.json()['id']}/move", {"state": "resolved"}, content_type="application/json")
    now = center.scheduler.now()
    with center.in_tenant():
        assert FollowUpRule.objects.count() == 1 and follow_ups_create() == 0  # not due yet
        FollowUpRule.objects.update(created_at=now - timedelta(days=2))
        Case.objects.filter(pk__in=[repair.json()["id"], inquiry.json()["id"]]).update(
            resolved_at=now - timedelta(days=3, minutes=1))
        Case.objects.filter(pk=old.json()["id"]).update(resolved_at=now - timedelta(days=40))

    def created():
        with tenant_context(center.tenant):
            return FollowUpTask.objects.exists()

    follow_ups_all.apply_async(queue="hostline-test")
    wait_for("the worker to create the follow-up", created, timeout=60)
    with center.in_tenant():
        assert follow_ups_create() == 0  # the next beat changes nothing
        task = FollowUpTask.objects.get()
    assert (task.case_id, task.action, task.assignee) == (repair.json()["id"], "survey", center.users["agent1"])
    mine = agent.get("/api/v1/follow-ups").json()
    assert [t["id"] for t in mine] == [task.pk] and "Fridge" in mine[0]["title"]
    assert center.api("agent2").get("/api/v1/follow-ups").json() == []
    assert center.api("agent2").post(f"/api/v1/follow-ups/{task.pk}/survey", {"satisfied": True},
                                     content_type="application/json").status_code == 403
    done = agent.post(f"/api/v1/follow-ups/{task.pk}/survey", {"satisfied": False, "reason": "still noisy"},
                      content_type="application/json")
    assert done.status_code == 201
    again = agent.post(f"/api/v1/follow-ups/{task.pk}/complete", {"outcome": "x"}, content_type="application/json")
    assert again.status_code == 409
    with center.in_tenant():
        answer = SurveyResponse.objects.get()
        task.refresh_from_db()
    assert (answer.kind, answer.case_id, answer.satisfied, answer.reason) == (
        "return_visit", repair.json()["id"], False, "still noisy")
    assert task.status == "done" and task.outcome == "not satisfied: still noisy"


def test_a_staff_complaint_alerts_supervisors_at_once_and_not_agents(django_db_setup, django_db_blocker):
    import pytest
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.db import connection

    from config.asgi import application
    from tests.conftest import run_async

    cast = pytest.hostline_cast

    def ws(who):
        headers = [(b"host", cast.a.host.encode()), (b"origin", f"http://{cast.a.host}".encode()),
                   (b"cookie", f"sessionid={cast.a.session_keys[who]}".encode())]
        return WebsocketCommunicator(application, "/ws/v1/events", headers=headers)

    def complain():
        from crm.models import Case
        from crm.services import case_open

        with tenant_context(cast.a.tenant):
            case = case_open(type="complaint", subject="Agent hung up on me", complaint_category="staff_attitude")
            number = case.number
            Case.objects.filter(pk=case.pk).delete()  # the shared tenant stays as it was
        connection.set_schema_to_public()
        return number

    async def run():
        agent_ws, sup_ws = ws("agent"), ws("supervisor")
        assert (await agent_ws.connect())[0] and (await sup_ws.connect())[0]
        await agent_ws.receive_json_from(timeout=5)
        await sup_ws.receive_json_from(timeout=5)
        number = await database_sync_to_async(complain)()
        event = await sup_ws.receive_json_from(timeout=10)
        assert (event["type"], event["kind"], event["case"]) == ("alert", "staff_complaint", number)
        assert "Agent hung up on me" in event["message"]
        assert await agent_ws.receive_nothing(timeout=1)
        for sock in (agent_ws, sup_ws):
            await sock.disconnect()

    with django_db_blocker.unblock():
        run_async(run)
