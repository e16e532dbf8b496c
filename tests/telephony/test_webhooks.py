"""TEL-2/TEL-3/REL-1/REL-3 at the carrier edge: signatures checked per tenant, the number
and the domain must agree, every callback replayed changes nothing, bad input changes nothing."""

from urllib.parse import urlencode

import pytest

from telephony.signatures import sandbox_auth_token, signature_for


def _post(center, path, params, token=None, host=None, signature=None):
    from django.test import Client

    host = host or f"{center.host}:8000"
    url = f"http://{host}{path}"
    sig = signature if signature is not None else signature_for(token or sandbox_auth_token(center.tenant), url,
                                                                params)
    return Client().post(path, urlencode(params), content_type="application/x-www-form-urlencoded", HTTP_HOST=host,
                         HTTP_X_TWILIO_SIGNATURE=sig)


def _calls(center):
    from telephony.models import Call

    with center.in_tenant():
        return Call.objects.count()


def _incoming(center, sid="CAtest0001"):
    return {"CallSid": sid, "From": "+15551112222", "To": center.number, "CallStatus": "ringing",
            "AccountSid": "ACx", "Direction": "inbound"}


def test_unsigned_or_wrongly_signed_webhooks_are_refused_and_write_nothing(center):
    params = _incoming(center)
    assert _post(center, "/telephony/voice/incoming", params, signature="").status_code == 403
    assert _post(center, "/telephony/voice/incoming", params, signature="AAAA").status_code == 403
    assert _post(center, "/telephony/voice/incoming", params, token="not-the-token").status_code == 403
    assert _calls(center) == 0
    ok = _post(center, "/telephony/voice/incoming", params)
    assert ok.status_code == 200 and b"<Response>" in ok.content and _calls(center) == 1


def test_another_tenants_token_or_domain_cannot_reach_this_tenants_number(center):
    cast = pytest.hostline_cast
    params = _incoming(center)
    b_token = sandbox_auth_token(cast.b.tenant)
    # B's token on A's domain: signature fails.
    assert _post(center, "/telephony/voice/incoming", params, token=b_token).status_code == 403
    # A's number on B's domain, signed correctly for B: the number is not B's.
    resp = _post(center, "/telephony/voice/incoming", params, token=b_token, host="bravo.localhost:8000")
    assert resp.status_code == 404 and b"not served" in resp.content
    assert _calls(center) == 0


def test_malformed_webhooks_get_a_clear_4xx_and_change_nothing(center):
    assert _post(center, "/telephony/voice/incoming", {"From": "+15550000000"}).status_code == 400
    sid = center.dial()
    pk = center.call(sid).pk
    missing = _post(center, f"/telephony/voice/voicemail?call={pk}", {"CallSid": sid})
    assert missing.status_code == 400 and b"RecordingDuration" in missing.content
    path = f"/telephony/voice/voicemail?call={pk}"
    resp = _post(center, path, {"CallSid": sid, "RecordingSid": "RE1", "RecordingDuration": "soon"})
    assert resp.status_code == 400 and b"RecordingDuration" in resp.content
    assert center.call(sid).outcome == ""
    from telephony.models import BacklogItem

    with center.in_tenant():
        assert not BacklogItem.objects.exists()


def test_replaying_every_webhook_of_a_whole_call_changes_nothing(center):
    from telephony.models import AgentStateChange, Call, CallEvent, CallLeg, Offer, Recording

    sid, pk = center.talking("agent1", 20)
    center.carrier.hangup(sid)
    center.run()
    center.post("agent1", f"/api/v1/calls/{pk}/wrap-up", {"disposition": "done"})
    history = list(center.carrier.transport.history)
    assert len(history) >= 6

    def snapshot():
        with center.in_tenant():
            call = Call.objects.values().get(pk=pk)
            return (call, CallEvent.objects.count(), CallLeg.objects.count(), Offer.objects.count(),
                    Recording.objects.count(), AgentStateChange.objects.count())

    before = snapshot()
    for url, params, token, reply in history:
        again = center.carrier.transport.post(url, params, token)
        assert again.status == reply.status, url
        if "/voice/wait" not in url:  # hold music announces the live position: a read, not a change
            assert again.body == reply.body, url
    assert snapshot() == before


def test_the_carrier_lets_an_account_touch_only_its_own_calls(center):
    """Like Twilio's subaccounts: a command naming another account's call is refused."""
    sid = center.dial()
    stranger = "ACsandboxt_someone_else"
    center.carrier.rest_call_hangup(account=stranger, call_sid=sid)
    center.carrier.rest_recording_delete(account=stranger, recording_sid="REnone")
    center.carrier.rest_participant_add(account=stranger, conference=f"call-{sid}", target="client:x",
                                        caller_id="+15550000000", status_url="http://x.invalid/", label="x",
                                        muted=True, coach_sid=None, start_conference=False)
    center.run()
    assert center.carrier.calls[sid].status == "in-progress"
    assert center.call(sid).status == "queued"
    assert any("no call" in r for r in center.carrier.refusals)
    assert any("no conference" in r for r in center.carrier.refusals)
    assert not any(c.to == "client:x" for c in center.carrier.calls.values())
