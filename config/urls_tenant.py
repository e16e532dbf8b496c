"""A tenant's own domain (<slug>.<base>): the call center's pages and API."""

from django.urls import path

from accounts import api as accounts_api
from config.health import healthz
from config.urls_api_common import schema_urls
from frontend import tenant_views
from telephony import api as telephony_api
from tenants import api as tenants_api

api = [
    path("api/v1/auth/token", accounts_api.TokenView.as_view(), name="api-token"),
    path("api/v1/auth/token/current", accounts_api.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("api/v1/me", accounts_api.MeView.as_view(), name="api-me"),
    path("api/v1/users", accounts_api.UserListView.as_view(), name="api-users"),
    path("api/v1/users/invite", accounts_api.UserInviteView.as_view(), name="api-user-invite"),
    path("api/v1/users/<int:pk>", accounts_api.UserDetailView.as_view(), name="api-user"),
    path("api/v1/users/<int:pk>/disable", accounts_api.UserDisableView.as_view(), name="api-user-disable"),
    path("api/v1/users/<int:pk>/enable", accounts_api.UserEnableView.as_view(), name="api-user-enable"),
    path("api/v1/teams", accounts_api.TeamListView.as_view(), name="api-teams"),
    path("api/v1/skills", accounts_api.SkillListView.as_view(), name="api-skills"),
    path("api/v1/audit", accounts_api.AuditListView.as_view(), name="api-audit"),
    path("api/v1/tenant", tenants_api.TenantSettingsView.as_view(), name="api-tenant"),
    path("api/v1/tenant/credentials", tenants_api.CredentialsView.as_view(), name="api-tenant-credentials"),
    path("api/v1/agents", telephony_api.AgentListView.as_view(), name="api-agents"),
    path("api/v1/agents/me/state", telephony_api.MyStateView.as_view(), name="api-agent-my-state"),
    path("api/v1/agents/<int:pk>/state", telephony_api.ForceStateView.as_view(), name="api-agent-force-state"),
    path("api/v1/agents/<int:pk>/state-log", telephony_api.StateLogView.as_view(), name="api-agent-state-log"),
]

urlpatterns = [
    path("", tenant_views.home, name="home"),
    path("login", tenant_views.login_view, name="login"),
    path("logout", tenant_views.logout_view, name="logout"),
    path("invite/<str:token>", tenant_views.invite_accept, name="invite-accept"),
    path("console/users", tenant_views.users_page, name="console-users"),
    path("console/users/invite", tenant_views.users_invite, name="console-users-invite"),
    path("console/users/<int:pk>", tenant_views.user_edit, name="console-user-edit"),
    path("console/users/<int:pk>/toggle", tenant_views.user_toggle, name="console-user-toggle"),
    path("console/seats", tenant_views.seats_update, name="console-seats"),
    path("console/audit", tenant_views.audit_page, name="console-audit"),
    path("healthz", healthz, name="healthz"),
    *api,
    *schema_urls("config.urls_tenant"),
]
