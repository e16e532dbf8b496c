"""Backups of the whole platform: every schema of the database (pg_dump, custom format) and
the audio of every kept recording, fetched through each tenant's carrier adapter into an
archive the app serves from when the carrier no longer can. A manifest holds checksums; a
restore checks them before it touches anything."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django_tenants.utils import get_tenant_model, tenant_context

from config.errors import ServiceError

FORMAT = 1
DUMP = "database.dump"
MANIFEST = "manifest.json"


def pg_tool(name: str) -> str:
    """The Postgres client binary to use: PG_BIN_DIR, else the embedded server's own (same
    version as the server it dumps), else the one on PATH."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    import importlib.util

    spec = importlib.util.find_spec("pgserver")  # located, not imported (its import starts nothing, but warns)
    if spec and spec.submodule_search_locations:
        candidates.append(Path(spec.submodule_search_locations[0]) / "pginstall" / "bin" / name)
    for path in candidates:
        if path.is_file():
            return str(path)
    found = shutil.which(name)
    if not found:
        raise ServiceError("no_pg_tools", f"{name} was not found: install the Postgres client or set PG_BIN_DIR.")
    return found


def conninfo(db: dict | None = None) -> str:
    """A libpq connection string for a Django database settings dict (default: ours)."""
    db = db or settings.DATABASES["default"]
    parts = {"dbname": db["NAME"], "user": db.get("USER"), "host": db.get("HOST"), "port": db.get("PORT"),
             "password": db.get("PASSWORD")}
    return " ".join(f"{k}='{v}'" for k, v in parts.items() if v)


def with_dbname(info: str, name: str) -> str:
    return " ".join(p for p in info.split(" ") if not p.startswith("dbname=")) + f" dbname='{name}'"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def archive_dir() -> Path:
    return Path(settings.RECORDINGS_ARCHIVE_DIR)


def archived_recording(schema: str, sid: str) -> Path:
    return archive_dir() / schema / f"{sid}.wav"


def _recordings() -> Iterator[tuple[str, object]]:
    from telephony.models import Recording, RecordingStatus

    for tenant in get_tenant_model().objects.exclude(schema_name="public").order_by("pk"):
        with tenant_context(tenant):
            from django.db.utils import ProgrammingError

            try:
                recs = list(Recording.objects.filter(status=RecordingStatus.COMPLETED))
            except ProgrammingError:  # a pool spare or template without the tables yet
                continue
            for rec in recs:
                yield tenant.schema_name, rec
    connection.set_schema_to_public()


def backup_create(*, dest: Path, recordings: bool = True) -> dict:
    """Write a backup into the empty directory `dest`; returns its manifest."""
    from qa.media import recording_audio

    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise ServiceError("not_empty", f"{dest} is not empty: give a new directory for the backup.")
    dest.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    dumped = subprocess.run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file",  # noqa: S603
                             str(dest / DUMP), "--dbname", conninfo()], capture_output=True, text=True)
    if dumped.returncode != 0:
        raise ServiceError("dump_failed", f"pg_dump failed: {dumped.stderr.strip()[-500:]}")
    files = {DUMP: _sha256(dest / DUMP)}
    failed = []
    if recordings:
        for schema, rec in _recordings():
            tenant = get_tenant_model().objects.get(schema_name=schema)
            with tenant_context(tenant):
                try:
                    audio = recording_audio(rec)
                except ServiceError as exc:
                    failed.append({"schema": schema, "sid": rec.sid, "error": exc.message})
                    continue
            rel = Path("recordings") / schema / f"{rec.sid}.wav"
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            (dest / rel).write_bytes(audio)
            files[str(rel)] = hashlib.sha256(audio).hexdigest()
        connection.set_schema_to_public()
    with connection.cursor() as cur:
        cur.execute("SELECT schema_name FROM tenants_tenant ORDER BY schema_name")
        schemas = [s for (s,) in cur.fetchall()]
    manifest = {"format": FORMAT, "created_at": started.isoformat(), "database": settings.DATABASES["default"]["NAME"],
                "schemas": schemas, "files": files, "recordings": sum(k.startswith("recordings/") for k in files),
                "recordings_failed": failed}
    (dest / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def backup_verify(src: Path) -> dict:
    """The backup's manifest, once every file matches its checksum (else a clear error)."""
    src = Path(src)
    try:
        manifest = json.loads((src / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ServiceError("bad_backup", f"{src} is not a Hostline backup (no readable {MANIFEST}: {exc}).") from None
    if manifest.get("format") != FORMAT:
        raise ServiceError("bad_backup", f"Backup format {manifest.get('format')} is not supported (this is {FORMAT}).")
    for rel, digest in manifest["files"].items():
        path = src / rel
        if not path.is_file() or _sha256(path) != digest:
            raise ServiceError("bad_backup", f"{rel} is missing or damaged (checksum differs): nothing was restored.")
    return manifest


def _database_empty(info: str) -> bool:
    import psycopg

    with psycopg.connect(info) as conn:
        row = conn.execute("""SELECT count(*) FROM information_schema.tables
                              WHERE table_schema NOT IN ('pg_catalog', 'information_schema')""").fetchone()
    return row[0] == 0


def _database_clear(info: str) -> None:
    import psycopg

    with psycopg.connect(info, autocommit=True) as conn:
        schemas = [s for (s,) in conn.execute(
            """SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%%'
               AND nspname <> 'information_schema'""").fetchall()]
        for schema in schemas:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        conn.execute("CREATE SCHEMA public")


def backup_restore(*, src: Path, target: str | None = None, force: bool = False) -> dict:
    """Restore a verified backup into `target` (a libpq connection string; default our
    database). A database that holds tables is replaced only with `force`."""
    src = Path(src)
    manifest = backup_verify(src)
    info = target or conninfo()
    if not _database_empty(info):
        if not force:
            raise ServiceError("not_empty", "The target database is not empty: restoring replaces everything in it. "
                                            "Run again with --force (make restore FORCE=1) to do that.")
        _database_clear(info)
    # one transaction: a restore that fails part-way leaves nothing of itself behind
    result = subprocess.run([pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",  # noqa: S603
                             "--dbname", info, str(src / DUMP)], capture_output=True, text=True)
    if result.returncode != 0:
        raise ServiceError("restore_failed", f"pg_restore failed: {result.stderr.strip()[-500:]}")
    restored = 0
    for rel in manifest["files"]:
        if rel.startswith("recordings/"):
            out = archive_dir() / Path(rel).relative_to("recordings")
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src / rel, out)
            restored += 1
    return {**manifest, "restored_recordings": restored}
