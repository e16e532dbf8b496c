"""OUT-2/OUT-3 pacing: how many lines to dial now.

Progressive dials one line per free agent: nobody answers without an agent. Predictive dials
ahead, using the live connect rate: with k agents free, n dials and a live-answer chance p,
answers follow Binomial(n, p) and every answer past k is an abandon. The governor picks the
largest n whose expected abandons keep the rolling window (30 days US, 24 h UK) under a
margin of the cap (80 % of 3 % by default) — so the ratio falls before the cap is reached,
never after; once the window is at the margin it dials 1:1 until answers dilute it. A
campaign's first live answers (the learning period) are dialled 1:1: a cold estimate of the
connect rate is what overdials.
"""

from __future__ import annotations

import math

MARGIN = 0.8
MAX_RATIO = 5.0
LEARNING_ANSWERS = 30  # a cold window knows too little: dial 1:1 until this many live answers


def binomial_pmf(n: int, p: float) -> list[float]:
    if p <= 0:
        return [1.0] + [0.0] * n
    if p >= 1:
        return [0.0] * n + [1.0]
    logs = [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) + k * math.log(p)
            + (n - k) * math.log(1 - p) for k in range(n + 1)]
    return [math.exp(v) for v in logs]


def expected_abandons(n: int, p: float, free_agents: int) -> float:
    """E[max(0, answers − free agents)] for n dials answered with chance p each."""
    pmf = binomial_pmf(n, p)
    return sum((a - free_agents) * q for a, q in enumerate(pmf) if a > free_agents)


def connect_rate(answers: int, dials: int, prior: float = 0.3, weight: float = 20.0) -> float:
    """Live-answer rate of the recent dials, pulled toward `prior` while there are few."""
    return (answers + prior * weight) / (dials + weight)


def lines_to_dial(*, mode: str, free_agents: int, p_answer: float, answered_window: int, abandoned_window: int,
                  cap: float = 0.03, margin: float = MARGIN, in_flight: int = 0) -> int:
    """New dials to place now. `in_flight` dials already ringing count against the free agents."""
    if free_agents <= 0:
        return 0
    if mode != "predictive" or answered_window + abandoned_window < LEARNING_ANSWERS:
        return max(0, free_agents - in_flight)
    budget = cap * margin
    best = free_agents
    top = int(math.ceil(free_agents * MAX_RATIO))
    for n in range(free_agents + 1, top + 1):
        ea = expected_abandons(n, p_answer, free_agents)
        if (abandoned_window + ea) / max(1.0, answered_window + n * p_answer) > budget:
            break
        best = n
    return max(0, best - in_flight)
