"""Queueing maths for staffing (SPEC WFM-3, WFM-5): Erlang B, Erlang C and Erlang A.

Every function takes numpy arrays (or scalars) and works on whole days × many queues at once.
Nothing uses factorials or powers of the load: Erlang B comes from the recursion
B(0) = 1, B(n) = A·B(n-1) / (n + A·B(n-1)), which stays in [0, 1] for any n, so 2,000
agents are as safe as 2. Erlang C is derived from B; Erlang A (M/M/n+M: callers abandon
after an exponential patience) from the birth–death chain of the queue, solved exactly up
to a truncation whose tail is below 1e-12.

Units: calls per interval, seconds for the interval, AHT, threshold T and patience.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

EPS = 1e-9  # slack for float ratios that are whole numbers on paper (14 / 0.7 = 20.000000000000004)
# Erlang A's cost grows with the queue states kept (intervals × waiting levels, held in memory)
# and the uniformisation steps (≈ the events within the threshold); past these it would run for
# minutes and gigabytes, so the question is refused instead (a few seconds at the bounds).
ERLANG_A_MAX_CELLS = 4_000_000
ERLANG_A_MAX_STEPS = 20_000
ERLANG_A_MAX_WORK = 100_000_000  # cells × steps
ERLANG_A_CHUNK = 512  # intervals evaluated together


class ErlangTooLarge(ValueError):
    """The Erlang A question is too large to answer in reasonable time and memory."""


def traffic(calls, aht_s, interval_s) -> np.ndarray:
    """Offered load in Erlangs: calls × AHT / interval length."""
    return np.asarray(calls, dtype=float) * np.asarray(aht_s, dtype=float) / np.asarray(interval_s, dtype=float)


def erlang_b(agents, load) -> np.ndarray:
    """Blocking probability of `agents` servers (or trunks) offered `load` Erlangs, element-wise."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=int), np.asarray(load, dtype=float))
    return _erlang_b_at(n.ravel(), a.ravel()).reshape(n.shape)


def erlang_c(agents, load) -> np.ndarray:
    """Probability that a caller waits (Erlang C) with `agents` on `load` Erlangs; 1 when the
    agents cannot carry the load (n ≤ A: the queue grows without bound)."""
    n, a = np.broadcast_arrays(np.asarray(agents, dtype=float), np.asarray(load, dtype=float))
    b = erlang_b(n.astype(int), a)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = n * b / (n - a * (1 - b))
    return np.where(n > a, c, np.where(a > 0, 1.0, 0.0))


def _c_metrics(n, a, p_wait, aht_s, threshold_s):
    """Service level, ASA and occupancy of Erlang C from P(wait)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sl = 1 - p_wait * np.exp(-(n - a) * threshold_s / aht_s)
        asa = p_wait * aht_s / (n - a)
        occ = a / n
    stable = n > a
    sl = np.where(stable, np.clip(sl, 0, 1), np.where(a > 0, 0.0, 1.0))
    asa = np.where(stable, asa, np.where(a > 0, np.inf, 0.0))
    occ = np.where(n > 0, np.minimum(occ, 1.0), 0.0)
    return sl, asa, occ


def service_level(agents, calls, aht_s, interval_s, threshold_s) -> np.ndarray:
    """Erlang C service level: share of calls answered within `threshold_s`."""
    a = traffic(calls, aht_s, interval_s)
    n = np.asarray(agents, dtype=float)
    return _c_metrics(n, a, erlang_c(n, a), np.asarray(aht_s, float), np.asarray(threshold_s, float))[0]


@dataclass
class Staffing:
    """Agents needed per interval and what they achieve (arrays of one shape)."""

    agents: np.ndarray
    load: np.ndarray
    service_level: np.ndarray
    p_wait: np.ndarray
    asa_s: np.ndarray
    occupancy: np.ndarray
    p_abandon: np.ndarray | None = None  # Erlang A only

    def row(self, i=()) -> dict:
        out = {"agents": int(self.agents[i]), "load_erlangs": round(float(self.load[i]), 4),
               "service_level": round(float(self.service_level[i]), 4), "p_wait": round(float(self.p_wait[i]), 4),
               "asa_s": round(float(self.asa_s[i]), 2), "occupancy": round(float(self.occupancy[i]), 4)}
        if self.p_abandon is not None:
            out["p_abandon"] = round(float(self.p_abandon[i]), 4)
        return out


def _erlang_b_at(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B at each interval's own n by the recursion, in one pass: intervals sorted by n,
    so at step k only the suffix whose n is still ≥ k is updated (a view, no masks)."""
    order = np.argsort(n, kind="stable")
    ns, as_ = n[order], a[order]
    b = np.ones(n.size)
    start = 0
    for k in range(1, int(ns[-1]) + 1 if ns.size else 1):
        if ns[start] < k:
            start = int(np.searchsorted(ns, k))
        ab = as_[start:] * b[start:]
        b[start:] = ab / (k + ab)
    out = np.empty(n.size)
    out[order] = b
    return out


def agents_for_sl(calls, aht_s, interval_s, target_sl, threshold_s, max_occupancy=1.0) -> Staffing:
    """Fewest agents per interval (Erlang C) reaching `target_sl` within `threshold_s` and not
    above `max_occupancy`. Every interval starts at the first n above its load (Erlang B there
    in one vector expression) and steps up together with the others, so a day of 96 intervals
    × 50 queues costs a few dozen vector steps."""
    calls, aht_s, interval_s, target_sl, threshold_s, max_occupancy = (
        np.asarray(x, dtype=float) for x in
        np.broadcast_arrays(calls, aht_s, interval_s, target_sl, threshold_s, max_occupancy))
    if np.any(calls < 0) or np.any(aht_s <= 0) or np.any(interval_s <= 0) or np.any(threshold_s < 0):
        raise ValueError("calls must be ≥ 0, AHT and interval > 0, threshold ≥ 0")
    if np.any((target_sl <= 0) | (target_sl >= 1)) or np.any((max_occupancy <= 0) | (max_occupancy > 1)):
        raise ValueError("target service level must be in (0, 1) and maximum occupancy in (0, 1]")
    shape = calls.shape
    a = traffic(calls, aht_s, interval_s).ravel()
    agents = np.zeros(a.size, dtype=int)
    p_wait = np.zeros(a.size)
    idx = np.flatnonzero(a > 0)  # the intervals still searching
    la, lt, laht = a[idx], threshold_s.ravel()[idx], aht_s.ravel()[idx]
    ltarget, locc = target_sl.ravel()[idx] - EPS, max_occupancy.ravel()[idx] + EPS
    n = np.floor(la) + 1
    b = _erlang_b_at(n.astype(int), la)
    while idx.size:
        c = n * b / (n - la * (1 - b))
        sl = 1 - c * np.exp(-(n - la) * lt / laht)
        ok = (sl >= ltarget) & (la / n <= locc)
        agents[idx[ok]], p_wait[idx[ok]] = n[ok], c[ok]
        keep = ~ok
        idx, la, lt, laht, ltarget, locc, n, b = (v[keep] for v in (idx, la, lt, laht, ltarget, locc, n, b))
        n = n + 1
        b = la * b / (n + la * b)
    agents, p_wait, a = agents.reshape(shape), p_wait.reshape(shape), a.reshape(shape)
    sl, asa, occ = _c_metrics(agents.astype(float), a, p_wait, aht_s, threshold_s)
    return Staffing(agents=agents, load=a, service_level=sl, p_wait=p_wait, asa_s=asa, occupancy=occ)


def metrics_for_agents(agents, calls, aht_s, interval_s, threshold_s) -> Staffing:
    """What `agents` achieve per interval under Erlang C (SL, P(wait), ASA, occupancy)."""
    agents, calls, aht_s, interval_s, threshold_s = (
        np.asarray(x, dtype=float) for x in np.broadcast_arrays(agents, calls, aht_s, interval_s, threshold_s))
    a = traffic(calls, aht_s, interval_s)
    p_wait = erlang_c(agents, a)
    sl, asa, occ = _c_metrics(agents, a, p_wait, aht_s, threshold_s)
    return Staffing(agents=agents.astype(int), load=a, service_level=sl, p_wait=p_wait, asa_s=asa, occupancy=occ)


def trunks_for_blocking(load, blocking) -> np.ndarray:
    """Fewest trunks (Erlang B) keeping the blocking probability at or under `blocking`."""
    a, target = (np.asarray(x, dtype=float) for x in np.broadcast_arrays(load, blocking))
    if np.any((target <= 0) | (target >= 1)):
        raise ValueError("target blocking must be in (0, 1)")
    trunks = np.zeros(a.shape, dtype=int)
    todo = a > 0
    b = np.ones(a.shape)
    n = 0
    while todo.any():
        n += 1
        b = a * b / (n + a * b)
        ok = todo & (b <= target + EPS)
        trunks[ok] = n
        todo &= ~ok
    return trunks


# --- Erlang A (M/M/n+M) ---------------------------------------------------------------

def erlang_a_metrics(agents, calls, aht_s, interval_s, patience_s, threshold_s) -> dict[str, np.ndarray]:
    """Erlang A for many intervals at once: callers abandon after an exponential patience with
    mean `patience_s`. Per interval: P(wait), P(abandon), service level (answered within T /
    (answered + abandoned after T), the SPEC §9 definition), mean wait of all callers, and
    occupancy. From the birth–death chain of the queue (states n + m, m = callers waiting),
    truncated where its tail is negligible, and the waiting caller's own progress solved by
    uniformisation; every step is a numpy operation over all intervals."""
    n, calls, aht_s, interval_s, patience_s, threshold_s = (
        np.asarray(x, dtype=float).ravel() for x in
        np.broadcast_arrays(agents, calls, aht_s, interval_s, patience_s, threshold_s))
    if np.any(patience_s <= 0):
        raise ValueError("patience must be > 0")
    size = n.size
    out = {"p_wait": np.zeros(size), "p_abandon": np.zeros(size), "service_level": np.ones(size),
           "avg_wait_s": np.zeros(size), "occupancy": np.zeros(size)}
    idx = np.flatnonzero(calls > 0)
    if not idx.size:
        return out
    n, lam, mu, theta = n[idx], calls[idx] / interval_s[idx], 1.0 / aht_s[idx], 1.0 / patience_s[idx]
    a = lam / mu
    m_max = _waiting_levels(n, lam, mu, theta)
    _refuse_if_too_large(idx.size, m_max, _uniformisation_steps(n * mu, theta, m_max + 1, threshold_s[idx]))
    j = np.arange(1, m_max + 1)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        # log t_m = Σ_{j ≤ m} log(λ / (nμ + jθ)): the waiting states relative to state n.
        log_t = np.concatenate([np.zeros((idx.size, 1)),
                                np.cumsum(np.log(lam[:, None]) - np.log(n[:, None] * mu[:, None]
                                                                         + j[None, :] * theta[:, None]), axis=1)],
                               axis=1)
        top = log_t.max(axis=1)
        t = np.exp(log_t - top[:, None])
        b = _erlang_b_at(n.astype(int), a)
        below = np.where(b > 0, (1 / b - 1) * np.exp(-top), np.inf)  # Σ_{k<n} π_k / π_n, same scale
        pi_q = t / (below + t.sum(axis=1))[:, None]  # P(an arrival finds m waiting) (PASTA)
    pi_q = np.nan_to_num(pi_q)
    p_wait = pi_q.sum(axis=1)
    mean_queue = (np.arange(m_max + 1)[None, :] * pi_q).sum(axis=1)
    p_abandon = theta * mean_queue / lam
    served_t, abandoned_t = _tagged_caller_by(n * mu, theta, m_max + 1, threshold_s[idx])
    answered_within = (1 - p_wait) + (pi_q * served_t).sum(axis=1)
    abandoned_within = (pi_q * abandoned_t).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sl = np.where(abandoned_within < 1, answered_within / (1 - abandoned_within), 0.0)
        occupancy = np.where(n > 0, np.minimum(1.0, a * (1 - p_abandon) / n), 0.0)  # carried load per agent
    out["p_wait"][idx], out["p_abandon"][idx] = p_wait, p_abandon
    out["service_level"][idx] = np.clip(sl, 0, 1)
    out["avg_wait_s"][idx], out["occupancy"][idx] = mean_queue / lam, occupancy
    return out


def _waiting_levels(n: np.ndarray, lam: np.ndarray, mu: np.ndarray, theta: np.ndarray) -> int:
    """Callers waiting beyond which the queue's probability is negligible, for every interval."""
    return int(max(50.0, float(np.max((lam - n * mu) / theta + 12 * np.sqrt(lam / theta) + 50))))


def _uniformisation_steps(service_rate: np.ndarray, theta: np.ndarray, levels: int, horizon_s: np.ndarray) -> int:
    mean = (service_rate + levels * theta) * horizon_s
    return int(np.max(mean + 12 * np.sqrt(mean) + 20))


def _refuse_if_too_large(rows: int, levels: int, steps: int) -> None:
    cells = rows * (levels + 1)
    if cells > ERLANG_A_MAX_CELLS or steps > ERLANG_A_MAX_STEPS or cells * steps > ERLANG_A_MAX_WORK:
        raise ErlangTooLarge(
            f"Erlang A for these figures needs {levels:,} waiting positions and {steps:,} steps per interval, "
            "more than the calculator answers in reasonable time; shorten the threshold or the patience, "
            "or leave the patience out to use Erlang C.")


def _tagged_caller_by(service_rate: np.ndarray, theta: np.ndarray, levels: int, horizon_s: np.ndarray):
    """For a caller who arrives with j = 0..levels-1 callers ahead: P(answered by t) and
    P(abandoned by t), per interval (rows), by uniformisation of the caller's own progress:
    the line moves at nμ + jθ, the caller gives up at θ."""
    rates_down = service_rate[:, None] + np.arange(levels)[None, :] * theta[:, None]
    lam_u = service_rate + levels * theta
    p_down, p_ab = rates_down / lam_u[:, None], (theta / lam_u)[:, None]
    p_stay = 1 - p_down - p_ab
    mean = lam_u * horizon_s
    k_max = _uniformisation_steps(service_rate, theta, levels, horizon_s)
    rows = service_rate.size
    served, abandoned = np.zeros((rows, levels)), np.zeros((rows, levels))  # absorbed within k steps
    served_t, abandoned_t = np.zeros((rows, levels)), np.zeros((rows, levels))
    log_w = -mean
    with np.errstate(divide="ignore"):
        log_mean = np.log(mean)
    ones, zeros = np.ones((rows, 1)), np.zeros((rows, 1))
    for k in range(k_max + 1):
        if k:
            served = p_down * np.concatenate([ones, served[:, :-1]], axis=1) + p_stay * served
            abandoned = p_ab + p_down * np.concatenate([zeros, abandoned[:, :-1]], axis=1) + p_stay * abandoned
            log_w = log_w + log_mean - math.log(k)
        w = np.exp(log_w)[:, None]  # Poisson(mean) weight of k steps
        served_t += w * served
        abandoned_t += w * abandoned
    return served_t, abandoned_t


def erlang_a(agents: int, calls: float, aht_s: float, interval_s: float, patience_s: float,
             threshold_s: float) -> dict:
    """One interval under Erlang A (see `erlang_a_metrics`), rounded for people."""
    m = erlang_a_metrics(agents, calls, aht_s, interval_s, patience_s, threshold_s)
    return {"agents": int(agents), "p_wait": round(float(m["p_wait"][0]), 6),
            "p_abandon": round(float(m["p_abandon"][0]), 6), "service_level": round(float(m["service_level"][0]), 6),
            "avg_wait_s": round(float(m["avg_wait_s"][0]), 3), "occupancy": round(float(m["occupancy"][0]), 6)}


def agents_for_sl_a_batch(calls, aht_s, interval_s, target_sl, threshold_s, patience_s) -> Staffing:
    """Fewest agents per interval reaching `target_sl` under Erlang A. Abandonment only helps
    the queue, so the Erlang C answer is an upper bound: all intervals search down from theirs
    together to the fewest that still reach it."""
    calls, aht_s, interval_s, target_sl, threshold_s, patience_s = (
        np.asarray(x, dtype=float) for x in
        np.broadcast_arrays(calls, aht_s, interval_s, target_sl, threshold_s, patience_s))
    shape = calls.shape
    flat = [x.ravel() for x in (calls, aht_s, interval_s, target_sl, threshold_s, patience_s)]
    if flat[0].size > ERLANG_A_CHUNK:  # bounded slices of intervals bound the memory
        parts = [agents_for_sl_a_batch(*(x[i:i + ERLANG_A_CHUNK] for x in flat))
                 for i in range(0, flat[0].size, ERLANG_A_CHUNK)]
        return Staffing(**{f: np.concatenate([getattr(p, f) for p in parts]).reshape(shape)
                           for f in Staffing.__dataclass_fields__})
    agents = agents_for_sl(*flat[:5]).agents.astype(int)  # `hi`: meets the target
    best = erlang_a_metrics(agents, *flat[:3], flat[5], flat[4])
    # Gallop down (1, 2, 4, … below the best so far) until a trial misses, then bisect: a few
    # evaluations instead of one per agent, never far below the answer (where the queue's
    # states, and so the work, grow).
    misses = np.zeros(agents.shape, dtype=int)  # `lo`: highest count known to miss (0: none yet)
    bounded = np.zeros(agents.shape, dtype=bool)
    step = np.ones(agents.shape, dtype=int)
    todo = np.flatnonzero(agents - misses > 1)
    while todo.size:
        hi, lo = agents[todo], misses[todo]
        trial = np.where(bounded[todo], (lo + hi) // 2, np.maximum(lo + 1, hi - step[todo]))
        m = erlang_a_metrics(trial, *(x[todo] for x in flat[:3]), flat[5][todo], flat[4][todo])
        ok = m["service_level"] >= flat[3][todo] - EPS
        keep, miss = todo[ok], todo[~ok]
        agents[keep] = trial[ok]
        step[keep] *= 2
        for k in best:
            best[k][keep] = m[k][ok]
        misses[miss], bounded[miss] = trial[~ok], True
        todo = todo[agents[todo] - misses[todo] > 1]
    load = traffic(*flat[:3])
    return Staffing(agents=agents.reshape(shape), load=load.reshape(shape),
                    service_level=best["service_level"].reshape(shape), p_wait=best["p_wait"].reshape(shape),
                    asa_s=best["avg_wait_s"].reshape(shape), occupancy=best["occupancy"].reshape(shape),
                    p_abandon=best["p_abandon"].reshape(shape))


def agents_for_sl_a(calls: float, aht_s: float, interval_s: float, target_sl: float, threshold_s: float,
                    patience_s: float) -> dict:
    """One interval's Erlang A staffing (see `agents_for_sl_a_batch`), rounded for people."""
    s = agents_for_sl_a_batch(calls, aht_s, interval_s, target_sl, threshold_s, patience_s)
    n = int(s.agents)
    return {**erlang_a(n, calls, aht_s, interval_s, patience_s, threshold_s), "agents": n}


def scheduled_for(required, shrinkage) -> np.ndarray:
    """WFM-4: agents to schedule so `required` are productive after `shrinkage`:
    ceil(required / (1 − shrinkage)); 20 at 30 % → 28.57 → 29."""
    req, s = (np.asarray(x, dtype=float) for x in np.broadcast_arrays(required, shrinkage))
    if np.any((s < 0) | (s >= 1)):
        raise ValueError("shrinkage must be in [0, 1)")
    return np.ceil(req / (1 - s) - EPS).astype(int)


def shrinkage_of(paid_s: float, productive_s: float) -> float:
    """WFM-4: (paid time − productive time) / paid time."""
    if paid_s <= 0:
        raise ValueError("paid time must be > 0")
    return (paid_s - productive_s) / paid_s
