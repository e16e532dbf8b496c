import json

from django.core.management.base import BaseCommand, CommandError

from config.errors import ServiceError
from ops.backup import backup_create


class Command(BaseCommand):
    help = "Back up every schema of the database and the audio of every kept recording into a new directory."

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help="a new (or empty) directory")
        parser.add_argument("--no-recordings", action="store_true", help="the database only")

    def handle(self, *args, **options):
        try:
            manifest = backup_create(dest=options["to"], recordings=not options["no_recordings"])
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps({"backup": options["to"], "schemas": len(manifest["schemas"]),
                                      "recordings": manifest["recordings"],
                                      "recordings_failed": len(manifest["recordings_failed"])}))
