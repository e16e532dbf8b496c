"""What outlives the call: voicemail backlog (TEL-14), callbacks (TEL-15), recordings
(TEL-13, SEC-4), presence (RT-4) and the monitoring entitlement (TEL-12, TEN-4)."""

from datetime import timedelta

from telephony import clock


def _voicemail(center, from_="+15551234567", seconds=12):
    from telephony.models import Queue

    with center.in_tenant():
        Queue.objects.filter(name="General").update(max_wait_s=5, max_wait_action="voicemail")
    sid = center.dial(from_=from_)
    center.advance(6)
    center.carrier.leave_message(sid, seconds)
    center.run()
    items = center.api("agent1").get("/api/v1/backlog").json()
    return items[-1]


def test_voicemail_backlog_three_attempts_then_closed(center):
    item = _voicemail(center)
    api = "agent1"
    reviewed = center.post(api, f"/api/v1/backlog/{item['id']}/review").json()
    assert reviewed["status"] == "contacting"
    first = center.post(api, f"/api/v1/backlog/{item['id']}/attempt", {"outcome": "no_answer"}).json()
    assert first["attempts"] == 1 and first["next_attempt_at"] is not None
    center.post(api, f"/api/v1/backlog/{item['id']}/attempt", {"outcome": "busy"})
    third = center.post(api, f"/api/v1/backlog/{item['id']}/attempt", {"outcome": "no_answer", "note": "again"})
    assert (third.json()["status"], third.json()["closed_reason"]) == ("closed", "not reached after 3 attempts")
    fourth = center.post(api, f"/api/v1/backlog/{item['id']}/attempt", {"outcome": "reached"})
    assert fourth.status_code == 409
    assert [a["outcome"] for a in third.json()["attempt_log"]] == ["no_answer", "busy", "no_answer"]


def test_reached_customer_is_converted_to_a_case_and_short_messages_are_invalid(center):
    item = _voicemail(center)
    center.post("agent1", f"/api/v1/backlog/{item['id']}/review")
    early = center.post("agent1", f"/api/v1/backlog/{item['id']}/convert", {"case_type": "repair"})
    assert early.status_code == 409 and "contact attempt" in early.json()["error"]["message"]
    center.post("agent1", f"/api/v1/backlog/{item['id']}/attempt", {"outcome": "reached"})
    done = center.post("agent1", f"/api/v1/backlog/{item['id']}/convert", {"case_type": "repair"}).json()
    assert (done["status"], done["case_type"]) == ("converted", "repair")
    case = center.api("agent1").get(f"/api/v1/cases/{done['case']}").json()  # a real, numbered CRM case
    assert (case["type"], case["state"], case["call"]) == ("repair", "new", item["call"])
    unknown = _voicemail(center, from_="+15559870000")
    center.post("agent1", f"/api/v1/backlog/{unknown['id']}/review")
    center.post("agent1", f"/api/v1/backlog/{unknown['id']}/attempt", {"outcome": "reached"})
    refused = center.post("agent1", f"/api/v1/backlog/{unknown['id']}/convert", {"case_type": "praise"})
    assert refused.status_code == 400 and "not a case type" in refused.json()["error"]["message"]
    short = _voicemail(center, from_="+15559876543", seconds=1)
    reviewed = center.post("agent1", f"/api/v1/backlog/{short['id']}/review").json()
    assert (reviewed["status"], reviewed["closed_reason"]) == ("invalid", "message too short")


def test_caller_requested_callback_rings_an_agent_then_dials_the_customer(center):
    from telephony.models import Callback, Queue

    with center.in_tenant():
        Queue.objects.filter(name="General").update(max_wait_s=10, max_wait_action="callback")
    sid = center.dial(from_="+15553334444")
    center.advance(11)
    assert center.call(sid).outcome == "callback"
    center.ready("agent1")
    center.advance(3)  # the sweep makes it due; the ACD offers it
    with center.in_tenant():
        cb = Callback.objects.get()
        cb_call = cb.calls.get()
    assert cb_call.direction == "callback" and center.state("agent1") == "reserved"
    center.post("agent1", f"/api/v1/calls/{cb_call.pk}/accept")
    center.advance(5)  # agent's phone answers, then the customer's
    with center.in_tenant():
        cb_call.refresh_from_db()
        cb.refresh_from_db()
    assert cb_call.status == "connected" and cb.status == "dialing"
    dialled = [c for c in center.carrier.calls.values() if c.to == "+15553334444" and c.direction == "outbound-api"]
    assert len(dialled) == 1
    center.post("agent1", f"/api/v1/calls/{cb_call.pk}/hangup")
    center.advance(1)
    with center.in_tenant():
        cb.refresh_from_db()
        cb_call.refresh_from_db()
    assert cb.status == "completed" and cb_call.outcome == "answered"
    assert center.state("agent1") == "wrap_up"


def test_agent_scheduled_callback_is_owned_and_offered_to_the_owner_first(center):
    from telephony.models import Queue

    with center.in_tenant():
        queue = Queue.objects.get(name="General").pk
    due = (clock.now() + timedelta(minutes=10)).isoformat()
    made = center.post("agent2", "/api/v1/callbacks", {"number": "+15556667777", "due_at": due, "queue": queue,
                                                       "note": "call me tomorrow"})
    assert made.status_code == 201 and made.json()["owner"] == center.users["agent2"].email
    bad = center.post("agent2", "/api/v1/callbacks", {"number": "555", "due_at": due, "queue": queue})
    assert bad.status_code == 400 and "E.164" in bad.json()["error"]["message"]
    mine = center.api("agent3").get("/api/v1/callbacks").json()
    assert mine == []  # another agent's promise is not on my list
    center.ready("agent1")
    center.advance(5)
    center.ready("agent2")
    center.advance(600)
    from telephony.models import Call

    with center.in_tenant():
        call = Call.objects.get(direction="callback")
    assert call.agent == center.users["agent2"]  # the owner, though agent1 has been idle longer


def test_recorded_queue_stores_the_recording_and_access_is_checked_and_audited(center):
    from accounts.models import AuditEvent
    from telephony.models import Queue, Recording

    with center.in_tenant():
        Queue.objects.filter(name="General").update(recording_policy="all", consent_prompt="This call is recorded.")
    sid, pk = center.talking("agent1", 3)
    paused = center.post("agent1", f"/api/v1/calls/{pk}/recording", {"paused": True})
    assert paused.status_code == 200 and paused.json()["recording_paused"] is True
    center.post("agent1", f"/api/v1/calls/{pk}/recording", {"paused": False})
    center.advance(40)
    center.carrier.hangup(sid)
    center.run()
    with center.in_tenant():
        rec = Recording.objects.get(call_id=pk)
    assert rec.status == "completed" and rec.duration_s >= 40 and rec.agent == center.users["agent1"]
    assert center.api("agent1").get(f"/api/v1/recordings/{rec.pk}").status_code == 200
    assert center.api("supervisor").get(f"/api/v1/recordings/{rec.pk}").status_code == 200
    denied = center.api("agent2").get(f"/api/v1/recordings/{rec.pk}")
    assert denied.status_code in (403, 404)
    with center.in_tenant():
        actions = list(AuditEvent.objects.filter(target_type="recording").values_list("action", flat=True))
    assert actions.count("recording.access") == 2 and "recording.pause" in actions and "recording.resume" in actions
    assert center.api("admin").delete(f"/api/v1/recordings/{rec.pk}").status_code == 204
    center.run()
    assert rec.sid not in center.carrier.recordings  # deleted at the carrier too
    assert center.api("supervisor").get(f"/api/v1/recordings/{rec.pk}").status_code == 410


def test_silent_desk_is_logged_out_and_gets_no_offers(center, settings):
    grace = settings.PRESENCE_GRACE_S
    api = center.api("agent1")
    assert api.post("/api/v1/agents/me/heartbeat").status_code == 204
    center.ready("agent1")
    center.advance(grace - 1)
    api.post("/api/v1/agents/me/heartbeat")
    center.advance(grace - 1)
    assert center.state("agent1") == "available"  # beating within the grace period
    # Silent past the grace period, before any sweep has run: still "available" on paper,
    # but the ACD does not offer a call to a desk that stopped beating.
    center.scheduler.run_until(center.scheduler.t + 2)
    sid = center.dial()
    assert center.state("agent1") == "available"
    assert center.call(sid).status == "queued"
    center.advance(2)  # the next sweep logs the agent out
    assert center.state("agent1") == "offline"
    assert center.call(sid).status == "queued"


def test_monitoring_needs_the_entitlement_and_the_role(center):
    from tenants.services import tenant_set_feature

    sid, pk = center.talking("agent1", 2)
    assert center.post("agent2", f"/api/v1/calls/{pk}/monitor", {"mode": "monitor"}).status_code == 403
    tenant_set_feature(tenant=center.tenant, feature="supervisor_monitoring", enabled=False)
    refused = center.post("supervisor", f"/api/v1/calls/{pk}/monitor", {"mode": "barge"})
    assert refused.status_code == 403 and "not part of your plan" in refused.json()["error"]["message"]


def test_recordings_past_the_retention_period_are_deleted_here_and_at_the_carrier(center):
    from telephony.models import Call, Recording
    from telephony.services.recordings import recordings_expire
    from tenants.services import tenant_set_recording_retention

    admin = center.api("admin")
    resp = admin.patch("/api/v1/tenant", {"recording_retention_days": 30}, content_type="application/json")
    assert resp.status_code == 200 and resp.json()["recording_retention_days"] == 30
    assert admin.patch("/api/v1/tenant", {"recording_retention_days": -1},
                       content_type="application/json").status_code == 400
    with center.in_tenant():
        call = Call.objects.create(sid="CAold", ani="+15550000001", status="ended")
        old = Recording.objects.create(sid="REold", call=call, status="completed",
                                       started_at=clock.now() - timedelta(days=31))
        new = Recording.objects.create(sid="REnew", call=call, status="completed",
                                       started_at=clock.now() - timedelta(days=29))
    from telephony.providers.sandbox import sandbox_account_sid

    mine = sandbox_account_sid(center.tenant.schema_name)
    center.carrier.recordings.update({"REold": {"status": "completed", "account": mine},
                                      "REnew": {"status": "completed", "account": mine}})
    with center.in_tenant():
        assert recordings_expire(retention_days=30) == 1
        old.refresh_from_db()
        new.refresh_from_db()
    center.run()
    assert (old.status, new.status) == ("deleted", "completed")
    assert "REold" not in center.carrier.recordings and "REnew" in center.carrier.recordings
    tenant_set_recording_retention(tenant=center.tenant, days=0, actor=center.users["admin"])
    with center.in_tenant():
        assert recordings_expire(retention_days=0) == 0
