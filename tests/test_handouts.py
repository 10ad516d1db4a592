"""Handouts: the grids are the engine's numbers, the pages are self-contained and offline."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
import os
import shutil
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from casestudy import Scenario, ScenarioError, run_year
from casestudy.handouts import (
    SYSTEM_ROW,
    Grid,
    Knob,
    anchor,
    fix_domains,
    grid_chart,
    grid_frame,
    lesson_grids,
    markdown_html,
    panel_grid,
    write_handouts,
)
from casestudy.scenario import PRESET_LABELS
from casestudy.workshop import from_code

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- grids


def test_knob_checks_and_slider_steps():
    with pytest.raises(KeyError):
        Knob(field="no_such_field", values=(1,))
    with pytest.raises(ScenarioError, match="at least one value"):
        Knob(field="risk_share", values=())
    # A share is shown as the dashboards' sliders show it, in % (0.25 as 25).
    share = Knob(field="risk_share", values=(0.0, 0.25, 0.5))
    assert share.slider_step == 25 and share.shown_values == (0, 25, 50)
    assert share.title == "Risk share (%)"
    assert Knob(field="risk_share", values=(0.0, 0.25, 1.0)).slider_step is None  # uneven: radio
    payment = Knob(field="payment", values=("fixed_income", "blended"),
                   shown=("Fixed income", "Blended"))
    assert payment.slider_step is None and payment.shown_values == ("Fixed income", "Blended")


def test_the_team_round_grid_covers_every_combination_and_each_cell_is_run_year(bundled_system):
    """The sandbox's team round: every organisation's position, one run_year a combination
    (the lessons' grids draw the lessons' own charts: the tests below)."""
    for grid in lesson_grids(bundled_system)["sandbox"]:
        assert grid.panel is None
        frame = grid_frame(bundled_system, grid)
        columns = [k.column for k in grid.knobs]
        combos = list(itertools.product(*(k.shown_values for k in grid.knobs)))
        orgs = len(bundled_system.organisations)
        assert len(frame) == len(combos) * (orgs + 1)  # every org plus the NHS system row
        seen = set(map(tuple, frame[columns].drop_duplicates().itertuples(index=False)))
        assert seen == set(combos)
        assert frame.groupby(columns).size().eq(orgs + 1).all()
        # Each cell equals run_year for that combination's scenario, built here by hand.
        for combo in itertools.product(*(range(len(k.values)) for k in grid.knobs)):
            scenario = Scenario(**{**grid.base.to_dict(),
                                   **{k.field: k.values[i] for k, i in zip(grid.knobs, combo)}})
            shown = [k.shown_values[i] for k, i in zip(grid.knobs, combo)]
            rows = frame.loc[(frame[columns] == shown).all(axis=1)].set_index("org_id")
            year = run_year(bundled_system, scenario)
            orgs_frame = year.organisations
            np.testing.assert_array_equal(rows.loc[orgs_frame.index, "position_gbp_m"],
                                          orgs_frame.position_gbp_m)
            np.testing.assert_array_equal(rows.loc[orgs_frame.index, "underlying_position_gbp_m"],
                                          orgs_frame.underlying_position_gbp_m)
            nhs = year.system.loc["nhs"]
            assert rows.loc[SYSTEM_ROW, "position_gbp_m"] == nhs.position_gbp_m
            assert rows.loc[SYSTEM_ROW, "met_control_total"] == bool(nhs.met_control_total)
            assert from_code(rows.loc[SYSTEM_ROW, "code"]) == scenario


def test_grid_chart_filters_the_grid_with_bound_parameters(bundled_system):
    grid = lesson_grids(bundled_system)["sandbox"][0]
    frame = grid_frame(bundled_system, grid)
    spec = grid_chart(frame, grid).to_dict()  # validates against the Vega-Lite schema
    params = {p["name"]: p for p in spec["params"]}
    assert params["knob_0"]["bind"]["input"] == "radio"
    # The rules of the Bradford years, which the lessons compare.
    assert params["knob_0"]["bind"]["options"] == [PRESET_LABELS[p] for p in
                                                   ("pbr_mret", "fixed_income", "blended")]
    shocks = grid.knobs[3].shown_values  # in %: -3 to 3 for -0.03 to 0.03
    assert shocks == tuple(round(100 * v, 6) for v in grid.knobs[3].values) == (-3, 0, 3)
    assert params["knob_3"]["bind"]["input"] == "range"
    assert (params["knob_3"]["bind"]["min"], params["knob_3"]["bind"]["max"]) == (-3, 3)
    assert params["knob_3"]["bind"]["step"] == pytest.approx(3)
    filters = [t["filter"] for t in spec.get("transform", []) if "filter" in t]
    assert any("knob_0" in f and "knob_3" in f for f in filters)
    # Filtering, not computing: the only calculation formats the system's row as words.
    (data,) = spec["datasets"].values()
    assert len(data) == len(frame)
    columns = set(frame.columns)
    for layer in spec["layer"]:
        for channel in layer.get("encoding", {}).values():
            if isinstance(channel, dict) and "field" in channel:
                assert channel["field"] in columns | {"words"}
        for transform in layer.get("transform", []):
            assert set(transform) <= {"filter", "calculate", "as"}


def test_grid_of_custom_knobs(bundled_system):
    grid = Grid(key="t", title="t", question="q", base=Scenario.preset("blended"),
                knobs=(Knob(field="risk_share", values=(0.0, 1.0)),
                       Knob(field="flex", values=(0.1, 0.9))))
    frame = grid_frame(bundled_system, grid)
    assert len(frame.groupby(["risk_share", "flex"])) == 4
    full = frame[(frame.risk_share == 100) & (frame.flex == 90) & (frame.org_id != SYSTEM_ROW)]
    year = run_year(bundled_system, Scenario.preset("blended", risk_share=1.0, flex=0.9))
    np.testing.assert_array_equal(full.position_gbp_m, year.organisations.position_gbp_m)


# --------------------------------------------------------------------------- lessons' own charts


@pytest.fixture(scope="module")
def shift_grid(bundled_system):
    grid = lesson_grids(bundled_system)["no_winners_and_losers"][0]
    return grid, panel_grid(bundled_system, grid)


def test_each_lesson_handout_draws_the_chart_its_dashboard_draws(bundled_system):
    """Every lesson's interactive is its own key panel's chart (not every organisation's
    position, as before for all of them); the sandbox keeps the team round's grid."""
    from casestudy.ui import lesson1, lesson2, lesson3, lesson4, lesson5, then_and_now

    grids = lesson_grids(bundled_system)
    panels = {"system_fundamentals": lesson1.PortfolioPanel,
              "no_winners_and_losers": lesson2.ShiftPanel,
              "shared_governance": lesson3.LinkagePanel, "fixed_income": lesson4.CertaintyPanel,
              "beyond_the_nhs": lesson5.SocialCarePanel, "then_and_now": then_and_now.RegimesPanel}
    for slug, panel_class in panels.items():
        (grid,) = grids[slug]
        assert type(grid.panel(bundled_system)) is panel_class, slug
        # Every knob is one of the panel's controls: a field it shows, or its own knob.
        panel = grid.panel(bundled_system)
        for knob in grid.knobs:
            assert knob.field in panel.fields or knob.apply is not None or (
                knob.field == "schemes" and hasattr(panel, "picker")), (slug, knob.field)
    assert grids["sandbox"][0].panel is None


def test_lesson2_handout_explores_the_shift_of_care_through_the_lesson_s_model(bundled_system,
                                                                                shift_grid):
    """The shift of care is not a scenario field: the grid sets the panel's own slider, and
    its figures are behaviours.shift_by_rule's, checked here for two settings by hand."""
    from casestudy.behaviours import SYSTEM_ID, lesson_shift, shift_by_rule

    grid, drawn = shift_grid
    assert [k.field for k in grid.knobs] == ["shift_share", "flex"]
    assert grid.knobs[0].shown_values == tuple(float(n) for n in range(1, 7))  # 1% to 6%
    assert grid.knobs[0].title == "Admissions moved out (%)"
    assert grid.knobs[1].shown_values == (0, 25, 50, 75, 100)
    frame = drawn.frame
    assert len(frame.groupby(["shift_share", "flex"])) == 30
    base, _ = lesson_shift(bundled_system)
    for share, flex in ((0.03, 0.25), (0.06, 1.0)):
        scenario = Scenario.preset("fixed_income", flex=flex)
        shift = dataclasses.replace(base, share=share)
        expected = shift_by_rule(bundled_system, scenario, shift,
                                 presets=("pbr_mret", "fixed_income", "blended"))
        rows = frame[(frame.shift_share == round(100 * share, 6)) & (frame.flex == 100 * flex)]
        for org in (shift.acute_id, SYSTEM_ID):
            name = expected.loc[expected.org_id == org, "name"].iloc[0]
            np.testing.assert_allclose(
                rows.loc[rows.name == name, "change_gbp_m"].to_numpy(),
                expected.loc[expected.org_id == org, "change_gbp_m"].to_numpy(), atol=1e-9)
        # The whole system's change is the same under every rule (a rule moves money).
        system_rows = rows[rows.kind == "total"].change_gbp_m
        assert system_rows.max() - system_rows.min() < 1e-9
        assert from_code(rows.code.iloc[0]) == scenario
    # The same rows at every setting (the chart keeps its rows as the sliders move).
    rows_per = frame.groupby(["shift_share", "flex"]).name.apply(tuple)
    assert rows_per.nunique() == 1
    assert "NHS Bradford City CCG" in rows_per.iloc[0]


def test_a_grid_whose_settings_draw_different_charts_becomes_a_note(bundled_system, tmp_path):
    """No shift at all draws no bar and no legend: one chart cannot hold both, so the grid is
    refused by name, and the page says so and keeps the rest of the lesson."""
    from casestudy.handouts import _Writer

    grid = lesson_grids(bundled_system)["no_winners_and_losers"][0]
    shares = dataclasses.replace(grid.knobs[0], values=(0.0, 0.05))
    bad = dataclasses.replace(grid, knobs=(shares, dataclasses.replace(grid.knobs[1],
                                                                        values=(0.25,))), start=())
    with pytest.raises(ScenarioError, match="grid shift: its 2 combinations draw 2 different"):
        panel_grid(bundled_system, bad)
    body, script = _Writer(out=tmp_path, system=bundled_system).grid_html(bad, tmp_path, 1)
    assert "could not be prepared for this system" in body and script == ""


def test_lesson_chart_spec_filters_the_grid_and_fixes_its_axis(shift_grid):
    _grid, drawn = shift_grid
    spec = drawn.spec
    params = {p["name"]: p for p in spec["params"]}
    # In % as the dashboard's sliders read them, starting where the dashboard starts.
    assert params["knob_0"]["bind"] | {"name": ""} == {"input": "range", "min": 1, "max": 6,
                                                       "step": 1, "name": ""}
    assert (params["knob_0"]["value"], params["knob_1"]["value"]) == (3, 25)
    assert spec["transform"][0]["filter"].count("knob_") == 2
    (data,) = spec["datasets"].values()
    assert len(data) == len(drawn.frame)
    # The change axis is fixed over the whole grid (and zero): a move of a slider reads as a
    # move of the bars, not of the axis.
    bars = spec["spec"]["layer"][0]["encoding"]["x"]
    change = drawn.frame.change_gbp_m
    assert bars["scale"]["domain"] == [min(0.0, change.min()), max(0.0, change.max())]
    assert change.max() - change.min() > 5  # the grid spans a range the axis must hold
    # A text alternative for each combination: the panel's own summary at those settings.
    assert len(drawn.summaries) == 30
    assert all("whole system changes by" in text for _, text in drawn.summaries)
    assert "under payment by results + MRET (2016/17-2018/19)" in drawn.summaries[0][1]


def test_fix_domains_keeps_a_chart_s_own_domain():
    spec = {"encoding": {"x": {"field": "a", "type": "quantitative",
                               "scale": {"domain": [0, 12]}},
                         "y": {"field": "b", "type": "nominal"}}}
    fix_domains(spec, pd.DataFrame({"a": [1.0, 40.0], "b": ["p", "q"]}))
    assert spec["encoding"]["x"]["scale"] == {"domain": [0, 12]}
    assert "scale" not in spec["encoding"]["y"]


# --------------------------------------------------------------------------- Markdown


def test_markdown_headings_get_glossary_anchors_and_links_point_at_pages():
    assert anchor("Control total") == "control-total"
    assert anchor("Fixed-income contract") == "fixed-income-contract"
    text = markdown_html("## Control total\n\nSee [the glossary](glossary.md#risk-share), "
                         "[data](../data/README.md), [lesson 2](02_no_winners.ipynb) and "
                         "[a source](https://example.org/x).\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert '<h2 id="control-total">' in text
    assert 'href="glossary.html#risk-share"' in text
    assert 'href="data.html"' in text and 'href="lesson02.html"' in text
    assert 'href="https://example.org/x"' in text  # a link to read later, not a resource
    assert "<table>" in text


# --------------------------------------------------------------------------- pages


class _Resources(HTMLParser):
    """Every URL the browser would fetch by itself: script/img/iframe src, link href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "audio", "video", "embed"):
            self.urls.append(attrs.get("src") or "")
        if tag == "link":
            self.urls.append(attrs.get("href") or "")
        if tag == "object":
            self.urls.append(attrs.get("data") or "")


def _fetched(path: Path) -> list[str]:
    parser = _Resources()
    parser.feed(path.read_text(encoding="utf-8"))
    return [u for u in parser.urls if u]


def _assert_offline(path: Path) -> None:
    remote = [u for u in _fetched(path) if u.startswith(("http://", "https://", "//"))]
    assert remote == [], f"{path.name} fetches {remote}"
    text = path.read_text(encoding="utf-8")
    assert "<script src=" not in text.replace("'", '"')


PANEL_MODULE = '''
"""A small lesson module for the handout tests."""
from IPython.display import Markdown

from casestudy import run_year
from casestudy.charts import positions_figure
from casestudy.ui.common import Panel, Quiz


class RiskPanel(Panel):
    fields = ("risk_share", "payment")
    title = "Pool the risk"

    def render(self, scenario):
        orgs = run_year(self.system, scenario).organisations
        return positions_figure(orgs), f"<b>{len(orgs)}</b> organisations"


def situation():
    return Markdown("The **situation** has a [control total](glossary.md#control-total).")


def checks():
    return [Quiz("Who pays?", ["The commissioner", "The provider"], correct=1,
                 explanations=["No.", "Yes: its cost rises."])]
'''


def _risk_panel(system):
    import importlib

    return importlib.import_module("handout_lesson").RiskPanel(system)


@pytest.fixture(scope="module")
def written(tmp_path_factory, bundled_system):
    """Handouts from two small notebooks: one lesson with a panel, a grid and a quiz."""
    base = tmp_path_factory.mktemp("handouts")
    (base / "pkg").mkdir()
    (base / "pkg" / "handout_lesson.py").write_text(textwrap.dedent(PANEL_MODULE))
    notebooks = base / "notebooks"
    notebooks.mkdir()
    cells = [
        new_markdown_cell("# Pool the risk\n\n## What you will learn\n\nA "
                          "[risk share](glossary.md#risk-share)."),
        new_code_cell("import handout_lesson"),
        new_code_cell("handout_lesson.situation()"),
        new_markdown_cell("## Explore"),
        new_code_cell("handout_lesson.RiskPanel()"),
        new_markdown_cell("## What this means for your system\n\nIt depends."),
        new_code_cell("handout_lesson.checks()[0]"),
        new_code_cell("handout_lesson.no_such_function()"),
    ]
    nbformat.write(new_notebook(cells=cells), notebooks / "03_shared_governance.ipynb")
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Start here")]),
                   notebooks / "00_start_here.ipynb")
    guide = base / "guide.md"
    guide.write_text("# Facilitator's guide\n\n## 90 minutes\n\n| Time | What |\n|---|---|\n"
                     "| 0:00 | Welcome |\n")
    grids = {"shared_governance": [Grid(key="pool", title="Pool", question="Who gains?",
                         knobs=(Knob(field="risk_share", values=(0.0, 0.5, 1.0)),
                                Knob(field="payment", values=("fixed_income", "blended"),
                                     shown=("Fixed income", "Blended")))),
                                   # The lesson's own panel's chart over a grid.
                                   Grid(key="panel", title="Pool, as the panel draws it",
                                        question="Who gains?", panel=_risk_panel,
                                        knobs=(Knob(field="demand_shock",
                                                    values=(0.0, 0.05, 0.1)),),
                                        start=(5,))]}
    import sys
    sys.path.insert(0, str(base / "pkg"))
    try:
        paths = write_handouts(base / "out", system=bundled_system, notebooks=notebooks,
                               guide=guide, grids=grids)
    finally:
        sys.path.remove(str(base / "pkg"))
    return base / "out", paths


def test_every_page_is_written_and_self_contained(written):
    out, paths = written
    names = {p.name for p in paths}
    assert {"lesson00.html", "lesson03.html", "guide.html", "index.html"} <= names
    for path in out.glob("*.html"):
        _assert_offline(path)


def test_lesson_page_holds_narrative_charts_tables_quiz_and_the_grid(written):
    out, _ = written
    text = (out / "lesson03.html").read_text(encoding="utf-8")
    assert "<title>Pool the risk</title>" in text
    assert "The <strong>situation</strong>" in text
    assert 'href="glossary.html#risk-share"' in text
    assert text.count("<svg") >= 1 and "Pool the risk</h3>" in text  # the panel and its chart
    assert (out / "lesson03" / "chart-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "lesson03" / "chart-1.csv").read_text().startswith('"org_id","name",')  # text quoted
    assert "The data behind this chart" in text and "<table" in text
    assert "Risk share</b>: 0%" in text  # the settings shown, as the slider reads them
    assert "Who pays?" in text and "Show the answer" in text
    assert "could not be prepared" in text  # the failing cell is a note, the rest is there
    # The grid: its chart script, the inlined Vega bundle, and the CSV of every value.
    assert "vegaEmbed('#grid-1'" in text and "vegaLite" in text
    assert text.index("Try it: Pool") < text.index("What this means for your system")
    assert (out / "lesson03" / "grid-pool.csv").is_file()


def test_index_lists_the_pages_and_what_is_missing(written):
    out, _ = written
    text = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="lesson03.html"' in text and 'href="guide.html"' in text
    assert "01_system_fundamentals.ipynb" in text  # not written in that folder: said so
    # Each page by its name and length in the registry (casestudy.lessons), not its heading.
    assert ('<a href="lesson03.html">3. Shared governance, shared data</a> '
            '<span class="muted">(20 minutes)</span>') in text
    guide = (out / "guide.html").read_text(encoding="utf-8")
    assert "<table>" in guide and "90 minutes" in guide


def _chromium() -> str | None:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists()
                                        else None)
    if path is None and os.environ.get("CI"):
        pytest.fail("CI is set but no Chromium at /usr/bin/chromium")
    return path


@pytest.mark.browser
def test_grid_draws_offline_and_its_slider_picks_another_combination(written):
    browser_path = _chromium()
    if browser_path is None:
        pytest.skip("no Chromium here")
    playwright = pytest.importorskip("playwright.sync_api")
    out, _ = written
    # Playwright's sync API refuses to start where an event loop is already running (as when
    # the browser suite's session-wide Playwright shares this worker): a thread of its own.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        remote, errors = pool.submit(_drive_grid, playwright, browser_path, out).result()
    assert remote == [] and errors == []


def _drive_grid(playwright, browser_path: str, out: Path) -> tuple[list[str], list[str]]:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1366, "height": 768})
        remote: list[str] = []

        def route(request_route):
            url = request_route.request.url
            if url.startswith(("http://", "https://")):
                remote.append(url)
                return request_route.abort()
            return request_route.continue_()

        context.route("**/*", route)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "lesson03.html").as_uri())
        page.wait_for_selector(".grid-chart svg", timeout=20_000)
        assert page.locator(".grid-chart svg text", has_text="NHS system position").count() == 1
        drawn = "document.querySelector('.grid-chart svg').innerHTML"
        before = page.evaluate(drawn)
        page.locator(".grid-chart input[type=range]").first.focus()
        page.keyboard.press("ArrowRight")  # risk share 0 -> 0.5: the bars move
        page.wait_for_function(f"b => {drawn} !== b", arg=before, timeout=10_000)
        page.locator(".grid-chart input[type=radio]").nth(1).check()
        page.wait_for_timeout(300)
        # The panel's own chart: its words say what it shows at the settings chosen, and
        # change with them (the summary of that combination, computed when it was made).
        page.wait_for_selector("#grid-2 svg.marks", timeout=20_000)
        said = page.locator("#grid-2-said")
        first = said.inner_text()
        page.locator("#grid-2 input[type=range]").focus()
        page.keyboard.press("ArrowRight")  # demand 5% -> 10% above plan
        page.wait_for_function("t => document.querySelector('#grid-2-said').textContent !== t",
                               arg=first, timeout=10_000)
        if not (first and said.inner_text()):
            errors.append(f"no words for the chart: {first!r}, {said.inner_text()!r}")
        browser.close()
    return remote, errors


# --------------------------------------------------------------------------- the real kit


def test_guide_has_the_three_run_sheets():
    guide = (ROOT / "notebooks" / "facilitator" / "guide.md").read_text(encoding="utf-8")
    for heading in ("60-minute session", "90-minute session", "120-minute session",
                    "Debrief questions", "no Python",
                    "make workshop", "make handouts", "compare_teams"):
        assert heading in guide, heading
