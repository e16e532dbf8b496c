"""Customer-care pages: the case queue per team, follow-ups due, the knowledge base and its
editor, and the complaint / CSAT report. Thin: each POST is one service call; a ServiceError
is shown on the page and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render

from accounts.models import Role, Team
from config.errors import ServiceError
from crm import selectors
from crm.cases import OPEN_STATES
from crm.models import Article, ArticleKind, Case, CaseState, FollowUpTask
from crm.services import followups, kb, surveys
from frontend.tenant_views import role_required

staff = role_required(Role.AGENT, Role.SUPERVISOR, Role.TENANT_ADMIN, Role.QA_ANALYST)
leads = role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)


@staff
def cases_page(request):
    """A team's case queue: open cases by default, oldest promise first."""
    f = {k: request.GET.get(k, "") for k in ("team", "state", "mine", "overdue", "type")}
    qs = Case.objects.select_related("contact", "assignee", "team")
    qs = qs.filter(state=f["state"]) if f["state"] else qs.filter(state__in=[*OPEN_STATES, CaseState.FOLLOW_UP])
    if f["team"].isdigit():
        qs = qs.filter(team_id=f["team"])
    if f["type"]:
        qs = qs.filter(type=f["type"])
    if f["mine"]:
        qs = qs.filter(assignee=request.user)
    if f["overdue"]:
        qs = qs.filter(overdue_alerted_at__isnull=False)
    page = Paginator(qs.order_by("promised_by", "number"), 50).get_page(request.GET.get("page"))
    types = dict(selectors.case_type_choices())
    return render(request, "care/cases.html", {
        "page": page, "rows": [(c, types.get(c.type, c.type)) for c in page], "f": f, "teams": Team.objects.all(),
        "states": CaseState.choices, "types": types})


@staff
def follow_ups_page(request):
    everyone = request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)
    if request.method == "POST":
        task = get_object_or_404(FollowUpTask, pk=request.POST.get("task") or 0)
        try:
            if task.assignee_id not in (None, request.user.pk) and not everyone:
                raise ServiceError("forbidden", "This follow-up belongs to another agent.", status_code=403)
            if request.POST.get("form") == "survey":
                surveys.survey_return_visit(task=task, actor=request.user,
                                            satisfied=request.POST.get("satisfied") == "1",
                                            reason=request.POST.get("reason", ""))
            else:
                followups.follow_up_complete(task=task, actor=request.user, outcome=request.POST.get("outcome", ""),
                                             cancelled=request.POST.get("cancelled") == "1")
            messages.success(request, "Follow-up done.")
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect("follow-ups")
    return render(request, "care/follow_ups.html", {
        "tasks": selectors.follow_ups_due(user=None if everyone else request.user, limit=200)})


@staff
def kb_page(request):
    q = request.GET.get("q", "")
    kind = request.GET.get("kind", "")
    return render(request, "care/kb.html", {
        "q": q, "kind": kind, "results": selectors.kb_search(q, kind=kind if kind in ArticleKind.values else "",
                                                             limit=50),
        "can_edit": request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)})


def _article_data(post) -> dict:
    steps = []
    for line in post.get("steps", "").splitlines():
        kind, _, text = line.partition(":")
        if line.strip():
            steps.append({"type": kind.strip().lower().replace(" ", "_"), "text": text.strip()} if text
                         else {"type": "say", "text": line.strip()})
    return {"kind": post.get("kind", "article"), "title": post.get("title", ""), "body": post.get("body", ""),
            "steps": steps, "tags": [t.strip() for t in post.get("tags", "").split(",") if t.strip()],
            "queue": int(post["queue"]) if post.get("queue", "").isdigit() else None,
            "campaign": post.get("campaign", "")}


@staff
def article_page(request, pk: int | None = None):
    from telephony.models import Queue

    article = get_object_or_404(Article, pk=pk) if pk else None
    can_edit = request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)
    if not can_edit and (article is None or request.method == "POST"):
        return HttpResponseForbidden(render(request, "tenant/forbidden.html").content)
    error = None
    if request.method == "POST":
        try:
            article = kb.article_save(data=_article_data(request.POST), actor=request.user, article=article,
                                      note=request.POST.get("note", ""))
            messages.success(request, f"Saved as version {article.version}.")
            return redirect("kb-article", pk=article.pk)
        except ServiceError as exc:
            error = exc.message
    elif article is not None and request.method == "GET" and "edit" not in request.GET:
        kb.article_use(article=article, user=request.user, query=request.GET.get("q", ""))
        article.refresh_from_db()
    editing = can_edit and (article is None or "edit" in request.GET or error)
    return render(request, "care/article.html", {
        "article": article, "editing": editing, "can_edit": can_edit, "error": error,
        "versions": article.versions.all()[:20] if article else [], "queues": Queue.objects.all(),
        "steps_text": "\n".join(f"{s['type']}: {s['text']}" for s in article.steps) if article else "",
        "post": request.POST if error else None}, status=400 if error else 200)


@leads
def care_report_page(request):
    from frontend.report_views import page_period

    start_d, end_d, start, end = page_period(request, default_days=30)
    bucket = request.GET.get("bucket", "week")
    bucket = bucket if bucket in selectors.BUCKETS else "week"
    complaints = selectors.complaint_distribution(start=start, end=end, bucket=bucket)
    top = max((c["count"] for c in complaints["categories"]), default=0)
    return render(request, "care/report.html", {
        "from": start_d, "to": end_d, "bucket": bucket, "buckets": selectors.BUCKETS, "complaints": complaints,
        "top": top, "csat_total": selectors.csat(start=start, end=end)[0],
        "csat_agents": selectors.csat(start=start, end=end, by="agent"),
        "csat_queues": selectors.csat(start=start, end=end, by="queue"),
        "open_by_type": Case.objects.filter(state__in=OPEN_STATES).values_list("type").order_by("type")
        .annotate(n=Count("id")),
        "overdue": Case.objects.filter(Q(state__in=OPEN_STATES) & Q(overdue_alerted_at__isnull=False)).count()})
