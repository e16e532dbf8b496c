"""QA API (SPEC §6): scorecards, queues and sampling, evaluations, disputes, plans and
coaching, calibration, appraisals, best calls, reports. Agents see only their own."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role, User
from accounts.permissions import HasRole, OnTenantDomain
from config.drf import client_ip, period_of, validated
from config.errors import ServiceError, field_error
from qa import scoring, selectors
from qa.models import (
    Appraisal,
    BestCall,
    CalibrationSession,
    CoachingSession,
    Dispute,
    Evaluation,
    ImprovementPlan,
    QaSettings,
    Scorecard,
)
from qa.services import appraisal, calibration, evaluations, sampling, scorecards

IsQaStaff = HasRole.of(Role.QA_ANALYST, Role.SUPERVISOR, Role.TENANT_ADMIN)
PERIOD = [OpenApiParameter("from", str), OpenApiParameter("to", str)]


def _call(pk):
    from telephony.models import Call

    call = Call.objects.filter(pk=pk).select_related("agent").first()
    if call is None:
        raise field_error("call", "no such call.")
    return call


# --- scorecards ----------------------------------------------------------------------------

class ScorecardSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    sections = serializers.ListField(child=serializers.DictField())


class ReviseSerializer(serializers.Serializer):
    sections = serializers.ListField(child=serializers.DictField())
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    active = serializers.BooleanField(required=False)


def _card(card: Scorecard) -> dict:
    v = card.current()
    return {"id": card.pk, "name": card.name, "description": card.description, "active": card.active,
            "version": scorecards.version_as_dict(v) if v else None,
            "versions": list(card.versions.values_list("number", flat=True))}


class ScorecardsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="Scorecards with their current version")
    def get(self, request):
        return Response([_card(c) for c in Scorecard.objects.all()])

    @extend_schema(request=ScorecardSerializer, responses={201: dict},
                   summary="Create a scorecard: sections, items (yes_no, scale, points), weights, critical items")
    def post(self, request):
        d = validated(ScorecardSerializer, request)
        return Response(_card(scorecards.scorecard_create(by=request.user, **d)), status=201)


class ScorecardView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="A scorecard and its versions")
    def get(self, request, pk: int):
        return Response(_card(get_object_or_404(Scorecard, pk=pk)))

    @extend_schema(request=ReviseSerializer, responses={200: dict},
                   summary="Revise a scorecard: a new version (evaluations keep theirs)")
    def put(self, request, pk: int):
        card = get_object_or_404(Scorecard, pk=pk)
        d = validated(ReviseSerializer, request)
        if "active" in d:
            card.active = d.pop("active")
            card.save(update_fields=["active"])
        scorecards.scorecard_revise(scorecard=card, sections=d["sections"], note=d["note"], by=request.user)
        return Response(_card(card))


# --- sampling and queues ------------------------------------------------------------------------

class SettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = QaSettings
        exclude = ["id"]


class SamplingView(APIView):
    def get_permissions(self):
        roles = (Role.QA_ANALYST, Role.SUPERVISOR, Role.TENANT_ADMIN) if self.request.method == "GET" else (
            Role.SUPERVISOR, Role.TENANT_ADMIN)
        return [OnTenantDomain(), HasRole.of(*roles)()]

    @extend_schema(responses={200: SettingsSerializer}, summary="Sampling settings (QA-2)")
    def get(self, request):
        return Response(SettingsSerializer(sampling.settings_get()).data)

    @extend_schema(request=SettingsSerializer, responses={200: SettingsSerializer}, summary="Change sampling settings")
    def put(self, request):
        s = SettingsSerializer(sampling.settings_get(), data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        return Response(SettingsSerializer(s.save()).data)


class SamplingRunView(APIView):
    permission_classes = [OnTenantDomain, HasRole.of(Role.SUPERVISOR, Role.TENANT_ADMIN)]

    @extend_schema(parameters=[OpenApiParameter("day", str)], request=None, responses={200: dict},
                   summary="Sample a day's calls into the evaluators' queues now (the nightly task does it too)")
    def post(self, request):
        from datetime import date

        raw = request.query_params.get("day") or request.data.get("day", "")
        try:
            day = date.fromisoformat(str(raw))
        except ValueError:
            raise field_error("day", "YYYY-MM-DD.") from None
        return Response({"day": day.isoformat(), "sampled": sampling.sample_day(day)})


class QueueView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="My evaluation queue")
    def get(self, request):
        return Response([{"id": s.pk, "call": s.call_id, "agent": s.agent.email, "reason": s.reason,
                          "day": s.day.isoformat()} for s in selectors.queue_for(request.user)])


# --- evaluations ---------------------------------------------------------------------------

class EvaluationStartSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    scorecard = serializers.IntegerField(required=False)
    live = serializers.BooleanField(default=False)


class EvaluationSaveSerializer(serializers.Serializer):
    answers = serializers.DictField(required=False)
    comments = serializers.ListField(child=serializers.DictField(), required=False, default=list)
    summary = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(default=False)


def _visible(request, pk: int) -> Evaluation:
    ev = get_object_or_404(Evaluation.objects.select_related("agent", "evaluator", "version__scorecard",
                                                             "auto_failed_item", "calibration"), pk=pk)
    if not evaluations.may_see(request.user, ev):
        raise ServiceError("not_found", "No such evaluation.", status_code=404)
    return ev


class EvaluationsView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(parameters=[OpenApiParameter("agent", int), OpenApiParameter("status", str)],
                   responses={200: dict}, summary="Evaluations: all for QA staff, your own for agents")
    def get(self, request):
        qs = Evaluation.objects.select_related("agent", "evaluator", "version__scorecard", "auto_failed_item")
        if evaluations.is_qa_staff(request.user):
            qs = qs.filter(calibration__isnull=True)
            if request.query_params.get("agent", "").isdigit():
                qs = qs.filter(agent_id=int(request.query_params["agent"]))
        else:
            qs = qs.filter(agent=request.user, calibration__isnull=True).exclude(status="draft")
        if request.query_params.get("status"):
            qs = qs.filter(status=request.query_params["status"])
        return Response([selectors.evaluation_row(e) for e in qs[:300]])

    @extend_schema(request=EvaluationStartSerializer, responses={201: dict},
                   summary="Start evaluating a call (the scorecard's current version)")
    def post(self, request):
        d = validated(EvaluationStartSerializer, request)
        version = None
        if d.get("scorecard"):
            card = Scorecard.objects.filter(pk=d["scorecard"]).first()
            if card is None or card.current() is None:
                raise field_error("scorecard", "no such scorecard.")
            version = card.current()
        ev = evaluations.evaluation_start(call=_call(d["call"]), by=request.user, version=version, live=d["live"])
        return Response(selectors.evaluation_detail(ev), status=201)


class EvaluationView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="An evaluation: form, answers, timed comments, disputes")
    def get(self, request, pk: int):
        return Response(selectors.evaluation_detail(_visible(request, pk)))

    @extend_schema(request=EvaluationSaveSerializer, responses={200: dict},
                   summary="Save answers and timed comments; submit to score and show the agent")
    def put(self, request, pk: int):
        ev = _visible(request, pk)
        d = validated(EvaluationSaveSerializer, request)
        ev = evaluations.evaluation_save(evaluation=ev, by=request.user, **d)
        return Response(selectors.evaluation_detail(ev))


class DisputeOpenSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DisputeOpenView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(request=DisputeOpenSerializer, responses={201: dict}, summary="Dispute your evaluation")
    def post(self, request, pk: int):
        ev = _visible(request, pk)
        d = evaluations.dispute_open(evaluation=ev, by=request.user, **validated(DisputeOpenSerializer, request))
        return Response({"id": d.pk, "status": d.status}, status=201)


class DisputesView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="Disputes waiting for a decision")
    def get(self, request):
        qs = Dispute.objects.select_related("evaluation__agent", "raised_by")
        if request.query_params.get("all") != "1":
            qs = qs.filter(status__in=["open", "reviewed"])
        return Response([{"id": d.pk, "evaluation": d.evaluation_id, "agent": d.raised_by.email, "reason": d.reason,
                          "status": d.status, "score_before": str(d.score_before)} for d in qs[:200]])


class ResolveSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["upheld", "changed"])
    resolution = serializers.CharField(max_length=2000)
    answers = serializers.DictField(required=False)


class DisputeReviewView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=None, responses={200: dict}, summary="Take a dispute under review")
    def post(self, request, pk: int):
        d = evaluations.dispute_review(dispute=get_object_or_404(Dispute, pk=pk), by=request.user)
        return Response({"id": d.pk, "status": d.status})


class DisputeResolveView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=ResolveSerializer, responses={200: dict},
                   summary="Resolve a dispute: upheld, or changed with corrected answers")
    def post(self, request, pk: int):
        dispute = get_object_or_404(Dispute, pk=pk)
        d = evaluations.dispute_resolve(dispute=dispute, by=request.user, **validated(ResolveSerializer, request))
        return Response({"id": d.pk, "status": d.status, "score_before": str(d.score_before),
                         "score_after": str(d.score_after)})


# --- improvement plans and coaching ----------------------------------------------------------

class PlanSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    goals = serializers.CharField(max_length=4000)
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)
    evaluation = serializers.IntegerField(required=False)


def _plan(p: ImprovementPlan) -> dict:
    return {"id": p.pk, "agent": p.agent_id, "goals": p.goals, "days": p.days, "starts_on": p.starts_on.isoformat(),
            "status": p.status, "sessions": [{"id": s.pk, "planned_for": s.planned_for.isoformat(), "notes": s.notes,
                                              "done_at": s.done_at.isoformat() if s.done_at else None,
                                              "follow_up_on": s.follow_up_on.isoformat() if s.follow_up_on else None}
                                             for s in p.sessions.all()]}


class PlansView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="Improvement plans: all for QA staff, your own for agents")
    def get(self, request):
        qs = ImprovementPlan.objects.prefetch_related("sessions")
        if not evaluations.is_qa_staff(request.user):
            qs = qs.filter(agent=request.user)
        return Response([_plan(p) for p in qs[:200]])

    @extend_schema(request=PlanSerializer, responses={201: dict}, summary="Open an improvement plan")
    def post(self, request):
        if not evaluations.is_qa_staff(request.user):
            raise ServiceError("forbidden", "QA staff open improvement plans.", status_code=403)
        d = validated(PlanSerializer, request)
        agent = get_object_or_404(User, pk=d["agent"])
        ev = Evaluation.objects.filter(pk=d.get("evaluation"), agent=agent).first() if d.get("evaluation") else None
        p = evaluations.plan_create(agent=agent, goals=d["goals"], days=d["days"], evaluation=ev, by=request.user)
        return Response(_plan(p), status=201)


class SessionSerializer(serializers.Serializer):
    planned_for = serializers.DateTimeField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class PlanSessionsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=SessionSerializer, responses={201: dict}, summary="Plan a coaching session")
    def post(self, request, pk: int):
        plan = get_object_or_404(ImprovementPlan, pk=pk)
        evaluations.coaching_plan(plan=plan, **validated(SessionSerializer, request))
        return Response(_plan(plan), status=201)


class DoneSerializer(serializers.Serializer):
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    follow_up_days = serializers.IntegerField(min_value=1, max_value=365, required=False)


class CoachingDoneView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=DoneSerializer, responses={200: dict}, summary="Record a coaching session as held")
    def post(self, request, pk: int):
        session = get_object_or_404(CoachingSession, pk=pk)
        evaluations.coaching_done(session=session, **validated(DoneSerializer, request))
        return Response(_plan(session.plan))


class PlanCloseView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=None, responses={200: dict}, summary="Close an improvement plan")
    def post(self, request, pk: int):
        return Response(_plan(evaluations.plan_close(plan=get_object_or_404(ImprovementPlan, pk=pk), by=request.user)))


# --- calibration -----------------------------------------------------------------------------

class CalibrationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scorecard = serializers.IntegerField()
    reference = serializers.IntegerField()
    evaluators = serializers.ListField(child=serializers.IntegerField(), min_length=1)
    calls = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=50)
    tolerance = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, default=5)


def _calibration(s: CalibrationSession, user) -> dict:
    from qa.services.evaluations import is_qa_staff

    out = {"id": s.pk, "name": s.name, "version": s.version_id, "reference": s.reference_id,
           "tolerance": str(s.tolerance), "closed_at": s.closed_at.isoformat() if s.closed_at else None,
           "calls": list(s.calls.values_list("pk", flat=True)),
           "evaluators": list(s.evaluators.values_list("pk", flat=True)),
           "mine": [selectors.evaluation_row(e) for e in s.evaluations.filter(evaluator=user)
                    .select_related("agent", "evaluator", "version__scorecard", "auto_failed_item")]}
    # Blind: the deviations show once the session is closed (supervisors see them all along).
    if s.closed_at or (is_qa_staff(user) and user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN)):
        r = calibration.results(s)
        out["results"] = [{**row, "overall_deviation": str(row["overall_deviation"])
                           if row["overall_deviation"] is not None else None,
                           "item_deviation": {str(k): str(v) for k, v in row["item_deviation"].items()}}
                          for row in r["evaluators"]]
    return out


class CalibrationsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="Calibration sessions and whether one is due")
    def get(self, request):
        return Response({"due": calibration.reminders(), "sessions": [
            _calibration(s, request.user) for s in CalibrationSession.objects.all()[:50]]})

    @extend_schema(request=CalibrationSerializer, responses={201: dict},
                   summary="Open a calibration session on a set of calls")
    def post(self, request):
        from telephony.models import Call

        d = validated(CalibrationSerializer, request)
        card = get_object_or_404(Scorecard, pk=d["scorecard"])
        version = card.current()
        users = {u.pk: u for u in User.objects.filter(pk__in=[d["reference"], *d["evaluators"]])}
        if d["reference"] not in users:
            raise field_error("reference", "no such user.")
        calls = list(Call.objects.filter(pk__in=d["calls"]))
        if len(calls) != len(set(d["calls"])):
            raise field_error("calls", "some of these calls do not exist.")
        s = calibration.session_create(name=d["name"], version=version, reference=users[d["reference"]],
                                       evaluators=[users[e] for e in d["evaluators"] if e in users], calls=calls,
                                       tolerance=d["tolerance"], by=request.user)
        return Response(_calibration(s, request.user), status=201)


class CalibrationView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(responses={200: dict}, summary="A calibration session (deviations once closed)")
    def get(self, request, pk: int):
        return Response(_calibration(get_object_or_404(CalibrationSession, pk=pk), request.user))


class CalibrationEvaluateView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=EvaluationStartSerializer, responses={201: dict},
                   summary="Start scoring one of the session's calls (blind)")
    def post(self, request, pk: int):
        s = get_object_or_404(CalibrationSession, pk=pk)
        d = validated(EvaluationStartSerializer, request)
        if not s.evaluators.filter(pk=request.user.pk).exists():
            raise ServiceError("forbidden", "You are not an evaluator of this session.", status_code=403)
        if s.closed_at:
            raise ServiceError("closed", "This calibration is closed.", status_code=409)
        call = s.calls.filter(pk=d["call"]).first()
        if call is None:
            raise field_error("call", "not one of this session's calls.")
        ev = evaluations.evaluation_start(call=call, by=request.user, version=s.version, calibration=s)
        return Response(selectors.evaluation_detail(ev), status=201)


class CalibrationCloseView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(request=None, responses={200: dict}, summary="Close a calibration session")
    def post(self, request, pk: int):
        s = calibration.session_close(session=get_object_or_404(CalibrationSession, pk=pk), by=request.user)
        return Response(_calibration(s, request.user))


# --- appraisals, best calls, reports -----------------------------------------------------------

class AppraisalSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ScoresSerializer(serializers.Serializer):
    scores = serializers.DictField()
    note = serializers.CharField(required=False, allow_blank=True)


def appraisal_dict(a: Appraisal) -> dict:
    def plain(v):
        return str(v) if v is not None and not isinstance(v, (int, float, str, dict, list, bool)) else v

    inputs = appraisal.inputs(a.agent, a.period_start, a.period_end)
    totals = appraisal.totals(a)
    return {"id": a.pk, "agent": a.agent_id, "agent_email": a.agent.email,
            "period_start": a.period_start.isoformat(), "period_end": a.period_end.isoformat(),
            "items": [{"group": g, "key": k, "max": m} for g, k, m in scoring.APPRAISAL_ITEMS],
            "self_scores": a.self_scores, "supervisor_scores": a.supervisor_scores, "note": a.note,
            "totals": {who: ({"total": str(t["total"]), "grade": t["grade"]} if t else None)
                       for who, t in totals.items()},
            "inputs": {k: ({kk: plain(vv) for kk, vv in v.items()} if isinstance(v, dict) else plain(v))
                       for k, v in inputs.items()}}


def _appraisal_visible(request, pk: int) -> Appraisal:
    a = get_object_or_404(Appraisal.objects.select_related("agent"), pk=pk)
    if a.agent_id != request.user.pk and not evaluations.is_qa_staff(request.user):
        raise ServiceError("not_found", "No such appraisal.", status_code=404)
    return a


class AppraisalsView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="Appraisals: all for QA staff, your own for agents")
    def get(self, request):
        qs = Appraisal.objects.select_related("agent")
        if not evaluations.is_qa_staff(request.user):
            qs = qs.filter(agent=request.user)
        return Response([{"id": a.pk, "agent": a.agent.email, "period_start": a.period_start.isoformat(),
                          "period_end": a.period_end.isoformat()} for a in qs[:200]])

    @extend_schema(request=AppraisalSerializer, responses={201: dict}, summary="Open a periodic appraisal")
    def post(self, request):
        d = validated(AppraisalSerializer, request)
        agent = get_object_or_404(User, pk=d["agent"])
        a = appraisal.appraisal_create(agent=agent, first=d["period_start"], last=d["period_end"], by=request.user)
        return Response(appraisal_dict(a), status=201)


class AppraisalView(APIView):
    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={200: dict}, summary="An appraisal: items, self and supervisor scores, grade, inputs")
    def get(self, request, pk: int):
        return Response(appraisal_dict(_appraisal_visible(request, pk)))

    @extend_schema(request=ScoresSerializer, responses={200: dict},
                   summary="Score an appraisal (the agent: self scores; a supervisor: supervisor scores)")
    def put(self, request, pk: int):
        a = _appraisal_visible(request, pk)
        d = validated(ScoresSerializer, request)
        return Response(appraisal_dict(appraisal.appraisal_score(appraisal=a, by=request.user, **d)))


class BestCallSerializer(serializers.Serializer):
    call = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=["good", "bad"])
    title = serializers.CharField(max_length=120)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class BestCallsView(APIView):
    def get_permissions(self):
        return [OnTenantDomain(), (IsAuthenticated if self.request.method == "GET" else IsQaStaff)()]

    @extend_schema(responses={200: dict}, summary="The best-call library (training)")
    def get(self, request):
        return Response([{"id": b.pk, "call": b.call_id, "kind": b.kind, "title": b.title, "note": b.note}
                         for b in BestCall.objects.all()[:200]])

    @extend_schema(request=BestCallSerializer, responses={201: dict}, summary="Add a call to the library")
    def post(self, request):
        d = validated(BestCallSerializer, request)
        call = _call(d.pop("call"))
        if BestCall.objects.filter(call=call).exists():
            raise field_error("call", "this call is in the library already.")
        b = BestCall.objects.create(call=call, added_by=request.user, **d)
        return Response({"id": b.pk, "call": call.pk, "kind": b.kind, "title": b.title}, status=201)


class QaReportsView(APIView):
    permission_classes = [OnTenantDomain, IsQaStaff]

    @extend_schema(parameters=PERIOD, responses={200: dict},
                   summary="QA trends per agent and team, most-failed items, evaluator consistency, leaderboard")
    def get(self, request):
        start, end = period_of(request, default_days=90)
        return Response({"from": start.isoformat(), "to": end.isoformat(),
                         "agents": selectors.trends(start, end, "agent"), "teams": selectors.trends(start, end, "team"),
                         "items": selectors.item_trends(start, end),
                         "evaluators": selectors.evaluator_consistency(start, end),
                         "leaderboard": selectors.leaderboard(start, end)})


class RecordingMediaView(APIView):
    """The recording's audio for the evaluation player: access checked and audited each time."""

    permission_classes = [OnTenantDomain, IsAuthenticated]

    @extend_schema(responses={(200, "audio/wav"): bytes}, summary="Play a recording (checked and audited)")
    def get(self, request, pk: int):
        from telephony.models import Recording
        from telephony.services.recordings import recording_access

        rec = get_object_or_404(Recording.objects.select_related("call"), pk=pk)
        rec = recording_access(user=request.user, rec=rec, ip=client_ip(request))
        from qa.media import recording_audio

        resp = HttpResponse(recording_audio(rec), content_type="audio/wav")
        resp["Cache-Control"] = "private, no-store"
        return resp

