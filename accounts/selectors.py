from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import AuditEvent, RoleGrant, User, UserSkill, UserStatus


def seats_in_use() -> int:
    """Active users plus pending invitations: an invitation holds its seat (TEN-3)."""
    return User.objects.filter(status__in=[UserStatus.ACTIVE, UserStatus.INVITED], is_bot=False).count()


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related(
        Prefetch("role_grants", queryset=RoleGrant.objects.order_by("role")),
        Prefetch("skills", queryset=UserSkill.objects.select_related("skill")),
        "teams",
    ).order_by("email")


def audit_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.all()
