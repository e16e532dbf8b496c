import json

from django.core.management.base import BaseCommand, CommandError

from config.errors import ServiceError
from ops.backup import backup_restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (checksums are verified first)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="src", required=True, help="the backup directory")
        parser.add_argument("--target", help="libpq connection string of the database to restore into (default: ours)")
        parser.add_argument("--force", action="store_true", help="replace a database that is not empty")

    def handle(self, *args, **options):
        try:
            result = backup_restore(src=options["src"], target=options["target"], force=options["force"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps({"restored": options["src"], "schemas": len(result["schemas"]),
                                      "recordings": result["restored_recordings"]}))
