"""Report pages (issue 6): the interval report with its chart and table, CSV export. The
figures come from `reports.selectors.kpi_report`, i.e. the one KPI engine."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import connection
from django.shortcuts import render

from accounts.models import Role
from frontend.tenant_views import role_required
from reports import kpis, selectors

GROUP_LABELS = {"interval15": "15 minutes", "interval30": "30 minutes", "hour": "hour", "day": "day",
                "week": "week", "month": "month"}


def page_period(request, *, default_days: int = 1):
    """The page's `from`/`to` dates (tenant's timezone), as dates and as the half-open range
    of datetimes; a bad value falls back to the default period with a message."""
    tz = ZoneInfo(connection.tenant.timezone or "UTC")
    today = datetime.now(tz).date()
    first = today - timedelta(days=default_days - 1)
    try:
        start_d = date.fromisoformat(request.GET.get("from") or first.isoformat())
        end_d = date.fromisoformat(request.GET.get("to") or max(start_d, today).isoformat())
        if end_d < start_d or (end_d - start_d).days > 400:
            raise ValueError
    except ValueError:
        messages.error(request, "Give dates as YYYY-MM-DD, 'to' on or after 'from', at most 400 days; "
                                "showing the default period.")
        start_d, end_d = first, today
    return start_d, end_d, datetime.combine(start_d, time.min, tz), datetime.combine(end_d + timedelta(days=1),
                                                                                      time.min, tz)


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def interval_report_page(request):
    from telephony.models import Queue

    start_d, end_d, start, end = page_period(request)
    group = request.GET.get("group", "interval15")
    group = group if group in kpis.TIME_GROUPS else "interval15"
    queue = request.GET.get("queue", "")
    queue_id = int(queue) if queue.isdigit() else None
    report = selectors.kpi_report(start=start, end=end, group_by=[group], queue_id=queue_id)
    chart = {"labels": [r["label"] for r in report["rows"]],
             "offered": [r["offered"] for r in report["rows"]],
             "answered": [r["answered"] for r in report["rows"]],
             "abandoned": [r["abandoned"] for r in report["rows"]],
             "service_level": [None if r["service_level"] is None else round(r["service_level"] * 100, 1)
                               for r in report["rows"]]}
    return render(request, "reports/interval.html", {
        "report": report, "chart": chart, "from": start_d, "to": end_d, "group": group, "groups": GROUP_LABELS,
        "group_label": "interval" if group.startswith("interval") else GROUP_LABELS[group],
        "queues": Queue.objects.order_by("name"), "queue_id": queue_id,
        "csv_url": f"/api/v1/reports/kpis?from={start_d}&to={end_d}&group_by={group}&export=csv"
                   + (f"&queue={queue_id}" if queue_id else "")})


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def agent_report_page(request):
    start_d, end_d, start, end = page_period(request, default_days=7)
    return render(request, "reports/agents.html", {
        "rows": selectors.agent_report(start=start, end=end), "from": start_d, "to": end_d,
        "service": kpis.service_kpis(start=start, end=end),
        "csv_url": f"/api/v1/reports/agents?from={start_d}&to={end_d}&export=csv"})
