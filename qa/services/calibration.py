"""Calibration (QA-4): evaluators score the same calls blind; each one's deviation from the
reference, per item and overall, is set against the tolerance; reminders when a quarter
passes without a session or a scorecard changes."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record
from config.errors import ServiceError, field_error
from qa import scoring
from qa.models import CalibrationSession, Evaluation, ScorecardVersion
from qa.services.scorecards import version_defs

QUARTER = timedelta(days=92)


@transaction.atomic
def session_create(*, name: str, version: ScorecardVersion, reference, evaluators: list, calls: list,
                   tolerance: Decimal | float = 5, by=None) -> CalibrationSession:
    if not (name or "").strip():
        raise field_error("name", "name the session.")
    if not calls:
        raise field_error("calls", "pick the calls everyone scores.")
    if len({e.pk for e in evaluators} - {reference.pk}) < 1:
        raise field_error("evaluators", "at least one evaluator besides the reference.")
    if any(c.agent_id is None for c in calls):
        raise field_error("calls", "every call must have an agent.")
    s = CalibrationSession.objects.create(name=name.strip()[:80], version=version, reference=reference,
                                          tolerance=Decimal(str(tolerance)))
    s.evaluators.set({*evaluators, reference})
    s.calls.set(calls)
    audit_record(actor=by, action="qa.calibration_create", target=s, summary=f"Calibration {s.name}")
    return s


def _norm_answers(ev: Evaluation, items: dict[int, scoring.ItemDef]) -> dict[int, Decimal | None]:
    out = {}
    for a in ev.answers.all():
        item = items.get(a.item_id)
        out[a.item_id] = None if a.value is None or item is None else scoring.normalise(item, a.value) * 100
    return out


def results(session: CalibrationSession) -> dict:
    """Per evaluator: mean |score − reference score| over the calls (overall), and per item mean
    |normalised answer − reference's| × 100; flagged when any of them passes the tolerance.
    Only submitted evaluations count; calls the reference has not scored are left out."""
    sections, items = version_defs(session.version)
    by_key = {i.key: i for i in items}
    evs = list(session.evaluations.filter(status__in=["submitted", "final", "disputed"]).prefetch_related("answers"))
    ref = {e.call_id: e for e in evs if e.evaluator_id == session.reference_id}
    rows = []
    for evaluator in session.evaluators.exclude(pk=session.reference_id).order_by("email"):
        mine = [e for e in evs if e.evaluator_id == evaluator.pk and e.call_id in ref]
        overall = [abs(e.score - ref[e.call_id].score) for e in mine]
        per_item: dict[int, list[Decimal]] = {}
        for e in mine:
            a, r = _norm_answers(e, by_key), _norm_answers(ref[e.call_id], by_key)
            for item_id in by_key:
                if a.get(item_id) is not None and r.get(item_id) is not None:
                    per_item.setdefault(item_id, []).append(abs(a[item_id] - r[item_id]))

        def mean(xs):
            return (sum(xs, Decimal(0)) / len(xs)).quantize(Decimal("0.01"), ROUND_HALF_UP) if xs else None

        item_dev = {i: mean(v) for i, v in per_item.items()}
        overall_dev = mean(overall)
        out_items = [by_key[i].text for i, v in item_dev.items() if v is not None and v > session.tolerance]
        rows.append({"evaluator": evaluator.pk, "email": evaluator.email, "scored": len(mine),
                     "overall_deviation": overall_dev, "item_deviation": item_dev,
                     "flagged": (overall_dev is not None and overall_dev > session.tolerance) or bool(out_items),
                     "items_out_of_tolerance": out_items})
    return {"session": session.pk, "tolerance": session.tolerance, "calls": len(ref), "evaluators": rows}


@transaction.atomic
def session_close(*, session: CalibrationSession, by=None) -> CalibrationSession:
    if session.closed_at:
        raise ServiceError("closed", "This calibration is closed.", status_code=409)
    if not session.evaluations.filter(evaluator=session.reference, status="submitted").exists():
        raise ServiceError("no_reference", "The reference has not scored any call yet.", status_code=409)
    session.closed_at = timezone.now()
    session.save(update_fields=["closed_at"])
    flagged = [r["email"] for r in results(session)["evaluators"] if r["flagged"]]
    audit_record(actor=by, action="qa.calibration_close", target=session,
                 summary=f"Calibration {session.name} closed" + (f"; out of tolerance: {', '.join(flagged)}"
                                                                 if flagged else ""))
    return session


def reminders(now=None) -> list[str]:
    """Why a calibration is due: none in the last quarter, or a scorecard changed since."""
    now = now or timezone.now()
    last = CalibrationSession.objects.order_by("-created_at").first()
    out = []
    if last is None or last.created_at < now - QUARTER:
        out.append("No calibration session in the last quarter: hold one.")
    changed = ScorecardVersion.objects.filter(number__gt=1, scorecard__active=True)
    if last is not None:
        changed = changed.filter(created_at__gt=last.created_at)
    for v in changed.select_related("scorecard"):
        out.append(f"Scorecard '{v.scorecard.name}' changed (version {v.number}): calibrate on it.")
    return out
