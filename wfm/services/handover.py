"""WFM-10 shift handover log: a supervisor's notes for the next shift, with incidents; a
handover cannot close while one of its incidents is open."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.services import audit_record
from config.errors import ServiceError, field_error
from wfm.models import Handover, HandoverIncident


def handover_open(*, author, shift_label: str, notes: str = "") -> Handover:
    if not (shift_label or "").strip():
        raise field_error("shift_label", "name the shift being handed over (e.g. Early, 23 June).")
    h = Handover.objects.create(author=author, shift_label=shift_label.strip()[:60], notes=(notes or "").strip())
    audit_record(actor=author, action="wfm.handover_open", target=h, summary=f"Handover {h.shift_label}")
    return h


def incident_add(*, handover: Handover, summary: str, by=None) -> HandoverIncident:
    if handover.closed_at:
        raise ServiceError("closed", "This handover is closed; open a new one.", status_code=409)
    if not (summary or "").strip():
        raise field_error("summary", "say what happened.")
    return HandoverIncident.objects.create(handover=handover, summary=summary.strip()[:300])


def incident_resolve(*, incident: HandoverIncident, resolution: str, by=None) -> HandoverIncident:
    if incident.resolved_at:
        raise ServiceError("resolved", "This incident is resolved already.", status_code=409)
    if not (resolution or "").strip():
        raise field_error("resolution", "say how it was resolved.")
    incident.resolved_at, incident.resolution = timezone.now(), resolution.strip()[:300]
    incident.save(update_fields=["resolved_at", "resolution"])
    return incident


@transaction.atomic
def handover_close(*, handover: Handover, by) -> Handover:
    h = Handover.objects.select_for_update().get(pk=handover.pk)
    if h.closed_at:
        raise ServiceError("closed", "This handover is closed already.", status_code=409)
    still_open = list(h.incidents.filter(resolved_at__isnull=True).values_list("summary", flat=True))
    if still_open:
        raise ServiceError("incident_open", "The handover cannot close while an incident is open: "
                                            + "; ".join(still_open), {"incidents": still_open}, status_code=409)
    h.closed_at, h.closed_by = timezone.now(), by
    h.save(update_fields=["closed_at", "closed_by"])
    audit_record(actor=by, action="wfm.handover_close", target=h, summary=f"Closed handover {h.shift_label}")
    return h
