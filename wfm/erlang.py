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

def erlang_a(agents: int, calls: float, aht_s: float, interval_s: float, patience_s: float,
             threshold_s: float) -> dict:
    """One interval under Erlang A: callers abandon after an exponential patience with mean
    `patience_s`. Returns P(wait), P(abandon), service level (answered within T / (answered +
    abandoned after T), the SPEC §9 definition), mean wait of all callers and occupancy."""
    if patience_s <= 0:
        raise ValueError("patience must be > 0")
    n = int(agents)
    lam, mu, theta = calls / interval_s, 1.0 / aht_s, 1.0 / patience_s
    a = lam / mu
    if lam == 0:
        return {"agents": n, "p_wait": 0.0, "p_abandon": 0.0, "service_level": 1.0, "avg_wait_s": 0.0,
                "occupancy": 0.0}
    # Queue states n+m relative to state n: t_m = Π_{j=1..m} λ / (nμ + jθ), truncated when negligible.
    m_max = int(max(50, (lam - n * mu) / theta + 12 * math.sqrt(lam / theta) + 50))
    j = np.arange(1, m_max + 1)
    t = np.concatenate([[1.0], np.cumprod(lam / (n * mu + j * theta))])
    b = float(erlang_b(n, a)) if n > 0 else 1.0
    below = (1 / b - 1) if b > 0 else 0.0  # Σ_{k<n} π_k / π_n
    norm = below + t.sum()
    pi_q = t / norm  # P(an arrival finds m callers waiting), m = 0..m_max (PASTA)
    p_wait = float(pi_q.sum())
    mean_queue = float((np.arange(t.size) * pi_q).sum())
    p_abandon = theta * mean_queue / lam
    served_t, abandoned_t = _tagged_caller_by(n * mu, theta, t.size, threshold_s)
    answered_within = (1 - p_wait) + float((pi_q * served_t).sum())
    abandoned_within = float((pi_q * abandoned_t).sum())
    sl = answered_within / (1 - abandoned_within) if abandoned_within < 1 else 0.0
    # Carried load: served callers keep an agent busy AHT on average.
    occupancy = min(1.0, a * (1 - p_abandon) / n) if n else 0.0
    return {"agents": n, "p_wait": round(p_wait, 6), "p_abandon": round(p_abandon, 6),
            "service_level": round(min(sl, 1.0), 6), "avg_wait_s": round(mean_queue / lam, 3),
            "occupancy": round(occupancy, 6)}


def _tagged_caller_by(service_rate: float, theta: float, levels: int, horizon_s: float):
    """For a caller who arrives with j = 0..levels-1 callers ahead: P(answered by t) and
    P(abandoned by t), by uniformisation of the caller's own progress (the line moves at
    nμ + jθ, the caller gives up at θ)."""
    rates_down = service_rate + np.arange(levels) * theta
    lam_u = rates_down[-1] + theta
    p_down, p_ab = rates_down / lam_u, theta / lam_u
    p_stay = 1 - p_down - p_ab
    mean = lam_u * horizon_s
    k_max = int(mean + 12 * math.sqrt(mean) + 20)
    served = np.zeros(levels)  # P(absorbed within k uniformised steps)
    abandoned = np.zeros(levels)
    served_t = np.zeros(levels)
    abandoned_t = np.zeros(levels)
    weight = math.exp(-mean) if mean < 700 else 0.0
    log_weight = -mean
    for k in range(k_max + 1):
        if k:
            served = p_down * np.concatenate([[1.0], served[:-1]]) + p_stay * served
            abandoned = p_ab + p_down * np.concatenate([[0.0], abandoned[:-1]]) + p_stay * abandoned
            log_weight += math.log(mean) - math.log(k)
            weight = math.exp(log_weight)
        served_t += weight * served
        abandoned_t += weight * abandoned
    return served_t, abandoned_t


def agents_for_sl_a(calls: float, aht_s: float, interval_s: float, target_sl: float, threshold_s: float,
                    patience_s: float) -> dict:
    """Fewest agents reaching `target_sl` under Erlang A. Abandonment only helps the queue,
    so the Erlang C answer is an upper bound: walk down from it."""
    upper = int(agents_for_sl(calls, aht_s, interval_s, target_sl, threshold_s).agents)
    best = erlang_a(upper, calls, aht_s, interval_s, patience_s, threshold_s)
    n = upper - 1
    while n >= 1:
        m = erlang_a(n, calls, aht_s, interval_s, patience_s, threshold_s)
        if m["service_level"] < target_sl - EPS:
            break
        best, n = m, n - 1
    return best


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
