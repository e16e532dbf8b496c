"""What every call service shares: the call's event log, pushes and carrier requests, all
after commit (DESIGN §2: side effects only once the change is persisted)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from accounts.models import User
from telephony import clock
from telephony.models import Call, CallEvent
from telephony.providers import Provider, ProviderError, provider_for_current_tenant
from tenants.realtime import event_on_commit

logger = logging.getLogger(__name__)


def call_event(call: Call, kind: str, *, actor: User | None = None, **detail: Any) -> CallEvent:
    """Append to the call's event log (and tell the people watching it)."""
    event = CallEvent.objects.create(call=call, at=clock.now(), kind=kind, actor_email=actor.email if actor else "",
                                     detail=detail)
    push_call_update(call, kind, detail)
    return event


def push_call_update(call: Call, kind: str, detail: dict) -> None:
    audiences = ["supervisors"] + ([f"agent.{call.agent_id}"] if call.agent_id else [])
    event_on_commit(audiences, "call.update", {"call": call.pk, "event": kind, "status": call.status,
                                               "queue": call.queue_id, "agent": call.agent_id, **detail})


def provider_on_commit(action: Callable[[Provider], Any], *, what: str,
                       on_done: Callable[[Any], None] | None = None,
                       on_error: Callable[[str], None] | None = None) -> None:
    """Ask the carrier to do something once our own state is committed.

    A refusal is logged and handed to `on_error` (which records it in a transaction of
    its own); the committed decision stands and the sweep cleans up what never happened.
    """

    def run() -> None:
        try:
            result = action(provider_for_current_tenant())
        except ProviderError as exc:
            logger.warning("carrier refused %s: %s", what, exc)
            if on_error is not None:
                on_error(str(exc))
            return
        if on_done is not None:
            on_done(result)

    transaction.on_commit(run)


def locked_call(**lookup) -> Call | None:
    return Call.objects.select_for_update().filter(**lookup).first()


def hang_up_on_commit(sid: str, what: str) -> None:
    provider_on_commit(lambda p: p.call_hangup(call_sid=sid), what=what)
