"""What agents and supervisors do to a live call (TEL-11, TEL-12): answer, decline, hold,
mute, hang up, transfer (blind or warm, to agent, queue or number, notes travel),
conference, monitor / whisper / barge, recording pause, wrap-up. Every step lands in the
call's event log; carrier requests go out after commit."""

from __future__ import annotations

import re

from django.db import transaction

from accounts.models import Role, User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from telephony import acd, clock
from telephony.addresses import E164
from telephony.agent_state import AgentState, NotReadyReason, Source
from telephony.hooks import hook_url
from telephony.models import (
    AgentProfile,
    Call,
    CallLeg,
    CallStatus,
    LegRole,
    LegStatus,
    MonitorMode,
    Offer,
    OfferStatus,
    Queue,
    RoutingDecision,
    Strategy,
)
from telephony.providers import Participant
from telephony.selectors import transfer_note_pending
from telephony.services.agents import agent_set_state
from telephony.services.calls import _agent_to_wrap_up, _hang_up_caller, _survey_caller, _wants_survey, leg_status
from telephony.services.common import call_event, hang_up_on_commit, locked_call, provider_on_commit

MSG_NO_CALL = "No such call."
MSG_NO_OFFER = "This call is not ringing for you: it was taken by someone else, timed out, or the caller left."
MSG_NOT_YOURS = "You are not the agent on this call."
MSG_NOT_CONNECTED = "The call is not connected."
MSG_AGENT_BUSY = "{email} is not available to take a call right now."
MSG_NO_CONSULT = "There is no consultation in progress on this call."
MSG_NOT_WRAPPING = "You are not wrapping up this call."
MSG_MONITOR_ROLE = "Only supervisors and tenant admins may monitor, whisper or barge."
MSG_FEATURE = "Supervisor monitoring is not part of your plan. Ask your administrator to enable it."
MSG_BAD_NUMBER = "Enter the number in E.164 form, e.g. +14155550100."
MSG_NO_RECORDING = "This call is not being recorded."


def agent_target(user: User) -> str:
    profile = AgentProfile.objects.filter(user=user).only("sip_uri").first()
    return profile.sip_uri if profile and profile.sip_uri else f"client:agent-{user.pk}"


def _get_call(call_pk: int) -> Call:
    call = locked_call(pk=call_pk)
    if call is None:
        raise ServiceError("not_found", MSG_NO_CALL, status_code=404)
    return call


def _dial_in(call: Call, *, role: str, user: User | None, target: str, note: str = "", muted: bool = False,
             coach_sid: str | None = None, monitor_mode: str = "") -> CallLeg:
    """Create a leg and ask the carrier to ring it into the call's conference."""
    leg = CallLeg.objects.create(call=call, role=role, user=user, target=target, note=note, muted=muted,
                                 monitor_mode=monitor_mode, started_at=clock.now())
    participant = Participant(conference=call.conference_name, target=target, caller_id=call.dnis or call.ani,
                              status_url=hook_url("leg", leg=leg.pk), label=f"{role}-{leg.pk}", muted=muted,
                              coach_sid=coach_sid)
    leg_pk = leg.pk

    def store_sid(sid: str) -> None:
        CallLeg.objects.filter(pk=leg_pk, sid__isnull=True).update(sid=sid)

    def failed(_: str) -> None:
        leg_status(leg_pk=leg_pk, sid="", status="failed")

    provider_on_commit(lambda p: p.participant_add(participant), what=f"dial {target}", on_done=store_sid,
                       on_error=failed)
    return leg


def _my_leg(call: Call, user: User) -> CallLeg | None:
    return call.legs.filter(user=user, role__in=[LegRole.AGENT, LegRole.CONSULT]).exclude(
        status__in=[LegStatus.COMPLETED, LegStatus.FAILED]).first()


def _require_connected_agent(call: Call, agent: User) -> None:
    if call.agent_id != agent.pk:
        raise ServiceError("not_your_call", MSG_NOT_YOURS, status_code=403)
    if call.status != CallStatus.CONNECTED:
        raise ServiceError("not_connected", MSG_NOT_CONNECTED, status_code=409)


@transaction.atomic
def offer_accept(*, agent: User, call_pk: int) -> Call:
    """Answer a ringing offer (or claim a ring-all call): the carrier rings the agent's phone."""
    call = _get_call(call_pk)
    offer = Offer.objects.select_for_update().filter(call=call, agent=agent, status=OfferStatus.PENDING).first()
    now = clock.now()
    if offer is None and call.status == CallStatus.QUEUED and call.queue and call.queue.strategy == Strategy.RING_ALL:
        offer = acd.offer_direct(call=call, agent=agent, reason=f"ring-all: {agent.email} answered first")
        if offer is not None:
            call.status, call.agent, call.offered_at = CallStatus.OFFERED, agent, now
    if offer is None:
        raise ServiceError("no_offer", MSG_NO_OFFER, status_code=409)
    offer.status, offer.resolved_at = OfferStatus.ACCEPTED, now
    offer.save(update_fields=["status", "resolved_at"])
    consult = call.status == CallStatus.CONNECTED and call.agent_id != agent.pk
    leg = _dial_in(call, role=LegRole.CONSULT if consult else LegRole.AGENT, user=agent, target=agent_target(agent),
                   note=transfer_note_pending(call))
    if not consult:
        call.status, call.agent = CallStatus.CONNECTING, agent
        call.save()
    call_event(call, "consult_accepted" if consult else "accepted", actor=agent, leg=leg.pk)
    return call


@transaction.atomic
def offer_decline(*, agent: User, call_pk: int) -> None:
    call = _get_call(call_pk)
    offer = Offer.objects.select_for_update().filter(call=call, agent=agent, status=OfferStatus.PENDING).first()
    if offer is None:
        raise ServiceError("no_offer", MSG_NO_OFFER, status_code=409)
    now = clock.now()
    offer.status, offer.resolved_at = OfferStatus.DECLINED, now
    offer.save(update_fields=["status", "resolved_at"])
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(user=agent)
    agent_set_state(user=agent, profile=profile, to_state=AgentState.AVAILABLE, source=Source.SYSTEM)
    if call.status == CallStatus.OFFERED:
        call.status, call.agent = CallStatus.QUEUED, None
        call.save()
    call_event(call, "declined", actor=agent)
    acd.route_on_commit(simulated=bool(call.sim_run))


@transaction.atomic
def offer_expire(*, offer_pk: int) -> bool:
    """Sweep: an offer rang out. The agent is marked missed (not ready); the call waits again."""
    offer = Offer.objects.select_for_update(skip_locked=True).filter(pk=offer_pk, status=OfferStatus.PENDING).first()
    if offer is None:
        return False
    call = Call.objects.select_for_update().get(pk=offer.call_id)
    now = clock.now()
    offer.status, offer.resolved_at = OfferStatus.MISSED, now
    offer.save(update_fields=["status", "resolved_at"])
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").get(user_id=offer.agent_id)
    if profile.state == AgentState.RESERVED:
        agent_set_state(user=profile.user, profile=profile, to_state=AgentState.NOT_READY, source=Source.SYSTEM,
                        reason=NotReadyReason.MISSED)
    if call.status == CallStatus.OFFERED and call.agent_id == offer.agent_id:
        call.status, call.agent = CallStatus.QUEUED, None
        call.save()
    call_event(call, "offer_missed", agent=profile.user.email)
    acd.route_on_commit(simulated=bool(call.sim_run))
    return True


@transaction.atomic
def call_hold(*, agent: User, call_pk: int, hold: bool) -> Call:
    call = _get_call(call_pk)
    _require_connected_agent(call, agent)
    _set_hold(call, agent, hold)
    return call


def _set_hold(call: Call, actor: User, hold: bool) -> None:
    """Hold or release the caller (music at the carrier); hold time is summed on the call."""
    if hold == bool(call.hold_started_at):
        return
    now = clock.now()
    if hold:
        call.hold_started_at = now
    else:
        call.hold_s += (now - call.hold_started_at).total_seconds()
        call.hold_started_at = None
    call.save()
    caller = call.legs.filter(role=LegRole.CALLER).exclude(status=LegStatus.COMPLETED).first()
    if caller is not None:
        caller.on_hold = hold
        caller.save(update_fields=["on_hold"])
        conference, sid = call.conference_sid or call.conference_name, caller.sid
        provider_on_commit(lambda p: p.participant_update(conference=conference, leg_sid=sid, hold=hold),
                           what="hold" if hold else "unhold")
    call_event(call, "hold" if hold else "unhold", actor=actor)


@transaction.atomic
def call_mute(*, agent: User, call_pk: int, muted: bool) -> Call:
    call = _get_call(call_pk)
    leg = _my_leg(call, agent)
    if leg is None or call.status != CallStatus.CONNECTED:
        raise ServiceError("not_your_call", MSG_NOT_YOURS, status_code=403)
    leg.muted = muted
    leg.save(update_fields=["muted"])
    conference, sid = call.conference_sid or call.conference_name, leg.sid
    provider_on_commit(lambda p: p.participant_update(conference=conference, leg_sid=sid, muted=muted),
                       what="mute")
    call_event(call, "mute" if muted else "unmute", actor=agent)
    return call


DTMF = re.compile(r"^[0-9*#]{1,32}$")


@transaction.atomic
def call_send_digits(*, agent: User, call_pk: int, digits: str) -> Call:
    """Keys the agent presses during the call (e.g. into another company's IVR). Only the
    number of keys is logged: they may be card or account numbers."""
    call = _get_call(call_pk)
    _require_connected_agent(call, agent)
    digits = (digits or "").strip()
    if not DTMF.match(digits):
        msg = "Send 1–32 phone keys: digits, * and #."
        raise field_error("digits", msg)
    from telephony.providers import provider_for_current_tenant
    from telephony.providers.base import MSG_KEYPAD

    if not provider_for_current_tenant().sends_digits:
        raise ServiceError("use_softphone", MSG_KEYPAD, status_code=409)
    leg = _my_leg(call, agent)
    if leg is None or not leg.sid:
        raise ServiceError("not_connected", MSG_NOT_CONNECTED, status_code=409)
    sid = leg.sid
    provider_on_commit(lambda p: p.send_digits(leg_sid=sid, digits=digits), what="send DTMF")
    call_event(call, "dtmf", actor=agent, keys=len(digits))
    return call


@transaction.atomic
def call_hangup(*, user: User, call_pk: int) -> Call:
    call = _get_call(call_pk)
    if call.agent_id != user.pk and not user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
        raise ServiceError("not_your_call", MSG_NOT_YOURS, status_code=403)
    if not call.is_active:
        return call
    call_event(call, "hangup_requested", actor=user)
    if call.status == CallStatus.CONNECTED and _wants_survey(call):
        _survey_caller(call)  # the agent's leg ends; the caller hears the survey
    else:
        _hang_up_caller(call)
    return call


def _leave(call: Call, agent: User) -> None:
    """The agent's part ends (transfer done, or they step out of a conference)."""
    leg = _my_leg(call, agent)
    now = clock.now()
    if leg is not None:
        leg.status, leg.ended_at = LegStatus.COMPLETED, now
        leg.save(update_fields=["status", "ended_at"])
        if leg.sid:
            hang_up_on_commit(leg.sid, "agent leaves")
    _agent_to_wrap_up(call, now)


@transaction.atomic
def call_transfer(*, agent: User, call_pk: int, to_agent: User | None = None, to_queue: Queue | None = None,
                  to_number: str = "", warm: bool = False, note: str = "") -> Call:
    """Blind or warm transfer. Warm: the caller holds while the target is consulted; the agent
    completes (or cancels) with `call_transfer_complete`. The note travels to the new agent."""
    call = _get_call(call_pk)
    _require_connected_agent(call, agent)
    if sum(bool(x) for x in (to_agent, to_queue, to_number)) != 1:
        raise ServiceError("invalid", "Choose exactly one target: an agent, a queue or a number.")
    if to_number and not E164.match(to_number):
        raise field_error("to_number", MSG_BAD_NUMBER)
    target = to_agent.email if to_agent else to_queue.name if to_queue else to_number
    if note:
        call.notes = (call.notes + "\n" if call.notes else "") + f"[transfer to {target}] {note}"
    call.transfer_count += 1
    call.save()
    if warm:
        call_event(call, "consult_requested", actor=agent, target=target, note=note)
        _set_hold(call, agent, True)
        if to_agent:
            if acd.offer_direct(call=call, agent=to_agent, reason=f"warm transfer from {agent.email}") is None:
                raise ServiceError("agent_busy", MSG_AGENT_BUSY.format(email=to_agent.email), status_code=409)
        elif to_number:
            _dial_in(call, role=LegRole.CONSULT, user=None, target=to_number, note=note)
        else:
            raise ServiceError("invalid", "A warm transfer goes to an agent or a number; send to a queue blind.")
        return call
    call_event(call, "transfer_requested", actor=agent, target=target, note=note, mode="blind")
    if to_number:
        _dial_in(call, role=LegRole.EXTERNAL, user=None, target=to_number, note=note)
        _leave(call, agent)
        return call
    if to_agent:
        offer = acd.offer_direct(call=call, agent=to_agent, reason=f"blind transfer from {agent.email}")
        if offer is None:
            raise ServiceError("agent_busy", MSG_AGENT_BUSY.format(email=to_agent.email), status_code=409)
        _leave(call, agent)
        call.status, call.agent, call.offered_at = CallStatus.OFFERED, to_agent, clock.now()
        call.save()
        return call
    _leave(call, agent)
    call.status, call.agent, call.queue = CallStatus.QUEUED, None, to_queue
    call.save()
    RoutingDecision.objects.create(at=clock.now(), call=call, queue=to_queue, strategy="transfer",
                                   reason=f"transferred by {agent.email} to queue {to_queue.name}")
    acd.route_on_commit(simulated=bool(call.sim_run))
    return call


@transaction.atomic
def call_transfer_complete(*, agent: User, call_pk: int) -> Call:
    """Warm transfer: hand the caller to the consulted party and step out."""
    call = _get_call(call_pk)
    _require_connected_agent(call, agent)
    consult = call.legs.filter(role=LegRole.CONSULT, status=LegStatus.IN_PROGRESS).first()
    if consult is None:
        raise ServiceError("no_consult", MSG_NO_CONSULT, status_code=409)
    _set_hold(call, agent, False)
    _leave(call, agent)
    consult.role = LegRole.AGENT if consult.user_id else LegRole.EXTERNAL
    consult.save(update_fields=["role"])
    call.agent_id = consult.user_id
    call.save()
    call_event(call, "transfer_completed", actor=agent, to=consult.user.email if consult.user else consult.target,
               note=consult.note)
    return call


@transaction.atomic
def call_consult_cancel(*, agent: User, call_pk: int) -> Call:
    call = _get_call(call_pk)
    _require_connected_agent(call, agent)
    consult = call.legs.filter(role=LegRole.CONSULT).exclude(status__in=[LegStatus.COMPLETED,
                                                                           LegStatus.FAILED]).first()
    pending = Offer.objects.select_for_update().filter(call=call, status=OfferStatus.PENDING).first()
    if consult is None and pending is None:
        raise ServiceError("no_consult", MSG_NO_CONSULT, status_code=409)
    now = clock.now()
    if pending is not None:
        pending.status, pending.resolved_at = OfferStatus.CANCELLED, now
        pending.save(update_fields=["status", "resolved_at"])
        profile = (AgentProfile.objects.select_for_update(of=("self",)).select_related("user")
                   .get(user_id=pending.agent_id))
        if profile.state == AgentState.RESERVED:
            agent_set_state(user=profile.user, profile=profile, to_state=AgentState.AVAILABLE, source=Source.SYSTEM)
    if consult is not None:
        consult.status, consult.ended_at = LegStatus.COMPLETED, now
        consult.save(update_fields=["status", "ended_at"])
        if consult.sid:
            hang_up_on_commit(consult.sid, "end consult")
        if consult.user_id:
            c_call = Call(pk=call.pk, agent_id=consult.user_id, queue=call.queue)
            _agent_to_wrap_up(c_call, now)
    _set_hold(call, agent, False)
    call_event(call, "consult_cancelled", actor=agent)
    return call


@transaction.atomic
def call_conference_add(*, agent: User, call_pk: int, to_agent: User | None = None, to_number: str = "") -> Call:
    """Three-way call: bring an agent or an outside number in; everybody stays."""
    call = _get_call(call_pk)
    _require_connected_agent(call, agent)
    if to_number:
        if not E164.match(to_number):
            raise field_error("to_number", MSG_BAD_NUMBER)
        _dial_in(call, role=LegRole.EXTERNAL, user=None, target=to_number)
        target = to_number
    elif to_agent:
        if acd.offer_direct(call=call, agent=to_agent, reason=f"conference from {agent.email}") is None:
            raise ServiceError("agent_busy", MSG_AGENT_BUSY.format(email=to_agent.email), status_code=409)
        target = to_agent.email
    else:
        raise ServiceError("invalid", "Choose an agent or a number to add.")
    call_event(call, "conference_add", actor=agent, target=target)
    return call


@transaction.atomic
def call_monitor(*, supervisor: User, call_pk: int, mode: str, ip: str | None = None) -> CallLeg:
    """TEL-12: silent monitor, whisper (the agent hears, the caller does not) or barge. Audited."""
    from tenants.selectors import current_tenant_has

    if not supervisor.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
        raise ServiceError("forbidden", MSG_MONITOR_ROLE, status_code=403)
    if not current_tenant_has("supervisor_monitoring"):
        raise ServiceError("feature_disabled", MSG_FEATURE, status_code=403)
    if mode not in MonitorMode.values:
        raise ServiceError("invalid", f"mode: choose {', '.join(MonitorMode.values)}.")
    call = _get_call(call_pk)
    if call.status != CallStatus.CONNECTED:
        raise ServiceError("not_connected", MSG_NOT_CONNECTED, status_code=409)
    for old in call.legs.filter(role=LegRole.SUPERVISOR, user=supervisor).exclude(
            status__in=[LegStatus.COMPLETED, LegStatus.FAILED]):
        old.status, old.ended_at = LegStatus.COMPLETED, clock.now()
        old.save(update_fields=["status", "ended_at"])
        if old.sid:
            hang_up_on_commit(old.sid, "switch monitor mode")
    agent_leg = call.legs.filter(role=LegRole.AGENT, user_id=call.agent_id, status=LegStatus.IN_PROGRESS).first()
    leg = _dial_in(call, role=LegRole.SUPERVISOR, user=supervisor, target=agent_target(supervisor),
                   muted=mode == MonitorMode.MONITOR, monitor_mode=mode,
                   coach_sid=agent_leg.sid if mode == MonitorMode.WHISPER and agent_leg else None)
    call_event(call, mode, actor=supervisor, agent=call.agent.email if call.agent else "")
    audit_record(actor=supervisor, action="call.monitor", target=call, ip=ip,
                 summary=f"{supervisor.email} started {mode} on call {call.pk}", detail={"mode": mode})
    return leg


@transaction.atomic
def call_monitor_stop(*, supervisor: User, call_pk: int) -> Call:
    call = _get_call(call_pk)
    for leg in call.legs.filter(role=LegRole.SUPERVISOR, user=supervisor).exclude(
            status__in=[LegStatus.COMPLETED, LegStatus.FAILED]):
        leg.status, leg.ended_at = LegStatus.COMPLETED, clock.now()
        leg.save(update_fields=["status", "ended_at"])
        if leg.sid:
            hang_up_on_commit(leg.sid, "stop monitoring")
    call_event(call, "monitor_stopped", actor=supervisor)
    return call


@transaction.atomic
def call_wrap_up(*, agent: User, call_pk: int, disposition: str = "", notes: str = "",
                 next_state: str = AgentState.AVAILABLE, reason: str = "") -> Call:
    """The agent finishes the after-call work: disposition, notes, then ready (or a break)."""
    call = _get_call(call_pk)
    profile = AgentProfile.objects.select_for_update(of=("self",)).select_related("user").filter(user=agent).first()
    handled = call.agent_id == agent.pk or call.legs.filter(user=agent, role=LegRole.AGENT).exists()
    if profile is None or profile.state != AgentState.WRAP_UP or not handled:
        raise ServiceError("not_wrapping", MSG_NOT_WRAPPING, status_code=409)
    if next_state not in (AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.OFFLINE):
        raise ServiceError("invalid", "next_state: available, not_ready or offline.")
    now = clock.now()
    owner = call.agent_id == agent.pk  # an agent who handed the call over wraps up their part only
    if owner or not call.disposition:
        call.disposition = disposition[:40]
    if notes:
        call.notes = (call.notes + "\n" if call.notes else "") + notes
    if owner and call.ended_at is not None:
        call.acw_s = (now - call.ended_at).total_seconds()
        call.wrap_ended_at = now
    call.save()
    call_event(call, "wrapped_up", actor=agent, disposition=call.disposition)
    agent_set_state(user=agent, profile=profile, to_state=next_state, reason=reason, source=Source.AGENT,
                    actor=agent)
    return call
