"""The sandbox carrier as a process (`manage.py sandbox_carrier`, started by `make run`).

Loopback HTTP, JSON:
  POST /commands                 the app's SandboxProvider: {"command", "account", "token", "args"}
  POST /calls                    a person dials in: {"from": "+1555…", "to": "+1800…"} → {"sid"}
  POST /calls/<sid>/digits       press keys at the prompt: {"digits": "1"}
  POST /calls/<sid>/message      leave a voicemail of N seconds: {"seconds": 12}
  POST /calls/<sid>/answer       answer a ringing leg by hand (agents' phones answer by themselves)
  POST /calls/<sid>/hangup       hang up
  GET  /calls                    live calls;  GET /healthz
Every state change runs on the scheduler's single thread; HTTP threads only enqueue.
"""

from __future__ import annotations

import json
import logging
import re
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from telephony.sandbox.carrier import SandboxCarrier

logger = logging.getLogger(__name__)
COMMANDS = {"number_configure", "rest_participant_add", "rest_participant_update", "rest_call_redirect",
            "rest_call_hangup", "rest_call_dial", "rest_recording_start", "rest_recording_set_paused",
            "rest_recording_delete", "rest_send_digits"}
CALL_ACTION = re.compile(r"^/calls/(CA[0-9a-f]{32})/(digits|message|answer|hangup)$")


def make_handler(carrier: SandboxCarrier):
    sched = carrier.scheduler

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            try:
                data = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                data = None
            return data if isinstance(data, dict) else {}

        def log_message(self, fmt, *args):  # quiet: the app logs what matters
            logger.debug(fmt, *args)

        def do_GET(self):
            if self.path == "/healthz":
                return self._reply(200, {"ok": True})
            if self.path == "/calls":
                return self._reply(200, [{"sid": c.sid, "from": c.from_, "to": c.to, "status": c.status,
                                          "conference": c.conference, "waiting_input": carrier.waiting_input(c.sid)}
                                         for c in list(carrier.calls.values()) if c.status in ("ringing",
                                                                                                "in-progress")])
            return self._reply(404, {"error": "not found"})

        def do_POST(self):
            body = self._body()
            if self.path == "/commands":
                command, args = body.get("command"), body.get("args")
                if command not in COMMANDS or not isinstance(args, dict):
                    return self._reply(400, {"error": f"unknown command {command!r}"})
                account, token = str(body.get("account", "")), str(body.get("token", ""))
                args = {**args, "account": account} if command != "number_configure" else args
                sched.call_later(0, lambda: carrier.account(account, token))
                if command == "number_configure":
                    sched.call_later(0, lambda: carrier.number_configure(**args))
                    return self._reply(200, None)
                try:
                    return self._reply(200, getattr(carrier, command)(**args))
                except TypeError as exc:
                    return self._reply(400, {"error": str(exc)})
            if self.path == "/calls":
                frm, to = str(body.get("from", "")), str(body.get("to", ""))
                if not frm or not to:
                    return self._reply(400, {"error": "give 'from' and 'to'"})
                holder: dict = {}
                sched.call_later(0, lambda: holder.setdefault("sid", carrier.place_call(from_=frm, to=to)))
                return self._reply(202, {"queued": True})
            match = CALL_ACTION.match(self.path)
            if match:
                sid, action = match.groups()
                act = {"digits": lambda: carrier.press(sid, str(body.get("digits", ""))),
                       "message": lambda: carrier.leave_message(sid, int(body.get("seconds", 10))),
                       "answer": lambda: carrier.answer(sid), "hangup": lambda: carrier.hangup(sid)}[action]
                sched.call_later(0, act)
                return self._reply(202, {"queued": True})
            return self._reply(404, {"error": "not found"})

    return Handler


def serve(carrier: SandboxCarrier, host: str, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(carrier))
    server.daemon_threads = True
    return server
