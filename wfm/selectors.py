"""WFM reads: forecasts with their intervals, grouped per day for the pages and the API."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from reports.selectors import tenant_tz
from wfm.models import Forecast


def forecast_summary(f: Forecast) -> dict:
    return {"id": f.pk, "name": f.name, "queue": f.queue_id, "queue_name": f.queue.name, "method": f.method,
            "first_day": f.first_day.isoformat(), "days": f.days, "interval_min": f.interval_min,
            "target_sl": f.target_sl, "threshold_s": f.threshold_s, "shrinkage": f.shrinkage,
            "patience_s": f.patience_s, "params": f.params, "overrides": f.overrides, "accuracy": f.accuracy,
            "created_at": f.created_at.isoformat()}


def forecast_days(f: Forecast, day: date | None = None) -> list[dict]:
    """The forecast's intervals per local day: calls, AHT, required, scheduled, predicted SL,
    with the day's totals (calls, agent-hours to schedule)."""
    zone = ZoneInfo(tenant_tz())
    per_day: dict[date, list] = defaultdict(list)
    for iv in f.intervals.all():
        local = iv.start.astimezone(zone)
        if day is None or local.date() == day:
            per_day[local.date()].append({
                "start": local.isoformat(), "time": local.strftime("%H:%M"), "calls": iv.calls, "aht_s": iv.aht_s,
                "required": iv.required, "scheduled": iv.scheduled, "service_level": iv.service_level,
                "holiday": iv.holiday})
    hours = f.interval_min / 60
    return [{"day": d.isoformat(), "calls": round(sum(i["calls"] for i in rows), 1),
             "required_hours": round(sum(i["required"] for i in rows) * hours, 2),
             "scheduled_hours": round(sum(i["scheduled"] for i in rows) * hours, 2),
             "peak_required": max((i["required"] for i in rows), default=0), "intervals": rows}
            for d, rows in sorted(per_day.items())]
