"""CRM writes: contacts (one at a time from the desk or API, or many from a CSV file), notes.

One cleaning function serves every path, so a row that imports is exactly a contact the
desk could have created, and a bad one gets the same message in both places. Bulk imports
check every row before writing anything (CRM-1: nothing half-imported)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from crm.models import DEFAULT_TIER, Account, ConsentRecord, Contact, ContactNote, ContactPhone, Lifecycle, TierSetting
from crm.phones import InvalidPhone, to_e164

MAX_IMPORT_ROWS = 200_000
MAX_REPORT = 200  # problems listed in one report; the count is always complete
TAG = re.compile(r"^[\w .:/-]{1,40}$")
FIELDS = ("first_name", "last_name", "email", "phones", "account_number", "account_name", "tier", "lifecycle",
          "tags", "do_not_contact", "consent_marketing", "address")
TRUE, FALSE = {"1", "true", "yes", "y"}, {"", "0", "false", "no", "n"}


@dataclass
class Cleaned:
    contact: dict = field(default_factory=dict)
    phones: list[str] = field(default_factory=list)
    account_number: str = ""
    account_name: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, problem)


def _split(value) -> list[str]:
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value or "").replace(",", ";").split(";") if v.strip()]


def _flag(value, column: str, out: Cleaned) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in TRUE:
        return True
    if text not in FALSE:
        out.problems.append((column, f"'{value}' is not yes or no"))
    return False


def tier_codes() -> list[str]:
    return list(TierSetting.objects.filter(active=True).values_list("code", flat=True))


def clean_contact(data: dict, tiers: list[str] | None = None) -> Cleaned:
    """Check and normalise one contact (API body or CSV row); problems name their column.
    `tiers`: the tenant's tier codes, read once by a caller checking many rows."""
    out = Cleaned()
    c = out.contact
    for name in ("first_name", "last_name"):
        value = str(data.get(name) or "").strip()
        if len(value) > 80:
            out.problems.append((name, "is longer than 80 characters"))
        c[name] = value
    if not c["first_name"] and not c["last_name"] and not data.get("phones") and not data.get("email"):
        out.problems.append(("first_name", "a contact needs at least a name, a phone number or an e-mail"))
    email = str(data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            out.problems.append(("email", f"'{email}' is not an e-mail address"))
    c["email"] = email.lower()
    for raw in _split(data.get("phones")):
        try:
            e164 = to_e164(raw)
        except InvalidPhone as exc:
            out.problems.append(("phones", str(exc)))
            continue
        if e164 not in out.phones:
            out.phones.append(e164)
    tiers = tier_codes() if tiers is None else tiers
    for name, allowed, default in (("tier", tiers, DEFAULT_TIER), ("lifecycle", Lifecycle.values, Lifecycle.NEW)):
        value = str(data.get(name) or "").strip().lower() or default
        if value not in allowed:
            out.problems.append((name, f"'{value}' is not one of {', '.join(allowed)}"))
        c[name] = value
    tags = _split(data.get("tags"))
    bad = [t for t in tags if not TAG.match(t)]
    if bad:
        out.problems.append(("tags", f"tags are 1–40 letters, digits, spaces or . : / - (not {bad[0]!r})"))
    c["tags"] = sorted(set(tags))
    c["do_not_contact"] = _flag(data.get("do_not_contact"), "do_not_contact", out)
    c["consent_marketing"] = _flag(data.get("consent_marketing"), "consent_marketing", out)
    given = data.get("consent_recording")
    c["consent_recording"] = True if given is None or given == "" else _flag(given, "consent_recording", out)
    c["address"] = str(data.get("address") or "").strip()[:500]
    custom = data.get("custom") or {}
    if not isinstance(custom, dict):
        out.problems.append(("custom", "custom fields are a map of names to values"))
        custom = {}
    c["custom"] = {str(k)[:40]: str(v)[:500] for k, v in custom.items()}
    out.account_number = str(data.get("account_number") or "").strip()[:40]
    out.account_name = str(data.get("account_name") or "").strip()[:200]
    return out


def _raise_if(problems: list[tuple[str, str]]) -> None:
    if problems:
        fields: dict[str, list[str]] = {}
        for column, problem in problems:
            fields.setdefault(column, []).append(problem)
        first_col, first = problems[0]
        raise ServiceError("invalid", f"{first_col}: {first}", fields)


def _account(number: str, name: str, cache: dict) -> Account | None:
    if not number:
        return None
    if number not in cache:
        cache[number], _ = Account.objects.get_or_create(number=number, defaults={"name": name or number})
    return cache[number]


def consent_state(contact: Contact) -> dict[str, bool]:
    return {ConsentRecord.Kind.RECORDING: contact.consent_recording, ConsentRecord.Kind.MARKETING:
            contact.consent_marketing, ConsentRecord.Kind.CONTACT: not contact.do_not_contact}


def consent_changes(contact: Contact, before: dict | None, *, actor: User | None,
                    source: str) -> list[ConsentRecord]:
    """Consent records for what changed (for a new contact: what differs from the defaults)."""
    before = before or {ConsentRecord.Kind.RECORDING: True, ConsentRecord.Kind.MARKETING: False,
                        ConsentRecord.Kind.CONTACT: True}
    return [ConsentRecord(contact=contact, kind=kind, granted=now, source=source[:120],
                          actor_email=actor.email if actor else "")
            for kind, now in consent_state(contact).items() if before[kind] != now]


@transaction.atomic
def contact_create(*, data: dict, actor: User | None = None, source: str = "api") -> Contact:
    cleaned = clean_contact(data)
    _raise_if(cleaned.problems)
    contact = Contact.objects.create(account=_account(cleaned.account_number, cleaned.account_name, {}),
                                     source=source, **cleaned.contact)
    ContactPhone.objects.bulk_create(ContactPhone(contact=contact, e164=p) for p in cleaned.phones)
    ConsentRecord.objects.bulk_create(consent_changes(contact, None, actor=actor, source=source))
    audit_record(actor=actor, action="contact.create", target=contact, summary=f"Contact {contact.name} created")
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict, actor: User | None = None) -> Contact:
    """Change the given fields; phones, when given, replace the contact's numbers."""
    current = {f: getattr(contact, f) for f in ("first_name", "last_name", "email", "tier", "lifecycle", "tags",
                                                 "do_not_contact", "consent_marketing", "consent_recording",
                                                 "address", "custom")}
    before = consent_state(contact)
    current["phones"] = [p.e164 for p in contact.phones.all()]
    current["account_number"] = contact.account.number if contact.account_id else ""
    cleaned = clean_contact({**current, **data})
    _raise_if(cleaned.problems)
    for name, value in cleaned.contact.items():
        setattr(contact, name, value)
    contact.account = _account(cleaned.account_number, cleaned.account_name, {})
    contact.save()
    ConsentRecord.objects.bulk_create(consent_changes(contact, before, actor=actor, source="change"))
    if "phones" in data:
        contact.phones.exclude(e164__in=cleaned.phones).delete()
        have = set(contact.phones.values_list("e164", flat=True))
        ContactPhone.objects.bulk_create(ContactPhone(contact=contact, e164=p) for p in cleaned.phones
                                         if p not in have)
    audit_record(actor=actor, action="contact.update", target=contact, summary=f"Contact {contact.name} changed",
                 detail={"fields": sorted(data)})
    return contact


@transaction.atomic
def contact_note_add(*, contact: Contact, text: str, actor: User | None = None, call=None) -> ContactNote:
    text = (text or "").strip()
    if not text or len(text) > 5000:
        raise field_error("text", "Write a note of 1–5000 characters.")
    return ContactNote.objects.create(contact=contact, text=text, author=actor, call=call)


