"""How the sandbox carrier reaches the app: signed form POSTs, exactly as Twilio sends them.

`ClientTransport` goes through Django's full request stack in-process (middleware, tenant
resolution, signature check, view); `HttpTransport` posts to a running server. The
simulated agents' REST calls take the same two roads (`ClientApi`, `HttpApi`)."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
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


CONNECTION_RETRIES = 3  # like Twilio's connection retry (#rc): a dropped connection is tried again


def _send(target: str, *, method: str, data: bytes | None, headers: dict[str, str]) -> tuple[int, str, int]:
    """One HTTP request to the app; (status, body, retries). A connection refused or dropped
    (a web process restarting) is retried on a new connection; the app's handlers are
    idempotent, so a request that did land before the drop is not applied twice. Status 0:
    never answered."""
    for attempt in range(CONNECTION_RETRIES + 1):
        req = urllib.request.Request(target, data=data, method=method, headers=headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - the app's own URL
                return resp.status, resp.read().decode(), attempt
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), attempt
        except (urllib.error.URLError, ConnectionError, http.client.HTTPException, TimeoutError):
            time.sleep(0.2 * (attempt + 1))
    return 0, "", CONNECTION_RETRIES


class HttpTransport:
    """Real HTTP to the app (the carrier process). Connects to `connect_to` and sends the
    URL's host in the Host header, so `*.localhost` tenants work without DNS."""

    def __init__(self, connect_to: str | None = None, timings: Timings | None = None):
        self.connect_to = connect_to
        self.timings = timings or Timings()
        self.retries = 0

    def post(self, url: str, params: dict[str, str], token: str) -> Reply:
        parts = urlsplit(url)
        target = url if not self.connect_to else f"{self.connect_to}{parts.path}" + (
            f"?{parts.query}" if parts.query else "")
        t0 = time.perf_counter()
        status, body, retries = _send(target, method="POST", data=urlencode(params).encode(), headers={
            "Host": parts.netloc, "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature_for(token, url, params)})
        self.timings.webhook_ms.append((time.perf_counter() - t0) * 1000)
        self.retries += retries
        return Reply(status, body)


class ClientApi:
    """The simulated agents' REST calls, in-process through Django's full request stack."""

    def __init__(self) -> None:
        from django.test import Client

        self.client = Client()

    def request(self, method: str, host: str, path: str, token: str, body: dict | None = None) -> int:
        resp = getattr(self.client, method)(path, body or {}, content_type="application/json", HTTP_HOST=host,
                                            HTTP_AUTHORIZATION=f"Bearer {token}")
        return resp.status_code


class HttpApi:
    """The simulated agents' REST calls over real HTTP to running web processes."""

    def __init__(self, connect_to: str) -> None:
        self.connect_to = connect_to
        self.retries = 0

    def request(self, method: str, host: str, path: str, token: str, body: dict | None = None) -> int:
        status, _, retries = _send(f"{self.connect_to}{path}", method=method.upper(),
                                   data=json.dumps(body or {}).encode(), headers={
                                       "Host": host, "Content-Type": "application/json",
                                       "Authorization": f"Bearer {token}"})
        self.retries += retries
        return status
