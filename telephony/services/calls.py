"""The way of a call (DESIGN §3): arrival, IVR, queue, answer, end. Each function is what
one carrier webhook asks for; each returns the TwiML the carrier should run next (or
nothing, for status callbacks)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from telephony import acd, clock, ivr, twiml
from telephony.addresses import number_of
from telephony.agent_state import AgentState, NotReadyReason, Source
from telephony.hooks import hook_url
from telephony.models import (
    AfterHoursAction,
    AgentProfile,
    Call,
    CallerListEntry,
    CallerListKind,
    CallLeg,
    CallStatus,
    LegRole,
    LegStatus,
    Offer,
    OfferStatus,
    Outcome,
    PhoneNumber,
    Queue,
    QueueOverflowAction,
    RecordingPolicy,
    Strategy,
)
from telephony.services.agents import agent_set_state
from telephony.services.common import call_event, locked_call, provider_on_commit
from tenants.realtime import event_on_commit
from tenants.selectors import current_tenant_has

FINAL_CARRIER_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}
MSG_NOT_IN_SERVICE = "The number you have called is not in service. Goodbye."
MSG_CALLBACK_ACK = "Thank you. We will call you back at this number as soon as an agent is free. Goodbye."
MSG_QUEUE_FULL = "All our agents are busy and the line is full. Please try again later. Goodbye."
MSG_SORRY = "We are sorry, no agent is available to take your call. Goodbye."
MSG_VOICEMAIL = "Please leave a message with your name and number after the tone."


def _ctx(call: Call) -> ivr.Context:
    from telephony import selectors

    return ivr.Context(is_open=lambda qid: selectors.is_open(qid), is_holiday=lambda qid: selectors.is_holiday(qid),
                       is_vip=call.caller_tier == "vip")


@transaction.atomic
def call_start(*, sid: str, ani: str, dnis: str, sim_run: str = "") -> str:
    """A call arrived on one of our numbers: create it and answer with the entry IVR node."""
    number = PhoneNumber.objects.select_related("entry_flow__published", "entry_queue").filter(
        e164=number_of(dnis)).first()
    now = clock.now()
    call = Call.objects.create(sid=sid, ani=ani, dnis=dnis, number=number, arrived_at=now, sim_run=sim_run)
    CallLeg.objects.create(call=call, sid=sid, role=LegRole.CALLER, target=ani, status=LegStatus.IN_PROGRESS,
                           started_at=now, answered_at=now)
    call_event(call, "arrived", ani=ani, dnis=dnis)
    listed = CallerListEntry.objects.filter(number=ani).first()
    if listed is not None and listed.kind == CallerListKind.BLOCK:
        _finish(call, Outcome.BLOCKED)
        call_event(call, "rejected", reason="blacklisted caller")
        return twiml.reject()
    if listed is not None and listed.kind == CallerListKind.VIP:
        call.caller_tier = "vip"
    else:
        from crm.selectors import contact_tier_for_phone

        call.caller_tier = contact_tier_for_phone(ani)  # CRM tier: VIPs jump the queue (TEL-6)
    if number is not None and number.entry_queue is not None:
        return _enter_queue(call, number.entry_queue, prompts=[])
    version = number.entry_flow.published if number is not None and number.entry_flow is not None else None
    if version is None:
        _finish(call, Outcome.FAILED)
        return twiml.say_and_hangup(prompts=[{"say": MSG_NOT_IN_SERVICE}])
    call.ivr_version = version
    step = ivr.walk(version.graph, version.graph["start"], _ctx(call))
    return _render(call, step)


@transaction.atomic
def ivr_input(*, sid: str, node_id: str, step: int, digits: str | None) -> str:
    """The caller pressed keys (or nothing) at an input node."""
    call = locked_call(sid=sid)
    if call is None or call.status != CallStatus.IVR or call.ivr_version is None:
        return twiml.empty()
    graph = call.ivr_version.graph
    if node_id != call.ivr_node or step != call.ivr_step or node_id not in graph["nodes"]:
        # A late keypress for a prompt the call has moved past: ask again where it is.
        current = graph["nodes"].get(call.ivr_node, {})
        if current.get("type") in ivr.INPUT_TYPES:
            return twiml.gather(node_id=call.ivr_node, node=current, prompts=[], language=call.language,
                                step=call.ivr_step)
        return twiml.empty()
    step = ivr.advance(graph, node_id, digits, _ctx(call), language=call.language, retries_used=call.ivr_retries)
    call.ivr_retries = call.ivr_retries + 1 if step.retry else 0
    call_event(call, "ivr_input", node=node_id, digits=digits or "", retry=step.retry)
    if graph["nodes"][node_id].get("type") == "survey" and not step.retry and digits in ("1", "2"):
        from crm.services.surveys import survey_record

        survey_record(kind="ivr", satisfied=digits == "1", call=call)
    return _render(call, step)


def _render(call: Call, step: ivr.Step) -> str:
    call.ivr_path = [*call.ivr_path, *[n for n in step.path if not step.retry]]
    call.ivr_node = step.node_id
    call.language = step.language
    call.collected = {**call.collected, **step.collected}
    node = step.node
    kind = node["type"]
    if kind in ivr.INPUT_TYPES:
        call.ivr_step += 1
        call.save()
        return twiml.gather(node_id=step.node_id, node=node, prompts=step.prompts, language=step.language,
                            step=call.ivr_step)
    prompts = step.prompts + ([{"say": node["say"], "language": step.language}] if node.get("say") else [])
    if kind == "queue":
        queue = Queue.objects.filter(pk=node["queue"]).first()
        if queue is None:  # deleted after publishing: say so rather than drop the caller silently
            _finish(call, Outcome.FAILED)
            return twiml.say_and_hangup(prompts=[{"say": MSG_SORRY}])
        return _enter_queue(call, queue, prompts=step.prompts)
    if kind == "voicemail":
        call.save()
        call_event(call, "voicemail_prompt", node=step.node_id)
        return twiml.voicemail(prompts=prompts or [{"say": MSG_VOICEMAIL}], call_pk=call.pk,
                               max_length_s=node.get("max_length_s", 120))
    if kind == "callback":
        from telephony.services.callbacks import callback_request

        queue = Queue.objects.get(pk=node["queue"])
        callback_request(number=call.ani, queue=queue, origin="caller", origin_call=call,
                         place_in_line_at=clock.now())
        _finish(call, Outcome.CALLBACK)
        return twiml.say_and_hangup(prompts=prompts or [{"say": MSG_CALLBACK_ACK}])
    if kind == "transfer":
        _finish(call, Outcome.TRANSFERRED_OUT, keep_active=True)
        call_event(call, "transferred_out", number=node["number"])
        return twiml.transfer(prompts=prompts, number=node["number"], caller_id=call.dnis)
    _finish(call, call.outcome or Outcome.IVR_HANGUP, keep_active=True)
    return twiml.say_and_hangup(prompts=prompts)


def _finish(call: Call, outcome: str, *, keep_active: bool = False) -> None:
    """Record how the call ends. The caller's hang-up (status callback) closes it for good."""
    call.outcome = outcome
    if not keep_active:
        call.status = CallStatus.ENDED
        call.ended_at = clock.now()
    call.save()


def _enter_queue(call: Call, queue: Queue, *, prompts: list[dict]) -> str:
    from telephony import selectors

    now = clock.now()
    if queue.use_hours and (selectors.is_holiday(queue.pk) or not selectors.is_open(queue.pk)):
        call_event(call, "after_hours", queue=queue.name)
        if queue.after_hours_action == AfterHoursAction.QUEUE and queue.after_hours_queue_id \
                and queue.after_hours_queue_id != queue.pk:
            return _enter_queue(call, queue.after_hours_queue, prompts=prompts)
        if queue.after_hours_action == AfterHoursAction.VOICEMAIL:
            call.queue = queue
            call.save()
            return twiml.voicemail(prompts=prompts + [{"say": queue.after_hours_message}, {"say": MSG_VOICEMAIL}],
                                   call_pk=call.pk)
        call.queue = queue
        _finish(call, Outcome.AFTER_HOURS, keep_active=True)
        return twiml.say_and_hangup(prompts=prompts + [{"say": queue.after_hours_message}])
    if queue.max_size is not None:
        waiting = Call.objects.filter(queue=queue, status__in=[CallStatus.QUEUED, CallStatus.OFFERED]).count()
        if waiting >= queue.max_size:
            call.queue = queue
            call_event(call, "queue_full", queue=queue.name, waiting=waiting)
            return _overflow_reply(call, queue.max_wait_action, prompts, Outcome.QUEUE_FULL)
    call.status = CallStatus.QUEUED
    call.queue = queue
    call.queued_at = call.queued_at or now
    call.priority = queue.priority + (queue.vip_priority_boost if call.caller_tier == "vip" else 0)
    if queue.strategy == Strategy.LAST_AGENT and call.preferred_agent_id is None:
        last = (Call.objects.filter(ani=call.ani, agent__isnull=False, answered_at__isnull=False)
                .exclude(pk=call.pk).order_by("-answered_at").values_list("agent_id", flat=True).first())
        call.preferred_agent_id = last
    call.save()
    call_event(call, "queued", queue=queue.name, priority=call.priority, tier=call.caller_tier)
    if queue.strategy == Strategy.RING_ALL:
        acd.ring_all_on_commit(call_pk=call.pk, simulated=bool(call.sim_run))
    else:
        acd.route_on_commit(simulated=bool(call.sim_run))
    record = queue.recording_policy == RecordingPolicy.ALL and current_tenant_has("recording")
    consent = [{"say": queue.consent_prompt}] if record and queue.consent_prompt else []
    return twiml.queue_wait(conference=call.conference_name, prompts=prompts + consent, record=record,
                            call_pk=call.pk, music_url=queue.hold_music_url)


def _overflow_reply(call: Call, action: str, prompts: list[dict], outcome: str) -> str:
    """Voicemail, a callback that keeps the caller's place, or a polite goodbye."""
    if action == QueueOverflowAction.VOICEMAIL and current_tenant_has("voicemail"):
        call.status = CallStatus.IVR
        call.ivr_node = "voicemail"
        call.save()
        return twiml.voicemail(prompts=prompts + [{"say": MSG_VOICEMAIL}], call_pk=call.pk)
    if action == QueueOverflowAction.CALLBACK:
        from telephony.services.callbacks import callback_request

        callback_request(number=call.ani, queue=call.queue, origin="caller", origin_call=call,
                         place_in_line_at=call.queued_at or clock.now())
        _finish(call, Outcome.CALLBACK, keep_active=True)
        return twiml.say_and_hangup(prompts=prompts + [{"say": MSG_CALLBACK_ACK}])
    _finish(call, outcome, keep_active=True)
    return twiml.say_and_hangup(prompts=prompts + [{"say": MSG_QUEUE_FULL if outcome == Outcome.QUEUE_FULL
                                                    else MSG_SORRY}])


def queue_wait_twiml(*, call_pk: int) -> str:
    """The conference waitUrl: position and expected wait, then music."""
    from telephony import selectors

    call = Call.objects.select_related("queue").filter(pk=call_pk).first()
    if call is None or call.status != CallStatus.QUEUED or call.queue is None:
        return twiml.wait_music(position=None, ewt_s=None)
    if not call.queue.announce_position:
        return twiml.wait_music(position=None, ewt_s=None, music_url=call.queue.hold_music_url)
    position = selectors.queue_position(call)
    return twiml.wait_music(position=position, ewt_s=selectors.queue_expected_wait_s(call, position),
                            music_url=call.queue.hold_music_url)


@transaction.atomic
def queue_timeout_redirect(*, call_pk: int, action: str) -> str:
    """TwiML for a caller moved out of the queue by the sweep (max wait reached)."""
    call = locked_call(pk=call_pk)
    if call is None or not call.is_active:
        return twiml.empty()
    return _overflow_reply(call, action, [], Outcome.ABANDONED)


@transaction.atomic
def call_status(*, sid: str, status: str) -> None:
    """Status callback of a caller's call. Final statuses end the call; others are noted."""
    call = locked_call(sid=sid)
    if call is None:
        return
    if status in FINAL_CARRIER_STATUSES:
        call_end(call, carrier_status=status)


def call_end(call: Call, *, carrier_status: str = "completed") -> None:
    """The caller is gone. Decide the outcome from where the call was; free the agent."""
    if call.ended_at is not None and call.status == CallStatus.ENDED:
        return
    now = clock.now()
    prior = call.status
    if prior == CallStatus.IVR and call.direction == "outbound":  # a campaign dial nobody took
        if not call.outcome:
            call.outcome = Outcome.FAILED if carrier_status in ("busy", "failed") else Outcome.NO_ANSWER
    elif prior == CallStatus.IVR:
        if not call.outcome:
            call.outcome, call.abandon_point = Outcome.IVR_HANGUP, "ivr"
    elif prior == CallStatus.QUEUED:
        call.outcome, call.abandon_point = Outcome.ABANDONED, "queue"
    elif prior in (CallStatus.OFFERED, CallStatus.CONNECTING):
        call.outcome, call.abandon_point = Outcome.ABANDONED, "ringing"
        _release_offer(call, OfferStatus.CANCELLED, now)
    elif prior == CallStatus.CONNECTED:
        call.outcome = Outcome.ANSWERED
        if call.hold_started_at:
            call.hold_s += (now - call.hold_started_at).total_seconds()
            call.hold_started_at = None
        call.talk_s = max(0.0, (now - call.answered_at).total_seconds() - call.hold_s)
    if call.queued_at and call.wait_s is None:
        call.wait_s = ((call.answered_at or now) - call.queued_at).total_seconds()
    if carrier_status in ("busy", "failed") and not call.outcome:
        call.outcome = Outcome.FAILED
    call.status = CallStatus.ENDED
    call.ended_at = now
    call.save()
    for leg in call.legs.exclude(status__in=[LegStatus.COMPLETED, LegStatus.FAILED]):
        _leg_close(leg, now, hang_up=leg.role != LegRole.CALLER)
    call_event(call, "ended", outcome=call.outcome, carrier_status=carrier_status)
    if prior == CallStatus.CONNECTED and call.agent_id:
        _agent_to_wrap_up(call, now)
    if call.callback_id:
        from telephony.services.callbacks import callback_call_ended

        callback_call_ended(call)
    if call.direction == "outbound":
        from telephony.outbound.dialer import campaign_call_ended

        campaign_call_ended(call, carrier_status)


def _release_offer(call: Call, status: str, now) -> None:
    """The offered or connecting agent is free again (caller left, offer missed or declined)."""
    offer = Offer.objects.filter(call=call, status__in=[OfferStatus.PENDING, OfferStatus.ACCEPTED]).order_by(
        "-created_at").first()
    if offer is None:
        return
    if offer.status == OfferStatus.PENDING:
        offer.status, offer.resolved_at = status, now
        offer.save(update_fields=["status", "resolved_at"])
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(user_id=offer.agent_id)
    if profile.state == AgentState.RESERVED:
        target = AgentState.NOT_READY if status == OfferStatus.MISSED else AgentState.AVAILABLE
        agent_set_state(user=profile.user, profile=profile, to_state=target, source=Source.SYSTEM,
                        reason=NotReadyReason.MISSED if status == OfferStatus.MISSED else "")


def _agent_to_wrap_up(call: Call, now) -> None:
    profile = (AgentProfile.objects.select_for_update(of=("self",)).select_related("user")
               .filter(user_id=call.agent_id).first())
    if profile is None or profile.state != AgentState.ON_CALL:
        return
    limit = call.queue.acw_limit_s if call.queue else 30
    agent_set_state(user=profile.user, profile=profile, to_state=AgentState.WRAP_UP, source=Source.SYSTEM,
                    wrap_up_until=now + timedelta(seconds=limit))


def _leg_close(leg: CallLeg, now, *, hang_up: bool, failed: bool = False) -> None:
    leg.status = LegStatus.FAILED if failed else LegStatus.COMPLETED
    leg.ended_at = now
    leg.save(update_fields=["status", "ended_at"])
    if hang_up and leg.sid:
        sid = leg.sid
        provider_on_commit(lambda p: p.call_hangup(call_sid=sid), what=f"hang up leg {sid}")


@transaction.atomic
def leg_status(*, leg_pk: int, sid: str, status: str) -> None:
    """Status callback of a leg we dialled: an agent, consulted party, supervisor or callback customer."""
    leg = CallLeg.objects.select_for_update(of=("self",)).select_related("call").filter(pk=leg_pk).first()
    if leg is None:
        return
    call = Call.objects.select_for_update().get(pk=leg.call_id)
    if sid and not leg.sid:
        leg.sid = sid
        leg.save(update_fields=["sid"])
    now = clock.now()
    if status == "in-progress" and leg.status == LegStatus.RINGING:
        leg.status, leg.answered_at = LegStatus.IN_PROGRESS, now
        leg.save(update_fields=["status", "answered_at"])
        call_event(call, "leg_answered", leg=leg.pk, role=leg.role, user=leg.user.email if leg.user else leg.target)
        if leg.role == LegRole.AGENT and call.status == CallStatus.CONNECTING:
            from telephony.services.callbacks import callback_agent_ready

            if call.direction == "callback":
                callback_agent_ready(call, leg)
            else:
                _call_connected(call, leg, now)
        elif leg.role == LegRole.CONSULT and leg.user_id:
            _agent_on_call(leg.user_id)
        elif leg.role == LegRole.CALLER and call.status == CallStatus.CONNECTING:
            agent_leg = call.legs.filter(role=LegRole.AGENT, status=LegStatus.IN_PROGRESS).first()
            if agent_leg is not None:
                _call_connected(call, agent_leg, now)
        return
    if status not in FINAL_CARRIER_STATUSES or leg.status in (LegStatus.COMPLETED, LegStatus.FAILED):
        return
    never_answered = leg.status == LegStatus.RINGING
    _leg_close(leg, now, hang_up=False, failed=never_answered)
    call_event(call, "leg_ended", leg=leg.pk, role=leg.role, carrier_status=status)
    if leg.role == LegRole.AGENT and leg.user_id == call.agent_id and call.is_active:
        if never_answered and call.status == CallStatus.CONNECTING:
            _agent_leg_failed(call, now)
        elif call.status == CallStatus.CONNECTED:
            # The agent left and nobody took over: the call is over for the caller too,
            # unless the queue asks callers to rate the call first (CRM-5).
            if _wants_survey(call):
                _survey_caller(call)
            else:
                _hang_up_caller(call)
    elif leg.role == LegRole.CALLER and call.direction in ("callback", "outbound") and call.is_active:
        call_end(call, carrier_status=status)


def _call_connected(call: Call, leg: CallLeg, now) -> None:
    call.status = CallStatus.CONNECTED
    call.answered_at = call.answered_at or now
    if call.queued_at and call.wait_s is None:
        call.wait_s = (call.answered_at - call.queued_at).total_seconds()
    call.save()
    profile = _agent_on_call(leg.user_id)
    call_event(call, "answered", agent=profile.user.email, wait_s=round(call.wait_s or 0, 1))
    if call.queue and call.queue.recording_policy == RecordingPolicy.ALL and call.direction == "callback" \
            and current_tenant_has("recording"):
        from telephony.services.recordings import recording_start

        recording_start(call=call, actor=None)


def _agent_on_call(user_id: int) -> AgentProfile:
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(user_id=user_id)
    if profile.state == AgentState.RESERVED:
        agent_set_state(user=profile.user, profile=profile, to_state=AgentState.ON_CALL, source=Source.SYSTEM)
    return profile


def _agent_leg_failed(call: Call, now) -> None:
    """The agent accepted but their phone never answered: a miss, and the call waits again."""
    offer = Offer.objects.filter(call=call, agent_id=call.agent_id, status=OfferStatus.ACCEPTED).first()
    if offer is not None:
        offer.status, offer.resolved_at = OfferStatus.MISSED, now
        offer.save(update_fields=["status", "resolved_at"])
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(user_id=call.agent_id)
    if profile.state == AgentState.RESERVED:
        agent_set_state(user=profile.user, profile=profile, to_state=AgentState.NOT_READY, source=Source.SYSTEM,
                        reason=NotReadyReason.MISSED)
    call.status, call.agent = CallStatus.QUEUED, None
    call.save()
    call_event(call, "requeued", reason="agent phone did not answer")
    acd.route_on_commit(simulated=bool(call.sim_run))


def _wants_survey(call: Call) -> bool:
    return bool(call.queue_id and call.queue.post_call_survey and call.direction == "inbound"
                and current_tenant_has("survey"))


def _survey_caller(call: Call) -> None:
    """End the call for the agent (talk time stops, wrap-up starts) and move the caller,
    still on the line, out of the room to the survey question."""
    caller = call.legs.filter(role=LegRole.CALLER).exclude(status=LegStatus.COMPLETED).first()
    sid = caller.sid if caller and caller.sid else call.sid
    call_end(call)
    call_event(call, "survey_offered")
    url = hook_url("survey", call=call.pk)
    provider_on_commit(lambda p: p.call_redirect(call_sid=sid, url=url), what=f"survey for {sid}")


def survey_twiml(*, call_pk: int) -> str:
    call = Call.objects.select_related("queue").filter(pk=call_pk).first()
    if call is None:
        return twiml.empty()
    return twiml.survey_question(call_pk=call.pk, prompt=call.queue.survey_prompt if call.queue_id else "")


def _hang_up_caller(call: Call) -> None:
    caller = call.legs.filter(role=LegRole.CALLER).exclude(status=LegStatus.COMPLETED).first()
    sid = caller.sid if caller and caller.sid else call.sid
    provider_on_commit(lambda p: p.call_hangup(call_sid=sid), what=f"hang up caller {sid}")


@transaction.atomic
def conference_event(*, conference_name: str, conference_sid: str, event: str) -> None:
    """Conference status callback: remember the conference SID (the carrier's handle for holds)."""
    if not conference_name.startswith("call-"):
        return
    call = locked_call(sid=conference_name[len("call-"):])
    if call is not None and conference_sid and call.conference_sid != conference_sid:
        call.conference_sid = conference_sid
        call.save(update_fields=["conference_sid"])


def push_offer(call: Call, agent_id: int, expires_at, ring_all: bool = False, queue_name: str | None = None) -> None:
    """Tell an agent's desk that a call is ringing for them (screen-pop basics included)."""
    if queue_name is None:
        queue_name = call.queue.name if call.queue_id else ""
    event_on_commit([f"agent.{agent_id}"], "call.offer", {
        "call": call.pk, "ani": call.ani, "queue": queue_name,
        "ivr_path": call.ivr_path, "collected": call.collected, "tier": call.caller_tier,
        "expires_at": expires_at.isoformat() if expires_at else None, "ring_all": ring_all,
        "accept_url": f"/api/v1/calls/{call.pk}/accept",
    })
