"""Calendar helpers shared by apps that reason in months (WFM leave, billing periods)."""

from __future__ import annotations

from datetime import date, timedelta


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    first = date(year, month, 1)
    return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
