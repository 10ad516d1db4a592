"""The system a lesson's page shows when none is given: read once per kernel, shared.

A lesson page asked ``load_system()`` for the same files five or six times (each panel,
the situation, the checks): about 0.1 s each, most of a page's own computing once its
imports are done. ``default_system()`` reads and checks the files once and hands every
panel the same ``System`` (whose engine arrays are then also built once); it reads them
again if a file changed (its name, size or modification time). The model never changes a
system it is given, so sharing one is safe; scripts and tests that call ``load_system()``
get a fresh one each time, as before.

The workshop server's fork server calls it before forking (``serving/forkserver.py``), so
a page's kernel starts with the system read.

>>> default_system() is default_system()
True
"""

from __future__ import annotations

from pathlib import Path

from ..system import System, default_system_path, load_system

_read: dict[tuple, System] = {}


def _stamp(path: Path) -> tuple:
    """What changes when the system's files do: each file's name, size and time."""
    files = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    return tuple((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)


def default_system() -> System:
    """``load_system()``'s system (``$CASESTUDY_SYSTEM`` or the bundled one), read once."""
    path = default_system_path()
    try:
        key = (str(path.resolve()), _stamp(path))
    except OSError:  # missing or unreadable: load_system says what is wrong
        return load_system()
    if key not in _read:
        system = load_system(path)
        _read.clear()
        _read[key] = system
    return _read[key]


def given_or_default(system: System | None) -> System:
    """The system a lesson's function was given, else :func:`default_system`'s."""
    return system if system is not None else default_system()
