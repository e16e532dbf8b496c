"""The dialer (OUT-2/OUT-3) through the real path: a tick decides how many lines to dial for a
campaign (pacing), checks each number (compliance) and asks the carrier to dial with answering-
machine detection; the answer webhook bridges a person to a free campaign agent (auto-answer)
or, with none free, plays the identification message and counts an abandon; the call's end
records the attempt's outcome and schedules the next try."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction

from accounts.models import User
from telephony import clock, twiml
from telephony.hooks import hook_url
from telephony.models import (
    AgentProfile,
    Call,
    CallLeg,
    CallStatus,
    Direction,
    LegRole,
    Outcome,
    PhoneNumber,
    Queue,
)
from telephony.models.outbound import Campaign, CampaignContact, DialAttempt
from telephony.outbound import campaigns, compliance, pacing
from telephony.services.common import call_event, provider_on_commit

WINDOW = {Campaign.Region.US: timedelta(days=30), Campaign.Region.UK: timedelta(hours=24)}
HOURS_RETRY = timedelta(minutes=30)
MSG_ABANDON_ID = ("This is {company} calling. Sorry, all our agents are busy; we will call you back. "
                  "To stop our calls, tell us on the next call.")


def free_agents(campaign: Campaign, pulled_back: set[int] | frozenset = frozenset()) -> list[int]:
    return [u for u in AgentProfile.objects.filter(user__in=campaign.agents.all(), state="available")
            .order_by("available_since", "pk").values_list("user_id", flat=True) if u not in pulled_back]


def pulled_back(campaign: Campaign, now) -> set[int]:
    """Blending (OUT-2): the campaign's agents who could take an inbound call that has waited
    past the campaign's pull-back time. The dialer leaves them out (free or about to be), so
    the ACD gives them the inbound call as soon as they are free."""
    from telephony import acd

    if campaign.pull_back_after_s is None:
        return set()
    waiting = (Call.objects.filter(direction=Direction.INBOUND, status=CallStatus.QUEUED, queue__isnull=False,
                                   queued_at__lte=now - timedelta(seconds=campaign.pull_back_after_s))
               .order_by("queue_id", "queued_at").distinct("queue_id").values_list("pk", "queue_id", "skills_relaxed"))
    ours = set(campaign.agents.values_list("pk", flat=True))
    held: set[int] = set()
    from django.db import connection

    for call_pk, queue_id, relaxed in waiting:
        sql, params = acd.eligible_agents_sql(acd.queue_rules(queue_id), call_pk=call_pk, relaxed=relaxed,
                                              preferred=None, simulated=None, now=now, lock=False, limit=None,
                                              states=("available", "reserved", "on_call", "wrap_up"))
        with connection.cursor() as cur:
            cur.execute(f"SELECT e.user_id FROM ({sql}) e", params)
            held |= {row[0] for row in cur.fetchall()} & ours
    return held


def window_counts(campaign: Campaign, now) -> dict[str, int]:
    """Live answers, abandons (AMD false positives included) and dials in the rolling window."""
    from telephony.outbound.selectors import abandonment

    w = abandonment(campaign, since=now - WINDOW[campaign.region])
    return {"answered": w["answered"], "abandoned": w["abandoned"], "dials": w["dials"], "in_flight": w["ringing"]}


HISTORY_DIALS = 500  # the pacing learns ring-time and talk-time shapes from this many recent dials


def pacing_history(campaign: Campaign) -> pacing.History:
    """How the campaign's recent dials resolved, and how long its recent conversations were."""
    recent = (campaign.attempts.filter(resolved_at__isnull=False).exclude(outcome="blocked")
              .order_by("-at").values_list("at", "resolved_at", "outcome")[:HISTORY_DIALS])
    resolved = [((done - at).total_seconds(), outcome in ("answered", "abandoned")) for at, done, outcome in recent]
    talks = list(campaign.attempts.filter(talk_s__isnull=False).order_by("-at")
                 .values_list("talk_s", flat=True)[:HISTORY_DIALS])
    return pacing.History(resolved=resolved, talks=talks)


def floor_estimates(campaign: Campaign, history: pacing.History, p_answer: float, now,
                    held: set[int] | frozenset = frozenset()) -> dict:
    """The chance each ringing dial is answered by a person, and each busy campaign agent's
    chance of being free by the time a dial placed now is answered (agents pulled back to
    inbound left out)."""
    ringing = [history.live_chance((now - at).total_seconds(), p_answer)
               for at in campaign.attempts.filter(outcome="dialing").values_list("at", flat=True)]
    queue = campaign.queue or Queue.objects.order_by("-is_default", "pk").first()
    wrap_s = float(queue.acw_limit_s if queue else 30)
    soon = []
    for state, since, until in AgentProfile.objects.filter(
            user__in=campaign.agents.all(), state__in=["wrap_up", "on_call"]).exclude(user__in=held).values_list(
            "state", "state_since", "wrap_up_until"):
        if state == "wrap_up":
            remaining = (until - now).total_seconds() if until else wrap_s
            soon.append(history.wrap_free_chance(max(0.0, remaining)))
        else:
            soon.append(history.talk_free_chance((now - since).total_seconds(), wrap_s))
    return {"ringing": ringing, "soon_free": [c for c in soon if c > 0.0]}


def dial_tick(campaign: Campaign) -> int:
    """Place this moment's dials for one campaign; returns how many were placed."""
    campaign.refresh_from_db()
    if campaign.state not in campaigns.DIALING_STATES or campaign.mode == Campaign.Mode.PREVIEW:
        return 0
    now = clock.now()
    pilot = campaign.state == Campaign.State.PILOT
    counts = window_counts(campaign, now)
    held = pulled_back(campaign, now)
    free = len(free_agents(campaign, held))
    mode = Campaign.Mode.PROGRESSIVE if pilot else campaign.mode  # the pilot dials 1:1
    p = pacing.connect_rate(counts["answered"] + counts["abandoned"], counts["dials"] - counts["in_flight"])
    floor = (floor_estimates(campaign, pacing_history(campaign), p, now, held) if mode == Campaign.Mode.PREDICTIVE
             else {"ringing": [p] * counts["in_flight"]})
    n = pacing.lines_to_dial(mode=mode, free_agents=free, p_answer=p, answered_window=counts["answered"],
                             abandoned_window=counts["abandoned"], cap=float(campaign.abandon_cap), **floor)
    if pilot:
        n = min(n, max(0, campaign.pilot_calls - campaign.attempts.filter(pilot=True).exclude(
            outcome="blocked").count()))
    placed = 0
    tries = 0
    while placed < n and tries < n * 5:  # blocked numbers do not count as dials
        tries += 1
        cc = campaigns.contact_lock_next(campaign=campaign, agent=None)
        if cc is None:
            break
        placed += dial_contact(campaign=campaign, cc=cc, now=now, pilot=pilot)
    return placed


@transaction.atomic
def dial_contact(*, campaign: Campaign, cc: CampaignContact, now, pilot: bool = False,
                 agent: User | None = None) -> int:
    """Check and dial one locked contact; 1 if the carrier was asked to dial, 0 if blocked.
    With `agent` (preview), the agent who saw the record dials it and the answer goes to them;
    a blocked number is released as for the dialer (the agent is told which check stopped it)."""
    checks = compliance.check_dial(campaign=campaign, cc=cc, now=now, agent_reserved=agent is not None)
    attempt = DialAttempt.objects.create(campaign=campaign, contact=cc, number=cc.number, at=now, checks=checks,
                                         pilot=pilot, agent=agent)
    if not compliance.allowed(checks):
        attempt.outcome = DialAttempt.Outcome.BLOCKED
        attempt.save(update_fields=["outcome"])
        _release_blocked(cc, checks, now)
        return 0
    caller_id = campaign.caller_id or PhoneNumber.objects.values_list("e164", flat=True).first() or ""
    queue = campaign.queue or Queue.objects.order_by("-is_default", "pk").first()  # offers need a queue's rules
    call = Call.objects.create(sid="HL" + secrets.token_hex(16), direction=Direction.OUTBOUND, ani=cc.number,
                               dnis=caller_id, status=CallStatus.IVR, queue=queue, arrived_at=now)
    leg = CallLeg.objects.create(call=call, role=LegRole.CALLER, target=cc.number, started_at=now)
    attempt.call = call
    attempt.save(update_fields=["call"])
    call_event(call, "campaign_dial", campaign=campaign.name, attempt=attempt.pk, pilot=pilot)
    leg_pk, url, status_url = leg.pk, hook_url("campaign", attempt=attempt.pk), hook_url("leg", leg=leg.pk)

    def store_sid(sid: str) -> None:
        CallLeg.objects.filter(pk=leg_pk, sid__isnull=True).update(sid=sid)

    def failed(_: str) -> None:
        from telephony.services.calls import leg_status

        leg_status(leg_pk=leg_pk, sid="", status="failed")

    number = cc.number
    detect = agent is None  # a preview agent hears a machine for themselves
    provider_on_commit(lambda pr: pr.call_dial(to=number, caller_id=caller_id, url=url, status_url=status_url,
                                               machine_detection=detect),
                       what=f"campaign dial {number}", on_done=store_sid, on_error=failed)
    return 1


def _release_blocked(cc: CampaignContact, checks: dict[str, str], now) -> None:
    if any(checks[k] != compliance.OK for k in ("dnc_company", "dnc_national", "opt_out")):
        cc.status = CampaignContact.Status.BLOCKED
    elif checks["attempts"] != compliance.OK:
        cc.status = CampaignContact.Status.EXHAUSTED
    else:  # outside hours, or the 72 h block: try again later
        later = now + (compliance.ABANDON_BLOCK if checks["abandon_block"] != compliance.OK else HOURS_RETRY)
        cc.status, cc.next_attempt_at = CampaignContact.Status.PENDING, later
    cc.locked_by, cc.locked_at = None, None
    cc.save(update_fields=["status", "next_attempt_at", "locked_by", "locked_at"])


@transaction.atomic
def customer_answered(*, attempt_pk: int, answered_by: str) -> str:
    """TwiML for a dialled party who picked up. A machine is hung up on; a person goes to a
    free campaign agent (auto-answer) or, with none free, hears who called and is abandoned."""
    from django.db import connection

    from telephony import acd
    from telephony.services.controls import offer_accept

    attempt = DialAttempt.objects.select_for_update().select_related("campaign", "contact").filter(
        pk=attempt_pk).first()
    if attempt is None or attempt.call_id is None or attempt.outcome != DialAttempt.Outcome.DIALING:
        return twiml.say_and_hangup(prompts=[])
    call = Call.objects.select_for_update().get(pk=attempt.call_id)
    campaign = attempt.campaign
    attempt.resolved_at = clock.now()
    if answered_by.startswith(("machine", "fax")):
        attempt.outcome, attempt.amd = DialAttempt.Outcome.MACHINE, "machine"
        attempt.save(update_fields=["outcome", "amd", "resolved_at"])
        call.outcome = Outcome.NO_ANSWER
        call.save(update_fields=["outcome"])
        call_event(call, "campaign_machine", answered_by=answered_by)
        return twiml.say_and_hangup(prompts=[])
    attempt.amd = "human" if answered_by == "human" else (answered_by or "unknown")
    agent = None
    # A preview dial belongs to the agent who placed it; the dialer's go to any free agent.
    candidates = [attempt.agent_id] if attempt.agent_id else free_agents(campaign)
    for user_id in candidates:
        user = User.objects.get(pk=user_id)
        if acd.offer_direct(call=call, agent=user, reason=f"campaign {campaign.name}") is not None:
            agent = user
            break
    if agent is None:
        attempt.outcome = DialAttempt.Outcome.ABANDONED
        attempt.save(update_fields=["outcome", "amd", "resolved_at"])
        call.outcome, call.abandon_point = Outcome.ABANDONED, "dialer"
        call.save(update_fields=["outcome", "abandon_point"])
        call_event(call, "campaign_abandoned", campaign=campaign.name)
        company = getattr(connection.tenant, "name", "") or "us"
        return twiml.say_and_hangup(prompts=[{"say": MSG_ABANDON_ID.format(company=company)}])
    now = clock.now()
    call.status, call.agent, call.offered_at, call.queued_at = CallStatus.OFFERED, agent, now, now
    call.save()
    offer_accept(agent=agent, call_pk=call.pk)  # outbound agents are on auto-answer
    # Answered from this moment: the pacing's connect rate and in-flight count must see it now,
    # not when the conversation ends.
    attempt.agent, attempt.outcome = agent, DialAttempt.Outcome.ANSWERED
    attempt.save(update_fields=["agent", "amd", "outcome", "resolved_at"])
    CampaignContact.objects.filter(pk=attempt.contact_id).update(locked_by=agent, locked_at=now)
    return twiml.join_call(conference=call.conference_name, prompts=[])


def campaign_call_ended(call: Call, carrier_status: str = "completed") -> None:
    """The dialled call is over: the attempt's outcome, and the contact's next try unless an
    agent spoke with them (then the agent records the result)."""
    attempt = DialAttempt.objects.select_for_update().select_related("contact", "campaign").filter(call=call).first()
    if attempt is None:
        return
    if attempt.outcome == DialAttempt.Outcome.DIALING:
        if call.answered_at is not None:
            attempt.outcome = DialAttempt.Outcome.ANSWERED
        else:
            attempt.outcome = {"busy": "busy", "failed": "failed"}.get(carrier_status, "no_answer")
    if call.talk_s is not None:
        attempt.talk_s = call.talk_s
    if attempt.resolved_at is None:
        attempt.resolved_at = clock.now()
    attempt.save()
    cc = attempt.contact
    if attempt.outcome == DialAttempt.Outcome.ANSWERED:
        return  # locked to the agent until they record the result
    cc = CampaignContact.objects.select_for_update().get(pk=cc.pk)
    cc.attempts += 1
    cc.last_outcome = attempt.outcome
    retry = {**campaigns.DEFAULT_RETRY_MIN, **(attempt.campaign.retry_minutes or {})}
    if attempt.outcome == DialAttempt.Outcome.FAILED:
        cc.status = CampaignContact.Status.DONE  # an invalid number: not tried again
    elif cc.attempts >= attempt.campaign.max_attempts:
        cc.status = CampaignContact.Status.EXHAUSTED
    else:
        cc.status = CampaignContact.Status.PENDING
        cc.next_attempt_at = clock.now() + timedelta(minutes=retry.get(attempt.outcome, 60))
    cc.locked_by, cc.locked_at = None, None
    cc.save()


def dial_tick_all() -> int:
    """Every dialing campaign of the current tenant."""
    return sum(dial_tick(c) for c in Campaign.objects.filter(state__in=list(campaigns.DIALING_STATES)))
