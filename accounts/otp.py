"""Second factor (TOTP, RFC 6238, through django-otp): tenant admins and platform operators
enrol an authenticator app; once enrolled, signing in and getting an API token need the
current code as well as the password. With REQUIRE_STAFF_2FA (production default), an
admin or operator without an authenticator is sent to enrol before anything else."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role, User
from config.errors import ServiceError

MSG_CODE_NEEDED = "Enter the 6-digit code from your authenticator app."
MSG_CODE_WRONG = "That code is not valid (or was already used). Enter the current code from your authenticator app."
MSG_CODE_THROTTLED = "Too many wrong codes: wait {s} seconds, then enter the current code."
PENDING_TTL_S = 300


def totp_device(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def must_enrol_if_removed(user: User) -> bool:
    """Whether this user's role requires a second factor here (tenant admins; operators)."""
    if not getattr(settings, "REQUIRE_STAFF_2FA", False) or not user.is_authenticated:
        return False
    return user.is_staff if _on_public_schema() else user.has_role(Role.TENANT_ADMIN)


def must_enrol(user: User) -> bool:
    """Staff who must have a second factor and have none yet."""
    return must_enrol_if_removed(user) and totp_device(user) is None


def _on_public_schema() -> bool:
    from django.db import connection

    return connection.schema_name == "public"


@transaction.atomic
def totp_begin(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator to scan (the same one until it is confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def totp_check(*, device: TOTPDevice, code: str | None) -> None:
    """Accept the current code once (a used code is refused: django-otp remembers the last
    time step); wrong codes slow further attempts down."""
    code = (code or "").strip().replace(" ", "")
    if not code:
        raise ServiceError("otp_required", MSG_CODE_NEEDED, {"otp": [MSG_CODE_NEEDED]}, status_code=401)
    allowed, info = device.verify_is_allowed()
    if not allowed:
        from django.utils import timezone

        until = (info or {}).get("locked_until") or timezone.now()
        wait = max(1, int((until - timezone.now()).total_seconds()) + 1)
        raise ServiceError("otp_throttled", MSG_CODE_THROTTLED.format(s=wait), status_code=429)
    if not (code.isdigit() and device.verify_token(code)):
        raise ServiceError("otp_invalid", MSG_CODE_WRONG, {"otp": [MSG_CODE_WRONG]}, status_code=401)


@transaction.atomic
def totp_confirm(*, user: User, code: str, ip: str | None = None) -> TOTPDevice:
    from accounts.services import audit_record

    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None:
        raise ServiceError("otp_not_started", "Start again: open the two-step sign-in page to get a new key.")
    totp_check(device=device, code=code)
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(actor=user, action="user.2fa_on", target=user, ip=ip,
                 summary=f"{user.email} turned on two-step sign-in")
    return device


@transaction.atomic
def totp_reset(*, user: User, by: User, ip: str | None = None) -> None:
    """Remove a user's authenticator (a lost phone): by the user, or by a tenant admin."""
    from accounts.services import audit_record

    if by.pk != user.pk and not by.has_role(Role.TENANT_ADMIN):
        raise ServiceError("forbidden", "Only tenant admins may reset another user's two-step sign-in.",
                           status_code=403)
    TOTPDevice.objects.filter(user=user).delete()
    audit_record(actor=by, action="user.2fa_off", target=user, ip=ip,
                 summary=f"{by.email} turned off two-step sign-in for {user.email}")


def qr_svg(data: str) -> str:
    import io

    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    return out.getvalue().decode()
