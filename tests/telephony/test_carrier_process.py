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


def test_simulated_traffic_runs_over_http_on_real_time(telephony_site, django_db_blocker):
    """The simulator's wall-clock mode (bench/scale.py spreads it over several web processes):
    callers through the carrier process's webhooks, bots through the REST API over HTTP."""
    from django_tenants.utils import tenant_context

    from telephony.models import ACTIVE_STATUSES, AgentProfile, Call
    from telephony.sandbox.simulation import Simulation, run_realtime
    from telephony.sandbox.transport import HttpApi

    carrier, web_port, _ = telephony_site
    with django_db_blocker.unblock():
        center = build_center(django_db_blocker)
        hooks_before = len(carrier.transport.timings.webhook_ms)
        sim = Simulation(tenant=center.tenant, calls=4, agents=3, pace=60, seed=3,
                         api=HttpApi(f"http://127.0.0.1:{web_port}"))
        result = run_realtime([sim], carrier=carrier, drain_limit_s=120)
        with tenant_context(center.tenant):
            calls = list(Call.objects.filter(sim_run=sim.run_id).values_list("status", "outcome"))
            bots = set(AgentProfile.objects.filter(user__is_bot=True).values_list("state", flat=True))
    row = result["tenants"][0]
    assert result["calls"] == 4 and row["offered"] == 4 and len(calls) == 4
    assert result["answered"] >= 1 and row["answered"] + row["abandoned"] == 4
    assert not [c for c in calls if c[0] in ACTIVE_STATUSES] and bots == {"offline"}
    assert result["lost_calls"] == 0 and result["double_offers"] == 0
    assert result["webhook_errors"] == 0 and result["api_errors"] == 0 and carrier.errors == []
    assert len(carrier.transport.timings.webhook_ms) - hooks_before >= 4 * 3  # incoming, status, conference…


def test_the_carrier_retries_a_webhook_whose_connection_dropped():
    """A web process killed mid-request drops the connection: the carrier tries again (as
    Twilio does), and the next process answers."""
    import socket
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from telephony.sandbox.transport import HttpTransport

    seen = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(self.headers["Host"])
            if len(seen) == 1:  # the first request dies with its process: no answer at all
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            self.send_response(200)
            self.send_header("Content-Length", "9")
            self.end_headers()
            self.wfile.write(b"<Answer/>")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        transport = HttpTransport(connect_to=f"http://127.0.0.1:{server.server_address[1]}")
        reply = transport.post("http://t1.localhost:8000/telephony/voice/status", {"CallSid": "CA1"}, "tok")
    finally:
        server.shutdown()
    assert reply.status == 200 and reply.body == "<Answer/>"
    assert transport.retries == 1 and seen == ["t1.localhost:8000", "t1.localhost:8000"]
