"""Customer-care API: case types and complaint taxonomy (configurable), the complaint
distribution and CSAT reports, survey answers, follow-up rules and the follow-ups due."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.permissions import IsAdminOrSupervisor, IsStaffOrAgent, IsTenantAdmin, OnTenantDomain
from config.drf import period_of
from config.drf import validated as _valid
from config.errors import field_error
from crm import selectors
from crm.models import CaseTypeSetting, ComplaintCategory, FollowUpRule, FollowUpTask, TierSetting
from crm.services import followups, surveys

PERIOD = [OpenApiParameter("from", str, description="YYYY-MM-DD (tenant's timezone)"),
          OpenApiParameter("to", str, description="YYYY-MM-DD, inclusive")]


class CaseTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseTypeSetting
        fields = ["code", "label", "promise_hours", "team", "active"]
        extra_kwargs = {"code": {"validators": []}, "promise_hours": {"min_value": 1, "max_value": 24 * 90}}


class CaseTypesView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsStaffOrAgent if self.request.method == "GET" else IsTenantAdmin)()]

    @extend_schema(responses={200: CaseTypeSerializer(many=True)}, summary="The tenant's case types")
    def get(self, request):
        return Response(CaseTypeSerializer(CaseTypeSetting.objects.all(), many=True).data)

    @extend_schema(request=CaseTypeSerializer, responses={200: CaseTypeSerializer},
                   summary="Add or change a case type (promised reply time, routing team)")
    def post(self, request):
        d = _valid(CaseTypeSerializer, request)
        row, _ = CaseTypeSetting.objects.update_or_create(code=d.pop("code"), defaults=d)
        return Response(CaseTypeSerializer(row).data)


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierSetting
        fields = ["code", "label", "vip", "position", "active"]
        extra_kwargs = {"code": {"validators": []}}


class TiersView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsStaffOrAgent if self.request.method == "GET" else IsTenantAdmin)()]

    @extend_schema(responses={200: TierSerializer(many=True)}, summary="The tenant's customer tiers")
    def get(self, request):
        return Response(TierSerializer(TierSetting.objects.all(), many=True).data)

    @extend_schema(request=TierSerializer, responses={200: TierSerializer},
                   summary="Add or change a tier (vip=true: its callers jump the queue)")
    def post(self, request):
        d = _valid(TierSerializer, request)
        row, _ = TierSetting.objects.update_or_create(code=d.pop("code"), defaults=d)
        return Response(TierSerializer(row).data)


class ComplaintCategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = ComplaintCategory
        fields = ["code", "label", "about_staff", "active", "position"]
        extra_kwargs = {"code": {"validators": []}}


class ComplaintCategoriesView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsStaffOrAgent if self.request.method == "GET" else IsTenantAdmin)()]

    @extend_schema(responses={200: ComplaintCategorySerializer(many=True)}, summary="Complaint taxonomy")
    def get(self, request):
        return Response(ComplaintCategorySerializer(ComplaintCategory.objects.all(), many=True).data)

    @extend_schema(request=ComplaintCategorySerializer, responses={200: ComplaintCategorySerializer},
                   summary="Add or change a complaint category")
    def post(self, request):
        d = _valid(ComplaintCategorySerializer, request)
        row, _ = ComplaintCategory.objects.update_or_create(code=d.pop("code"), defaults=d)
        return Response(ComplaintCategorySerializer(row).data)


class ComplaintReportView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(parameters=[*PERIOD, OpenApiParameter("bucket", str, enum=list(selectors.BUCKETS))],
                   responses={200: dict}, summary="Complaints per category over time (CRM-4)")
    def get(self, request):
        bucket = request.query_params.get("bucket", "month")
        if bucket not in selectors.BUCKETS:
            raise field_error("bucket", f"bucket: use {', '.join(selectors.BUCKETS)}.")
        start, end = period_of(request)
        return Response(selectors.complaint_distribution(start=start, end=end, bucket=bucket))


class CsatReportView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(parameters=[*PERIOD, OpenApiParameter("by", str, enum=["", "agent", "queue",
                                                                          *selectors.BUCKETS])],
                   responses={200: dict}, summary="CSAT = satisfied / answers, overall or per agent, queue, period")
    def get(self, request):
        by = request.query_params.get("by", "")
        if by not in ("", "agent", "queue", *selectors.BUCKETS):
            raise field_error("by", "by: use agent, queue, day, week or month (or nothing for the total).")
        start, end = period_of(request)
        return Response({"by": by, "rows": selectors.csat(start=start, end=end, by=by)})


class FollowUpRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowUpRule
        fields = ["id", "name", "event", "days", "action", "case_type", "active", "created_at"]
        read_only_fields = ["id", "created_at"]


class FollowUpRulesView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(responses={200: FollowUpRuleSerializer(many=True)}, summary="Follow-up rules (CRM-7)")
    def get(self, request):
        return Response(FollowUpRuleSerializer(FollowUpRule.objects.all(), many=True).data)

    @extend_schema(request=FollowUpRuleSerializer, responses={201: FollowUpRuleSerializer},
                   summary="Add a rule: N days after an event, create a call, survey or task")
    def post(self, request):
        rule = followups.follow_up_rule_save(data=request.data, actor=request.user)
        return Response(FollowUpRuleSerializer(rule).data, status=201)


class FollowUpRuleView(APIView):
    permission_classes = [OnTenantDomain, IsAdminOrSupervisor]

    @extend_schema(request=FollowUpRuleSerializer, responses={200: FollowUpRuleSerializer},
                   summary="Change a follow-up rule (or switch it off with active=false)")
    def patch(self, request, pk: int):
        rule = get_object_or_404(FollowUpRule, pk=pk)
        data = {**FollowUpRuleSerializer(rule).data, **request.data}
        rule = followups.follow_up_rule_save(data=data, actor=request.user, rule=rule)
        return Response(FollowUpRuleSerializer(rule).data)


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=500)
    cancelled = serializers.BooleanField(default=False)


class SurveyAnswerSerializer(serializers.Serializer):
    satisfied = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _task(request, pk: int) -> FollowUpTask:
    """Agents act on their own follow-ups and unassigned ones; supervisors on all."""
    task = get_object_or_404(FollowUpTask.objects.select_related("case", "contact"), pk=pk)
    if (task.assignee_id not in (None, request.user.pk)
            and not request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)):
        from config.errors import ServiceError

        raise ServiceError("forbidden", "This follow-up belongs to another agent.", status_code=403)
    return task


class FollowUpsView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(responses={200: dict}, summary="Follow-ups due now: mine and unassigned (supervisors: all)")
    def get(self, request):
        everyone = request.user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN) and request.query_params.get("all")
        return Response(selectors.follow_ups_due(user=None if everyone else request.user))


class FollowUpCompleteView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=CompleteSerializer, responses={200: dict}, summary="Mark a follow-up done (or cancelled)")
    def post(self, request, pk: int):
        d = _valid(CompleteSerializer, request)
        task = followups.follow_up_complete(task=_task(request, pk), actor=request.user, **d)
        return Response(selectors.follow_up_card(task))


class FollowUpSurveyView(APIView):
    permission_classes = [OnTenantDomain, IsStaffOrAgent]

    @extend_schema(request=SurveyAnswerSerializer, responses={201: dict},
                   summary="Record the customer's answer to a return-visit survey; closes the follow-up")
    def post(self, request, pk: int):
        d = _valid(SurveyAnswerSerializer, request)
        answer = surveys.survey_return_visit(task=_task(request, pk), actor=request.user, **d)
        return Response({"id": answer.pk, "satisfied": answer.satisfied, "case": answer.case_id}, status=201)
