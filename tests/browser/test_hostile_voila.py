"""Every dashboard on a system whose every name is hostile (``tests/hostile.py``: an
``<img onerror>``, ``<script>``, ``</script>``, Markdown, maths and formulas for each
organisation and scheme), with teams and a file named to match: in Chromium, no script from
a name runs and every name is shown as its own characters.

One Voila server (``CASESTUDY_SYSTEM`` and ``CASESTUDY_SCENARIOS`` set) serves every
notebook; each page is opened with ``alert``, ``confirm`` and ``prompt`` stubbed to count
their calls and Playwright's ``dialog`` event watched, one slider of each lesson is moved
(the words are written again) and every check of understanding answered (its feedback
holds names). Then the page must hold no element or attribute a name made, and show the
names it is expected to (the start page every organisation, lesson 1 every scheme, the
comparison every team), none escaped twice.
"""

from __future__ import annotations

import re

import kit_browser as kb
import pytest
from hostile import (
    HOSTILE_FILE,
    HOSTILE_NAMES,
    HOSTILE_ORGS,
    HOSTILE_SCHEMES,
    HOSTILE_TEAMS,
    leftovers,
    write_hostile_system,
)

from casestudy import Scenario, load_system
from casestudy.workshop import save_scenario

pytestmark = pytest.mark.browser

# Pages that show no name at all until a room is opened with its key or a table has joined
# (the consoles, the join page, a table's game page): opened here they would assert nothing
# of names. Their names are checked where they show them: tests/test_game_pages.py,
# tests/test_ui_room.py and tests/browser/test_room.py and test_game_pages.py (hostile team
# names shown as text).
NO_NAMES_UNTIL_A_ROOM = {"facilitator/console.ipynb", "facilitator/game_console.ipynb",
                         "room/join.ipynb", "room/game.ipynb"}
NOTEBOOKS = [p for p in kb.notebooks()
             if p.relative_to(kb.NOTEBOOKS).as_posix() not in NO_NAMES_UNTIL_A_ROOM]
LESSON = re.compile(r"^0[1-5]_")


@pytest.fixture(scope="module")
def hostile_voila(chromium_available, tmp_path_factory):
    system = write_hostile_system(tmp_path_factory.mktemp("hostile") / "hostile")
    scenarios = tmp_path_factory.mktemp("hostile-scenarios")
    for number, team in enumerate(HOSTILE_TEAMS):
        save_scenario(Scenario.preset("fixed_income", demand_shock=0.01 * number), scenarios,
                      f"table {number}", team=team, system=load_system(system))
    (scenarios / HOSTILE_FILE).write_text("{not json", encoding="utf-8")
    server = kb.start_voila(env={"CASESTUDY_SYSTEM": str(system),
                                 "CASESTUDY_SCENARIOS": str(scenarios)})
    yield server
    server.stop()


def expected(relative: str) -> tuple[str, ...]:
    """The hostile names a page must show in full."""
    if relative.startswith("00_"):
        return HOSTILE_ORGS
    if relative.startswith("01_"):
        return HOSTILE_SCHEMES
    if relative.startswith("facilitator/compare"):
        return HOSTILE_TEAMS
    return ()


@pytest.mark.parametrize("notebook", NOTEBOOKS,
                         ids=[p.relative_to(kb.NOTEBOOKS).as_posix() for p in NOTEBOOKS])
def test_dashboard_runs_no_script_from_a_name(notebook, hostile_voila, browser):
    relative = notebook.relative_to(kb.NOTEBOOKS).as_posix()
    page, log, watch = kb.open_watched(browser, hostile_voila.url + "voila/render/" + relative)
    try:
        kb.wait_for_voila(page)
        kb.commit_predictions(page)  # a lesson's panels open once its predictions are in
        kb.wait_for_charts(page, expected_min=1 if LESSON.match(notebook.name) else 0)
        groups = kb.slider_groups(page)
        if LESSON.match(notebook.name):
            assert groups, "no slider to move"
            moves = kb.move_until_redrawn(page, groups[0])
            assert moves[-1]["redrawn"] >= 1, moves
        answered = kb.reveal_checks(page)
        text = watch.harmless_text(page, 500)
    finally:
        page.context.close()
    assert [n for n in expected(relative) if n not in text] == [], "names not shown as text"
    if LESSON.match(notebook.name):
        assert answered >= 1 and any(n in text for n in HOSTILE_NAMES)
    assert leftovers(text) == [], "a name shown escaped twice or cut"
    assert kb.problems(log) == []  # no request for an <img src=x>, no error
