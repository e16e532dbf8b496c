from django.utils import timezone
from rest_framework import serializers

from accounts.models import Skill, User
from telephony import clock
from telephony.agent_state import AgentState
from telephony.models import (
    AttemptOutcome,
    BacklogAttempt,
    BacklogItem,
    Call,
    Callback,
    CallerListEntry,
    CallEvent,
    CallLeg,
    IvrFlow,
    IvrFlowVersion,
    MonitorMode,
    PhoneNumber,
    Queue,
    Recording,
    RoutingDecision,
)


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
    wrap_up_until = serializers.SerializerMethodField()

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

    def get_wrap_up_until(self, user) -> str | None:
        p = self._profile(user)
        return p.wrap_up_until.isoformat() if p and p.wrap_up_until else None


class StateChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()
    source = serializers.CharField()
    actor_email = serializers.CharField()


class QueueSkillSerializer(serializers.Serializer):
    skill = serializers.PrimaryKeyRelatedField(queryset=Skill.objects.all())
    min_proficiency = serializers.IntegerField(min_value=1, max_value=5, default=1)


class QueueSerializer(serializers.ModelSerializer):
    skills = QueueSkillSerializer(many=True, required=False, source="required_skills")
    members = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=User.objects.all())

    class Meta:
        model = Queue
        fields = ["id", "name", "is_default", "strategy", "priority", "vip_priority_boost", "sl_target_pct",
                  "sl_threshold_s", "offer_timeout_s", "acw_limit_s", "sticky_timeout_s", "overflow_after_s",
                  "overflow_widen_skills", "overflow_queue", "max_wait_s", "max_wait_action", "max_size",
                  "use_hours", "after_hours_action", "after_hours_queue", "after_hours_message",
                  "recording_policy", "consent_prompt", "announce_position", "hold_music_url", "post_call_survey",
                  "survey_prompt", "skills", "members"]
        read_only_fields = ["id", "is_default"]

    def to_representation(self, queue):
        data = super().to_representation(queue)
        data["members"] = [m.user_id for m in queue.members.all()]
        return data


class NumberSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhoneNumber
        fields = ["id", "e164", "kind", "label", "entry_flow", "entry_queue", "created_at"]
        read_only_fields = ["id", "created_at"]


class IvrVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = IvrFlowVersion
        fields = ["version", "graph", "note", "created_at", "created_by_email"]


class IvrFlowSerializer(serializers.ModelSerializer):
    published_version = serializers.IntegerField(source="published.version", read_only=True, default=None)
    graph = serializers.JSONField(source="published.graph", read_only=True, default=None)

    class Meta:
        model = IvrFlow
        fields = ["id", "name", "description", "published_version", "graph", "created_at"]


class IvrFlowCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    graph = serializers.JSONField()


class IvrPublishSerializer(serializers.Serializer):
    graph = serializers.JSONField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class IvrRestoreSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)


class CallerListSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallerListEntry
        fields = ["id", "number", "kind", "note", "created_at", "created_by_email"]
        read_only_fields = ["id", "created_at", "created_by_email"]


class LegSerializer(serializers.ModelSerializer):
    user = serializers.EmailField(source="user.email", default=None, read_only=True)

    class Meta:
        model = CallLeg
        fields = ["id", "role", "user", "target", "status", "monitor_mode", "on_hold", "muted", "note",
                  "started_at", "answered_at", "ended_at"]


class CallSerializer(serializers.ModelSerializer):
    queue = serializers.CharField(source="queue.name", default=None, read_only=True)
    agent = serializers.EmailField(source="agent.email", default=None, read_only=True)

    class Meta:
        model = Call
        fields = ["id", "sid", "direction", "ani", "dnis", "status", "outcome", "abandon_point", "queue", "agent",
                  "caller_tier", "priority", "ivr_path", "collected", "arrived_at", "queued_at", "offered_at",
                  "answered_at", "ended_at", "wait_s", "talk_s", "hold_s", "acw_s", "disposition", "notes",
                  "transfer_count", "recording_paused"]


class CallDetailSerializer(CallSerializer):
    legs = LegSerializer(many=True, read_only=True)

    class Meta(CallSerializer.Meta):
        fields = [*CallSerializer.Meta.fields, "legs"]


class CallEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CallEvent
        fields = ["at", "kind", "actor_email", "detail"]


class RoutingDecisionSerializer(serializers.ModelSerializer):
    agent = serializers.EmailField(source="agent.email", default=None, read_only=True)

    class Meta:
        model = RoutingDecision
        fields = ["at", "call", "queue", "agent", "strategy", "reason", "elapsed_us"]


class HoldSerializer(serializers.Serializer):
    hold = serializers.BooleanField()


class DigitsSerializer(serializers.Serializer):
    digits = serializers.CharField(max_length=32)


class MuteSerializer(serializers.Serializer):
    muted = serializers.BooleanField()


class TransferSerializer(serializers.Serializer):
    to_agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    to_queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.all(), required=False, allow_null=True)
    to_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)
    warm = serializers.BooleanField(default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ConferenceSerializer(serializers.Serializer):
    to_agent = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    to_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)


class MonitorSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=MonitorMode.choices)


class RecordingPauseSerializer(serializers.Serializer):
    paused = serializers.BooleanField()


class WrapUpSerializer(serializers.Serializer):
    disposition = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)
    next_state = serializers.ChoiceField(choices=["available", "not_ready", "offline"], default="available")
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)


class CallbackSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="owner.email", default=None, read_only=True)

    class Meta:
        model = Callback
        fields = ["id", "number", "origin", "status", "queue", "owner", "due_at", "place_in_line_at", "attempts",
                  "max_attempts", "note", "created_at"]
        read_only_fields = fields


class CallbackScheduleSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32)
    due_at = serializers.DateTimeField()
    queue = serializers.PrimaryKeyRelatedField(queryset=Queue.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class BacklogAttemptSerializer(serializers.ModelSerializer):
    agent = serializers.EmailField(source="agent.email", default=None, read_only=True)

    class Meta:
        model = BacklogAttempt
        fields = ["number", "at", "agent", "outcome", "note"]


class BacklogItemSerializer(serializers.ModelSerializer):
    attempt_log = BacklogAttemptSerializer(many=True, read_only=True)
    age_s = serializers.SerializerMethodField()

    class Meta:
        model = BacklogItem
        fields = ["id", "kind", "status", "call", "queue", "recording", "contact_number", "contact_name", "message",
                  "duration_s", "assigned_to", "attempts", "next_attempt_at", "case_type", "case", "closed_reason",
                  "created_at", "reviewed_at", "first_contact_at", "closed_at", "age_s", "attempt_log"]

    def get_age_s(self, item) -> int:
        end = item.closed_at or clock.now()
        return int((end - item.created_at).total_seconds())


class MessageSerializer(serializers.Serializer):
    contact_number = serializers.CharField(max_length=32)
    contact_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    message = serializers.CharField(max_length=4000)


class AttemptSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=AttemptOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class ConvertSerializer(serializers.Serializer):
    case_type = serializers.CharField(max_length=12, help_text="one of the tenant's case types")
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CloseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RecordingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Recording
        fields = ["id", "sid", "call", "agent", "kind", "status", "media_url", "duration_s", "started_at",
                  "completed_at", "deleted_at"]


class AgentPhoneSerializer(serializers.Serializer):
    sip_uri = serializers.CharField(max_length=200, allow_blank=True)
