"""Campaign figures (OUT-5): the live dashboard and the pilot evaluation read from here.

Words as the report uses them: a *dial* is an attempt the carrier was asked to place (blocked
ones never were); a *connect* is a dial somebody or something picked up (a person, a machine);
a *contact* is a conversation an agent had with the person dialled. Valid rate = numbers not
found invalid / list size; reach rate = numbers an agent spoke with / valid numbers;
conversion = reached numbers whose result is the campaign's primary goal / reached numbers.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Q, Sum

from reports.kpis import agent_state_seconds, agent_time_kpis
from telephony import clock
from telephony.models import AgentProfile
from telephony.models.outbound import Campaign, CampaignContact, DialAttempt

OUT = DialAttempt.Outcome


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def abandonment(campaign: Campaign, since: datetime | None = None, until: datetime | None = None) -> dict:
    """Abandoned (no agent, or a person hung up on as a machine) over live answers; the
    governor's rolling window and the reports both read it."""
    attempts = campaign.attempts.all()
    if since is not None:
        attempts = attempts.filter(at__gte=since)
    if until is not None:
        attempts = attempts.filter(at__lt=until)
    agg = attempts.aggregate(
        answered=Count("id", filter=Q(outcome=OUT.ANSWERED)),
        live=Count("id", filter=Q(outcome__in=[OUT.ANSWERED, OUT.ABANDONED])),
        abandoned=Count("id", filter=Q(outcome=OUT.ABANDONED) | Q(amd_false_positive=True)),
        dials=Count("id", filter=~Q(outcome=OUT.BLOCKED)), ringing=Count("id", filter=Q(outcome=OUT.DIALING)))
    return {**agg, "live_answers": agg["live"], "rate": _ratio(agg["abandoned"], agg["live"])}


def attempt_figures(attempts) -> dict:
    """Dials, connects, contacts and the dial outcomes of a set of attempts."""
    agg = attempts.aggregate(
        dials=Count("id", filter=~Q(outcome=OUT.BLOCKED)), blocked=Count("id", filter=Q(outcome=OUT.BLOCKED)),
        connects=Count("id", filter=Q(outcome__in=[OUT.ANSWERED, OUT.ABANDONED, OUT.MACHINE])),
        contacts=Count("id", filter=Q(outcome=OUT.ANSWERED)), abandoned=Count("id", filter=Q(outcome=OUT.ABANDONED)),
        ringing=Count("id", filter=Q(outcome=OUT.DIALING)), talk_s=Sum("talk_s", filter=Q(outcome=OUT.ANSWERED)))
    outcomes = dict(attempts.values_list("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    return {**agg, "talk_s": round(agg["talk_s"] or 0.0), "outcomes": outcomes,
            "avg_talk_s": round((agg["talk_s"] or 0.0) / agg["contacts"]) if agg["contacts"] else None}


def list_figures(campaign: Campaign, attempts=None) -> dict:
    """List size, valid and reach rates and conversion, from the numbers (not the dials)."""
    attempts = campaign.attempts.all() if attempts is None else attempts
    size = campaign.contacts.count()
    invalid = attempts.filter(outcome=OUT.FAILED).values("contact").distinct().count()
    reached_ids = attempts.filter(outcome=OUT.ANSWERED).values("contact").distinct()
    reached = reached_ids.count()
    goals = list(campaign.goal_codes or [])
    results = dict(campaign.contacts.filter(pk__in=reached_ids).exclude(last_outcome="").values_list(
        "last_outcome").annotate(n=Count("id")).values_list("last_outcome", "n"))
    primary = results.get(goals[0], 0) if goals else 0
    secondary = sum(results.get(g, 0) for g in goals[1:])
    progress = dict(campaign.contacts.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {"list_size": size, "invalid": invalid, "valid": size - invalid, "reached": reached,
            "valid_rate": _ratio(size - invalid, size), "reach_rate": _ratio(reached, size - invalid),
            "results": results, "conversion": _ratio(primary, reached),
            "secondary_conversion": _ratio(secondary, reached) if len(goals) > 1 else None, "progress": progress}


def agent_figures(campaign: Campaign, since: datetime | None, until: datetime, contacts: int) -> dict:
    """The campaign's agents over the campaign's time: talk share, occupancy, contacts per hour."""
    agent_ids = list(campaign.agents.values_list("pk", flat=True))
    if since is None or not agent_ids:
        return {"talk_share": None, "occupancy": None, "logged_in_h": 0.0, "contacts_per_agent_hour": None}
    secs = agent_state_seconds(agent_ids=agent_ids, since=since, until=until)
    total: dict[str, float] = {}
    for per_agent in secs.values():
        for state, s in per_agent.items():
            total[state] = total.get(state, 0.0) + s
    k = agent_time_kpis(total)
    hours = k["logged_in_s"] / 3600
    return {"talk_share": k["talk_pct"], "occupancy": k["occupancy"], "logged_in_h": round(hours, 2),
            "contacts_per_agent_hour": round(contacts / hours, 2) if hours else None}


def campaign_dashboard(campaign: Campaign, now: datetime | None = None) -> dict:
    """Everything the campaign dashboard shows (OUT-5)."""
    now = now or clock.now()
    attempts = campaign.attempts.all()
    first = attempts.order_by("at").values_list("at", flat=True).first()
    figures = attempt_figures(attempts)
    floor = dict(AgentProfile.objects.filter(user__in=campaign.agents.all()).values_list("state").annotate(
        n=Count("id")).values_list("state", "n"))
    return {
        "campaign": campaign.pk, "state": campaign.state, "mode": campaign.mode, "at": now.isoformat(),
        **figures, **list_figures(campaign, attempts),
        **agent_figures(campaign, first, now, figures["contacts"]),
        "abandonment_30d": abandonment(campaign, since=now - timedelta(days=30)),
        "abandonment_24h": abandonment(campaign, since=now - timedelta(hours=24)),
        "abandon_cap": float(campaign.abandon_cap), "agents_by_state": floor,
        "pilot": pilot_evaluation(campaign),
    }


def blocked_by_check(attempts) -> dict[str, int]:
    """How many of these attempts each compliance check stopped (OUT-3 report)."""
    from telephony.outbound.compliance import CHECKS, OK

    blocked = dict.fromkeys(CHECKS, 0)
    for checks in attempts.filter(outcome=OUT.BLOCKED).values_list("checks", flat=True):
        for check, verdict in checks.items():
            if verdict != OK and check in blocked:
                blocked[check] += 1
    return blocked


def pilot_evaluation(campaign: Campaign) -> dict:
    """The pilot's test calls judged before going live: how the list and the script did, and
    whether anything would stop the campaign (blocked numbers, abandons, a poor list)."""
    attempts = campaign.attempts.filter(pilot=True)
    figures = attempt_figures(attempts)
    lists = list_figures(campaign, attempts)
    blocked_by = {k: n for k, n in blocked_by_check(attempts).items() if n}
    done = figures["dials"]
    findings = []
    if done < campaign.pilot_calls:
        findings.append(f"{done} of {campaign.pilot_calls} test calls made so far.")
    if figures["abandoned"]:
        findings.append(f"{figures['abandoned']} pilot calls were abandoned: check the agents assigned.")
    dialled_numbers = attempts.exclude(outcome=OUT.BLOCKED).values("contact").distinct().count()
    invalid_share = _ratio(lists["invalid"], dialled_numbers)
    if invalid_share is not None and invalid_share > 0.1:
        findings.append(f"{invalid_share:.0%} of the numbers dialled were invalid: clean the list before going live.")
    if blocked_by:
        findings.append("Numbers were blocked by " + ", ".join(f"{k} ({v})" for k, v in sorted(blocked_by.items()))
                        + ".")
    return {"planned": campaign.pilot_calls, "dials": done, "connects": figures["connects"],
            "contacts": figures["contacts"], "abandoned": figures["abandoned"], "outcomes": figures["outcomes"],
            "avg_talk_s": figures["avg_talk_s"], "connect_rate": _ratio(figures["connects"], done),
            "contact_rate": _ratio(figures["contacts"], done), "invalid_share": invalid_share,
            "results": lists["results"], "conversion": lists["conversion"], "blocked_by": blocked_by,
            "complete": done >= min(campaign.pilot_calls, campaign.contacts.count()), "findings": findings}


def agent_desk(user) -> dict:
    """The campaign side of an agent's desk: the campaigns they work now, and the contact
    locked to them (being previewed, on the line, or waiting for its result)."""
    from telephony.outbound import campaigns as campaign_rules

    mine = Campaign.objects.filter(agents=user, state__in=list(campaign_rules.DIALING_STATES)).order_by("name")
    cc = (user and CampaignContact.objects.select_related("campaign").filter(
        locked_by=user, status=CampaignContact.Status.LOCKED).order_by("-locked_at").first())
    contact = None
    if cc is not None:
        # dialled in this round: an attempt whose result is not yet counted on the contact
        dialled = cc.dial_attempts.exclude(outcome=OUT.BLOCKED).count() > cc.attempts
        c = cc.campaign
        contact = {"id": cc.pk, "number": cc.number, "name": cc.name, "grade": cc.grade, "attempts": cc.attempts,
                   "timezone": cc.timezone, "campaign": c.name, "campaign_id": c.pk, "mode": c.mode,
                   "script": c.script, "script_version": c.script_version,
                   "results": campaign_rules.result_codes(c), "objections": list(campaign_rules.OBJECTIONS),
                   "dialled": dialled,
                   "last_outcome": cc.last_outcome}
    return {"campaigns": [{"id": c.pk, "name": c.name, "mode": c.mode, "state": c.state} for c in mine],
            "contact": contact}
