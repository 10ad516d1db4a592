"""The system game on the tiny system (tests/tiny.py): each decision against hand figures,
each phase and its refusals in the room's store, closed and open books, a process killed
mid-round, and the command line (same seed, same record; every decision in the store).

The tiny system's contracts: the commissioners (ccg_a and ccg_b, one role) pay the acute
trust for lines 0-2 (planned 11 + 40 + 20 = £71m: ccg_a 51, ccg_b 20) and the community
trust for line 3 (£20m). Round 1 is 2017/18, under payment by results with MRET.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
from tiny import PLAIN, TINY_TABLES, write_tables

from casestudy import load_system
from casestudy.errors import ScenarioError
from casestudy.game import Decisions, Terms, new_game, open_game, setup_game
from casestudy.game.__main__ import main
from casestudy.game.headless import game_record, play_bots_game
from casestudy.game.model import first_round, play_round, resolve
from casestudy.game.record import DECISION_EVENTS
from casestudy.room import close_all
from casestudy.room.errors import RoomError

FORK = multiprocessing.get_context("fork")
ACUTE = "commissioners.acute"


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    return write_tables(tmp_path_factory.mktemp("tiny_game"), TINY_TABLES)


@pytest.fixture(scope="module")
def setup(tiny_folder):
    return setup_game(load_system(tiny_folder), scenario=PLAIN)


def positions(setup, decisions, *, state=None, noise=None):
    result = play_round(setup, state or first_round(setup), decisions, noise=noise).result
    return {o.org_id: o for o in result.organisations}, result


# --------------------------------------------------------------------------- the model


def test_roles_contracts_and_decisions_of_the_tiny_system(setup):
    assert [r.role_id for r in setup.roles] == ["commissioners", "acute", "comm", "council",
                                                "vcs"]
    assert [c.contract_id for c in setup.contracts] == [ACUTE, "commissioners.comm"]
    assert setup.contract_by_id[ACUTE].lines == (0, 1, 2)
    assert setup.national == ("pbr_mret", "pbr_mret", "blended")
    assert setup.decision_keys("council") == (("fund", "falls"), ("join", "council"),
                                              ("care", "council"))
    assert ("commit", "frailty") in setup.decision_keys("comm")
    assert setup.fund_holders == ("acute", "comm")


def test_an_accepted_fixed_value_pays_that_share_of_planned_income(setup):
    # Fixed income at 100% then at 99% of the acute trust's planned £71m, demand on plan:
    # the trust gets 1% of 71 = £0.71m less; ccg_a pays 1% of 51 = 0.51 less, ccg_b 0.20.
    def fixed(share):
        return Decisions({("offer", ACUTE): Terms("fixed_value", share), ("accept", ACUTE): True})
    at_100, _ = positions(setup, fixed(1.0))
    at_99, result = positions(setup, fixed(0.99))
    assert at_100["acute"].position_gbp_m - at_99["acute"].position_gbp_m == pytest.approx(0.71)
    assert at_99["ccg_a"].position_gbp_m - at_100["ccg_a"].position_gbp_m == pytest.approx(0.51)
    assert at_99["ccg_b"].position_gbp_m - at_100["ccg_b"].position_gbp_m == pytest.approx(0.20)
    assert result.terms[ACUTE] == "fixed income at 99.0% of plan"


def test_a_rejected_or_unanswered_offer_falls_back_to_the_national_rule(setup):
    none, result = positions(setup, Decisions())
    offer = {("offer", ACUTE): Terms("fixed_value", 0.98)}
    rejected, _ = positions(setup, Decisions({**offer, ("accept", ACUTE): False}))
    unanswered, _ = positions(setup, Decisions(offer))
    accepted, _ = positions(setup, Decisions({**offer, ("accept", ACUTE): True}))
    for org in none:
        assert rejected[org].position_gbp_m == none[org].position_gbp_m
        assert unanswered[org].position_gbp_m == none[org].position_gbp_m
    assert accepted["acute"].position_gbp_m != pytest.approx(none["acute"].position_gbp_m)
    assert "(the national rule)" in result.terms[ACUTE]


def test_a_scheme_runs_only_when_funded_and_committed(setup):
    # frailty: funded by the commissioners, delivered by comm; probability 0.5, load 2 within
    # a capacity of 6 (no strain), full effect in one year: delivered share 0.5 x 1 x 1.
    funded_only = resolve(setup, Decisions({("fund", "frailty"): True}))
    both = Decisions({("fund", "frailty"): True, ("commit", "frailty"): True})
    assert funded_only.running.tolist() == [0.0, 0.0]
    assert resolve(setup, both).running.tolist() == [1.0, 0.0]
    _, result = positions(setup, both)
    assert result.schemes == {"frailty": pytest.approx(0.5)}
    # Under a capacity of 1, the load of 2 halves it (strain (1/2)^elasticity < 1).
    tight = replace(setup, scenario=replace(setup.scenario, leadership_capacity=1.0))
    _, strained = positions(tight, both)
    assert strained.schemes["frailty"] < 0.5


def test_a_risk_share_needs_two_members_and_its_transfers_sum_to_zero(setup):
    noise = np.array([[0.05, 0.08, -0.04, 0.02, 0.0, 0.0]])  # demand off plan
    alone, _ = positions(setup, Decisions({("join", "acute"): 1.0}), noise=noise)
    assert all(o.risk_share_gbp_m == 0 for o in alone.values())
    pair = Decisions({("join", "acute"): 1.0, ("join", "comm"): 0.5})
    shared, result = positions(setup, pair, noise=noise)
    assert result.risk_share_members == ("acute", "comm")
    assert result.risk_share == 0.5  # the smallest share a member named
    assert shared["acute"].risk_share_gbp_m != 0
    assert shared["acute"].risk_share_gbp_m + shared["comm"].risk_share_gbp_m == pytest.approx(
        0, abs=1e-12)
    assert all(shared[o].risk_share_gbp_m == 0 for o in ("ccg_a", "ccg_b", "council", "vcs"))


def test_the_vote_ties_the_funds_by_a_majority_of_fund_holders(setup):
    assert not resolve(setup, Decisions({("vote", "acute"): True})).linked  # 1 of 2
    assert resolve(setup, Decisions({("vote", "acute"): True, ("vote", "comm"): True})).linked


def test_a_non_recurrent_plan_shows_this_year_and_is_gone_next_year(tiny_folder):
    # An efficiency requirement of 2% of the acute trust's £80m cost base: £1.6m.
    scenario = replace(PLAIN, efficiency_required=0.02, efficiency_delivered_share=0.9)
    setup = setup_game(load_system(tiny_folder), scenario=scenario, rounds=2)
    recurrent = Decisions({("efficiency", "acute"): 1.0})
    one_off = Decisions({("efficiency", "acute"): 0.0})
    rec, _ = positions(setup, recurrent)
    off, _ = positions(setup, one_off)
    # One-off measures deliver the whole £1.6m this year, recurrent schemes 90%: £1.44m.
    assert off["acute"].position_gbp_m - rec["acute"].position_gbp_m == pytest.approx(0.16)
    # The underlying position leaves one-off savings out: £1.44m better with recurrent.
    assert rec["acute"].underlying_position_gbp_m - off["acute"].underlying_position_gbp_m == (
        pytest.approx(1.44))
    # Next year's cost base keeps only the recurrent savings.
    after_rec = play_round(setup, first_round(setup), recurrent).next_state
    after_off = play_round(setup, first_round(setup), one_off).next_state
    at = setup.org_index["acute"]
    assert after_off.inputs.cost_base[at] - after_rec.inputs.cost_base[at] == pytest.approx(
        1.44, rel=0.05)


def test_the_councils_care_cut_is_its_saving(setup):
    # The council buys £5m of packages from the voluntary sector: a 10% cut saves it £0.5m.
    held, _ = positions(setup, Decisions())
    cut, result = positions(setup, Decisions({("care", "council"): -0.1}))
    assert cut["council"].position_gbp_m - held["council"].position_gbp_m == pytest.approx(0.5)
    assert result.care_change == {"council": -0.1}


def test_terms_and_setup_refuse_bad_values():
    with pytest.raises(ScenarioError, match="share"):
        Terms("fixed_value", 1.5)
    with pytest.raises(ScenarioError, match="rule"):
        Terms("barter")
    with pytest.raises(ScenarioError, match="rounds"):
        setup_game(load_system(), rounds=0)


# --------------------------------------------------------------------------- in the store


@pytest.fixture
def game(tiny_folder, tmp_path):
    game, key = new_game(tmp_path / "rooms.sqlite", system=tiny_folder, seed=7, rounds=2)
    return game, game.console(key), key


def test_phases_run_in_order_and_decisions_only_in_the_plan(game):
    game, console, _key = game
    acute = game.join("Table <b>1</b>", role="acute")
    assert game.state().phase == "setup"
    with pytest.raises(RoomError, match="plan phase"):
        acute.efficiency("acute", 1.0)
    assert console.advance(plan_seconds=300) == (1, "plan")
    assert game.room.state().timer.seconds == 300
    acute.efficiency("acute", 0.0)
    with pytest.raises(RoomError, match="cannot follow"):
        console.console.record("game_phase", {"round": 1, "phase": "reveal"})
    assert console.advance() == (1, "lock")
    assert game.room.state().timer.stopped_at_s is not None
    with pytest.raises(RoomError, match="plan phase"):
        acute.efficiency("acute", 1.0)
    assert [console.advance() for _ in range(4)] == [(1, "reveal"), (1, "debrief"), (2, "plan"),
                                                    (2, "lock")]
    assert game.state().results[1].recurrent_plans["acute"] == 0.0
    console.advance()
    console.advance()
    assert game.state().finished
    with pytest.raises(RoomError, match="over"):
        console.advance()


def test_a_table_decides_only_for_its_own_role(game):
    game, console, _key = game
    acute = game.join("Acute table", role="acute")
    game.join("Other", role="comm")
    console.advance()
    with pytest.raises(RoomError, match="plays 'acute', not 'comm'"):
        acute.table.record("game_commit", {"round": 1, "role": "comm", "scheme": "frailty",
                                           "commit": True})
    with pytest.raises(RoomError, match="taken by another table"):
        game.join("Late", role="acute")
    with pytest.raises(RoomError, match="belongs to the role 'commissioners'"):
        acute.table.record("game_fund", {"round": 1, "role": "acute", "scheme": "frailty",
                                         "fund": True})
    with pytest.raises(RoomError, match="no offer"):
        acute.answer(ACUTE, True)


def test_offers_answers_and_the_lock_defaults(game):
    game, console, _key = game
    commissioners = game.join("Commissioners", role="commissioners")
    acute = game.join("Acute", role="acute")
    console.advance()
    commissioners.offer(ACUTE, "fixed_value", 0.99)
    acute.answer(ACUTE, True)
    assert game.state().decisions()[("accept", ACUTE)] is True
    commissioners.offer(ACUTE, "fixed_value", 0.98)  # a new offer: the answer no longer stands
    assert ("accept", ACUTE) not in game.state().decisions()
    assert ("accept", ACUTE) in {tuple(k) for k in game.state().view()["waiting_for"]["acute"]}
    console.advance()  # lock: every decision not taken is recorded as a default
    record = game.record()
    defaults = set(record.rounds[1].defaults)
    assert ("accept", ACUTE) in defaults and ("care", "council") in defaults
    assert ("offer", ACUTE) not in defaults
    console.advance()
    result = game.state().results[1]
    assert "national rule" in result.terms[ACUTE]  # the 98% offer was never accepted


def test_house_bots_play_the_roles_no_table_takes_at_the_lock(game):
    game, console, _key = game
    game.join("Acute", role="acute")
    console.advance()
    console.advance(house_bots="selfish")
    decided = game.state().decided(1)
    # The council is a house bot's: a selfish council cuts what it spends on social care
    # (a saving to it; the tiny scenario counts no knock-on to the NHS).
    assert decided[("care", "council")].how == "bot"
    assert decided[("care", "council")].value < 0
    assert all(d.how != "bot" for k, d in decided.items() if game.setup.owner(k) == "acute")


def test_books_are_closed_until_the_facilitator_opens_them(game):
    game, console, _key = game
    acute = game.join("Acute", role="acute")
    for _ in range(3):
        console.advance()
    closed = acute.view()["results"][0]
    assert [o["org_id"] for o in closed["organisations"]] == ["acute"]
    assert "system" not in closed
    console.books(True)
    opened = acute.view()["results"][0]
    assert len(opened["organisations"]) == 6 and "system" in opened


def test_a_card_is_played_in_the_plan_and_changes_the_year(game, tiny_folder, tmp_path):
    game, console, _key = game
    console.advance()
    console.card("hard_winter")
    with pytest.raises(RoomError, match="already played"):
        console.card("hard_winter")
    for _ in range(2):
        console.advance()
    winter = game.state().results[1]
    plain, key = new_game(tmp_path / "other.sqlite", system=tiny_folder, seed=7, rounds=2)
    for _ in range(3):
        plain.console(key).advance()
    # Emergency (non-elective) demand 3% above the same draw.
    assert winter.demand_index > plain.state().results[1].demand_index


def _decide_slowly(code, db, token, ready):
    game = open_game(code, db)
    seat = game.seat(token)
    for n, share in enumerate([0.0, 0.25, 0.5, 0.75, 1.0] * 1000):
        seat.efficiency("acute", share, key=f"slow-{n}")
        if n == 4:
            ready.set()
        time.sleep(0.005)


def test_a_process_killed_mid_round_loses_nothing_and_the_game_carries_on(game):
    game, console, _key = game
    where = game.room.where.target
    acute = game.join("Acute", role="acute")
    comm = game.join("Comm", role="comm")
    console.advance()
    comm.commit("frailty", True)
    ready = FORK.Event()
    writer = FORK.Process(target=_decide_slowly, args=(game.code, where, acute.table.token,
                                                       ready))
    writer.start()
    assert ready.wait(60)
    os.kill(writer.pid, signal.SIGKILL)  # the table's kernel dies mid-round
    writer.join()
    written = [e for e in game.room.events(kinds=["game_efficiency"])]
    assert len(written) >= 5
    before = game.state()
    last = written[-1].payload["recurrent_share"]
    close_all()  # the server restarts
    again = open_game(game.code, where)
    state = again.state()
    assert (state.round, state.phase) == (1, "plan")
    assert state.decisions() == before.decisions()
    assert state.decisions()[("efficiency", "acute")] == last
    assert state.decisions()[("commit", "frailty")] is True
    console = again.console(_key)  # the facilitator's key works on the reopened game
    console.advance()
    console.advance()
    result = again.state().results[1]
    assert result.recurrent_plans["acute"] == last


# --------------------------------------------------------------------------- bots, the command line


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "casestudy.game", *args], capture_output=True,
                          text=True, timeout=300, check=False)


def test_the_bots_command_gives_the_same_record_for_the_same_seed(tiny_folder, tmp_path,
                                                                  capsys):
    args = ["bots", "--tables", "3", "--rounds", "3", "--policy", "selfish", "--seed", "5",
            "--system", str(tiny_folder), "--json"]
    first = _cli(*args, "--db", str(tmp_path / "a.sqlite"))
    assert first.returncode == 0, first.stderr
    assert main([*args, "--db", str(tmp_path / "b.sqlite")]) == 0  # in this process
    record = json.loads(first.stdout)
    assert record == json.loads(capsys.readouterr().out)
    assert [r["round"] for r in record["rounds"]] == [1, 2, 3]
    system = record["rounds"][0]["system"]
    for field in ("position_gbp_m", "underlying_position_gbp_m", "control_total_gbp_m",
                  "met_control_total"):
        assert field in system
    org = record["rounds"][0]["organisations"][0]
    for field in ("org_id", "position_gbp_m", "underlying_position_gbp_m", "control_total_gbp_m"):
        assert field in org
    # Every decision is an event in the store: the record's decisions are the store's.
    code = first.stderr.split()[1].rstrip(":")
    stored = open_game(code, tmp_path / "a.sqlite")
    events = stored.room.events(kinds=list(DECISION_EVENTS))
    assert len(events) == sum(len(r["decisions"]) for r in record["rounds"])
    assert [r["table"] for r in record["roles"]][:3] == ["Bot table 1", "Bot table 2",
                                                         "Bot table 3"]


def test_the_bots_command_refuses_bad_arguments(tmp_path, capsys):
    with pytest.raises(SystemExit) as bad:
        main(["bots", "--policy", "greedy", "--db", str(tmp_path / "x.sqlite")])
    assert bad.value.code == 2 and "greedy" in capsys.readouterr().err
    assert main(["bots", "--system", str(tmp_path / "nowhere"), "--db",
                 str(tmp_path / "x.sqlite")]) == 1
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("system", ["data/examples/northvale", "data/template"])
def test_bots_play_a_round_on_other_systems(system, tmp_path):
    game = play_bots_game(tmp_path / "rooms.sqlite", tables=2, rounds=1, policy="selfish",
                          seed=3, system=system)
    record = game_record(game)
    assert len(record["rounds"]) == 1
    assert record["rounds"][0]["system"]["control_total_gbp_m"] == pytest.approx(
        sum(o["control_total_gbp_m"] for o in record["rounds"][0]["organisations"]
            if o["in_nhs_control_total"]))


def test_export_writes_json_csv_and_a_debrief_with_names_escaped(tiny_folder, tmp_path):
    game = play_bots_game(tmp_path / "rooms.sqlite", tables=2, rounds=2, seed=1,
                          system=tiny_folder, title="<script>alert(1)</script>")
    game.join("=1+1 <img src=x onerror=alert(2)>", role="vcs")
    assert main(["export", "--db", str(tmp_path / "rooms.sqlite"), "--room", game.code,
                 "--out", str(tmp_path / "out")]) == 0
    files = {p.name.split("-", 2)[-1] for p in (tmp_path / "out").iterdir()}
    assert files == {f"{game.code}.json", "decisions.csv", "results.csv", "debrief.html"}
    page = (tmp_path / "out" / f"game-{game.code}-debrief.html").read_text()
    assert "<script" not in page and "onerror=alert" not in page.replace("onerror=alert(2)&gt;",
                                                                          "")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")  # no CDN (namespaces fetch nothing)
    assert page.count("<svg") == 5  # one chart per lesson
    record = json.loads((tmp_path / "out" / f"game-{game.code}.json").read_text())
    assert len(record["rounds"]) == 2 and record["room"]["events"]
    decisions = (tmp_path / "out" / f"game-{game.code}-decisions.csv").read_text()
    assert decisions.splitlines()[0] == "round,year,role,decision,target,value,how,in_force"


def test_a_decision_naming_what_the_game_lacks_is_refused_with_what_it_may_name(setup):
    from casestudy.game.record import decision_of

    chosen = {"contract": next(iter(setup.contract_by_id)), "scheme": next(iter(setup.scheme_by_id)),
              "role": setup.fund_holders[0], "organisation": setup.providers[0],
              "council": setup.councils[0]}
    for kind, field, allowed, payload in [
            ("game_answer", "contract", list(setup.contract_by_id), {"accept": True}),
            ("game_fund", "scheme", list(setup.scheme_by_id), {"fund": True}),
            ("game_commit", "scheme", list(setup.scheme_by_id), {"commit": False}),
            ("game_vote", "role", list(setup.fund_holders), {"tie": True}),
            ("game_efficiency", "organisation", list(setup.providers), {"recurrent_share": 0.5}),
            ("game_care", "council", list(setup.councils), {"change": -0.1})]:
        key, value, problem = decision_of(kind, {**payload, field: "nowhere"}, setup)
        assert value is None and problem.startswith(f"{kind}.{field}: 'nowhere' ")
        assert problem.endswith(", ".join(allowed)) and key[1] == "nowhere"
        key, value, problem = decision_of(kind, {**payload, field: chosen[field]}, setup)
        assert problem is None and key[1] == chosen[field]
        assert value == next(iter(payload.values())) and type(value) is type(next(iter(payload.values())))
