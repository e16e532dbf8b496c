"""REQUIRE_STAFF_2FA: a tenant admin (or, on the public host, an operator) whose session has
not passed the second factor reaches only the enrol/confirm page, sign-in and sign-out."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect

from accounts import otp

OPEN_PATHS = ("/account/2fa", "/login", "/logout", "/static/", "/healthz", "/admin/login", "/admin/logout")


class StaffSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (settings.REQUIRE_STAFF_2FA and user is not None and user.is_authenticated
                and not request.path.startswith(OPEN_PATHS) and otp.must_enrol_if_removed(user)
                and not user.is_verified()):
            if request.path.startswith("/api/"):
                return JsonResponse({"error": {"code": "second_factor_required", "message": (
                    "Your role needs two-step sign-in: confirm a code at /account/2fa first."), "fields": {}}},
                    status=403)
            if otp._on_public_schema():
                return redirect(f"/admin/login/?next={request.path}")
            return redirect(f"/account/2fa?next={request.path}")
        return self.get_response(request)
