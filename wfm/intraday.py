"""WFM-9 intraday: actual volume per interval (the KPI engine) against the forecast, an alert
past 10 % deviation, the rest of the day re-forecast at the day's actual/forecast ratio and
re-staffed, and suggestions against the agents the published schedule puts on the phones."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from reports import kpis
from reports.selectors import tenant_tz
from wfm import erlang
from wfm.history import local_midnight

DEVIATION_ALERT = 0.10
PHONE = "phone"


def on_floor(queue, starts: list[datetime], interval_min: int) -> tuple[np.ndarray, dict[int, datetime]]:
    """Agents the published schedule has on the phones for `queue` per interval start, and
    each scheduled agent's shift end (for overtime offers)."""
    from accounts.models import User
    from wfm.adherence import planned
    from wfm.services.schedules import eligible_queues, published_shifts

    if not starts:
        return np.zeros(0), {}
    day_first, day_last = starts[0].date() - timedelta(days=1), starts[-1].date()
    shifts = list(published_shifts(first=day_first, last=day_last))
    users = User.objects.filter(pk__in={s.agent_id for s in shifts})
    serves = eligible_queues(list(users), [queue])
    shifts = [s for s in shifts if str(queue.pk) in serves.get(s.agent_id, frozenset())]
    step = timedelta(minutes=interval_min)
    counts = np.zeros(len(starts))
    ends: dict[int, datetime] = {}
    for s in shifts:
        ends[s.agent_id] = max(ends.get(s.agent_id, s.end), s.end)
        phone = [(a, b) for a, b, kind in planned(s) if kind == PHONE]
        for i, t in enumerate(starts):
            mid = t + step / 2
            if any(a <= mid < b for a, b in phone):
                counts[i] += 1
    return counts, ends


def intraday(forecast, day: date, now: datetime) -> dict:
    """The day so far and the rest re-forecast, for one forecast (one queue)."""
    zone = ZoneInfo(tenant_tz())
    rows = [iv for iv in forecast.intervals.all() if iv.start.astimezone(zone).date() == day]
    im = forecast.interval_min
    step = timedelta(minutes=im)
    start, end = local_midnight(day, tenant_tz()), local_midnight(day + timedelta(days=1), tenant_tz())
    actual = {}
    for (bucket,), k in kpis.call_kpis_grouped(
            group_by=[f"interval{im}"], where="c.queue_id = %(q)s AND c.queued_at >= %(s)s AND c.queued_at < %(e)s",
            params={"q": forecast.queue_id, "s": start, "e": min(end, now)}, tz=tenant_tz()):
        actual[bucket.replace(tzinfo=zone)] = k
    done = [iv for iv in rows if iv.start + step <= now]
    f_so_far = sum(iv.calls for iv in done)
    a_so_far = sum(actual[iv.start].offered for iv in done if iv.start in actual)  # aware: same instant
    deviation = (a_so_far - f_so_far) / f_so_far if f_so_far else None
    ratio = a_so_far / f_so_far if f_so_far else 1.0
    handled = sum(k.handled for k in actual.values())
    aht_actual = sum((k.aht_s or 0) * k.handled for k in actual.values()) / handled if handled else None
    aht_forecast = np.mean([iv.aht_s for iv in done]) if done else None
    aht_ratio = aht_actual / aht_forecast if aht_actual and aht_forecast and handled >= 20 else 1.0
    rest = [iv for iv in rows if iv.start + step > now]
    calls = np.array([iv.calls * ratio for iv in rest])
    aht = np.array([max(1.0, iv.aht_s * aht_ratio) for iv in rest])
    need = erlang.agents_for_sl(calls, aht, im * 60, forecast.target_sl, forecast.threshold_s).agents if rest else []
    floor, ends = on_floor(forecast.queue, [iv.start for iv in rows], im)
    table = []
    for i, iv in enumerate(rows):
        local = iv.start.astimezone(zone)
        k = actual.get(iv.start)
        j = i - len(rows) + len(rest)
        table.append({"start": local.isoformat(), "time": local.strftime("%H:%M"), "forecast_calls": iv.calls,
                      "actual_calls": k.offered if k else (0 if iv.start + step <= now else None),
                      "forecast_required": iv.required, "on_floor": int(floor[i]) if len(floor) else 0,
                      "reforecast_calls": round(float(calls[j]), 2) if j >= 0 else None,
                      "reforecast_required": int(need[j]) if j >= 0 else None,
                      "deviation": round((k.offered - iv.calls) / iv.calls, 4) if k and iv.calls else None})
    return {"forecast": forecast.pk, "queue": forecast.queue_id, "day": day.isoformat(), "at": now.isoformat(),
            "forecast_so_far": round(f_so_far, 2), "actual_so_far": a_so_far,
            "deviation": round(deviation, 4) if deviation is not None else None,
            "alert": deviation is not None and abs(deviation) > DEVIATION_ALERT, "aht_actual_s": aht_actual,
            "intervals": table, "suggestions": suggestions(table, ends, now, im)}


def suggestions(table: list[dict], ends: dict[int, datetime], now: datetime, interval_min: int) -> list[str]:
    """What a supervisor can do about the rest of the day."""
    from accounts.models import User

    upcoming = [r for r in table if r["reforecast_required"] is not None]
    short = [r for r in upcoming if r["reforecast_required"] > r["on_floor"]]
    spare = [r for r in upcoming if r["on_floor"] - r["reforecast_required"] >= 2]
    out = []
    if short:
        worst = max(short, key=lambda r: r["reforecast_required"] - r["on_floor"])
        gap = worst["reforecast_required"] - worst["on_floor"]
        first = datetime.fromisoformat(short[0]["start"])
        ending = sorted((end, uid) for uid, end in ends.items() if now <= end <= first + timedelta(hours=1))
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=[uid for _, uid in ending])}
        out.append(f"Short by up to {gap} agent(s) from {short[0]['time']} (worst at {worst['time']}).")
        for end, uid in ending[:5]:
            out.append(f"Offer overtime to {names.get(uid, uid)} (shift ends {end.astimezone(first.tzinfo):%H:%M}).")
        out.append("Cancel or move training and meetings planned in these intervals.")
    if spare and len(spare) * interval_min >= 60:
        most = max(r["on_floor"] - r["reforecast_required"] for r in spare)
        out.append(f"Up to {most} agent(s) more than needed from {spare[0]['time']}: release early or offer time "
                   "off (VTO), or schedule coaching.")
    return out
