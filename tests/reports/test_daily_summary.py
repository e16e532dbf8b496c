"""The daily summary e-mail (issue 6): sent by the real Celery worker to supervisors and
admins once the tenant's own morning has come, with yesterday's figures from the KPI engine,
exactly once per day; nothing before the hour."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tenants.utils import tenant_context

from tests.reports.test_kpis import _call

ZONES = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata",
         "Australia/Sydney", "Pacific/Auckland"]


def _zone_in_working_hours() -> str:
    """A timezone where it is now between 08:00 and 22:59, so the summary is due."""
    now = timezone.now()
    return next(z for z in ZONES if 8 <= now.astimezone(ZoneInfo(z)).hour <= 22)


def test_yesterdays_summary_goes_once_to_supervisors_in_the_tenants_morning(center, celery_worker):
    from reports.models import DailySummary
    from reports.services import daily_summary_send
    from reports.tasks import daily_summaries
    from telephony.models import Queue
    from tenants.models import Tenant
    from tests.conftest import wait_for

    zone = _zone_in_working_hours()
    Tenant.objects.filter(pk=center.tenant.pk).update(timezone=zone)
    center.tenant.refresh_from_db()
    tz = ZoneInfo(zone)
    yesterday = timezone.now().astimezone(tz).date() - timedelta(days=1)
    noon = datetime.combine(yesterday, time(12), tz)
    with center.in_tenant():
        q = Queue.objects.get(name="General")
        _call(q, noon, wait=10, talk=100, acw=20)
        _call(q, noon + timedelta(minutes=5), wait=40, abandoned=True)
        _call(q, datetime.combine(yesterday + timedelta(days=1), time(0, 30), tz), wait=5, talk=10)  # today: not in it
        # Before the hour nothing is due.
        early = datetime.combine(yesterday + timedelta(days=1), time(6, 59), tz)
        assert daily_summary_send(now=early) is False and not DailySummary.objects.exists()

    def sent():
        with tenant_context(center.tenant):
            return DailySummary.objects.filter(day=yesterday, status="sent").exists()

    daily_summaries.apply_async(queue="hostline-test")
    wait_for("the worker to send the summary", sent, timeout=60)
    mail = celery_worker.wait_for_mail(f"daily summary: {center.tenant.name}, {yesterday:%Y-%m-%d}")
    assert center.users["supervisor"].email in mail and center.users["admin"].email in mail
    assert center.users["agent1"].email not in mail
    assert "Offered 2, answered 1, abandoned 1" in mail and "General: offered 2" in mail and zone in mail
    with center.in_tenant():
        assert daily_summary_send(now=timezone.now()) is False  # once per day
        row = DailySummary.objects.get(day=yesterday)
    assert row.recipients == 2
