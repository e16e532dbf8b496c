"""Quality pages (issue 8): the analyst's queue and evaluation page (player, timeline, timed
comments, scorecard form), disputes, calibration, appraisals, reports; agents see their own
evaluations, dispute them and score their appraisal at /my-quality."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role
from config.errors import ServiceError
from frontend.tenant_views import role_required
from qa import scoring, selectors
from qa.models import Appraisal, CalibrationSession, Dispute, Evaluation
from qa.services import appraisal as appraisal_svc
from qa.services import calibration, evaluations

QA_STAFF = (Role.QA_ANALYST, Role.SUPERVISOR, Role.TENANT_ADMIN)
EVERYONE = (Role.AGENT, *QA_STAFF)


def _seen(request, pk: int) -> Evaluation:
    ev = get_object_or_404(Evaluation.objects.select_related("agent", "evaluator", "version__scorecard",
                                                             "auto_failed_item", "calibration", "call"), pk=pk)
    if not evaluations.may_see(request.user, ev):
        from django.http import Http404

        raise Http404
    return ev


@role_required(*QA_STAFF)
def qa_home(request):
    from qa.models import Scorecard

    today = date.today()
    return render(request, "qa/home.html", {
        "queue": selectors.queue_for(request.user),
        "recent": Evaluation.objects.filter(calibration__isnull=True).select_related(
            "agent", "evaluator", "version__scorecard")[:20],
        "disputes": Dispute.objects.filter(status__in=["open", "reviewed"]).select_related("evaluation__agent"),
        "due": calibration.reminders(), "scorecards": Scorecard.objects.all(),
        "calibrations": CalibrationSession.objects.all()[:10], "appraisals": Appraisal.objects.select_related(
            "agent")[:20], "agents": _agents(), "today": today, "month_ago": today - timedelta(days=30)})


def _agents():
    from accounts.models import User

    return User.objects.filter(role_grants__role=Role.AGENT, is_bot=False).distinct().order_by("email")


@role_required(*QA_STAFF)
@require_POST
def evaluate_call(request, call_pk: int):
    from telephony.models import Call

    try:
        ev = evaluations.evaluation_start(call=get_object_or_404(Call, pk=call_pk), by=request.user,
                                          live=request.POST.get("live") == "1")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("qa-home")
    return redirect("qa-evaluation", pk=ev.pk)


@role_required(*EVERYONE)
def evaluation_page(request, pk: int):
    ev = _seen(request, pk)
    detail = selectors.evaluation_detail(ev)
    staff = evaluations.is_qa_staff(request.user)
    editable = ev.status == Evaluation.Status.DRAFT and staff
    if request.method == "POST" and editable:
        answers = {}
        for section in detail["form"]["sections"]:
            for item in section["items"]:
                raw = request.POST.get(f"item-{item['id']}", "")
                answers[str(item["id"])] = None if raw in ("", "na") else raw
        comments = []
        if request.POST.get("comment_text", "").strip():
            try:
                minutes, _, seconds = request.POST.get("comment_at", "0:00").partition(":")
                at = int(minutes) * 60 + int(seconds or 0)
            except ValueError:
                at = -1
            comments.append({"at_s": at, "text": request.POST["comment_text"]})
        try:
            evaluations.evaluation_save(evaluation=ev, by=request.user, answers=answers, comments=comments,
                                        summary=request.POST.get("summary", ""),
                                        submit=request.POST.get("action") == "submit")
            if request.POST.get("action") == "submit":
                messages.success(request, "Evaluation submitted: the agent can see it now.")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("qa-evaluation", pk=pk)
    return render(request, "qa/evaluation.html", {
        "ev": ev, "d": detail, "editable": editable, "staff": staff,
        "is_agent": ev.agent_id == request.user.pk, "open_dispute": ev.disputes.filter(
            status__in=["open", "reviewed"]).first()})


@role_required(*EVERYONE)
@require_POST
def dispute_page(request, pk: int):
    ev = _seen(request, pk)
    try:
        evaluations.dispute_open(evaluation=ev, by=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, "Dispute sent: a QA analyst will review it.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("qa-evaluation", pk=pk)


@role_required(*QA_STAFF)
@require_POST
def dispute_resolve_page(request, pk: int):
    d = get_object_or_404(Dispute.objects.select_related("evaluation"), pk=pk)
    answers = {k.removeprefix("item-"): v for k, v in request.POST.items() if k.startswith("item-") and v != ""}
    try:
        evaluations.dispute_resolve(dispute=d, by=request.user, outcome=request.POST.get("outcome", ""),
                                    resolution=request.POST.get("resolution", ""), answers=answers or None)
        messages.success(request, "Dispute resolved.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("qa-evaluation", pk=d.evaluation_id)


@role_required(*QA_STAFF)
def calibration_page(request, pk: int):
    s = get_object_or_404(CalibrationSession, pk=pk)
    show = s.closed_at is not None or request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)
    return render(request, "qa/calibration.html", {
        "s": s, "results": calibration.results(s)["evaluators"] if show else None, "calls": s.calls.all(),
        "mine": {e.call_id: e for e in s.evaluations.filter(evaluator=request.user)}})


@role_required(*QA_STAFF)
@require_POST
def calibration_evaluate_page(request, pk: int):
    s = get_object_or_404(CalibrationSession, pk=pk)
    call = get_object_or_404(s.calls, pk=request.POST.get("call") or 0)
    try:
        if not s.evaluators.filter(pk=request.user.pk).exists():
            raise ServiceError("forbidden", "You are not an evaluator of this session.")
        ev = evaluations.evaluation_start(call=call, by=request.user, version=s.version, calibration=s)
        return redirect("qa-evaluation", pk=ev.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("qa-calibration", pk=pk)


@role_required(*QA_STAFF)
@require_POST
def appraisal_new(request):
    from accounts.models import User

    try:
        agent = get_object_or_404(User, pk=request.POST.get("agent") or 0)
        a = appraisal_svc.appraisal_create(agent=agent, first=date.fromisoformat(request.POST.get("period_start", "")),
                                           last=date.fromisoformat(request.POST.get("period_end", "")),
                                           by=request.user)
    except ValueError:
        messages.error(request, "Give the period as dates.")
        return redirect("qa-home")
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("qa-home")
    return redirect("qa-appraisal", pk=a.pk)


@role_required(*EVERYONE)
def appraisal_page(request, pk: int):
    a = get_object_or_404(Appraisal.objects.select_related("agent", "supervisor"), pk=pk)
    staff = evaluations.is_qa_staff(request.user)
    if a.agent_id != request.user.pk and not staff:
        from django.http import Http404

        raise Http404
    if request.method == "POST":
        scores = {key: request.POST.get(key, "") for key in scoring.APPRAISAL_MAX}
        try:
            appraisal_svc.appraisal_score(appraisal=a, by=request.user, scores=scores,
                                          note=request.POST.get("note") if staff else None)
            messages.success(request, "Scores saved.")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("qa-appraisal", pk=pk)
    mine = "self" if a.agent_id == request.user.pk else "supervisor"
    rows = [{"group": g, "key": k, "max": m, "self": a.self_scores.get(k), "supervisor": a.supervisor_scores.get(k)}
            for g, k, m in scoring.APPRAISAL_ITEMS]
    return render(request, "qa/appraisal.html", {
        "a": a, "rows": rows, "totals": appraisal_svc.totals(a),
        "inputs": appraisal_svc.inputs(a.agent, a.period_start, a.period_end), "mine": mine,
        "bands": "A > 95 · B 85–95 · C 75–<85 · D 65–<75 · E < 65"})


@role_required(*QA_STAFF)
def reports_page(request):
    from frontend.report_views import page_period

    start_d, end_d, start, end = page_period(request, default_days=90)
    from qa.models import BestCall

    return render(request, "qa/reports.html", {
        "from": start_d, "to": end_d, "agents": selectors.trends(start, end, "agent"),
        "items": selectors.item_trends(start, end)[:15], "evaluators": selectors.evaluator_consistency(start, end),
        "leaderboard": selectors.leaderboard(start, end), "library": BestCall.objects.select_related("call")[:30]})


@role_required(*EVERYONE)
def my_quality_page(request):
    from qa.models import ImprovementPlan

    return render(request, "qa/my_quality.html", {
        "evaluations": Evaluation.objects.filter(agent=request.user, calibration__isnull=True).exclude(
            status="draft").select_related("version__scorecard", "auto_failed_item"),
        "appraisals": Appraisal.objects.filter(agent=request.user),
        "plans": ImprovementPlan.objects.filter(agent=request.user).prefetch_related("sessions")})
