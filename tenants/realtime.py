"""Push versioned events to a tenant's websocket groups after commit (DESIGN §5).

Group names always start with the schema; callers name only the audience
("agent.12", "supervisors", "user.12")."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection, transaction

EVENT_VERSION = 1
logger = logging.getLogger(__name__)


def push_on_commit(audiences: list[str], message: dict) -> None:
    """Send `message` (a channel-layer message with a `type`) to each audience after commit.

    A lost push never undoes committed state: clients resync from REST on reconnect (REL-2).
    """
    schema = connection.schema_name
    groups = [f"{schema}.{a}" for a in audiences]

    def send() -> None:
        layer = get_channel_layer()
        for group in groups:
            try:
                async_to_sync(layer.group_send)(group, message)
            except Exception:  # Redis down: routing and data go on without pushes
                logger.warning("push to %s failed", group, exc_info=True)

    transaction.on_commit(send)


def event_on_commit(audiences: list[str], event_type: str, payload: dict) -> None:
    push_on_commit(audiences, {"type": "event.push", "event": {"v": EVENT_VERSION, "type": event_type, **payload}})
