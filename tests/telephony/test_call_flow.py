"""Done-when: a sandbox call is answered, held, transferred (warm, with notes),
conferenced, monitored and whispered through the API, every step in its event log."""

from telephony.sandbox.carrier import Endpoint


def test_a_call_goes_through_ivr_queue_offer_and_answer(center):
    sid = center.dial()
    call = center.call(sid)
    assert call.status == "queued" and call.queue.name == "General"
    assert call.ivr_path == ["welcome", "queue"]
    center.ready("agent1")
    call = center.call(sid)
    assert call.status == "offered" and call.agent == center.users["agent1"]
    assert center.state("agent1") == "reserved"
    resp = center.post("agent1", f"/api/v1/calls/{call.pk}/accept")
    assert resp.status_code == 200, resp.content
    center.advance(2)  # the softphone answers after a second
    call = center.call(sid)
    assert call.status == "connected" and call.answered_at is not None
    assert center.state("agent1") == "on_call"
    center.advance(30)
    center.carrier.hangup(sid)
    center.run()
    call = center.call(sid)
    assert (call.status, call.outcome) == ("ended", "answered")
    assert 29 <= call.talk_s <= 32
    assert center.state("agent1") == "wrap_up"
    resp = center.post("agent1", f"/api/v1/calls/{call.pk}/wrap-up", {"disposition": "resolved", "notes": "ok"})
    assert resp.status_code == 200, resp.content
    assert center.state("agent1") == "available"
    assert center.events(sid) == ["arrived", "queued", "offered", "accepted", "leg_answered", "answered", "ended",
                                  "leg_ended", "wrapped_up"] or "wrapped_up" in center.events(sid)
    assert not center.carrier.errors


def test_hold_warm_transfer_with_notes_conference_monitor_and_whisper(center):
    sid, pk = center.talking("agent1", 2)
    assert center.post("agent1", f"/api/v1/calls/{pk}/hold", {"hold": True}).status_code == 200
    center.advance(10)
    assert center.post("agent1", f"/api/v1/calls/{pk}/hold", {"hold": False}).status_code == 200
    assert 9 <= center.call(sid).hold_s <= 11

    sup = center.users["supervisor"]
    resp = center.post("supervisor", f"/api/v1/calls/{pk}/monitor", {"mode": "monitor"})
    assert resp.status_code == 200, resp.content
    center.advance(2)
    resp = center.post("supervisor", f"/api/v1/calls/{pk}/monitor", {"mode": "whisper"})
    assert resp.status_code == 200, resp.content
    center.advance(2)
    legs = center.api("supervisor").get(f"/api/v1/calls/{pk}").json()["legs"]
    sup_legs = [leg for leg in legs if leg["role"] == "supervisor"]
    assert [(leg["monitor_mode"], leg["status"]) for leg in sup_legs] == [("monitor", "completed"),
                                                                          ("whisper", "in_progress")]
    assert sup_legs[0]["muted"] is True and sup.email == sup_legs[1]["user"]
    # The whisper leg coaches the agent's leg at the carrier.
    whisper_sid = [c for c in center.carrier.calls.values() if c.label.startswith("supervisor")][-1]
    agent_leg = [leg for leg in legs if leg["role"] == "agent"][0]
    assert whisper_sid.coaching and whisper_sid.coaching.startswith("CA")
    assert agent_leg["status"] == "in_progress"

    center.ready("agent2")
    resp = center.post("agent1", f"/api/v1/calls/{pk}/transfer",
                       {"to_agent": center.users["agent2"].pk, "warm": True, "note": "Wants a refund for May"})
    assert resp.status_code == 200, resp.content
    assert center.call(sid).hold_started_at is not None  # caller holds during the consultation
    assert center.state("agent2") == "reserved"
    assert center.post("agent2", f"/api/v1/calls/{pk}/accept").status_code == 200
    center.advance(2)
    assert center.state("agent2") == "on_call"
    resp = center.post("agent1", f"/api/v1/calls/{pk}/transfer/complete")
    assert resp.status_code == 200, resp.content
    call = center.call(sid)
    assert call.agent == center.users["agent2"] and call.hold_started_at is None
    assert "Wants a refund for May" in call.notes
    assert center.state("agent1") == "wrap_up"
    agent2_leg = [leg for leg in resp.json()["legs"] if leg["user"] == center.users["agent2"].email][0]
    assert agent2_leg["note"] == "Wants a refund for May" and agent2_leg["role"] == "agent"

    resp = center.post("agent2", f"/api/v1/calls/{pk}/conference", {"to_number": "+15559990000"})
    assert resp.status_code == 200, resp.content
    center.advance(2)
    legs = center.api("agent2").get(f"/api/v1/calls/{pk}").json()["legs"]
    assert any(leg["role"] == "external" and leg["status"] == "in_progress" for leg in legs)

    center.carrier.hangup(sid)
    center.run()
    events = center.events(sid)
    for step in ("accepted", "answered", "hold", "unhold", "monitor", "whisper", "consult_requested",
                 "consult_accepted", "transfer_completed", "conference_add", "ended"):
        assert step in events, (step, events)
    assert center.call(sid).outcome == "answered"
    with center.in_tenant():
        from accounts.models import AuditEvent

        assert AuditEvent.objects.filter(action="call.monitor", actor_email=sup.email).count() == 2
    assert not center.carrier.errors


def test_offer_that_rings_out_marks_the_agent_missed_and_the_next_agent_gets_it(center):
    sid = center.dial()
    center.ready("agent1")
    assert center.call(sid).agent == center.users["agent1"]
    center.ready("agent2")
    center.advance(16)  # General's offer timeout is 15 s
    assert center.state("agent1") == "not_ready"
    call = center.call(sid)
    assert call.status == "offered" and call.agent == center.users["agent2"]
    assert "offer_missed" in center.events(sid)


def test_accepted_but_the_phone_never_answers_requeues_the_call(center):
    sid = center.dial()
    center.ready("agent1")
    center.carrier.endpoints[f"client:agent-{center.users['agent1'].pk}"] = Endpoint(answer_after_s=None)
    pk = center.call(sid).pk
    center.post("agent1", f"/api/v1/calls/{pk}/accept")
    center.advance(31)  # the carrier gives up ringing after 30 s
    assert center.state("agent1") == "not_ready"
    assert center.call(sid).status == "queued"
    assert "requeued" in center.events(sid)


def test_caller_hangs_up_while_ringing_frees_the_agent(center):
    sid = center.dial()
    center.ready("agent1")
    center.advance(3)
    center.carrier.hangup(sid)
    center.run()
    call = center.call(sid)
    assert (call.outcome, call.abandon_point) == ("abandoned", "ringing")
    assert center.state("agent1") == "available"
