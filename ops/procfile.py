"""Procfiles read as process lists, for the benches that run the real topology and the
tests that keep Procfile.scale consistent."""

from __future__ import annotations

from pathlib import Path


def procfile(path: Path) -> dict[str, list[str]]:
    """A Procfile's processes as `python -m` arguments for `spawn`: `.venv/bin/daphne …` →
    ["daphne", …], `.venv/bin/python -m ops.proxy …` → ["ops.proxy", …]. A process that is
    not a module run (`manage.py …`) is left out: the benches bring their own carrier."""
    procs = {}
    for line in path.read_text().splitlines():
        name, sep, command = line.partition(":")
        if not sep or line.lstrip().startswith("#"):
            continue
        argv = command.split()
        if not argv:
            raise ValueError(f"{path.name}: process {name.strip()!r} has no command")
        program = Path(argv[0]).name
        if program.startswith("python"):
            if argv[1:2] != ["-m"]:
                continue
            argv = argv[2:]
        else:
            argv = [program, *argv[1:]]
        procs[name.strip()] = argv
    return procs


def with_option(argv: list[str], option: str, value: str) -> list[str]:
    """`argv` with `option`'s value replaced (a port, an address, a file): the command stays
    the Procfile's own, only where it listens or writes moves for a run on loopback."""
    if option not in argv:
        raise ValueError(f"{option} is not in {' '.join(argv)!r}")
    i = argv.index(option)
    return [*argv[: i + 1], value, *argv[i + 2:]]
