"""Workforce-management pages (issue 7): planners forecast, build, compare and publish
schedules, decide leave and swaps, watch adherence and the day; agents see their shifts and
ask for leave and swaps. Every figure comes from the wfm services and selectors."""

from __future__ import annotations

import json
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.db import connection
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from config.errors import ServiceError
from frontend.tenant_views import role_required
from wfm import selectors

PLANNERS = (Role.WFM_PLANNER, Role.SUPERVISOR, Role.TENANT_ADMIN)
COLORS = {"calls": "#2563eb", "required": "#dc2626", "scheduled": "#f59e0b", "on_floor": "#16a34a",
          "sl": "#7c3aed", "b": "#0891b2"}


def _tz() -> ZoneInfo:
    return ZoneInfo(connection.tenant.timezone or "UTC")


def _today() -> date:
    from datetime import datetime

    return datetime.now(_tz()).date()


def _day_param(request, default: date) -> date:
    try:
        return date.fromisoformat(request.GET.get("day") or default.isoformat())
    except ValueError:
        messages.error(request, "Give the day as YYYY-MM-DD.")
        return default


def _error(request, exc: ServiceError) -> None:
    messages.error(request, exc.message)


def _chart(labels, datasets, y="agents", y2=None) -> str:
    return json.dumps({"labels": labels, "datasets": datasets, "y": y, "y2": y2})


@role_required(*PLANNERS)
def wfm_home(request):
    from telephony.models import Queue
    from wfm.models import Forecast, Schedule, ShiftTemplate

    return render(request, "wfm/home.html", {
        "forecasts": Forecast.objects.select_related("queue")[:30],
        "schedules": Schedule.objects.prefetch_related("forecasts")[:30],
        "templates": ShiftTemplate.objects.all(), "queues": Queue.objects.order_by("name"),
        "methods": Forecast.Method.choices, "tomorrow": _today() + timedelta(days=1)})


def _num(request, name: str, default=None, cast=float):
    raw = request.POST.get(name, "")
    if raw == "":
        return default
    try:
        return cast(raw)
    except ValueError:
        raise ServiceError("invalid", f"{name}: '{raw}' is not a number.", {name: ["not a number"]}) from None


@role_required(*PLANNERS)
@require_POST
def forecast_new(request):
    from telephony.models import Queue
    from wfm.services import forecast_create

    try:
        queue = Queue.objects.filter(pk=_num(request, "queue", 0, int)).first()
        if queue is None:
            raise ServiceError("invalid", "Pick a queue.")
        params = {}
        if request.POST.get("weeks"):
            params["weeks"] = _num(request, "weeks", 3, int)
        for key in ("window_first", "window_last", "history_first"):
            if request.POST.get(key):
                params[key] = request.POST[key]
        if request.POST.get("monthly_calls") and request.POST.get("first_day"):
            params["monthly_calls"] = {request.POST["first_day"][:7]: _num(request, "monthly_calls")}
        overrides = {}
        for key in ("global_pct", "whatif_volume_pct", "whatif_aht_delta_s"):
            if request.POST.get(key):
                overrides[key] = _num(request, key)
        if request.POST.get("after_time") and request.POST.get("after_pct"):
            overrides["periods"] = [{"from": request.POST["after_time"], "to": "24:00",
                                     "pct": _num(request, "after_pct")}]
        target = _num(request, "target_sl_pct")
        f = forecast_create(queue=queue, name=request.POST.get("name", ""), method=request.POST.get("method", ""),
                            first_day=request.POST.get("first_day", ""), days=_num(request, "days", 7, int),
                            interval_min=_num(request, "interval_min", None, int), params=params, overrides=overrides,
                            target_sl=target / 100 if target is not None else None,
                            threshold_s=_num(request, "threshold_s", None, int),
                            shrinkage=(_num(request, "shrinkage_pct", 30.0)) / 100, by=request.user)
    except ServiceError as exc:
        _error(request, exc)
        return redirect("wfm-home")
    messages.success(request, f"Forecast '{f.name}' ready.")
    return redirect("wfm-forecast", pk=f.pk)


@role_required(*PLANNERS)
def forecast_page(request, pk: int):
    from wfm.models import Forecast

    f = get_object_or_404(Forecast.objects.select_related("queue"), pk=pk)
    day = _day_param(request, f.first_day)
    days = selectors.forecast_days(f)
    shown = next((d for d in days if d["day"] == day.isoformat()), days[0] if days else None)
    chart = None
    if shown:
        rows = shown["intervals"]
        chart = _chart([r["time"] for r in rows], [
            {"type": "bar", "label": "Calls", "data": [round(r["calls"], 1) for r in rows], "color": COLORS["calls"],
             "axis": "y2"},
            {"type": "line", "label": "Agents required", "data": [r["required"] for r in rows],
             "color": COLORS["required"]},
            {"type": "line", "label": "Agents to schedule", "data": [r["scheduled"] for r in rows],
             "color": COLORS["scheduled"]}], y="agents", y2="calls")
    return render(request, "wfm/forecast.html", {"f": f, "days": days, "shown": shown, "chart": chart})


@role_required(*PLANNERS)
@require_POST
def template_new(request):
    from wfm.services.schedules import template_save

    try:
        starts = [s.strip() for s in request.POST.get("starts", "").split(",") if s.strip()]
        breaks = []
        for kind in ("break", "lunch", "break2"):
            after = request.POST.get(f"{kind}_after_min")
            if after:
                breaks.append({"kind": "lunch" if kind == "lunch" else "break", "after_min": int(after),
                               "length_min": _num(request, f"{kind}_length_min", 15 if kind != "lunch" else 30, int),
                               "flex_min": _num(request, f"{kind}_flex_min", 30, int)})
        breaks.sort(key=lambda b: b["after_min"])
        tpl = template_save(name=request.POST.get("name", ""), starts=starts,
                            length_min=_num(request, "length_min", 0, int), breaks=breaks,
                            night=request.POST.get("night") == "on", by=request.user)
        messages.success(request, f"Shift template '{tpl.name}' saved.")
    except (ServiceError, ValueError) as exc:
        messages.error(request, exc.message if isinstance(exc, ServiceError) else "Break times are minutes.")
    return redirect("wfm-home")


@role_required(*PLANNERS)
@require_POST
def schedule_new(request):
    from wfm.models import Forecast
    from wfm.services.schedules import schedule_create

    try:
        forecasts = list(Forecast.objects.filter(pk__in=[int(x) for x in request.POST.getlist("forecasts")
                                                         if x.isdigit()]))
        virtual = _num(request, "virtual_count", 0, int)
        s = schedule_create(name=request.POST.get("name", ""), forecasts=forecasts,
                            seats=_num(request, "seats", None, int),
                            meal_group_limit=_num(request, "meal_group_limit", None, int),
                            shrinkage=_num(request, "shrinkage_pct", 0.0) / 100,
                            virtual_agents=[{"count": virtual, "max_week_hours": _num(
                                request, "virtual_hours", 20, int)}] if virtual else [],
                            time_limit_s=_num(request, "time_limit_s", 30, int), by=request.user)
    except ServiceError as exc:
        _error(request, exc)
        return redirect("wfm-home")
    messages.success(request, f"Building '{s.name}': the solver runs for up to {s.time_limit_s} s.")
    return redirect("wfm-schedule", pk=s.pk)


def _coverage_chart(day_row: dict, times: list[str], extra: dict | None = None) -> str:
    sets = [{"type": "line", "label": "Required", "data": day_row["required"], "color": COLORS["required"],
             "stepped": True},
            {"type": "line", "label": "On the phones", "data": day_row["on_floor"], "color": COLORS["on_floor"],
             "stepped": True, "fill": True}]
    if extra:
        sets.append(extra)
    sets.append({"type": "line", "label": "Predicted SL %", "axis": "y2", "color": COLORS["sl"],
                 "data": [None if x is None else round(100 * x, 1) for x in day_row["service_level"]]})
    return _chart(times, sets, y="agents", y2="SL %")


def _times(interval_min: int) -> list[str]:
    return [f"{m // 60:02d}:{m % 60:02d}" for m in range(0, 24 * 60, interval_min)]


@role_required(*PLANNERS)
def schedule_page(request, pk: int):
    from wfm.models import Schedule

    s = get_object_or_404(Schedule.objects.prefetch_related("forecasts"), pk=pk)
    detail = selectors.schedule_detail(s)
    day = _day_param(request, s.first_day)
    cov = next((d for d in detail["coverage"] if d["day"] == day.isoformat()), None)
    chart = _coverage_chart(cov, _times(s.interval_min)) if cov else None
    # The grid: one row per agent, one column per day, the shift and its breaks in each cell.
    days = [s.first_day + timedelta(days=i) for i in range(s.days)]
    grid: dict[str, dict[str, dict]] = {}
    for sh in detail["shifts"]:
        grid.setdefault(sh["agent_name"], {})[sh["day"]] = sh
    rows = [{"agent": name, "cells": [cells.get(d.isoformat()) for d in days]} for name, cells in sorted(grid.items())]
    others = Schedule.objects.exclude(pk=s.pk).filter(first_day=s.first_day, status__in=["draft", "published"])
    return render(request, "wfm/schedule.html", {
        "s": s, "detail": detail, "chart": chart, "day": day, "days": days, "rows": rows, "others": others,
        "building": s.status == Schedule.Status.BUILDING})


@role_required(*PLANNERS)
@require_POST
def schedule_publish_page(request, pk: int):
    from wfm.models import Schedule
    from wfm.services.schedules import schedule_publish

    try:
        s = schedule_publish(schedule=get_object_or_404(Schedule, pk=pk), by=request.user)
        messages.success(request, f"'{s.name}' is published: every agent on it sees their shifts.")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("wfm-schedule", pk=pk)


@role_required(*PLANNERS)
def compare_page(request):
    from wfm.models import Schedule

    a = get_object_or_404(Schedule, pk=request.GET.get("a") if request.GET.get("a", "").isdigit() else 0)
    b = get_object_or_404(Schedule, pk=request.GET.get("b") if request.GET.get("b", "").isdigit() else 0)
    cmp = selectors.schedule_compare(a, b)
    day = _day_param(request, a.first_day)
    row = next((d for d in cmp["days"] if d["day"] == day.isoformat()), cmp["days"][0] if cmp["days"] else None)
    chart = None
    if row:
        chart = _chart(_times(a.interval_min), [
            {"type": "line", "label": "Required", "data": row["required"], "color": COLORS["required"],
             "stepped": True},
            {"type": "line", "label": f"A: {a.name}", "data": row["a_on_floor"], "color": COLORS["on_floor"],
             "stepped": True},
            {"type": "line", "label": f"B: {b.name}", "data": row["b_on_floor"], "color": COLORS["b"],
             "stepped": True}])
    return render(request, "wfm/compare.html", {"cmp": cmp, "a": a, "b": b, "chart": chart, "row": row})


@role_required(*PLANNERS)
def requests_page(request):
    from wfm.models import LeaveRequest, SwapRequest

    return render(request, "wfm/requests.html", {
        "leave": LeaveRequest.objects.select_related("agent").filter(status="pending"),
        "swaps": SwapRequest.objects.select_related("requester", "partner", "requester_shift",
                                                    "partner_shift").filter(status__in=["pending", "accepted"]),
        "recent": LeaveRequest.objects.select_related("agent").exclude(status="pending")[:20]})


@role_required(*PLANNERS)
@require_POST
def leave_decide_page(request, pk: int):
    from wfm.models import LeaveRequest
    from wfm.services.leave import leave_decide

    try:
        lr = leave_decide(request=get_object_or_404(LeaveRequest, pk=pk), by=request.user,
                          approve=request.POST.get("decision") == "approve", note=request.POST.get("note", ""),
                          override=request.POST.get("override") == "on")
        messages.success(request, f"Leave of {lr.agent.email}: {lr.status}"
                                  + (f" ({len(lr.approvals)} of {lr.approvals_needed} approvals)"
                                     if lr.status == "pending" else "") + ".")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("wfm-requests")


@role_required(*PLANNERS)
@require_POST
def swap_decide_page(request, pk: int):
    from wfm.models import SwapRequest
    from wfm.services.leave import swap_decide

    try:
        swap = swap_decide(swap=get_object_or_404(SwapRequest, pk=pk), by=request.user,
                           approve=request.POST.get("decision") == "approve", note=request.POST.get("note", ""),
                           override=request.POST.get("override") == "on")
        messages.success(request, f"Swap {swap.status}.")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("wfm-requests")


@role_required(*PLANNERS)
def adherence_page(request):
    from telephony import clock
    from wfm import adherence

    rows = adherence.board(clock.now())
    template = "wfm/_board.html" if request.headers.get("HX-Request") else "wfm/adherence.html"
    return render(request, template, {"rows": rows, "at": clock.now()})


@role_required(*PLANNERS)
def intraday_page(request):
    from telephony import clock
    from wfm.intraday import intraday
    from wfm.services.intraday import todays_forecasts

    day = _day_param(request, _today())
    views = []
    for f in todays_forecasts(day):
        v = intraday(f, day, clock.now())
        v["queue_name"] = f.queue.name
        rows = v["intervals"]
        v["chart"] = _chart([r["time"] for r in rows], [
            {"type": "bar", "label": "Actual calls", "data": [r["actual_calls"] for r in rows],
             "color": COLORS["calls"]},
            {"type": "line", "label": "Forecast", "data": [r["forecast_calls"] for r in rows], "color": "#64748b"},
            {"type": "line", "label": "Re-forecast", "data": [r["reforecast_calls"] for r in rows],
             "color": COLORS["scheduled"]}], y="calls")
        views.append(v)
    return render(request, "wfm/intraday.html", {"views": views, "day": day})


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def handover_page(request):
    from wfm.models import Handover, HandoverIncident
    from wfm.services import handover as svc

    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "open":
                svc.handover_open(author=request.user, shift_label=request.POST.get("shift_label", ""),
                                  notes=request.POST.get("notes", ""))
            elif action == "incident":
                svc.incident_add(handover=get_object_or_404(Handover, pk=request.POST.get("handover") or 0),
                                 summary=request.POST.get("text", ""), by=request.user)
            elif action == "resolve":
                svc.incident_resolve(incident=get_object_or_404(HandoverIncident, pk=request.POST.get("incident") or 0),
                                     resolution=request.POST.get("text", ""), by=request.user)
            elif action == "close":
                svc.handover_close(handover=get_object_or_404(Handover, pk=request.POST.get("handover") or 0),
                                   by=request.user)
                messages.success(request, "Handover closed.")
        except ServiceError as exc:
            _error(request, exc)
        return redirect("wfm-handover")
    return render(request, "wfm/handover.html", {
        "handovers": Handover.objects.prefetch_related("incidents").select_related("author", "closed_by")[:30]})


@role_required(*PLANNERS)
def calculator_page(request):
    from rest_framework.exceptions import ValidationError

    from wfm.api import ErlangQuery, SizingQuery, erlang_answer
    from wfm.sizing import SizingInput, size

    out, sizing, errors = None, None, []
    if request.GET.get("calls"):
        q = ErlangQuery(data={k: v for k, v in request.GET.items() if v != ""})
        try:
            q.is_valid(raise_exception=True)
            out = erlang_answer(dict(q.validated_data))
        except ValidationError as exc:
            errors += [f"{k}: {v[0]}" for k, v in exc.detail.items()]
    if request.GET.get("users"):
        q = SizingQuery(data={k: v for k, v in request.GET.items() if v != ""})
        try:
            q.is_valid(raise_exception=True)
            sizing = size(SizingInput(**q.validated_data))
        except ValidationError as exc:
            errors += [f"{k}: {v[0]}" for k, v in exc.detail.items()]
    return render(request, "wfm/calculator.html", {"out": out, "sizing": sizing, "errors": errors, "q": request.GET})


# --- the agent's side --------------------------------------------------------------------------

@role_required(Role.AGENT, *PLANNERS)
def my_schedule_page(request):
    from wfm.models import LeaveRequest, SwapRequest
    from wfm.services.leave import lateness_month
    from wfm.services.schedules import published_shifts

    today = _today()
    shifts = [selectors.shift_row(sh) for sh in published_shifts(agent_ids=[request.user.pk], first=today,
                                                                 last=today + timedelta(days=27))]
    colleagues = User.objects.filter(role_grants__role=Role.AGENT, status="active", is_bot=False).exclude(
        pk=request.user.pk).distinct().order_by("email")
    return render(request, "wfm/my_schedule.html", {
        "shifts": shifts, "leave": LeaveRequest.objects.filter(agent=request.user)[:20],
        "asked_of_me": SwapRequest.objects.select_related("requester", "requester_shift", "partner_shift").filter(
            partner=request.user, status="pending"),
        "my_swaps": SwapRequest.objects.select_related("partner", "requester_shift").filter(
            requester=request.user)[:20],
        "kinds": LeaveRequest.Kind.choices, "colleagues": colleagues, "tomorrow": today + timedelta(days=1),
        "lateness": lateness_month(request.user, today.year, today.month)})


@role_required(Role.AGENT, *PLANNERS)
@require_POST
def my_leave_new(request):
    from wfm.services.leave import leave_request

    try:
        lr = leave_request(agent=request.user, kind=request.POST.get("kind", ""),
                           first_day=date.fromisoformat(request.POST.get("first_day", "")),
                           last_day=date.fromisoformat(request.POST.get("last_day") or request.POST["first_day"]),
                           reason=request.POST.get("reason", ""), emergency=request.POST.get("emergency") == "on",
                           proof=request.POST.get("proof", ""))
        messages.success(request, f"Leave asked for {lr.first_day}–{lr.last_day}"
                                  + (" (needs two approvals)." if lr.approvals_needed == 2 else "."))
    except ValueError:
        messages.error(request, "Give the days as dates.")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("my-schedule")


@role_required(Role.AGENT, *PLANNERS)
@require_POST
def my_swap_new(request):
    from wfm.models import ScheduledShift
    from wfm.services.leave import swap_request

    try:
        mine = ScheduledShift.objects.filter(pk=_num(request, "shift", 0, int), agent=request.user).first()
        partner = User.objects.filter(pk=_num(request, "partner", 0, int)).first()
        if mine is None or partner is None:
            raise ServiceError("invalid", "Pick one of your shifts and a colleague.")
        swap_request(requester=request.user, requester_shift=mine, partner=partner,
                     reason=request.POST.get("reason", ""))
        messages.success(request, f"Asked {partner.email} to take your shift on {mine.day}.")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("my-schedule")


@role_required(Role.AGENT, *PLANNERS)
@require_POST
def my_swap_respond(request, pk: int):
    from wfm.models import SwapRequest
    from wfm.services.leave import swap_respond

    try:
        swap_respond(swap=get_object_or_404(SwapRequest, pk=pk, partner=request.user), partner=request.user,
                     accept=request.POST.get("decision") == "accept")
    except ServiceError as exc:
        _error(request, exc)
    return redirect("my-schedule")
