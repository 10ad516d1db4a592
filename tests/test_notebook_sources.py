"""Each notebook is written as MyST Markdown (``notebooks/**/*.md``) and its ``.ipynb`` is made
from it by ``make notebooks`` (``tools/sync_notebooks.py``): the pair agree, the ``.ipynb``
is stored without outputs, its cell ids stay put, and the sources keep the kit's rules for
notebooks (those of ``shared/hooks/before-stop``: no £ figure typed into Markdown, no
``def`` or ``class`` in a cell). About a second for the whole file.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest
import sync_notebooks as sync

ROOT = Path(__file__).resolve().parents[1]
PAIRS = sync.pairs()
IDS = [md.relative_to(sync.NOTEBOOKS).with_suffix("").as_posix() for md, _ in PAIRS]
MONEY = re.compile(r"£\s?\d")  # as the hook: a pound sign then a figure
DEFINITION = re.compile(r"^\s*(def|class)\s", flags=re.MULTILINE)


def source_cells(md: Path) -> list[nbformat.NotebookNode]:
    return jupytext.read(md, fmt=sync.text_format()).cells


def test_every_notebook_has_its_myst_twin_and_every_source_its_notebook():
    stems = {md.relative_to(ROOT).with_suffix("").as_posix() for md, _ in PAIRS}
    assert {"notebooks/02_no_winners_and_losers", "notebooks/facilitator/compare_teams"} <= stems
    for md, ipynb in PAIRS:
        assert md.is_file(), f"{ipynb} has no MyST source: tools/sync_notebooks.py --from-ipynb"
        assert ipynb.is_file(), f"{md} has no .ipynb: run make notebooks"
    # Pages of prose are not notebooks: the glossary stays plain Markdown.
    assert not sync.is_source(sync.NOTEBOOKS / "glossary.md")


@pytest.mark.parametrize(("md", "ipynb"), PAIRS, ids=IDS)
def test_the_pair_has_the_same_cells(md, ipynb):
    stored = nbformat.read(ipynb, as_version=4).cells
    written = source_cells(md)
    assert [c.cell_type for c in stored] == [c.cell_type for c in written], (
        f"{md.name} and {ipynb.name} differ: run make notebooks")
    for number, (a, b) in enumerate(zip(stored, written)):
        assert a.source == b.source, f"cell {number} of {ipynb.name} differs: run make notebooks"


@pytest.mark.parametrize(("md", "ipynb"), PAIRS, ids=IDS)
def test_the_notebook_is_stored_without_outputs_and_as_make_notebooks_writes_it(md, ipynb):
    notebook = nbformat.read(ipynb, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (ipynb.name, cell.id)
    assert len({cell.id for cell in notebook.cells}) == len(notebook.cells)
    assert notebook.metadata["jupytext"]["formats"] == "ipynb,md:myst"
    expected = nbformat.writes(sync.notebook_from(md, ipynb))
    assert ipynb.read_text(encoding="utf-8").rstrip("\n") == expected.rstrip("\n"), (
        f"{ipynb.name} is not what make notebooks writes from {md.name}")


@pytest.mark.parametrize(("md", "ipynb"), PAIRS, ids=IDS)
def test_the_sources_keep_the_notebook_rules(md, ipynb):
    """Every figure a learner reads is computed (a £ figure is never typed into Markdown);
    logic lives in casestudy (no def or class in a cell). Checked in the .md a writer edits
    and in the .ipynb that is served."""
    for where, cells in ((md.name, source_cells(md)),
                         (ipynb.name, nbformat.read(ipynb, as_version=4).cells)):
        for cell in cells:
            if cell.cell_type == "markdown":
                assert not MONEY.search(cell.source), (
                    f"{where}: a £ figure typed into Markdown; render it from the package: "
                    f"{MONEY.search(cell.source).group(0)!r}")
            if cell.cell_type == "code":
                assert not DEFINITION.search(cell.source), (
                    f"{where}: a def or class in a cell; move it into casestudy")


def test_the_rules_catch_what_they_are_for():
    assert MONEY.search("It saves £12m a year") and MONEY.search("£ 3.5m")
    assert not MONEY.search("money in £ million") and not MONEY.search("(£m)")
    assert DEFINITION.search("x = 1\ndef f():\n    pass") and DEFINITION.search("class A: pass")
    assert not DEFINITION.search("lesson2.ShiftPanel()  # define the panel")


def test_cell_ids_stay_put_when_a_lesson_is_edited(tmp_path):
    """An edited cell keeps its id, the cells around it keep theirs, and a new cell gets an
    id from its text: the same on every run (jupytext alone would draw a random one)."""
    md, ipynb = (sync.NOTEBOOKS / "02_no_winners_and_losers.md",
                 sync.NOTEBOOKS / "02_no_winners_and_losers.ipynb")
    before = nbformat.read(ipynb, as_version=4).cells
    text = md.read_text(encoding="utf-8")
    edited = text.replace("## What you will learn\n", "## What you will learn here\n", 1)
    edited = edited.replace("```{code-cell}\nlesson2.situation()\n```",
                            "```{code-cell}\nlesson2.ShiftPanel()  # a new cell\n```\n\n"
                            "```{code-cell}\nlesson2.situation()\n```", 1)
    assert edited.count("```{code-cell}") == text.count("```{code-cell}") + 1
    runs = []
    for run in ("a", "b"):
        folder = tmp_path / run
        folder.mkdir()
        shutil.copy(ipynb, folder / ipynb.name)
        (folder / md.name).write_text(edited, encoding="utf-8")
        runs.append(sync.notebook_from(folder / md.name, folder / ipynb.name).cells)
    after = runs[0]
    assert [c.id for c in runs[0]] == [c.id for c in runs[1]]  # the same on every run
    assert len(after) == len(before) + 1
    new = next(k for k, c in enumerate(after) if c.id not in {b.id for b in before})
    assert after[new].source == "lesson2.ShiftPanel()  # a new cell"
    assert after[new].id == sync.cell_id(md.stem, after[new], {c.id for c in before})
    # Every other cell keeps its id, the edited heading included.
    assert [c.id for k, c in enumerate(after) if k != new] == [c.id for c in before]
    assert after[1].source.startswith("## What you will learn here")
