"""CRM API: contacts (search, lookup for the screen pop, create, change), notes, timeline,
CSV import (all or nothing, with a row-by-row report) and export. Thin: services and selectors."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminOrSupervisor, IsStaffOrAgent, OnTenantDomain
from config.drf import validated as _valid
from crm import selectors, services


class ContactInSerializer(serializers.Serializer):
    """Accepted fields; values are checked by the CRM's one cleaning function."""

    first_name = serializers.CharField(required=False, allow_blank=True)
    last_name = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    phones = serializers.ListField(child=serializers.CharField(), required=False)
    account_number = serializers.CharField(required=False, allow_blank=True)
    account_name = serializers.CharField(required=False, allow_blank=True)
    tier = serializers.CharField(required=False, allow_blank=True)
    lifecycle = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    do_not_contact = serializers.BooleanField(required=False)
    consent_marketing = serializers.BooleanField(required=False)
    address = serializers.CharField(required=False, allow_blank=True)
    custom = serializers.DictField(required=False)


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000)


def _contact(pk: int):
    return get_object_or_404(selectors.contact_list(), pk=pk)


class ContactListView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(parameters=[OpenApiParameter("q", str, description="name, e-mail, account or any phone number")],
                   responses={200: dict}, summary="Search contacts", operation_id="contacts_search")
    def get(self, request):
        page = LimitOffsetPagination()
        rows = page.paginate_queryset(selectors.contact_search(request.query_params.get("q", "")), request, view=self)
        return page.get_paginated_response([selectors.contact_card(c) for c in rows])

    @extend_schema(request=ContactInSerializer, responses={201: dict},
                   summary="Create a contact (phones normalised to E.164; bad values: 400, nothing written)")
    def post(self, request):
        contact = services.contact_create(data=_valid(ContactInSerializer, request), actor=request.user,
                                          source=request.query_params.get("source", "api")[:40])
        return Response(selectors.contact_card(selectors.contact_list().get(pk=contact.pk)), status=201)


class ContactDetailView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses={200: dict}, summary="A contact's card")
    def get(self, request, pk: int):
        return Response(selectors.contact_card(_contact(pk)))

    @extend_schema(request=ContactInSerializer, responses={200: dict}, summary="Change a contact")
    def patch(self, request, pk: int):
        contact = services.contact_update(contact=_contact(pk), data=_valid(ContactInSerializer, request),
                                          actor=request.user)
        return Response(selectors.contact_card(selectors.contact_list().get(pk=contact.pk)))


class ContactTimelineView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses={200: dict}, summary="Calls, voicemails, callbacks and notes, newest first")
    def get(self, request, pk: int):
        contact = _contact(pk)
        return Response(selectors.timeline_for_numbers(selectors.contact_numbers(contact), contact=contact,
                                                       limit=100))


class ContactNoteView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=NoteSerializer, responses={201: dict}, summary="Add a note to the contact's timeline")
    def post(self, request, pk: int):
        note = services.contact_note_add(contact=_contact(pk), text=_valid(NoteSerializer, request)["text"],
                                         actor=request.user)
        return Response({"id": note.pk, "at": note.at, "text": note.text}, status=201)


class ScreenPopView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(parameters=[OpenApiParameter("phone", str), OpenApiParameter("account", str)],
                   responses={200: dict}, summary="Who is calling: contact by IVR account number, else by number")
    def get(self, request):
        return Response(selectors.screen_pop(ani=request.query_params.get("phone", ""),
                                             collected={"account": request.query_params.get("account", "")}))


class ContactImportView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={201: dict, 202: dict, 400: dict},
        summary="Import contacts from CSV: every row checked first; any problem imports nothing (report by row). "
                "Large files (over CRM_IMPORT_SYNC_ROWS rows) answer 202 with a job to follow.")
    def post(self, request):
        upload = request.FILES.get("file")
        text = services.upload_text(upload)
        result = services.contacts_import_start(text=text, filename=upload.name[:80], actor=request.user)
        if isinstance(result, services.ImportReport):
            return Response(result.as_dict(), status=201)
        return Response(selectors.import_job_card(result), status=202)


class ImportJobView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses={200: dict}, summary="A background import: status, rows checked, report")
    def get(self, request, pk: int):
        from crm.models import ImportJob

        return Response(selectors.import_job_card(get_object_or_404(ImportJob, pk=pk)))


class ContactExportView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses={(200, "text/csv"): str}, summary="Export contacts as CSV (the import's format; audited)")
    def get(self, request):
        from accounts.services import audit_record

        contacts = selectors.contact_search(request.query_params.get("q", ""))
        body = selectors.contacts_csv(contacts)
        audit_record(actor=request.user, action="contact.export", ip=request.META.get("REMOTE_ADDR"),
                     summary=f"Exported {contacts.count()} contacts")
        resp = HttpResponse(body, content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="contacts.csv"'
        return resp


# ---------------------------------------------------------------- cases

class CaseOpenSerializer(serializers.Serializer):
    type = serializers.CharField()
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    contact = serializers.IntegerField(required=False, allow_null=True)
    call = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.IntegerField(required=False, allow_null=True, help_text="default: the case type's team")
    complaint_category = serializers.CharField(required=False, allow_blank=True, default="")


class CaseMoveSerializer(serializers.Serializer):
    state = serializers.CharField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    override = serializers.BooleanField(default=False)


class EscalateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


def _case(pk: int):
    from crm.models import Case

    return get_object_or_404(Case.objects.select_related("contact", "assignee"), pk=pk)


class CaseListView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(parameters=[OpenApiParameter("state", str), OpenApiParameter("contact", int),
                               OpenApiParameter("team", int, description="a team's case queue"),
                               OpenApiParameter("mine", bool, description="assigned to me")],
                   responses={200: dict}, summary="Cases, newest first", operation_id="cases_list")
    def get(self, request):
        from crm.models import Case

        qs = Case.objects.select_related("contact", "assignee")
        if request.query_params.get("state"):
            qs = qs.filter(state=request.query_params["state"])
        if str(request.query_params.get("contact", "")).isdigit():
            qs = qs.filter(contact_id=request.query_params["contact"])
        if str(request.query_params.get("team", "")).isdigit():
            qs = qs.filter(team_id=request.query_params["team"])
        if request.query_params.get("mine") in ("1", "true"):
            qs = qs.filter(assignee=request.user)
        page = LimitOffsetPagination()
        return page.get_paginated_response([selectors.case_card(c) for c in page.paginate_queryset(qs, request,
                                                                                                    view=self)])

    @extend_schema(request=CaseOpenSerializer, responses={201: dict},
                   summary="Open a case (numbered without gaps; promised reply time by type)")
    def post(self, request):
        from telephony.models import Call

        d = _valid(CaseOpenSerializer, request)
        contact = _contact(d["contact"]) if d.get("contact") else None
        from accounts.models import Team

        call = get_object_or_404(Call, pk=d["call"]) if d.get("call") else None
        team = get_object_or_404(Team, pk=d["team"]) if d.get("team") else None
        case = services.case_open(type=d["type"], subject=d["subject"], description=d["description"],
                                  contact=contact, call=call, team=team, actor=request.user,
                                  complaint_category=d["complaint_category"])
        return Response(selectors.case_card(case), status=201)


class CaseDetailView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses={200: dict}, summary="A case with its history")
    def get(self, request, pk: int):
        case = _case(pk)
        return Response({**selectors.case_card(case), "events": list(case.events.values(
            "at", "kind", "actor_email", "from_state", "to_state", "reason"))})


class CaseMoveView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=CaseMoveSerializer, responses={200: dict},
                   summary="Move a case along the workflow (409 when not allowed; supervisors may override "
                           "with a reason)")
    def post(self, request, pk: int):
        d = _valid(CaseMoveSerializer, request)
        case = services.case_transition(case=_case(pk), to_state=d["state"], actor=request.user, reason=d["reason"],
                                        override=d["override"])
        return Response(selectors.case_card(case))


class CaseEscalateView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=EscalateSerializer, responses={200: dict}, summary="Escalate one step up the ladder")
    def post(self, request, pk: int):
        case = services.case_escalate(case=_case(pk), actor=request.user,
                                      reason=_valid(EscalateSerializer, request)["reason"])
        return Response(selectors.case_card(case))
