"""OUT-2/OUT-3 pacing: how many lines to dial now.

Progressive dials one line per free agent: nobody answers without an agent. Predictive dials
ahead from live estimates. With n new dials, each answered live with chance p, plus the dials
already ringing (each with its own chance, which falls the longer it has rung), the live answers
A are a sum of Bernoullis; the agents who can take them C are the free ones plus each busy agent
with the chance they are free by the time a new dial is answered (wrap-up ending, a conversation
finishing). Every answer past C is an abandon, so E[max(0, A − C)] is the expected abandons of
dialing n, and its step from n − 1 to n over p is the chance the n-th dial's answer finds
nobody. Lines are added while that chance stays under MARGINAL_RISK: the model pools the
agents as if any could take any answer, while an agent freeing at 15 s cannot take the answer
at 5 s, so it runs optimistic and the risk allowed per line is small (tuned on the seeded run
in the tests: 5 % gives the most contacts per agent hour). Above that, the hard governor: no
n whose expected abandons take the rolling window (30 days US, 24 h UK) past a margin of the
cap (80 % of 3 % by default) — so the ratio falls before the cap is reached, never after;
once the window is at the margin it dials 1:1 until answers dilute it. A campaign's first
live answers (the learning period) are dialled 1:1: a cold estimate of the connect rate is
what overdials.

The estimates come from the campaign's recent dials (`History`): how long after the dial each
one resolved and whether a person answered, and how long recent conversations lasted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MARGIN = 0.8
MARGINAL_RISK = 0.05  # most a further line's answer may risk finding no agent
MAX_RATIO = 5.0
LEARNING_ANSWERS = 30  # a cold window knows too little: dial 1:1 until this many live answers
MIN_SAMPLE = 20  # fewer recent observations than this: fall back to the plain connect rate


@dataclass
class History:
    """Recent resolved dials as (seconds from dial to answer or end, answered by a person) and
    recent conversations' talk seconds."""

    resolved: Sequence[tuple[float, bool]] = ()
    talks: Sequence[float] = ()
    _delays: np.ndarray = field(init=False, repr=False)
    _talks: np.ndarray = field(init=False, repr=False)
    _resolved_after: np.ndarray = field(init=False, repr=False)
    _live_from: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._delays = np.sort(np.array([d for d, live in self.resolved if live], dtype=float))
        self._talks = np.sort(np.array(list(self.talks), dtype=float))
        ordered = sorted(self.resolved)
        self._resolved_after = np.array([d for d, _ in ordered], dtype=float)
        # _live_from[i]: live answers among the dials resolved at index i or later
        self._live_from = np.concatenate([np.cumsum([float(live) for _, live in ordered][::-1])[::-1], [0.0]])

    def live_chance(self, age_s: float, p_answer: float) -> float:
        """Chance a dial still ringing after `age_s` ends in a live answer: of the recent dials
        that had not resolved by that age, the share a person answered (pulled toward the
        connect rate while there are few)."""
        i = int(np.searchsorted(self._resolved_after, age_s, side="right"))
        weight = 5.0
        return (float(self._live_from[i]) + p_answer * weight) / (len(self._resolved_after) - i + weight)

    def answered_by(self, seconds: float) -> float:
        """Share of live answers that come after `seconds` from the dial: the chance an agent
        free in `seconds` is in time for a dial placed now."""
        if len(self._delays) < MIN_SAMPLE:
            return 0.0  # no idea yet when answers come: give no credit
        return float(1.0 - np.searchsorted(self._delays, seconds, side="left") / len(self._delays))

    def wrap_free_chance(self, remaining_s: float) -> float:
        """An agent in wrap-up for at most `remaining_s` more."""
        return self.answered_by(remaining_s)

    def talk_free_chance(self, talked_s: float, wrap_s: float) -> float:
        """An agent `talked_s` into a conversation: the chance the conversation and its wrap-up
        are over before a dial placed now is answered (talk lengths from recent conversations,
        conditioned on lasting this long already)."""
        if len(self._delays) < MIN_SAMPLE:
            return 0.0
        longer = self._talks[np.searchsorted(self._talks, talked_s, side="right"):]
        if len(longer) < MIN_SAMPLE:
            return 0.0
        ends = talked_s + self._delays - wrap_s  # the conversation must end by then
        return float(np.mean(np.searchsorted(longer, ends, side="right") / len(longer)))


def poisson_binomial(chances: Sequence[float]) -> np.ndarray:
    """Distribution of the number of successes of independent trials with these chances."""
    pmf = np.array([1.0])
    for c in chances:
        pmf = np.convolve(pmf, [1.0 - c, c])
    return pmf


def binomial_pmf(n: int, p: float) -> list[float]:
    if p <= 0:
        return [1.0] + [0.0] * n
    if p >= 1:
        return [0.0] * n + [1.0]
    logs = [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p)
            + (n - k) * math.log(1 - p) for k in range(n + 1)]
    return [math.exp(v) for v in logs]


def _excess(answers: np.ndarray, capacity: np.ndarray, free: int) -> float:
    """E[max(0, A − C)] with A ~ `answers` and C = free + `capacity`."""
    k = np.arange(len(answers))
    tail = np.cumsum(answers[::-1])[::-1]  # P(A >= k)
    # E[max(0, A - c)] = sum_{j > c} P(A >= j)
    over = np.concatenate([np.cumsum(tail[::-1])[::-1][1:], [0.0]])  # over[c] = sum_{j>c} P(A>=j)
    cs = free + np.arange(len(capacity))
    e_at = np.where(cs < len(k), over[np.minimum(cs, len(k) - 1)], 0.0)
    return float(np.dot(capacity, e_at))


def expected_abandons(n: int, p: float, free_agents: int, *, ringing: Sequence[float] = (),
                      soon_free: Sequence[float] = ()) -> float:
    """E[max(0, answers − agents)] for n new dials answered with chance p each, plus the dials
    already ringing, against the free agents plus those about to be free."""
    answers = np.convolve(poisson_binomial(ringing), binomial_pmf(n, p))
    return _excess(answers, poisson_binomial(soon_free), free_agents)


def connect_rate(answers: int, dials: int, prior: float = 0.3, weight: float = 20.0) -> float:
    """Live-answer rate of the recent dials, pulled toward `prior` while there are few."""
    return (answers + prior * weight) / (dials + weight)


def lines_to_dial(*, mode: str, free_agents: int, p_answer: float, answered_window: int, abandoned_window: int,
                  cap: float = 0.03, margin: float = MARGIN, in_flight: int = 0,
                  ringing: Sequence[float] | None = None, soon_free: Sequence[float] = (),
                  marginal_risk: float = MARGINAL_RISK) -> int:
    """New dials to place now. Dials already ringing count against the agents: `ringing` gives
    each one's chance of a live answer; without it, `in_flight` dials count at `p_answer`.
    `soon_free` gives, per busy agent, the chance they are free when a new dial is answered."""
    if ringing is None:
        ringing = [p_answer] * in_flight
    one_to_one = max(0, free_agents - len(ringing))
    if mode != "predictive" or answered_window + abandoned_window < LEARNING_ANSWERS:
        return one_to_one
    expected_agents = free_agents + sum(soon_free)
    if expected_agents < 0.5:
        return 0
    budget = cap * margin
    ringing_answers = float(sum(ringing))
    capacity = poisson_binomial(soon_free)
    answers = poisson_binomial(ringing)
    best = one_to_one
    before = _excess(answers, capacity, free_agents)
    top = int(math.ceil(expected_agents * MAX_RATIO))
    for n in range(1, top + 1):
        answers = np.convolve(answers, [1.0 - p_answer, p_answer])
        ea = _excess(answers, capacity, free_agents)
        if n > one_to_one:
            if (ea - before) / max(p_answer, 1e-9) > marginal_risk:
                break
            if (abandoned_window + ea) / max(1.0, answered_window + ringing_answers + n * p_answer) > budget:
                break
            best = n
        before = ea
    return best
