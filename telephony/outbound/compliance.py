"""OUT-3 compliance as code. Every dial asks `check_dial` first and is refused unless every
check says ok; the answers are stored on the dial attempt (the campaign's compliance export).

  dnc_company / dnc_national   the number is on the company's or the national list
  opt_out                      the callee asked not to be called (on any call), at once
  calling_hours                callee-local 08:00–21:00 by default (the campaign's window and
                               days; holidays unless allowed), in every zone the number or
                               the contact's address may be in
  abandon_block                a call to this number was abandoned in the last 72 h (allowed
                               only when an agent is reserved for it)
  attempts                     the campaign's maximum attempts are used up
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from phonenumbers import timezone as pn_timezone

OK = "ok"
ABANDON_BLOCK = timedelta(hours=72)
CHECKS = ("dnc_company", "dnc_national", "opt_out", "calling_hours", "abandon_block", "attempts")


def callee_zones(number: str, contact_tz: str = "") -> list[str]:
    """Where the callee may be: the contact's own timezone when known, else every zone the
    number's prefix allows (a US number by its area code; a prefix with no area, every zone of
    its country: the window must then hold in all of them)."""
    if contact_tz:
        try:
            ZoneInfo(contact_tz)
            return [contact_tz]
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        parsed = phonenumbers.parse(number)
    except phonenumbers.NumberParseException:
        return []
    zones = [z for z in pn_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown"]
    if not zones:
        zones = [z for z in pn_timezone.time_zones_for_geographical_number(parsed) if z != "Etc/Unknown"]
    return zones


def hours_check(now: datetime, zones: list[str], *, start, end, days: list[int], holidays: set) -> str:
    """OK when it is within [start, end) on an allowed day in every zone the callee may be in."""
    if not zones:
        return "the callee's timezone is unknown: calling hours cannot be checked"
    for zone in zones:
        local = now.astimezone(ZoneInfo(zone))
        if days and local.weekday() not in days:
            return f"{local:%A} is not a calling day ({zone})"
        if local.date() in holidays:
            return f"{local.date()} is a holiday ({zone})"
        if not start <= local.time() < end:
            return f"it is {local:%H:%M} for the callee ({zone}); calls are allowed {start:%H:%M}–{end:%H:%M}"
    return OK


def check_dial(*, campaign, cc, now: datetime, agent_reserved: bool = False) -> dict[str, str]:
    """Every check for dialing `cc` (a CampaignContact) now; {check: 'ok' | reason}."""
    from crm.models import Contact
    from telephony.models import Holiday
    from telephony.models.outbound import DialAttempt, DncEntry

    sources = set(DncEntry.objects.filter(number=cc.number).values_list("source", flat=True))
    out = {
        "dnc_company": "on the company's do-not-call list" if "company" in sources else OK,
        "dnc_national": "on the national do-not-call registry" if "national" in sources else OK,
    }
    opted = "opt_out" in sources
    if cc.contact_id and Contact.objects.filter(pk=cc.contact_id, do_not_contact=True).exists():
        opted = True
    out["opt_out"] = "the callee asked not to be called" if opted else OK
    holidays = set() if campaign.call_on_holidays else set(
        Holiday.objects.filter(queue__isnull=True).values_list("date", flat=True))
    out["calling_hours"] = hours_check(now, callee_zones(cc.number, cc.timezone), start=campaign.calling_from,
                                       end=campaign.calling_until, days=list(campaign.calling_days or []),
                                       holidays=holidays)
    last_abandon = (DialAttempt.objects.filter(number=cc.number, at__gt=now - ABANDON_BLOCK)
                    .filter(models_q_abandoned()).order_by("-at").values_list("at", flat=True).first())
    if last_abandon and not agent_reserved:
        until = last_abandon + ABANDON_BLOCK
        out["abandon_block"] = f"a call to this number was abandoned at {last_abandon:%Y-%m-%d %H:%M}; not before " \
                               f"{until:%Y-%m-%d %H:%M} UTC unless an agent is reserved"
    else:
        out["abandon_block"] = OK
    out["attempts"] = OK if cc.attempts < campaign.max_attempts else \
        f"all {campaign.max_attempts} attempts are used"
    return out


def models_q_abandoned():
    from django.db.models import Q

    return Q(outcome="abandoned") | Q(amd_false_positive=True)


def allowed(checks: dict[str, str]) -> bool:
    return all(v == OK for v in checks.values())


def normalise_number(raw: str) -> str | None:
    try:
        parsed = phonenumbers.parse(raw.strip(), None if raw.strip().startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def dnc_import(*, text: str, source: str, by=None) -> int:
    """Import a do-not-call list (one number per row, first column; a header is allowed).
    All or nothing: one bad row refuses the file and names the row."""
    from django.db import transaction

    from accounts.services import audit_record
    from config.errors import field_error
    from telephony.models.outbound import DncEntry

    if source not in ("company", "national"):
        raise field_error("source", "company or national.")
    numbers = []
    for i, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not row[0].strip():
            continue
        cell = row[0].strip()
        if i == 1 and not any(ch.isdigit() for ch in cell):
            continue  # a header
        number = normalise_number(cell)
        if number is None:
            raise field_error("file", f"row {i}: '{cell[:30]}' is not a phone number; nothing was imported.")
        numbers.append(number)
    if not numbers:
        raise field_error("file", "the file holds no numbers.")
    with transaction.atomic():
        before = DncEntry.objects.filter(source=source).count()
        DncEntry.objects.bulk_create([DncEntry(number=n, source=source) for n in set(numbers)],
                                     ignore_conflicts=True, batch_size=5000)
        added = DncEntry.objects.filter(source=source).count() - before
        audit_record(actor=by, action="outbound.dnc_import", summary=f"{added} numbers added to the {source} list")
    return added


def opt_out(*, number: str, reason: str = "", by=None) -> None:
    """The callee asked not to be called again: honoured at once, in every campaign."""
    from django.db import transaction

    from accounts.services import audit_record
    from crm.models import ContactPhone
    from telephony.models.outbound import CampaignContact, DncEntry

    with transaction.atomic():
        DncEntry.objects.get_or_create(number=number, source=DncEntry.Source.OPT_OUT, defaults={"reason": reason[:200]})
        CampaignContact.objects.filter(number=number, status=CampaignContact.Status.PENDING).update(
            status=CampaignContact.Status.BLOCKED)
        from crm.models import Contact

        Contact.objects.filter(pk__in=ContactPhone.objects.filter(e164=number).values("contact_id")).update(
            do_not_contact=True)
        audit_record(actor=by, action="outbound.opt_out", summary=f"{number} opted out: {reason[:100]}")
