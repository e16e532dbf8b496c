"""CRM writes, one module per concern; imported here so callers say `crm.services.<name>`."""

from crm.services.cases import case_escalate, case_open, case_transition, cases_overdue_sweep
from crm.services.contacts import (
    FIELDS,
    MAX_IMPORT_ROWS,
    Cleaned,
    clean_contact,
    contact_create,
    contact_note_add,
    contact_update,
)
from crm.services.imports import (
    ImportReport,
    contacts_import,
    contacts_import_check,
    contacts_import_start,
    upload_text,
)

__all__ = [
    "FIELDS", "MAX_IMPORT_ROWS", "Cleaned", "ImportReport", "case_escalate", "case_open", "case_transition",
    "cases_overdue_sweep", "clean_contact", "contact_create", "contact_note_add", "contact_update",
    "contacts_import", "contacts_import_check", "contacts_import_start", "upload_text",
]
