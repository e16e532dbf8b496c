"""How the sandbox carrier reaches the app: signed form POSTs, exactly as Twilio sends them.

`ClientTransport` goes through Django's full request stack in-process (middleware, tenant
resolution, signature check, view); `HttpTransport` posts to a running server."""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from telephony.signatures import signature_for


@dataclass
class Reply:
    status: int
    body: str


@dataclass
class Timings:
    webhook_ms: list[float] = field(default_factory=list)


class ClientTransport:
    def __init__(self, timings: Timings | None = None, keep_history: bool = False):
        from django.test import Client

        self.client = Client()
        self.timings = timings or Timings()
        # (url, params, token, reply): lets tests replay exactly what the carrier sent.
        self.history: list[tuple[str, dict[str, str], str, Reply]] | None = [] if keep_history else None

    def post(self, url: str, params: dict[str, str], token: str) -> Reply:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        sig = signature_for(token, url, params)
        t0 = time.perf_counter()
        resp = self.client.post(path, urlencode(params), content_type="application/x-www-form-urlencoded",
                                HTTP_HOST=parts.netloc, HTTP_X_TWILIO_SIGNATURE=sig,
                                **({"wsgi.url_scheme": "https", "SERVER_PORT": "443"} if parts.scheme == "https"
                                   else {}))
        self.timings.webhook_ms.append((time.perf_counter() - t0) * 1000)
        reply = Reply(resp.status_code, resp.content.decode())
        if self.history is not None:
            self.history.append((url, dict(params), token, reply))
        return reply


class HttpTransport:
    """Real HTTP to the app (the carrier process). Connects to `connect_to` and sends the
    URL's host in the Host header, so `*.localhost` tenants work without DNS."""

    def __init__(self, connect_to: str | None = None, timings: Timings | None = None):
        self.connect_to = connect_to
        self.timings = timings or Timings()

    def post(self, url: str, params: dict[str, str], token: str) -> Reply:
        parts = urlsplit(url)
        target = url if not self.connect_to else f"{self.connect_to}{parts.path}" + (
            f"?{parts.query}" if parts.query else "")
        req = urllib.request.Request(target, data=urlencode(params).encode(), method="POST", headers={  # noqa: S310
            "Host": parts.netloc, "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature_for(token, url, params)})
        t0 = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - the app's own URL
                body, status = resp.read().decode(), resp.status
        except urllib.error.HTTPError as exc:
            body, status = exc.read().decode(errors="replace"), exc.code
        self.timings.webhook_ms.append((time.perf_counter() - t0) * 1000)
        return Reply(status, body)
