"""Small helpers every API module shares."""

from __future__ import annotations


def validated(serializer_cls, request) -> dict:
    """The request body checked by `serializer_cls` (a 400 with per-field messages otherwise)."""
    data = serializer_cls(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def period_of(request, *, default_days: int = 30, max_days: int = 400):
    """`from` and `to` query dates (inclusive, YYYY-MM-DD, in the tenant's timezone) as the
    half-open datetime range [from 00:00, day after `to` 00:00); a 400 naming the bad one."""
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.db import connection

    from config.errors import field_error

    tz = ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")
    today = datetime.now(tz).date()
    days = {}
    for name, fallback in (("from", today - timedelta(days=default_days - 1)), ("to", None)):
        raw = request.query_params.get(name, "")
        try:
            days[name] = date.fromisoformat(raw) if raw else fallback
        except ValueError:
            raise field_error(name, f"'{raw}' is not a date; use YYYY-MM-DD.") from None
    if days["to"] is None:  # 'from' alone: the default span from there (or up to today)
        days["to"] = max(days["from"], min(today, days["from"] + timedelta(days=default_days - 1)))
    if days["to"] < days["from"]:
        raise field_error("to", "'to' is before 'from'.")
    if (days["to"] - days["from"]).days >= max_days:
        raise field_error("to", f"Ask for at most {max_days} days at a time.")
    start = datetime.combine(days["from"], time.min, tz)
    end = datetime.combine(days["to"] + timedelta(days=1), time.min, tz)
    return start, end
