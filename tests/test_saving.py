"""Saving a team's scenario: atomic (a failed save leaves no file), names in any script.

A save that fails part-way (a full disk) is simulated by a write that stops half-way and
raises ``ENOSPC``, and by ``fsync`` failing as a full disk makes it; neither may leave a
named file, half-written or empty, nor touch a file saved before.
"""

from __future__ import annotations

import builtins
import errno
import os
import threading
from pathlib import Path

import pytest

from casestudy import Scenario, ScenarioError, workshop
from casestudy.workshop import MAX_STEM_BYTES, load_saved, load_scenario, save_scenario


def _named(folder: Path) -> list[str]:
    """Every file a person (or the comparison) would see: hidden temporaries aside."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


class _DiskFull:
    """A stand-in for ``open`` or ``os.fdopen``: a file opened for writing takes half of what
    it is given, then the disk is full (whichever way the kit opens its files)."""

    def __init__(self, real):
        self.real = real

    def __call__(self, file, mode="r", *args, **kwargs):
        handle = self.real(file, mode, *args, **kwargs)
        if not any(m in mode for m in "wxa"):
            return handle
        write = handle.write

        def half_then_full(data):
            write(data[: len(data) // 2])
            handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device")

        handle.write = half_then_full
        return handle


def test_a_save_that_fails_half_way_leaves_no_file(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    earlier = save_scenario(Scenario(risk_share=0.1), tmp_path, "Red")
    before = earlier.read_bytes()
    monkeypatch.setattr(os, "fdopen", _DiskFull(os.fdopen))
    monkeypatch.setattr(builtins, "open", _DiskFull(builtins.open))
    with pytest.raises(OSError, match="No space left"):
        save_scenario(Scenario(risk_share=0.2), tmp_path, "Red")
    with pytest.raises(OSError, match="No space left"):
        save_scenario(Scenario(risk_share=0.2), tmp_path, "Blue")
    monkeypatch.undo()
    # Nothing half-written under any name, no temporary left behind, the earlier file intact.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Red.json"]
    assert earlier.read_bytes() == before
    # And the next save works, taking the next free name.
    assert save_scenario(Scenario(risk_share=0.3), tmp_path, "Red").name == "Red-2.json"


def test_a_save_whose_flush_to_disk_fails_leaves_no_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        save_scenario(Scenario(), tmp_path, "Green")
    assert list(tmp_path.iterdir()) == []


def test_without_hard_links_a_save_still_never_overwrites(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # A FAT USB stick has no hard links: the name is reserved, then the file renamed onto it.
    def no_links(source: str, target: Path) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    first = save_scenario(Scenario(risk_share=0.1), tmp_path, "Red")
    second = save_scenario(Scenario(risk_share=0.2), tmp_path, "Red")
    assert (first.name, second.name) == ("Red.json", "Red-2.json")
    assert [load_scenario(p).risk_share for p in (first, second)] == [0.1, 0.2]
    assert _named(tmp_path) == ["Red-2.json", "Red.json"] == sorted(
        p.name for p in tmp_path.iterdir())


def test_tables_saving_one_name_at_once_all_keep_their_files(tmp_path: Path) -> None:
    shares = [k / 40 for k in range(40)]
    paths: list[Path] = []
    lock = threading.Lock()

    def save(share: float) -> None:
        path = save_scenario(Scenario(risk_share=share), tmp_path, "Table 1")
        with lock:
            paths.append(path)

    threads = [threading.Thread(target=save, args=(s,)) for s in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(paths)) == 40
    assert sorted(load_scenario(p).risk_share for p in paths) == shares
    assert len(_named(tmp_path)) == 40 and not [p for p in tmp_path.iterdir()
                                                if p.name.startswith(".")]


@pytest.mark.parametrize(("name", "file"), [
    ("Équipe Rouge", "Équipe-Rouge.json"),
    ("チーム赤", "チーム赤.json"),
    ("Team 🚀", "Team-🚀.json"),
    ("👩‍⚕️ Nurses", "👩‍⚕️-Nurses.json"),  # the joiner keeps the emoji whole
    ("فريق ١", "فريق-١.json"),
    ("Table 3 / Finance!", "Table-3-Finance.json"),
    ("..\\..\\etc\\passwd", "etc-passwd.json"),
    ("../../.ssh/authorized_keys", "ssh-authorized_keys.json"),
    (".hidden", "hidden.json"),
    ("trailing dots...", "trailing-dots.json"),
    ("tab\there\x00nul\x1bescape", "tab-herenulescape.json"),
    ("evil\u202egnp.json", "evilgnp.json"),  # a right-to-left override would disguise the name
    ("CON", "CON_.json"),
    ("nul.json", "nul_.json"),
    ("com1", "com1_.json"),
    ("Lpt9.txt", "Lpt9.txt_.json"),
    ("Cafe\u0301", "Café.json"),  # NFC: one é, as macOS and Windows users type it
])
def test_team_names_keep_every_script_and_drop_only_what_is_unsafe(
        tmp_path: Path, name: str, file: str) -> None:
    path = save_scenario(Scenario(), tmp_path, name)
    assert path.name == file
    assert path.parent == tmp_path  # never anywhere else
    saved = load_saved(path)
    assert saved.team == " ".join(workshop._visible(name).split())


def test_the_team_name_is_kept_whole_while_the_file_name_is_bounded(tmp_path: Path) -> None:
    name = "長い名前" * 15  # 60 characters, 180 bytes of UTF-8
    path = save_scenario(Scenario(), tmp_path, name)
    assert len(path.stem.encode("utf-8")) <= MAX_STEM_BYTES == 120
    assert path.stem == "長い名前" * 10  # cut on a character (3 bytes each): 120 bytes
    assert load_saved(path).team == name
    again = save_scenario(Scenario(), tmp_path, name)
    assert again.name == "長い名前" * 10 + "-2.json"


def test_a_name_with_nothing_to_name_a_file_with_is_refused(tmp_path: Path) -> None:
    for name in ("", "...", "/ / /", "\x00\x01", "\u202e"):
        with pytest.raises(ScenarioError, match="no letters or digits to name a file"):
            save_scenario(Scenario(), tmp_path, name)
    assert list(tmp_path.iterdir()) == []


def test_a_saved_file_has_the_permissions_of_any_file_made_here(tmp_path: Path) -> None:
    (tmp_path / "plain.txt").write_text("x")  # made by open(), under this process's umask
    path = save_scenario(Scenario(), tmp_path, "Red")
    assert path.stat().st_mode & 0o777 == (tmp_path / "plain.txt").stat().st_mode & 0o777
