"""The sandbox carrier (TEL-2): plays Twilio's part on this machine.

It owns phone numbers, calls (every leg is a call, as at Twilio), conferences and
recordings; it fetches and executes the app's TwiML (Say, Play, Pause, Gather, Redirect,
Record, Dial → Conference / Number / Client / Sip, Hangup, Reject) and reports what
happens through the same signed webhooks Twilio sends (voice URL, Gather and Record
actions, conference waitUrl, status callbacks, conference and recording events).

The outside world — customers dialling in, phones answering, people hanging up — is
played by whoever drives the carrier: the simulator, a test, or (in the carrier process)
the browser softphone. REST commands from the app arrive through `SandboxProvider`.
"""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET  # noqa: S405 - parses TwiML our own app produced
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from telephony.addresses import number_of
from telephony.sandbox.scheduler import VirtualScheduler

SAY_CHARS_PER_S = 15.0
PARTICIPANT_RING_TIMEOUT_S = 30.0


def new_sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


@dataclass
class CallerScript:
    """A simulated customer: what they press, how long they wait and talk."""

    on_gather: Callable[[str], str | None] = lambda action_url: None  # digits, or None to stay silent
    patience_s: float = 120.0
    talk_s: float = 120.0
    voicemail_s: float = 20.0
    think_s: float = 1.0


@dataclass
class Endpoint:
    """A phone the carrier can ring: an agent's softphone, a SIP address, an outside number."""

    answer_after_s: float | None = 1.0  # None: rings until answered by hand (tests, browser)


@dataclass
class Callee:
    """Who answers an outside number the app dials (outbound campaigns): a person, an
    answering machine, or nobody (busy, no answer, failed)."""

    outcome: str = "human"  # human | machine | busy | no_answer | failed
    ring_s: float = 8.0
    talk_s: float = 60.0  # a person hangs up after this long on the line; a machine after its greeting


def random_callees(*, seed: int, p_human: float = 0.3, p_machine: float = 0.1, p_busy: float = 0.1,
                   p_failed: float = 0.02, talk_mean_s: float = 120.0, ring=(4.0, 20.0)):
    """A seeded population of callees for simulations: each number draws its outcome once."""
    import random

    rng = random.Random(seed)  # noqa: S311 - a simulation, not a secret
    drawn: dict[str, Callee] = {}

    def callee(number: str) -> Callee:
        if number not in drawn:
            u = rng.random()
            outcome = ("human" if u < p_human else "machine" if u < p_human + p_machine
                       else "busy" if u < p_human + p_machine + p_busy
                       else "failed" if u < p_human + p_machine + p_busy + p_failed else "no_answer")
            drawn[number] = Callee(outcome=outcome, ring_s=rng.uniform(*ring),
                                   talk_s=rng.expovariate(1 / talk_mean_s) if outcome == "human" else 12.0)
        return drawn[number]

    return callee


@dataclass
class CarrierCall:
    sid: str
    account: str
    from_: str
    to: str
    direction: str  # inbound, outbound-api
    status: str = "ringing"
    status_url: str = ""
    status_events: tuple[str, ...] = ("completed",)
    script: CallerScript | None = None
    endpoint: Endpoint | None = None
    verbs: list = field(default_factory=list)
    base_url: str = ""
    gather: ET.Element | None = None
    gather_gen: int = 0
    recording: dict | None = None  # an open <Record>
    conference: str | None = None
    on_hold: bool = False
    muted: bool = False
    coaching: str | None = None
    answered_t: float | None = None
    seq: int = 0
    label: str = ""
    start_conference: bool = True
    end_conference: bool = False
    pending_join: dict | None = None  # a participant leg: the conference to enter once answered
    tags: dict = field(default_factory=dict)  # extra parameters on every webhook (SandboxRun)
    callee: Callee | None = None  # an outside party the app dialled (campaigns)
    amd: bool = False  # answering-machine detection asked for: the answer webhook says who answered


@dataclass
class Conference:
    name: str
    sid: str
    account: str
    started: bool = False
    participants: list[str] = field(default_factory=list)
    status_url: str = ""
    status_events: tuple[str, ...] = ()
    record: bool = False
    recording_url: str = ""
    recording_sid: str | None = None
    recording_started_t: float = 0.0
    recording_paused: bool = False
    seq: int = 0


class CarrierError(Exception):
    pass


class SandboxCarrier:
    def __init__(self, *, transport, scheduler: VirtualScheduler, media_base: str = "http://sandbox.invalid"):
        self.transport = transport
        self.scheduler = scheduler
        self.media_base = media_base
        self.accounts: dict[str, str] = {}  # account sid -> auth token
        self.numbers: dict[str, dict] = {}  # e164 -> {account, voice_url, status_url}
        self.calls: dict[str, CarrierCall] = {}
        self.conferences: dict[str, Conference] = {}
        self.recordings: dict[str, dict] = {}
        self.endpoints: dict[str, Endpoint] = {}
        # Outside parties the app dials (campaigns): by number, or a model for any number.
        self.callees: dict[str, Callee] = {}
        self.callee_model = None
        self.default_endpoint = Endpoint(answer_after_s=1.0)
        self.errors: list[str] = []  # webhooks the app refused: a healthy run has none
        self.refusals: list[str] = []  # REST commands about calls that no longer exist
        # The carrier process looks numbers up in the platform's registry when it has not
        # been told about them (it may have restarted since they were configured).
        self.number_resolver: Callable[[str], dict | None] | None = None
        self.log: list[tuple[float, str, str]] = []  # (t, call sid, what happened)

    # ---- provisioning (from the app's SandboxProvider) ----
    def account(self, sid: str, token: str) -> None:
        self.accounts[sid] = token

    def number_configure(self, *, account: str, e164: str, voice_url: str, status_url: str) -> None:
        self.numbers[e164] = {"account": account, "voice_url": voice_url, "status_url": status_url}

    # ---- the outside world ----
    def place_call(self, *, from_: str, to: str, script: CallerScript | None = None,
                   tags: dict[str, str] | None = None) -> str:
        """A customer dials one of the numbers (to may be a SIP URI at a tenant's SIP domain)."""
        number = self.numbers.get(number_of(to))
        if number is None and self.number_resolver is not None:
            number = self.number_resolver(number_of(to))
            if number is not None:
                self.accounts[number["account"]] = number.pop("token")
                self.numbers[number_of(to)] = number
        if number is None:
            raise CarrierError(f"{to} is not a number of any sandbox account")
        call = CarrierCall(sid=new_sid("CA"), account=number["account"], from_=from_, to=to, direction="inbound",
                           status_url=number["status_url"], script=script, tags=dict(tags or {}))
        self.calls[call.sid] = call
        self._note(call, "incoming")
        self.scheduler.call_later(0, lambda: self._fetch_and_run(call, number["voice_url"], {}))
        return call.sid

    def press(self, sid: str, digits: str) -> None:
        call = self.calls[sid]
        if call.gather is None:
            raise CarrierError(f"{sid} is not waiting for input")
        gather, call.gather = call.gather, None
        call.gather_gen += 1
        self._note(call, f"pressed {digits}")
        self._fetch_and_run(call, gather.get("action") or call.base_url, {"Digits": digits})

    def leave_message(self, sid: str, seconds: int) -> None:
        call = self.calls[sid]
        if call.recording is None:
            raise CarrierError(f"{sid} is not recording")
        rec, call.recording = call.recording, None
        rsid = new_sid("RE")
        url = f"{self.media_base}/recordings/{rsid}"
        self.recordings[rsid] = {"call": sid, "duration": seconds, "status": "completed", "account": call.account}
        params = {"RecordingSid": rsid, "RecordingUrl": url, "RecordingDuration": str(seconds), "Digits": "hangup"}
        if rec.get("recordingStatusCallback"):
            self._post(call, rec["recordingStatusCallback"], {
                "RecordingSid": rsid, "RecordingUrl": url, "RecordingDuration": str(seconds),
                "RecordingStatus": "completed", "RecordingSource": "RecordVerb", "RecordingChannels": "1"})
        self._fetch_and_run(call, rec.get("action") or call.base_url, params)

    def answer(self, sid: str) -> None:
        call = self.calls[sid]
        if call.status != "ringing":
            return
        call.status = "in-progress"
        call.answered_t = self.scheduler.t
        self._note(call, "answered")
        self._status(call, "in-progress")
        if call.callee is not None:
            # The party talks (or the machine plays its greeting), then hangs up.
            self.scheduler.call_later(call.callee.talk_s, lambda: self.hangup(call.sid))
        if call.pending_join:
            join, call.pending_join = call.pending_join, None
            self._join(call, **join)
        elif call.base_url:
            extra = {}
            if call.callee is not None and call.amd:
                extra["AnsweredBy"] = "human" if call.callee.outcome == "human" else "machine_start"
            self._fetch_and_run(call, call.base_url, extra)

    def hangup(self, sid: str, status: str = "completed") -> None:
        call = self.calls.get(sid)
        if call is None or call.status in ("completed", "busy", "failed", "no-answer", "canceled"):
            return
        call.status = status
        call.gather, call.recording, call.verbs = None, None, []
        self._note(call, status)
        self._status(call, status)  # the party who hangs up is reported first, then the room reacts
        if call.conference:
            self._leave(call)

    # ---- REST commands from the app ----
    # Commands only mint SIDs and schedule the work: the app may send them while the carrier
    # is waiting for that very app's answer to a webhook (its on-commit hooks run first), so
    # they must never wait on the carrier. What cannot be done is logged in `refusals`, as
    # Twilio would answer a REST call about a call that has already ended.
    def _later(self, what: str, fn) -> None:
        def run() -> None:
            try:
                fn()
            except CarrierError as exc:
                self.refusals.append(f"{what}: {exc}")

        self.scheduler.call_later(0, run)

    def rest_participant_add(self, *, account: str, conference: str, target: str, caller_id: str,
                             status_url: str, label: str, muted: bool, coach_sid: str | None,
                             start_conference: bool) -> str:
        leg = CarrierCall(sid=new_sid("CA"), account=account, from_=caller_id, to=target, direction="outbound-api",
                          status_url=status_url, status_events=("initiated", "ringing", "answered", "completed"),
                          label=label, muted=muted, coaching=coach_sid)
        leg.pending_join = {"name": conference, "attrs": {"startConferenceOnEnter": str(start_conference).lower(),
                                                          "endConferenceOnExit": "false"}}

        def start() -> None:
            conf = self.conferences.get(conference)
            if conf is not None and conf.account != account:
                raise CarrierError(f"no conference {conference} in this account")
            self.calls[leg.sid] = leg
            self._note(leg, f"dialling {target} into {conference}")
            self._ring(leg)

        self._later("participant add", start)
        return leg.sid

    def rest_participant_update(self, *, account: str, conference: str, leg_sid: str, hold: bool | None,
                                muted: bool | None) -> None:
        def update() -> None:
            leg = self._owned(leg_sid, account)
            if leg.conference is None:
                raise CarrierError(f"{leg_sid} is not in a conference")
            if hold is not None:
                leg.on_hold = hold
            if muted is not None:
                leg.muted = muted
            self._note(leg, f"hold={leg.on_hold} muted={leg.muted}")

        self._later("participant update", update)

    def rest_send_digits(self, *, account: str, leg_sid: str, digits: str) -> None:
        """DTMF from one participant: whoever else in its conference waits at a prompt hears it."""
        def send() -> None:
            leg = self._owned(leg_sid, account)
            conf = self.conferences.get(leg.conference or "")
            self._note(leg, f"sent DTMF ({len(digits)} keys)")
            for sid in list(conf.participants if conf else []):
                other = self.calls[sid]
                if sid != leg_sid and other.gather is not None:
                    self.press(sid, digits)

        self._later("send digits", send)

    def rest_call_redirect(self, *, account: str, call_sid: str, url: str) -> None:
        def redirect() -> None:
            call = self._live(self._owned(call_sid, account).sid)
            if call.conference:
                self._leave(call, ending=False)
            call.gather, call.recording, call.verbs = None, None, []
            call.gather_gen += 1
            self._fetch_and_run(call, url, {})

        self._later("redirect", redirect)

    def rest_call_hangup(self, *, account: str, call_sid: str) -> None:
        # Hanging up an ended call is a no-op; another account's call is not ours to end.
        self._later("hangup", lambda: self.hangup(self._owned(call_sid, account).sid))

    def rest_call_dial(self, *, account: str, to: str, caller_id: str, url: str, status_url: str,
                       machine_detection: bool = False) -> str:
        callee = self.callees.get(to) or (self.callee_model(to) if self.callee_model and to.startswith("+") else None)
        call = CarrierCall(sid=new_sid("CA"), account=account, from_=caller_id, to=to, direction="outbound-api",
                           status_url=status_url, status_events=("initiated", "ringing", "answered", "completed"),
                           base_url=url, callee=callee, amd=machine_detection)

        def start() -> None:
            self.calls[call.sid] = call
            self._ring(call)

        self._later("dial", start)
        return call.sid

    def rest_recording_start(self, *, account: str, call_sid: str, status_url: str) -> str:
        rsid = new_sid("RE")

        def start() -> None:
            call = self._live(self._owned(call_sid, account).sid)
            self.recordings[rsid] = {"call": call_sid, "start": self.scheduler.t, "status": "in-progress",
                                     "status_url": status_url, "account": call.account}
            self._post(call, status_url, {"RecordingSid": rsid, "RecordingStatus": "in-progress",
                                          "RecordingUrl": "", "RecordingDuration": "0"})

        self._later("recording start", start)
        return rsid

    def rest_recording_set_paused(self, *, account: str, recording_sid: str, paused: bool) -> None:
        def update() -> None:
            self._owned_recording(recording_sid, account)["status"] = "paused" if paused else "in-progress"

        self._later("recording pause", update)

    def rest_recording_delete(self, *, account: str, recording_sid: str) -> None:
        def delete() -> None:
            if recording_sid in self.recordings:
                self._owned_recording(recording_sid, account)
                del self.recordings[recording_sid]

        self._later("recording delete", delete)

    # ---- internals ----
    def _owned(self, sid: str, account: str) -> CarrierCall:
        """Like Twilio's subaccounts: an account reaches only its own calls."""
        call = self.calls.get(sid)
        if call is None or call.account != account:
            raise CarrierError(f"no call {sid} in this account")
        return call

    def _owned_recording(self, rsid: str, account: str) -> dict:
        rec = self.recordings.get(rsid)
        if rec is None or rec.get("account") != account:
            raise CarrierError(f"no recording {rsid} in this account")
        return rec

    def _live(self, sid: str) -> CarrierCall:
        call = self.calls.get(sid)
        if call is None or call.status not in ("ringing", "in-progress", "queued"):
            raise CarrierError(f"call {sid} is not live")
        return call

    def _note(self, call: CarrierCall, what: str) -> None:
        self.log.append((self.scheduler.t, call.sid, what))

    def _ring(self, leg: CarrierCall) -> None:
        if leg.status != "ringing":
            return
        self._status(leg, "ringing")
        if leg.callee is not None:
            self._ring_callee(leg)
            return
        endpoint = self.endpoints.get(leg.to, self.default_endpoint)
        if endpoint.answer_after_s is not None:
            self.scheduler.call_later(endpoint.answer_after_s, lambda: self.answer(leg.sid))
        self.scheduler.call_later(PARTICIPANT_RING_TIMEOUT_S, lambda: leg.status == "ringing"
                                  and self.hangup(leg.sid, "no-answer"))

    def _ring_callee(self, leg: CarrierCall) -> None:
        """A simulated outside party: busy and failed end at once, no answer rings out, a person
        or a machine picks up after ringing (and hangs up after talking or the greeting)."""
        callee = leg.callee
        if callee.outcome in ("busy", "failed"):
            self.scheduler.call_later(2.0, lambda: self.hangup(leg.sid, callee.outcome))
        elif callee.outcome == "no_answer":
            self.scheduler.call_later(PARTICIPANT_RING_TIMEOUT_S, lambda: leg.status == "ringing"
                                      and self.hangup(leg.sid, "no-answer"))
        else:
            self.scheduler.call_later(callee.ring_s, lambda: self.answer(leg.sid))

    def _common(self, call: CarrierCall) -> dict[str, str]:
        return {"CallSid": call.sid, "AccountSid": call.account, "From": call.from_, "To": call.to,
                "Caller": call.from_, "Called": call.to, "CallStatus": call.status, "Direction": call.direction,
                "ApiVersion": "2010-04-01", **call.tags}

    def _post(self, call: CarrierCall, url: str, params: dict[str, str]) -> str | None:
        token = self.accounts.get(call.account, "")
        reply = self.transport.post(url, {**self._common(call), **params}, token)
        if reply.status >= 400:
            self.errors.append(f"{reply.status} from {url}: {reply.body[:200]}")
            return None
        return reply.body

    def _status(self, call: CarrierCall, status: str) -> None:
        event = {"in-progress": "answered"}.get(status, status)
        if not call.status_url or (event not in call.status_events and status not in (
                "completed", "busy", "failed", "no-answer", "canceled")):
            return
        call.seq += 1
        params = {"CallStatus": status, "SequenceNumber": str(call.seq), "CallbackSource": "call-progress-events",
                  "Timestamp": self.scheduler.now().strftime("%a, %d %b %Y %H:%M:%S +0000")}
        if call.answered_t is not None and status == "completed":
            params["CallDuration"] = str(int(self.scheduler.t - call.answered_t))
        self._post(call, call.status_url, params)

    def _fetch_and_run(self, call: CarrierCall, url: str, params: dict[str, str]) -> None:
        if call.status in ("completed", "busy", "failed", "no-answer", "canceled"):
            return
        body = self._post(call, url, params)
        if body is None:  # Twilio: "an application error has occurred", then hangs up
            self.hangup(call.sid, "failed")
            return
        call.base_url = url
        try:
            root = ET.fromstring(body)  # noqa: S314 - TwiML from our own app
        except ET.ParseError:
            self.errors.append(f"not TwiML from {url}: {body[:200]}")
            self.hangup(call.sid, "failed")
            return
        call.verbs = list(root)
        self._continue(call)

    def _continue(self, call: CarrierCall) -> None:
        while call.verbs and call.status in ("ringing", "in-progress"):
            verb = call.verbs.pop(0)
            tag = verb.tag
            if tag in ("Say", "Play", "Pause"):
                continue  # prompts take no simulated time: callers' think time covers them
            if tag == "Gather":
                self._gather(call, verb)
                return
            if tag == "Redirect":
                self._fetch_and_run(call, (verb.text or "").strip(), {})
                return
            if tag == "Record":
                self._record(call, verb)
                return
            if tag == "Dial":
                self._dial(call, verb)
                return
            if tag == "Hangup":
                self.hangup(call.sid)
                return
            if tag == "Reject":
                self.hangup(call.sid, "busy")
                return
            self.errors.append(f"unsupported TwiML verb <{tag}>")
        if not call.verbs and call.conference is None and call.gather is None and call.recording is None \
                and call.status in ("ringing", "in-progress"):
            self.hangup(call.sid)  # end of the document: Twilio hangs up

    def _gather(self, call: CarrierCall, verb: ET.Element) -> None:
        if call.status == "ringing":
            call.status = "in-progress"
            call.answered_t = self.scheduler.t
        call.gather = verb
        call.gather_gen += 1
        gen = call.gather_gen
        timeout = float(verb.get("timeout", "5"))

        def timed_out() -> None:
            if call.gather is verb and call.gather_gen == gen:
                call.gather = None
                self._continue(call)

        digits = call.script.on_gather(verb.get("action", "")) if call.script else None
        if digits:
            self.scheduler.call_later(call.script.think_s, lambda: call.gather is verb
                                      and call.gather_gen == gen and self.press(call.sid, digits))
        else:
            self.scheduler.call_later(timeout, timed_out)

    def _record(self, call: CarrierCall, verb: ET.Element) -> None:
        call.recording = dict(verb.attrib)
        if call.script:
            seconds = int(min(call.script.voicemail_s, float(verb.get("maxLength", "120"))))
            self.scheduler.call_later(seconds, lambda: call.recording is not None
                                      and self.leave_message(call.sid, seconds))

    def _dial(self, call: CarrierCall, verb: ET.Element) -> None:
        noun = next(iter(verb), None)
        if noun is not None and noun.tag == "Conference":
            self._join(call, name=(noun.text or "").strip(), attrs=dict(noun.attrib))
            return
        target = (noun.text if noun is not None else verb.text or "").strip()
        self._note(call, f"bridged to {target}")
        talk = call.script.talk_s if call.script else None
        if talk is not None:
            self.scheduler.call_later(talk, lambda: self.hangup(call.sid))

    def _join(self, call: CarrierCall, *, name: str, attrs: dict[str, str]) -> None:
        if call.status == "ringing":
            call.status = "in-progress"
            call.answered_t = self.scheduler.t
        conf = self.conferences.get(name)
        if conf is None:
            conf = Conference(name=name, sid=new_sid("CF"), account=call.account)
            self.conferences[name] = conf
        if attrs.get("statusCallback") and not conf.status_url:
            conf.status_url = attrs["statusCallback"]
            conf.status_events = tuple(attrs.get("statusCallbackEvent", "").split())
        if attrs.get("record") == "record-from-start":
            conf.record = True
            conf.recording_url = attrs.get("recordingStatusCallback", "")
        call.conference = name
        call.start_conference = attrs.get("startConferenceOnEnter", "true") == "true"
        call.end_conference = attrs.get("endConferenceOnExit", "false") == "true"
        conf.participants.append(call.sid)
        self._note(call, f"joined {name}")
        self._conf_event(conf, "participant-join", call)
        if call.start_conference and not conf.started:
            conf.started = True
            self._conf_event(conf, "conference-start", call)
            if conf.record:
                self._recording_begin(conf, call)
            for sid in conf.participants:
                other = self.calls[sid]
                if other.script and other is not call:
                    self.scheduler.call_later(other.script.talk_s, lambda s=sid: self.hangup(s))
        if not conf.started:
            if attrs.get("waitUrl"):
                self._post(call, attrs["waitUrl"], {"ConferenceSid": conf.sid, "FriendlyName": name})
            if call.script:
                self.scheduler.call_later(call.script.patience_s, lambda: not conf.started
                                          and call.conference == name and self.hangup(call.sid))
        elif call.script:
            self.scheduler.call_later(call.script.talk_s, lambda: self.hangup(call.sid))

    def _leave(self, call: CarrierCall, ending: bool = True) -> None:
        conf = self.conferences.get(call.conference or "")
        call.conference = None
        if conf is None or call.sid not in conf.participants:
            return
        conf.participants.remove(call.sid)
        self._conf_event(conf, "participant-leave", call)
        if call.end_conference or not conf.participants:
            self._conference_end(conf)

    def _conference_end(self, conf: Conference) -> None:
        self.conferences.pop(conf.name, None)
        for sid in list(conf.participants):
            self.hangup(sid)
        if conf.recording_sid:
            rec = self.recordings[conf.recording_sid]
            rec["status"] = "completed"
            duration = int(self.scheduler.t - conf.recording_started_t)
            first = self.calls[rec["call"]]
            self._post(first, conf.recording_url, {
                "RecordingSid": conf.recording_sid, "ConferenceSid": conf.sid, "RecordingStatus": "completed",
                "RecordingUrl": f"{self.media_base}/recordings/{conf.recording_sid}",
                "RecordingDuration": str(duration), "RecordingSource": "Conference", "RecordingChannels": "1"})
        self._conf_event(conf, "conference-end", None)

    def _recording_begin(self, conf: Conference, call: CarrierCall) -> None:
        conf.recording_sid = new_sid("RE")
        conf.recording_started_t = self.scheduler.t
        first = self.calls[conf.participants[0]]
        self.recordings[conf.recording_sid] = {"call": first.sid, "status": "in-progress", "conference": conf.name,
                                               "account": conf.account}
        if conf.recording_url:
            self._post(first, conf.recording_url, {
                "RecordingSid": conf.recording_sid, "ConferenceSid": conf.sid, "RecordingStatus": "in-progress",
                "RecordingUrl": "", "RecordingDuration": "0", "RecordingSource": "Conference"})

    def _conf_event(self, conf: Conference, event: str, call: CarrierCall | None) -> None:
        short = event.split("-", 1)[1]  # participant-join -> join, conference-start -> start
        if not conf.status_url or short not in conf.status_events:
            return
        conf.seq += 1
        params = {"ConferenceSid": conf.sid, "FriendlyName": conf.name, "StatusCallbackEvent": event,
                  "SequenceNumber": str(conf.seq), "AccountSid": conf.account,
                  "Timestamp": self.scheduler.now().strftime("%a, %d %b %Y %H:%M:%S +0000")}
        if call is not None:
            params.update(CallSid=call.sid, Hold=str(call.on_hold).lower(), Muted=str(call.muted).lower(),
                          Coaching=str(bool(call.coaching)).lower(), ParticipantLabel=call.label)
        token = self.accounts.get(conf.account, "")
        reply = self.transport.post(conf.status_url, params, token)
        if reply.status >= 400:
            self.errors.append(f"{reply.status} from {conf.status_url}: {reply.body[:200]}")

    # ---- for tests and the simulator ----
    def live_calls(self) -> list[CarrierCall]:
        # list() copies in one step: the simulator's thread asks while the carrier's thread runs
        return [c for c in list(self.calls.values()) if c.status in ("ringing", "in-progress")]

    def waiting_input(self, sid: str) -> str | None:
        """The node id the call's open Gather answers for, if any."""
        call = self.calls[sid]
        if call.gather is None:
            return None
        query = parse_qs(urlsplit(call.gather.get("action", "")).query)
        return (query.get("node") or [""])[0]
