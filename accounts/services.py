"""Writes for people and access: seats (TEN-3), roles, tokens, login, audit (TEN-7)."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import (
    TENANT_ROLES,
    ApiToken,
    AuditEvent,
    Invitation,
    Role,
    RoleGrant,
    Skill,
    Team,
    User,
    UserSkill,
    UserStatus,
)
from config.errors import ServiceError
from tenants.realtime import push_on_commit
from tenants.tasking import enqueue_on_commit

logger = logging.getLogger(__name__)

MSG_SEAT_CAP = ("All {cap} seats are in use ({used} users and pending invitations). "
                "Raise the seat count or disable a user before inviting {email}.")
MSG_EMAIL_TAKEN = "A user with this e-mail already exists."
MSG_UNKNOWN_ROLE = "Unknown role '{role}'. Choose from: {choices}."
MSG_NO_ROLES = "Give the user at least one role."
MSG_INVITE_INVALID = "This invitation link is invalid or has expired. Ask your administrator for a new one."
MSG_LAST_ADMIN = "You cannot remove the last active tenant admin."
MSG_SELF_DISABLE = "You cannot disable your own account."
MSG_LOGIN_FAILED = "E-mail or password is incorrect."
MSG_LOGIN_LOCKED = "Too many failed attempts. Try again in 15 minutes."
MSG_TENANT_SUSPENDED = ("This account is suspended. Only administrators can sign in, to settle billing. "
                        "Contact your administrator.")
INVITE_TTL = timedelta(days=7)
LOGIN_WINDOW_S = 15 * 60


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def audit_record(
    *, actor: User | None, action: str, summary: str, target=None, detail: dict | None = None,
    ip: str | None = None, actor_email: str = "", actor_kind: str = AuditEvent.ActorKind.USER,
) -> AuditEvent:
    """Append one audit event to the current schema's log."""
    if actor is None and actor_kind == AuditEvent.ActorKind.USER:
        actor_kind = AuditEvent.ActorKind.SYSTEM
    return AuditEvent.objects.create(
        actor_kind=actor_kind,
        actor_email=actor.email if actor else actor_email,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        summary=summary[:300],
        detail=detail or {},
        ip=ip,
    )


def _clean_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    valid = [r.value for r in TENANT_ROLES]
    for role in roles:
        if role not in valid:
            msg = MSG_UNKNOWN_ROLE.format(role=role, choices=", ".join(valid))
            raise ServiceError("invalid", f"roles: {msg}", {"roles": [msg]})
    if not roles:
        raise ServiceError("invalid", f"roles: {MSG_NO_ROLES}", {"roles": [MSG_NO_ROLES]})
    return roles


def _grant_roles(user: User, roles: list[str]) -> None:
    dropped = RoleGrant.objects.filter(user=user).exclude(role__in=roles)
    supervisor_before = dropped.filter(role=Role.SUPERVISOR).exists()
    dropped.delete()
    existing = set(RoleGrant.objects.filter(user=user).values_list("role", flat=True))
    RoleGrant.objects.bulk_create(RoleGrant(user=user, role=r) for r in roles if r not in existing)
    user.__dict__.pop("_role_cache", None)
    if supervisor_before or (Role.SUPERVISOR in roles and Role.SUPERVISOR not in existing):
        _supervisor_seats_changed()


def _supervisor_seats_changed() -> None:
    """Per-supervisor-seat add-ons are charged from the day the count changes (BIL-1)."""
    from django.db import connection

    from billing.entitlements import entitlement_snapshot
    from tenants.models import INTERNAL_STATES

    tenant = getattr(connection, "tenant", None)
    if tenant is not None and getattr(tenant, "pk", None) and tenant.state not in INTERNAL_STATES:
        entitlement_snapshot(tenant=tenant)


def user_create_active(*, email: str, password: str, full_name: str = "", roles: list[str]) -> User:
    """Create a ready-to-use user (signup admin, demo seed). Seat checks are the caller's business."""
    user = User.objects.create_user(email=email, password=password, full_name=full_name, status=UserStatus.ACTIVE)
    _grant_roles(user, _clean_roles(roles))
    return user


def _tenant():
    return getattr(connection, "tenant", None)


def _active_admins() -> int:
    return User.objects.filter(status=UserStatus.ACTIVE, role_grants__role=Role.TENANT_ADMIN).distinct().count()


@transaction.atomic
def user_invite(*, email: str, roles: list[str], full_name: str = "", invited_by: User,
                ip: str | None = None) -> tuple[User, str]:
    """Invite a person to a seat; returns the user and the one-time invitation token."""
    from accounts.selectors import seats_in_use
    from tenants.models import Tenant

    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError("invalid", "email: Enter a valid e-mail address.",
                           {"email": ["Enter a valid e-mail address."]}) from None
    roles = _clean_roles(roles)
    # Lock the tenant row: two concurrent invites cannot both take the last seat.
    tenant = Tenant.objects.select_for_update().get(pk=_tenant().pk)
    if User.objects.filter(email=email).exists():
        raise ServiceError("email_taken", f"email: {MSG_EMAIL_TAKEN}", {"email": [MSG_EMAIL_TAKEN]}, status_code=409)
    used = seats_in_use()
    if used >= tenant.seat_cap:
        raise ServiceError("seat_cap", MSG_SEAT_CAP.format(cap=tenant.seat_cap, used=used, email=email),
                           status_code=409)
    user = User.objects.create_user(email=email, password=None, full_name=full_name, status=UserStatus.INVITED)
    _grant_roles(user, roles)
    raw = secrets.token_urlsafe(32)
    inv = Invitation.objects.create(user=user, token_hash=_hash(raw), invited_by=invited_by,
                                    expires_at=timezone.now() + INVITE_TTL)
    from accounts.tasks import invitation_email_send

    enqueue_on_commit(invitation_email_send, invitation_id=inv.pk, raw_token=raw)
    audit_record(actor=invited_by, action="user.invite", target=user, ip=ip,
                 summary=f"Invited {email} as {', '.join(roles)}", detail={"roles": roles})
    return user, raw


def invitation_email_send(*, invitation_id: int, raw_token: str) -> bool:
    """Mail the join link. The token must match the stored hash, so a forged or
    misrouted task (wrong tenant, wrong id) sends nothing."""
    from django.core.mail import send_mail

    from tenants.selectors import tenant_url

    inv = Invitation.objects.select_related("user", "invited_by").filter(
        pk=invitation_id, token_hash=_hash(raw_token), accepted_at__isnull=True).first()
    if inv is None or inv.user.status != UserStatus.INVITED:
        logger.info("invitation %s not sendable in %s", invitation_id, connection.schema_name)
        return False
    tenant = connection.tenant
    link = f"{tenant_url(tenant)}invite/{raw_token}"
    inviter = (inv.invited_by.full_name or inv.invited_by.email) if inv.invited_by else "Your administrator"
    send_mail(
        subject=f"You are invited to {tenant.name} on Hostline",
        message=(f"{inviter} invited you to join {tenant.name}.\n\nSet your password and sign in:\n{link}\n\n"
                 f"The link works once and expires on {inv.expires_at:%Y-%m-%d %H:%M} UTC."),
        from_email=None,
        recipient_list=[inv.user.email],
    )
    return True


def invitation_lookup(raw_token: str) -> Invitation | None:
    inv = Invitation.objects.select_related("user").filter(token_hash=_hash(raw_token or "")).first()
    if inv is None or inv.accepted_at or inv.expires_at < timezone.now() or inv.user.status != UserStatus.INVITED:
        return None
    return inv


@transaction.atomic
def invitation_accept(*, raw_token: str, password: str, full_name: str = "") -> User:
    inv = invitation_lookup(raw_token)
    if inv is None:
        raise ServiceError("invitation_invalid", MSG_INVITE_INVALID, status_code=404)
    user = inv.user
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ServiceError("invalid", f"password: {exc.messages[0]}", {"password": list(exc.messages)}) from None
    user.set_password(password)
    user.status = UserStatus.ACTIVE
    if full_name:
        user.full_name = full_name
    user.save(update_fields=["password", "status", "full_name"])
    inv.accepted_at = timezone.now()
    inv.save(update_fields=["accepted_at"])
    if user.has_role(Role.SUPERVISOR):
        _supervisor_seats_changed()
    audit_record(actor=user, action="user.join", target=user, summary=f"{user.email} accepted the invitation")
    return user


def _revoke_access(user: User) -> None:
    """Sessions (via the session auth hash), API tokens and open sockets, at once."""
    User.objects.filter(pk=user.pk).update(session_version=user.session_version + 1)
    user.session_version += 1
    ApiToken.objects.filter(user=user).delete()
    push_on_commit([f"user.{user.pk}"], {"type": "session.revoked"})


@transaction.atomic
def user_disable(*, user: User, actor: User, ip: str | None = None) -> User:
    if user.pk == actor.pk:
        raise ServiceError("invalid", MSG_SELF_DISABLE, status_code=409)
    if user.has_role(Role.TENANT_ADMIN) and user.status == UserStatus.ACTIVE and _active_admins() <= 1:
        raise ServiceError("last_admin", MSG_LAST_ADMIN, status_code=409)
    user.status = UserStatus.DISABLED
    user.save(update_fields=["status"])
    Invitation.objects.filter(user=user, accepted_at__isnull=True).delete()
    _revoke_access(user)
    if user.has_role(Role.SUPERVISOR):
        _supervisor_seats_changed()
    audit_record(actor=actor, action="user.disable", target=user, ip=ip, summary=f"Disabled {user.email}")
    return user


@transaction.atomic
def user_enable(*, user: User, actor: User, ip: str | None = None) -> User:
    from accounts.selectors import seats_in_use
    from tenants.models import Tenant

    if user.status != UserStatus.DISABLED:
        return user
    tenant = Tenant.objects.select_for_update().get(pk=_tenant().pk)
    used = seats_in_use()
    if used >= tenant.seat_cap:
        raise ServiceError("seat_cap", MSG_SEAT_CAP.format(cap=tenant.seat_cap, used=used, email=user.email),
                           status_code=409)
    # A disabled invitee never set a password: they come back as invited and need a new link.
    user.status = UserStatus.ACTIVE if user.has_usable_password() else UserStatus.INVITED
    user.save(update_fields=["status"])
    if user.has_role(Role.SUPERVISOR):
        _supervisor_seats_changed()
    audit_record(actor=actor, action="user.enable", target=user, ip=ip, summary=f"Re-enabled {user.email}")
    return user


@transaction.atomic
def user_update(*, user: User, actor: User, full_name: str | None = None, roles: list[str] | None = None,
                team_ids: list[int] | None = None, skills: list[dict] | None = None, ip: str | None = None) -> User:
    """Change name, roles, teams and skills (with proficiency 1–5) in one step: every part is
    checked before anything is written."""
    changes: dict = {}
    if roles is not None:
        roles = _clean_roles(roles)
        removing_admin = user.has_role(Role.TENANT_ADMIN) and Role.TENANT_ADMIN not in roles
        if removing_admin and user.status == UserStatus.ACTIVE and _active_admins() <= 1:
            raise ServiceError("last_admin", MSG_LAST_ADMIN, status_code=409)
    if team_ids is not None:
        teams = list(Team.objects.filter(pk__in=team_ids))
        if len(teams) != len(set(team_ids)):
            raise ServiceError("invalid", "teams: Unknown team.", {"teams": ["Unknown team."]})
    if skills is not None:
        wanted: dict[int, int] = {}
        for item in skills:
            level = item.get("proficiency")
            if not isinstance(level, int) or not 1 <= level <= 5:
                raise ServiceError("invalid", "skills: Proficiency must be a whole number from 1 to 5.",
                                   {"skills": ["Proficiency must be a whole number from 1 to 5."]})
            wanted[item["skill"]] = level
        known = set(Skill.objects.filter(pk__in=wanted).values_list("pk", flat=True))
        if known != set(wanted):
            raise ServiceError("invalid", "skills: Unknown skill.", {"skills": ["Unknown skill."]})
    if full_name is not None:
        user.full_name = full_name.strip()
        user.save(update_fields=["full_name"])
        changes["full_name"] = user.full_name
    if roles is not None:
        before = sorted(user.role_codes)
        _grant_roles(user, roles)
        changes["roles"] = {"from": before, "to": sorted(roles)}
    if team_ids is not None:
        user.teams.set(teams)
        changes["teams"] = sorted(t.name for t in teams)
    if skills is not None:
        UserSkill.objects.filter(user=user).exclude(skill_id__in=wanted).delete()
        for skill_id, level in wanted.items():
            UserSkill.objects.update_or_create(user=user, skill_id=skill_id, defaults={"proficiency": level})
        changes["skills"] = {str(k): v for k, v in wanted.items()}
    if changes:
        action = "user.roles" if "roles" in changes else "user.update"
        audit_record(actor=actor, action=action, target=user, ip=ip, detail=changes,
                     summary=f"Updated {user.email}: {', '.join(changes)}")
    return user


def _named_create(model, *, noun: str, name: str, actor: User, description: str = ""):
    """Create a Team or Skill: a unique (case-insensitive) name, audited."""
    name = (name or "").strip()
    if not name:
        msg = f"Enter a {noun} name."
        raise ServiceError("invalid", f"name: {msg}", {"name": [msg]})
    if model.objects.filter(name__iexact=name).exists():
        msg = f"A {noun} with this name exists."
        raise ServiceError("invalid", f"name: {msg}", {"name": [msg]})
    obj = model.objects.create(name=name, description=description)
    audit_record(actor=actor, action=f"{noun}.create", target=obj, summary=f"Created {noun} {name}")
    return obj


def team_create(*, name: str, actor: User, description: str = "") -> Team:
    return _named_create(Team, noun="team", name=name, actor=actor, description=description)


def skill_create(*, name: str, actor: User, description: str = "") -> Skill:
    return _named_create(Skill, noun="skill", name=name, actor=actor, description=description)


def _login_key(email: str, ip: str | None) -> str:
    return f"login-fail:{_hash(email.lower())}:{ip or '-'}"


def login_check(*, request, email: str, password: str) -> User:
    """Authenticate with rate limiting (SEC-2) and the tenant lifecycle (TEN-5); audited."""
    from django.conf import settings
    from django.contrib.auth import authenticate

    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    key = _login_key(email or "", ip)
    if cache.get(key, 0) >= settings.LOGIN_RATE_LIMIT:
        raise ServiceError("rate_limited", MSG_LOGIN_LOCKED, status_code=429)
    user = authenticate(request, email=email, password=password)
    if user is None:
        cache.add(key, 0, LOGIN_WINDOW_S)
        cache.incr(key)
        raise ServiceError("login_failed", MSG_LOGIN_FAILED, status_code=401)
    cache.delete(key)
    tenant = _tenant()
    from tenants.models import TenantState

    if tenant is not None and tenant.state == TenantState.SUSPENDED and not user.has_role(Role.TENANT_ADMIN):
        raise ServiceError("tenant_suspended", MSG_TENANT_SUSPENDED, status_code=403)
    audit_record(actor=user, action="auth.login", target=user, ip=ip, summary=f"{user.email} signed in")
    return user


def api_token_create(*, user: User, name: str = "") -> str:
    raw = "hl_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=_hash(raw), prefix=raw[3:11], name=name)
    return raw


def api_token_resolve(raw: str) -> ApiToken | None:
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(raw)).first()
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or timezone.now() - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


def api_token_revoke(*, raw: str) -> None:
    ApiToken.objects.filter(key_hash=_hash(raw)).delete()


def users_revoke_non_admin_sessions() -> int:
    """On suspension: sign every non-admin out of sessions, tokens and sockets."""
    users = list(User.objects.exclude(role_grants__role=Role.TENANT_ADMIN))
    for user in users:
        _revoke_access(user)
    return len(users)
