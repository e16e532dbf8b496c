"""Enqueue Celery tasks for the current tenant, after commit (DESIGN §2, §4)."""

from __future__ import annotations

import logging

from django.db import connection, transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, **kwargs) -> None:
    """Send `task(**kwargs)` once the surrounding transaction commits.

    The schema is captured now, not at commit time, so the task runs in the tenant that
    asked for it even if the caller has left `tenant_context` by then.
    """
    schema = connection.schema_name

    def send() -> None:
        try:
            task.apply_async(kwargs=kwargs, headers={"_schema_name": schema})
        except Exception:  # broker down: the committed write stands; the sweep/caller retries (REL-2)
            logger.exception("could not enqueue %s for %s", task.name, schema)

    transaction.on_commit(send)
