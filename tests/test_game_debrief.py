"""The game's debrief: its facts against hand figures on a one-round tiny game, the charts'
text alternatives and sizes, the same debrief from the room and from its exported JSON (an
edited file refused), the page behind the facilitator's key, and the e-mailed page.

The tiny game (tests/tiny.py, seed 7, round 1 of 2, 2017/18): the commissioners fund the
frailty scheme and the community trust commits to it; the council funds falls prevention
and the community trust does not commit; the commissioners and the acute trust join a full
risk share; the acute trust votes to tie the funds, the community trust against; the acute
trust plans half its savings recurrent; the council cuts its social care spending by 10%.
"""

from __future__ import annotations

import json
import re

import pytest
from tiny import TINY_TABLES, write_tables

from casestudy import load_system
from casestudy.charts.game_debrief import MAX_WIDTH, TEXT, lesson_figures
from casestudy.charts.style import money
from casestudy.errors import DataError
from casestudy.game import new_game
from casestudy.game.debrief import debrief_questions, page_html, questions_for_lesson
from casestudy.game.facts import debrief_from_json, debrief_of
from casestudy.game.model import first_round, year_noise


def play_round_1(folder):
    """The tiny game above, in a room of its own, revealed to the end of round 1."""
    system = write_tables(folder / "tiny", TINY_TABLES)
    game, key = new_game(folder / "rooms.sqlite", system=system, seed=7, rounds=2,
                         title="Tiny <b>game</b>")
    console = game.console(key)
    console.advance()  # round 1: plan
    for role, decision, value in (
            ("commissioners", ("fund", "frailty"), True), ("comm", ("commit", "frailty"), True),
            ("council", ("fund", "falls"), True),
            ("commissioners", ("join", "commissioners"), 1.0), ("acute", ("join", "acute"), 1.0),
            ("acute", ("vote", "acute"), True), ("comm", ("vote", "comm"), False),
            ("acute", ("efficiency", "acute"), 0.5), ("council", ("care", "council"), -0.1)):
        console.decide_for(role, decision, value)
    console.advance()  # lock
    console.advance()  # reveal
    return game, key


@pytest.fixture(scope="module")
def tiny_game(tmp_path_factory):
    return play_round_1(tmp_path_factory.mktemp("gdebrief"))


@pytest.fixture(scope="module")
def debrief(tiny_game):
    return debrief_of(tiny_game[0])


def test_lesson_1_schemes_backed_and_delivered_within_the_capacity(debrief):
    frailty, falls = debrief.schemes
    assert (frailty.funded, frailty.committed, frailty.running) == (True, True, True)
    assert (falls.funded, falls.committed, falls.running) == (True, False, False)
    # Frailty alone runs: load 2 against a capacity of 6, so no overload; it reaches its
    # full effect in one year; delivered = its probability 0.5 x (6 / max(2, 6))^1.5 = 0.5.
    assert frailty.delivered_share == pytest.approx(0.5 * (6 / max(2, 6)) ** 1.5)
    assert falls.delivered_share == 0.0
    (capacity,) = debrief.capacity
    assert (capacity.backed, capacity.running, capacity.load, capacity.capacity) == (2, 1, 2.0,
                                                                                      6.0)


def test_lesson_2_positions_against_control_totals(debrief):
    acute = next(o for o in debrief.organisations if o.org_id == "acute")
    assert acute.control_total_gbp_m == 1.0  # the data's, in round 1
    assert acute.against_control_total_gbp_m == pytest.approx(acute.position_gbp_m - 1.0)
    assert acute.would_sign_again == (acute.position_gbp_m >= acute.fallback_position_gbp_m
                                      - 1e-9)


def test_lesson_3_risk_share_and_the_vote(debrief):
    (funds,) = debrief.funds
    assert funds.members == ("The commissioners", "Acute") and funds.pool_share == 1.0
    # One of the two fund holders (acute 2, comm 1) voted to tie: no majority.
    assert (funds.votes_for, funds.voters, funds.linked) == (("Acute",), ("Acute", "Comm"), False)
    assert funds.funds_available_gbp_m == pytest.approx(2 + 1)
    moved = {o.org_id: o.risk_share_gbp_m for o in debrief.organisations}
    assert moved["comm"] == 0.0 and moved["council"] == 0.0  # not members
    assert moved["ccg_a"] + moved["ccg_b"] + moved["acute"] == pytest.approx(0.0, abs=1e-9)
    assert debrief.transfers_sum_gbp_m[0] == pytest.approx(0.0, abs=1e-9)


def test_lesson_4_one_off_savings_are_the_non_recurrent_part_of_the_plan(debrief):
    acute = next(o for o in debrief.organisations if o.org_id == "acute")
    # Cost base 80 x efficiency required 4.1%; half planned recurrent (delivered at 90%),
    # half one-off (delivered in full): the one-off part is 80 x 0.041 x 0.5 x 1.0 = 1.64.
    assert acute.one_off_savings_gbp_m == pytest.approx(80 * 0.041 * 0.5 * 1.0)
    # Reported less underlying: the one-offs, the risk share and the funds won.
    assert acute.position_gbp_m - acute.underlying_position_gbp_m == pytest.approx(
        acute.one_off_savings_gbp_m + acute.one_off_support_gbp_m + acute.risk_share_gbp_m
        + acute.fund_won_gbp_m)


def test_lesson_5_the_councils_cut_is_its_saving_and_comes_back(tiny_game, debrief):
    game, _ = tiny_game
    (care,) = debrief.care
    assert (care.council, care.change) == ("Council", -0.1)
    # The council buys 1,000 packages at the round's price (line 4), bought as demand comes
    # (x (1 + the year's draw on that line)); a 10% cut saves it a tenth of that.
    inputs = first_round(game.setup).inputs
    noise = year_noise(game.setup, 7, 1)[0, 4]
    spend = inputs.planned[4] * inputs.price_gbp[4] / 1e6 * (1 + noise)
    assert care.council_gbp_m == pytest.approx(0.1 * spend)
    assert care.nhs_gbp_m < 0  # emergency admissions and delayed days come back
    assert care.place_gbp_m == pytest.approx(care.council_gbp_m + care.nhs_gbp_m
                                             + care.others_gbp_m)


def test_the_charts_state_their_figures_and_fit_a_projector(debrief):
    figures = lesson_figures(debrief)
    assert len(figures) == 5
    one, two, three, four, five = (f.summary for f in figures)
    assert "1 of 2 schemes backed ran, a leadership load of 2 against a capacity of 6" in one
    assert "Frailty service 50%" in one and "backed but not run: Falls prevention" in one
    acute = next(o for o in debrief.organisations if o.org_id == "acute")
    # The acute trust pays £2.2m into the risk share, so it is worse off than with the deal
    # undone: it would not sign again (the chart draws it orange).
    assert not acute.would_sign_again
    assert two.endswith("every NHS organisation at or above its control total; would not sign "
                        "again: Acute.")
    assert f"Acute {money(acute.risk_share_gbp_m)}" in three
    assert "a risk share of 100% among The commissioners, Acute" in three
    assert "1 of 2 fund holders voted to tie the funds (not tied)" in three
    assert "one-off savings £1.9m" in four  # acute 1.64 + comm 20 x 0.041 x 0.3 = 0.246
    assert "Council's social care spending cut 10%" in five
    for figure in figures:
        spec = figure.chart().to_dict()
        assert spec["description"] == figure.summary
        text = json.dumps(spec)
        sizes = [int(v) for v in re.findall(r'"(?:fontSize|labelFontSize)": (\d+)', text)]
        assert min(sizes, default=TEXT) >= TEXT
        widths = [int(v) for v in re.findall(r'"width": (\d+)', text)]
        assert sum(widths) <= MAX_WIDTH


def test_the_exported_json_gives_the_same_debrief_and_an_edited_one_is_refused(tiny_game,
                                                                            debrief):
    game, _ = tiny_game
    text = game.export_json()
    again = debrief_from_json(text)
    assert again.organisations == debrief.organisations and again.care == debrief.care
    edited = json.loads(text)
    edited["rounds"][0]["organisations"][2]["position_gbp_m"] += 1.0
    with pytest.raises(DataError, match="the file was edited"):
        debrief_from_json(json.dumps(edited))
    with pytest.raises(DataError, match="not a game's JSON export"):
        debrief_from_json("{not json")
    with pytest.raises(DataError, match="room: missing"):
        debrief_from_json(json.dumps({"rounds": [], "roles": [], "seed": 1}))


def test_the_guide_questions_go_beside_their_lessons():
    questions = debrief_questions()
    assert sorted(questions) == [1, 2, 3]
    for lesson in range(1, 6):
        assert questions_for_lesson(questions, lesson), f"no question names lesson {lesson}"
    assert all(n == 3 for n, _ in questions_for_lesson(questions, 5))


def test_the_page_opens_only_with_the_key_and_shows_the_room(tmp_path):
    from casestudy.ui import game_debrief

    game, key = play_round_1(tmp_path)  # its own: round 2 is played below
    db = game.room.where.target
    page = game_debrief.GameDebriefPage(db=db, rehearse=False)
    assert page.debrief is None
    assert not page.open_room(game.code, "wrong-key")
    assert "alert" in page.message.value and page.debrief is None
    assert page.open_room(game.code, key)
    assert page.debrief.code == game.code and page.key.value == ""
    assert page.summaries[0].startswith("Priorities. Round 1 (2017/18)")
    assert "Tiny &lt;b&gt;game&lt;/b&gt;" in page.head.value
    assert all(o.outputs for o in page.outputs)
    # Round 2 revealed: the page reads the room again without the key.
    console = game.console(key)
    for _ in range(4):
        console.advance()  # debrief; round 2: plan, lock, reveal
    assert page.refresh() and page.debrief.played == 2
    assert page.summaries[1].count("Round ") == 2
    # The exported file, uploaded, gives the same page (with the page's system: the tiny
    # one here); a bad one is refused with a message.
    tiny = load_system(game.setup_payload["system"])
    other = game_debrief.GameDebriefPage(tiny, rehearse=False)
    assert other.open_json(game.export_json())
    assert other.summaries == page.summaries
    assert not other.open_json(b"[]", name="x.json") and "x.json" in other.message.value
    # A file that names another system (a folder on this machine) is refused: the page
    # never loads a system from a path the file gives, only its own or the bundled one.
    named = json.loads(game.export_json())
    for event in named["room"]["events"]:
        if event["kind"] == "game_setup":
            event["payload"]["system"] = "/nowhere/else"
            event["payload"]["digest"] = "0" * 64
    assert not other.open_json(json.dumps(named), name="y.json")
    assert "not the one this game began with" in other.message.value


def test_the_emailed_page_draws_the_same_charts_inline(debrief):
    page = page_html(debrief)
    assert page.count("<svg") == 5 and "<script" not in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")
    for figure in lesson_figures(debrief):
        assert f"<figcaption>{figure.summary.replace('&', '&amp;')}" in page.replace(
            "&#x27;", "'")
    assert "Tiny &lt;b&gt;game&lt;/b&gt;" in page
