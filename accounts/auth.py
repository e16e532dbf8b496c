from django.db import connection
from rest_framework import authentication, exceptions

from accounts.models import Role
from accounts.services import api_token_resolve


def _suspended() -> bool:
    from tenants.models import TenantState

    return getattr(getattr(connection, "tenant", None), "state", None) == TenantState.SUSPENDED


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer <token>` (or `Token <token>`), looked up in the current tenant only."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="ignore").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        token = api_token_resolve(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if _suspended() and not token.user.has_role(Role.TENANT_ADMIN):
            # Suspension revokes tokens; this also refuses any made since (TEN-5).
            raise exceptions.PermissionDenied("This account is suspended. Only administrators can use it.")
        return token.user, token

    def authenticate_header(self, request):
        return "Bearer"
