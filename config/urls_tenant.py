"""A tenant's own domain (<slug>.<base>): the call center's pages and API."""

from django.urls import path

from accounts import api as accounts_api
from config.health import healthz
from config.urls_api_common import schema_urls
from frontend import tenant_views
from telephony import api as telephony_api
from telephony import webhooks
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
    path("api/v1/agents/<int:pk>/phone", telephony_api.AgentPhoneView.as_view(), name="api-agent-phone"),
    path("api/v1/agents/me/heartbeat", telephony_api.HeartbeatView.as_view(), name="api-agent-heartbeat"),
    path("api/v1/agents/me/softphone-token", telephony_api.SoftphoneTokenView.as_view(), name="api-softphone-token"),
    path("api/v1/calls", telephony_api.CallListView.as_view(), name="api-calls"),
    path("api/v1/calls/ringing", telephony_api.RingingView.as_view(), name="api-calls-ringing"),
    path("api/v1/calls/<int:pk>", telephony_api.CallDetailView.as_view(), name="api-call"),
    path("api/v1/calls/<int:pk>/events", telephony_api.CallEventsView.as_view(), name="api-call-events"),
    path("api/v1/calls/<int:pk>/accept", telephony_api.CallAcceptView.as_view(), name="api-call-accept"),
    path("api/v1/calls/<int:pk>/decline", telephony_api.CallDeclineView.as_view(), name="api-call-decline"),
    path("api/v1/calls/<int:pk>/hold", telephony_api.CallHoldView.as_view(), name="api-call-hold"),
    path("api/v1/calls/<int:pk>/mute", telephony_api.CallMuteView.as_view(), name="api-call-mute"),
    path("api/v1/calls/<int:pk>/hangup", telephony_api.CallHangupView.as_view(), name="api-call-hangup"),
    path("api/v1/calls/<int:pk>/transfer", telephony_api.CallTransferView.as_view(), name="api-call-transfer"),
    path("api/v1/calls/<int:pk>/transfer/complete", telephony_api.CallTransferCompleteView.as_view(),
         name="api-call-transfer-complete"),
    path("api/v1/calls/<int:pk>/transfer/cancel", telephony_api.CallConsultCancelView.as_view(),
         name="api-call-transfer-cancel"),
    path("api/v1/calls/<int:pk>/conference", telephony_api.CallConferenceView.as_view(), name="api-call-conference"),
    path("api/v1/calls/<int:pk>/monitor", telephony_api.CallMonitorView.as_view(), name="api-call-monitor"),
    path("api/v1/calls/<int:pk>/monitor/stop", telephony_api.CallMonitorStopView.as_view(),
         name="api-call-monitor-stop"),
    path("api/v1/calls/<int:pk>/recording", telephony_api.CallRecordingView.as_view(), name="api-call-recording"),
    path("api/v1/calls/<int:pk>/wrap-up", telephony_api.CallWrapUpView.as_view(), name="api-call-wrap-up"),
    path("api/v1/routing-decisions", telephony_api.RoutingDecisionView.as_view(), name="api-routing-decisions"),
    path("api/v1/queues", telephony_api.QueueListView.as_view(), name="api-queues"),
    path("api/v1/queues/<int:pk>", telephony_api.QueueDetailView.as_view(), name="api-queue"),
    path("api/v1/numbers", telephony_api.NumberListView.as_view(), name="api-numbers"),
    path("api/v1/numbers/<int:pk>", telephony_api.NumberDetailView.as_view(), name="api-number"),
    path("api/v1/ivr-flows", telephony_api.IvrFlowListView.as_view(), name="api-ivr-flows"),
    path("api/v1/ivr-flows/<int:pk>", telephony_api.IvrFlowDetailView.as_view(), name="api-ivr-flow"),
    path("api/v1/ivr-flows/<int:pk>/publish", telephony_api.IvrFlowPublishView.as_view(), name="api-ivr-publish"),
    path("api/v1/ivr-flows/<int:pk>/restore", telephony_api.IvrFlowRestoreView.as_view(), name="api-ivr-restore"),
    path("api/v1/caller-lists", telephony_api.CallerListView.as_view(), name="api-caller-lists"),
    path("api/v1/caller-lists/<int:pk>", telephony_api.CallerListDetailView.as_view(), name="api-caller-list"),
    path("api/v1/callbacks", telephony_api.CallbackListView.as_view(), name="api-callbacks"),
    path("api/v1/callbacks/<int:pk>/cancel", telephony_api.CallbackCancelView.as_view(), name="api-callback-cancel"),
    path("api/v1/backlog", telephony_api.BacklogListView.as_view(), name="api-backlog"),
    path("api/v1/backlog/messages", telephony_api.BacklogMessageView.as_view(), name="api-backlog-message"),
    path("api/v1/backlog/<int:pk>/review", telephony_api.BacklogReviewView.as_view(), name="api-backlog-review"),
    path("api/v1/backlog/<int:pk>/attempt", telephony_api.BacklogAttemptView.as_view(), name="api-backlog-attempt"),
    path("api/v1/backlog/<int:pk>/convert", telephony_api.BacklogConvertView.as_view(), name="api-backlog-convert"),
    path("api/v1/backlog/<int:pk>/close", telephony_api.BacklogCloseView.as_view(), name="api-backlog-close"),
    path("api/v1/recordings/<int:pk>", telephony_api.RecordingDetailView.as_view(), name="api-recording"),
]

carrier_hooks = [
    path("telephony/voice/incoming", webhooks.incoming, name="hook-incoming"),
    path("telephony/voice/ivr", webhooks.ivr_input, name="hook-ivr"),
    path("telephony/voice/wait", webhooks.queue_wait, name="hook-wait"),
    path("telephony/voice/voicemail", webhooks.voicemail, name="hook-voicemail"),
    path("telephony/voice/status", webhooks.call_status, name="hook-status"),
    path("telephony/voice/leg", webhooks.leg_status, name="hook-leg"),
    path("telephony/voice/conference", webhooks.conference, name="hook-conference"),
    path("telephony/voice/recording", webhooks.recording, name="hook-recording"),
    path("telephony/voice/outbound", webhooks.outbound, name="hook-outbound"),
    path("telephony/voice/redirect", webhooks.redirect, name="hook-redirect"),
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
    *carrier_hooks,
    *schema_urls("config.urls_tenant"),
]
