"""Outbound API: campaigns and their lifecycle, target lists (CSV or CRM tag), DNC lists and
opt-outs, the agent's next contact (preview) and results, the compliance report and export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import HasRole, OnTenantDomain
from config.drf import validated
from config.errors import ServiceError, field_error
from telephony import clock
from telephony.models import Campaign, CampaignContact, DncEntry, Queue
from telephony.outbound import campaigns, compliance, selectors

IsCampaignStaff = HasRole.of(Role.SUPERVISOR, Role.TENANT_ADMIN)
IsAgentOrStaff = HasRole.of(Role.AGENT, Role.SUPERVISOR, Role.TENANT_ADMIN)


class CampaignSerializer(serializers.ModelSerializer):
    agents = serializers.PrimaryKeyRelatedField(many=True, queryset=User.objects.all(), required=False)
    queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Campaign
        fields = ["id", "name", "mode", "state", "b2b", "region", "caller_id", "queue", "script", "script_version",
                  "goal_codes", "calling_from", "calling_until", "calling_days", "call_on_holidays", "max_attempts",
                  "retry_minutes", "abandon_cap", "pilot_calls", "deadline", "agents", "pull_back_after_s",
                  "list_source", "created_at"]
        read_only_fields = ["id", "state", "script_version", "list_source", "created_at"]

    def validate_calling_days(self, value):
        if not isinstance(value, list) or not all(isinstance(d, int) and 0 <= d <= 6 for d in value):
            raise serializers.ValidationError("days 0 (Monday) to 6 (Sunday).")
        return value

    def validate_retry_minutes(self, value):
        known = set(campaigns.DEFAULT_RETRY_MIN)
        if not isinstance(value, dict) or set(value) - known or not all(
                isinstance(v, int) and 0 <= v <= 60 * 24 * 30 for v in value.values()):
            raise serializers.ValidationError(f"minutes per outcome, outcomes among {', '.join(sorted(known))}.")
        return value

    def validate_abandon_cap(self, value):
        if not Decimal(0) < value <= Decimal("0.03"):  # Decimals, not floats: 0.03 itself is allowed
            raise serializers.ValidationError("at most 3 % (0.03): the legal ceiling.")
        return value

    def validate(self, data):
        mode = data.get("mode", getattr(self.instance, "mode", Campaign.Mode.PROGRESSIVE))
        b2b = data.get("b2b", getattr(self.instance, "b2b", False))
        if mode == Campaign.Mode.PREDICTIVE and b2b:
            raise serializers.ValidationError({"mode": "predictive dialing is not allowed for a business list."})
        start = data.get("calling_from", getattr(self.instance, "calling_from", None))
        end = data.get("calling_until", getattr(self.instance, "calling_until", None))
        if start and end and start >= end:
            raise serializers.ValidationError({"calling_until": "the window ends before it starts."})
        return data


def _campaign_dict(c: Campaign) -> dict:
    data = CampaignSerializer(c).data
    counts = dict(c.contacts.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {**data, "contacts": counts}


class CampaignsView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsAgentOrStaff if self.request.method == "GET" else IsCampaignStaff)()]

    @extend_schema(responses={200: CampaignSerializer(many=True)}, summary="Campaigns")
    def get(self, request):
        qs = Campaign.objects.all()
        if not request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
            qs = qs.filter(agents=request.user)
        return Response([_campaign_dict(c) for c in qs[:200]])

    @extend_schema(request=CampaignSerializer, responses={201: CampaignSerializer}, summary="Create a campaign (draft)")
    def post(self, request):
        c = campaigns.campaign_create(data=validated(CampaignSerializer, request), by=request.user)
        return Response(_campaign_dict(c), status=201)


class CampaignView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsAgentOrStaff if self.request.method == "GET" else IsCampaignStaff)()]

    def _get(self, request, pk):
        c = get_object_or_404(Campaign, pk=pk)
        if not request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN) and not c.agents.filter(
                pk=request.user.pk).exists():
            raise ServiceError("not_found", "No such campaign.", status_code=404)
        return c

    @extend_schema(responses={200: CampaignSerializer}, summary="A campaign with its list's progress")
    def get(self, request, pk: int):
        return Response(_campaign_dict(self._get(request, pk)))

    @extend_schema(request=CampaignSerializer, responses={200: CampaignSerializer},
                   summary="Change a campaign (a draft fully; later only the switch to preview, agents and retries)")
    def patch(self, request, pk: int):
        c = self._get(request, pk)
        if c.state != Campaign.State.DRAFT:
            allowed = {"agents", "retry_minutes", "mode", "deadline", "pull_back_after_s"}
            if set(request.data) - allowed:
                raise field_error("state", f"a {c.state} campaign changes only {', '.join(sorted(allowed))}.")
            if request.data.get("mode") not in (None, Campaign.Mode.PREVIEW):
                raise field_error("mode", "once approved, a campaign can only switch to preview.")
        s = CampaignSerializer(c, data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        c = s.save()
        if "script" in request.data:
            Campaign.objects.filter(pk=c.pk).update(script_version=c.script_version + 1)
            c.refresh_from_db()
        return Response(_campaign_dict(c))


class StateSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Campaign.State.choices)


class CampaignStateView(APIView):
    permission_classes = [OnTenantDomain, IsCampaignStaff]

    @extend_schema(request=StateSerializer, responses={200: CampaignSerializer},
                   summary="Move a campaign: draft → approved → pilot → running ↔ paused → completed | cancelled")
    def post(self, request, pk: int):
        c = get_object_or_404(Campaign, pk=pk)
        c = campaigns.campaign_transition(campaign=c, to=validated(StateSerializer, request)["to"], by=request.user)
        return Response(_campaign_dict(c))


class ContactsAddSerializer(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), required=False)
    crm_tag = serializers.CharField(required=False, max_length=40)


class CampaignContactsView(APIView):
    permission_classes = [OnTenantDomain, IsCampaignStaff]

    @extend_schema(request=ContactsAddSerializer, responses={201: dict},
                   summary="Add the target list: JSON rows, a CSV file (number,name,grade,timezone) or a CRM tag")
    def post(self, request, pk: int):
        c = get_object_or_404(Campaign, pk=pk)
        if c.state not in (Campaign.State.DRAFT, Campaign.State.PAUSED):
            raise ServiceError("locked", "Add numbers to a draft or paused campaign.", status_code=409)
        upload = request.FILES.get("file")
        if upload is not None:
            rows, source = campaigns.rows_from_csv(upload)
        else:
            d = validated(ContactsAddSerializer, request)
            if d.get("crm_tag"):
                from crm.models import ContactPhone

                phones = ContactPhone.objects.filter(contact__tags__contains=[d["crm_tag"]],
                                                     contact__do_not_contact=False).select_related("contact")
                rows = [{"number": p.e164, "name": str(p.contact), "contact": p.contact_id} for p in phones]
                source = f"CRM tag {d['crm_tag']}"
            else:
                rows, source = d.get("rows") or [], "API"
        if not rows:
            raise field_error("rows", "no numbers to add.")
        added = campaigns.contacts_add(campaign=c, rows=rows, source=source, by=request.user)
        return Response({"added": added, "source": source}, status=201)


class NextContactView(APIView):
    permission_classes = [OnTenantDomain, IsAgentOrStaff]

    @extend_schema(request=None, responses={200: dict},
                   summary="Preview: lock the next contact to me, with the compliance checks for dialing it now")
    def post(self, request, pk: int):
        c = get_object_or_404(Campaign, pk=pk)
        if not c.agents.filter(pk=request.user.pk).exists():
            raise ServiceError("not_assigned", "You are not assigned to this campaign.", status_code=403)
        if c.state not in campaigns.DIALING_STATES:
            raise ServiceError("not_running", f"The campaign is {c.state}.", status_code=409)
        cc = campaigns.contact_lock_next(campaign=c, agent=request.user)
        if cc is None:
            return Response({"contact": None})
        checks = compliance.check_dial(campaign=c, cc=cc, now=clock.now(), agent_reserved=True)
        return Response({"contact": {"id": cc.pk, "number": cc.number, "name": cc.name, "grade": cc.grade,
                                     "attempts": cc.attempts, "timezone": cc.timezone},
                         "checks": checks, "may_dial": compliance.allowed(checks), "script": c.script})


class ResultSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=20)
    objection = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    grade = serializers.CharField(max_length=1, required=False, allow_blank=True, default="")
    callback_at = serializers.DateTimeField(required=False, allow_null=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ContactResultView(APIView):
    permission_classes = [OnTenantDomain, IsAgentOrStaff]

    @extend_schema(request=ResultSerializer, responses={200: dict}, summary="Record the result of a worked contact")
    def post(self, request, pk: int):
        cc = get_object_or_404(CampaignContact.objects.select_related("campaign"), pk=pk)
        cc = campaigns.contact_result(cc=cc, agent=request.user, **validated(ResultSerializer, request))
        return Response({"id": cc.pk, "status": cc.status, "attempts": cc.attempts,
                         "next_attempt_at": cc.next_attempt_at.isoformat() if cc.next_attempt_at else None,
                         "owner": cc.owner_id})


class DashboardView(APIView):
    permission_classes = [OnTenantDomain, IsCampaignStaff]

    @extend_schema(responses={200: dict}, summary="Campaign dashboard (OUT-5): dials, connects, contacts, "
                   "conversion, valid and reach rates, talk share, abandonment 30 d / 24 h, contacts per agent "
                   "hour, pilot evaluation")
    def get(self, request, pk: int):
        return Response(selectors.campaign_dashboard(get_object_or_404(Campaign, pk=pk)))


def _locked_to_me(request, pk: int) -> CampaignContact:
    cc = get_object_or_404(CampaignContact.objects.select_related("campaign"), pk=pk)
    if cc.locked_by_id != request.user.pk or cc.status != CampaignContact.Status.LOCKED:
        raise ServiceError("not_locked", "This contact is not locked to you: take the next one.", status_code=409)
    return cc


class ContactDialView(APIView):
    permission_classes = [OnTenantDomain, HasRole.of(Role.AGENT)]

    @extend_schema(request=None, responses={200: dict},
                   summary="Preview: dial the contact I am looking at (checked again at this moment)")
    def post(self, request, pk: int):
        from telephony.outbound.dialer import dial_contact

        cc = _locked_to_me(request, pk)
        c = cc.campaign
        if c.state not in campaigns.DIALING_STATES:
            raise ServiceError("not_running", f"The campaign is {c.state}.", status_code=409)
        placed = dial_contact(campaign=c, cc=cc, now=clock.now(), pilot=c.state == Campaign.State.PILOT,
                              agent=request.user)
        attempt = c.attempts.filter(contact=cc).order_by("-pk").first()
        if not placed:
            failed = {k: v for k, v in attempt.checks.items() if v != compliance.OK}
            raise ServiceError("blocked", "Not dialled: " + "; ".join(f"{k}: {v}" for k, v in failed.items()),
                               status_code=409)
        return Response({"attempt": attempt.pk, "call": attempt.call_id, "number": cc.number})


class ContactSkipView(APIView):
    permission_classes = [OnTenantDomain, HasRole.of(Role.AGENT)]

    @extend_schema(request=None, responses={200: dict}, summary="Preview: pass on this contact without dialing")
    def post(self, request, pk: int):
        cc = campaigns.contact_skip(cc=_locked_to_me(request, pk), agent=request.user)
        return Response({"id": cc.pk, "status": cc.status})


class ComplianceView(APIView):
    permission_classes = [OnTenantDomain, IsCampaignStaff]

    @extend_schema(parameters=[OpenApiParameter("export", str, enum=["csv"])], responses={200: dict},
                   summary="Compliance report per campaign; ?export=csv: every dial attempt with its checks")
    def get(self, request, pk: int):
        c = get_object_or_404(Campaign, pk=pk)
        attempts = c.attempts.select_related("agent").order_by("at")
        if request.query_params.get("export") == "csv":
            out = io.StringIO()
            w = csv.writer(out)
            w.writerow(["at", "number", "outcome", "amd", "amd_false_positive", "agent", "pilot", *compliance.CHECKS])
            for a in attempts:
                w.writerow([a.at.isoformat(), a.number, a.outcome, a.amd, a.amd_false_positive,
                            a.agent.email if a.agent_id else "", a.pilot,
                            *(a.checks.get(k, "") for k in compliance.CHECKS)])
            resp = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            resp["Content-Disposition"] = f'attachment; filename="campaign-{c.pk}-dials.csv"'
            from accounts.services import audit_record

            audit_record(actor=request.user, action="outbound.compliance_export", target=c,
                         summary=f"Exported the dial log of {c.name}")
            return resp
        w = selectors.abandonment(c)
        return Response({"campaign": c.pk, "dials": w["dials"], "blocked": selectors.blocked_by_check(attempts),
                         "live_answers": w["live_answers"], "abandoned": w["abandoned"], "abandon_rate": w["rate"],
                         "cap": str(c.abandon_cap)})


class DncImportView(APIView):
    permission_classes = [OnTenantDomain, IsCampaignStaff]

    @extend_schema(request=None, responses={201: dict}, summary="Import a DNC list (CSV of numbers; all or nothing)")
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise field_error("file", "attach the CSV file.")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise field_error("file", "the file is not UTF-8 text.") from None
        added = compliance.dnc_import(text=text, source=request.data.get("source", ""), by=request.user)
        return Response({"added": added}, status=201)


class OptOutSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=30)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OptOutView(APIView):
    permission_classes = [OnTenantDomain, IsAgentOrStaff]

    @extend_schema(request=OptOutSerializer, responses={201: dict},
                   summary="The callee asked not to be called: honoured at once in every campaign")
    def post(self, request):
        d = validated(OptOutSerializer, request)
        number = compliance.normalise_number(d["number"])
        if number is None:
            raise field_error("number", "not a phone number.")
        compliance.opt_out(number=number, reason=d["reason"], by=request.user)
        return Response({"number": number, "opted_out": True}, status=201)


class DncLookupView(APIView):
    permission_classes = [OnTenantDomain, IsCampaignStaff]

    @extend_schema(parameters=[OpenApiParameter("number", str)], responses={200: dict},
                   summary="Is a number on a do-not-call list?")
    def get(self, request):
        number = compliance.normalise_number(request.query_params.get("number", ""))
        if number is None:
            raise field_error("number", "not a phone number.")
        return Response({"number": number, "lists": sorted(DncEntry.objects.filter(number=number)
                                                           .values_list("source", flat=True))})
