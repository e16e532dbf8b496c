from django.db import connection
from rest_framework.permissions import BasePermission

from accounts.models import Role


class HasRole(BasePermission):
    """Allow users holding any of the roles. Use `HasRole.of(...)` in permission_classes."""

    roles: tuple[str, ...] = ()
    message = "Your role does not allow this."

    @classmethod
    def of(cls, *roles: str) -> type["HasRole"]:
        return type(f"HasRole_{'_'.join(roles)}", (cls,), {"roles": roles})

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_role(*self.roles))


class OnTenantDomain(BasePermission):
    message = "This endpoint is served on a tenant's own domain."

    def has_permission(self, request, view) -> bool:
        return connection.schema_name != "public"


IsTenantAdmin = HasRole.of(Role.TENANT_ADMIN)
IsAdminOrSupervisor = HasRole.of(Role.TENANT_ADMIN, Role.SUPERVISOR)
IsStaffOrAgent = HasRole.of(Role.AGENT, Role.SUPERVISOR, Role.TENANT_ADMIN, Role.QA_ANALYST)
