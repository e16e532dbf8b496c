"""The sandbox carrier plays the people a campaign dials (OUT, offline): busy, no answer,
failed, a person who talks then hangs up, an answering machine — with answering-machine
detection reported on the answer webhook as Twilio does."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from telephony.sandbox.carrier import Callee, SandboxCarrier, random_callees
from telephony.sandbox.scheduler import VirtualScheduler
from telephony.sandbox.transport import Reply


class Recorder:
    """Stands in for the app: notes every webhook, keeps the callee on the line (a long Gather)."""

    def __init__(self):
        self.posts: list[tuple[str, dict]] = []

    def post(self, url, params, token):
        self.posts.append((url, dict(params)))
        return Reply(200, "<Response><Gather timeout=\"600\"/></Response>")


def _dial(callee: Callee, amd: bool = True, *, full: bool = False):
    rec = Recorder()
    sched = VirtualScheduler(start=datetime(2026, 6, 1, 15, tzinfo=UTC))
    carrier = SandboxCarrier(transport=rec, scheduler=sched)
    carrier.account("AC1", "tok")
    carrier.callees["+12125550123"] = callee
    sid = carrier.rest_call_dial(account="AC1", to="+12125550123", caller_id="+15550001111",
                                 url="https://app/answer", status_url="https://app/status", machine_detection=amd)
    sched.run_until(sched.t + 900)
    statuses = [(p["CallStatus"]) for url, p in rec.posts if url.endswith("/status")]
    answers = [p for url, p in rec.posts if url.endswith("/answer")]
    if full:
        return carrier.calls[sid], [p for url, p in rec.posts if url.endswith("/status")], answers
    return carrier.calls[sid], statuses, answers


@pytest.mark.parametrize("outcome,final", [("busy", "busy"), ("failed", "failed"), ("no_answer", "no-answer")])
def test_nobody_answers(outcome, final):
    call, statuses, answers = _dial(Callee(outcome=outcome))
    assert call.status == final and statuses[-1] == final and answers == []


def test_a_person_answers_talks_and_hangs_up():
    call, statuses, answers = _dial(Callee(outcome="human", ring_s=6, talk_s=45), full=True)
    assert [a["AnsweredBy"] for a in answers] == ["human"]
    assert call.status == "completed" and statuses[-1]["CallStatus"] == "completed"
    assert statuses[-1]["CallDuration"] == "45"  # talked 45 s after answering at 6 s


def test_a_machine_is_reported_as_such_only_when_detection_was_asked():
    _call, _statuses, answers = _dial(Callee(outcome="machine", ring_s=5))
    assert answers[0]["AnsweredBy"] == "machine_start"
    _call, _statuses, answers = _dial(Callee(outcome="machine", ring_s=5), amd=False)
    assert "AnsweredBy" not in answers[0]


def test_a_seeded_population_draws_each_number_once():
    model = random_callees(seed=3, p_human=0.3, p_machine=0.1, p_busy=0.1)
    numbers = [f"+1212555{n:04d}" for n in range(2000)]
    outcomes = [model(n).outcome for n in numbers]
    assert [model(n).outcome for n in numbers] == outcomes  # the same callee every time
    share = outcomes.count("human") / len(outcomes)
    assert 0.27 < share < 0.33
    again = random_callees(seed=3)
    assert [again(n).outcome for n in numbers[:50]] == outcomes[:50]
