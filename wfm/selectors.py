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


def schedule_summary(s) -> dict:
    r = s.result or {}
    return {"id": s.pk, "name": s.name, "status": s.status, "first_day": s.first_day.isoformat(), "days": s.days,
            "interval_min": s.interval_min, "forecasts": [f.pk for f in s.forecasts.all()],
            "team": s.team_id, "seats": s.seats, "shrinkage": s.shrinkage, "virtual_agents": s.virtual_agents,
            "published_at": s.published_at.isoformat() if s.published_at else None,
            "figures": {k: r.get(k) for k in ("status", "solve_s", "shifts", "paid_hours", "required_agent_intervals",
                                              "under_agent_intervals", "under_pct", "lp_bound_under",
                                              "gap_to_bound_pct", "predicted_sl", "agents", "virtual_agents",
                                              "notes")} if r else None}


def shift_row(sh) -> dict:
    zone = ZoneInfo(tenant_tz())
    start, end = sh.start.astimezone(zone), sh.end.astimezone(zone)
    return {"id": sh.pk, "agent": sh.agent_id, "agent_name": str(sh.agent) if sh.agent_id else sh.virtual_label,
            "day": sh.day.isoformat(), "start": start.isoformat(), "end": end.isoformat(),
            "label": f"{start:%H:%M}–{end:%H:%M}", "template": sh.template.name if sh.template_id else "",
            "breaks": [{"kind": b["kind"], "start": b["start"], "end": b["end"],
                        "label": f"{b['start'][11:16]}–{b['end'][11:16]}"} for b in sh.breaks]}


def schedule_detail(s, day: date | None = None) -> dict:
    shifts = s.shifts.select_related("agent", "template")
    if day is not None:
        shifts = shifts.filter(day=day)
    days = (s.result or {}).get("days", [])
    if day is not None:
        days = [d for d in days if d["day"] == day.isoformat()]
    return {**schedule_summary(s), "shifts": [shift_row(sh) for sh in shifts], "coverage": days}


def schedule_compare(a, b) -> dict:
    """Two schedules side by side (WFM-6 what-if): figures, and per interval the agents on
    the phones of each against the requirement."""
    ra, rb = a.result or {}, b.result or {}
    days_b = {d["day"]: d for d in rb.get("days", [])}
    rows = []
    for da in ra.get("days", []):
        db = days_b.get(da["day"])
        if db is None:
            continue
        rows.append({"day": da["day"], "required": da["required"], "a_on_floor": da["on_floor"],
                     "b_on_floor": db["on_floor"], "a_predicted_sl": da["predicted_sl"],
                     "b_predicted_sl": db["predicted_sl"]})
    return {"a": schedule_summary(a), "b": schedule_summary(b), "days": rows}
