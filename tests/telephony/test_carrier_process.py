"""The real processes of `make run`: a daphne web server and the sandbox carrier speaking
HTTP to each other — signed webhooks one way, REST commands the other — on real time."""

import json
import socket
import threading
import time
import urllib.request

import pytest

from tests.conftest import _child_env, _spawn, _stop
from tests.telephony.conftest import build_center


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http(method: str, url: str, body=None, host: str | None = None, token: str | None = None):
    headers = {"Content-Type": "application/json"}
    if host:
        headers["Host"] = host
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None, method=method,
                                 headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - loopback
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:  # not listening yet
        return 0, None


def _wait(what: str, fn, timeout: float = 30.0):
    """Wait for an event (not a speed check): poll until `fn` returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def processes(django_db_setup, django_db_blocker, tmp_path_factory):
    from telephony.management.commands.sandbox_carrier import sandbox_number
    from telephony.sandbox.carrier import SandboxCarrier
    from telephony.sandbox.scheduler import RealtimeScheduler
    from telephony.sandbox.server import serve
    from telephony.sandbox.transport import HttpTransport

    web_port, carrier_port = _port(), _port()
    scheduler = RealtimeScheduler()
    carrier = SandboxCarrier(transport=HttpTransport(connect_to=f"http://127.0.0.1:{web_port}"), scheduler=scheduler)
    carrier.number_resolver = sandbox_number
    server = serve(carrier, "127.0.0.1", carrier_port)
    proc = _spawn(["daphne", "-b", "127.0.0.1", "-p", str(web_port), "config.asgi:application"],
                  _child_env(SITE_PORT=str(web_port), SANDBOX_CARRIER_URL=f"http://127.0.0.1:{carrier_port}"),
                  tmp_path_factory.mktemp("web") / "daphne.log")
    with django_db_blocker.unblock():
        threading.Thread(target=server.serve_forever, daemon=True).start()
        def run_carrier():
            from django.db import connections

            try:
                scheduler.run_forever(lambda exc: carrier.errors.append(repr(exc)))
            finally:
                connections.close_all()  # the number lookups' connection would block dropping the test DB

        carrier_thread = threading.Thread(target=run_carrier, daemon=True)
        carrier_thread.start()
        _wait("daphne", lambda: _http("GET", f"http://127.0.0.1:{web_port}/healthz", host="localhost")[0] == 200, 60)
        try:
            yield carrier, web_port, carrier_port
        finally:
            scheduler.stop()
            carrier_thread.join(10)
            server.shutdown()
            _stop(proc)


def test_a_call_placed_at_the_carrier_is_answered_held_and_ended_through_the_api(processes, django_db_blocker):
    carrier, web_port, carrier_port = processes
    with django_db_blocker.unblock():
        center = build_center(django_db_blocker)
        token = center.api("agent1") and center.tokens["agent1"]
        sup = center.api("supervisor") and center.tokens["supervisor"]
    host = f"{center.host}:{web_port}"
    api = f"http://127.0.0.1:{web_port}/api/v1"
    carrier_url = f"http://127.0.0.1:{carrier_port}"

    assert _http("POST", f"{carrier_url}/calls", {"from": "+15557654321", "to": center.number})[0] == 202
    call = _wait("the call to queue", lambda: next(iter(_http("GET", f"{api}/calls?active=1", host=host,
                                                               token=sup)[1]["results"]), None))
    assert call["status"] == "queued" and call["ani"] == "+15557654321"
    assert _http("PUT", f"{api}/agents/me/state", {"state": "available"}, host=host, token=token)[0] == 200
    _wait("the offer", lambda: _http("GET", f"{api}/calls/{call['id']}", host=host, token=sup)[1]["status"]
          == "offered")
    status, body = _http("POST", f"{api}/calls/{call['id']}/accept", {}, host=host, token=token)
    assert status == 200, body
    _wait("the agent's phone to join", lambda: _http("GET", f"{api}/calls/{call['id']}", host=host,
                                                     token=sup)[1]["status"] == "connected")
    assert _http("POST", f"{api}/calls/{call['id']}/hold", {"hold": True}, host=host, token=token)[0] == 200
    leg = _wait("the hold at the carrier", lambda: next((c for c in carrier.calls.values()
                                                         if c.from_ == "+15557654321" and c.on_hold), None))
    assert _http("POST", f"{carrier_url}/calls/{leg.sid}/hangup", {})[0] == 202
    ended = _wait("the end", lambda: (lambda c: c if c["status"] == "ended" else None)(
        _http("GET", f"{api}/calls/{call['id']}", host=host, token=sup)[1]))
    assert ended["outcome"] == "answered" and ended["hold_s"] > 0
    assert carrier.errors == []
