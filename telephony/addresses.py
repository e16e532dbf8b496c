"""Phone addresses as carriers write them: E.164 numbers and SIP URIs."""

from __future__ import annotations

import re

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def number_of(to: str) -> str:
    """`sip:+14155550100@acme.sip.twilio.com` and `+14155550100` are the same number."""
    if to.startswith("sip:"):
        return to[4:].split("@", 1)[0]
    return to
