"""Time for the sandbox carrier: a virtual clock (simulations, tests) that jumps from event
to event. The app reads the same clock through `telephony.clock` while a run is active."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from datetime import datetime, timedelta


class VirtualScheduler:
    def __init__(self, start: datetime):
        self.start = start
        self.t = 0.0  # seconds since start
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def call_later(self, delay_s: float, fn: Callable[[], None]) -> None:
        heapq.heappush(self._heap, (self.t + max(0.0, delay_s), next(self._seq), fn))

    def next_time(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def step(self) -> bool:
        """Run the earliest event; False when nothing is scheduled."""
        if not self._heap:
            return False
        t, _, fn = heapq.heappop(self._heap)
        self.t = max(self.t, t)
        fn()
        return True

    def run_until(self, t: float) -> None:
        while self._heap and self._heap[0][0] <= t:
            self.step()
        self.t = max(self.t, t)

    def advance(self, seconds: float) -> None:
        self.run_until(self.t + seconds)

    def run_until_idle(self, limit: int = 100_000) -> None:
        for _ in range(limit):
            if not self.step():
                return
        raise RuntimeError("sandbox scheduler did not go idle")


class RealtimeScheduler:
    """Wall-clock time for the carrier process: one thread runs every event in order, so the
    carrier's state is only ever touched from that thread."""

    def __init__(self) -> None:
        import threading
        import time
        from datetime import UTC

        self._time = time
        self.start = datetime.now(UTC)
        self._t0 = time.monotonic()
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopped = False

    @property
    def t(self) -> float:
        return self._time.monotonic() - self._t0

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    def call_later(self, delay_s: float, fn: Callable[[], None]) -> None:
        with self._cond:
            heapq.heappush(self._heap, (self.t + max(0.0, delay_s), next(self._seq), fn))
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify()

    def run_forever(self, on_error: Callable[[BaseException], None]) -> None:
        while True:
            with self._cond:
                while not self._stopped and (not self._heap or self._heap[0][0] > self.t):
                    self._cond.wait(timeout=None if not self._heap else max(0.0, self._heap[0][0] - self.t))
                if self._stopped:
                    return
                _, _, fn = heapq.heappop(self._heap)
            try:
                fn()
            except Exception as exc:  # one bad event must not stop the carrier
                on_error(exc)
