"""CSV import of contacts: every row is checked first with the one cleaning function; a file
with any bad row writes nothing and answers with a (row, column, problem) report (CRM-1)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction

from accounts.models import User
from accounts.services import audit_record
from config.errors import ServiceError, field_error
from crm.models import Account, ConsentRecord, Contact, ContactPhone, ImportJob, ImportStatus
from crm.services.contacts import (
    FIELDS,
    MAX_IMPORT_ROWS,
    MAX_REPORT,
    Cleaned,
    _account,
    clean_contact,
    consent_changes,
    tier_codes,
)
from tenants.tasking import enqueue_on_commit

PROGRESS_EVERY = 2000

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


def contacts_import_check(text: str, progress: Callable[[int], None] | None = None,
                          ) -> tuple[ImportReport, list[Cleaned]]:
    """Read and check every row; nothing is written. Row numbers count the header as row 1.
    `progress(rows_checked)` is called every PROGRESS_EVERY rows (background imports)."""
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
    tiers = tier_codes()
    for i, row in enumerate(rows, start=2):
        data = {k: v for k, v in row.items() if k in FIELDS}
        data["custom"] = {k[7:]: v for k, v in row.items() if k and k.startswith("custom.") and v}
        if None in row:
            report.problem_count += 1
            if len(report.problems) < MAX_REPORT:
                report.problems.append({"row": i, "column": "", "problem": "more values than columns"})
        cleaned = clean_contact(data, tiers)
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
        if progress is not None and (i - 1) % PROGRESS_EVERY == 0:
            progress(i - 1)
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
        _write(rows, report, filename=filename, actor=actor)
    return report


def _write(rows: list[Cleaned], report: ImportReport, *, filename: str, actor: User | None) -> None:
    accounts: dict[str, Account] = {}
    contacts = Contact.objects.bulk_create(
        Contact(account=_account(r.account_number, r.account_name, accounts), source=f"import {filename}"[:120],
                **r.contact) for r in rows)
    ContactPhone.objects.bulk_create(ContactPhone(contact=c, e164=p) for c, r in zip(contacts, rows, strict=True)
                                     for p in r.phones)
    ConsentRecord.objects.bulk_create(r for c in contacts for r in consent_changes(
        c, None, actor=actor, source=f"import {filename}"))
    report.created = len(contacts)
    audit_record(actor=actor, action="contact.import", summary=f"Imported {len(contacts)} contacts from {filename}",
                 detail={"rows": report.rows})


# ---------------------------------------------------------------- large files: a Celery job

def contacts_import_start(*, text: str, filename: str, actor: User | None) -> ImportReport | ImportJob:
    """Small files import now (the report comes back at once); large ones become a job for a
    worker, whose progress the page follows."""
    lines = text.count("\n")
    if lines <= settings.CRM_IMPORT_SYNC_ROWS:
        return contacts_import(text=text, filename=filename, actor=actor)
    from crm.tasks import contacts_import_job

    with transaction.atomic():
        job = ImportJob.objects.create(filename=filename[:120], payload=text, rows=max(0, lines - 1), actor=actor)
        audit_record(actor=actor, action="contact.import_queued", target=job,
                     summary=f"Queued the import of {filename} (about {job.rows} rows)")
        enqueue_on_commit(contacts_import_job, job_id=job.pk)
    return job


def contacts_import_run(job_id: int) -> str:
    """The worker's part. Safe to run again after a crash: the rows and the job's `done`
    commit together, so a retried job never imports twice."""
    from telephony import clock

    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return job.status if job else "missing"
    ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.CHECKING, processed=0)

    def progress(n: int) -> None:  # autocommit: the page sees it at once
        ImportJob.objects.filter(pk=job_id).update(processed=n)

    report, rows = contacts_import_check(job.payload, progress=progress)
    if not report.problem_count:
        ImportJob.objects.filter(pk=job_id).update(status=ImportStatus.IMPORTING, processed=report.rows)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
            return job.status
        if not report.problem_count:
            _write(rows, report, filename=job.filename, actor=job.actor)
        job.status = ImportStatus.FAILED if report.problem_count else ImportStatus.DONE
        job.rows, job.processed, job.created = report.rows, report.rows, report.created
        job.report, job.payload, job.finished_at = report.as_dict(), "", clock.now()
        job.save()
    return job.status
