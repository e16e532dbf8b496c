"""Timers of the ACD, run every couple of seconds per tenant by Celery beat (and by the
simulator on its own clock): offers that rang out, wrap-ups that ran over, overflow and
maximum wait, callbacks that fell due, agents whose desk went silent (RT-4), and campaign
dials the carrier was never asked to place.
Each item is handled in its own transaction with SKIP LOCKED, so sweeps may overlap."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from telephony import acd, clock
from telephony.agent_state import AgentState, Source
from telephony.hooks import hook_url
from telephony.models import (
    AgentProfile,
    Call,
    Callback,
    CallbackStatus,
    CallStatus,
    Offer,
    OfferStatus,
    RoutingDecision,
)
from telephony.services.agents import agent_set_state
from telephony.services.common import call_event, provider_on_commit

BATCH = 200


def _sim_filter(qs, simulated: bool, field: str = "sim_run"):
    return qs.exclude(**{field: ""}) if simulated else qs.filter(**{field: ""})


def expire_offers(simulated: bool) -> int:
    from telephony.services.controls import offer_expire

    due = Offer.objects.filter(status=OfferStatus.PENDING, expires_at__lte=clock.now())
    due = _sim_filter(due, simulated, "call__sim_run")
    return sum(offer_expire(offer_pk=pk) for pk in due.values_list("pk", flat=True)[:BATCH])


def end_wrap_ups(simulated: bool) -> int:
    """ACW limit reached: the agent is made available (the call's ACW is the limit)."""
    done = 0
    for pk in AgentProfile.objects.filter(state=AgentState.WRAP_UP, wrap_up_until__lte=clock.now(),
                                          user__is_bot=simulated).values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            profile = (AgentProfile.objects.select_for_update(skip_locked=True, of=("self",)).select_related("user")
                       .filter(pk=pk, state=AgentState.WRAP_UP).first())
            if profile is None:
                continue
            call = (Call.objects.select_for_update().filter(agent=profile.user, ended_at__isnull=False,
                                                            wrap_ended_at__isnull=True)
                    .order_by("-ended_at").first())
            if call is not None:
                call.wrap_ended_at = profile.wrap_up_until
                call.acw_s = (profile.wrap_up_until - call.ended_at).total_seconds()
                call.save(update_fields=["wrap_ended_at", "acw_s"])
                call_event(call, "wrap_up_timed_out", agent=profile.user.email)
            agent_set_state(user=profile.user, profile=profile, to_state=AgentState.AVAILABLE, source=Source.SYSTEM)
            done += 1
    return done


def overflow(simulated: bool) -> int:
    """After N seconds: widen the skill requirement and/or move to the overflow queue."""
    now = clock.now()
    moved = 0
    waiting = _sim_filter(Call.objects.filter(status=CallStatus.QUEUED, overflowed=False,
                                              queue__overflow_after_s__isnull=False), simulated)
    for pk in waiting.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            call = (Call.objects.select_for_update(skip_locked=True, of=("self",)).select_related("queue")
                    .filter(pk=pk, status=CallStatus.QUEUED).first())
            if call is None or (now - call.queued_at).total_seconds() < call.queue.overflow_after_s:
                continue
            queue = call.queue
            call.overflowed = True
            what = []
            if queue.overflow_widen_skills:
                call.skills_relaxed = True
                what.append("skills relaxed")
            if queue.overflow_queue_id and queue.overflow_queue_id != queue.pk:
                call.queue_id = queue.overflow_queue_id
                what.append(f"moved to queue {queue.overflow_queue.name}")
            call.save()
            reason = f"overflow after {queue.overflow_after_s} s: {', '.join(what) or 'no rule to apply'}"
            RoutingDecision.objects.create(at=now, call=call, queue_id=call.queue_id, strategy="overflow",
                                           reason=reason)
            call_event(call, "overflow", reason=reason)
            moved += 1
    return moved


def max_wait(simulated: bool) -> int:
    """Waited too long: voicemail, a callback that keeps the caller's place, or goodbye."""
    now = clock.now()
    done = 0
    waiting = _sim_filter(Call.objects.filter(status=CallStatus.QUEUED, direction="inbound",
                                              queue__max_wait_s__isnull=False), simulated)
    for pk in waiting.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            call = (Call.objects.select_for_update(skip_locked=True, of=("self",)).select_related("queue")
                    .filter(pk=pk, status=CallStatus.QUEUED).first())
            if call is None or (now - call.queued_at).total_seconds() < call.queue.max_wait_s:
                continue
            action = call.queue.max_wait_action
            call.status = CallStatus.IVR  # out of the queue; the redirect decides the rest
            call.ivr_node = f"max_wait_{action}"
            call.save()
            call_event(call, "max_wait", waited_s=int((now - call.queued_at).total_seconds()), action=action)
            sid, url = call.sid, hook_url("redirect", call=call.pk, action=action)
            provider_on_commit(lambda p, s=sid, u=url: p.call_redirect(call_sid=s, url=u), what="max wait redirect")
            done += 1
    return done


def callbacks_due(simulated: bool) -> int:
    from telephony.services.callbacks import callback_make_due

    due = Callback.objects.filter(status=CallbackStatus.SCHEDULED, due_at__lte=clock.now())
    if simulated:
        due = due.filter(origin_call__isnull=False).exclude(origin_call__sim_run="")
    else:
        due = due.filter(Q(origin_call__isnull=True) | Q(origin_call__sim_run=""))
    return sum(callback_make_due(callback_pk=pk) is not None for pk in due.values_list("pk", flat=True)[:BATCH])


def presence(simulated: bool) -> int:
    """RT-4: a desk silent for longer than the grace period logs its agent out."""
    if simulated:
        return 0
    cutoff = clock.now() - timedelta(seconds=settings.PRESENCE_GRACE_S)
    gone = 0
    for pk in AgentProfile.objects.filter(last_seen_at__lt=cutoff, state__in=[
            AgentState.AVAILABLE, AgentState.NOT_READY, AgentState.WRAP_UP, AgentState.RESERVED]).values_list(
            "pk", flat=True)[:BATCH]:
        with transaction.atomic():
            profile = (AgentProfile.objects.select_for_update(skip_locked=True, of=("self",)).select_related("user")
                       .filter(pk=pk, last_seen_at__lt=cutoff).first())
            if profile is None or profile.state in (AgentState.OFFLINE, AgentState.ON_CALL):
                continue
            if profile.state == AgentState.RESERVED:
                _drop_offer(profile)
            agent_set_state(user=profile.user, profile=profile, to_state=AgentState.OFFLINE, source=Source.SYSTEM,
                            reason="")
            gone += 1
    return gone


def _drop_offer(profile: AgentProfile) -> None:
    offer = Offer.objects.select_for_update().filter(agent=profile.user, status=OfferStatus.PENDING).first()
    if offer is None:
        return
    offer.status, offer.resolved_at = OfferStatus.CANCELLED, clock.now()
    offer.save(update_fields=["status", "resolved_at"])
    Call.objects.filter(pk=offer.call_id, status=CallStatus.OFFERED).update(status=CallStatus.QUEUED, agent=None)


NEVER_PLACED_S = 60


def stranded_dials(simulated: bool) -> int:
    """Campaign dials committed but never placed: the process died between our commit and the
    carrier request, so no carrier SID ever came. After a minute the dial counts as failed (as
    a carrier refusal does), the call ends and the contact's retry rules apply — it is neither
    lost nor dialled twice."""
    from telephony.models import CallLeg, DialAttempt, LegRole, LegStatus
    from telephony.services.calls import leg_status

    cutoff = clock.now() - timedelta(seconds=NEVER_PLACED_S)
    calls = DialAttempt.objects.filter(outcome=DialAttempt.Outcome.DIALING, at__lt=cutoff,
                                       call__isnull=False).values("call_id")
    legs = _sim_filter(CallLeg.objects.filter(call_id__in=calls, role=LegRole.CALLER, sid__isnull=True,
                                              status=LegStatus.RINGING, started_at__lt=cutoff),
                       simulated, "call__sim_run")
    done = 0
    for pk in legs.values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            leg_status(leg_pk=pk, sid="", status="failed")
            done += 1
    return done


def sweep(*, simulated: bool = False) -> dict[str, int]:
    """One pass over every timer, then route whatever became possible."""
    counts = {
        "offers_expired": expire_offers(simulated),
        "wrap_ups_ended": end_wrap_ups(simulated),
        "overflowed": overflow(simulated),
        "max_wait": max_wait(simulated),
        "callbacks_due": callbacks_due(simulated),
        "logged_out": presence(simulated),
        "stranded_dials": stranded_dials(simulated),
    }
    counts["routed"] = acd.route(simulated=simulated)
    return counts


def tenant_sweep_needed() -> bool:
    """Cheap check so idle tenants cost one query per beat."""
    return Call.objects.filter(status__in=[CallStatus.QUEUED, CallStatus.OFFERED]).exists() or \
        AgentProfile.objects.exclude(state=AgentState.OFFLINE).exists() or \
        Callback.objects.filter(status=CallbackStatus.SCHEDULED, due_at__lte=clock.now()).exists()
