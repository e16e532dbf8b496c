"""Child processes (and their logins) for the benches that run the real topology (faults, scale, load)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "bench" / "results"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(args: list[str], log: str, log_mode: str = "w", **env: str) -> subprocess.Popen:
    """`python -m <args>` with output in bench/results/<log> (log_mode "a": a restart's
    output follows the earlier run's)."""
    LOGS.mkdir(parents=True, exist_ok=True)
    out = open(LOGS / log, log_mode)  # noqa: SIM115 - the child owns it
    return subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                            env=dict(os.environ, **env))


async def wait_http(port: int, timeout_s: float = 60) -> None:
    """Until the web process on `port` answers its health check."""
    import aiohttp

    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as s:
        while time.monotonic() < deadline:
            try:
                async with s.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": "localhost"}) as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.3)
    raise SystemExit(f"the web process on port {port} did not start (see its log in bench/results/)")


def admin_session(tenant) -> str:
    """A browser session of the tenant's first admin (for a wallboard socket)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django_tenants.utils import tenant_context

    from accounts.models import Role, User

    with tenant_context(tenant):
        user = User.objects.filter(role_grants__role=Role.TENANT_ADMIN).order_by("pk").first()
        s = SessionStore()
        s.update({"_auth_user_id": str(user.pk), "_auth_user_backend": "accounts.backends.EmailBackend",
                  "_auth_user_hash": user.get_session_auth_hash()})
        s.create()
    return s.session_key
