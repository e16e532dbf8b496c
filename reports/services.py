"""Scheduled reports: the daily summary e-mail to supervisors and admins (issue 6). Beat runs
the sweep often; each tenant's summary of yesterday goes out once its local clock passes
REPORTS_SUMMARY_HOUR. A `DailySummary` row per day makes it once-only: claimed by one
conditional UPDATE, marked sent after the mail went; a failed send gives it back."""

from __future__ import annotations

import contextlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q

from reports.models import DailySummary
from reports.selectors import kpi_report


def _pct(v) -> str:
    return "–" if v is None else f"{v * 100:.1f} %"


def _secs(v) -> str:
    return "–" if v is None else f"{v:.0f} s"


def summary_text(*, day, tz: str) -> tuple[str, str]:
    """Subject and body of one day's summary, from the KPI engine."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    report = kpi_report(start=start, end=end, group_by=["queue"], service=True)
    total, service = report["total"], report["service"]
    name = getattr(connection.tenant, "name", "")
    lines = [f"{name}: calls on {day:%A %d %B %Y} ({tz})", "",
             f"Offered {total['offered']}, answered {total['answered']}, abandoned {total['abandoned']} "
             f"(+{total['short_abandoned']} short)",
             f"Service level {_pct(total['service_level'])} · ASA {_secs(total['asa_s'])} · "
             f"AHT {_secs(total['aht_s'])} · abandon rate {_pct(total['abandon_rate'])}",
             f"FCR {_pct(service['fcr'])} · CSAT {_pct(service['csat'])} ({service['survey_answers']} answers) · "
             f"repeat calls {_pct(service['repeat_rate_7d'])}", "", "Per queue:"]
    for row in report["rows"]:
        lines.append(f"  {row['label']}: offered {row['offered']}, SL {_pct(row['service_level'])}, "
                     f"ASA {_secs(row['asa_s'])}, AHT {_secs(row['aht_s'])}, abandoned {row['abandoned']}")
    if not report["rows"]:
        lines.append("  no calls reached a queue")
    return f"Hostline daily summary: {name}, {day:%Y-%m-%d}", "\n".join(lines) + "\n"


CLAIM_TIMEOUT = timedelta(minutes=10)  # a worker that died while sending gives the day back


def daily_summary_claim(*, now: datetime) -> DailySummary | None:
    """Claim yesterday's summary if this tenant's local time is past REPORTS_SUMMARY_HOUR and
    nobody sent or is sending it. The claim is one conditional UPDATE: of two workers at the
    same moment exactly one gets the row."""
    tz = ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")
    local = now.astimezone(tz)
    if local.hour < settings.REPORTS_SUMMARY_HOUR:
        return None
    day = local.date() - timedelta(days=1)
    with contextlib.suppress(IntegrityError), transaction.atomic():
        DailySummary.objects.get_or_create(day=day)
    free = Q(status=DailySummary.Status.PENDING) | Q(status=DailySummary.Status.SENDING,
                                                     claimed_at__lt=now - CLAIM_TIMEOUT)
    if not DailySummary.objects.filter(free, day=day).update(status=DailySummary.Status.SENDING, claimed_at=now):
        return None
    return DailySummary.objects.get(day=day)


def daily_summary_send(*, now: datetime) -> bool:
    """Send yesterday's summary to this tenant's supervisors and admins, once."""
    from accounts.models import Role, User

    row = daily_summary_claim(now=now)
    if row is None:
        return False
    tz = getattr(connection.tenant, "timezone", "") or "UTC"
    to = sorted({u.email for u in User.objects.filter(status="active", is_bot=False)
                 if u.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)})
    subject, body = summary_text(day=row.day, tz=tz)
    try:
        if to:
            send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    except Exception:
        DailySummary.objects.filter(pk=row.pk).update(status=DailySummary.Status.PENDING)  # the next beat retries
        raise
    DailySummary.objects.filter(pk=row.pk).update(status=DailySummary.Status.SENT, recipients=len(to), sent_at=now)
    return True



