"""WFM-2 forecasting, pure numpy over a `History`: calls and AHT per (day, interval slot).

Models
  share         the handbook's: daily = monthly × day share × weekday factor, interval =
                daily × interval share (both shares learnt per weekday from the history)
  relative      the same weekday in the N weeks before the forecast (default 3)
  fixed         the same weekday within planner-chosen dates
  holt_winters  seasonal exponential smoothing of the daily totals (additive trend and weekly
                season, smoothing constants chosen by one-step error), split by interval share
Holidays have their own model: the average of the holidays in the history, or, with none
there, the ordinary forecast × the holiday factor. Every model is backtested the same way:
fit on the history before the held-out weeks, forecast them, WAPE over intervals.
"""

from __future__ import annotations

import calendar
import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from wfm.history import History

DEFAULT_AHT_S = 180.0
HOLIDAY_FACTOR = 0.3


class ForecastError(ValueError):
    """The history cannot support the asked-for model (the message says why)."""


@dataclass
class Result:
    days: list[date]
    calls: np.ndarray  # (days, slots)
    aht_s: np.ndarray
    holiday: np.ndarray  # per day


def _weekday_days(hist: History, weekday: int, mask: np.ndarray) -> np.ndarray:
    return np.array([i for i, d in enumerate(hist.days) if d.weekday() == weekday and mask[i]], dtype=int)


def interval_shares(hist: History) -> np.ndarray:
    """(7, slots): each weekday's share of its day's calls per interval; a weekday with no
    calls in the history borrows the profile of all days."""
    usable = hist.usable()
    overall = hist.calls[usable].sum(axis=0)
    fallback = overall / overall.sum() if overall.sum() else np.full(hist.slots, 1 / hist.slots)
    out = np.empty((7, hist.slots))
    for wd in range(7):
        rows = hist.calls[_weekday_days(hist, wd, usable)].sum(axis=0)
        out[wd] = rows / rows.sum() if rows.sum() else fallback
    return out


def weekday_factors(hist: History) -> np.ndarray:
    """(7,): a weekday's mean daily calls / the mean daily calls of all usable days."""
    usable = hist.usable()
    daily = hist.calls.sum(axis=1)
    mean = daily[usable].mean() if usable.any() else 0.0
    out = np.ones(7)
    for wd in range(7):
        idx = _weekday_days(hist, wd, usable)
        if idx.size and mean:
            out[wd] = daily[idx].mean() / mean
    return out


def aht_profile(hist: History, default: float = DEFAULT_AHT_S) -> np.ndarray:
    """(7, slots) AHT: handle seconds / handled calls per weekday and interval, falling back to
    the weekday's, then the history's, then `default`."""
    overall = hist.overall_aht() or default
    out = np.full((7, hist.slots), overall)
    ok = ~hist.excluded
    for wd in range(7):
        idx = _weekday_days(hist, wd, ok)
        if not idx.size:
            continue
        handled, handle = hist.handled[idx].sum(axis=0), hist.handle_s[idx].sum(axis=0)
        day_aht = handle.sum() / handled.sum() if handled.sum() else overall
        with np.errstate(divide="ignore", invalid="ignore"):
            out[wd] = np.where(handled > 0, handle / handled, day_aht)
    return out


def _need(hist: History, days: int, model: str) -> None:
    if int(hist.usable().sum()) < days:
        raise ForecastError(f"the {model} model needs at least {days} usable days of history; "
                            f"this history has {int(hist.usable().sum())} (widen the history window or "
                            "lift exclusions)")


def share_model(hist: History, days: list[date], monthly_calls: dict[str, float] | None = None) -> np.ndarray:
    """Daily = monthly × day share × weekday factor; interval = daily × interval share. The
    month's volume is the planner's (key 'YYYY-MM') or the history's mean day × the month's days."""
    _need(hist, 7, "share-based")
    shares, factors = interval_shares(hist), weekday_factors(hist)
    usable = hist.usable()
    mean_day = hist.calls.sum(axis=1)[usable].mean()
    out = np.zeros((len(days), hist.slots))
    for i, d in enumerate(days):
        n_days = calendar.monthrange(d.year, d.month)[1]
        month = (monthly_calls or {}).get(f"{d.year:04d}-{d.month:02d}", mean_day * n_days)
        # Normalise the weekday factors over this month's days so the month adds up to its volume.
        norm = np.mean([factors[date(d.year, d.month, k).weekday()] for k in range(1, n_days + 1)])
        daily = month * (1 / n_days) * factors[d.weekday()] / norm
        out[i] = daily * shares[d.weekday()]
    return out


def window_model(hist: History, days: list[date], *, weeks: int | None = None,
                 window: tuple[date, date] | None = None) -> np.ndarray:
    """Relative window (`weeks`: the last N same weekdays before the history ends) or fixed
    window (`window`: the same weekdays within those dates): the mean of their intervals."""
    usable = hist.usable()
    out = np.zeros((len(days), hist.slots))
    for i, d in enumerate(days):
        idx = _weekday_days(hist, d.weekday(), usable)
        if window is not None:
            idx = np.array([j for j in idx if window[0] <= hist.days[j] <= window[1]], dtype=int)
        elif weeks is not None:
            idx = idx[-weeks:]
        if not idx.size:
            kind = "fixed window" if window is not None else "relative window"
            raise ForecastError(f"the {kind} holds no usable {d.strftime('%A')} to forecast {d.isoformat()} from")
        out[i] = hist.calls[idx].mean(axis=0)
    return out


def _holt_winters_fit(y: np.ndarray, alpha: float, beta: float, gamma: float, season: int = 7):
    level = y[:season].mean()
    trend = (y[season:2 * season].mean() - y[:season].mean()) / season if y.size >= 2 * season else 0.0
    seas = list(y[:season] - level)
    sse = 0.0
    for t in range(y.size):
        s = seas[t % season]
        pred = level + trend + s
        if t >= season:
            sse += (y[t] - pred) ** 2
        prev_level = level
        level = alpha * (y[t] - s) + (1 - alpha) * (level + trend)
        trend = beta * (level - prev_level) + (1 - beta) * trend
        seas[t % season] = gamma * (y[t] - level) + (1 - gamma) * s
    return level, trend, seas, sse


def holt_winters_daily(y: np.ndarray, horizon: int, season: int = 7) -> np.ndarray:
    """Forecast `horizon` daily totals after `y` (additive Holt-Winters, weekly season); the
    smoothing constants are chosen on a grid by the one-step squared error."""
    grid = (0.05, 0.2, 0.4, 0.7)
    best = min(itertools.product(grid, (0.0, 0.05, 0.2), grid),
               key=lambda p: _holt_winters_fit(y, *p, season=season)[3])
    level, trend, seas, _ = _holt_winters_fit(y, *best, season=season)
    n = y.size
    return np.array([max(0.0, level + (h + 1) * trend + seas[(n + h) % season]) for h in range(horizon)])


def holt_winters_model(hist: History, days: list[date]) -> np.ndarray:
    _need(hist, 14, "Holt-Winters")
    daily = hist.calls.sum(axis=1).copy()
    usable = hist.usable()
    # Left-out days are filled with the same weekday's mean so the season stays intact.
    factors, mean_day = weekday_factors(hist), daily[usable].mean()
    for i, d in enumerate(hist.days):
        if not usable[i]:
            daily[i] = mean_day * factors[d.weekday()]
    last = hist.days[-1]
    horizon = (days[-1] - last).days
    if horizon < 1:
        raise ForecastError("the Holt-Winters model forecasts days after its history")
    ahead = holt_winters_daily(daily, horizon)
    shares = interval_shares(hist)
    out = np.zeros((len(days), hist.slots))
    for i, d in enumerate(days):
        out[i] = ahead[(d - last).days - 1] * shares[d.weekday()]
    return out


def forecast(hist: History, method: str, days: list[date], params: dict | None = None) -> Result:
    """Calls and AHT for `days` by `method`, with the holiday model for holidays."""
    params = params or {}
    if method == "share":
        calls = share_model(hist, days, params.get("monthly_calls"))
    elif method == "relative":
        calls = window_model(hist, days, weeks=int(params.get("weeks", 3)))
    elif method == "fixed":
        window = (date.fromisoformat(params["window_first"]), date.fromisoformat(params["window_last"]))
        calls = window_model(hist, days, window=window)
    elif method == "holt_winters":
        calls = holt_winters_model(hist, days)
    else:
        raise ForecastError(f"unknown method {method!r}")
    holiday = np.array([d in hist.holidays for d in days], dtype=bool)
    if holiday.any():
        past = [i for i, d in enumerate(hist.days) if d in hist.holidays and not hist.excluded[i]]
        factor = float(params.get("holiday_factor", HOLIDAY_FACTOR))
        for i in np.flatnonzero(holiday):
            calls[i] = hist.calls[past].mean(axis=0) if past else calls[i] * factor
    aht = aht_profile(hist, float(params.get("default_aht_s", DEFAULT_AHT_S)))
    return Result(days=days, calls=calls, aht_s=np.array([aht[d.weekday()] for d in days]), holiday=holiday)


def backtest(hist: History, method: str, params: dict | None = None, weeks: int = 2) -> dict | None:
    """Accuracy on held-out weeks: fit on the history before the last `weeks` weeks, forecast
    them, compare. WAPE = Σ|actual − forecast| / Σ actual over intervals; MAPE over daily totals
    (days with calls). None when the history is too short to hold weeks out."""
    if len(hist.days) < 7 * weeks + 14:
        return None
    cut = hist.days[-7 * weeks]
    train = hist.before(cut)
    test_idx = [i for i, d in enumerate(hist.days) if d >= cut and not hist.excluded[i]]
    test_days = [hist.days[i] for i in test_idx]
    params = dict(params or {})
    if method == "fixed":  # a fixed window inside the held-out weeks would peek at the answers
        params["window_last"] = min(params.get("window_last", cut.isoformat()), (cut - timedelta(days=1)).isoformat())
    try:
        got = forecast(train, method, test_days, params).calls
    except ForecastError:
        return None
    actual = hist.calls[test_idx]
    total = actual.sum()
    daily_a, daily_f = actual.sum(axis=1), got.sum(axis=1)
    nz = daily_a > 0
    return {"held_out_weeks": weeks, "held_out_from": cut.isoformat(),
            "wape": round(float(np.abs(actual - got).sum() / total), 4) if total else None,
            "mape_daily": round(float(np.mean(np.abs(daily_a[nz] - daily_f[nz]) / daily_a[nz])), 4) if nz.any()
            else None}


def _slot_range(spec: dict, interval_min: int, slots: int) -> slice:
    def slot(hhmm: str) -> int:
        h, m = hhmm.split(":")
        minutes = int(h) * 60 + int(m)
        if not 0 <= minutes <= 24 * 60 or int(m) >= 60:
            raise ValueError(hhmm)
        return minutes // interval_min

    return slice(slot(spec.get("from", "00:00")), min(slots, slot(spec.get("to", "24:00"))))


def apply_overrides(result: Result, overrides: dict, interval_min: int) -> Result:
    """Planner overrides and what-if, in order: global volume % (+20), volume % by time of day
    ([{"from": "16:00", "to": "24:00", "pct": 10}]), AHT by time of day ([{"from", "to",
    "aht_s"}] for intervals staffed by new hires), then what-if volume % and AHT change in s."""
    calls, aht = result.calls.copy(), result.aht_s.copy()
    slots = calls.shape[1]
    calls *= 1 + float(overrides.get("global_pct", 0)) / 100
    for spec in overrides.get("periods", []):
        calls[:, _slot_range(spec, interval_min, slots)] *= 1 + float(spec["pct"]) / 100
    for spec in overrides.get("aht", []):
        aht[:, _slot_range(spec, interval_min, slots)] = float(spec["aht_s"])
    calls *= 1 + float(overrides.get("whatif_volume_pct", 0)) / 100
    aht = np.maximum(1.0, aht + float(overrides.get("whatif_aht_delta_s", 0)))
    return Result(days=result.days, calls=calls, aht_s=aht, holiday=result.holiday)
