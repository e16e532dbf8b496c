"""The carrier interface (TEL-2). The ACD and the call services decide; a provider turns
those decisions into carrier requests. Calls are conference-based: the caller waits in
the call's conference room, and agents, consulted parties and supervisors join it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

MSG_KEYPAD = "Press the keys on your softphone's keypad: it sends them into the call itself."


class ProviderError(Exception):
    """The carrier refused or could not be reached."""


@dataclass(frozen=True)
class Participant:
    """Who to bring into a call's conference, and how."""

    conference: str
    target: str  # client:<identity>, sip:<uri> or +E.164
    caller_id: str
    status_url: str
    label: str
    muted: bool = False
    coach_sid: str | None = None  # whisper: heard by this participant only
    start_conference: bool = True


class Provider(ABC):
    name: str = ""

    @abstractmethod
    def number_configure(self, *, e164: str, voice_url: str, status_url: str) -> None:
        """Point the carrier's number at our incoming-call webhook."""

    @abstractmethod
    def participant_add(self, participant: Participant) -> str:
        """Dial someone into a conference; returns the new leg's call SID."""

    @abstractmethod
    def participant_update(self, *, conference: str, leg_sid: str, hold: bool | None = None,
                           muted: bool | None = None) -> None: ...

    sends_digits = False  # True when the platform must inject an agent's keys (no in-band audio)

    def send_digits(self, *, leg_sid: str, digits: str) -> None:
        """Send DTMF from an agent's leg into its conference (the sandbox's browser phone has
        no audio of its own). Real softphones and SIP phones send keys in-band themselves."""
        raise ProviderError(MSG_KEYPAD)

    @abstractmethod
    def call_redirect(self, *, call_sid: str, url: str) -> None:
        """Give a live call new TwiML (e.g. to voicemail when the wait is too long)."""

    @abstractmethod
    def call_hangup(self, *, call_sid: str) -> None: ...

    @abstractmethod
    def call_dial(self, *, to: str, caller_id: str, url: str, status_url: str, machine_detection: bool = False) -> str:
        """Place an outbound call (callbacks, campaigns); returns its SID. With machine detection
        the answer webhook says who answered (AnsweredBy: human, machine_start, …)."""

    @abstractmethod
    def recording_start(self, *, call_sid: str, status_url: str) -> str: ...

    @abstractmethod
    def recording_set_paused(self, *, call_sid: str, recording_sid: str, paused: bool) -> None: ...

    @abstractmethod
    def recording_delete(self, *, recording_sid: str) -> None: ...

    @abstractmethod
    def recording_media(self, *, recording_sid: str, media_url: str, duration_s: int) -> bytes:
        """The recording's audio as WAV bytes (for the QA player)."""

    @abstractmethod
    def access_token(self, *, identity: str, ttl_s: int = 3600) -> str:
        """A browser softphone credential for this agent."""
