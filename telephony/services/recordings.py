"""Recordings (TEL-13, SEC-4): stored from carrier callbacks, paused for card numbers,
heard only by those entitled (agents their own calls), every access audited."""

from __future__ import annotations

from django.db import connection, transaction

from accounts.models import Role, User
from accounts.services import audit_record
from config.errors import ServiceError
from telephony import clock
from telephony.hooks import hook_url
from telephony.models import Call, CallStatus, Recording, RecordingStatus
from telephony.services.common import call_event, locked_call, provider_on_commit

MSG_FORBIDDEN = "You may only listen to recordings of your own calls."
MSG_NOT_RECORDING = "This call is not being recorded."
MSG_GONE = "This recording has been deleted."
MSG_HELD = "This recording is under legal hold (its caller's contact); release the hold before deleting it."


@transaction.atomic
def recording_status(*, call_pk: int, sid: str, status: str, url: str, duration_s: int, kind: str = "call") -> None:
    """Carrier recording callback (in-progress / completed), idempotent on the recording SID."""
    call = Call.objects.filter(pk=call_pk).first()
    if call is None or not sid:
        return
    rec, created = Recording.objects.select_for_update().get_or_create(
        sid=sid, defaults={"call": call, "agent_id": call.agent_id, "kind": kind, "started_at": clock.now()})
    if rec.status == RecordingStatus.DELETED:
        return
    if status == "completed":
        rec.status, rec.completed_at = RecordingStatus.COMPLETED, clock.now()
        rec.media_url, rec.duration_s = url, duration_s
        if rec.agent_id is None:
            rec.agent_id = call.agent_id
    rec.save()
    if created or status == "completed":
        call_event(call, f"recording_{status.replace('-', '_')}", recording=rec.pk)


@transaction.atomic
def recording_start(*, call: Call, actor: User | None) -> None:
    """On-demand recording (queue policy `on_demand`, or a callback under policy `all`)."""
    sid = call.legs.filter(role="caller").values_list("sid", flat=True).first() or call.sid
    url = hook_url("recording", call=call.pk)
    provider_on_commit(lambda p: p.recording_start(call_sid=sid, status_url=url), what="start recording")
    call_event(call, "recording_requested", actor=actor)


@transaction.atomic
def recording_pause(*, user: User, call_pk: int, paused: bool, ip: str | None = None) -> Recording:
    """PCI: stop recording while the caller reads out a card number; audited both ways."""
    call = locked_call(pk=call_pk)
    if call is None or call.status != CallStatus.CONNECTED:
        raise ServiceError("not_connected", "The call is not connected.", status_code=409)
    if call.agent_id != user.pk and not user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
        raise ServiceError("not_your_call", "You are not the agent on this call.", status_code=403)
    rec = call.recordings.select_for_update().exclude(status__in=[RecordingStatus.COMPLETED,
                                                                  RecordingStatus.DELETED]).first()
    if rec is None:
        raise ServiceError("not_recording", MSG_NOT_RECORDING, status_code=409)
    rec.status = RecordingStatus.PAUSED if paused else RecordingStatus.IN_PROGRESS
    rec.save(update_fields=["status"])
    call.recording_paused = paused
    call.save(update_fields=["recording_paused"])
    call_sid, rsid = call.sid, rec.sid
    provider_on_commit(lambda p: p.recording_set_paused(call_sid=call_sid, recording_sid=rsid, paused=paused),
                       what="pause recording")
    call_event(call, "recording_paused" if paused else "recording_resumed", actor=user)
    audit_record(actor=user, action="recording.pause" if paused else "recording.resume", target=rec, ip=ip,
                 summary=f"Recording of call {call.pk} {'paused' if paused else 'resumed'}")
    return rec


def recording_may_access(user: User, rec: Recording) -> bool:
    if user.has_role(Role.TENANT_ADMIN, Role.SUPERVISOR, Role.QA_ANALYST):
        return True
    return rec.agent_id == user.pk or (rec.call.agent_id == user.pk)


def recording_access(*, user: User, rec: Recording, ip: str | None = None) -> Recording:
    """Someone opens a recording: allowed or refused, it is written in the audit log. Not one
    transaction: a refusal must leave its audit entry behind when the error goes up."""
    if not recording_may_access(user, rec):
        audit_record(actor=user, action="recording.access_denied", target=rec, ip=ip,
                     summary=f"{user.email} was refused recording {rec.pk}")
        raise ServiceError("forbidden", MSG_FORBIDDEN, status_code=403)
    if rec.status == RecordingStatus.DELETED:
        raise ServiceError("gone", MSG_GONE, status_code=410)
    audit_record(actor=user, action="recording.access", target=rec, ip=ip,
                 summary=f"{user.email} opened the recording of call {rec.call_id}")
    return rec


@transaction.atomic
def recording_delete(*, user: User | None, rec: Recording, ip: str | None = None,
                     reason: str = "") -> Recording:
    """Delete here and at the carrier (TEL-13 cascade): by an admin, or by retention (no user)."""
    if user is not None and not user.has_role(Role.TENANT_ADMIN):
        raise ServiceError("forbidden", "Only tenant admins may delete recordings.", status_code=403)
    from crm.selectors import recording_on_hold

    rec = Recording.objects.select_for_update().get(pk=rec.pk)
    if rec.status == RecordingStatus.DELETED:
        return rec
    if recording_on_hold(rec):
        raise ServiceError("legal_hold", MSG_HELD, status_code=409)
    rec.status, rec.deleted_at, rec.media_url = RecordingStatus.DELETED, clock.now(), ""
    rec.save()
    sid = rec.sid
    provider_on_commit(lambda p: p.recording_delete(recording_sid=sid), what="delete recording")
    from ops.backup import archived_recording

    archived = archived_recording(connection.schema_name, sid)  # a restored backup's copy goes too
    transaction.on_commit(lambda: archived.unlink(missing_ok=True))
    who = user.email if user else "Retention"
    audit_record(actor=user, action="recording.delete", target=rec, ip=ip,
                 summary=f"{who} deleted the recording of call {rec.call_id}" + (f" ({reason})" if reason else ""))
    return rec


def recordings_expire(*, retention_days: int, limit: int = 500) -> int:
    """Delete recordings past the tenant's retention period; returns how many."""
    from datetime import timedelta

    if retention_days <= 0:
        return 0
    cutoff = clock.now() - timedelta(days=retention_days)
    from crm.selectors import held_numbers

    held = held_numbers()  # legal holds outrank retention (CRM-8)
    old = (Recording.objects.filter(started_at__lt=cutoff).exclude(status=RecordingStatus.DELETED)
           .exclude(call__ani__in=held).exclude(call__dnis__in=held))
    done = 0
    for rec in old.order_by("started_at")[:limit]:
        recording_delete(user=None, rec=rec, reason=f"older than {retention_days} days")
        done += 1
    return done
