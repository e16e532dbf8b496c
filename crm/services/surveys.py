"""Surveys (CRM-5): the caller's answer after the call (IVR: 1 = satisfied, 2 = not, then an
optional spoken reason), a survey node inside an IVR flow, and return-visit surveys an agent
records on a follow-up. Every answer is tied to the call, its agent and queue, the case and
the contact; one answer per call and kind (a replayed webhook changes nothing)."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from config.errors import ServiceError, field_error
from crm.models import FollowUpAction, FollowUpTask, SurveyKind, SurveyResponse

SATISFIED_DIGITS = {"1": True, "2": False}


def _case_of_call(call):
    from crm.models import Case

    return Case.objects.filter(call=call).order_by("-created_at").first() if call is not None else None


def _contact_of_call(call):
    from crm.selectors import contact_for_phone

    return contact_for_phone(call.ani) if call is not None and call.ani else None


@transaction.atomic
def survey_record(*, kind: str, satisfied: bool, call=None, case=None, contact=None, reason: str = "",
                  actor: User | None = None) -> SurveyResponse:
    """Store one answer. For a call, the first answer of each kind stands."""
    if kind not in SurveyKind.values:
        raise field_error("kind", f"'{kind}' is not a survey kind; use {', '.join(SurveyKind.values)}.")
    reason = (reason or "").strip()
    if len(reason) > 2000:
        raise field_error("reason", "Keep the reason under 2000 characters.")
    if call is not None:
        existing = SurveyResponse.objects.filter(call=call, kind=kind).first()
        if existing is not None:
            return existing
    case = case or _case_of_call(call)
    contact = contact or (case.contact if case is not None and case.contact_id else None) or _contact_of_call(call)
    # The answer rates whoever served the customer: the call's agent, else the case's owner.
    agent_id = call.agent_id if call is not None else (case.assignee_id if case is not None else None)
    return SurveyResponse.objects.create(
        kind=kind, satisfied=satisfied, reason=reason, call=call, case=case, contact=contact, agent_id=agent_id,
        queue_id=call.queue_id if call is not None else None, recorded_by=actor.email if actor else "")


@transaction.atomic
def survey_post_call_answer(*, call_pk: int, digits: str) -> SurveyResponse | None:
    """The caller pressed a key after the call: 1 satisfied, 2 not (anything else: no answer)."""
    from telephony.models import Call

    call = Call.objects.filter(pk=call_pk).first()
    if call is None or digits not in SATISFIED_DIGITS:
        return None
    return survey_record(kind=SurveyKind.POST_CALL, satisfied=SATISFIED_DIGITS[digits], call=call)


@transaction.atomic
def survey_reason_recorded(*, call_pk: int, recording_sid: str, url: str, duration_s: int) -> None:
    """An unsatisfied caller left a spoken reason: keep it as a recording linked to the answer."""
    from telephony.models import Recording
    from telephony.services.recordings import recording_status

    answer = SurveyResponse.objects.select_for_update().filter(call_id=call_pk, kind=SurveyKind.POST_CALL).first()
    if answer is None or not recording_sid:
        return
    recording_status(call_pk=call_pk, sid=recording_sid, status="completed", url=url, duration_s=duration_s,
                     kind="survey")
    answer.reason_recording = Recording.objects.filter(sid=recording_sid).first()
    answer.save(update_fields=["reason_recording"])


@transaction.atomic
def survey_return_visit(*, task: FollowUpTask, actor: User, satisfied: bool, reason: str = "") -> SurveyResponse:
    """An agent did a return-visit survey for a follow-up: record the answer, close the task."""
    from crm.services.followups import follow_up_complete

    if task.action != FollowUpAction.SURVEY:
        raise ServiceError("not_a_survey", "This follow-up is not a survey; complete it with an outcome instead.",
                           status_code=409)
    answer = survey_record(kind=SurveyKind.RETURN_VISIT, satisfied=satisfied, case=task.case, contact=task.contact,
                           reason=reason, actor=actor)
    follow_up_complete(task=task, actor=actor, outcome=("satisfied" if satisfied else "not satisfied")
                       + (f": {reason.strip()}" if reason.strip() else ""))
    return answer
