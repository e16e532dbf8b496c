"""CRM writes: contacts (one at a time from the desk or API, or many from a CSV file), notes.

One cleaning function serves every path, so a row that imports is exactly a contact the
desk could have created, and a bad one gets the same message in both places. Bulk imports
check every row before writing anything (CRM-1: nothing half-imported)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from crm.models import Account, Contact, ContactNote, ContactPhone, Lifecycle, Tier
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


def clean_contact(data: dict) -> Cleaned:
    """Check and normalise one contact (API body or CSV row); problems name their column."""
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
    for name, choices, default in (("tier", Tier, Tier.ORDINARY), ("lifecycle", Lifecycle, Lifecycle.NEW)):
        value = str(data.get(name) or "").strip().lower() or default
        if value not in choices.values:
            out.problems.append((name, f"'{value}' is not one of {', '.join(choices.values)}"))
        c[name] = value
    tags = _split(data.get("tags"))
    bad = [t for t in tags if not TAG.match(t)]
    if bad:
        out.problems.append(("tags", f"tags are 1–40 letters, digits, spaces or . : / - (not {bad[0]!r})"))
    c["tags"] = sorted(set(tags))
    c["do_not_contact"] = _flag(data.get("do_not_contact"), "do_not_contact", out)
    c["consent_marketing"] = _flag(data.get("consent_marketing"), "consent_marketing", out)
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


@transaction.atomic
def contact_create(*, data: dict, actor: User | None = None, source: str = "api") -> Contact:
    cleaned = clean_contact(data)
    _raise_if(cleaned.problems)
    contact = Contact.objects.create(account=_account(cleaned.account_number, cleaned.account_name, {}),
                                     source=source, **cleaned.contact)
    ContactPhone.objects.bulk_create(ContactPhone(contact=contact, e164=p) for p in cleaned.phones)
    audit_record(actor=actor, action="contact.create", target=contact, summary=f"Contact {contact.name} created")
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict, actor: User | None = None) -> Contact:
    """Change the given fields; phones, when given, replace the contact's numbers."""
    current = {f: getattr(contact, f) for f in ("first_name", "last_name", "email", "tier", "lifecycle", "tags",
                                                 "do_not_contact", "consent_marketing", "address", "custom")}
    current["phones"] = [p.e164 for p in contact.phones.all()]
    current["account_number"] = contact.account.number if contact.account_id else ""
    cleaned = clean_contact({**current, **data})
    _raise_if(cleaned.problems)
    for name, value in cleaned.contact.items():
        setattr(contact, name, value)
    contact.account = _account(cleaned.account_number, cleaned.account_name, {})
    contact.save()
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


# ---------------------------------------------------------------- CSV import

@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    problems: list[dict] = field(default_factory=list)  # {row, column, problem}, first MAX_REPORT
    problem_count: int = 0

    def as_dict(self) -> dict:
        return {"rows": self.rows, "created": self.created, "problem_count": self.problem_count,
                "problems": self.problems}


def _read_csv(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    return header, list(reader)


def contacts_import_check(text: str) -> tuple[ImportReport, list[Cleaned]]:
    """Read and check every row; nothing is written. Row numbers count the header as row 1."""
    report = ImportReport()
    try:
        header, rows = _read_csv(text)
    except csv.Error as exc:
        report.problem_count = 1
        report.problems.append({"row": 1, "column": "", "problem": f"not a readable CSV file: {exc}"})
        return report, []
    unknown = [h for h in header if h not in FIELDS and not h.startswith("custom.")]
    if not header or unknown:
        msg = (f"unknown column(s) {', '.join(unknown)}; use {', '.join(FIELDS)} or custom.<name>" if header
               else "the file is empty; the first line names the columns")
        report.problem_count = 1
        report.problems.append({"row": 1, "column": ", ".join(unknown), "problem": msg})
        return report, []
    if len(rows) > MAX_IMPORT_ROWS:
        report.problem_count = 1
        report.problems.append({"row": 1, "column": "", "problem": f"at most {MAX_IMPORT_ROWS} rows per file"})
        return report, []
    report.rows = len(rows)
    cleaned_rows = []
    seen_phones: dict[str, int] = {}
    for i, row in enumerate(rows, start=2):
        data = {k: v for k, v in row.items() if k in FIELDS}
        data["custom"] = {k[7:]: v for k, v in row.items() if k and k.startswith("custom.") and v}
        if None in row:
            report.problem_count += 1
            if len(report.problems) < MAX_REPORT:
                report.problems.append({"row": i, "column": "", "problem": "more values than columns"})
        cleaned = clean_contact(data)
        for phone in cleaned.phones:
            if phone in seen_phones:
                cleaned.problems.append(("phones", f"{phone} is also on row {seen_phones[phone]}"))
            else:
                seen_phones[phone] = i
        for column, problem in cleaned.problems:
            report.problem_count += 1
            if len(report.problems) < MAX_REPORT:
                report.problems.append({"row": i, "column": column, "problem": problem})
        cleaned_rows.append(cleaned)
    return report, cleaned_rows


MAX_UPLOAD = 50 * 1024 * 1024


def upload_text(upload) -> str:
    """An uploaded CSV file as text, or a 400 a person can act on (no file, too big, not UTF-8)."""
    if upload is None:
        raise field_error("file", "Choose a CSV file to import.")
    if upload.size > MAX_UPLOAD:
        raise field_error("file", f"At most {MAX_UPLOAD // 1024 // 1024} MB per file.")
    try:
        return upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise field_error("file", "The file is not UTF-8 text; save it as CSV UTF-8 and try again.") from None


def contacts_import(*, text: str, filename: str = "upload.csv", actor: User | None = None) -> ImportReport:
    """All or nothing: a file with any bad row writes nothing and raises with the report."""
    report, rows = contacts_import_check(text)
    if report.problem_count:
        raise ServiceError("invalid_file", f"{report.problem_count} problem(s) in {filename}: nothing was imported.",
                           {"report": report.as_dict()})
    with transaction.atomic():
        accounts: dict[str, Account] = {}
        contacts = Contact.objects.bulk_create(
            Contact(account=_account(r.account_number, r.account_name, accounts), source=f"import {filename}"[:120],
                    **r.contact) for r in rows)
        ContactPhone.objects.bulk_create(ContactPhone(contact=c, e164=p) for c, r in zip(contacts, rows, strict=True)
                                         for p in r.phones)
        report.created = len(contacts)
        audit_record(actor=actor, action="contact.import", summary=f"Imported {len(contacts)} contacts from {filename}",
                     detail={"rows": report.rows})
    return report


# ---------------------------------------------------------------- cases (CRM-3)

MSG_OVERRIDE_ROLE = "Only supervisors and tenant admins may override the case workflow."
MSG_OVERRIDE_REASON = "Give the reason for overriding the workflow."


def _case_event(case, kind: str, actor: User | None, **fields):
    from crm.models import CaseEvent

    return CaseEvent.objects.create(case=case, kind=kind, actor_email=actor.email if actor else "", **fields)


def _next_case_number() -> int:
    from crm.models import CaseCounter

    counter, _ = CaseCounter.objects.select_for_update().get_or_create(pk=1)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


@transaction.atomic
def case_open(*, type: str, subject: str, actor: User | None = None, contact=None, call=None, team=None,
              description: str = "", promised_by=None):
    """Open a case with the next number (no gaps: the counter row is locked until commit).
    Complaints about staff start at supervisor level (CRM-3)."""
    from crm import cases
    from crm.models import Case, CaseType, Escalation
    from telephony import clock

    if type not in CaseType.values:
        msg = f"'{type}' is not a case type; use {', '.join(CaseType.values)}."
        raise field_error("type", msg)
    subject = (subject or "").strip()
    if not subject or len(subject) > 200:
        raise field_error("subject", "Give a subject of 1–200 characters.")
    now = clock.now()
    about_staff = type == CaseType.COMPLAINT and "staff" in (subject + " " + description).lower()
    case = Case.objects.create(number=_next_case_number(), type=type, subject=subject, description=description,
                               contact=contact, call=call, team=team, opened_by=actor, assignee=actor,
                               promised_by=promised_by or now + cases.PROMISE[type], created_at=now,
                               escalation=Escalation.SUPERVISOR if about_staff else Escalation.AGENT)
    _case_event(case, "opened", actor, to_state=case.state,
                reason="complaint about staff: routed to supervisors" if about_staff else "")
    return case


@transaction.atomic
def case_transition(*, case, to_state: str, actor: User, reason: str = "", override: bool = False):
    """Move a case along the workflow; a supervisor may override it, with a reason (recorded)."""
    from accounts.models import Role
    from crm import cases
    from crm.models import Case, CaseState
    from telephony import clock

    case = Case.objects.select_for_update().get(pk=case.pk)
    if to_state not in CaseState.values:
        msg = f"'{to_state}' is not a case state; use {', '.join(CaseState.values)}."
        raise field_error("state", msg)
    if not cases.allowed(case.state, to_state):
        if not override:
            raise ServiceError("illegal_transition", cases.illegal_message(case.state, to_state), status_code=409)
        if not actor.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
            raise ServiceError("forbidden", MSG_OVERRIDE_ROLE, status_code=403)
        if not (reason or "").strip():
            raise field_error("reason", MSG_OVERRIDE_REASON)
    now = clock.now()
    before = case.state
    case.state = to_state
    if to_state == CaseState.RESOLVED:
        case.resolved_at = now
        case.resolved_on_first_contact = _first_contact(case, now)
    if to_state == CaseState.CLOSED:
        case.closed_at = now
    if to_state == CaseState.ASSIGNED and case.assignee_id is None:
        case.assignee = actor
    case.save()
    _case_event(case, "override" if override and not cases.allowed(before, to_state) else "state", actor,
                from_state=before, to_state=to_state, reason=(reason or "")[:300])
    return case


def _first_contact(case, now) -> bool:
    """Resolved within the contact that opened it: before that call's wrap-up ended, never
    escalated, never reopened."""
    if case.call_id is None or case.escalation:
        return False
    if case.events.filter(kind__in=["state", "override"], from_state="resolved").exists():
        return False
    ended = case.call.wrap_ended_at
    return ended is None or now <= ended


@transaction.atomic
def case_escalate(*, case, actor: User | None, reason: str):
    """One step up the ladder: agent → team leader → supervisor → manager."""
    from crm.models import Case, Escalation

    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.escalation >= Escalation.MANAGER:
        return case
    case.escalation += 1
    case.save(update_fields=["escalation"])
    _case_event(case, "escalated", actor, reason=f"to {Escalation(case.escalation).label}: {reason}"[:300])
    return case


def cases_overdue_sweep() -> int:
    """Celery beat: every case past its promised reply time and still open raises an alert to
    the supervisors and goes one step up the ladder, once per promise."""
    from crm import cases
    from crm.models import Case
    from telephony import clock
    from tenants.realtime import event_on_commit

    now = clock.now()
    done = 0
    for pk in Case.objects.filter(state__in=cases.OPEN_STATES, promised_by__lt=now,
                                  overdue_alerted_at__isnull=True).values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            case = Case.objects.select_for_update(skip_locked=True).filter(pk=pk, overdue_alerted_at__isnull=True
                                                                           ).first()
            if case is None:
                continue
            case.overdue_alerted_at = now
            case.save(update_fields=["overdue_alerted_at"])
            _case_event(case, "overdue", None, reason=f"promised by {case.promised_by:%Y-%m-%d %H:%M} UTC")
            case_escalate(case=case, actor=None, reason="reply promise missed")
            event_on_commit(["supervisors"], "alert", {
                "kind": "case_overdue", "case": case.number, "level": "warning", "active": True,
                "message": f"Case #{case.number} ({case.subject}) is past its promised reply time"})
            done += 1
    return done
