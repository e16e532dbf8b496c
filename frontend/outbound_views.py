"""Outbound campaign pages (issue 9): supervisors create a campaign, add its list, approve it,
run the pilot, read the pilot evaluation, go live and watch the dashboard (OUT-5) refresh
itself; a running campaign can be paused, resumed, switched to preview, completed."""

from __future__ import annotations

from django.contrib import messages
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.models import Role, User
from config.errors import ServiceError
from frontend.tenant_views import role_required
from telephony.models import Campaign, Queue
from telephony.outbound import campaigns, selectors
from telephony.outbound.api import CampaignSerializer

STAFF = (Role.SUPERVISOR, Role.TENANT_ADMIN)
# The buttons a campaign in each state shows: (target state, label, button style)
ACTIONS = {
    "draft": [("approved", "Approve", "primary"), ("cancelled", "Cancel campaign", "")],
    "approved": [("pilot", "Start the pilot", "primary"), ("cancelled", "Cancel campaign", "")],
    "pilot": [("running", "Go live", "primary"), ("paused", "Pause", ""), ("cancelled", "Cancel campaign", "")],
    "running": [("paused", "Pause", "primary"), ("completed", "Complete", ""), ("cancelled", "Cancel campaign", "")],
    "paused": [("running", "Resume", "primary"), ("completed", "Complete", ""), ("cancelled", "Cancel campaign", "")],
}


def _agents():
    return User.objects.filter(role_grants__role=Role.AGENT, is_bot=False).distinct().order_by("email")


def _form_data(post: QueryDict) -> dict:
    """The create form as the API's body: empty fields left to the defaults."""
    data: dict = {k: v for k, v in post.items() if k not in ("csrfmiddlewaretoken", "agents", "goal_codes",
                                                             "calling_days") and v != ""}
    data["b2b"] = post.get("b2b") == "on"
    data["call_on_holidays"] = post.get("call_on_holidays") == "on"
    data["agents"] = post.getlist("agents")
    data["calling_days"] = [int(d) for d in post.getlist("calling_days") if d.isdigit()]
    data["goal_codes"] = [g.strip() for g in post.get("goal_codes", "").split(",") if g.strip()]
    if post.get("pull_back_after_s", None) == "":
        data["pull_back_after_s"] = None  # left empty on purpose: outbound only
    return data


@role_required(*STAFF)
def campaigns_page(request):
    errors = {}
    if request.method == "POST":
        s = CampaignSerializer(data=_form_data(request.POST))
        if s.is_valid():
            c = campaigns.campaign_create(data=dict(s.validated_data), by=request.user)
            messages.success(request, f"Campaign {c.name} created as a draft: add its list, then approve it.")
            return redirect("campaign", pk=c.pk)
        errors = {k: " ".join(str(m) for m in v) for k, v in s.errors.items()}
        messages.error(request, "The campaign was not created: " + "; ".join(f"{k}: {v}" for k, v in errors.items()))
    rows = [(c, selectors.attempt_figures(c.attempts.all())) for c in Campaign.objects.all()[:100]]
    return render(request, "outbound/campaigns.html", {
        "rows": rows, "agents": _agents(), "queues": Queue.objects.order_by("name"), "modes": Campaign.Mode.choices,
        "regions": Campaign.Region.choices, "errors": errors, "posted": request.POST if errors else {},
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]})


@role_required(*STAFF)
def campaign_page(request, pk: int):
    c = get_object_or_404(Campaign.objects.select_related("queue", "approved_by", "created_by"), pk=pk)
    return render(request, "outbound/campaign.html", {
        "c": c, "d": selectors.campaign_dashboard(c), "actions": ACTIONS.get(c.state, []),
        "agents": c.agents.order_by("email"), "may_add_list": c.state in ("draft", "paused")})


@role_required(*STAFF)
def campaign_dashboard_fragment(request, pk: int):
    c = get_object_or_404(Campaign, pk=pk)
    return render(request, "outbound/_dashboard.html", {"c": c, "d": selectors.campaign_dashboard(c)})


@role_required(*STAFF)
@require_POST
def campaign_action(request, pk: int):
    c = get_object_or_404(Campaign, pk=pk)
    try:
        if "to" in request.POST:
            c = campaigns.campaign_transition(campaign=c, to=request.POST["to"], by=request.user)
            messages.success(request, f"Campaign {c.name} is now {c.get_state_display().lower()}.")
        elif request.POST.get("switch") == "preview":
            campaigns.campaign_to_preview(campaign=c, by=request.user)
            messages.success(request, "Switched to preview: agents now see each record before dialing.")
        elif request.FILES.get("file"):
            if c.state not in ("draft", "paused"):
                raise ServiceError("locked", "Add numbers to a draft or paused campaign.", status_code=409)
            rows, source = campaigns.rows_from_csv(request.FILES["file"])
            if not rows:
                raise ServiceError("empty", "The file has no numbers.")
            added = campaigns.contacts_add(campaign=c, rows=rows, source=source, by=request.user)
            messages.success(request, f"{added} numbers added from {source}.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("campaign", pk=c.pk)

