"""Phone numbers to E.164 (CRM-1) with Google's libphonenumber rules. Pure."""

from __future__ import annotations

import phonenumbers
from django.conf import settings

MSG_INVALID = "'{raw}' is not a valid phone number; write it with its country code, e.g. +14155550100."


class InvalidPhone(ValueError):
    pass


def to_e164(raw: str, region: str | None = None) -> str:
    """'(415) 555-0100' → '+14155550100' (in the default region); raises InvalidPhone."""
    text = (raw or "").strip()
    try:
        parsed = phonenumbers.parse(text, region or settings.DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(MSG_INVALID.format(raw=text)) from None
    # "Possible" (right length for the country), not "valid": test and fictional ranges
    # (+1 555 …) must import, and carriers allocate new ranges before the library knows them.
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhone(MSG_INVALID.format(raw=text))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
