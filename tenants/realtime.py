"""Push versioned events to a tenant's websocket groups after commit (DESIGN §5).

Group names always start with the schema; callers name only the audience
("agent.12", "supervisors", "user.12").

Everything one transaction pushes leaves as one batch, after commit, through a sender
thread with its own event loop: the request (or ACD decision) that caused the events never
waits on Redis, and Redis being down costs pushes, never routing or data (REL-2). Clients
resync from REST on reconnect, so a lost push is repaired, not fatal.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading

from django.db import connection, transaction

EVENT_VERSION = 1
logger = logging.getLogger(__name__)

_outbox: queue.SimpleQueue = queue.SimpleQueue()
_sender_pid: int | None = None
_sender_lock = threading.Lock()


async def _send_batch(layer, batch: list[tuple[str, dict]]) -> None:
    for group, message in batch:
        try:
            await layer.group_send(group, message)
        except Exception:  # Redis down: routing and data go on without pushes
            logger.warning("push to %s failed", group, exc_info=True)


def _sender() -> None:
    from channels.layers import get_channel_layer

    loop = asyncio.new_event_loop()
    layer = get_channel_layer()
    while True:
        batch, done = _outbox.get()
        try:
            loop.run_until_complete(_send_batch(layer, batch))
        except Exception:
            logger.exception("push batch failed")
        finally:
            if done is not None:
                done.set()


def _ensure_sender() -> None:
    """One sender thread per process (started lazily, and again in a forked child)."""
    global _sender_pid
    if _sender_pid == os.getpid():
        return
    with _sender_lock:
        if _sender_pid != os.getpid():
            threading.Thread(target=_sender, name="hostline-push", daemon=True).start()
            _sender_pid = os.getpid()


def flush(timeout: float = 5.0) -> bool:
    """Wait until every push queued so far has been handed to the channel layer."""
    _ensure_sender()
    done = threading.Event()
    _outbox.put(([], done))
    return done.wait(timeout)


def push_on_commit(audiences: list[str], message: dict) -> None:
    """Send `message` (a channel-layer message with a `type`) to each audience after commit."""
    schema = connection.schema_name
    items = [(f"{schema}.{a}", message) for a in audiences]
    conn = transaction.get_connection()
    if conn.in_atomic_block:
        for entry in conn.run_on_commit:
            batch = getattr(entry[1], "hostline_push_batch", None)
            if batch is not None:
                batch.extend(items)
                return

    batch: list[tuple[str, dict]] = list(items)

    def send() -> None:
        _ensure_sender()
        _outbox.put((batch, None))

    send.hostline_push_batch = batch
    transaction.on_commit(send)


def event_on_commit(audiences: list[str], event_type: str, payload: dict) -> None:
    push_on_commit(audiences, {"type": "event.push", "event": {"v": EVENT_VERSION, "type": event_type, **payload}})
