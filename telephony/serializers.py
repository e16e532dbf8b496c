from django.utils import timezone
from rest_framework import serializers

from telephony.agent_state import AgentState


class StateChangeRequestSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=AgentState.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class AgentStateSerializer(serializers.Serializer):
    agent = serializers.IntegerField(source="pk")
    email = serializers.EmailField()
    name = serializers.CharField(source="full_name")
    state = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    state_since = serializers.SerializerMethodField()
    seconds_in_state = serializers.SerializerMethodField()
    missed_offers = serializers.SerializerMethodField()

    def _profile(self, user):
        return getattr(user, "agent_profile", None)

    def get_state(self, user) -> str:
        p = self._profile(user)
        return p.state if p else AgentState.OFFLINE

    def get_reason(self, user) -> str:
        p = self._profile(user)
        return p.not_ready_reason if p else ""

    def get_state_since(self, user) -> str | None:
        p = self._profile(user)
        return p.state_since.isoformat() if p else None

    def get_seconds_in_state(self, user) -> int | None:
        p = self._profile(user)
        return int((timezone.now() - p.state_since).total_seconds()) if p else None

    def get_missed_offers(self, user) -> int:
        p = self._profile(user)
        return p.missed_offers if p else 0


class StateChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    source = serializers.CharField()
    actor_email = serializers.CharField()
