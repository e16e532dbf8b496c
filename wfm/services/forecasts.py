"""Forecast writes: build a forecast from the queue's history, staff each interval (Erlang C,
or Erlang A with patience; shrinkage on top) and store it in one transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction

from accounts.services import audit_record
from config.errors import ServiceError, field_error
from reports.selectors import tenant_tz
from wfm import erlang
from wfm import forecast as fc
from wfm.history import History, queue_history
from wfm.models import Forecast, ForecastInterval, HistoryAdjustment

MAX_HISTORY_DAYS = 731  # WFM-1: up to 2 years
DEFAULT_HISTORY_DAYS = 91
MAX_YEARS_AWAY = 10


def _day(value, name: str) -> date:
    """A forecast's dates: ISO days within ten years of today (history and horizon alike)."""
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value))
        except ValueError:
            raise field_error(name, f"'{value}' is not a date; use YYYY-MM-DD.") from None
    today = date.today()
    if abs((value - today).days) > MAX_YEARS_AWAY * 366:
        raise field_error(name, f"{value} is more than {MAX_YEARS_AWAY} years from today.")
    return value


def _clean_overrides(raw) -> dict:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise field_error("overrides", "an object such as {\"global_pct\": 20}.")
    known = {"global_pct", "periods", "aht", "whatif_volume_pct", "whatif_aht_delta_s"}
    unknown = set(raw) - known
    if unknown:
        raise field_error("overrides",
                          f"unknown override(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(known))}.")
    for key in ("global_pct", "whatif_volume_pct", "whatif_aht_delta_s"):
        if key in raw and (not isinstance(raw[key], int | float) or not -90 <= raw[key] <= 500):
            raise field_error("overrides", f"{key} must be a number between -90 and 500.")
    for key, value_key in (("periods", "pct"), ("aht", "aht_s")):
        for spec in raw.get(key, []):
            if not isinstance(spec, dict) or value_key not in spec:
                raise field_error("overrides", f"each of {key} needs from, to and {value_key}.")
            try:
                fc._slot_range(spec, 15, 96)
            except (ValueError, AttributeError):
                raise field_error("overrides", f"{key}: times are HH:MM between 00:00 and 24:00.") from None
            v = spec[value_key]
            if not isinstance(v, int | float) or (value_key == "pct" and not -90 <= v <= 500) or (
                    value_key == "aht_s" and not 1 <= v <= 7200):
                raise field_error("overrides", f"{key}: {value_key} out of range.")
    return raw


def history_for(*, queue_id: int, first_day: date, interval_min: int, params: dict) -> History:
    """The planner's history window (default: the 13 weeks before the forecast, from the
    queue's first calls)."""
    h_first = _day(params.get("history_first", first_day - timedelta(days=DEFAULT_HISTORY_DAYS)), "history_first")
    h_last = _day(params.get("history_last", first_day - timedelta(days=1)), "history_last")
    if h_last < h_first:
        raise field_error("history_last", "the history window ends before it starts.")
    if (h_last - h_first).days >= MAX_HISTORY_DAYS:
        raise field_error("history_first", f"use at most {MAX_HISTORY_DAYS} days (2 years) of history.")
    hist = queue_history(queue_id=queue_id, first_day=h_first, last_day=h_last, interval_min=interval_min)
    if "history_first" not in params:
        # By default the history starts with the queue's first calls: days before it existed
        # are not quiet days.
        busy = (hist.calls.sum(axis=1) > 0).nonzero()[0]
        if busy.size and busy[0] > 0:
            hist = hist.since(hist.days[busy[0]])
    return hist


def interval_starts(days: list[date], interval_min: int, tz: str) -> list[list[datetime | None]]:
    """Aware starts of each (day, slot) in the tenant's wall-clock time; None for the slots a
    spring-forward night skips (the repeated autumn hour is one slot)."""
    zone = ZoneInfo(tz)
    out = []
    for d in days:
        row = []
        for s in range(24 * 60 // interval_min):
            naive = datetime(d.year, d.month, d.day) + timedelta(minutes=s * interval_min)
            aware = naive.replace(tzinfo=zone)
            exists = aware.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) == naive
            row.append(aware if exists else None)
        out.append(row)
    return out


def staff(calls: np.ndarray, aht_s: np.ndarray, interval_min: int, *, target_sl: float, threshold_s: float,
          shrinkage: float, patience_s: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agents required (Erlang C, or Erlang A with a patience, for the whole array at once),
    the agents to schedule after shrinkage and the predicted service level."""
    interval_s = interval_min * 60
    if patience_s:
        s = erlang.agents_for_sl_a_batch(calls, aht_s, interval_s, target_sl, threshold_s, patience_s)
    else:
        s = erlang.agents_for_sl(calls, aht_s, interval_s, target_sl, threshold_s)
    req, sl = s.agents, s.service_level
    return req, erlang.scheduled_for(req, shrinkage), sl


@transaction.atomic
def forecast_create(*, queue, name: str, method: str, first_day, days: int, interval_min: int | None = None,
                    params: dict | None = None, overrides: dict | None = None, target_sl: float | None = None,
                    threshold_s: int | None = None, shrinkage: float = 0.3, patience_s: float | None = None,
                    by=None) -> Forecast:
    """Forecast `days` days from `first_day` for `queue` and store it with its requirements."""
    params = dict(params or {})
    if method not in Forecast.Method.values:
        raise field_error("method", f"one of {', '.join(Forecast.Method.values)}.")
    first_day = _day(first_day, "first_day")
    if not 1 <= int(days) <= 92:
        raise field_error("days", "forecast 1 to 92 days at a time.")
    if not 0 <= shrinkage < 0.95:
        raise field_error("shrinkage", "a share between 0 and 0.95 (0.3 = 30 %).")
    target_sl = queue.sl_target_pct / 100 if target_sl is None else target_sl
    threshold_s = queue.sl_threshold_s if threshold_s is None else threshold_s
    if not 0 < target_sl < 1:
        raise field_error("target_sl", "a share between 0 and 1 (0.8 = 80 %).")
    overrides = _clean_overrides(overrides)
    if method == "fixed":
        for key in ("window_first", "window_last"):
            if key not in params:
                raise field_error(key, "the fixed-window model needs window_first and window_last (YYYY-MM-DD).")
            _day(params[key], key)
    if interval_min is None:  # WFM-1: 15 minutes, 30 when calls are long
        probe = history_for(queue_id=queue.pk, first_day=first_day, interval_min=30, params=params)
        interval_min = 30 if (probe.overall_aht() or 0) > 600 else 15
    if interval_min not in (15, 30):
        raise field_error("interval_min", "15 or 30.")
    hist = history_for(queue_id=queue.pk, first_day=first_day, interval_min=interval_min, params=params)
    target_days = [first_day + timedelta(days=i) for i in range(int(days))]
    try:
        result = fc.forecast(hist, method, target_days, params)
    except fc.ForecastError as exc:
        raise ServiceError("not_enough_history", str(exc), {"method": [str(exc)]}) from None
    result = fc.apply_overrides(result, overrides, interval_min)
    try:
        required, scheduled, sl = staff(result.calls, result.aht_s, interval_min, target_sl=target_sl,
                                        threshold_s=threshold_s, shrinkage=shrinkage, patience_s=patience_s)
    except erlang.ErlangTooLarge as exc:
        raise field_error("patience_s", str(exc)) from None
    forecast = Forecast.objects.create(
        queue=queue, name=name or f"{queue.name} from {first_day}", method=method, first_day=first_day,
        days=int(days), interval_min=interval_min, params=params, overrides=overrides, target_sl=target_sl,
        threshold_s=threshold_s, shrinkage=shrinkage, patience_s=patience_s,
        accuracy=fc.backtest(hist, method, params) or {}, created_by=by)
    rows = []
    for i, starts in enumerate(interval_starts(target_days, interval_min, tenant_tz())):
        for s, start in enumerate(starts):
            if start is None:
                continue
            rows.append(ForecastInterval(
                forecast=forecast, start=start, calls=round(float(result.calls[i, s]), 3),
                aht_s=round(float(result.aht_s[i, s]), 1), required=int(required[i, s]),
                scheduled=int(scheduled[i, s]), service_level=round(float(sl[i, s]), 4),
                holiday=bool(result.holiday[i])))
    ForecastInterval.objects.bulk_create(rows, batch_size=2000)
    audit_record(actor=by, action="wfm.forecast_create", target=forecast,
                 summary=f"Forecast '{forecast.name}' ({method}, {days} days) for {queue.name}")
    return forecast


@transaction.atomic
def history_adjust(*, queue=None, first_day, last_day, action: str, factor: float = 1.0, reason: str,
                   by=None) -> HistoryAdjustment:
    """WFM-1: exclude a stretch of history or scale it (× 1.15 after 15 % growth)."""
    first_day, last_day = _day(first_day, "first_day"), _day(last_day, "last_day")
    if last_day < first_day:
        raise field_error("last_day", "the stretch ends before it starts.")
    if action not in HistoryAdjustment.Action.values:
        raise field_error("action", "exclude or scale.")
    if action == "scale" and not 0 < float(factor) <= 100:
        raise field_error("factor", "a factor above 0 (1.15 = +15 %).")
    if not (reason or "").strip():
        raise field_error("reason", "say why (the planner after you will ask).")
    adj = HistoryAdjustment.objects.create(queue=queue, first_day=first_day, last_day=last_day, action=action,
                                           factor=factor, reason=reason.strip(), created_by=by)
    audit_record(actor=by, action="wfm.history_adjust", target=adj,
                 summary=f"History {action} {first_day}–{last_day}: {reason.strip()}")
    return adj
