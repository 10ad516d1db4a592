"""What a room visitor may reach on the facilitator's laptop: the scenarios folder, no more.

On ``make workshop HOST=0.0.0.0`` anyone on the network can open a dashboard and type into
its boxes: the Load box takes a file's name, the team comparison a folder. Both reach only
the scenarios folder (``$CASESTUDY_SCENARIOS``, else ``my_scenarios/``) and folders inside
it. ``inside`` turns what was typed into a path there, or refuses it with one message,
whatever the path: the message never says whether something outside exists, how big it is,
or what it holds. ``room_to_save`` refuses a save when the folder is full, so a page (or a
script clicking Save) cannot fill the laptop's disk; nothing already saved is touched.

The library's own functions (``save_scenario``, ``load_saved``, ``compare_teams``) take any
path: they serve the person at the keyboard, who can read their own files anyway.

>>> import tempfile; root = Path(tempfile.mkdtemp())
>>> inside(root, "Table-3").name, inside(root, str(root / "Table-3.json")).name
('Table-3.json', 'Table-3.json')
>>> inside(root, "/etc/passwd")
Traceback (most recent call last):
...
casestudy.folders.OutsideScenarios: only files in the scenarios folder can be loaded: type a file's name as Save showed it (such as Table-3.json), or paste a code (BK1-...)
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import ScenarioError

MAX_SAVED_FILES = 500  # a session saves tens; 12 tables x 2 rounds x a few saves ~ 100
MAX_FOLDER_BYTES = 20 * 2**20  # the scenario files (about 2 kB each) together
MAX_SAVE_BYTES = 64 * 2**10  # one file Save writes (about 2 kB)
MIN_FREE_BYTES = 100 * 2**20  # left free on the disk after a save
MAX_PASTED_CHARS = 1_000_000  # the Load box: a code is ~60 characters, a file ~2,000
MAX_NAME_BYTES = 255  # the longest file name ext4, NTFS and APFS allow
FILE_HINT = "type a file's name as Save showed it (such as Table-3.json), or paste a code (BK1-...)"


class OutsideScenarios(ScenarioError):
    """A path typed into a page that leads outside the scenarios folder."""


class FolderFull(ScenarioError):
    """The scenarios folder (or the disk under it) has no room for another save."""


def inside(root: str | os.PathLike, typed: str, *, folder: bool = False) -> Path:
    """The path in ``root`` that ``typed`` names: a file name (``.json`` added when it has no
    suffix), a path relative to ``root``, or an absolute path inside it. With
    ``folder=True``, a folder (``root`` itself or one inside it) instead of a file.

    Refused, always with the same message (``OutsideScenarios``): ``..``, ``~``, a path
    outside ``root``, and a path inside that a link leads out of. A file must end in
    ``.json``. Nothing outside ``root`` is looked at: the checks on the words come first.
    """
    what = "folders" if folder else "files"
    hint = ("type the name of a folder inside it, or leave the box as it was" if folder
            else FILE_HINT)
    refused = OutsideScenarios(f"only {what} in the scenarios folder can be "
                               f"{'compared' if folder else 'loaded'}: {hint}")
    text = typed.strip().strip("\"'`") if isinstance(typed, str) else ""
    if not text or "\x00" in text or text.startswith("~"):
        raise refused
    root_path = Path(root).expanduser()
    base = Path(os.path.abspath(root_path))
    real_base = base.resolve()
    given = Path(text)
    if ".." in given.parts:
        raise refused
    if any(len(part.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES for part in given.parts):
        raise OutsideScenarios(f"a file or folder name is at most {MAX_NAME_BYTES} bytes long: "
                               f"{hint}")
    candidate = Path(os.path.normpath(given if given.is_absolute() else base / given))
    # First by its words: under the folder as written, or as the system resolves it.
    if not (candidate.is_relative_to(base) or candidate.is_relative_to(real_base)):
        raise refused
    if not folder and candidate.suffix == "":
        candidate = candidate.with_suffix(".json")
    if not folder and candidate.suffix.lower() != ".json":
        raise OutsideScenarios(f"only scenario files (.json) in the scenarios folder can be "
                               f"loaded: {FILE_HINT}")
    # Then where it leads: a link inside the folder must not lead out of it.
    if not candidate.resolve().is_relative_to(real_base):
        raise refused
    return candidate


def saved_files(root: str | os.PathLike) -> list[Path]:
    """The scenario files in ``root`` (not in folders inside it)."""
    base = Path(root).expanduser()
    return sorted(p for p in base.glob("*.json") if p.is_file()) if base.is_dir() else []


def room_to_save(root: str | os.PathLike, size_bytes: int) -> None:
    """Refuse (``FolderFull``, saying why and that nothing saved is lost) a save of
    ``size_bytes`` into ``root`` when the folder holds ``MAX_SAVED_FILES`` files or
    ``MAX_FOLDER_BYTES``, when one file would be over ``MAX_SAVE_BYTES``, or when the disk
    would keep less than ``MIN_FREE_BYTES`` free."""
    if size_bytes > MAX_SAVE_BYTES:
        raise FolderFull(f"this scenario would make a file of {size_bytes:,} bytes; a "
                         f"scenario file is at most {MAX_SAVE_BYTES:,}")
    files = saved_files(root)
    kept = "Nothing already saved is lost; the facilitator can move the files of an " \
           "earlier session out of the scenarios folder to make room"
    if len(files) >= MAX_SAVED_FILES:
        raise FolderFull(f"the scenarios folder is full: it holds {len(files)} scenario files, "
                         f"the most the kit saves there. {kept}")
    total = sum(p.stat().st_size for p in files)
    if total + size_bytes > MAX_FOLDER_BYTES:
        raise FolderFull(f"the scenarios folder is full: its scenario files hold "
                         f"{total / 2**20:.1f} MiB, the most the kit saves there is "
                         f"{MAX_FOLDER_BYTES / 2**20:.0f} MiB. {kept}")
    probe = Path(root).expanduser()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        free = os.statvfs(probe).f_bavail * os.statvfs(probe).f_frsize
    except (OSError, AttributeError):  # not POSIX: no check
        return
    if free - size_bytes < MIN_FREE_BYTES:
        raise FolderFull(f"the laptop's disk is almost full ({free / 2**20:.0f} MiB free). "
                         f"{kept}")


def write_new(folder: Path, stem: str, suffix: str, text: str) -> Path:
    """Write ``text`` to a new file ``stem.suffix`` in ``folder`` (``stem-2.suffix`` and on
    when that is taken): an export never overwrites one written before."""
    number = 1
    while True:
        path = Path(folder) / (f"{stem}.{suffix}" if number == 1 else f"{stem}-{number}.{suffix}")
        try:
            with open(path, "x", encoding="utf-8", newline="") as handle:
                handle.write(text)
            return path
        except FileExistsError:
            number += 1
