from django.contrib import admin
from django.db import connection

from accounts.models import User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Operator accounts (public schema). Tenant users are managed in each tenant's console."""

    list_display = ("email", "full_name", "status", "is_staff")
    exclude = ("password", "user_permissions", "groups", "teams", "session_version")

    def has_module_permission(self, request):
        return connection.schema_name == "public" and super().has_module_permission(request)
