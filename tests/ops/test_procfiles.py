"""The Procfiles operators run: every process is one we ship, the scale-out file's proxy
sends traffic to exactly its web processes, and the timers run once (one beat)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from ops.procfile import procfile, with_option

ROOT = Path(__file__).resolve().parents[2]


def _option(argv: list[str], option: str) -> str:
    return argv[argv.index(option) + 1]


@pytest.mark.parametrize("name", ["Procfile", "Procfile.scale"])
def test_every_process_is_a_module_we_ship_and_beat_runs_once(name):
    procs = procfile(ROOT / name)
    assert [n for n, argv in procs.items() if argv[:4] == ["celery", "-A", "config", "beat"]] == ["beat"]
    assert any(argv[:4] == ["celery", "-A", "config", "worker"] for argv in procs.values())
    assert any(argv[0] == "daphne" and argv[-1] == "config.asgi:application" for argv in procs.values())
    for argv in procs.values():
        assert importlib.util.find_spec(argv[0]) is not None, argv


def test_the_scale_proxy_balances_exactly_the_web_processes_and_workers_have_their_own_names():
    procs = procfile(ROOT / "Procfile.scale")
    webs = [argv for n, argv in procs.items() if n.startswith("web")]
    addresses = {f"{_option(argv, '-b')}:{_option(argv, '-p')}" for argv in webs}
    backends = _option(procs["proxy"], "--backends").split(",")
    assert len(webs) == 3 and sorted(backends) == sorted(addresses)
    listen_port = _option(procs["proxy"], "--listen").rpartition(":")[2]
    assert listen_port not in {_option(argv, "-p") for argv in webs}
    # Two workers under one node name on a host confuse Celery's remote control (DuplicateNodenameWarning).
    names = [_option(argv, "-n") for n, argv in procs.items() if n.startswith("worker")]
    assert len(names) == 2 and len(set(names)) == 2


def test_a_missing_option_is_named_not_guessed():
    with pytest.raises(ValueError, match="--schedule is not in 'celery -A config worker'"):
        with_option(["celery", "-A", "config", "worker"], "--schedule", "/tmp/x")
    assert with_option(["daphne", "-p", "8001", "app"], "-p", "9") == ["daphne", "-p", "9", "app"]


def test_comments_and_non_module_commands_are_left_out(tmp_path):
    path = tmp_path / "Procfile"
    path.write_text("# the web tier\nweb: .venv/bin/daphne -p 1 a:b\nsandbox: .venv/bin/python manage.py x\n"
                    "proxy: .venv/bin/python -m ops.proxy --listen :1\n")
    assert procfile(path) == {"web": ["daphne", "-p", "1", "a:b"], "proxy": ["ops.proxy", "--listen", ":1"]}


def test_a_process_without_a_command_is_named(tmp_path):
    path = tmp_path / "Procfile"
    path.write_text("web: .venv/bin/daphne -p 1 a:b\nworker:\n")
    with pytest.raises(ValueError, match="Procfile: process 'worker' has no command"):
        procfile(path)
