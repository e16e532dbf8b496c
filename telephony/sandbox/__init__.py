"""The sandbox carrier: Twilio's part played on this machine (TEL-2).

In-process (tests, the simulator) a `SandboxCarrier` is installed here and the app's
`SandboxProvider` sends it REST commands directly; otherwise the provider speaks HTTP to
the carrier process (`python manage.py sandbox_carrier`, started by `make run`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

_installed = None


def installed_carrier():
    return _installed


@contextmanager
def carrier_installed(carrier) -> Iterator[None]:
    global _installed
    previous, _installed = _installed, carrier
    try:
        yield
    finally:
        _installed = previous
