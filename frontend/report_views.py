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
                "week": "week", "month": "month", "queue": "queue", "team": "team", "disposition": "disposition"}


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
    group = group if group in GROUP_LABELS else "interval15"
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


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def calls_report_page(request):
    """Call detail with filters; the abandoned list (outcome=abandoned) offers a callback."""
    from django.core.paginator import Paginator

    from accounts.models import User
    from telephony.models import Outcome, Queue

    start_d, end_d, start, end = page_period(request)
    f = {k: request.GET.get(k, "") for k in ("queue", "agent", "outcome", "number")}
    qs = selectors.call_detail(start=start, end=end, queue_id=int(f["queue"]) if f["queue"].isdigit() else None,
                               agent_id=int(f["agent"]) if f["agent"].isdigit() else None,
                               outcome=f["outcome"] if f["outcome"] in Outcome.values else "",
                               number=f["number"].strip()[:20])
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    return render(request, "reports/calls.html", {
        "page": page, "f": f, "from": start_d, "to": end_d, "queues": Queue.objects.order_by("name"),
        "agents": User.objects.filter(agent_profile__isnull=False, is_bot=False).order_by("email"),
        "outcomes": Outcome.choices, "query": request.GET.urlencode()})


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def call_report_page(request, pk: int):
    """One call: its facts, legs, every event and routing decision, its recordings and cases."""
    from django.shortcuts import get_object_or_404

    from crm.models import Case
    from telephony.models import Call

    call = get_object_or_404(Call.objects.select_related("queue", "agent", "number"), pk=pk)
    return render(request, "reports/call.html", {
        "call": call, "events": call.events.all(), "legs": call.legs.select_related("user"),
        "decisions": call.decisions.select_related("agent", "queue")[:50],
        "recordings": call.recordings.all(), "cases": Case.objects.filter(call=call)})


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def call_back_page(request, pk: int):
    """From the abandoned list: schedule a callback to the caller now, in the call's queue."""
    from django.shortcuts import get_object_or_404, redirect

    from config.errors import ServiceError
    from telephony import clock
    from telephony.models import Call
    from telephony.services.callbacks import callback_request

    if request.method != "POST":
        return redirect("call-report", pk=pk)
    call = get_object_or_404(Call.objects.select_related("queue"), pk=pk)
    try:
        if call.queue is None:
            raise ServiceError("no_queue", "This call never reached a queue; there is nobody to call back from.")
        callback_request(number=call.ani, queue=call.queue, origin="agent", due_at=clock.now(), actor=request.user,
                         note=f"abandoned call {call.pk}")
        messages.success(request, f"Callback to {call.ani} scheduled now in {call.queue.name}.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/reports/calls") else "calls-report")  # never off-site
