"""Evaluations (QA-3): scored on a scorecard version, comments pinned to the recording's
timeline, visible to the agent once submitted; disputes open → reviewed → upheld / changed;
improvement plans and coaching sessions."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from qa import scoring
from qa.models import (
    Answer,
    CoachingSession,
    Dispute,
    Evaluation,
    ImprovementPlan,
    SampleItem,
    Scorecard,
    ScorecardVersion,
    TimedComment,
)
from qa.services.scorecards import NoScorecard, version_defs
from tenants.realtime import event_on_commit

QA_STAFF = (Role.QA_ANALYST, Role.SUPERVISOR, Role.TENANT_ADMIN)


def is_qa_staff(user) -> bool:
    return user.has_role(*QA_STAFF)


def may_see(user, evaluation: Evaluation) -> bool:
    """QA staff see every evaluation (calibration ones only when theirs or closed); agents see
    their own once submitted."""
    if evaluation.calibration_id and evaluation.evaluator_id != user.pk:
        return user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN) or evaluation.calibration.closed_at is not None
    if is_qa_staff(user):
        return True
    return evaluation.agent_id == user.pk and evaluation.status != Evaluation.Status.DRAFT


@transaction.atomic
def evaluation_start(*, call, by, version: ScorecardVersion | None = None, live: bool = False,
                     calibration=None) -> Evaluation:
    if not is_qa_staff(by):
        raise ServiceError("forbidden", "Only QA analysts and supervisors evaluate calls.", status_code=403)
    if call.agent_id is None:
        raise ServiceError("no_agent", "This call never reached an agent; there is nobody to evaluate.")
    if version is None:
        card = Scorecard.objects.filter(active=True).order_by("pk").first()
        version = card.current() if card else None
        if version is None:
            raise NoScorecard()
    existing = Evaluation.objects.filter(call=call, evaluator=by, calibration=calibration,
                                         status=Evaluation.Status.DRAFT).first()
    if existing:
        return existing
    ev = Evaluation.objects.create(call=call, agent_id=call.agent_id, evaluator=by, version=version, live=live,
                                   calibration=calibration)
    audit_record(actor=by, action="qa.evaluation_start", target=ev, summary=f"Evaluating call {call.pk}")
    return ev


def _answers(raw) -> dict[int, Decimal | None]:
    if not isinstance(raw, dict):
        raise field_error("answers", "an object of item id → value (null for N/A).")
    out = {}
    for k, v in raw.items():
        try:
            out[int(k)] = None if v in (None, "", "na") else Decimal(str(v))
        except (ValueError, InvalidOperation):
            raise field_error("answers", f"item {k}: '{v}' is not a number.") from None
    return out


def rescore(evaluation: Evaluation, answers: dict[int, Decimal | None]) -> scoring.Result:
    sections, items = version_defs(evaluation.version)
    known = {i.key for i in items}
    stray = set(answers) - known
    if stray:
        raise field_error("answers", f"item(s) {', '.join(map(str, sorted(stray)))} are not on this scorecard version.")
    try:
        return scoring.score(sections, items, answers)
    except scoring.ScoreError as exc:
        raise field_error("answers", str(exc)) from None


@transaction.atomic
def evaluation_save(*, evaluation: Evaluation, by, answers=None, comments=None, summary: str | None = None,
                    submit: bool = False) -> Evaluation:
    ev = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if ev.status != Evaluation.Status.DRAFT:
        raise ServiceError("submitted", "This evaluation is submitted; a change goes through a dispute.",
                           status_code=409)
    if ev.evaluator_id != by.pk and not by.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
        raise ServiceError("forbidden", "Only its evaluator edits a draft evaluation.", status_code=403)
    parsed = _answers(answers) if answers is not None else None
    if parsed is not None:
        sections, items = version_defs(ev.version)
        for item in items:
            if item.key in parsed and parsed[item.key] is not None:
                try:
                    scoring.normalise(item, parsed[item.key])
                except scoring.ScoreError as exc:
                    raise field_error("answers", str(exc)) from None
        stray = set(parsed) - {i.key for i in items}
        if stray:
            raise field_error("answers", f"item(s) {', '.join(map(str, sorted(stray)))} are not on this scorecard.")
        for item_id, value in parsed.items():
            Answer.objects.update_or_create(evaluation=ev, item_id=item_id, defaults={"value": value})
    for c in comments or []:
        try:
            at_s, text = int(c["at_s"]), str(c["text"]).strip()
        except (KeyError, TypeError, ValueError):
            raise field_error("comments", "each comment needs at_s (seconds into the call) and text.") from None
        if at_s < 0 or not text:
            raise field_error("comments", "a comment needs a time ≥ 0 and some text.")
        TimedComment.objects.create(evaluation=ev, at_s=at_s, text=text[:500], author=by)
    if summary is not None:
        ev.summary = summary.strip()
    if submit:
        stored = {a.item_id: a.value for a in ev.answers.all()}
        result = rescore(ev, stored)
        ev.score, ev.auto_failed_item_id = result.score, result.failed_item.key if result.failed_item else None
        ev.status, ev.submitted_at = Evaluation.Status.SUBMITTED, timezone.now()
        SampleItem.objects.filter(call=ev.call_id).update(status=SampleItem.Status.DONE)
        if not ev.calibration_id:
            event_on_commit([f"agent.{ev.agent_id}"], "qa.evaluated", {"evaluation": ev.pk, "score": str(ev.score)})
        audit_record(actor=by, action="qa.evaluation_submit", target=ev,
                     summary=f"Scored call {ev.call_id} of {ev.agent.email}: {ev.score}"
                             + (" (auto-fail)" if ev.auto_failed_item_id else ""))
    ev.save()
    return ev


@transaction.atomic
def dispute_open(*, evaluation: Evaluation, by, reason: str) -> Dispute:
    ev = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if ev.agent_id != by.pk:
        raise ServiceError("forbidden", "Only the evaluated agent disputes an evaluation.", status_code=403)
    if ev.status != Evaluation.Status.SUBMITTED:
        raise ServiceError("not_disputable", f"This evaluation is {ev.status}; only a submitted one can be disputed.",
                           status_code=409)
    if not (reason or "").strip():
        raise field_error("reason", "say what you disagree with.")
    d = Dispute.objects.create(evaluation=ev, raised_by=by, reason=reason.strip(), score_before=ev.score)
    ev.status = Evaluation.Status.DISPUTED
    ev.save(update_fields=["status"])
    event_on_commit(["supervisors"], "alert", {"kind": "qa_dispute", "text": f"{by.email} disputes evaluation {ev.pk}"})
    audit_record(actor=by, action="qa.dispute_open", target=d, summary=f"Dispute of evaluation {ev.pk}")
    return d


@transaction.atomic
def dispute_review(*, dispute: Dispute, by) -> Dispute:
    d = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not is_qa_staff(by):
        raise ServiceError("forbidden", "Only QA staff review disputes.", status_code=403)
    if d.status != Dispute.Status.OPEN:
        raise ServiceError("not_open", f"This dispute is {d.status}.", status_code=409)
    d.status, d.reviewer = Dispute.Status.REVIEWED, by
    d.save(update_fields=["status", "reviewer"])
    audit_record(actor=by, action="qa.dispute_review", target=d, summary=f"Reviewing dispute {d.pk}")
    return d


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, by, outcome: str, resolution: str, answers=None) -> Dispute:
    """Upheld: the score stands. Changed: the answers are corrected and the evaluation re-scored
    on its own version. Either way the evaluation is final and the agent is told."""
    d = Dispute.objects.select_for_update().get(pk=dispute.pk)
    if not is_qa_staff(by):
        raise ServiceError("forbidden", "Only QA staff resolve disputes.", status_code=403)
    if d.status not in (Dispute.Status.OPEN, Dispute.Status.REVIEWED):
        raise ServiceError("resolved", f"This dispute is {d.status} already.", status_code=409)
    if outcome not in (Dispute.Status.UPHELD, Dispute.Status.CHANGED):
        raise field_error("outcome", "upheld or changed.")
    if not (resolution or "").strip():
        raise field_error("resolution", "give the reason for the decision.")
    ev = Evaluation.objects.select_for_update().get(pk=d.evaluation_id)
    if outcome == Dispute.Status.CHANGED:
        if not answers:
            raise field_error("answers", "a changed score needs the corrected answers.")
        corrected = {a.item_id: a.value for a in ev.answers.all()}
        corrected.update(_answers(answers))
        result = rescore(ev, corrected)
        for item_id, value in corrected.items():
            Answer.objects.update_or_create(evaluation=ev, item_id=item_id, defaults={"value": value})
        ev.score, ev.auto_failed_item_id = result.score, result.failed_item.key if result.failed_item else None
    ev.status = Evaluation.Status.FINAL
    ev.save()
    d.status, d.reviewer, d.resolution = outcome, by, resolution.strip()
    d.score_after, d.resolved_at = ev.score, timezone.now()
    d.save()
    event_on_commit([f"agent.{ev.agent_id}"], "qa.dispute_resolved",
                    {"evaluation": ev.pk, "outcome": outcome, "score": str(ev.score)})
    audit_record(actor=by, action="qa.dispute_resolve", target=d,
                 summary=f"Dispute {d.pk} {outcome}: {d.score_before} → {d.score_after}")
    return d


@transaction.atomic
def plan_create(*, agent, goals: str, days: int = 30, evaluation=None, by=None) -> ImprovementPlan:
    if not (goals or "").strip():
        raise field_error("goals", "write the goals for the coming days.")
    if not 1 <= int(days) <= 365:
        raise field_error("days", "1 to 365 days.")
    plan = ImprovementPlan.objects.create(agent=agent, goals=goals.strip(), days=int(days), evaluation=evaluation,
                                          starts_on=timezone.localdate(), created_by=by)
    audit_record(actor=by, action="qa.plan_create", target=plan, summary=f"Improvement plan for {agent.email}")
    return plan


def coaching_plan(*, plan: ImprovementPlan, planned_for, notes: str = "") -> CoachingSession:
    if plan.status != "open":
        raise ServiceError("closed", "This plan is closed.", status_code=409)
    return CoachingSession.objects.create(plan=plan, planned_for=planned_for, notes=notes.strip())


def coaching_done(*, session: CoachingSession, notes: str, follow_up_days: int | None = None) -> CoachingSession:
    session.done_at, session.notes = timezone.now(), (notes or session.notes).strip()
    if follow_up_days:
        session.follow_up_on = timezone.localdate() + timedelta(days=int(follow_up_days))
    session.save()
    return session


def plan_close(*, plan: ImprovementPlan, by=None) -> ImprovementPlan:
    if plan.sessions.filter(done_at__isnull=True).exists():
        raise ServiceError("sessions_open", "Hold or cancel the planned coaching sessions before closing the plan.",
                           status_code=409)
    plan.status = "done"
    plan.save(update_fields=["status"])
    return plan
