"""Tenant API: tokens, me, users & seats, teams, skills, audit log. Thin: one service per write."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.models import Skill, Team, User
from accounts.permissions import IsAdminOrSupervisor, IsTenantAdmin, OnTenantDomain
from accounts.serializers import (
    AuditEventSerializer,
    InviteResponseSerializer,
    InviteSerializer,
    SkillSerializer,
    TeamSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from config.errors import ServiceError


def _ip(request):
    return request.META.get("REMOTE_ADDR")


def _paginate(view, request, qs, serializer_cls):
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer_cls(page, many=True).data)


class TokenView(APIView):
    permission_classes = [OnTenantDomain, AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses={201: TokenResponseSerializer},
                   summary="Exchange e-mail and password for an API token")
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.login_check(request=request, email=data.validated_data["email"],
                                    password=data.validated_data["password"])
        from accounts import otp

        device = otp.totp_device(user)
        if device is not None:
            otp.totp_check(device=device, code=data.validated_data.get("otp"))
        elif otp.must_enrol(user):
            raise ServiceError("second_factor_required", "Your role needs two-step sign-in: turn it on at "
                                                         "/account/2fa, then ask for a token with its code.",
                               status_code=403)
        raw = services.api_token_create(user=user, name=data.validated_data.get("name", ""))
        return Response({"token": raw}, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token used for this request")
    def delete(self, request):
        header = request.headers.get("Authorization", "").split()
        if len(header) == 2:
            services.api_token_revoke(raw=header[1])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses=UserSerializer)
    def get(self, request):
        return Response(UserSerializer(selectors.user_list().get(pk=request.user.pk)).data)


class UserListView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses=UserSerializer(many=True), summary="List users (seats)")
    def get(self, request):
        qs = selectors.user_list()
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return _paginate(self, request, qs, UserSerializer)


class UserInviteView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    @extend_schema(request=InviteSerializer, responses={201: InviteResponseSerializer},
                   summary="Invite a person to a seat (refused past the seat cap)")
    def post(self, request):
        data = InviteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, raw = services.user_invite(invited_by=request.user, ip=_ip(request), **data.validated_data)
        url = request.build_absolute_uri(f"/invite/{raw}")
        return Response({"user": UserSerializer(selectors.user_list().get(pk=user.pk)).data, "invite_url": url},
                        status=status.HTTP_201_CREATED)


class UserDetailView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    def get_permissions(self):
        if self.request.method == "PATCH":
            return [OnTenantDomain(), IsTenantAdmin()]
        return super().get_permissions()

    @extend_schema(responses=UserSerializer)
    def get(self, request, pk: int):
        return Response(UserSerializer(get_object_or_404(selectors.user_list(), pk=pk)).data)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer,
                   summary="Change name, roles, teams and skills")
    def patch(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        data = UserUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.user_update(user=user, actor=request.user, ip=_ip(request), full_name=v.get("full_name"),
                             roles=v.get("roles"), team_ids=v.get("teams"),
                             skills=[{"skill": s["skill"], "proficiency": s["proficiency"]} for s in v["skills"]]
                             if "skills" in v else None)
        return Response(UserSerializer(selectors.user_list().get(pk=pk)).data)


class _UserActionView(APIView):
    """POST /users/<pk>/<action>: one service call, returns the user."""

    permission_classes = [OnTenantDomain, IsTenantAdmin]
    user_service = staticmethod(services.user_disable)

    def post(self, request, pk: int):
        user = get_object_or_404(User, pk=pk)
        self.user_service(user=user, actor=request.user, ip=_ip(request))
        return Response(UserSerializer(selectors.user_list().get(pk=pk)).data)


@extend_schema(request=None, responses=UserSerializer, summary="Disable a user: revokes sessions and tokens")
class UserDisableView(_UserActionView):
    user_service = staticmethod(services.user_disable)


@extend_schema(request=None, responses=UserSerializer, summary="Re-enable a disabled user (needs a free seat)")
class UserEnableView(_UserActionView):
    user_service = staticmethod(services.user_enable)


class _NamedListCreate(APIView):
    model = Team
    serializer_class = TeamSerializer
    create = staticmethod(services.team_create)

    def get_permissions(self):
        if self.request.method == "POST":
            return [OnTenantDomain(), IsTenantAdmin()]
        return [OnTenantDomain(), IsAuthenticated()]

    def get(self, request):
        return _paginate(self, request, self.model.objects.all(), self.serializer_class)

    def post(self, request):
        data = self.serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        obj = self.create(actor=request.user, name=data.validated_data["name"],
                          description=data.validated_data.get("description", ""))
        return Response(self.serializer_class(obj).data, status=status.HTTP_201_CREATED)


@extend_schema(request=TeamSerializer, responses=TeamSerializer)
class TeamListView(_NamedListCreate):
    pass


@extend_schema(request=SkillSerializer, responses=SkillSerializer)
class SkillListView(_NamedListCreate):
    model = Skill
    serializer_class = SkillSerializer
    create = staticmethod(services.skill_create)


class AuditListView(APIView):
    permission_classes = [OnTenantDomain, IsTenantAdmin]

    @extend_schema(responses=AuditEventSerializer(many=True), summary="The tenant's audit log (append-only)")
    def get(self, request):
        qs = selectors.audit_list()
        if request.query_params.get("action"):
            qs = qs.filter(action=request.query_params["action"])
        return _paginate(self, request, qs, AuditEventSerializer)
