from django.core.management.base import BaseCommand

from tenants.services import tenant_ensure_template


class Command(BaseCommand):
    help = "Create the migrated template schema that signup clones (idempotent)."

    def handle(self, *args, **options):
        created = tenant_ensure_template()
        self.stdout.write("tenant template created" if created else "tenant template present")
