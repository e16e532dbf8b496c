"""Operator console (Django admin on the public domain): tenants, lifecycle, features."""

from django.contrib import admin, messages
from django.db import connection

from config.errors import ServiceError
from tenants.models import INTERNAL_STATES, Domain, FeatureOverride, ProviderCredential, Tenant, TenantState
from tenants.selectors import tenant_features
from tenants.services import tenant_transition


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class FeatureOverrideInline(admin.TabularInline):
    model = FeatureOverride
    extra = 0


def _transition_action(target: str):
    def action(modeladmin, request, queryset):
        for tenant in queryset:
            try:
                tenant_transition(tenant=tenant, to_state=target, actor_email=request.user.email,
                                  reason="operator console")
                modeladmin.message_user(request, f"{tenant.slug}: now {target}")
            except ServiceError as exc:
                modeladmin.message_user(request, f"{tenant.slug}: {exc.message}", level=messages.ERROR)
        connection.set_schema_to_public()

    action.__name__ = f"make_{target}"
    action.short_description = f"Move to {target}"
    return action


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("slug", "name", "edition", "state", "seat_cap", "created_at")
    list_filter = ("state", "edition")
    search_fields = ("slug", "name")
    readonly_fields = ("schema_name", "state", "state_changed_at", "created_at", "deletion_due_at", "entitlements")
    inlines = [DomainInline, FeatureOverrideInline]
    actions = [_transition_action(s) for s in (TenantState.ACTIVE, TenantState.PAST_DUE, TenantState.SUSPENDED,
                                                TenantState.CLOSED)]

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(state__in=INTERNAL_STATES)

    @admin.display(description="Effective features")
    def entitlements(self, obj):
        return ", ".join(sorted(tenant_features(obj)))


@admin.register(ProviderCredential)
class ProviderCredentialAdmin(admin.ModelAdmin):
    list_display = ("tenant", "provider", "account_sid", "updated_at")
    exclude = ("secret_encrypted",)
