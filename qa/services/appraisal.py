"""Periodic appraisal (QA-5): the 100-point scorecard, self and supervisor scores, a grade,
and the inputs that feed it (QA scores, WFM adherence, KPIs) for the same period."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Avg

from accounts.models import Role
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from qa import scoring
from qa.models import Appraisal, Evaluation

MAX_PERIOD_DAYS = 400  # as the reports' periods


def inputs(agent, first: date, last: date) -> dict:
    """What the period says: QA average (submitted, disputed-and-final included), adherence and
    conformance (WFM), calls and AHT (KPI engine) — and the points they suggest for the
    quality (QA ÷ 10) and attendance (adherence × 10) items."""
    from reports import selectors as report_selectors
    from wfm.adherence import period_summary

    zone = ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    qa = Evaluation.objects.filter(agent=agent, calibration__isnull=True, submitted_at__gte=start,
                                   submitted_at__lt=end, status__in=["submitted", "disputed", "final"])
    qa_avg = qa.aggregate(a=Avg("score"))["a"]
    adherence = period_summary(first, last).get(agent.pk, {})
    kpi = next((r for r in report_selectors.agent_report(start=start, end=end) if r["agent"] == agent.pk), {})
    qa_avg = Decimal(qa_avg).quantize(Decimal("0.01"), ROUND_HALF_UP) if qa_avg is not None else None
    adh = adherence.get("adherence")
    return {"qa_average": qa_avg, "evaluations": qa.count(), "adherence": adh,
            "conformance": adherence.get("conformance"), "handled": kpi.get("handled"), "aht_s": kpi.get("aht_s"),
            "occupancy": kpi.get("occupancy"), "csat": kpi.get("csat"),
            "suggested": {"quality": (qa_avg / 10).quantize(Decimal("0.1"), ROUND_HALF_UP) if qa_avg is not None
                          else None,
                          "attendance": Decimal(str(round(adh * 10, 1))) if adh is not None else None}}


def totals(appraisal: Appraisal) -> dict:
    out = {}
    for who, scores in (("self", appraisal.self_scores), ("supervisor", appraisal.supervisor_scores)):
        if scores:
            total = scoring.appraisal_total(scores)
            out[who] = {"total": total, "grade": scoring.grade(total)}
        else:
            out[who] = None
    return out


@transaction.atomic
def appraisal_create(*, agent, first: date, last: date, by) -> Appraisal:
    if last < first:
        raise field_error("period_end", "the period ends before it starts.")
    if (last - first).days >= MAX_PERIOD_DAYS:  # the inputs are summed day by day
        raise field_error("period_end", f"an appraisal covers at most {MAX_PERIOD_DAYS} days; split a longer period.")
    if not by.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN, Role.QA_ANALYST):
        raise ServiceError("forbidden", "Supervisors open appraisals.", status_code=403)
    a = Appraisal.objects.create(agent=agent, period_start=first, period_end=last, supervisor=by)
    audit_record(actor=by, action="qa.appraisal_create", target=a, summary=f"Appraisal of {agent.email} {first}–{last}")
    return a


def _clean(scores) -> dict:
    if not isinstance(scores, dict):
        raise field_error("scores", "an object of item → points.")
    try:
        scoring.appraisal_total(scores)
    except ValueError as exc:
        raise field_error("scores", str(exc)) from None
    return {k: float(scores[k]) for k in scoring.APPRAISAL_MAX}


@transaction.atomic
def appraisal_score(*, appraisal: Appraisal, by, scores, note: str | None = None) -> Appraisal:
    """The agent scores themselves; a supervisor gives the supervisor's scores."""
    clean = _clean(scores)
    if by.pk == appraisal.agent_id:
        appraisal.self_scores = clean
    elif by.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN, Role.QA_ANALYST):
        appraisal.supervisor_scores, appraisal.supervisor = clean, by
        if note is not None:
            appraisal.note = note.strip()
    else:
        raise ServiceError("forbidden", "Only the agent and their supervisors score an appraisal.", status_code=403)
    appraisal.save()
    audit_record(actor=by, action="qa.appraisal_score", target=appraisal,
                 summary=f"Appraisal {appraisal.pk} scored by {by.email}: {scoring.appraisal_total(clean)}")
    return appraisal
