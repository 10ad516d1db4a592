"""The registry of lessons (``casestudy.lessons``) holds every numbered notebook, in order,
and the lists that show the lessons read it: the start page, the README's table, the
handouts and Voila's start page (``share/voila/voila.py``). Written when notebook 7 was
added, so that an eighth cannot be left out of one of them."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

from casestudy.handouts import lesson_grids, lesson_notebooks
from casestudy.lessons import LESSONS, NOTEBOOK_ORDER, START, by_notebook
from casestudy.ui.start import lessons

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NUMBERED = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def first_heading(path: Path) -> str:
    """The first Markdown heading of a notebook's MyST source (the pair agree:
    tests/test_notebook_sources.py)."""
    for line in path.with_suffix(".md").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#\s+(.+?)\s*$", line)
        if match:
            return match.group(1)
    return ""


def readme_lessons() -> list[tuple[str, str]]:
    """The README's table of lessons: (notebook stem, the lesson's name), in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## The lessons", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\d\d_\w+)` \| ([^|]+?) \|", table, flags=re.MULTILINE)


def test_the_registry_holds_every_numbered_notebook_in_order():
    assert [lesson.notebook for lesson in NOTEBOOK_ORDER] == [p.name for p in NUMBERED]
    assert [lesson.number for lesson in NOTEBOOK_ORDER] == list(range(len(NOTEBOOK_ORDER)))
    assert START.number == 0 and "07_then_and_now.ipynb" in [n.notebook for n in LESSONS]
    assert len({lesson.slug for lesson in NOTEBOOK_ORDER}) == len(NOTEBOOK_ORDER)


def test_the_readme_table_names_each_notebook_as_the_registry_does():
    assert readme_lessons() == [(lesson.stem, lesson.title) for lesson in NOTEBOOK_ORDER]


@pytest.mark.parametrize("lesson", NOTEBOOK_ORDER, ids=[n.stem for n in NOTEBOOK_ORDER])
def test_each_notebook_opens_with_a_heading_that_matches_its_name(lesson):
    """A case-study lesson's heading carries its number ("Lesson 2. ..."); every heading
    shares a word with the registry's title ("the" and "and" aside)."""
    heading = first_heading(NOTEBOOKS / lesson.notebook)
    if 1 <= lesson.number <= 5:
        assert heading.startswith(f"Lesson {lesson.number}. "), heading
    words = [set(re.findall(r"[a-z]{3,}", text.lower())) - {"the", "and"}
             for text in (lesson.title, heading)]
    assert words[0] & words[1], (lesson.title, heading)


def test_the_start_page_and_the_handouts_read_the_registry():
    table = lessons().data
    for lesson in LESSONS:
        assert (f"| {lesson.number} | [{lesson.title}]({lesson.notebook}) | "
                f"{lesson.minutes} min | {lesson.what} |") in table
    assert f"about {sum(n.minutes for n in LESSONS) // 60} hours" in table
    assert lesson_notebooks() == [NOTEBOOKS / lesson.notebook for lesson in NOTEBOOK_ORDER]
    from casestudy import load_system

    grids = lesson_grids(load_system())
    assert set(grids) <= {lesson.slug for lesson in LESSONS}
    assert "payment" in [k.field for k in grids["then_and_now"][0].knobs]


def test_voila_lists_the_registry_s_lessons_by_their_names(tmp_path):
    """share/voila/voila.py is a traitlets config file; its functions are read by name."""
    from traitlets.config import Config

    namespace = runpy.run_path(str(ROOT / "share" / "voila" / "voila.py"),
                               init_globals={"get_config": Config})
    (tmp_path / "02_no_winners_and_losers.ipynb").write_text(
        '{"cells": [{"cell_type": "markdown", "source": "# A heading"}]}', encoding="utf-8")
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "compare.ipynb").write_text(
        '{"cells": [{"cell_type": "markdown", "source": "# Compare the teams"}]}',
        encoding="utf-8")
    sections = namespace["kit_sections"](tmp_path)
    titles = {page["path"]: page["title"] for s in sections for page in s["pages"]}
    assert titles == {"02_no_winners_and_losers.ipynb": by_notebook(
        "02_no_winners_and_losers.ipynb").label, "guide/compare.ipynb": "Compare the teams"}


def test_then_and_now_has_its_line_in_the_guide():
    guide = (NOTEBOOKS / "facilitator" / "guide.md").read_text(encoding="utf-8")
    assert "## Then and now (notebook 7): when to use it" in guide
    assert "`07_then_and_now`" in guide
    assert first_heading(NOTEBOOKS / "07_then_and_now.ipynb") == by_notebook(
        "07_then_and_now.ipynb").title
