"""Every notebook, run on a system whose every name is hostile (``hostile.py``), shows each
name as text: no HTML fragment, Markdown cell, table, panel, check of understanding or
handout piece the kit builds lets a name become markup, and none shows it escaped twice.

This is the browser test's cheap twin (``tests/browser/test_hostile.py`` opens the same
pages in Chromium and watches for script): it reads the HTML the kit hands to the page,
with an HTML parser, in the test process. A new panel, prose function or quiz is covered
as soon as a notebook shows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import ipywidgets as widgets
import mistune
import nbformat
import pandas as pd
import pytest
from hostile import (
    HOSTILE_FILE,
    HOSTILE_NAMES,
    HOSTILE_ORGS,
    HOSTILE_SCHEMES,
    HOSTILE_TEAMS,
    leftovers,
    scan_html,
    write_hostile_system,
)
from IPython.display import HTML, Markdown

from casestudy import Scenario, load_system
from casestudy.charts import Figure
from casestudy.handouts import (
    _quiz_block,
    _run_cell,
    grid_chart,
    grid_frame,
    lesson_grids,
    markdown_html,
    panel_grid,
    table_html,
)
from casestudy.names import markdown_text
from casestudy.ui.common import PANEL_CSS, Quiz, people_table
from casestudy.ui.compare import refused_html, teams_html
from casestudy.workshop import save_scenario

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted(
    (ROOT / "notebooks").glob("*/*.ipynb"))
# Markdown as JupyterLab and Voila render it: raw HTML passes through.
PERMISSIVE = mistune.create_markdown(
    renderer=mistune.HTMLRenderer(escape=False, allow_harmful_protocols=True),
    plugins=["table", "strikethrough", "url"])


@pytest.fixture(scope="module")
def hostile_path(tmp_path_factory) -> Path:
    return write_hostile_system(tmp_path_factory.mktemp("hostile") / "hostile")


@pytest.fixture(scope="module")
def hostile(hostile_path):
    return load_system(hostile_path)


@pytest.fixture(scope="module")
def team_folder(tmp_path_factory, hostile) -> Path:
    """Saved scenarios with hostile team names, and a file with a hostile name that is not
    a scenario (the comparison lists it with its reason)."""
    folder = tmp_path_factory.mktemp("scenarios")
    for number, team in enumerate(HOSTILE_TEAMS):
        save_scenario(Scenario.preset("fixed_income", demand_shock=0.01 * number), folder,
                      f"table {number}", team=team, system=hostile)
    (folder / HOSTILE_FILE).write_text("{not json", encoding="utf-8")
    return folder


class Page:
    """What one notebook shows, as HTML fragments; checked as they are collected."""

    def __init__(self, where: str) -> None:
        self.where, self.text, self.problems = where, [], []

    def html(self, what: str, fragment: str, *, allowed: frozenset = frozenset()) -> None:
        markup, text = scan_html(fragment, allowed=allowed)
        self.problems += [f"{what}: {m}" for m in markup]
        self.problems += [f"{what}: shows {s!r}" for s in leftovers(text)]
        self.text.append(text)

    def markdown(self, what: str, source: str) -> None:
        # A hostile name holding a character Markdown reads anywhere in a line is written
        # escaped (its links are the kit's own lesson links).
        self.problems += [f"{what}: {name!r} in the Markdown as typed" for name in HOSTILE_NAMES
                          if markdown_text("x" + name)[1:] != name and name in source]
        self.html(what, PERMISSIVE(source), allowed=frozenset({"a"}))

    def widget_tree(self, what: str, root: widgets.Widget) -> None:
        """Labels given as HTML (ipywidgets' ``description_allow_html``: a scheme's
        checkbox, so that MathJax leaves it alone) are checked as HTML."""
        stack = [root]
        while stack:
            widget = stack.pop()
            if getattr(widget, "description_allow_html", False):
                self.html(f"{what} {type(widget).__name__} label", widget.description)
            stack += list(getattr(widget, "children", ()))

    def value(self, what: str, value) -> None:
        if value is None:
            return
        if isinstance(value, (list, tuple)):
            for number, item in enumerate(value):
                self.value(f"{what}[{number}]", item)
        elif isinstance(value, Markdown):
            self.markdown(what, value.data or "")
        elif isinstance(value, HTML):
            self.html(what, value.data or "")
        elif isinstance(value, Quiz):
            self.quiz(what, value)
        elif isinstance(value, (alt.TopLevelMixin, Figure)):
            return  # a chart: Vega draws its names as text (the browser test looks at it)
        elif isinstance(value, pd.DataFrame):
            self.html(what, value.to_html())
        elif hasattr(value, "to_html") and hasattr(value, "data"):  # a Styler, with its CSS
            self.html(what, value.to_html(), allowed=frozenset({"style"}))
        elif hasattr(value, "widget") and hasattr(value, "words"):  # a panel, the sandbox
            self.panel(what, value)
        elif hasattr(value, "widget") and hasattr(value, "table"):  # the teams' comparison
            self.widget_tree(what, value.widget)
            for part in ("summary", "refused", "table"):
                self.html(f"{what}.{part}", getattr(value, part).value)

    def panel(self, what: str, panel) -> None:
        root = panel.widget  # drawn once
        self.widget_tree(what, root)
        self.html(f"{what} words", panel.words.value)
        self.html(f"{what} changes", panel.changes.value)
        for widget in _html_widgets(root):
            self.html(f"{what} {type(widget).__name__}", widget.value.replace(PANEL_CSS, ""),
                      allowed=frozenset({"style"}))
        # A control moved: the words and changes are written again.
        controls = getattr(panel, "controls", None) or getattr(getattr(panel, "b", None),
                                                                "controls", {})
        for control in list(controls.values())[:1]:
            if isinstance(control, (widgets.FloatSlider, widgets.IntSlider)):
                control.value = control.max if control.value != control.max else control.min
                self.html(f"{what} words after a move", panel.words.value)
                self.html(f"{what} changes after a move", panel.changes.value)
        if hasattr(panel, "agree"):  # lesson 1's memorandum
            panel.agree()
            self.html(f"{what} memorandum", panel.memo.value)

    def quiz(self, what: str, quiz: Quiz) -> None:
        header = quiz.widget.children[0].value.replace(PANEL_CSS, "")
        self.html(f"{what} question", header)
        for option in range(len(quiz.options)):
            quiz.choose(option)
            self.html(f"{what} feedback {option}", quiz.feedback.value)
        self.html(f"{what} handout", _quiz_block(quiz).html)
        self.text += [str(o) for o in quiz.options]  # radio buttons show options as text


def _html_widgets(root: widgets.Widget) -> list[widgets.HTML]:
    found, stack = [], [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, widgets.HTML):
            found.append(widget)
        stack += list(getattr(widget, "children", ()))
    return found


def _shown(path: Path) -> tuple[str, ...]:
    """The hostile names a notebook must show (the start page lists the organisations,
    lesson 1 the schemes, the comparison the teams); any other shows at least one. (The
    console shows a room's tables only to the facilitator's key: tests/test_ui_room.py
    gives it tables with names that are markup.)"""
    return {"00": HOSTILE_ORGS, "01": HOSTILE_SCHEMES}.get(path.name[:2], ()) or (
        HOSTILE_TEAMS if path.stem == "compare_teams" else ())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_output_shows_hostile_names_as_text(path, hostile_path, team_folder, monkeypatch,
                                                  tmp_path):
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(hostile_path))
    monkeypatch.setenv("CASESTUDY_SCENARIOS", str(team_folder))
    notebook = nbformat.read(path, as_version=4)
    namespace = {"__name__": "__hostile__"}
    page = Page(path.name)
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and cell.source.strip():
            page.value(f"{path.name}[{number}]", _run_cell(cell.source, namespace, path.name))
    assert page.problems == [], "\n".join(page.problems)
    text = "\n".join(page.text)
    wanted = _shown(path)
    assert [n for n in wanted if n not in text] == [], "names not shown"
    if path.name[:2].isdigit() and path.name[:2] != "06":
        assert any(n in text for n in HOSTILE_NAMES), "no name shown at all"


# --------------------------------------------------------------------------- helpers


def test_people_table_escapes_words_and_headings():
    frame = pd.DataFrame({"<b onmouseover=alert(3)>x</b>": list(HOSTILE_NAMES),
                          "Cost (£m)": range(len(HOSTILE_NAMES))})
    markup, text = scan_html(people_table(frame).to_html(), allowed=frozenset({"style"}))
    assert markup == [] and leftovers(text) == []
    assert all(name in text for name in HOSTILE_NAMES + ("<b onmouseover=alert(3)>x</b>",))


def test_quiz_escapes_question_options_and_explanations():
    quiz = Quiz(HOSTILE_ORGS[0], list(HOSTILE_ORGS[1:4]), 1,
                [f"Because of {n}." for n in HOSTILE_ORGS[4:7]])
    page = Page("quiz")
    page.quiz("quiz", quiz)
    assert page.problems == []
    assert all(n in "".join(page.text) for n in HOSTILE_ORGS[:7])


def test_compare_tables_escape_team_and_file_names(hostile, team_folder):
    from casestudy.compare import compare_teams

    result = compare_teams(hostile, folder=team_folder)
    page = Page("compare")
    page.html("teams", teams_html(result))
    page.html("refused", refused_html(result.refused))
    assert page.problems == []
    text = "".join(page.text)
    assert all(team in text for team in HOSTILE_TEAMS)
    assert HOSTILE_FILE in text


def test_handout_markdown_shows_raw_html_as_text():
    # The kit's Markdown holds no HTML of its own; a name that reached it unescaped would.
    html = markdown_html("A name: <img src=x onerror=alert(1)> and <script>alert(2)</script>\n\n"
                         "<b onmouseover=alert(3)>x</b>\n\nAn entity &#60;b&#62; and a "
                         "[glossary](glossary.md#control-total) link.")
    markup, text = scan_html(html, allowed=frozenset({"a"}))
    assert markup == []
    assert "<img src=x onerror=alert(1)>" in text and "<b onmouseover=alert(3)>x</b>" in text
    assert "An entity <b> and" in text  # a character reference shows as its character
    assert 'href="glossary.html#control-total"' in html


def test_handout_table_escapes_names():
    markup, text = scan_html(table_html(pd.DataFrame({"name": list(HOSTILE_NAMES)})))
    assert markup == [] and all(n in text for n in HOSTILE_NAMES)


def test_handout_grid_script_cannot_be_closed_by_a_name(hostile, tmp_path):
    from casestudy.handouts import _Writer

    grid = lesson_grids(hostile)["no_winners_and_losers"][0]
    _, script = _Writer(out=tmp_path, system=hostile).grid_html(grid, tmp_path / "l", 1)
    inner = script.removeprefix("<script>").removesuffix("</script>\n")
    assert "<" not in inner and ">" not in inner and "</script" not in inner.lower()
    spec = json.loads(inner[inner.index("{"):inner.rindex("}, {actions") + 1])
    # The lesson's own chart over the grid (its panel's), or the positions' bars.
    expected = (panel_grid(hostile, grid).spec if grid.panel is not None
                else grid_chart(grid_frame(hostile, grid), grid).to_dict())
    assert spec == json.loads(json.dumps(expected))
    # The grid's CSV file: names whole, formulas neutralised.
    written = pd.read_csv(tmp_path / "l" / f"grid-{grid.key}.csv")
    names = set(written.name)
    assert "'=HYPERLINK(\"http://x\")" in names and "<img src=x onerror=alert(1)>" in names
    assert not any(str(n).startswith(("=", "+", "-", "@")) for n in names)


def test_handout_markdown_keeps_only_the_span_that_hides_a_name_from_mathjax():
    html = markdown_html(f"A scheme: {markdown_text('$x$ <b>')} and <span class=\"x\">y</span>.")
    assert '<span class="mathjax_ignore">$x$ &lt;b&gt;</span>' in html
    assert '&lt;span class="x"&gt;y' in html  # any other tag shown as typed (a lone
    # closing </span> is let through: it can carry nothing)
