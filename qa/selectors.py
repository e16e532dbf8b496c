"""QA reads: evaluation detail, queues, trends, most-failed items, evaluator consistency,
leaderboards."""

from __future__ import annotations

from decimal import Decimal
from statistics import pstdev

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncWeek

from qa.models import Answer, Evaluation, Item, SampleItem
from qa.services.scorecards import version_as_dict

COUNTED = ("submitted", "disputed", "final")


def evaluation_row(ev: Evaluation) -> dict:
    return {"id": ev.pk, "call": ev.call_id, "agent": ev.agent_id, "agent_email": ev.agent.email,
            "evaluator": ev.evaluator.email if ev.evaluator_id else "", "scorecard": ev.version.scorecard.name,
            "version": ev.version.number, "status": ev.status, "score": str(ev.score) if ev.score is not None else None,
            "auto_failed_item": ev.auto_failed_item.text if ev.auto_failed_item_id else None,
            "live": ev.live, "calibration": ev.calibration_id,
            "submitted_at": ev.submitted_at.isoformat() if ev.submitted_at else None}


def evaluation_detail(ev: Evaluation) -> dict:
    from telephony.models import Recording

    rec = Recording.objects.filter(call_id=ev.call_id, kind="call").exclude(status="deleted").first()
    return {**evaluation_row(ev), "summary": ev.summary,
            "form": version_as_dict(ev.version),
            "answers": {str(a.item_id): (str(a.value) if a.value is not None else None) for a in ev.answers.all()},
            "comments": [{"at_s": c.at_s, "text": c.text, "author": c.author.email if c.author_id else ""}
                         for c in ev.comments.select_related("author")],
            "recording": {"id": rec.pk, "duration_s": rec.duration_s} if rec else None,
            "disputes": [{"id": d.pk, "status": d.status, "reason": d.reason, "resolution": d.resolution,
                          "score_before": str(d.score_before) if d.score_before is not None else None,
                          "score_after": str(d.score_after) if d.score_after is not None else None}
                         for d in ev.disputes.all()]}


def queue_for(user) -> list[SampleItem]:
    return list(SampleItem.objects.filter(assigned_to=user, status=SampleItem.Status.QUEUED)
                .select_related("call", "agent").order_by("day", "pk")[:200])


def _counted(start, end):
    return Evaluation.objects.filter(status__in=COUNTED, calibration__isnull=True, submitted_at__gte=start,
                                     submitted_at__lt=end)


def trends(start, end, by: str = "agent") -> list[dict]:
    """Average QA score per week and agent (or team)."""
    key = {"agent": "agent__email", "team": "agent__teams__name"}[by]
    rows = (_counted(start, end).annotate(week=TruncWeek("submitted_at")).values(key, "week")
            .annotate(avg=Avg("score"), n=Count("id")).order_by(key, "week"))
    return [{by: r[key] or "(none)", "week": r["week"].date().isoformat(), "average": round(float(r["avg"]), 2),
             "evaluations": r["n"]} for r in rows]


def item_trends(start, end) -> list[dict]:
    """Per item: how often it was answered at its lowest (failed) and at its highest."""
    rows = []
    answers = Answer.objects.filter(evaluation__in=_counted(start, end), value__isnull=False)
    for item in Item.objects.filter(pk__in=answers.values("item_id")).select_related("section__version__scorecard"):
        mine = answers.filter(item=item)
        lowest = {"yes_no": 0, "scale": 1, "points": 0}[item.kind]
        n = mine.count()
        failed = mine.filter(value=lowest).count()
        rows.append({"item": item.pk, "text": item.text, "scorecard": item.section.version.scorecard.name,
                     "version": item.section.version.number, "critical": item.critical, "answered": n,
                     "failed": failed, "fail_rate": round(failed / n, 4) if n else None})
    return sorted(rows, key=lambda r: (-(r["fail_rate"] or 0), -r["answered"]))


def evaluator_consistency(start, end) -> list[dict]:
    """Per evaluator: evaluations, mean and spread of their scores, and their mean deviation in
    closed calibrations."""
    from qa.models import CalibrationSession
    from qa.services.calibration import results

    deviations: dict[str, list[Decimal]] = {}
    for s in CalibrationSession.objects.filter(closed_at__gte=start, closed_at__lt=end):
        for r in results(s)["evaluators"]:
            if r["overall_deviation"] is not None:
                deviations.setdefault(r["email"], []).append(r["overall_deviation"])
    out = []
    per = {}
    for email, score in _counted(start, end).values_list("evaluator__email", "score"):
        per.setdefault(email or "(gone)", []).append(float(score))
    for email, scores in sorted(per.items()):
        dev = deviations.get(email)
        out.append({"evaluator": email, "evaluations": len(scores), "mean": round(sum(scores) / len(scores), 2),
                    "spread": round(pstdev(scores), 2) if len(scores) > 1 else 0.0,
                    "calibration_deviation": round(float(sum(dev) / len(dev)), 2) if dev else None})
    return out


def leaderboard(start, end, limit: int = 20) -> list[dict]:
    rows = (_counted(start, end).values("agent_id", "agent__email", "agent__full_name")
            .annotate(avg=Avg("score"), n=Count("id"), fails=Count("id", filter=Q(auto_failed_item__isnull=False)))
            .filter(n__gte=1).order_by("-avg", "-n")[:limit])
    return [{"rank": i + 1, "agent": r["agent_id"], "name": r["agent__full_name"] or r["agent__email"],
             "average": round(float(r["avg"]), 2), "evaluations": r["n"], "auto_fails": r["fails"]}
            for i, r in enumerate(rows)]
