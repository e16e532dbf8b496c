"""Desk heartbeats from websockets, batched per web process (RT-4).

Every agent's desk pings every couple of seconds. Writing each ping on its own would cost
a transaction per ping in the one thread Channels gives database work; instead a socket
only notes the ping here, and once a second one UPDATE per tenant marks everybody seen.
A ping lost with a crashing process is harmless: the desk pings again, and the grace
period (PRESENCE_GRACE_S) is several pings long.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

logger = logging.getLogger(__name__)
FLUSH_EVERY_S = 1.0

_pending: dict[object, set[int]] = {}  # tenant -> user ids seen since the last flush
_flusher: asyncio.Task | None = None


def note_heartbeat(tenant, user_id: int) -> None:
    """Record that this agent's desk is alive; written within FLUSH_EVERY_S."""
    global _flusher
    _pending.setdefault(tenant, set()).add(user_id)
    if _flusher is None or _flusher.done():
        _flusher = asyncio.get_running_loop().create_task(_flush_forever())


async def _flush_forever() -> None:
    while True:
        await asyncio.sleep(FLUSH_EVERY_S)
        if not _pending:
            continue
        batch = dict(_pending)
        _pending.clear()
        try:
            await _write(batch)
        except Exception:  # the database is down: the next pings try again
            logger.warning("heartbeat flush failed", exc_info=True)


@database_sync_to_async
def _write(batch: dict) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    from telephony.services.agents import agents_seen

    for tenant, user_ids in batch.items():
        with tenant_context(tenant):
            agents_seen(user_ids=user_ids)
    connection.set_schema_to_public()
