"""`make backup` / `make restore`: a backup of the live test database (every schema) and the
recordings' audio, restored into a new, empty database, gives back the same rows in every
table of every schema and the same audio; a damaged backup or a non-empty target is refused
before anything is touched."""

from __future__ import annotations

import hashlib
import secrets

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ops.backup import conninfo, with_dbname


def _fingerprints(info: str) -> dict[str, str]:
    """md5 of every table of every schema (the same measure as the isolation suite's)."""
    out = {}
    with psycopg.connect(info) as conn:
        tables = conn.execute("""SELECT table_schema, table_name FROM information_schema.tables
                                 WHERE table_type = 'BASE TABLE'
                                 AND table_schema NOT IN ('pg_catalog', 'information_schema')""").fetchall()
        for schema, table in tables:
            out[f"{schema}.{table}"] = conn.execute(
                f'SELECT count(*)::text || md5(coalesce(string_agg(md5(t::text), \'\' ORDER BY md5(t::text)), \'\')) '
                f'FROM "{schema}"."{table}" t').fetchone()[0]
    return out


@pytest.fixture
def scratch_db(django_db_blocker):
    """A new, empty database on the same server, dropped afterwards."""
    name = f"test_restore_{secrets.token_hex(4)}"
    base = conninfo()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_dbname(base, name)
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_and_restore_round_trip(center, scratch_db, tmp_path, settings, capsys):
    from qa.media import recording_audio
    from telephony.models import Queue, Recording

    settings.RECORDINGS_ARCHIVE_DIR = str(tmp_path / "archive")
    with center.in_tenant():
        Queue.objects.filter(name="General").update(recording_policy="all")
    _, pk = center.talking("agent1", talk_s=4)
    center.post("agent1", f"/api/v1/calls/{pk}/hangup")
    center.advance(3)
    with center.in_tenant():
        rec = Recording.objects.get()
        assert rec.status == "completed"
        audio = recording_audio(rec)
    connection.set_schema_to_public()

    for attempt in range(3):  # a session-wide worker of other tests may commit meanwhile: back up a still moment
        source = _fingerprints(conninfo())
        call_command("backup", "--to", str(tmp_path / f"b{attempt}"))
        if _fingerprints(conninfo()) == source:
            break
    report = capsys.readouterr().out
    assert '"recordings_failed": 0' in report
    call_command("restore", "--from", str(tmp_path / f"b{attempt}"), "--target", scratch_db)
    restored = _fingerprints(scratch_db)
    assert restored == source  # every row of every table of every schema
    assert f"{center.tenant.schema_name}.telephony_call" in restored
    # The audio came back into the archive, and the app serves it from there (the carrier's
    # copy could be gone).
    copy = tmp_path / "archive" / center.tenant.schema_name / f"{rec.sid}.wav"
    assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(audio).digest()
    copy.write_bytes(b"RIFF-archived")
    with center.in_tenant():
        assert recording_audio(rec) == b"RIFF-archived"
        from telephony.services.recordings import recording_delete

        recording_delete(user=None, rec=rec, reason="retention")  # erasure reaches the archive too
    assert not copy.exists()


def test_a_damaged_backup_or_a_full_target_is_refused_untouched(center, scratch_db, tmp_path, settings):
    settings.RECORDINGS_ARCHIVE_DIR = str(tmp_path / "archive")
    call_command("backup", "--to", str(tmp_path / "b"), "--no-recordings")
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", "--to", str(tmp_path / "b"))  # never overwrites a backup
    call_command("restore", "--from", str(tmp_path / "b"), "--target", scratch_db)
    before = _fingerprints(scratch_db)
    with pytest.raises(CommandError, match="not empty.*--force"):
        call_command("restore", "--from", str(tmp_path / "b"), "--target", scratch_db)
    dump = tmp_path / "b" / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="damaged"):
        call_command("restore", "--from", str(tmp_path / "b"), "--target", scratch_db, "--force")
    with pytest.raises(CommandError, match="not a Hostline backup"):
        call_command("restore", "--from", str(tmp_path), "--target", scratch_db, "--force")
    assert _fingerprints(scratch_db) == before
