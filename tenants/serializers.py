from rest_framework import serializers

from tenants.models import ProviderCredential


class SignupSerializer(serializers.Serializer):
    company = serializers.CharField(max_length=120)
    slug = serializers.CharField(max_length=40)
    admin_email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=128)
    edition = serializers.CharField(max_length=50, default="standard")
    admin_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")

    def validate_timezone(self, value: str) -> str:
        import zoneinfo

        if value not in zoneinfo.available_timezones():
            raise serializers.ValidationError("Unknown timezone; use an IANA name such as Europe/Berlin.")
        return value


class SignupResponseSerializer(serializers.Serializer):
    slug = serializers.CharField()
    url = serializers.CharField()
    api = serializers.CharField()
    state = serializers.CharField()


class TenantSettingsSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    slug = serializers.CharField(read_only=True)
    state = serializers.CharField(read_only=True)
    edition = serializers.CharField(read_only=True)
    timezone = serializers.CharField(read_only=True)
    seat_cap = serializers.IntegerField(min_value=1)
    recording_retention_days = serializers.IntegerField(min_value=0, max_value=3650)
    seats_in_use = serializers.IntegerField(read_only=True)
    max_seats = serializers.IntegerField(read_only=True)
    features = serializers.ListField(child=serializers.CharField(), read_only=True)


class CredentialsSerializer(serializers.Serializer):
    """Write-only secret: the API never returns it (TEN-6)."""

    provider = serializers.ChoiceField(choices=ProviderCredential.Provider.choices)
    account_sid = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    secret = serializers.CharField(write_only=True, required=False, allow_blank=True, default="",
                                   trim_whitespace=False)
    sip_domain = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    secret_set = serializers.BooleanField(read_only=True)
