"""Telephony (TENANT schema): routing configuration, agents, calls and their follow-up work."""

from telephony.models.agents import AgentProfile, AgentStateChange
from telephony.models.backlog import (
    AttemptOutcome,
    BacklogAttempt,
    BacklogItem,
    BacklogKind,
    BacklogStatus,
    Callback,
    CallbackOrigin,
    CallbackStatus,
)
from telephony.models.calls import (
    ACTIVE_STATUSES,
    Call,
    CallEvent,
    CallLeg,
    CallStatus,
    Direction,
    LegRole,
    LegStatus,
    MonitorMode,
    Offer,
    OfferStatus,
    Outcome,
    Recording,
    RecordingStatus,
    RoutingDecision,
    WebhookReceipt,
)
from telephony.models.codes import NotReadyCode, WrapUpCode
from telephony.models.outbound import Campaign, CampaignContact, DialAttempt, DncEntry
from telephony.models.routing import (
    AfterHoursAction,
    BusinessHours,
    CallerListEntry,
    CallerListKind,
    Holiday,
    IvrFlow,
    IvrFlowVersion,
    NumberKind,
    PhoneNumber,
    Queue,
    QueueMember,
    QueueOverflowAction,
    QueueSkill,
    RecordingPolicy,
    Strategy,
)

__all__ = [
    "Campaign", "CampaignContact", "DialAttempt", "DncEntry",
    "NotReadyCode",
    "WrapUpCode",
    "ACTIVE_STATUSES", "AfterHoursAction", "AgentProfile", "AgentStateChange", "AttemptOutcome", "BacklogAttempt",
    "BacklogItem", "BacklogKind", "BacklogStatus", "BusinessHours", "Call", "CallEvent", "CallLeg", "CallStatus",
    "Callback", "CallbackOrigin", "CallbackStatus", "CallerListEntry", "CallerListKind", "Direction",
    "Holiday", "IvrFlow", "IvrFlowVersion", "LegRole", "LegStatus", "MonitorMode", "NumberKind", "Offer",
    "OfferStatus", "Outcome", "PhoneNumber", "Queue", "QueueMember", "QueueOverflowAction", "QueueSkill",
    "Recording", "RecordingPolicy", "RecordingStatus", "RoutingDecision", "Strategy", "WebhookReceipt",
]
