"""Every lesson notebook is listed wherever the lessons are: the start page (``LESSONS``),
the README's table of lessons, the handouts; the start page and the README name it as its
first heading does. Written when notebook 7 was added, so that an eighth cannot be left out
of one of them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from casestudy.handouts import lesson_grids, lesson_notebooks
from casestudy.ui.start import LESSONS

ROOT = Path(__file__).resolve().parents[1]
NUMBERED = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                  if p.name != "00_start_here.ipynb")


def first_heading(path: Path) -> str:
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            match = re.search(r"^#\s+(.+?)\s*$", source, flags=re.MULTILINE)
            if match:
                return match.group(1)
    return ""


def readme_lessons() -> dict[str, str]:
    """The README's table of lessons: notebook stem -> the lesson's name."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## The lessons", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"^\| `(\d\d_\w+)` \| ([^|]+?) \|", table, flags=re.MULTILINE))


def test_the_lists_hold_the_same_notebooks_in_the_same_order():
    names = [p.name for p in NUMBERED]
    assert "07_then_and_now.ipynb" in names
    assert [name for name, *_ in LESSONS] == names
    assert list(readme_lessons()) == ["00_start_here", *(p.stem for p in NUMBERED)]
    assert [p.name for p in lesson_notebooks()] == ["00_start_here.ipynb", *names]


@pytest.mark.parametrize("path", NUMBERED, ids=[p.stem for p in NUMBERED])
def test_each_notebook_is_named_alike(path):
    """The start page's title is the notebook's own heading, or its heading without the
    lesson's number; the README's name begins that title's first words."""
    title = {name: title for name, title, *_ in LESSONS}[path.name]
    heading = first_heading(path)
    words = [set(re.findall(r"[a-z]+", text.lower())) for text in (title, heading)]
    assert words[0] & words[1], (title, heading)
    assert readme_lessons()[path.stem].split()[0].lower() in title.lower()


def test_then_and_now_has_its_handout_grid_and_its_line_in_the_guide():
    guide = (ROOT / "notebooks" / "facilitator" / "guide.md").read_text(encoding="utf-8")
    assert "## Then and now (notebook 7): when to use it" in guide
    assert "`07_then_and_now`" in guide
    from casestudy import load_system

    assert lesson_grids(load_system())["07"][0].knobs[0].field == "payment"
    title = {n: t for n, t, *_ in LESSONS}["07_then_and_now.ipynb"]
    assert first_heading(ROOT / "notebooks" / "07_then_and_now.ipynb") == title
