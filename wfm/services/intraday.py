"""Intraday alerts (WFM-9): raised once per interval, pushed to supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from reports.selectors import tenant_tz
from tenants.realtime import event_on_commit
from wfm.intraday import intraday
from wfm.models import Forecast, IntradayAlert


def todays_forecasts(day) -> list[Forecast]:
    """The newest forecast covering `day` for each queue."""
    out: dict[int, Forecast] = {}
    for f in Forecast.objects.select_related("queue").filter(first_day__lte=day).order_by("-created_at"):
        if f.first_day + timedelta(days=f.days - 1) >= day and f.queue_id not in out:
            out[f.queue_id] = f
    return list(out.values())


def intraday_alerts(now: datetime | None = None) -> int:
    from telephony import clock

    now = now or clock.now()
    day = now.astimezone(ZoneInfo(tenant_tz())).date()
    raised = 0
    for f in todays_forecasts(day):
        view = intraday(f, day, now)
        if not view["alert"]:
            continue
        last_done = [r for r in view["intervals"] if r["actual_calls"] is not None and r["reforecast_calls"] is None]
        if not last_done:
            continue
        try:
            with transaction.atomic():
                IntradayAlert.objects.create(forecast=f, interval_start=datetime.fromisoformat(last_done[-1]["start"]),
                                             forecast_calls=view["forecast_so_far"], actual_calls=view["actual_so_far"],
                                             deviation=view["deviation"])
                event_on_commit(["supervisors"], "alert", {
                    "kind": "intraday", "queue": f.queue.name, "deviation": view["deviation"],
                    "text": f"{f.queue.name}: {view['actual_so_far']:g} calls so far against "
                            f"{view['forecast_so_far']:g} forecast ({view['deviation']:+.0%}). "
                            + " ".join(view["suggestions"][:2])})
            raised += 1
        except IntegrityError:
            continue  # this interval's alert is out already
    return raised
