from django.db import connection


def hostline(request):
    tenant = getattr(request, "tenant", None)
    is_tenant = connection.schema_name != "public"
    user = getattr(request, "user", None)
    roles = user.role_codes if (is_tenant and user is not None and user.is_authenticated) else set()
    return {"tenant": tenant if is_tenant else None, "roles": roles}
