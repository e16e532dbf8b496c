"""Privacy API (CRM-8): a contact's data export, legal holds and erasure. Tenant admins only;
every call is audited by the services it reaches."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsTenantAdmin, OnTenantDomain
from accounts.services import audit_record
from config.drf import client_ip
from config.drf import validated as _valid
from crm import selectors
from crm.api import _contact
from crm.services import privacy


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class EraseSerializer(ReasonSerializer):
    confirm = serializers.CharField(help_text="the contact's id, repeated, so a wrong id cannot erase someone")


class PrivacyExportView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    @extend_schema(responses={(200, "application/json"): dict},
                   summary="Everything held about a contact (subject access): card, consents, notes, cases, "
                           "calls, messages, callbacks, surveys, recordings list")
    def get(self, request, pk: int):
        contact = _contact(pk)
        body = json.dumps(selectors.contact_export(contact), cls=DjangoJSONEncoder, indent=2)
        audit_record(actor=request.user, action="contact.privacy_export", target=contact, ip=client_ip(request),
                     summary=f"Exported all data of contact #{contact.pk}")
        resp = HttpResponse(body, content_type="application/json")
        resp["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.json"'
        return resp


class LegalHoldView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    @extend_schema(request=ReasonSerializer, responses={201: dict},
                   summary="Place a legal hold (blocks erasure; recordings kept past retention)")
    def post(self, request, pk: int):
        hold = privacy.legal_hold_place(contact=_contact(pk), actor=request.user, ip=client_ip(request),
                                        reason=_valid(ReasonSerializer, request)["reason"])
        return Response({"reason": hold.reason, "placed_by": hold.placed_by, "placed_at": hold.placed_at},
                        status=201)

    @extend_schema(request=ReasonSerializer, responses={200: dict}, summary="Release the legal hold")
    def delete(self, request, pk: int):
        hold = privacy.legal_hold_release(contact=_contact(pk), actor=request.user, ip=client_ip(request),
                                          reason=_valid(ReasonSerializer, request)["reason"])
        return Response({"reason": hold.reason, "released_by": hold.released_by, "released_at": hold.released_at})


class EraseView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    @extend_schema(request=EraseSerializer, responses={200: dict},
                   summary="Erase a contact everywhere (recordings also at the carrier); 409 under legal hold")
    def post(self, request, pk: int):
        from config.errors import field_error

        d = _valid(EraseSerializer, request)
        contact = _contact(pk)
        if d["confirm"].strip() != str(contact.pk):
            raise field_error("confirm", "Repeat the contact's id in 'confirm' to erase them.")
        return Response({"erased": privacy.contact_erase(contact=contact, actor=request.user, reason=d["reason"],
                                                         ip=client_ip(request))})
