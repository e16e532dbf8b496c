"""The real processes of `make run`: a daphne web server and the sandbox carrier speaking
HTTP to each other — signed webhooks one way, REST commands the other — on real time."""

from tests.conftest import http_json, wait_for
from tests.telephony.conftest import build_center


def test_a_call_placed_at_the_carrier_is_answered_held_and_ended_through_the_api(telephony_site, django_db_blocker):
    carrier, web_port, carrier_port = telephony_site
    with django_db_blocker.unblock():
        center = build_center(django_db_blocker)
        token = center.api("agent1") and center.tokens["agent1"]
        sup = center.api("supervisor") and center.tokens["supervisor"]
    host = f"{center.host}:{web_port}"
    api = f"http://127.0.0.1:{web_port}/api/v1"
    carrier_url = f"http://127.0.0.1:{carrier_port}"

    assert http_json("POST", f"{carrier_url}/calls", {"from": "+15557654321", "to": center.number})[0] == 202
    call = wait_for("the call to queue", lambda: next(iter(http_json("GET", f"{api}/calls?active=1", host=host,
                                                               token=sup)[1]["results"]), None))
    assert call["status"] == "queued" and call["ani"] == "+15557654321"
    assert http_json("PUT", f"{api}/agents/me/state", {"state": "available"}, host=host, token=token)[0] == 200
    wait_for("the offer", lambda: http_json("GET", f"{api}/calls/{call['id']}", host=host, token=sup)[1]["status"]
          == "offered")
    status, body = http_json("POST", f"{api}/calls/{call['id']}/accept", {}, host=host, token=token)
    assert status == 200, body
    wait_for("the agent's phone to join", lambda: http_json("GET", f"{api}/calls/{call['id']}", host=host,
                                                     token=sup)[1]["status"] == "connected")
    assert http_json("POST", f"{api}/calls/{call['id']}/hold", {"hold": True}, host=host, token=token)[0] == 200
    leg = wait_for("the hold at the carrier", lambda: next((c for c in carrier.calls.values()
                                                         if c.from_ == "+15557654321" and c.on_hold), None))
    assert http_json("POST", f"{carrier_url}/calls/{leg.sid}/hangup", {})[0] == 202
    ended = wait_for("the end", lambda: (lambda c: c if c["status"] == "ended" else None)(
        http_json("GET", f"{api}/calls/{call['id']}", host=host, token=sup)[1]))
    assert ended["outcome"] == "answered" and ended["hold_s"] > 0
    assert carrier.errors == []
