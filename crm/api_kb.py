"""Knowledge base and scripts API (CRM-6): search, read (counted), write (versioned), history,
the scripts for a call, and the identity-check step recorded on the call."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import IsStaffOrAgent, OnTenantDomain
from config.drf import client_ip
from config.drf import validated as _valid
from config.errors import ServiceError
from crm import selectors
from crm.models import Article
from crm.services import kb

MSG_EDITORS = "Only supervisors and tenant admins edit the knowledge base."


class ArticleInSerializer(serializers.Serializer):
    kind = serializers.CharField(required=False)
    title = serializers.CharField(required=False, allow_blank=True)
    body = serializers.CharField(required=False, allow_blank=True)
    steps = serializers.JSONField(required=False)
    tags = serializers.JSONField(required=False)
    queue = serializers.IntegerField(required=False, allow_null=True)
    campaign = serializers.CharField(required=False, allow_blank=True)
    active = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class IdentitySerializer(serializers.Serializer):
    call = serializers.IntegerField()
    method = serializers.CharField(max_length=120)


def _editor(request) -> None:
    if not request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
        raise ServiceError("forbidden", MSG_EDITORS, status_code=403)


class ArticleListView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(parameters=[OpenApiParameter("q", str), OpenApiParameter("kind", str, enum=["article", "script"])],
                   responses={200: dict}, summary="Search the knowledge base (full text; most used first)",
                   operation_id="kb_search")
    def get(self, request):
        return Response(selectors.kb_search(request.query_params.get("q", ""),
                                            kind=request.query_params.get("kind", "")))

    @extend_schema(request=ArticleInSerializer, responses={201: dict}, summary="Write an article or script")
    def post(self, request):
        _editor(request)
        d = _valid(ArticleInSerializer, request)
        article = kb.article_save(data=d, actor=request.user, note=d.pop("note", ""))
        return Response(selectors.article_card(article, full=True), status=201)


class ArticleDetailView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(parameters=[OpenApiParameter("call", int), OpenApiParameter("q", str)], responses={200: dict},
                   summary="Read an article (counted as one use, with the call and search it came from)")
    def get(self, request, pk: int):
        from telephony.models import Call

        article = get_object_or_404(Article, pk=pk)
        call_id = request.query_params.get("call", "")
        call = Call.objects.filter(pk=call_id).first() if str(call_id).isdigit() else None
        kb.article_use(article=article, user=request.user, call=call, query=request.query_params.get("q", ""))
        article.refresh_from_db()
        return Response(selectors.article_card(article, full=True))

    @extend_schema(request=ArticleInSerializer, responses={200: dict}, summary="Save a new version")
    def patch(self, request, pk: int):
        _editor(request)
        d = _valid(ArticleInSerializer, request)
        article = kb.article_save(data=d, actor=request.user, article=get_object_or_404(Article, pk=pk),
                                  note=d.pop("note", ""))
        return Response(selectors.article_card(article, full=True))


class ArticleVersionsView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses={200: dict}, summary="Every saved version, newest first")
    def get(self, request, pk: int):
        article = get_object_or_404(Article, pk=pk)
        return Response(list(article.versions.values("version", "title", "body", "steps", "author_email", "note",
                                                     "created_at")))


class CallScriptsView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(parameters=[OpenApiParameter("call", int, required=True)], responses={200: dict},
                   summary="Scripts for a call's queue (and the general ones)")
    def get(self, request):
        from telephony.models import Call

        call = get_object_or_404(Call, pk=request.query_params.get("call") or 0) \
            if str(request.query_params.get("call", "")).isdigit() else None
        if call is None:
            raise ServiceError("invalid", "call: give the call's id.", {"call": ["Give the call's id."]})
        return Response(selectors.scripts_for_call(call))


class IdentityCheckView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=IdentitySerializer, responses={204: None},
                   summary="Record that the caller's identity was checked (script step), on the call and audited")
    def post(self, request):
        from telephony.models import Call

        d = _valid(IdentitySerializer, request)
        kb.identity_verified(call=get_object_or_404(Call, pk=d["call"]), user=request.user, method=d["method"],
                             ip=client_ip(request))
        return Response(status=204)
