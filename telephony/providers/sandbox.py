"""The sandbox carrier behind the provider interface: same calls the Twilio adapter makes."""

from __future__ import annotations

import json
import urllib.request

from django.conf import settings

from telephony.providers.base import Participant, Provider, ProviderError


def sandbox_account_sid(schema: str) -> str:
    return "ACsandbox" + schema


class SandboxProvider(Provider):
    name = "sandbox"
    sends_digits = True

    def __init__(self, *, tenant_schema: str):
        from telephony.signatures import sandbox_auth_token
        from tenants.models import Tenant

        self.account = sandbox_account_sid(tenant_schema)
        self.token = sandbox_auth_token(Tenant(schema_name=tenant_schema))

    def _send(self, command: str, **kwargs):
        from telephony.sandbox import installed_carrier
        from telephony.sandbox.carrier import CarrierError

        carrier = installed_carrier()
        if carrier is not None:
            carrier.account(self.account, self.token)
            try:
                return getattr(carrier, command)(**kwargs)
            except CarrierError as exc:
                raise ProviderError(str(exc)) from exc
        body = json.dumps({"command": command, "account": self.account, "token": self.token, "args": kwargs})
        req = urllib.request.Request(f"{settings.SANDBOX_CARRIER_URL}/commands", data=body.encode(),  # noqa: S310
                                     method="POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback carrier
                return json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"sandbox carrier refused {command}: {exc.read().decode(errors='replace')}") from exc
        except OSError as exc:
            raise ProviderError(f"sandbox carrier unreachable at {settings.SANDBOX_CARRIER_URL}: {exc}") from exc

    def number_configure(self, *, e164: str, voice_url: str, status_url: str) -> None:
        from telephony.sandbox import installed_carrier

        # The carrier process reads numbers from the platform's registry when a call comes
        # in (it may not even be running yet); only an in-process carrier is told directly.
        if installed_carrier() is not None:
            self._send("number_configure", account=self.account, e164=e164, voice_url=voice_url,
                       status_url=status_url)

    def participant_add(self, participant: Participant) -> str:
        p = participant
        return self._send("rest_participant_add", account=self.account, conference=p.conference, target=p.target,
                          caller_id=p.caller_id, status_url=p.status_url, label=p.label, muted=p.muted,
                          coach_sid=p.coach_sid, start_conference=p.start_conference)

    def participant_update(self, *, conference: str, leg_sid: str, hold: bool | None = None,
                           muted: bool | None = None) -> None:
        self._send("rest_participant_update", account=self.account, conference=conference, leg_sid=leg_sid,
                   hold=hold, muted=muted)

    def send_digits(self, *, leg_sid: str, digits: str) -> None:
        self._send("rest_send_digits", account=self.account, leg_sid=leg_sid, digits=digits)

    def call_redirect(self, *, call_sid: str, url: str) -> None:
        self._send("rest_call_redirect", account=self.account, call_sid=call_sid, url=url)

    def call_hangup(self, *, call_sid: str) -> None:
        self._send("rest_call_hangup", account=self.account, call_sid=call_sid)

    def call_dial(self, *, to: str, caller_id: str, url: str, status_url: str, machine_detection: bool = False) -> str:
        return self._send("rest_call_dial", account=self.account, to=to, caller_id=caller_id, url=url,
                          status_url=status_url, machine_detection=machine_detection)

    def recording_start(self, *, call_sid: str, status_url: str) -> str:
        return self._send("rest_recording_start", account=self.account, call_sid=call_sid, status_url=status_url)

    def recording_set_paused(self, *, call_sid: str, recording_sid: str, paused: bool) -> None:
        self._send("rest_recording_set_paused", account=self.account, recording_sid=recording_sid, paused=paused)

    def recording_delete(self, *, recording_sid: str) -> None:
        self._send("rest_recording_delete", account=self.account, recording_sid=recording_sid)

    def recording_media(self, *, recording_sid: str, media_url: str, duration_s: int) -> bytes:
        """The sandbox records no voices: a quiet synthetic conversation (two tones taking
        turns) of the recording's length, so the player, its timeline and waveform work offline."""
        import io
        import math
        import wave

        rate = 4000
        frames = bytearray()
        for i in range(max(1, int(duration_s)) * rate):
            t = i / rate
            turn = int(t // 3) % 3  # caller, agent, a pause
            freq = (220.0, 330.0, 0.0)[turn]
            level = 0.0 if not freq else 0.25 * (0.6 + 0.4 * math.sin(2 * math.pi * 0.7 * t))
            frames.append(int(128 + 127 * level * math.sin(2 * math.pi * freq * t)))
        out = io.BytesIO()
        with wave.open(out, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(1)
            w.setframerate(rate)
            w.writeframes(bytes(frames))
        return out.getvalue()

    def access_token(self, *, identity: str, ttl_s: int = 3600) -> str:
        from django.core import signing

        return signing.dumps({"identity": identity, "account": self.account}, salt="sandbox-softphone")
