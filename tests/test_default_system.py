"""The lessons' shared system (``casestudy.ui.default``): read once per kernel, every panel
given the same one, read again when a file of it changes."""

from __future__ import annotations

import os
import shutil

import pandas as pd

from casestudy import load_system
from casestudy.system import BUNDLED
from casestudy.ui.default import default_system


def test_read_once_the_same_as_load_system_and_again_when_a_file_changes(tmp_path, monkeypatch):
    folder = tmp_path / "system"
    shutil.copytree(BUNDLED, folder)
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(folder))
    first = default_system()
    assert default_system() is first
    pd.testing.assert_frame_equal(first.organisations, load_system(folder).organisations)
    # An edited file (a new size and time): read again, with the edit.
    organisations = folder / "organisations.csv"
    text = organisations.read_text(encoding="utf-8")
    organisations.write_text(text.replace("Bradford", "Bradfordx", 1), encoding="utf-8")
    stat = organisations.stat()
    os.utime(organisations, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    second = default_system()
    assert second is not first
    assert second.organisations.name.str.contains("Bradfordx").any()
    # Another system named in the environment: that one.
    monkeypatch.delenv("CASESTUDY_SYSTEM")
    assert default_system().organisations.equals(load_system().organisations)


def test_every_panel_of_a_page_shares_it():
    from casestudy.ui import lesson2, lesson3

    assert lesson2.ShiftPanel().system is lesson3._system(None) is default_system()
