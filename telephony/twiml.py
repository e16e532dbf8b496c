"""TwiML for every thing a caller can hear or do, built with twilio-python. Pure functions of
their arguments (golden files in tests/telephony/golden pin the output). The sandbox
carrier executes the very same documents."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from telephony.hooks import hook_url

DEFAULT_VOICE_LANGUAGE = "en-US"
HOLD_MUSIC = "http://com.twilio.music.classical.s3.amazonaws.com/BusyStrings.mp3"


def _prompts(target, prompts: list[dict]) -> None:
    for p in prompts:
        if p.get("play"):
            target.play(p["play"])
        if p.get("say"):
            target.say(p["say"], language=p.get("language") or DEFAULT_VOICE_LANGUAGE)


def gather(*, node_id: str, node: dict, prompts: list[dict], language: str, step: int) -> str:
    """A menu, digit collection or survey question: wait for keys, then post them to the IVR hook."""
    r = VoiceResponse()
    kind = node["type"]
    kwargs = {"input": "dtmf", "action": hook_url("ivr", node=node_id, step=step), "method": "POST",
              "timeout": node.get("timeout_s", 5)}
    if kind == "menu":
        kwargs["num_digits"] = max(len(str(k)) for k in node["options"])
    elif kind == "collect":
        kwargs["finish_on_key"] = node.get("finish_on_key", "#")
        kwargs["num_digits"] = node.get("max_digits", 30)
    else:
        kwargs["num_digits"] = 1
    g = r.gather(**kwargs)
    _prompts(g, prompts + [{"say": node.get("say"), "play": node.get("play"), "language": language}])
    r.redirect(hook_url("ivr", node=node_id, step=step, noinput=1), method="POST")
    return r.to_xml()


def queue_wait(*, conference: str, prompts: list[dict], record: bool, call_pk: int, music_url: str = "") -> str:
    """Wait in the call's conference room (so agents and supervisors can join), with music."""
    r = VoiceResponse()
    _prompts(r, prompts)
    d = r.dial()
    kwargs = dict(wait_url=hook_url("wait", call=call_pk), wait_method="POST", start_conference_on_enter=False,
                  end_conference_on_exit=True, beep=False, status_callback=hook_url("conference"),
                  status_callback_method="POST", status_callback_event="start end join leave")
    if record:
        kwargs.update(record="record-from-start", recording_status_callback=hook_url("recording", call=call_pk),
                      recording_status_callback_event="in-progress completed")
    d.conference(conference, **kwargs)
    return r.to_xml()


def wait_music(*, position: int | None, ewt_s: int | None, music_url: str = "") -> str:
    r = VoiceResponse()
    if position:
        text = f"You are number {position} in line."
        if ewt_s is not None:
            minutes = max(1, round(ewt_s / 60))
            text += f" Your estimated wait is about {minutes} minute{'s' if minutes != 1 else ''}."
        r.say(text, language=DEFAULT_VOICE_LANGUAGE)
    r.play(music_url or HOLD_MUSIC, loop=0)
    return r.to_xml()


def voicemail(*, prompts: list[dict], call_pk: int, max_length_s: int = 120) -> str:
    r = VoiceResponse()
    _prompts(r, prompts)
    r.record(action=hook_url("voicemail", call=call_pk), method="POST", max_length=max_length_s, play_beep=True,
             timeout=5, recording_status_callback=hook_url("recording", call=call_pk, kind="voicemail"),
             recording_status_callback_event="completed")
    r.say("We did not receive a message. Goodbye.", language=DEFAULT_VOICE_LANGUAGE)
    r.hangup()
    return r.to_xml()


MSG_SURVEY = "Please rate this call. If you were satisfied, press 1. If not, press 2."
MSG_SURVEY_REASON = "We are sorry. Please tell us after the tone what we could do better, then hang up."
MSG_SURVEY_THANKS = "Thank you for your feedback. Goodbye."


def survey_question(*, call_pk: int, prompt: str = "") -> str:
    """Post-call survey (CRM-5): one key; silence ends politely."""
    r = VoiceResponse()
    g = r.gather(input="dtmf", num_digits=1, timeout=6, method="POST",
                 action=hook_url("survey", call=call_pk, step="answer"))
    g.say(prompt or MSG_SURVEY, language=DEFAULT_VOICE_LANGUAGE)
    r.say(MSG_SURVEY_THANKS, language=DEFAULT_VOICE_LANGUAGE)
    r.hangup()
    return r.to_xml()


def survey_reason(*, call_pk: int) -> str:
    r = VoiceResponse()
    r.say(MSG_SURVEY_REASON, language=DEFAULT_VOICE_LANGUAGE)
    r.record(action=hook_url("survey", call=call_pk, step="reason"), method="POST", max_length=60, play_beep=True,
             timeout=5)
    r.say(MSG_SURVEY_THANKS, language=DEFAULT_VOICE_LANGUAGE)
    r.hangup()
    return r.to_xml()


def say_and_hangup(*, prompts: list[dict]) -> str:
    r = VoiceResponse()
    _prompts(r, prompts)
    r.hangup()
    return r.to_xml()


def transfer(*, prompts: list[dict], number: str, caller_id: str) -> str:
    r = VoiceResponse()
    _prompts(r, prompts)
    r.dial(number, caller_id=caller_id or None)
    return r.to_xml()


def reject() -> str:
    r = VoiceResponse()
    r.reject(reason="busy")
    return r.to_xml()


def join_call(*, conference: str, prompts: list[dict] | None = None) -> str:
    """A callback's customer answered: put them into the call's room, where the agent is."""
    r = VoiceResponse()
    _prompts(r, prompts or [])
    r.dial().conference(conference, start_conference_on_enter=True, end_conference_on_exit=True, beep=False,
                        status_callback=hook_url("conference"), status_callback_method="POST",
                        status_callback_event="start end join leave")
    return r.to_xml()


def empty() -> str:
    return VoiceResponse().to_xml()
