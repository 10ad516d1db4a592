"""The room's pages as plain functions and widgets, without a browser: a page's room from its
address, the banner and its links, joining once, the prediction widget (alone and in a
room, the reveal read from the store), the poller, the console (its key, tables,
distribution, team round, record), the team round page, and the debrief."""

from __future__ import annotations

import asyncio
import html
import re

import pytest
from threads import on_a_thread_of_its_own

from casestudy import Scenario
from casestudy import room as store
from casestudy.ui import console as console_ui
from casestudy.ui import live
from casestudy.ui.join import JoinPanel, join_table
from casestudy.ui.predict import ALONE, Moment, PredictWidget, build, registered

pytestmark = pytest.mark.usefixtures("fresh_pages")


@pytest.fixture
def workshop(rooms):
    room, key = store.new_room(rooms, title="Tuesday <b>")
    return room, key


def _page(room, table=None, rooms=None) -> live.PageRoom:
    query = f"room={room.code}" + (f"&table={table.token}" if table else "")
    return live.resolve(query, rooms)


def _moment(answer: int = 1) -> Moment:
    return Moment(id="test.moment", question="Who pays for extra activity under fixed income?",
                  options=("The commissioner", "The provider", "Nobody"), answer=answer,
                  explanation="The provider: its <i>cost</i> rises, its income does not.",
                  reveal=lambda: "the outcome")


# --------------------------------------------------------------------------- the address


def test_a_pages_room_and_table_come_from_its_address(workshop, rooms):
    room, _ = workshop
    table = room.join("Table <1>")
    assert live.parse_query(f"room={room.code.lower()}&table={table.token}&x=1") == {
        "room": room.code, "table": table.token}
    assert live.resolve(None, rooms).status == "none"
    page = _page(room, table, rooms)
    assert (page.status, page.in_room, page.table.name) == ("ready", True, "Table <1>")
    console_page = _page(room, rooms=rooms)
    assert console_page.status == "ready" and not console_page.in_room
    for query, says in ((f"room=ZZZZZZ&table={table.token}", "there is no room ZZZZZZ"),
                        ("room=K7M&table=abc", "has 3 characters"),
                        (f"room={room.code}&table=not-a-token", "not one of this room's tables"),
                        (f"room={room.code}&table=%3Cscript%3E", "damaged"),
                        (f"table={table.token}", "no room code")):
        found = live.resolve(query, rooms)
        assert found.status == "error" and says in found.message, (query, found.message)


def test_the_banner_names_the_table_escaped_and_links_carry_it(workshop, rooms, monkeypatch):
    room, _ = workshop
    table = room.join("Table <img src=x onerror=alert(1)>")
    monkeypatch.setenv("SCRIPT_NAME", "/user/amy/voila/render/02_no_winners_and_losers.ipynb")
    text = live.banner_html(_page(room, table, rooms), "02_no_winners_and_losers.ipynb")
    assert "<img" not in text and "Table &lt;img src=x onerror=alert(1)&gt;" in text
    links = re.findall(r'href="([^"]+)"', text)
    assert len(links) == len(live.TABLE_PAGES) + 1  # every page, and the join page
    for link in links:
        assert link.startswith("/user/amy/voila/render/")  # behind the hub's prefix
        assert f"room={room.code}&amp;table={table.token}" in link
    assert text.count('aria-current="page"') == 1
    assert live.banner_html(live.PageRoom("none")) == ""
    error = live.resolve(f"room={room.code}&table=nope", rooms)
    assert 'role="alert"' in live.banner_html(error)


def test_a_learner_alone_sees_no_banner(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    live.forget_page_room()
    assert live.banner() is None


def test_a_preheated_page_waits_for_its_request_then_settles(workshop, rooms, monkeypatch):
    # Under preheated kernels the cells run before the request: the page is "pending" and
    # its widgets fill in once Voila sends the query string.
    room, _ = workshop
    table = room.join("Table 2")
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.delenv("QUERY_STRING", raising=False)
    import voila.utils

    def arrives(url=None):
        monkeypatch.setenv("QUERY_STRING", f"room={room.code}&table={table.token}")

    monkeypatch.setattr(voila.utils, "wait_for_request", arrives)

    async def page_on_a_loop():
        live.forget_page_room()
        page = live.page_room(rooms)
        assert page.status == "pending"
        shown = live.banner()
        for _ in range(100):
            if page.status != "pending":
                break
            await asyncio.sleep(0.02)
        return page, shown

    page, shown = on_a_thread_of_its_own(lambda: asyncio.run(page_on_a_loop()))
    assert page.in_room and page.table.team_id == table.team_id
    assert "Table 2</b>, room" in shown.children[0].value


# --------------------------------------------------------------------------- joining once


def test_join_once_and_every_refusal_says_what_to_do(workshop, rooms):
    room, _ = workshop
    joined = join_table(room.code.lower(), "  Table 3 ", db=rooms)
    assert joined.table.name == "Table 3"
    assert all(f"table={joined.table.token}" in href for _, _, href in joined.links)
    for code, name, says in ((room.code, "", "empty"),
                             (room.code, "x" * 41, "at most 40"),
                             (room.code, "TABLE  3", "is taken"),
                             ("", "Table 9", "room code: empty"),
                             ("Q0Q0Q0", "Table 9", "there is no room")):
        with pytest.raises(store.RoomError, match=says):
            join_table(code, name, db=rooms)
    assert len(room.state().teams) == 1  # nothing joined by a refusal


def test_the_join_page_shows_the_links_or_the_reason(workshop, rooms):
    room, _ = workshop
    panel = JoinPanel(page=_page(room, rooms=rooms), db=rooms)
    assert panel.code.value == room.code  # from the page's address
    panel.name.value = "<b>Red</b>"
    joined = panel.join()
    assert joined is not None and panel.button.disabled
    assert "&lt;b&gt;Red&lt;/b&gt;" in panel.result.value and "<b>Red</b>" not in panel.result.value
    assert panel.result.value.count(f"table={joined.table.token}") == len(live.TABLE_PAGES) + 1
    other = JoinPanel(page=_page(room, rooms=rooms), db=rooms)
    other.name.value = "<B>red</b>"
    assert other.join() is None
    assert "is taken" in html.unescape(other.message.value) and other.result.value == ""
    # The join page opened again from a table's own link shows its links again.
    back = JoinPanel(page=_page(room, joined.table, rooms), db=rooms)
    assert back.joined is not None and back.joined.table.team_id == joined.table.team_id


# --------------------------------------------------------------------------- predicting


def test_alone_the_outcome_shows_only_after_commit_with_one_feedback():
    widget = PredictWidget(_moment(answer=1), page=ALONE)
    assert widget.outcome.layout.display == "none" and widget.feedback.value == ""
    assert widget.button.disabled  # nothing chosen yet
    assert widget.commit() is False and "Choose an answer first" in widget.status.value
    widget.choice.value = 0
    assert not widget.button.disabled
    widget.button.click()
    assert widget.committed == 0 and widget.outcome.layout.display is None
    assert widget.choice.disabled and widget.button.disabled
    feedback = widget.feedback.value
    assert feedback.count("cs-feedback") == 1 and "Not this time" in feedback
    assert feedback.count("its <i>cost</i> rises") == 1  # the explanation, once
    assert widget.commit(1) is False  # committed once: a second commit changes nothing
    assert widget.feedback.value == feedback
    right = PredictWidget(_moment(answer=1), page=ALONE)
    right.commit(1)
    assert "Right" in right.feedback.value
    assert right.outcome.children[1].value == "the outcome"  # what the moment reveals
    import ipywidgets as widgets
    chart = widgets.HTML("a chart")  # a lesson may hand over a widget rather than a builder
    given = PredictWidget(Moment(id="test.widget", question="Q?", options=("A", "B"), answer=0,
                                 explanation="Because.", reveal=chart), page=ALONE)
    given.commit(0)
    assert given.outcome.children[1] is chart
    # A handout reads it as a quiz: the question, the options, the answer.
    assert (right.question, right.options, right.correct) == (
        _moment().question, list(_moment().options), 1)


def test_in_a_room_commit_writes_the_prediction_and_the_reveal_comes_from_the_store(
        workshop, rooms):
    room, key = workshop
    console = room.console(key)
    red, blue = room.join("Red"), room.join("Blue")
    moment = _moment(answer=1)
    mine = PredictWidget(moment, page=_page(room, red, rooms))
    theirs = PredictWidget(moment, page=_page(room, blue, rooms))
    poller = live.poller_for(room)
    # Committed before the facilitator opens the moment: kept, not lost, not yet sent.
    mine.commit(1)
    assert not mine.sent and "goes to the room when the facilitator opens" in mine.status.value
    assert "prediction" not in room.state().kinds
    console.open_moment(moment.id, moment.question, moment.options)
    poller.tick()
    assert mine.sent
    event = room.events(kinds=["prediction"])[-1]
    assert (event.team_id, event.payload["choice"], event.by) == (red.team_id, 1, "table")
    theirs.commit(0)
    assert room.state().moments[moment.id].predictions == {red.team_id: 1, blue.team_id: 0}
    assert mine.outcome.layout.display == "none"  # not before the reveal
    console.reveal_moment(moment.id, answer=1)
    poller.tick()
    for widget, verdict in ((mine, "Right"), (theirs, "Not this time")):
        assert widget.revealed_answer == 1 and widget.outcome.layout.display is None
        assert verdict in widget.feedback.value
        assert widget.feedback.value.count("In the room, 1 of 2 tables (50%)") == 1
    poller.tick()  # nothing new: the feedback is not written again
    assert mine.feedback.value.count("cs-feedback") == 1


def test_a_prediction_after_the_lock_is_not_counted(workshop, rooms):
    room, key = workshop
    console = room.console(key)
    moment = _moment()
    console.open_moment(moment.id, moment.question, moment.options)
    console.lock_moment(moment.id)
    late = PredictWidget(moment, page=_page(room, room.join("Late"), rooms))
    late.commit(2)
    assert "was not counted" in late.status.value
    assert room.state().moments[moment.id].predictions == {}


def test_the_lesson_moments_are_built_by_the_model(bundled_system):
    assert "lesson2.shift_rule" in registered()
    moment = build("lesson2.shift_rule", bundled_system)
    from casestudy.behaviours import shift_changes, shift_for
    from casestudy.ui.moments import ACTIVITY_PRESET
    shift = shift_for(bundled_system)
    change = shift_changes(bundled_system, Scenario.preset(ACTIVITY_PRESET), shift).loc[
        shift.acute_id, "change_gbp_m"]
    assert moment.answer == (0 if change > 0 else 1 if change < 0 else 2)
    assert bundled_system.org_name(shift.acute_id) in moment.question
    assert len(moment.question) <= 300  # what the room's store takes
    with pytest.raises(KeyError, match="no prediction moment"):
        build("lesson9.nothing", bundled_system)


# --------------------------------------------------------------------------- the poller


def test_the_poller_reads_new_events_and_survives_a_failure(workshop, monkeypatch):
    room, _ = workshop
    poller = live.Poller(room, interval_s=0.05)
    heard = []
    poller.subscribe(lambda state, changed: heard.append((state.event_count, changed)))
    assert on_a_thread_of_its_own(poller.start) is False  # no loop there: nothing started
    poller.tick()
    room.join("Table 1")
    poller.tick()
    poller.tick()
    assert heard == [(0, True), (1, True), (1, False)]

    def broken():
        raise store.Unavailable("database: not answering")

    told = []
    poller.watch(told.append)
    monkeypatch.setattr(room, "state", broken)
    assert poller.tick() is None and "trying again" in poller.problem
    assert poller.tick() is None and len(told) == 1  # said once, not every half second
    monkeypatch.undo()
    poller.tick()
    assert told[-1] == "" and poller.problem == ""  # and the page hears it is over

    count = len(heard)

    async def on_a_loop():
        assert poller.start() and poller.running
        for _ in range(400):  # three ticks, every 0.05 s; up to 20 s on a busy machine
            await asyncio.sleep(0.05)
            if len(heard) >= count + 3:
                break
        poller.stop()
        await asyncio.sleep(0.05)
        stopped_at = len(heard)
        await asyncio.sleep(0.3)
        return poller.running, stopped_at

    running, stopped_at = on_a_thread_of_its_own(lambda: asyncio.run(on_a_loop()))
    assert running is False
    assert len(heard) >= count + 3  # it ticked on the loop by itself
    assert len(heard) == stopped_at  # and not once after it stopped


# --------------------------------------------------------------------------- the console


def test_a_wrong_key_opens_nothing_and_shows_nothing(workshop, rooms, tmp_path):
    room, key = workshop
    room.join("Secret table name")
    panel = console_ui.ConsolePanel(page=_page(room, rooms=rooms), db=rooms,
                                    exports=tmp_path / "exports")
    assert panel.code.value == room.code
    panel.key.value = "0000-0000-0000-0000"
    assert panel.unlock() is False
    assert "not this room's key" in html.unescape(panel.lock_message.value)
    assert panel.main.layout.display == "none" and panel.console is None
    assert "Secret" not in panel.tables.value + panel.head.value  # nothing read or shown
    assert panel.key.value == ""  # a typed key never stays in the page
    panel.key.value = key
    assert panel.unlock() is True
    assert panel.key.value == "" and panel.main.layout.display is None
    assert "Secret table name" in panel.tables.value and "Tuesday &lt;b&gt;" in panel.head.value


def test_the_console_runs_a_moment_and_a_team_round(workshop, rooms, tmp_path, bundled_system):
    room, key = workshop
    panel = console_ui.ConsolePanel(bundled_system, page=_page(room, rooms=rooms), db=rooms,
                                    exports=tmp_path / "exports")
    panel.unlock(room.code, key)
    tables = [room.join(f"T{i}") for i in range(3)] + [room.join("Bot", bot=True)]
    moment = panel.moments["lesson2.shift_rule"]
    panel.moment_pick.value = moment.id  # the list holds every lesson's moments, lesson 1's first
    assert panel.open_moment()
    for table, choice in zip(tables, (moment.answer, moment.answer, 0, moment.answer)):
        table.predict(moment.id, choice)
    panel.refresh()
    assert "3 of 3 tables predicted (and 1 bots)" in panel.distribution.value
    assert panel.reveal_moment()
    shown = panel.distribution.value
    assert "67% of the tables predicted the answer before the reveal" in shown  # 2 of 3; no bot
    # The team round: open, two tables send, advance the slowest, reveal one at a time.
    panel.demand.value, panel.minutes.value = 0.02, 5
    assert panel.start_round()
    state = room.state()
    assert state.rounds[1].demand_shock == 0.02 and state.timer.seconds == 300
    tables[0].save_scenario(Scenario(demand_shock=0.02, social_care_budget_change=0.1), round=1,
                            reason="<care> first")
    tables[3].save_scenario(Scenario(demand_shock=0.02, risk_share=0.5), round=1)
    panel.refresh()
    progress = console_ui.round_progress(room.state(), 1)
    assert progress.sent == (tables[0].team_id, tables[3].team_id)
    assert "Still to send: T1, T2" in panel.progress.value
    assert panel.advance()
    assert "2 table(s) had no deal" in panel.round_message.value
    state = room.state()
    assert state.timer.stopped_at_s is not None  # the timer stops at the lock
    order = []
    while (team := console_ui.next_to_reveal(state, 1)) is not None:
        order.append(team)
        panel.console.reveal_team(1, team)
        state = room.state()
    # The real tables in joining order, the bot last.
    assert order == [tables[0].team_id, tables[1].team_id, tables[2].team_id, tables[3].team_id]
    panel.refresh()
    teams = panel.view.comparison.teams
    assert list(teams.team) == ["Baseline", "T0", "T1", "T2", "Bot"]
    assert teams.set_index("team").loc["T0", "reason"] == "<care> first"
    assert "&lt;care&gt; first" in panel.view.table.value
    written = panel.export()
    assert sorted(p.suffix for p in written) == [".csv", ".html", ".json"]
    assert panel.export_message.value.count("download=") == 3
    debrief = next(p for p in written if p.suffix == ".html").read_text()
    assert "67% of the tables (3) predicted the answer before it was revealed" in debrief
    assert "Tuesday &lt;b&gt;" in debrief and "&lt;care&gt; first" in debrief
    assert "<script" not in debrief


def test_a_table_that_lost_its_link_gets_a_new_one(workshop, rooms, tmp_path):
    room, key = workshop
    lost = room.join("Lost <table>")
    panel = console_ui.ConsolePanel(page=_page(room, rooms=rooms), db=rooms,
                                    exports=tmp_path / "exports")
    panel.unlock(room.code, key)
    assert panel.relink_pick.options == (("Lost <table>", lost.team_id),)
    assert panel.relink() is None  # no table chosen: nothing happens
    panel.relink_pick.value = lost.team_id
    link = panel.relink()
    assert "Lost &lt;table&gt;" in panel.relink_message.value
    token = re.search(r"table=([A-Za-z0-9_-]+)", link)[1]
    assert room.table(token).team_id == lost.team_id
    with pytest.raises(store.AccessRefused):
        room.table(lost.token)  # the old link stopped working


def test_table_rows_and_their_last_activity(workshop):
    room, key = workshop
    one = room.join("One")
    room.console(key).open_round(1, 0.0)
    one.save_scenario(Scenario(), round=1)
    rows = console_ui.table_rows(room.state(), now=room.state().teams[one.team_id].last_active_s + 150)
    assert rows[0].deals == {1: "sent"} and rows[0].idle_s == pytest.approx(150)
    assert 'class="idle"' in console_ui.tables_html(rows)
    assert "No table has joined yet" in console_ui.tables_html([])


# --------------------------------------------------------------------------- the team round page


def test_the_team_round_page_sends_the_deal_for_the_open_round(workshop, rooms, bundled_system):
    from casestudy.ui.team_round import GROUP_HEADINGS, TeamRoundPanel

    room, key = workshop
    table = room.join("Red")
    panel = TeamRoundPanel(bundled_system, page=_page(room, table, rooms))
    left = panel.control_column()
    headings = [w.value for w in left
                if isinstance(getattr(w, "value", None), str) and "cs-lever-group" in w.value]
    assert any(GROUP_HEADINGS["system"] in h for h in headings)
    assert any(GROUP_HEADINGS["funds"] in h for h in headings)
    assert panel.send() is False and "has not opened" in panel.send_message.value
    live.poller_for(room)
    room.console(key).open_round(1, 0.05)
    live.poller_for(room).tick()
    assert panel.baseline.demand_shock == 0.05 and "Round 1 is open" in panel.round_note.value
    panel.controls["social_care_budget_change"].value = 0.1
    panel.reason.value = "x" * 501
    assert panel.send() is False and "501 characters" in panel.send_message.value
    panel.reason.value = "Fund social care."
    assert panel.send() is True
    deal = room.state().round_scenarios(1)[table.team_id]
    assert deal.scenario.demand_shock == 0.05 and deal.scenario.social_care_budget_change == 0.1
    assert deal.reason == "Fund social care."
    assert "Every organisation would sign it" in panel.text or "would not sign" in panel.text
    room.console(key).lock_round(1, Scenario(demand_shock=0.05))
    live.poller_for(room).tick()
    assert panel.send_button.disabled and "Round 1 is locked" in panel.round_note.value
    alone = TeamRoundPanel(bundled_system, page=ALONE)
    assert alone.send() is False and "not in a room" in alone.send_message.value
    assert "Send your deal" not in str([getattr(w, "value", "") for w in alone.control_column()])
    assert any(GROUP_HEADINGS["money"] in h or GROUP_HEADINGS["funds"] in h for h in headings)
