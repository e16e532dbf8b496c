"""TEL-7/TEL-8: each strategy picks the agent it promises, with the reason logged; priority,
overflow, max wait, lists; and atomic assignment under many concurrent routers."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django_tenants.utils import tenant_context

from telephony import clock


def _queue(center, **fields):
    from telephony.models import Queue

    with center.in_tenant():
        Queue.objects.filter(name="General").update(**fields)
        return Queue.objects.get(name="General")


def _offered_to(center, sid):
    call = center.call(sid)
    return call.agent.email.split("@")[0] if call.agent else None


def _decision(center, sid):
    from telephony.models import RoutingDecision

    with center.in_tenant():
        return RoutingDecision.objects.filter(call__sid=sid).order_by("-id").values_list("reason", flat=True)[0]


def _profiles(center, **per_agent):
    from telephony.models import AgentProfile

    with center.in_tenant():
        for who, fields in per_agent.items():
            AgentProfile.objects.filter(user=center.users[who]).update(**fields)


def test_longest_idle_gets_the_call_and_the_reason_says_so(center):
    center.ready("agent2")
    center.advance(5)
    center.ready("agent1")
    sid = center.dial()
    assert _offered_to(center, sid) == "agent2"
    assert "longest idle 5 s" in _decision(center, sid)


def test_round_robin_takes_the_agent_offered_least_recently(center):
    _queue(center, strategy="round_robin")
    center.ready("agent1")
    center.ready("agent2")
    now = clock.now()
    _profiles(center, agent1={"last_offer_at": now - timedelta(seconds=100), "available_since": now - timedelta(
        seconds=500)}, agent2={"last_offer_at": now - timedelta(seconds=900), "available_since": now})
    sid = center.dial()
    assert _offered_to(center, sid) == "agent2"
    assert "next in rotation" in _decision(center, sid)


def test_least_occupied_prefers_fewest_calls_today(center):
    from telephony.models import Call

    _queue(center, strategy="least_occupied")
    center.ready("agent2")
    center.advance(10)
    center.ready("agent1")
    with center.in_tenant():
        for i in range(2):
            Call.objects.create(sid=f"CAbusy{i}", ani="+15550000001", agent=center.users["agent2"],
                                answered_at=clock.now(), talk_s=60, status="ended", outcome="answered")
    sid = center.dial()
    assert _offered_to(center, sid) == "agent1"
    assert "least occupied today (0 calls" in _decision(center, sid)


def test_skills_require_minimum_and_prefer_best_proficiency(center):
    from accounts.models import Skill
    from telephony.models import QueueSkill

    queue = _queue(center, strategy="skills")
    with center.in_tenant():
        QueueSkill.objects.create(queue=queue, skill=Skill.objects.get(name="billing"), min_proficiency=2)
    center.ready("agent1")  # proficiency 1: not eligible
    center.ready("agent2")  # 2
    center.advance(5)
    center.ready("agent3")  # 3: best, though idle for less time
    sid = center.dial()
    assert _offered_to(center, sid) == "agent3"
    reason = _decision(center, sid)
    assert "best proficiency" in reason and "skill billing≥2" in reason


def test_sticky_last_agent_then_falls_back_after_the_timeout(center):
    from telephony.models import Call

    _queue(center, strategy="last_agent", sticky_timeout_s=20)
    with center.in_tenant():
        Call.objects.create(sid="CAold", ani="+15557770000", agent=center.users["agent2"],
                            answered_at=clock.now() - timedelta(days=2), status="ended", outcome="answered")
    center.ready("agent1")
    center.advance(5)
    center.ready("agent2")
    sid = center.dial(from_="+15557770000")
    assert _offered_to(center, sid) == "agent2" and "served this caller last" in _decision(center, sid)
    assert center.post("agent2", f"/api/v1/calls/{center.call(sid).pk}/accept").status_code == 200
    center.advance(2)
    # Agent 2 is on that call; the caller's second line waits for them, then goes to agent 1.
    sid2 = center.dial(from_="+15557770000")
    assert center.call(sid2).status == "queued"
    center.advance(21)
    assert _offered_to(center, sid2) == "agent1" and "longest idle" in _decision(center, sid2)


def test_ring_all_rings_everyone_and_the_first_to_accept_wins(center):
    _queue(center, strategy="ring_all")
    center.ready("agent1")
    center.ready("agent2")
    sid = center.dial()
    pk = center.call(sid).pk
    assert center.call(sid).status == "queued"  # nobody reserved
    for who in ("agent1", "agent2"):
        ringing = center.api(who).get("/api/v1/calls/ringing").json()
        assert [c["id"] for c in ringing] == [pk]
    assert center.post("agent2", f"/api/v1/calls/{pk}/accept").status_code == 200
    late = center.post("agent1", f"/api/v1/calls/{pk}/accept")
    assert late.status_code == 409 and late.json()["error"]["code"] == "no_offer"
    center.advance(2)
    assert center.call(sid).agent == center.users["agent2"] and center.state("agent1") == "available"
    assert "ring-all: " in _decision(center, sid)


def test_vip_caller_jumps_the_line(center):
    from telephony.models import CallerListEntry

    with center.in_tenant():
        CallerListEntry.objects.create(number="+15559990001", kind="vip")
    first = center.dial(from_="+15551110000")
    center.advance(10)
    vip = center.dial(from_="+15559990001")
    assert center.call(vip).caller_tier == "vip" and center.call(vip).priority > center.call(first).priority
    center.ready("agent1")
    assert center.call(vip).status == "offered" and center.call(first).status == "queued"


def test_blacklisted_caller_is_rejected_busy(center):
    from telephony.models import CallerListEntry

    with center.in_tenant():
        CallerListEntry.objects.create(number="+15550006666", kind="block")
    sid = center.dial(from_="+15550006666")
    call = center.call(sid)
    assert (call.status, call.outcome) == ("ended", "blocked")
    assert center.carrier.calls[sid].status == "busy"


def test_overflow_widens_skills_after_the_wait_and_logs_why(center):
    from accounts.models import Skill
    from telephony.models import QueueSkill

    queue = _queue(center, strategy="skills", overflow_after_s=10, overflow_widen_skills=True)
    with center.in_tenant():
        QueueSkill.objects.create(queue=queue, skill=Skill.objects.get(name="billing"), min_proficiency=5)
    center.ready("agent1")
    sid = center.dial()
    center.advance(5)
    assert center.call(sid).status == "queued"
    center.advance(6)
    assert _offered_to(center, sid) == "agent1"
    assert "overflow" in center.events(sid) and "skills relaxed" in _decision(center, sid)


def test_max_wait_sends_the_caller_to_voicemail_which_lands_in_the_backlog(center):
    _queue(center, max_wait_s=20, max_wait_action="voicemail")
    sid = center.dial()
    center.advance(21)
    assert center.carrier.calls[sid].recording is not None  # the caller hears the beep
    center.carrier.leave_message(sid, 12)
    center.run()
    call = center.call(sid)
    assert call.outcome == "voicemail" and call.status == "ended"
    from telephony.models import BacklogItem

    with center.in_tenant():
        item = BacklogItem.objects.get(call=call)
        assert (item.kind, item.status, item.duration_s, item.contact_number) == ("voicemail", "new", 12,
                                                                                  "+15551230001")
        assert item.recording.kind == "voicemail"


def test_max_wait_callback_keeps_the_place_in_line(center):
    _queue(center, max_wait_s=20, max_wait_action="callback")
    sid = center.dial(from_="+15552223333")
    queued_at = center.call(sid).queued_at
    center.advance(21)
    assert center.call(sid).outcome == "callback"
    from telephony.models import Callback

    with center.in_tenant():
        cb = Callback.objects.get()
        assert (cb.number, cb.origin, cb.place_in_line_at) == ("+15552223333", "caller", queued_at)


@pytest.mark.parametrize("routers", [8])
def test_concurrent_routers_never_double_offer(center, routers):
    """Many threads route at once against real Postgres: every match is unique."""
    from accounts.models import Role
    from accounts.services import user_create_active
    from telephony.models import AgentProfile, Call, Offer

    with center.in_tenant():
        agents = [user_create_active(email=f"bulk{i}@x.test", password="Passw0rd-x", roles=[Role.AGENT])
                  for i in range(25)]
        AgentProfile.objects.bulk_create(AgentProfile(user=a, state="available", available_since=clock.now())
                                         for a in agents)
        queue_id = Call.objects.model._meta.get_field("queue").related_model.objects.get(name="General").pk
        Call.objects.bulk_create(Call(sid=f"CAbulk{i}", ani=f"+1555000{i:04d}", status="queued", queue_id=queue_id,
                                      queued_at=clock.now()) for i in range(40))
    connection.set_schema_to_public()
    errors, made = [], []
    barrier = threading.Barrier(routers)

    def worker():
        from telephony import acd

        try:
            with tenant_context(center.tenant):
                barrier.wait()
                made.append(acd.route())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(routers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with center.in_tenant():
        offers = list(Offer.objects.values_list("call_id", "agent_id"))
        assert sum(made) == len(offers) == 25  # every agent matched exactly once
        assert len({c for c, _ in offers}) == 25 and len({a for _, a in offers}) == 25
        assert AgentProfile.objects.filter(user__in=agents, state="reserved").count() == 25
        assert Call.objects.filter(status="offered").count() == 25
        assert Call.objects.filter(status="queued").count() == 15


def test_a_full_queue_sends_the_next_caller_to_voicemail(center):
    _queue(center, max_size=1, max_wait_action="voicemail")
    first = center.dial(from_="+15550000001")
    second = center.dial(from_="+15550000002")
    assert center.call(first).status == "queued"
    assert "queue_full" in center.events(second)
    assert center.carrier.calls[second].recording is not None  # at the beep
