"""TEN-5 at the HTTP edge: closed tenants are gone; suspended ones admit admins only."""

from django.conf import settings
from django.http import HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from accounts.models import Role
from config.api_errors import error_body
from tenants.models import INTERNAL_STATES, TenantState

# Carrier webhooks stay open: calls in progress must finish and be recorded (REL-1);
# the incoming-call hook itself refuses new calls of a suspended tenant.
ALWAYS_OPEN = ("/healthz", "/login", "/logout", "/static/", "/api/v1/auth/token", "/telephony/voice/")


class TenantLifecycleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        state = getattr(tenant, "state", None)
        if state in (TenantState.CLOSED, *INTERNAL_STATES):
            return HttpResponseNotFound("No such call center.")
        if state == TenantState.SUSPENDED and not request.path.startswith(ALWAYS_OPEN):
            user = getattr(request, "user", None)
            is_admin = bool(user and user.is_authenticated and user.has_role(Role.TENANT_ADMIN))
            if not is_admin and request.path.startswith("/api/"):
                # API token auth runs in DRF views, so check the header's owner there;
                # here we only stop anonymous and session non-admin traffic early.
                if not request.headers.get("Authorization"):
                    return JsonResponse(error_body("tenant_suspended", "This account is suspended."), status=403)
            elif not is_admin:
                return render(request, "tenant/suspended.html", status=403)
        return self.get_response(request)


class HostlineTenantMiddleware(TenantMainMiddleware):
    """django-tenants' host → schema resolution; the bare base domain and the public host
    serve the public site, any other unknown host is a clean 404."""

    def no_tenant_found(self, request, hostname):
        if hostname in (settings.BASE_DOMAIN, settings.PUBLIC_HOST, "127.0.0.1"):
            self.setup_url_routing(request=request, force_public=True)
            return None
        return HttpResponseNotFound("No call center at this address.")
