from rest_framework import serializers

from accounts.models import TENANT_ROLES, AuditEvent, Role, Skill, Team, User

ROLE_CHOICES = [(r.value, r.label) for r in TENANT_ROLES]


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=80)
    otp = serializers.CharField(required=False, allow_blank=True, max_length=10,
                                help_text="The authenticator app's current code, for users with two-step sign-in.")


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class UserSkillSerializer(serializers.Serializer):
    skill = serializers.IntegerField()
    name = serializers.CharField(read_only=True)
    proficiency = serializers.IntegerField(min_value=1, max_value=5)


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    teams = serializers.SerializerMethodField()
    skills = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "status", "roles", "teams", "skills", "date_joined"]

    def get_roles(self, obj) -> list[str]:
        return sorted(g.role for g in obj.role_grants.all())

    def get_teams(self, obj) -> list[dict]:
        return [{"id": t.id, "name": t.name} for t in obj.teams.all()]

    def get_skills(self, obj) -> list[dict]:
        return [{"skill": s.skill_id, "name": s.skill.name, "proficiency": s.proficiency} for s in obj.skills.all()]


class InviteSerializer(serializers.Serializer):
    email = serializers.EmailField()
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES), default=[Role.AGENT])


class InviteResponseSerializer(serializers.Serializer):
    user = UserSerializer()
    invite_url = serializers.CharField()


class UserUpdateSerializer(serializers.Serializer):
    full_name = serializers.CharField(required=False, allow_blank=True, max_length=120)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=ROLE_CHOICES), required=False)
    teams = serializers.ListField(child=serializers.IntegerField(), required=False)
    skills = UserSkillSerializer(many=True, required=False)


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "description"]


class SkillSerializer(serializers.ModelSerializer):
    class Meta:
        model = Skill
        fields = ["id", "name", "description"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = ["id", "at", "actor_kind", "actor_email", "action", "target_type", "target_id", "summary",
                  "detail", "ip"]
