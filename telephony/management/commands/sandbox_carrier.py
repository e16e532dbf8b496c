import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand


def sandbox_number(e164: str) -> dict | None:
    """A number of a tenant on the sandbox provider, as Twilio's number database would know it."""
    from django.db import connection
    from django_tenants.utils import tenant_context

    from telephony.hooks import hook_url
    from telephony.providers.sandbox import sandbox_account_sid
    from telephony.signatures import sandbox_auth_token
    from tenants.models import NumberRoute, ProviderCredential

    route = NumberRoute.objects.select_related("tenant").filter(e164=e164).first()
    if route is None:
        return None
    cred = ProviderCredential.objects.filter(tenant=route.tenant).first()
    if cred is not None and cred.provider != ProviderCredential.Provider.SANDBOX:
        return None
    with tenant_context(route.tenant):
        number = {"account": sandbox_account_sid(route.tenant.schema_name), "voice_url": hook_url("incoming"),
                  "status_url": hook_url("status"), "token": sandbox_auth_token(route.tenant)}
    connection.set_schema_to_public()
    return number


class Command(BaseCommand):
    help = "Run the sandbox carrier: Twilio's part, on this machine, speaking signed webhooks to the app."

    def add_arguments(self, parser):
        parser.add_argument("--listen", default=settings.SANDBOX_CARRIER_URL, help="carrier URL (loopback)")
        parser.add_argument("--app", default=f"http://127.0.0.1:{settings.SITE_PORT}",
                            help="where the app's web server listens")

    def handle(self, *args, **opts):
        from telephony.sandbox.carrier import SandboxCarrier
        from telephony.sandbox.scheduler import RealtimeScheduler
        from telephony.sandbox.server import serve
        from telephony.sandbox.transport import HttpTransport

        scheduler = RealtimeScheduler()
        carrier = SandboxCarrier(transport=HttpTransport(connect_to=opts["app"]), scheduler=scheduler)
        carrier.number_resolver = sandbox_number
        listen = urlsplit(opts["listen"])
        server = serve(carrier, listen.hostname or "127.0.0.1", listen.port or 8010)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.stdout.write(f"sandbox carrier on {opts['listen']}, webhooks to {opts['app']}")
        scheduler.run_forever(on_error=lambda exc: self.stderr.write(f"carrier event failed: {exc!r}"))
