"""Recording audio for the evaluation player: from the restored-backup archive when it holds
the recording (the carrier may have lost it), else through the tenant's carrier adapter."""

from __future__ import annotations

from config.errors import ServiceError


def recording_audio(rec) -> bytes:
    from django.db import connection

    from ops.backup import archived_recording
    from telephony.providers import ProviderError, provider_for_current_tenant

    archived = archived_recording(connection.schema_name, rec.sid)
    if archived.is_file():
        return archived.read_bytes()
    try:
        return provider_for_current_tenant().recording_media(recording_sid=rec.sid, media_url=rec.media_url,
                                                             duration_s=rec.duration_s)
    except ProviderError as exc:
        raise ServiceError("carrier", f"The recording cannot be fetched from the carrier now: {exc}",
                           status_code=502) from None
