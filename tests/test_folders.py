"""What a room visitor can reach through a page's boxes: the scenarios folder and nothing else,
with a folder that can fill up but never loses a saved file (``casestudy.folders``, the Load
box of ``ui.scenario_io`` and the comparison's folder box)."""

from __future__ import annotations

import html
import os
from pathlib import Path

import pytest

from casestudy import Scenario, folders
from casestudy.folders import FolderFull, OutsideScenarios, inside, room_to_save
from casestudy.workshop import save_scenario


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "my_scenarios"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder beside the scenarios folder, holding a real scenario file and a secret."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    save_scenario(Scenario(risk_share=0.9), folder, "Not yours")
    (folder / "secret.txt").write_text("the facilitator's notes")
    return folder


# --------------------------------------------------------------------------- the rule


def test_names_and_paths_inside_the_folder_are_taken(root):
    (root / "round-2").mkdir()
    for typed, expected in [("Table-3.json", root / "Table-3.json"),
                            ("Table-3", root / "Table-3.json"),  # .json added
                            (" 'Table-3.json' ", root / "Table-3.json"),  # pasted with quotes
                            ("round-2/Blue.json", root / "round-2" / "Blue.json"),
                            (str(root / "Table-3.json"), root / "Table-3.json"),
                            (str(root.resolve() / "Table-3.json"), root.resolve() / "Table-3.json")]:
        assert inside(root, typed) == expected, typed
    assert inside(root, str(root), folder=True) == root
    assert inside(root, "round-2", folder=True) == root / "round-2"
    assert inside(root, "not-made-yet", folder=True) == root / "not-made-yet"


def test_every_way_out_is_refused_with_one_message_that_says_what_is_allowed(root, outside):
    link = root / "link.json"
    link.symlink_to(next(outside.glob("*.json")))
    (root / "out").symlink_to(outside, target_is_directory=True)
    ways_out = ["/etc/passwd", "/etc/no-such-file-at-all", str(next(outside.glob("*.json"))),
                "../elsewhere/Not-yours.json", "round-2/../../elsewhere/x.json", "..",
                "round-2/../Table-3.json",  # back inside, but no .. at all
                "~/x.json", "~root", str(root) + "_twin/x.json", "link.json", "out/x.json",
                "", "   ", "x\x00.json"]
    said = set()
    for typed in ways_out:
        with pytest.raises(OutsideScenarios) as caught:
            inside(root, typed)
        said.add(str(caught.value))
    # The same words whatever was typed: nothing tells whether a path outside exists.
    assert said == {("only files in the scenarios folder can be loaded: type a file's name as "
                     "Save showed it (such as Table-3.json), or paste a code (BK1-...)")}
    for typed in ["/etc/ssh", "/", "..", "../elsewhere", "out", str(outside), "~"]:
        with pytest.raises(OutsideScenarios, match="only folders in the scenarios folder"):
            inside(root, typed, folder=True)


def test_only_scenario_files_are_read_inside_the_folder(root):
    (root / "notes.txt").write_text("x")
    with pytest.raises(OutsideScenarios, match=r"only scenario files \(.json\)"):
        inside(root, "notes.txt")


def test_a_name_longer_than_any_file_system_allows_is_refused_before_it_is_looked_at(root):
    # 255 bytes is the limit on ext4, NTFS and APFS; a longer name made os.stat raise
    # 'File name too long' (an OSError, not a refusal) in the Load box
    inside(root, "a" * 250 + ".json")  # 255 bytes: taken
    for typed in ["a" * 251 + ".json", "[" * 5_000, "é" * 130]:
        with pytest.raises(OutsideScenarios, match="at most 255 bytes"):
            inside(root, typed)


# --------------------------------------------------------------------------- the Load box


class Holder:
    """The least a ScenarioIO needs from a panel."""

    def __init__(self, system):
        self.system, self.baseline, self.current = system, Scenario(), Scenario()

    def scenario(self):
        return self.current

    def load(self, scenario):
        self.current = scenario
        return []


def _io(system, folder):
    from casestudy.ui.scenario_io import ScenarioIO

    return ScenarioIO(Holder(system), folder=folder)


def _said(io) -> str:
    return html.unescape(io.message.value)


def test_the_load_box_reads_a_saved_file_by_name_and_nothing_outside(bundled_system, root,
                                                                     outside):
    io = _io(bundled_system, root)
    save_scenario(Scenario(risk_share=0.5), root, "Green")
    assert io.load("Green.json").team == "Green" and io.panel.current.risk_share == 0.5
    io.panel.current = Scenario()
    # A real scenario file outside the folder, a system file, a folder: refused alike, and
    # the message gives no size, no "not valid JSON", no "no such file".
    for typed in [str(next(outside.glob("*.json"))), str(outside / "secret.txt"), "/etc/passwd",
                  "/etc", "../elsewhere/Not-yours.json"]:
        assert io.load(typed) is None
        message = _said(io)
        assert "only files in the scenarios folder can be loaded" in message, message
        assert not any(word in message for word in ("bytes", "JSON", "no such", "not a file"))
        assert io.panel.current == Scenario()
    assert io.load("Nobody.json") is None and "no file 'Nobody.json'" in _said(io)
    # Codes and pasted files still load; a paste far longer than any code is refused unread.
    assert io.load((root / "Green.json").read_text()).team == "Green"
    assert io.load("x" * (folders.MAX_PASTED_CHARS + 1)) is None
    assert "far more than a code" in _said(io)


# --------------------------------------------------------------------------- saving


def test_a_full_folder_refuses_the_save_keeps_every_file_and_still_gives_the_code(
        bundled_system, root, monkeypatch):
    io = _io(bundled_system, root)
    io.team.value = "Table 1"
    monkeypatch.setattr(folders, "MAX_SAVED_FILES", 3)
    saved = [io.save() for _ in range(3)]
    assert all(path is not None for path in saved)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    assert io.save() is None
    message = _said(io)
    assert "full: it holds 3 scenario files" in message and "Nothing already saved is lost" in message
    assert "BK1-" in message  # the code, to paste in the chat instead
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before  # nothing lost or added


def test_a_save_is_refused_past_the_folders_bytes_a_files_size_or_a_full_disk(bundled_system,
                                                                             root, monkeypatch):
    io = _io(bundled_system, root)
    io.team.value = "Table 2"
    assert io.save() is not None
    size = sum(p.stat().st_size for p in root.iterdir())
    monkeypatch.setattr(folders, "MAX_FOLDER_BYTES", size + 100)  # room for 100 bytes more
    assert io.save() is None and "its scenario files hold" in _said(io)
    monkeypatch.undo()
    monkeypatch.setattr(folders, "MAX_SAVE_BYTES", 500)  # a real file is about 2 kB
    assert io.save() is None and "a scenario file is at most 500" in _said(io)
    monkeypatch.undo()
    free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
    monkeypatch.setattr(folders, "MIN_FREE_BYTES", free + 2**20)
    assert io.save() is None and "disk is almost full" in _said(io)
    monkeypatch.undo()
    assert io.save() is not None  # room again: saving works
    assert len(list(root.glob("*.json"))) == 2


def test_room_to_save_counts_only_the_folders_own_scenario_files(root):
    (root / "round-1").mkdir()
    for n in range(3):
        (root / "round-1" / f"t{n}.json").write_text("{}")
    (root / "notes.txt").write_text("x" * 1000)
    room_to_save(root, 2000)  # nothing counted but .json files directly in the folder
    with pytest.raises(FolderFull):
        room_to_save(root, folders.MAX_SAVE_BYTES + 1)


# --------------------------------------------------------------------------- the comparison


def test_the_comparisons_folder_box_reads_no_folder_outside(bundled_system, root, outside):
    from casestudy.ui.compare import ComparePanel

    save_scenario(Scenario(risk_share=0.5), root, "Red")
    panel = ComparePanel(bundled_system, folder=root)
    assert "Red" in set(panel.comparison.teams.team)
    for typed in [str(outside), "/etc/ssh", "../elsewhere", "/"]:
        panel.folder.value = typed
        panel.refresh()
        shown = " ".join(html.unescape(w.value) for w in (panel.summary, panel.refused, panel.table))
        assert "Not read: only folders in the scenarios folder can be compared" in shown
        assert list(panel.comparison.teams.team) == ["Baseline"]
        assert "Not yours" not in shown and "Not-yours" not in shown and "secret" not in shown
    panel.folder.value = "round-2"  # inside, not made yet: calm
    panel.refresh()
    assert "Not read" not in html.unescape(panel.summary.value)
    assert "does not exist yet" in html.unescape(panel.summary.value)
