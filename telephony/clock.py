"""The telephony clock. Everything that stamps a call, an offer or an agent state reads
`now()`: real time in production, a virtual clock while the sandbox simulator compresses
hours of traffic into a minute (the simulator sets it; nothing else may)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.utils import timezone

_source: Callable[[], datetime] | None = None


def now() -> datetime:
    return _source() if _source is not None else timezone.now()


@contextmanager
def virtual(source: Callable[[], datetime]) -> Iterator[None]:
    """Run a block on a virtual clock (in-process simulation only)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
