from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Role, User
from telephony.models import AgentProfile, AgentStateChange


def agent_list() -> QuerySet[User]:
    """Every user with the agent role, with their live profile (None until first use)."""
    return (User.objects.filter(role_grants__role=Role.AGENT).select_related("agent_profile")
            .order_by("email").distinct())


def agent_state_log(*, user: User, limit: int = 200) -> QuerySet[AgentStateChange]:
    return AgentStateChange.objects.filter(agent__user=user).order_by("-at", "-id")[:limit]


def agent_profile_of(user: User) -> AgentProfile | None:
    return AgentProfile.objects.filter(user=user).first()
