"""Telephony reads: agents, hours, queue positions, calls and their logs."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Avg, F, Q, QuerySet

from accounts.models import Role, User
from telephony import clock
from telephony.models import (
    AgentProfile,
    AgentStateChange,
    BusinessHours,
    Call,
    Callback,
    CallStatus,
    Holiday,
    NotReadyCode,
    Queue,
    WrapUpCode,
)

DEFAULT_AHT_S = 180


def agent_list() -> QuerySet[User]:
    """Every user with the agent role, with their live profile (None until first use)."""
    return (User.objects.filter(role_grants__role=Role.AGENT).select_related("agent_profile")
            .order_by("email").distinct())


def agent_state_log(*, user: User, limit: int = 200) -> QuerySet[AgentStateChange]:
    return AgentStateChange.objects.filter(agent__user=user).order_by("-at", "-id")[:limit]


def agent_profile_of(user: User) -> AgentProfile | None:
    return AgentProfile.objects.filter(user=user).first()


def tenant_local(at: datetime) -> datetime:
    tz = getattr(connection.tenant, "timezone", "UTC") or "UTC"
    return at.astimezone(ZoneInfo(tz))


def tenant_day_start(at: datetime | None = None) -> datetime:
    """Midnight of `at`'s day in the tenant's timezone: "today" on the desk and the wallboard."""
    return tenant_local(at or clock.now()).replace(hour=0, minute=0, second=0, microsecond=0)


def is_holiday(queue_id: int | None, at: datetime | None = None) -> bool:
    day = tenant_local(at or clock.now()).date()
    return Holiday.objects.filter(Q(queue__isnull=True) | Q(queue_id=queue_id), date=day).exists()


def is_open(queue_id: int | None, at: datetime | None = None) -> bool:
    """Within opening hours (TEL-5): the queue's own hours if it has any, else the tenant's."""
    local = tenant_local(at or clock.now())
    rows = BusinessHours.objects.filter(queue_id=queue_id) if queue_id else BusinessHours.objects.none()
    if not rows.exists():
        rows = BusinessHours.objects.filter(queue__isnull=True)
    return rows.filter(weekday=local.weekday(), opens__lte=local.time(), closes__gt=local.time()).exists()


def queue_position(call: Call) -> int:
    """1 = next in line, counting calls of the same queue ahead by priority, then arrival."""
    ahead = Call.objects.filter(queue_id=call.queue_id, status=CallStatus.QUEUED).filter(
        Q(priority__gt=call.priority) | Q(priority=call.priority, queued_at__lt=call.queued_at))
    return ahead.count() + 1


def queue_expected_wait_s(call: Call, position: int) -> int:
    """Position × recent handle time ÷ agents able to take the call; rough, honest, cheap."""
    since = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    aht = (Call.objects.filter(queue_id=call.queue_id, answered_at__gte=since, talk_s__isnull=False)
           .aggregate(v=Avg(F("talk_s") + F("hold_s")))["v"]) or DEFAULT_AHT_S
    staffed = AgentProfile.objects.exclude(state__in=["offline", "not_ready"]).filter(
        user__is_bot=bool(call.sim_run)).count()
    return int(position * aht / max(1, staffed))


def call_list() -> QuerySet[Call]:
    return Call.objects.select_related("queue", "agent")


def calls_visible_to(user: User) -> QuerySet[Call]:
    """Supervisors, admins and QA see every call; an agent the calls they were on."""
    if user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN, Role.QA_ANALYST):
        return call_list()
    return call_list().filter(Q(agent=user) | Q(legs__user=user)).distinct()


def calls_ringing_for(user: User) -> list[Call]:
    """The call offered to this agent now, plus ring-all calls they may claim."""
    from telephony import acd

    offered = list(call_list().filter(offers__agent=user, offers__status="pending"))
    return offered + acd.ring_all_claimable(user=user)


def transfer_note_pending(call: Call) -> str:
    """The note of the latest transfer or consultation request: it travels to the next agent."""
    last = call.events.filter(kind__in=["transfer_requested", "consult_requested"]).order_by("-at", "-id").first()
    return (last.detail or {}).get("note", "") if last else ""


def callbacks_visible_to(user: User) -> QuerySet[Callback]:
    """Supervisors see all callbacks; an agent their own and the unowned ones."""
    qs = Callback.objects.select_related("owner")
    if user.has_role(Role.SUPERVISOR, Role.TENANT_ADMIN):
        return qs
    return qs.filter(Q(owner=user) | Q(owner__isnull=True))


def not_ready_codes() -> QuerySet[NotReadyCode]:
    """The not-ready reasons agents of this tenant may choose, in the tenant's order."""
    return NotReadyCode.objects.filter(active=True)


def wrap_up_codes() -> QuerySet[WrapUpCode]:
    return WrapUpCode.objects.filter(active=True)


def queue_ids_among(ids: list) -> set[int]:
    """Which of `ids` (anything a client sent) are this tenant's queues."""
    wanted = {i for i in ids if isinstance(i, int) and not isinstance(i, bool)}
    return set(Queue.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def queue_list() -> QuerySet[Queue]:
    return Queue.objects.prefetch_related("required_skills__skill", "members")
