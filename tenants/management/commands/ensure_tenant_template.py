from django.core.management.base import BaseCommand

from tenants.services import tenant_ensure_template, tenant_pool_refill


class Command(BaseCommand):
    help = "Create the migrated template schema and fill the spare pool signup draws from (idempotent)."

    def handle(self, *args, **options):
        created = tenant_ensure_template()
        self.stdout.write("tenant template created" if created else "tenant template present")
        self.stdout.write(f"spare schemas cloned: {tenant_pool_refill()}")
