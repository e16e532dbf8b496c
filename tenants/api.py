from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsTenantAdmin, OnTenantDomain
from accounts.selectors import seats_in_use
from config.errors import ServiceError
from tenants import services
from tenants.models import ProviderCredential
from tenants.selectors import tenant_features, tenant_url
from tenants.serializers import (
    CredentialsSerializer,
    SignupResponseSerializer,
    SignupSerializer,
    TenantSettingsSerializer,
)


class SignupView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=SignupSerializer, responses={201: SignupResponseSerializer},
                   summary="Self-signup: create a live tenant (public domain only)")
    def post(self, request):
        if connection.schema_name != "public":
            raise ServiceError("wrong_domain", "Sign up on the public site, not on a tenant's domain.",
                               status_code=404)
        data = SignupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        tenant = services.tenant_signup(
            company=v["company"], slug=v["slug"], admin_email=v["admin_email"], password=v["password"],
            edition=v["edition"], timezone_name=v["timezone"], admin_name=v["admin_name"],
            ip=request.META.get("REMOTE_ADDR"),
        )
        url = tenant_url(tenant)
        return Response({"slug": tenant.slug, "url": url, "api": f"{url}api/v1/", "state": tenant.state},
                        status=status.HTTP_201_CREATED)


def _settings_payload(tenant) -> dict:
    return {
        "name": tenant.name, "slug": tenant.slug, "state": tenant.state,
        "edition": tenant.edition.code if tenant.edition else "", "timezone": tenant.timezone,
        "seat_cap": tenant.seat_cap, "seats_in_use": seats_in_use(),
        "max_seats": tenant.edition.max_seats if tenant.edition else tenant.seat_cap,
        "features": sorted(tenant_features(tenant)),
        "recording_retention_days": tenant.recording_retention_days,
    }


class TenantSettingsView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    @extend_schema(responses=TenantSettingsSerializer, summary="This tenant: plan, state, seats, features")
    def get(self, request):
        return Response(_settings_payload(request.tenant))

    @extend_schema(request=TenantSettingsSerializer, responses=TenantSettingsSerializer,
                   summary="Raise or lower the seat count within the plan; set recording retention")
    def patch(self, request):
        data = TenantSettingsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "seat_cap" in data.validated_data:
            services.tenant_set_seat_cap(tenant=request.tenant, seat_cap=data.validated_data["seat_cap"],
                                         actor=request.user)
        if "recording_retention_days" in data.validated_data:
            services.tenant_set_recording_retention(tenant=request.tenant, actor=request.user,
                                                    days=data.validated_data["recording_retention_days"])
        return Response(_settings_payload(request.tenant))


class CredentialsView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    def _payload(self, tenant) -> dict:
        cred = ProviderCredential.objects.filter(tenant=tenant).first()
        if cred is None:
            return {"provider": "sandbox", "account_sid": "", "sip_domain": "", "secret_set": False}
        return {"provider": cred.provider, "account_sid": cred.account_sid, "sip_domain": cred.sip_domain,
                "secret_set": bool(cred.secret_encrypted)}

    @extend_schema(responses=CredentialsSerializer, summary="Telephony provider (the secret is never returned)")
    def get(self, request):
        return Response(self._payload(request.tenant))

    @extend_schema(request=CredentialsSerializer, responses=CredentialsSerializer)
    def put(self, request):
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tenant_set_credentials(tenant=request.tenant, actor=request.user, **data.validated_data)
        return Response(self._payload(request.tenant))
