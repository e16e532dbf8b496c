"""WFM-1: volume and AHT per queue per interval from the call records, read through the one
KPI engine (`reports.kpis`), as day × interval matrices in the tenant's wall-clock time, with
the planner's exclusions and scaling applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Q

from reports import kpis
from reports.selectors import tenant_tz


@dataclass
class History:
    """Calls offered, handled and handle seconds per (day, interval slot)."""

    days: list[date]
    interval_min: int
    calls: np.ndarray
    handled: np.ndarray
    handle_s: np.ndarray
    excluded: np.ndarray  # per day: left out by the planner
    holidays: set[date] = field(default_factory=set)

    @property
    def slots(self) -> int:
        return 24 * 60 // self.interval_min

    def usable(self) -> np.ndarray:
        """Days that feed the ordinary-day models: not excluded and not a holiday."""
        return ~self.excluded & np.array([d not in self.holidays for d in self.days], dtype=bool)

    def _rows(self, rows: slice) -> History:
        return History(days=self.days[rows], interval_min=self.interval_min, calls=self.calls[rows],
                       handled=self.handled[rows], handle_s=self.handle_s[rows], excluded=self.excluded[rows],
                       holidays=self.holidays)

    def before(self, day: date) -> History:
        """The history up to (not including) `day`: what a backtest may know."""
        return self._rows(slice(0, sum(1 for d in self.days if d < day)))

    def since(self, day: date) -> History:
        """The history from `day` on."""
        return self._rows(slice(sum(1 for d in self.days if d < day), None))

    def overall_aht(self) -> float | None:
        handled = self.handled[~self.excluded].sum()
        return float(self.handle_s[~self.excluded].sum() / handled) if handled else None


def local_midnight(day: date, tz: str) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(tz))


def queue_history(*, queue_id: int, first_day: date, last_day: date, interval_min: int) -> History:
    """History of one queue over [first_day, last_day] (tenant's dates), with the planner's
    adjustments and the queue's holidays."""
    from telephony.models import Holiday
    from wfm.models import HistoryAdjustment

    tz = tenant_tz()
    days = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    slots = 24 * 60 // interval_min
    shape = (len(days), slots)
    calls, handled, handle_s = np.zeros(shape), np.zeros(shape), np.zeros(shape)
    where = "c.queue_id = %(queue)s AND c.queued_at >= %(start)s AND c.queued_at < %(end)s"
    params = {"queue": queue_id, "start": local_midnight(first_day, tz),
              "end": local_midnight(last_day + timedelta(days=1), tz)}
    index = {d: i for i, d in enumerate(days)}
    for (bucket,), k in kpis.call_kpis_grouped(group_by=[f"interval{interval_min}"], where=where, params=params,
                                               tz=tz):
        i = index.get(bucket.date())
        if i is None:
            continue
        s = (bucket.hour * 60 + bucket.minute) // interval_min
        calls[i, s] += k.offered
        handled[i, s] += k.handled
        handle_s[i, s] += (k.aht_s or 0) * k.handled
    excluded = np.zeros(len(days), dtype=bool)
    adjustments = HistoryAdjustment.objects.filter(Q(queue_id=queue_id) | Q(queue__isnull=True),
                                                   first_day__lte=last_day, last_day__gte=first_day)
    for adj in adjustments:
        for i, d in enumerate(days):
            if adj.first_day <= d <= adj.last_day:
                if adj.action == HistoryAdjustment.Action.EXCLUDE:
                    excluded[i] = True
                else:
                    calls[i] *= float(adj.factor)
    holidays = set(Holiday.objects.filter(Q(queue_id=queue_id) | Q(queue__isnull=True))
                   .values_list("date", flat=True))
    return History(days=days, interval_min=interval_min, calls=calls, handled=handled, handle_s=handle_s,
                   excluded=excluded, holidays=holidays)
