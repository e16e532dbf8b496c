"""Sampling (QA-2): each day's answered calls with a recording go to evaluators' queues — every
call that meets a targeted rule, every call of agents in their first weeks, and a random share
(default 30 %, per-agent rates) of the rest; no call is sampled twice."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import Role, User, UserStatus
from qa.models import AgentSamplingRate, QaSettings, SampleItem


def settings_get() -> QaSettings:
    return QaSettings.objects.order_by("pk").first() or QaSettings.objects.create()


def _targeted(calls, cfg: QaSettings) -> dict[int, str]:
    """Call id → the first targeted rule it meets."""
    from crm.models import Case, SurveyResponse
    from telephony.models import CallLeg

    out: dict[int, str] = {}
    # A transfer took long when a leg after the first agent's rang more than the limit.
    legs: dict[int, list] = {}
    for call_id, started, answered in (CallLeg.objects.filter(call__in=calls.filter(transfer_count__gt=0), role="agent")
                                       .order_by("call_id", "started_at").values_list("call_id", "started_at",
                                                                                       "answered_at")):
        legs.setdefault(call_id, []).append((started, answered))
    for call_id, rows in legs.items():
        if any(a is not None and (a - s).total_seconds() > cfg.transfer_over_s for s, a in rows[1:]):
            out[call_id] = SampleItem.Reason.TRANSFER
    rules = [("long", calls.filter(talk_s__gt=cfg.call_limit_s + 120)),
             ("failed", calls.filter(talk_s__lt=cfg.failed_under_s))]
    if cfg.sample_complaints:
        rules.append(("complaint", calls.filter(Exists(Case.objects.filter(call=OuterRef("pk"), type="complaint")))))
    if cfg.sample_low_csat:
        rules.append(("low_csat", calls.filter(Exists(SurveyResponse.objects.filter(call=OuterRef("pk"),
                                                                                    satisfied=False)))))
    for reason, qs in rules:
        for pk in qs.values_list("pk", flat=True):
            out.setdefault(pk, reason)
    return out


def sample_day(day: date, *, seed: int | None = None) -> int:
    """Fill the queues with `day`'s calls (tenant's date); running it again adds nothing."""
    from telephony.models import Call

    cfg = settings_get()
    zone = ZoneInfo(getattr(connection.tenant, "timezone", "") or "UTC")
    start = datetime.combine(day, time.min, zone)
    day_calls = (Call.objects.filter(answered_at__gte=start, answered_at__lt=start + timedelta(days=1),
                                     agent__isnull=False, ended_at__isnull=False)
                 .filter(Q(recordings__status="completed")).distinct())
    calls = day_calls.exclude(qa_sample__isnull=False)
    targeted = _targeted(calls, cfg)
    rates = dict(AgentSamplingRate.objects.values_list("agent_id", "rate"))
    new_since = start - timedelta(weeks=cfg.new_agent_weeks)
    new_agents = set(User.objects.filter(date_joined__gt=new_since).values_list("pk", flat=True))
    evaluators = list(User.objects.filter(role_grants__role=Role.QA_ANALYST, status=UserStatus.ACTIVE)
                      .order_by("pk").distinct())
    rng = random.Random(seed if seed is not None else day.toordinal() * 7919 + connection.tenant.pk)  # noqa: S311
    total: dict[int, int] = {}
    for agent_id in day_calls.values_list("agent_id", flat=True):
        total[agent_id] = total.get(agent_id, 0) + 1
    done = dict(SampleItem.objects.filter(day=day).values_list("agent_id").annotate(n=Count("id"))
                .values_list("agent_id", "n"))
    by_agent: dict[int, list[int]] = {}
    for pk, agent_id in calls.order_by("pk").values_list("pk", "agent_id"):
        by_agent.setdefault(agent_id, []).append(pk)
    picked: list[tuple[int, int, str]] = []
    for agent_id, pks in sorted(by_agent.items()):
        if agent_id in new_agents:
            picked += [(pk, agent_id, targeted.get(pk, SampleItem.Reason.NEW_AGENT)) for pk in pks]
            continue
        chosen = [(pk, agent_id, targeted[pk]) for pk in pks if pk in targeted]
        rest = [pk for pk in pks if pk not in targeted]
        rate = Decimal(rates.get(agent_id, cfg.default_rate))
        # The share is of all the agent's calls that day; targeted and earlier picks count toward it,
        # so running the day again adds nothing.
        want = max(0, round(float(rate) * total[agent_id]) - len(chosen) - done.get(agent_id, 0))
        chosen += [(pk, agent_id, SampleItem.Reason.RANDOM) for pk in rng.sample(rest, min(want, len(rest)))]
        picked += chosen
    with transaction.atomic():
        existing = dict(SampleItem.objects.filter(status="queued").values_list("assigned_to")
                        .annotate(n=Count("id")).values_list("assigned_to", "n"))
        load = {e.pk: existing.get(e.pk, 0) for e in evaluators}
        rows = []
        for pk, agent_id, reason in picked:
            target = min(load, key=lambda k: (load[k], k)) if load else None
            if target is not None:
                load[target] += 1
            rows.append(SampleItem(call_id=pk, agent_id=agent_id, reason=reason, assigned_to_id=target, day=day))
        SampleItem.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
