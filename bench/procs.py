"""Child processes for the benches that run the real topology (faults, scale)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
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
