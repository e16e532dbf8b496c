"""Run a per-tenant billing step for many tenants on a few threads (each its own database
connection): metering and invoicing are independent and idempotent per tenant, and Postgres
does the work, so two connections keep two cores busy. Inside an open transaction (a test,
a caller's atomic block) other connections could not see its rows: run in line then."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.conf import settings
from django.db import connection

T = TypeVar("T")
R = TypeVar("R")


def for_each_tenant(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    items = list(items)
    workers = getattr(settings, "BILLING_WORKERS", 2)
    if workers <= 1 or len(items) < 2 or connection.in_atomic_block:
        return [fn(item) for item in items]

    def body(item: T) -> R:
        try:
            return fn(item)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(body, items))
