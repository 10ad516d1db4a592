"""The game's pages without a browser: a table's page (``casestudy.ui.game_table``) and the
console's game view (``casestudy.ui.game_console``) driven through their own methods on a
real game in a temporary store, the reveal's chart, the one list of allowed values that
the pages and the room's validation share, and the game's room for ``serve --game``.
"""

from __future__ import annotations

import pytest
from threads import on_a_thread_of_its_own

from casestudy import room as store
from casestudy.charts.game_reveal import REVEAL_WIDTH, reveal_figure
from casestudy.game import bots, new_game
from casestudy.game.model import ALLOWED, Allowed, Terms, offer_rules
from casestudy.room import RoomError
from casestudy.ui import live
from casestudy.ui.game_console import (
    DEBRIEF_PAGE,
    GameConsolePanel,
    head_html,
    reveal_frame,
    reveal_html,
    seats_html,
)
from casestudy.ui.game_table import GameTablePanel, percent
from casestudy.ui.join import join_table

pytestmark = pytest.mark.usefixtures("fresh_pages")


@pytest.fixture
def game(rooms):
    game, key = new_game(rooms, title="Test <game>", seed=1)
    return game, key


def _table(game, name: str) -> GameTablePanel:
    panel = GameTablePanel(page=live.PageRoom("none"))
    panel.connect(game, game.seat(game.room.join(name).token))
    return panel


# --------------------------------------------------------------------------- allowed values


def test_one_list_of_allowed_values_is_what_the_room_accepts(game):
    game, key = game
    table = game.join("Council", role="council")
    game.console(key).advance()
    high = ALLOWED["care"].high
    table.care("council", high)  # the edge is allowed
    with pytest.raises(RoomError, match=r"change.*-0\.3.*0\.3"):
        table.care("council", high + 0.01)
    with pytest.raises(RoomError, match=r"share"):
        table.risk_share(ALLOWED["join"].high + 0.5)
    with pytest.raises(ValueError, match=r"share = 1\.3 is not allowed; a number from 0\.8 to 1\.2"):
        Terms("fixed_value", 1.3)


def test_the_room_reads_its_ranges_from_the_list(monkeypatch, tmp_path):
    """A mutation: narrow the list, and a fresh registration of the kinds refuses what it
    accepted before (the validation is not a copy of the numbers)."""
    from casestudy.game import record

    narrow = Allowed(-0.1, 0.1, 0.05, "test")
    monkeypatch.setitem(ALLOWED, "care", narrow)
    check = record._number("care")
    assert check(0.1, "change") == 0.1
    with pytest.raises(Exception, match="from -0.1 to 0.1"):
        check(0.2, "change")


def test_menus_step_through_the_range_and_hold_the_bots_menus():
    assert ALLOWED["join"].menu() == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert ALLOWED["care"].menu()[0] == -0.3 and ALLOWED["care"].menu()[-1] == 0.3
    assert len(ALLOWED["fixed_share"].menu()) == 41  # 0.80 to 1.20 by 0.01
    for kind, menu in (("join", bots.JOIN_SHARES), ("efficiency", bots.RECURRENT_PLANS),
                       ("care", bots.CARE_CHANGES), ("fixed_share", bots.FIXED_VALUES)):
        assert all(ALLOWED[kind].refusal(kind, v) is None for v in menu), kind
        assert set(menu) <= set(ALLOWED[kind].menu()), kind  # a page can show a bot's choice


def test_offer_rules_by_year_are_what_the_room_accepts(game):
    game, key = game
    # 2017/18 and 2018/19: PbR with MRET is the national rule; 2019/20: blended.
    assert offer_rules(game.setup, 1) == ("fixed_income", "blended", "fixed_value")
    assert offer_rules(game.setup, 3) == ("pbr_mret", "fixed_income", "fixed_value")
    payer = game.join("Payer", role="commissioners")
    game.console(key).advance()
    payer.offer("commissioners.bthft", "blended")
    with pytest.raises(RoomError, match=r"game_offer.rule: 'api_2023' is not offered in "
                                        r"2017/18; one of fixed_income, blended, fixed_value"):
        payer.offer("commissioners.bthft", "api_2023")
    for terms in bots.options(game.setup, ("offer", "commissioners.bthft"), 1):
        assert terms is None or terms.rule in offer_rules(game.setup, 1)


# --------------------------------------------------------------------------- a table's page


def test_a_table_takes_a_role_and_a_taken_role_is_refused(game):
    game, _ = game
    first, second = _table(game, "One"), _table(game, "Two")
    assert next(v for _, v in first.role_pick.options) == "commissioners"
    assert first.take("bthft")
    assert first.role == "bthft" and first.role_box.layout.display == "none"
    second.refresh()
    # The menu keeps every role (a menu changing under a choice moves it); the taken one is
    # said beside it, with the table's name, and refused.
    assert [v for _, v in second.role_pick.options] == [r.role_id for r in game.setup.roles]
    assert second.role_pick.value != "bthft"
    assert "Taken by a table" in second.taken.value and "<b>One</b>" in second.taken.value
    assert not second.take("bthft")
    assert "taken by another table" in second.message.value


def test_a_table_plays_a_round_and_a_reload_keeps_its_decisions(game):
    game, key = game
    payer, hospital = _table(game, "Payer"), _table(game, "Hospital")
    payer.take("commissioners")
    hospital.take("bthft")
    console = game.console(key)
    console.advance(plan_seconds=600)
    payer.refresh()
    hospital.refresh()
    care_menu = [v for _, v in payer.controls[("join", "commissioners")].options]
    assert care_menu == list(ALLOWED["join"].menu())  # the page's menu is the list's
    rule, share = payer.offer_rows["commissioners.bthft"]
    rule.value, share.value = "fixed_value", 0.99
    assert payer.send_offers() == 3  # the hospital's offer and "no offer" on the other two
    hospital.refresh()
    assert "fixed income at 99% of plan" in hospital.offers_text.value
    assert hospital.answer("commissioners.bthft", True)
    payer.controls[("fund", "frailty")].value = True
    payer.controls[("join", "commissioners")].value = 0.5
    assert "not recorded yet" in payer.record_message.value
    assert payer.record() == len(payer.controls)  # every decision recorded once
    assert payer.record() == 0  # nothing new: nothing written again
    state = game.state()
    assert state.waiting_for()["commissioners"] == []
    decisions = state.decisions()
    assert decisions[("fund", "frailty")] is True and decisions[("join", "commissioners")] == 0.5
    assert decisions[("accept", "commissioners.bthft")] is True
    again = GameTablePanel(page=live.PageRoom("none"))
    again.connect(game, game.seat(payer.seat.table.token))  # the page reloaded
    assert again.controls[("fund", "frailty")].value is True
    assert again.controls[("join", "commissioners")].value == 0.5
    assert again.offer_rows["commissioners.bthft"][0].value == "fixed_value"
    assert again.offer_rows["commissioners.bthft"][1].value == 0.99
    # Closed books: the hospital sees its own organisation only.
    assert "Airedale" not in hospital.books.value and "Bradford Teaching" in hospital.books.value
    # After the lock nothing is recorded; the page says why, in the store's words.
    console.advance(house_bots="cooperative")
    hospital.refresh()
    assert hospital.record_button.disabled
    hospital.controls[("efficiency", "bthft")].value = 1.0
    assert hospital.record() == 0
    assert "decisions are made in the plan phase" in hospital.message.value


def test_the_reveal_shows_the_tables_own_result_first_then_the_systems_when_books_open(game):
    game, key = game
    hospital = _table(game, "Hospital <b>")
    hospital.take("bthft")
    console = game.console(key)
    console.advance()  # plan
    console.advance(house_bots="cooperative")  # lock
    console.advance()  # reveal
    hospital.refresh()
    assert next(iter(hospital.play_box.children)) is hospital.result  # its result first
    mine = game.state().results[1].organisation("bthft")
    text = hospital.result.value
    assert text.index("your result") < text.index("on the facilitator")
    from casestudy.charts import money
    assert f"reported <b>{money(mine.position_gbp_m)}</b>" in text
    assert f"underlying <b>{money(mine.underlying_position_gbp_m)}</b>" in text
    assert "The NHS system" not in text  # closed books
    console.books(True)
    hospital.refresh()
    system = game.state().results[1].system
    assert f"Reported <b>{money(system.position_gbp_m)}</b>" in hospital.result.value
    assert "Airedale" in hospital.books.value


# --------------------------------------------------------------------------- the console


def test_the_game_console_opens_only_with_the_key_and_runs_the_phases(game, rooms):
    game, key = game
    hospital = _table(game, "Hospital")
    hospital.take("bthft")
    panel = GameConsolePanel(page=live.PageRoom("none"), db=rooms)
    assert not on_a_thread_of_its_own(lambda: panel.unlock(game.code, "0000-0000-0000-0000"))
    assert panel.main.layout.display == "none" and panel.state is None
    assert "key" in panel.lock_message.value
    assert on_a_thread_of_its_own(lambda: panel.unlock(game.code, key))
    assert panel.key.value == "" and panel.main.layout.display is None
    assert panel.step_button.description == "Start round 1 (2017/18): plan, with the timer"
    panel.minutes.value = 2
    assert panel.step()
    assert game.state().timer.seconds == 120
    assert "waiting for" in panel.seats.value and "<b>Hospital</b>" in panel.seats.value
    assert panel.play_card()
    assert game.state().record.rounds[1].cards == ["hard_winter"]
    assert panel.step_button.description == "Lock round 1: the slowest get their defaults"
    assert panel.step() and panel.step()  # lock (the bots decide), reveal
    assert panel.state.phase == "reveal"
    assert next(iter(panel.body.children)) is panel.reveal_box  # the reveal first
    assert "The NHS system" in panel.reveal_table.value and "carried the volume risk" in (
        panel.reveal_table.value)
    assert len(panel.chart.outputs) == 1
    assert panel.toggle_books() and game.state().record.books_open


def test_reveal_table_and_chart_carry_the_results_figures(game):
    game, key = game
    console = game.console(key)
    console.advance()
    console.advance(house_bots="selfish")
    console.advance()
    result = game.state().results[1]
    data = result.to_dict()
    table = reveal_html(data, game.setup)
    from casestudy.charts import money
    for org in result.organisations:
        assert org.name in table
        assert money(org.underlying_position_gbp_m) in table
    refusers = [o.name for o in result.organisations if not o.would_sign_again]
    assert ("Every partner would sign" in table) == (not refusers)
    figure = reveal_figure(reveal_frame(data), data["system"], data["year"])
    # The chart's data are the result's figures, untouched (no arithmetic in the builder).
    assert list(figure.data["position_gbp_m"]) == [o.position_gbp_m for o in result.organisations]
    assert list(figure.data["underlying_position_gbp_m"]) == [
        o.underlying_position_gbp_m for o in result.organisations]
    nhs = figure.data["in_nhs_control_total"]
    assert figure.data.loc[~nhs, "control_tick_gbp_m"].isna().all()
    for org in result.organisations:  # the text alternative names every figure
        assert f"{org.name}: reported {money(org.position_gbp_m)}" in figure.summary
    assert figure.chart().to_dict()["width"] == REVEAL_WIDTH


def test_seats_name_a_table_as_text(game):
    game, _ = game
    game.join("<script>x</script>", role="council")
    text = seats_html(game.state())
    assert "<script>" not in text and "&lt;script&gt;" in text


# --------------------------------------------------------------------------- reaching the page


def test_the_join_page_lists_the_games_page_first_in_a_game_room(game, rooms):
    game, _ = game
    joined = join_table(game.code, "Table 1", db=rooms)
    title, short, href = joined.links[0]
    assert (title, short) == ("The system game: your table", "Game")
    assert href.startswith("/voila/render/room/game.ipynb?room=" + game.code)
    plain, _ = store.new_room(rooms)
    assert all("game.ipynb" not in h for _, _, h in join_table(plain.code, "Table 1",
                                                                db=rooms).links)


def test_the_game_console_links_the_debrief_page_with_its_room(game):
    game, _ = game
    head = head_html(game.state())
    assert (live.NOTEBOOKS / DEBRIEF_PAGE).is_file()
    assert f'href="/voila/render/{DEBRIEF_PAGE}?room={game.code}"' in head


def test_serve_takes_game():
    from casestudy.serve import parser

    assert parser().parse_args(["--game"]).game is True
    assert parser().parse_args([]).game is False


def test_percent_words():
    assert [percent(v) for v in (0.25, 0.995, -0.05, 1.0)] == ["25%", "99.5%", "\u22125%", "100%"]
