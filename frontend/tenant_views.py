"""Tenant pages: login, home, the admin console's Users & seats. Thin: every write is a service."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.models import Role, Skill, Team, User
from accounts.otp import totp_device
from accounts.selectors import seats_in_use
from config.errors import ServiceError
from frontend.forms import AcceptInviteForm, InviteForm, LoginForm, SeatsForm
from tenants.selectors import tenant_features
from tenants.services import tenant_set_seat_cap


def role_required(*roles):
    def deco(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"/login?next={request.path}")
            if not request.user.has_role(*roles):
                return HttpResponseForbidden(render(request, "tenant/forbidden.html").content)
            return view(request, *args, **kwargs)

        return wrapper

    return deco


def _ip(request):
    return request.META.get("REMOTE_ADDR")


def login_view(request):
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_check(request=request, email=form.cleaned_data["email"],
                                        password=form.cleaned_data["password"])
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            from frontend.security_views import login_second_step

            return login_second_step(request, user, request.GET.get("next", "/"))
    return render(request, "tenant/login.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("login")


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    return render(request, "tenant/home.html", {"features": sorted(tenant_features(request.tenant))})


@role_required(Role.AGENT)
def desk(request):
    from datetime import timedelta

    from telephony import clock
    from telephony.providers import provider_for_current_tenant
    from wfm.selectors import shift_row
    from wfm.services.schedules import published_shifts

    now = clock.now()
    # The agent's shift now or next (published schedules), shown in the state bar.
    upcoming = published_shifts(agent_ids=[request.user.pk], first=(now - timedelta(days=1)).date(),
                                last=(now + timedelta(days=14)).date()).filter(end__gt=now).first()
    return render(request, "tenant/desk.html", {"softphone_provider": provider_for_current_tenant().name,
                                                "next_shift": shift_row(upcoming) if upcoming else None})


@role_required(Role.TENANT_ADMIN, Role.SUPERVISOR)
def wallboard(request):
    return render(request, "tenant/wallboard.html")


def invite_accept(request, token):
    inv = services.invitation_lookup(token)
    if inv is None:
        return render(request, "tenant/invite_invalid.html", {"message": services.MSG_INVITE_INVALID}, status=404)
    form = AcceptInviteForm(request.POST or None, initial={"full_name": inv.user.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(raw_token=token, **form.cleaned_data)
        except ServiceError as exc:
            field = "password" if "password" in exc.fields else None
            form.add_error(field, exc.fields.get("password", [exc.message])[0])
        else:
            login(request, user, backend="accounts.backends.EmailBackend")
            return redirect("home")
    return render(request, "tenant/invite_accept.html", {"form": form, "invitee": inv.user})


def _users_context(request, **extra):
    return {
        "users": selectors.user_list(),
        "seats_used": seats_in_use(),
        "invite_form": extra.pop("invite_form", InviteForm()),
        "seats_form": SeatsForm(initial={"seat_cap": request.tenant.seat_cap}),
        "teams": Team.objects.all(),
        "skills": Skill.objects.all(),
        **extra,
    }


@role_required(Role.TENANT_ADMIN, Role.SUPERVISOR)
def users_page(request):
    return render(request, "tenant/users.html", _users_context(request))


@role_required(Role.TENANT_ADMIN)
@require_POST
def users_invite(request):
    form = InviteForm(request.POST)
    invite_url = None
    if form.is_valid():
        try:
            user, raw = services.user_invite(invited_by=request.user, ip=_ip(request), **form.cleaned_data)
        except ServiceError as exc:
            form.add_error("email" if "email" in exc.fields else None, exc.fields.get("email", [exc.message])[0])
        else:
            invite_url = request.build_absolute_uri(f"/invite/{raw}")
            messages.success(request, f"Invitation created for {user.email}.")
            form = InviteForm()
    status = 400 if form.errors else 200
    return render(request, "tenant/users.html", _users_context(request, invite_form=form, invite_url=invite_url),
                  status=status)


@role_required(Role.TENANT_ADMIN)
def user_edit(request, pk):
    user = get_object_or_404(selectors.user_list(), pk=pk)
    error = None
    if request.method == "POST":
        skills = []
        for skill in Skill.objects.all():
            level = request.POST.get(f"skill_{skill.pk}", "")
            if level:
                skills.append({"skill": skill.pk, "proficiency": int(level) if level.isdigit() else -1})
        try:
            services.user_update(user=user, actor=request.user, ip=_ip(request),
                                 full_name=request.POST.get("full_name", user.full_name),
                                 roles=request.POST.getlist("roles"),
                                 team_ids=[int(t) for t in request.POST.getlist("teams") if t.isdigit()],
                                 skills=skills)
        except ServiceError as exc:
            error = exc.message
        else:
            messages.success(request, f"Saved {user.email}.")
            return redirect("console-users")
    levels = {s.skill_id: s.proficiency for s in user.skills.all()}
    return render(request, "tenant/user_edit.html", {
        "u": user, "error": error, "all_roles": [(r.value, r.label) for r in Role if r != Role.OPERATOR],
        "user_roles": user.role_codes, "teams": Team.objects.all(), "user_teams": {t.pk for t in user.teams.all()},
        "skills": [(s, levels.get(s.pk)) for s in Skill.objects.all()],
        "has_2fa": totp_device(user) is not None,
    }, status=400 if error else 200)


@role_required(Role.TENANT_ADMIN)
@require_POST
def user_toggle(request, pk):
    user = get_object_or_404(User, pk=pk)
    try:
        if user.status == "disabled":
            services.user_enable(user=user, actor=request.user, ip=_ip(request))
            messages.success(request, f"{user.email} re-enabled.")
        else:
            services.user_disable(user=user, actor=request.user, ip=_ip(request))
            messages.success(request, f"{user.email} disabled; their sessions and tokens are revoked.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("console-users")


@role_required(Role.TENANT_ADMIN)
@require_POST
def seats_update(request):
    form = SeatsForm(request.POST)
    if form.is_valid():
        try:
            tenant_set_seat_cap(tenant=request.tenant, seat_cap=form.cleaned_data["seat_cap"], actor=request.user)
            messages.success(request, f"Seat count set to {form.cleaned_data['seat_cap']}.")
        except ServiceError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Enter a whole number of seats.")
    return redirect("console-users")


@role_required(Role.TENANT_ADMIN)
def audit_page(request):
    return render(request, "tenant/audit.html", {"events": selectors.audit_list()[:200]})
