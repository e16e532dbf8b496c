"""Admin configuration through the API (queues, numbers, lists), SIP addressing, hours,
and the Twilio adapter checked at Twilio's HTTP boundary."""

import jwt
import pytest
from django.db import connection
from django_tenants.utils import tenant_context


@pytest.mark.django_db
def test_admin_creates_a_skilled_queue_and_changes_take_effect(cast):
    api = cast.a.api(cast.a.token("admin"))
    skill = api.post("/api/v1/skills", {"name": "french"}, content_type="application/json").json()
    agent_id = cast.a.users["agent"].pk
    made = api.post("/api/v1/queues", {"name": "French", "strategy": "skills", "priority": 30,
                                       "skills": [{"skill": skill["id"], "min_proficiency": 3}],
                                       "members": [agent_id], "max_wait_s": 300, "max_wait_action": "callback"},
                    content_type="application/json")
    assert made.status_code == 201, made.content
    q = made.json()
    assert q["skills"] == [{"skill": skill["id"], "min_proficiency": 3}] and q["members"] == [agent_id]
    patched = api.patch(f"/api/v1/queues/{q['id']}", {"strategy": "round_robin", "skills": []},
                        content_type="application/json")
    assert patched.status_code == 200 and patched.json()["strategy"] == "round_robin"
    assert patched.json()["skills"] == []
    bad = api.post("/api/v1/queues", {"name": "X", "strategy": "coin_flip"}, content_type="application/json")
    assert bad.status_code == 400 and "strategy" in bad.json()["error"]["fields"]
    dup = api.post("/api/v1/queues", {"name": "French"}, content_type="application/json")
    assert dup.status_code == 400 and "name" in dup.json()["error"]["fields"]
    sup = cast.a.api(cast.a.token("supervisor"))
    assert sup.get("/api/v1/queues").status_code == 200
    assert sup.post("/api/v1/queues", {"name": "Y"}, content_type="application/json").status_code == 403


@pytest.mark.django_db
def test_a_number_belongs_to_one_tenant_platform_wide(cast):
    a = cast.a.api(cast.a.token("admin"))
    b = cast.b.api(cast.b.token("admin"))
    assert a.post("/api/v1/numbers", {"e164": "+14155550123"}, content_type="application/json").status_code == 201
    taken = b.post("/api/v1/numbers", {"e164": "+14155550123"}, content_type="application/json")
    assert taken.status_code == 409 and "already belongs" in taken.json()["error"]["message"]
    bad = a.post("/api/v1/numbers", {"e164": "0415 555"}, content_type="application/json")
    assert bad.status_code == 400 and "E.164" in bad.json()["error"]["message"]
    from tenants.models import NumberRoute

    assert NumberRoute.objects.filter(e164="+14155550123", tenant=cast.a.tenant).count() == 1
    assert not NumberRoute.objects.filter(e164="0415 555").exists()


@pytest.mark.django_db
def test_caller_lists_follow_the_plan(cast):
    api = cast.a.api(cast.a.token("admin"))  # alpha is on Standard: no black/white lists
    refused = api.post("/api/v1/caller-lists", {"number": "+15550001111", "kind": "block"},
                       content_type="application/json")
    assert refused.status_code == 403 and "not part of your plan" in refused.json()["error"]["message"]
    from tenants.services import tenant_set_feature

    tenant_set_feature(tenant=cast.a.tenant, feature="blacklist", enabled=True)
    connection.set_schema_to_public()
    ok = api.post("/api/v1/caller-lists", {"number": "+15550001111", "kind": "block"},
                  content_type="application/json")
    assert ok.status_code == 201


def test_a_sip_call_to_the_tenants_sip_domain_reaches_the_same_number(center):
    sid = center.carrier.place_call(from_="sip:alice@pbx.example.com",
                                    to=f"sip:{center.number}@{center.tenant.slug}.sip.twilio.com")
    center.run()
    call = center.call(sid)
    assert call.status == "queued" and call.number.e164 == center.number


def test_holiday_sends_callers_of_an_hours_queue_to_the_after_hours_message(center):
    from telephony.models import Holiday, Queue

    with center.in_tenant():
        Queue.objects.filter(name="General").update(use_hours=True, after_hours_action="message",
                                                    after_hours_message="Closed for the holiday.")
        Holiday.objects.create(date=center.scheduler.now().date(), name="Founders' day")
    sid = center.dial()
    call = center.call(sid)
    assert call.outcome == "after_hours" and call.status != "queued"
    assert center.carrier.calls[sid].status == "completed"


class TwilioWire:
    """Plays api.twilio.com for twilio-python: records each request, answers like Twilio."""

    def __init__(self):
        self.requests = []

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        import json

        from twilio.http.response import Response

        self.requests.append((method, uri, dict(data or {})))
        body = {"sid": "CA" + "1" * 32, "call_sid": "CA" + "2" * 32, "account_sid": "AC42", "status": "queued"}
        if method == "DELETE":
            return Response(204, "")
        return Response(201 if method == "POST" and uri.endswith("Participants.json") else 200, json.dumps(body))


def test_twilio_adapter_speaks_twilios_rest_api():
    from telephony.providers import Participant
    from telephony.providers.twilio import TwilioProvider

    wire = TwilioWire()
    tw = TwilioProvider(account_sid="AC42", auth_token="a-32-byte-long-test-auth-token-xx", http_client=wire)
    sid = tw.participant_add(Participant(conference="call-CAx", target="client:agent-7", caller_id="+18005550100",
                                         status_url="https://acme.example/telephony/voice/leg?leg=9",
                                         label="supervisor-9", muted=False, coach_sid="CA" + "3" * 32))
    assert sid == "CA" + "2" * 32
    method, uri, data = wire.requests[-1]
    assert (method, uri) == ("POST", "https://api.twilio.com/2010-04-01/Accounts/AC42/Conferences/call-CAx/"
                                     "Participants.json")
    assert data["To"] == "client:agent-7" and data["From"] == "+18005550100"
    assert data["Coaching"] == "true" and data["CallSidToCoach"] == "CA" + "3" * 32
    assert data["StatusCallback"].endswith("leg?leg=9") and data["Label"] == "supervisor-9"
    tw.participant_update(conference="CF1", leg_sid="CA9", hold=True)
    assert wire.requests[-1][1].endswith("/Conferences/CF1/Participants/CA9.json")
    assert wire.requests[-1][2] == {"Hold": "true"}
    tw.call_redirect(call_sid="CA5", url="https://acme.example/telephony/voice/redirect?call=1&action=voicemail")
    assert wire.requests[-1][1].endswith("/Calls/CA5.json") and wire.requests[-1][2]["Url"].endswith("voicemail")
    tw.call_hangup(call_sid="CA5")
    assert wire.requests[-1][2] == {"Status": "completed"}
    token = tw.access_token(identity="agent-7")
    claims = jwt.decode(token, "a-32-byte-long-test-auth-token-xx", algorithms=["HS256"], options={"verify_aud": False})
    assert claims["grants"]["identity"] == "agent-7" and claims["grants"]["voice"]["incoming"]["allow"] is True


@pytest.mark.django_db
def test_a_tenant_on_twilio_gets_the_twilio_adapter(cast):
    from telephony.providers import provider_for_current_tenant
    from tenants.services import tenant_set_credentials

    tenant_set_credentials(tenant=cast.a.tenant, provider="twilio", account_sid="AC99", secret="s3cret",
                           actor=cast.a.users["admin"])
    with tenant_context(cast.a.tenant):
        provider = provider_for_current_tenant()
        assert (provider.name, provider.account_sid) == ("twilio", "AC99")
    with tenant_context(cast.b.tenant):
        assert provider_for_current_tenant().name == "sandbox"
    connection.set_schema_to_public()


def test_an_agent_on_a_sip_phone_is_rung_at_their_sip_address(center):
    agent = center.users["agent1"]
    admin = center.api("admin")
    bad = admin.put(f"/api/v1/agents/{agent.pk}/phone", {"sip_uri": "alice at pbx"}, content_type="application/json")
    assert bad.status_code == 400 and "sip:" in bad.json()["error"]["message"]
    ok = admin.put(f"/api/v1/agents/{agent.pk}/phone", {"sip_uri": "sip:alice@pbx.example.com"},
                   content_type="application/json")
    assert ok.status_code == 200
    assert center.api("agent2").put(f"/api/v1/agents/{agent.pk}/phone", {"sip_uri": ""},
                                    content_type="application/json").status_code == 403
    sid = center.dial()
    center.ready("agent1")
    center.post("agent1", f"/api/v1/calls/{center.call(sid).pk}/accept")
    center.advance(2)
    assert center.call(sid).status == "connected"
    assert any(c.to == "sip:alice@pbx.example.com" and c.status == "in-progress"
               for c in center.carrier.calls.values())
