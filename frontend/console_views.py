"""The tenant admin console beyond users and seats: teams and skills, numbers, queues, IVR
flows (list; the builder talks to the API), hours and holidays, wrap-up codes and
not-ready reasons, caller lists. Thin: each POST calls one service; a ServiceError is shown
on the page and nothing is changed."""

from __future__ import annotations

from datetime import date, time

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.models import Role, Skill, Team
from config.errors import ServiceError
from frontend.tenant_views import role_required
from telephony import selectors
from telephony.models import (
    BusinessHours,
    CallerListEntry,
    CallerListKind,
    Holiday,
    IvrFlow,
    NotReadyCode,
    PhoneNumber,
    Queue,
    QueueSkill,
    WrapUpCode,
)
from telephony.services import codes, config, hours

admin_only = role_required(Role.TENANT_ADMIN)


def _page(request, template: str, context: dict, error: str | None = None):
    return render(request, template, {**context, "error": error}, status=400 if error else 200)


def _run(request, fn, ok: str) -> str | None:
    """Run one service call; flash `ok` on success, return the error message otherwise."""
    try:
        fn()
    except ServiceError as exc:
        return exc.message
    messages.success(request, ok)
    return None


# ---------------------------------------------------------------- teams and skills

@admin_only
def teams_page(request):
    error = None
    if request.method == "POST":
        kind, name = request.POST.get("kind"), request.POST.get("name", "")
        create = account_services.team_create if kind == "team" else account_services.skill_create
        error = _run(request, lambda: create(name=name, actor=request.user,
                                             description=request.POST.get("description", "")),
                     f"{'Team' if kind == 'team' else 'Skill'} {name.strip()} created.")
        if error is None:
            return redirect("console-teams")
    return _page(request, "console/teams.html", {"teams": Team.objects.prefetch_related("members"),
                                                 "skills": Skill.objects.all()}, error)


# ---------------------------------------------------------------- numbers

def _entry(value: str) -> tuple[IvrFlow | None, Queue | None]:
    kind, _, pk = (value or "").partition(":")
    if kind == "flow" and pk.isdigit():
        return get_object_or_404(IvrFlow, pk=pk), None
    if kind == "queue" and pk.isdigit():
        return None, get_object_or_404(Queue, pk=pk)
    return None, None


def _numbers_context():
    return {"numbers": PhoneNumber.objects.select_related("entry_flow", "entry_queue").order_by("e164"),
            "flows": IvrFlow.objects.all(), "queues": Queue.objects.all()}


@admin_only
def numbers_page(request):
    error = None
    if request.method == "POST":
        flow, queue = _entry(request.POST.get("entry"))
        e164 = request.POST.get("e164", "").strip()
        error = _run(request, lambda: config.number_add(e164=e164, label=request.POST.get("label", ""),
                                                        entry_flow=flow, entry_queue=queue, actor=request.user),
                     f"Number {e164} added.")
        if error is None:
            return redirect("console-numbers")
    return _page(request, "console/numbers.html", _numbers_context(), error)


@admin_only
@require_POST
def number_update(request, pk: int):
    number = get_object_or_404(PhoneNumber, pk=pk)
    if request.POST.get("action") == "remove":
        error = _run(request, lambda: config.number_remove(number=number, actor=request.user),
                     f"Number {number.e164} released.")
    else:
        flow, queue = _entry(request.POST.get("entry"))
        error = _run(request, lambda: config.number_update(number=number, label=request.POST.get("label"),
                                                           entry_flow=flow, entry_queue=queue,
                                                           actor=request.user),
                     f"{number.e164} now goes to {flow or queue or 'nowhere'}.")
    if error:
        return _page(request, "console/numbers.html", _numbers_context(), error)
    return redirect("console-numbers")


# ---------------------------------------------------------------- queues

class QueueForm(forms.ModelForm):
    class Meta:
        model = Queue
        fields = list(config.QUEUE_FIELDS)
        labels = {"sl_target_pct": "Service level target (%)", "sl_threshold_s": "… answered within (s)",
                  "offer_timeout_s": "Ring an agent for (s)", "acw_limit_s": "Wrap-up time limit (s)",
                  "overflow_after_s": "Overflow after (s)", "max_wait_s": "Maximum wait (s)",
                  "max_size": "Maximum callers waiting", "use_hours": "Check opening hours and holidays"}


@admin_only
def queues_page(request):
    error = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            error = "Give the queue a name."
        else:
            holder = {}
            error = _run(request, lambda: holder.setdefault("q", config.queue_save(data={"name": name},
                                                                                    actor=request.user)),
                         f"Queue {name} created.")
            if error is None:
                return redirect("console-queue", pk=holder["q"].pk)
    return _page(request, "console/queues.html", {"queues": selectors.queue_list()}, error)


@admin_only
def queue_edit(request, pk: int):
    queue = get_object_or_404(Queue, pk=pk)
    form = QueueForm(request.POST or None, instance=queue)
    form.fields["overflow_queue"].queryset = form.fields["after_hours_queue"].queryset = \
        Queue.objects.exclude(pk=queue.pk)
    skills = list(Skill.objects.all())
    agents = list(selectors.agent_list().filter(is_bot=False))
    error = None
    if request.method == "POST":
        if form.is_valid():
            data = {k: form.cleaned_data[k] for k in config.QUEUE_FIELDS}
            data["skills"] = [{"skill": s, "min_proficiency": int(request.POST[f"skill_{s.pk}"])}
                              for s in skills if request.POST.get(f"skill_{s.pk}", "").isdigit()]
            member_ids = {int(x) for x in request.POST.getlist("members") if x.isdigit()}
            data["members"] = [a for a in agents if a.pk in member_ids]
            error = _run(request, lambda: config.queue_save(data=data, queue=queue, actor=request.user),
                         f"Queue {data['name']} saved; calls use it at once.")
            if error is None:
                return redirect("console-queue", pk=queue.pk)
        else:
            error = "Some fields need fixing: see the messages next to them."
    required = {qs.skill_id: qs.min_proficiency for qs in QueueSkill.objects.filter(queue=queue)}
    members = set(queue.members.values_list("user_id", flat=True))
    return _page(request, "console/queue_edit.html", {
        "queue": queue, "form": form, "skills": [(s, required.get(s.pk)) for s in skills],
        "agents": [(a, a.pk in members) for a in agents],
    }, error)


# ---------------------------------------------------------------- IVR flows

@admin_only
def ivr_page(request):
    error = None
    default_queue = Queue.objects.filter(is_default=True).first() or Queue.objects.first()
    if request.method == "POST":
        holder = {}
        name = request.POST.get("name", "")
        error = _run(request, lambda: holder.setdefault("f", config.ivr_flow_create(
            name=name, graph=config.default_flow_graph(default_queue.pk), actor=request.user)),
            f"Flow {name.strip()} created: shape it below and publish.")
        if error is None:
            return redirect("console-ivr-edit", pk=holder["f"].pk)
    flows = IvrFlow.objects.select_related("published").prefetch_related("numbers")
    return _page(request, "console/ivr.html", {"flows": flows, "can_edit": True, "default_queue": default_queue},
                 error)


@admin_only
def ivr_edit(request, pk: int):
    return render(request, "console/ivr_edit.html", {"flow": get_object_or_404(IvrFlow, pk=pk)})


# ---------------------------------------------------------------- hours and holidays

def _parse_time(value: str) -> time | None:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@admin_only
def hours_page(request):
    scope = request.GET.get("queue", "")
    queue = get_object_or_404(Queue, pk=scope) if scope.isdigit() else None
    error = None
    if request.method == "POST" and request.POST.get("form") == "week":
        week, bad = [], []
        for d in range(7):
            if request.POST.get(f"open_{d}"):
                opens = _parse_time(request.POST.get(f"opens_{d}"))
                closes = _parse_time(request.POST.get(f"closes_{d}"))
                if opens is None or closes is None:
                    bad.append(hours.DAYS[d])
                else:
                    week.append((d, opens, closes))
        if bad:
            error = f"Enter opening and closing times (HH:MM) for {', '.join(bad)}."
        else:
            error = _run(request, lambda: hours.hours_set(queue=queue, week=week, actor=request.user),
                         f"Opening hours of {queue.name if queue else 'the company'} saved.")
            if error is None:
                return redirect(request.get_full_path())
    elif request.method == "POST" and request.POST.get("form") == "holiday":
        try:
            day = date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            error = "Enter the holiday's date (YYYY-MM-DD)."
        else:
            error = _run(request, lambda: hours.holiday_add(day=day, name=request.POST.get("name", ""), queue=queue,
                                                            actor=request.user), f"Holiday {day} added.")
            if error is None:
                return redirect(request.get_full_path())
    rows = {h.weekday: h for h in BusinessHours.objects.filter(queue=queue)}
    week = [{"day": d, "name": hours.DAYS[d], "row": rows.get(d)} for d in range(7)]
    return _page(request, "console/hours.html", {
        "queue": queue, "queues": Queue.objects.all(), "week": week,
        "holidays": Holiday.objects.filter(queue=queue).order_by("date"),
        "falls_back": queue is not None and not rows,
    }, error)


@admin_only
@require_POST
def holiday_remove(request, pk: int):
    holiday = get_object_or_404(Holiday, pk=pk)
    _run(request, lambda: hours.holiday_remove(holiday=holiday, actor=request.user), "Holiday removed.")
    return redirect(f"/console/hours{'?queue=' + str(holiday.queue_id) if holiday.queue_id else ''}")


# ---------------------------------------------------------------- wrap-up codes and not-ready reasons

@admin_only
def codes_page(request):
    error = None
    if request.method == "POST":
        if request.POST.get("kind") == "reason":
            error = _run(request, lambda: codes.not_ready_code_add(code=request.POST.get("code", ""),
                                                                    label=request.POST.get("label", ""),
                                                                    actor=request.user), "Not-ready reason added.")
        else:
            error = _run(request, lambda: codes.wrap_up_code_add(label=request.POST.get("label", ""),
                                                                  actor=request.user), "Wrap-up code added.")
        if error is None:
            return redirect("console-codes")
    return _page(request, "console/codes.html", {"reasons": NotReadyCode.objects.all(),
                                                 "wrap_codes": WrapUpCode.objects.all()}, error)


@admin_only
@require_POST
def code_toggle(request, kind: str, pk: int):
    item = get_object_or_404(NotReadyCode if kind == "reason" else WrapUpCode, pk=pk)
    codes.code_set_active(item=item, active=not item.active, actor=request.user)
    messages.success(request, f"{item.label} {'enabled' if item.active else 'retired'}.")
    return redirect("console-codes")


# ---------------------------------------------------------------- caller lists

@admin_only
def lists_page(request):
    error = None
    if request.method == "POST":
        number = request.POST.get("number", "").strip()
        error = _run(request, lambda: config.caller_list_set(number=number, kind=request.POST.get("kind", ""),
                                                             note=request.POST.get("note", ""), actor=request.user),
                     f"{number} listed.")
        if error is None:
            return redirect("console-lists")
    return _page(request, "console/lists.html", {"entries": CallerListEntry.objects.order_by("kind", "number"),
                                                 "kinds": CallerListKind.choices}, error)


@admin_only
@require_POST
def list_remove(request, pk: int):
    entry = get_object_or_404(CallerListEntry, pk=pk)
    _run(request, lambda: config.caller_list_remove(entry=entry, actor=request.user), f"{entry.number} removed.")
    return redirect("console-lists")
