"""The wallboard and the desk (RT-1, RT-2, RT-3): queue tiles computed by hand and equal to
the KPI module's figures for the same period, queue.stats and alert events pushed only when
something changed, queue subscriptions that never reach into another tenant, and the
agent's own day (calls, handle time, occupancy) from the call legs and the state log."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

from config.asgi import application
from tests.conftest import run_async


def _call(queue, now, *, wait, talk=None, acw=None, abandoned=False, waiting=False, agent=None, n=[0]):  # noqa: B006
    from telephony.models import Call

    n[0] += 1
    queued = now - timedelta(seconds=wait + (talk or 0) + (acw or 0) + 60) if not waiting else now - timedelta(
        seconds=wait)
    fields = {"sid": f"CAlive{n[0]:04d}{now.timestamp():.0f}", "ani": "+15550001000", "queue": queue,
              "queued_at": queued, "arrived_at": queued}
    if waiting:
        fields.update(status="queued")
    elif abandoned:
        fields.update(status="ended", outcome="abandoned", wait_s=wait, ended_at=queued + timedelta(seconds=wait))
    else:
        answered = queued + timedelta(seconds=wait)
        ended = answered + timedelta(seconds=talk)
        fields.update(status="ended", outcome="answered", wait_s=wait, answered_at=answered, ended_at=ended,
                      talk_s=talk, acw_s=acw, wrap_ended_at=ended + timedelta(seconds=acw), agent=agent)
    return Call.objects.create(**fields)


def _day_of_calls(center):
    """General (T = 20 s): answered in 10 s and in 30 s, a 3 s short abandon, a 40 s abandon,
    and one caller waiting for 25 s now."""
    from telephony import clock
    from telephony.models import Queue

    now = clock.now()
    with center.in_tenant():
        queue = Queue.objects.get(name="General")
        queue.sl_threshold_s, queue.sl_target_pct = 20, 80
        queue.save()
        _call(queue, now, wait=10, talk=100, acw=20)
        _call(queue, now, wait=30, talk=200, acw=10)
        _call(queue, now, wait=3, abandoned=True)
        _call(queue, now, wait=40, abandoned=True)
        _call(queue, now, wait=25, waiting=True)
    return queue


def test_queue_tile_is_the_hand_computed_kpis_and_the_kpi_module_agrees(center):
    from reports.kpis import call_kpis
    from telephony.live import tenant_day_start

    queue = _day_of_calls(center)
    board = center.api("supervisor").get("/api/v1/wallboard").json()
    tile = next(t for t in board["queues"] if t["name"] == "General")
    assert (tile["waiting"], tile["longest_wait_s"]) == (1, 25)
    assert (tile["offered"], tile["answered"], tile["abandoned"], tile["short_abandoned"]) == (5, 2, 1, 1)
    assert tile["service_level"] == round(1 / 3, 4)  # 1 within T / (2 answered + 1 abandoned after T)
    assert tile["asa_s"] == 20.0  # (10 + 30) / 2
    assert tile["abandon_rate"] == 0.2  # 1 / 5 (the 3 s abandon is short)
    assert tile["aht_s"] == 165.0  # ((100 + 20) + (200 + 10)) / 2
    # The wallboard shows the same figures the KPI module gives for the same day and queue.
    with center.in_tenant():
        same = call_kpis(where="c.queue_id = %(q)s AND c.queued_at >= %(since)s",
                         params={"q": queue.pk, "since": tenant_day_start()})
    assert {k: tile[k] for k in same.as_dict()} == same.as_dict()
    # Under 5 calls an SL figure is noise; a caller past the 20 s threshold is an alert.
    assert [a["kind"] for a in board["alerts"]] == ["wait_above_threshold"]
    assert "25 s" in board["alerts"][0]["message"]
    assert center.api("agent1").get("/api/v1/wallboard").status_code == 403


def _session(center, who: str) -> str:
    with center.in_tenant():
        user = center.users[who]
        s = SessionStore()
        s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                  "_auth_user_hash": user.get_session_auth_hash()})
        s.create()
    connection.set_schema_to_public()
    return s.session_key


def _socket(host: str, session_key: str) -> WebsocketCommunicator:
    headers = [(b"host", host.encode()), (b"origin", f"http://{host}".encode()),
               (b"cookie", f"sessionid={session_key}".encode())]
    return WebsocketCommunicator(application, "/ws/v1/events", headers=headers)


async def _next_of(ws, kind: str, timeout: float = 5) -> dict:
    while True:
        event = await ws.receive_json_from(timeout=timeout)
        if event["type"] == kind:
            return event


async def _drain(ws, quiet: float = 0.5) -> list[dict]:
    """Everything the socket receives until it has been quiet for `quiet` seconds."""
    out = []
    while not await ws.receive_nothing(timeout=quiet):
        out.append(await ws.receive_json_from())
    return out


def test_queue_stats_and_alerts_are_pushed_on_change_to_subscribers_of_this_tenant_only(center, django_db_blocker):
    from telephony import clock
    from telephony.live import push_live_stats
    from telephony.models import Call, Queue
    from tenants.realtime import flush

    cast = pytest.hostline_cast
    queue = _day_of_calls(center)
    with center.in_tenant():
        other_queue = Queue.objects.create(name="Second line")
    sup_key = _session(center, "supervisor")
    agent_key = _session(center, "agent1")
    now = clock.now()

    @database_sync_to_async
    def push(force=False):
        with center.in_tenant():
            sent = push_live_stats(force=force)
        flush()
        return sent

    @database_sync_to_async
    def answer_the_waiting_caller():
        with center.in_tenant():
            Call.objects.filter(status="queued").update(status="connected", answered_at=now, wait_s=25)

    async def run():
        board = _socket(center.host, sup_key)
        desk = _socket(center.host, agent_key)
        foreign = _socket(cast.b.host, cast.b.session_keys["agent"])
        for ws in (board, desk, foreign):
            assert (await ws.connect())[0]
            await _next_of(ws, "hello")
        # An agent follows one queue; ids that are not this tenant's queues are refused.
        await desk.send_json_to({"type": "subscribe", "queues": [queue.pk, 999999, "x"]})
        reply = await _next_of(desk, "subscribed")
        assert reply["queues"] == [queue.pk] and reply["refused"] == [999999, "x"]
        # Tenant B's socket subscribes to the same numeric id: that is B's own queue group.
        await foreign.send_json_to({"type": "subscribe", "queues": [queue.pk]})
        await _next_of(foreign, "subscribed")

        assert await push(force=True) >= 2
        stats = await _next_of(desk, "queue.stats")
        assert stats["queue"] == queue.pk and stats["waiting"] == 1 and stats["v"] == 1
        got = await _drain(board)
        assert [(e["kind"], e["active"]) for e in got if e["type"] == "alert"] == [("wait_above_threshold", True)]
        tiles = {e["queue"] for e in got if e["type"] == "queue.stats"}
        assert {queue.pk, other_queue.pk} <= tiles

        # Nothing changed: nothing is sent (the beat runs every 2 s; sockets stay quiet).
        assert await push() == 0
        # The caller is answered: the tile changes and the alert clears.
        await answer_the_waiting_caller()
        assert await push() == 2
        got = await _drain(board)
        assert [(e["kind"], e["active"]) for e in got if e["type"] == "alert"] == [("wait_above_threshold", False)]
        assert [e["queue"] for e in got if e["type"] == "queue.stats"] == [queue.pk]
        assert (await _next_of(desk, "queue.stats"))["waiting"] == 0
        # Tenant B heard none of it.
        assert await foreign.receive_nothing(timeout=0.5)
        for ws in (board, desk, foreign):
            await ws.disconnect()

    with django_db_blocker.unblock():
        run_async(run)


def test_my_day_counts_handed_over_calls_and_occupancy_from_the_state_log(center):
    sid = center.dial()
    center.ready("agent1")
    pk = center.call(sid).pk
    assert center.post("agent1", f"/api/v1/calls/{pk}/accept").status_code == 200
    center.advance(61)  # phone answers after 1 s: 60 s of talk
    center.ready("agent2")
    body = {"to_agent": center.users["agent2"].pk, "warm": True, "note": "VIP, be nice"}
    assert center.post("agent1", f"/api/v1/calls/{pk}/transfer", body).status_code == 200
    ringing = center.api("agent2").get("/api/v1/desk").json()["ringing"]
    assert [r["note"] for r in ringing] == ["VIP, be nice"]
    assert center.post("agent2", f"/api/v1/calls/{pk}/accept").status_code == 200
    center.advance(2)
    assert center.post("agent1", f"/api/v1/calls/{pk}/transfer/complete").status_code == 200
    desk1 = center.api("agent1").get("/api/v1/desk").json()
    assert desk1["me"]["state"] == "wrap_up" and desk1["call"]["id"] == pk  # wraps up the call handed over
    center.advance(10)
    wrap = {"disposition": "Escalated", "notes": "to agent2", "next_state": "available"}
    assert center.post("agent1", f"/api/v1/calls/{pk}/wrap-up", wrap).status_code == 200
    desk2 = center.api("agent2").get("/api/v1/desk").json()
    assert desk2["call"]["note"] == "VIP, be nice" and desk2["call"]["mine"] is True
    today = center.api("agent1").get("/api/v1/desk").json()["today"]
    assert today["calls"] == 1
    # agent1's leg: answered at +1 s, ended at the transfer (+63 s); the call is agent2's now,
    # so its wrap-up time is not agent1's handle time.
    assert today["aht_s"] == pytest.approx(62, abs=1)
    # Occupancy = handle / (handle + available): reserved+on call+wrap-up vs the seconds available.
    assert 0.9 < today["occupancy"] <= 1.0
    assert center.api("agent2").get("/api/v1/desk").json()["today"]["calls"] == 1


def test_keys_pressed_on_the_desk_reach_the_call_and_only_their_count_is_logged(center):
    from telephony.models import CallEvent, CallLeg

    sid, pk = center.talking("agent1", 2)
    bad = center.post("agent1", f"/api/v1/calls/{pk}/digits", {"digits": "12a"})
    assert bad.status_code == 400 and "phone keys" in bad.json()["error"]["message"]
    assert center.post("agent2", f"/api/v1/calls/{pk}/digits", {"digits": "1"}).status_code == 403
    assert center.post("agent1", f"/api/v1/calls/{pk}/digits", {"digits": "4111#"}).status_code == 200
    center.run()
    with center.in_tenant():
        leg_sid = CallLeg.objects.get(call_id=pk, role="agent").sid
        events = list(CallEvent.objects.filter(call_id=pk, kind="dtmf").values_list("detail", flat=True))
    assert events == [{"keys": 5}]  # the keys themselves may be a card number: never stored
    assert (leg_sid, "sent DTMF (5 keys)") in [(s, what) for _, s, what in center.carrier.log]
