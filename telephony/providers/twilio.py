"""Twilio Programmable Voice (and SIP through Twilio) behind the provider interface.

The only place that talks to Twilio's REST API. twilio-python does the HTTP; tests give
it an `http_client` that answers like Twilio, so nothing here is faked above the wire."""

from __future__ import annotations

from twilio.base.exceptions import TwilioException
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant
from twilio.rest import Client

from telephony.providers.base import Participant, Provider, ProviderError

LEG_EVENTS = ["initiated", "ringing", "answered", "completed"]


class TwilioProvider(Provider):
    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, sip_domain: str = "", http_client=None,
                 api_key: str = "", api_secret: str = "", twiml_app_sid: str = ""):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sip_domain = sip_domain
        self.api_key, self.api_secret, self.twiml_app_sid = api_key, api_secret, twiml_app_sid
        self.client = Client(account_sid, auth_token, http_client=http_client)

    def _do(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TwilioException as exc:
            raise ProviderError(f"Twilio refused the request: {exc}") from exc

    def number_configure(self, *, e164: str, voice_url: str, status_url: str) -> None:
        numbers = self._do(self.client.incoming_phone_numbers.list, phone_number=e164, limit=1)
        if not numbers:
            raise ProviderError(f"{e164} is not a number of this Twilio account.")
        self._do(self.client.incoming_phone_numbers(numbers[0].sid).update, voice_url=voice_url,
                 voice_method="POST", status_callback=status_url, status_callback_method="POST")

    def participant_add(self, participant: Participant) -> str:
        p = participant
        kwargs = dict(from_=p.caller_id, to=p.target, label=p.label, status_callback=p.status_url,
                      status_callback_method="POST", status_callback_event=LEG_EVENTS, muted=p.muted,
                      start_conference_on_enter=p.start_conference, end_conference_on_exit=False, beep="false",
                      early_media=True)
        if p.coach_sid:
            kwargs.update(coaching=True, call_sid_to_coach=p.coach_sid)
        created = self._do(self.client.conferences(p.conference).participants.create, **kwargs)
        return created.call_sid

    def participant_update(self, *, conference: str, leg_sid: str, hold: bool | None = None,
                           muted: bool | None = None) -> None:
        kwargs = {k: v for k, v in (("hold", hold), ("muted", muted)) if v is not None}
        self._do(self.client.conferences(conference).participants(leg_sid).update, **kwargs)

    def call_redirect(self, *, call_sid: str, url: str) -> None:
        self._do(self.client.calls(call_sid).update, url=url, method="POST")

    def call_hangup(self, *, call_sid: str) -> None:
        self._do(self.client.calls(call_sid).update, status="completed")

    def call_dial(self, *, to: str, caller_id: str, url: str, status_url: str, machine_detection: bool = False) -> str:
        extra = {"machine_detection": "Enable"} if machine_detection else {}
        call = self._do(self.client.calls.create, to=to, from_=caller_id, url=url, method="POST",
                        status_callback=status_url, status_callback_method="POST",
                        status_callback_event=LEG_EVENTS, **extra)
        return call.sid

    def recording_start(self, *, call_sid: str, status_url: str) -> str:
        rec = self._do(self.client.calls(call_sid).recordings.create, recording_status_callback=status_url,
                       recording_status_callback_event=["in-progress", "completed"])
        return rec.sid

    def recording_set_paused(self, *, call_sid: str, recording_sid: str, paused: bool) -> None:
        self._do(self.client.calls(call_sid).recordings(recording_sid).update,
                 status="paused" if paused else "in-progress", pause_behavior="skip")

    def recording_delete(self, *, recording_sid: str) -> None:
        self._do(self.client.recordings(recording_sid).delete)

    def recording_media(self, *, recording_sid: str, media_url: str, duration_s: int) -> bytes:
        import base64
        import urllib.request

        url = (media_url or f"https://api.twilio.com/2010-04-01/Accounts/{self.account_sid}/Recordings/"
                             f"{recording_sid}")
        if not url.startswith("https://"):
            raise ProviderError("recording media must come from Twilio over HTTPS")
        auth = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        req = urllib.request.Request(url.removesuffix(".json") + ".wav",  # noqa: S310 - https only, checked above
                                     headers={"Authorization": f"Basic {auth}"})
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:  # noqa: S310 - https only, checked above
                return resp.read()
        except OSError as exc:
            raise ProviderError(f"Twilio did not return the recording: {exc}") from exc

    def access_token(self, *, identity: str, ttl_s: int = 3600) -> str:
        # Voice JS SDK: an API key of the subaccount signs the token (the auth token is a fallback).
        token = AccessToken(self.account_sid, self.api_key or self.account_sid,
                            self.api_secret or self.auth_token, identity=identity, ttl=ttl_s)
        token.add_grant(VoiceGrant(incoming_allow=True, outgoing_application_sid=self.twiml_app_sid or None))
        return token.to_jwt()
