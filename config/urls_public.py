"""The public site (app.<base> and the bare base domain): landing, signup, operator console."""

from django.conf import settings
from django.contrib import admin
from django.urls import path

from config.health import healthz
from config.urls_api_common import schema_urls
from frontend import operator_views, public_views
from tenants.api import SignupView

if settings.REQUIRE_STAFF_2FA:  # operators sign in with password and authenticator code
    from django_otp.admin import OTPAdminSite

    admin.site.__class__ = OTPAdminSite
admin.site.site_header = "Hostline operator console"
admin.site.site_title = "Hostline operator"

urlpatterns = [
    path("", public_views.landing, name="landing"),
    path("signup", public_views.signup, name="signup"),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("operator/billing", operator_views.billing_console, name="operator-billing"),
    path("operator/billing/run", operator_views.billing_run, name="operator-billing-run"),
    path("operator/billing/daily.csv", operator_views.daily_report, name="operator-billing-daily"),
    path("operator/invoices/<int:pk>/pdf", operator_views.invoice_pdf, name="operator-invoice-pdf"),
    path("api/v1/signup", SignupView.as_view(), name="api-signup"),
    *schema_urls("config.urls_public"),
]
