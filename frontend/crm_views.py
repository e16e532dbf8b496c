"""Contacts and cases pages for agents and supervisors (CRM-1…CRM-3). Thin: each POST is one
service call; a ServiceError is shown on the page and changes nothing."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Role
from config.drf import client_ip
from config.errors import ServiceError
from crm import selectors, services
from crm.cases import TRANSITIONS
from crm.models import Case, ImportJob, Lifecycle
from crm.services import privacy
from frontend.tenant_views import role_required

staff = role_required(Role.AGENT, Role.SUPERVISOR, Role.TENANT_ADMIN, Role.QA_ANALYST)


@staff
def contacts_page(request):
    q = request.GET.get("q", "")
    page = Paginator(selectors.contact_search(q), 50).get_page(request.GET.get("page"))
    can_bulk = request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)
    report, error = None, None
    if request.method == "POST" and can_bulk:
        upload = request.FILES.get("file")
        try:
            result = services.contacts_import_start(text=services.upload_text(upload),
                                                    filename=upload.name[:80], actor=request.user)
        except ServiceError as exc:
            error, report = exc.message, exc.fields.get("report")
        else:
            if isinstance(result, services.ImportReport):
                messages.success(request, f"Imported {result.created} contacts from {upload.name}.")
                return redirect("contacts")
            return redirect(f"{reverse('contacts')}?job={result.pk}")
    job = None
    if can_bulk and request.GET.get("job", "").isdigit():
        job = ImportJob.objects.filter(pk=request.GET["job"]).first()
    return render(request, "crm/contacts.html", {
        "page": page, "q": q, "can_bulk": can_bulk, "report": report, "error": error,
        "job": selectors.import_job_card(job) if job else None}, status=400 if error else 200)


@role_required(Role.SUPERVISOR, Role.TENANT_ADMIN)
def import_job_fragment(request, pk: int):
    """Polled by the contacts page (htmx) while a large import runs."""
    job = get_object_or_404(ImportJob, pk=pk)
    return render(request, "crm/import_job.html", {"job": selectors.import_job_card(job)})


@staff
def contact_page(request, pk: int):
    contact = get_object_or_404(selectors.contact_list(), pk=pk)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("form") == "edit":
                post = request.POST
                data = {k: post.get(k, "") for k in ("first_name", "last_name", "email", "tier", "lifecycle",
                                                     "address", "account_number")}
                data.update(phones=post.get("phones", ""), tags=post.get("tags", ""),
                            do_not_contact="do_not_contact" in post, consent_marketing="consent_marketing" in post,
                            consent_recording="consent_recording" in post)
                services.contact_update(contact=contact, data=data, actor=request.user)
                messages.success(request, "Contact saved.")
            elif request.POST.get("form") == "note":
                services.contact_note_add(contact=contact, text=request.POST.get("text", ""), actor=request.user)
                messages.success(request, "Note added.")
            elif request.POST.get("form") == "case":
                case = services.case_open(type=request.POST.get("type", ""), subject=request.POST.get("subject", ""),
                                          description=request.POST.get("description", ""), contact=contact,
                                          complaint_category=request.POST.get("complaint_category", ""),
                                          actor=request.user)
                messages.success(request, f"Case #{case.number} opened.")
            elif request.POST.get("form") == "hold":
                privacy.legal_hold_place(contact=contact, actor=request.user, reason=request.POST.get("reason", ""),
                                         ip=client_ip(request))
                messages.success(request, "Legal hold placed: this contact cannot be erased and their recordings "
                                          "are kept.")
            elif request.POST.get("form") == "release":
                privacy.legal_hold_release(contact=contact, actor=request.user,
                                           reason=request.POST.get("reason", ""), ip=client_ip(request))
                messages.success(request, "Legal hold released.")
            elif request.POST.get("form") == "erase":
                if request.POST.get("confirm", "").strip() != contact.name:
                    raise ServiceError("confirm", f"Type the contact's name ({contact.name}) to confirm erasure.")
                counts = privacy.contact_erase(contact=contact, actor=request.user,
                                               reason=request.POST.get("reason", ""), ip=client_ip(request))
                messages.success(request, "Contact erased: " + ", ".join(f"{v} {k.replace('_', ' ')}"
                                                                        for k, v in counts.items() if v))
                return redirect("contacts")
        except ServiceError as exc:
            error = exc.message
        else:
            return redirect("contact", pk=pk)
    cases = list(contact.cases.select_related("assignee"))
    return render(request, "crm/contact.html", {
        "contact": contact, "card": selectors.contact_card(contact), "cases": cases,
        "timeline": selectors.timeline_for_numbers(selectors.contact_numbers(contact), contact=contact, limit=50),
        "case_types": selectors.case_type_choices(), "complaint_categories": selectors.complaint_category_choices(),
        "is_admin": request.user.has_role(Role.TENANT_ADMIN), "hold": privacy.active_hold(contact), "error": error,
        "tiers": selectors.tier_choices(), "stages": Lifecycle.choices,
        "editing": bool(error and request.POST.get("form") == "edit"),
    }, status=400 if error else 200)


@staff
def case_page(request, pk: int):
    case = get_object_or_404(Case.objects.select_related("contact", "assignee", "opened_by", "team", "call",
                                                         "complaint_category"), pk=pk)
    return render(request, "crm/case.html", {
        "type_label": dict(selectors.case_type_choices()).get(case.type, case.type),
        "recordings": case.call.recordings.exclude(status="deleted") if case.call_id else [],
        "case": case, "events": case.events.all(), "next_states": sorted(TRANSITIONS.get(case.state, ())),
        "all_states": [s for s, _ in Case._meta.get_field("state").choices],
        "can_override": request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN),
    })


@staff
@require_POST
def case_action(request, pk: int):
    case = get_object_or_404(Case, pk=pk)
    try:
        if request.POST.get("action") == "escalate":
            services.case_escalate(case=case, actor=request.user, reason=request.POST.get("reason", "") or "by hand")
            messages.success(request, "Escalated.")
        else:
            services.case_transition(case=case, to_state=request.POST.get("state", ""), actor=request.user,
                                     reason=request.POST.get("reason", ""),
                                     override=request.POST.get("override") == "1")
            messages.success(request, f"Case #{case.number} is now {request.POST.get('state', '').replace('_', ' ')}.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("case", pk=pk)
