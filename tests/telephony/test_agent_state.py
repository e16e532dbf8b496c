"""TEL-10 agent state machine: legal and illegal transitions, the persisted log, supervisor
force (audited), events after commit, and cross-tenant probes on every agent route."""

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from accounts.models import User
from config.errors import ServiceError
from telephony.agent_state import Source
from telephony.models import AgentStateChange


def _put(api, state, reason=""):
    return api.put("/api/v1/agents/me/state", {"state": state, "reason": reason}, content_type="application/json")


def _system(cast, to_state, reason=""):
    from telephony.services import agent_set_state

    with tenant_context(cast.a.tenant):
        agent_set_state(user=User.objects.get(pk=cast.a.users["agent"].pk), to_state=to_state, reason=reason,
                        source=Source.SYSTEM)
    connection.set_schema_to_public()


@pytest.mark.django_db
def test_agent_goes_ready_takes_a_break_and_logs_off_with_every_step_logged(cast):
    api = cast.a.api(cast.a.token("agent"))
    assert api.get("/api/v1/agents/me/state").json()["state"] == "offline"
    assert _put(api, "available").json()["state"] == "available"
    brk = _put(api, "not_ready", "lunch").json()
    assert (brk["state"], brk["reason"]) == ("not_ready", "lunch")
    assert _put(api, "offline").json()["state"] == "offline"
    log = api.get(f"/api/v1/agents/{cast.a.users['agent'].pk}/state-log").json()
    assert [(e["from_state"], e["to_state"], e["reason"]) for e in reversed(log)] == [
        ("offline", "available", ""), ("available", "not_ready", "lunch"), ("not_ready", "offline", "")]
    assert all(e["source"] == "agent" and e["at"] for e in log)


@pytest.mark.django_db
def test_repeating_the_current_state_is_a_no_op(cast):
    api = cast.a.api(cast.a.token("agent"))
    _put(api, "available")
    _put(api, "available")
    with tenant_context(cast.a.tenant):
        assert AgentStateChange.objects.count() == 1
    connection.set_schema_to_public()


@pytest.mark.django_db
@pytest.mark.parametrize(("reason", "status"), [("", 400), ("nap", 400), ("missed", 400), ("break", 200)])
def test_not_ready_needs_a_reason_the_agent_may_choose(cast, reason, status):
    resp = _put(cast.a.api(cast.a.token("agent")), "not_ready", reason)
    assert resp.status_code == status
    if status == 400:
        assert "break, lunch, training" in resp.json()["error"]["message"]


@pytest.mark.django_db
def test_call_states_are_reached_only_through_the_system(cast):
    api = cast.a.api(cast.a.token("agent"))
    refused = _put(api, "on_call")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "illegal_transition"
    _put(api, "available")
    _system(cast, "reserved")
    during_offer = _put(api, "not_ready", "break")
    assert during_offer.status_code == 409
    assert "answer or decline the ringing offer first" in during_offer.json()["error"]["message"]
    _system(cast, "on_call")
    during_call = _put(api, "available")
    assert during_call.status_code == 409 and "finish the call first" in during_call.json()["error"]["message"]
    _system(cast, "wrap_up")
    assert _put(api, "available").json()["state"] == "available"  # ends wrap-up early
    with tenant_context(cast.a.tenant):
        from telephony.services import agent_set_state

        with pytest.raises(ServiceError, match="cannot switch"):
            agent_set_state(user=User.objects.get(pk=cast.a.users["agent"].pk), to_state="on_call",
                            source=Source.SYSTEM)
    connection.set_schema_to_public()


@pytest.mark.django_db
def test_missed_offer_counts_and_sets_not_ready_missed(cast):
    api = cast.a.api(cast.a.token("agent"))
    _put(api, "available")
    _system(cast, "reserved")
    _system(cast, "not_ready", "missed")
    me = api.get("/api/v1/agents/me/state").json()
    assert (me["state"], me["reason"], me["missed_offers"]) == ("not_ready", "missed", 1)


@pytest.mark.django_db
def test_supervisor_forces_state_and_it_is_audited(cast):
    sup = cast.a.api(cast.a.token("supervisor"))
    agent_id = cast.a.users["agent"].pk
    resp = sup.post(f"/api/v1/agents/{agent_id}/state", {"state": "not_ready"}, content_type="application/json")
    assert resp.status_code == 200 and (resp.json()["state"], resp.json()["reason"]) == ("not_ready", "supervisor")
    listing = {a["email"]: a for a in sup.get("/api/v1/agents").json()}
    assert listing["agent@alpha.test"]["state"] == "not_ready"
    assert listing["agent@alpha.test"]["seconds_in_state"] >= 0
    audit = cast.a.api(cast.a.token("admin")).get("/api/v1/audit?action=agent.force_state").json()["results"]
    assert audit[0]["actor_email"] == "supervisor@alpha.test"
    log = sup.get(f"/api/v1/agents/{agent_id}/state-log").json()
    assert log[0]["source"] == "supervisor" and log[0]["actor_email"] == "supervisor@alpha.test"


@pytest.mark.django_db
def test_agents_cannot_force_others_or_read_their_log(cast):
    agent = cast.a.api(cast.a.token("agent"))
    sup_id = cast.a.users["supervisor"].pk
    assert agent.get("/api/v1/agents").status_code == 403
    assert agent.post(f"/api/v1/agents/{cast.a.users['agent'].pk}/state", {"state": "available"},
                      content_type="application/json").status_code == 403
    assert agent.get(f"/api/v1/agents/{sup_id}/state-log").status_code == 403
    # A supervisor without the agent role has no state of their own.
    assert cast.a.api(cast.a.token("supervisor")).get("/api/v1/agents/me/state").status_code == 403


@pytest.mark.django_db
def test_agent_routes_never_cross_tenants(cast):
    a_agent = cast.a.users["agent"].pk
    b_sup = cast.b.api(cast.b.token("admin"))
    # B's admin aims at A's agent id: 404 (B has no agent with that id) or B's own data, never A's.
    forced = b_sup.post(f"/api/v1/agents/{a_agent}/state", {"state": "available"}, content_type="application/json")
    assert b"alpha" not in forced.content
    log = b_sup.get(f"/api/v1/agents/{a_agent}/state-log")
    assert b"alpha" not in log.content
    assert all("alpha" not in a["email"] for a in b_sup.get("/api/v1/agents").json())
    with tenant_context(cast.a.tenant):
        assert not AgentStateChange.objects.exists()
    connection.set_schema_to_public()
    a_token = cast.a.token("agent")
    for path in ("/api/v1/agents/me/state", "/api/v1/agents", f"/api/v1/agents/{a_agent}/state-log"):
        assert cast.b.api(a_token).get(path).status_code == 401


def test_state_change_reaches_the_agent_and_supervisor_sockets(django_db_setup, django_db_blocker):
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from config.asgi import application
    from tests.conftest import run_async

    cast = pytest.hostline_cast

    def ws(who):
        headers = [(b"host", cast.a.host.encode()), (b"origin", f"http://{cast.a.host}".encode()),
                   (b"cookie", f"sessionid={cast.a.session_keys[who]}".encode())]
        return WebsocketCommunicator(application, "/ws/v1/events", headers=headers)

    def go_available():
        from telephony.services import agent_set_state

        with tenant_context(cast.a.tenant):
            agent_set_state(user=User.objects.get(pk=cast.a.users["agent"].pk), to_state="available")
        connection.set_schema_to_public()

    async def run():
        agent_ws, sup_ws = ws("agent"), ws("supervisor")
        assert (await agent_ws.connect())[0] and (await sup_ws.connect())[0]
        await agent_ws.receive_json_from(timeout=5)
        await sup_ws.receive_json_from(timeout=5)
        await database_sync_to_async(go_available)()
        for sock in (agent_ws, sup_ws):
            event = await sock.receive_json_from(timeout=10)
            assert (event["v"], event["type"], event["state"], event["agent"]) == (
                1, "agent.state", "available", cast.a.users["agent"].pk)
            await sock.disconnect()

    with django_db_blocker.unblock():
        try:
            run_async(run)
        finally:
            with tenant_context(cast.a.tenant):
                from telephony.models import AgentProfile

                AgentProfile.objects.all().delete()
            connection.set_schema_to_public()
