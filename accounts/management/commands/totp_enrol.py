from django.core.management.base import BaseCommand, CommandError
from django_tenants.utils import schema_context


class Command(BaseCommand):
    help = ("Give a user an authenticator key (an operator on the public schema by default; --tenant for a "
            "tenant's user) and print it to scan: the way in for the first operator when REQUIRE_STAFF_2FA is on.")

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument("--tenant", help="tenant slug (default: the platform's operators)")

    def handle(self, *args, **options):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.models import User
        from tenants.models import Tenant

        schema = "public"
        if options["tenant"]:
            tenant = Tenant.objects.filter(slug=options["tenant"]).first()
            if tenant is None:
                raise CommandError(f"No tenant with slug {options['tenant']!r}.")
            schema = tenant.schema_name
        with schema_context(schema):
            user = User.objects.filter(email=options["email"].strip().lower()).first()
            if user is None:
                raise CommandError(f"No user {options['email']!r} in {schema}.")
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
            self.stdout.write(device.config_url)
