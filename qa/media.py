"""Recording audio for the evaluation player, through the tenant's carrier adapter."""

from __future__ import annotations

from config.errors import ServiceError


def recording_audio(rec) -> bytes:
    from telephony.providers import ProviderError, provider_for_current_tenant

    try:
        return provider_for_current_tenant().recording_media(recording_sid=rec.sid, media_url=rec.media_url,
                                                             duration_s=rec.duration_s)
    except ProviderError as exc:
        raise ServiceError("carrier", f"The recording cannot be fetched from the carrier now: {exc}",
                           status_code=502) from None
