"""Two-step sign-in pages: the code after the password, enrolling an authenticator app, and
an admin's reset of a user's authenticator (a lost phone). Every write is in accounts.otp."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from accounts import otp, selectors
from accounts.models import Role, User
from config.errors import ServiceError
from frontend.tenant_views import role_required

PENDING = "otp_pending"


def _safe_next(nxt: str | None) -> str:
    return nxt if nxt and nxt.startswith("/") and not nxt.startswith("//") else "/"


def login_second_step(request, user: User, nxt: str):
    """After the password: straight in, or on to the code when the user has an authenticator."""
    if otp.totp_device(user) is None:
        login(request, user, backend="accounts.backends.EmailBackend")
        return redirect("/account/2fa?next=" + _safe_next(nxt) if otp.must_enrol(user) else _safe_next(nxt))
    request.session[PENDING] = {"uid": user.pk, "until": time.time() + otp.PENDING_TTL_S, "next": _safe_next(nxt)}
    return redirect("login-verify")


def login_verify(request):
    pending = request.session.get(PENDING)
    user = User.objects.filter(pk=(pending or {}).get("uid")).first() if pending else None
    if user is None or pending["until"] < time.time() or not user.is_active:
        request.session.pop(PENDING, None)
        messages.error(request, "Sign in again: the code was not entered within 5 minutes.")
        return redirect("login")
    error = None
    if request.method == "POST":
        device = otp.totp_device(user)
        try:
            if device is None:
                raise ServiceError("otp_gone", "Two-step sign-in was turned off for you; sign in again.")
            otp.totp_check(device=device, code=request.POST.get("otp"))
        except ServiceError as exc:
            error = exc.message
        else:
            nxt = pending["next"]
            login(request, user, backend="accounts.backends.EmailBackend")  # a new session: pending goes
            otp_login(request, device)
            return redirect(nxt)
    return render(request, "tenant/login_verify.html", {"error": error, "email": user.email},
                  status=400 if error else 200)


def two_factor(request):
    """Enrol (scan the key, confirm a code), confirm this session, or turn it off."""
    if not request.user.is_authenticated:
        return redirect(f"/login?next={request.path}")
    user, error = request.user, None
    device = otp.totp_device(user)
    nxt = _safe_next(request.GET.get("next") or request.POST.get("next"))
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "enrol":
                device = otp.totp_confirm(user=user, code=request.POST.get("otp", ""), ip=request.META.get(
                    "REMOTE_ADDR"))
                otp_login(request, device)
                messages.success(request, "Two-step sign-in is on.")
                return redirect(nxt)
            if action == "verify" and device is not None:
                otp.totp_check(device=device, code=request.POST.get("otp"))
                otp_login(request, device)
                return redirect(nxt)
            if action == "off" and device is not None:
                if otp.must_enrol_if_removed(user):
                    raise ServiceError("required", "Two-step sign-in is required for your role here.")
                otp.totp_check(device=device, code=request.POST.get("otp"))
                otp.totp_reset(user=user, by=user, ip=request.META.get("REMOTE_ADDR"))
                messages.success(request, "Two-step sign-in is off.")
                return redirect("/account/2fa")
            raise ServiceError("bad_action", "Choose to turn two-step sign-in on, confirm a code, or turn it off.")
        except ServiceError as exc:
            error = exc.message
    context = {"device": device, "verified": user.is_verified(), "next": nxt, "error": error,
               "required": otp.must_enrol_if_removed(user)}
    if device is None:
        pending = otp.totp_begin(user=user)
        context.update(key=_b32(pending.bin_key), uri=pending.config_url,
                       qr=otp.qr_svg(pending.config_url))
    return render(request, "tenant/two_factor.html", context, status=400 if error else 200)


def _b32(raw: bytes) -> str:
    from base64 import b32encode

    key = b32encode(raw).decode()
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


@require_POST
@role_required(Role.TENANT_ADMIN)
def two_factor_reset(request, pk: int):
    user = get_object_or_404(selectors.user_list(), pk=pk)
    otp.totp_reset(user=user, by=request.user, ip=request.META.get("REMOTE_ADDR"))
    messages.success(request, f"Two-step sign-in reset for {user.email}: they enrol again at their next sign-in.")
    return redirect("console-user-edit", pk=user.pk)
