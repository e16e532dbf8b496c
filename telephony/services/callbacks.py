"""Callbacks (TEL-15): asked for by callers (keeping their place in line) or scheduled by
agents ("call me tomorrow at 10:00", owned by that agent). When due, a callback becomes
a call in its queue; the agent who takes it is rung first, then the customer is dialled."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.db import transaction

from accounts.models import User
from config.errors import ServiceError
from telephony import acd, clock
from telephony.addresses import E164
from telephony.hooks import hook_url
from telephony.models import (
    Call,
    Callback,
    CallbackOrigin,
    CallbackStatus,
    CallLeg,
    CallStatus,
    Direction,
    LegRole,
    Outcome,
    PhoneNumber,
    Queue,
)
from telephony.services.common import call_event, provider_on_commit

RETRY_AFTER = timedelta(minutes=10)
MSG_NUMBER = "Enter the customer's number in E.164 form, e.g. +14155550100."
MSG_PAST = "Choose a time in the future."


def callback_request(*, number: str, queue: Queue, origin: str, due_at: datetime | None = None,
                     owner: User | None = None, origin_call: Call | None = None,
                     place_in_line_at: datetime | None = None, note: str = "", actor: User | None = None) -> Callback:
    if not E164.match(number or ""):
        raise ServiceError("invalid", f"number: {MSG_NUMBER}", {"number": [MSG_NUMBER]})
    now = clock.now()
    if due_at is not None and due_at < now - timedelta(minutes=1):
        raise ServiceError("invalid", f"due_at: {MSG_PAST}", {"due_at": [MSG_PAST]})
    cb = Callback.objects.create(number=number, origin=origin, queue=queue, owner=owner, origin_call=origin_call,
                                 due_at=due_at or now, place_in_line_at=place_in_line_at, note=note[:500],
                                 created_at=now, created_by_email=actor.email if actor else "")
    if origin_call is not None:
        call_event(origin_call, "callback_requested", callback=cb.pk, due_at=cb.due_at.isoformat())
    return cb


@transaction.atomic
def callback_schedule(*, agent: User, number: str, due_at: datetime, queue: Queue, note: str = "") -> Callback:
    """An agent promises a call at a time; the callback is theirs."""
    return callback_request(number=number, queue=queue, origin=CallbackOrigin.AGENT, due_at=due_at, owner=agent,
                            note=note, actor=agent)


@transaction.atomic
def callback_make_due(*, callback_pk: int) -> Call | None:
    """Sweep: a callback's time has come. It waits in its queue like a call, owner first."""
    cb = Callback.objects.select_for_update(skip_locked=True).filter(pk=callback_pk,
                                                                     status=CallbackStatus.SCHEDULED).first()
    if cb is None:
        return None
    now = clock.now()
    sim_run = cb.origin_call.sim_run if cb.origin_call_id else ""
    caller_id = PhoneNumber.objects.values_list("e164", flat=True).first() or ""
    call = Call.objects.create(sid="HL" + secrets.token_hex(16), direction=Direction.CALLBACK, ani=cb.number,
                               dnis=caller_id, status=CallStatus.QUEUED, queue=cb.queue, callback=cb,
                               arrived_at=now, queued_at=cb.place_in_line_at or now, preferred_agent=cb.owner,
                               priority=cb.queue.priority, sim_run=sim_run)
    cb.status = CallbackStatus.QUEUED
    cb.attempts += 1
    cb.save(update_fields=["status", "attempts"])
    call_event(call, "callback_due", callback=cb.pk, attempt=cb.attempts, owner=cb.owner.email if cb.owner else "")
    acd.route_on_commit(simulated=bool(sim_run))
    return call


def callback_agent_ready(call: Call, agent_leg: CallLeg) -> None:
    """The agent is on the line: now dial the customer into the same room."""
    cb = Callback.objects.select_for_update().get(pk=call.callback_id)
    cb.status = CallbackStatus.DIALING
    cb.save(update_fields=["status"])
    leg = CallLeg.objects.create(call=call, role=LegRole.CALLER, target=call.ani, started_at=clock.now())
    leg_pk = leg.pk

    def store_sid(sid: str) -> None:
        CallLeg.objects.filter(pk=leg_pk, sid__isnull=True).update(sid=sid)

    def failed(_: str) -> None:
        from telephony.services.calls import leg_status

        leg_status(leg_pk=leg_pk, sid="", status="failed")

    url, status_url, to, caller_id = (hook_url("outbound", call=call.pk), hook_url("leg", leg=leg_pk), call.ani,
                                      call.dnis)
    provider_on_commit(lambda p: p.call_dial(to=to, caller_id=caller_id, url=url, status_url=status_url),
                       what=f"callback dial {to}", on_done=store_sid, on_error=failed)
    call_event(call, "callback_dialing", number=call.ani)


def callback_customer_answered(*, call_pk: int) -> str:
    """TwiML for the customer who picked up: into the room where their agent waits."""
    from telephony import twiml

    call = Call.objects.filter(pk=call_pk).first()
    if call is None or not call.is_active:
        return twiml.say_and_hangup(prompts=[])
    return twiml.join_call(conference=call.conference_name,
                           prompts=[{"say": "Hello, this is the call back you asked for. Connecting you now."}])


def callback_call_ended(call: Call) -> None:
    """Done if the customer was reached; otherwise try again later, up to the attempt limit."""
    cb = Callback.objects.select_for_update().get(pk=call.callback_id)
    if call.answered_at is not None:
        cb.status, cb.completed_at = CallbackStatus.COMPLETED, clock.now()
    elif cb.attempts >= cb.max_attempts:
        cb.status = CallbackStatus.FAILED
    else:
        cb.status, cb.due_at = CallbackStatus.SCHEDULED, clock.now() + RETRY_AFTER
        if call.outcome == Outcome.ABANDONED:
            call.outcome = Outcome.NO_ANSWER
            call.save(update_fields=["outcome"])
    cb.save(update_fields=["status", "completed_at", "due_at"])


@transaction.atomic
def callback_cancel(*, callback_pk: int, actor: User) -> Callback:
    cb = Callback.objects.select_for_update().get(pk=callback_pk)
    if cb.status in (CallbackStatus.SCHEDULED, CallbackStatus.QUEUED):
        cb.status = CallbackStatus.CANCELLED
        cb.save(update_fields=["status"])
        Call.objects.filter(callback=cb, status=CallStatus.QUEUED).update(status=CallStatus.ENDED,
                                                                           ended_at=clock.now(),
                                                                           outcome=Outcome.FAILED)
    return cb
