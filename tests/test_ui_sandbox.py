"""The sandbox: every knob for two scenarios, what B changes from A, saving and loading.

Controls are set as a learner would; what is drawn is compared with direct calls of the
model (run_year, project, system_totals) and the scenarios with Scenario's own methods.
"""

from __future__ import annotations

import dataclasses
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest
from specs import assert_spec_sound
from systems import NORTHVALE

from casestudy import (
    Scenario,
    field_info,
    load_system,
    project,
    run_year,
    scenario_code,
    system_totals,
)
from casestudy.charts import money
from casestudy.charts.sandbox import ab_positions_chart, ab_years_chart
from casestudy.scenario import ALL_RATES
from casestudy.ui import sandbox
from casestudy.ui.common import Prediction


def _systems():
    return [pytest.param("bundled", id="bradford"),
            pytest.param(NORTHVALE, id="northvale",
                         marks=pytest.mark.skipif(not NORTHVALE.exists(), reason="no northvale yet"))]


@pytest.fixture(scope="module", params=_systems())
def system(request):
    return load_system() if request.param == "bundled" else load_system(request.param)


@pytest.fixture
def box(system, tmp_path):
    made = sandbox.Sandbox(system, folder=tmp_path)
    made.update()
    return made


# --------------------------------------------------------------------------- every knob


def test_groups_hold_every_field_once():
    names = [name for group in sandbox.groups().values() for name in group]
    assert sorted(names) == sorted(f.name for f in fields(Scenario))
    assert set(sandbox.groups()) <= set(sandbox.GROUP_TITLES)


def test_each_side_has_a_control_for_every_field_with_the_fields_own_range(box, system):
    for side in (box.a, box.b):
        assert set(side.controls) | {"schemes"} == {f.name for f in fields(Scenario)}
        assert set(side.scheme_boxes) == set(system.schemes.index)
        for name, widget in side.controls.items():
            info = field_info(name)
            if hasattr(widget, "max") and name != "payment":
                assert widget.min == info["min"] and widget.max == info["max"], name
            if hasattr(widget, "description") and name != "payment":
                assert widget.description.startswith(info["label"]), name


def test_the_controls_describe_the_starting_scenarios(box):
    assert box.a.scenario() == sandbox.DEFAULT_A
    assert box.b.scenario() == sandbox.DEFAULT_B


def test_every_knob_reaches_the_scenario(box, system):
    side = box.b
    side.controls["payment"].value = "blended"
    side.controls["years"].value = 3
    side.controls["seed"].value = 123_456_789
    side.controls["draws"].value = 500
    side.controls["rebase_fixed_income"].value = True
    first = str(system.schemes.index[0])
    side.scheme_boxes[first].value = True
    got = side.scenario()
    assert (got.payment, got.years, got.seed, got.draws, got.rebase_fixed_income) == (
        "blended", 3, 123_456_789, 500, True)
    assert got.schemes == (first,)
    # The years chart follows the years knob.
    assert box.figures[1].data.query("scenario == 'B'").year.max() == 3


def test_rate_sliders_the_payment_rule_ignores_are_greyed_out(box):
    side = box.b
    disabled = lambda: {n for n in ALL_RATES if side.controls[n].disabled}
    assert side.scenario().payment == "fixed_income"
    assert disabled() == set(ALL_RATES)
    side.controls["payment"].value = "blended"
    assert disabled() == set(ALL_RATES) - {"blended_rate_above_plan", "blended_rate_below_plan"}
    side.controls["payment"].value = "api_2023"
    assert disabled() == set(ALL_RATES) - {"elective_variable_rate", "outpatient_follow_up_share"}
    side.controls["payment"].value = "pbr_mret"
    assert disabled() == set(ALL_RATES) - {"mret_baseline_share", "mret_rate_above_baseline"}
    side.load(Scenario.preset("blended"))
    assert disabled() == set(ALL_RATES) - {"blended_rate_above_plan", "blended_rate_below_plan"}


def test_b_opens_on_the_group_of_the_setting_it_changes_from_a(box):
    changed = [f.name for f in fields(Scenario)
               if getattr(sandbox.DEFAULT_B, f.name) != getattr(sandbox.DEFAULT_A, f.name)]
    accordion = box.b.widget.children[0]
    open_title = accordion.titles[accordion.selected_index]
    assert open_title == sandbox.GROUP_TITLES.get(field_info(changed[0])["group"])
    assert box.a.widget.children[0].selected_index == 0


# --------------------------------------------------------------------------- what is drawn


def test_b_is_drawn_as_run_year_says_and_the_difference_is_b_minus_a(box, system):
    box.b.controls["risk_share"].value = 0.6
    box.b.controls["cost_inflation"].value = 0.05
    a, b = box.a.scenario(), box.b.scenario()
    assert b == dataclasses.replace(sandbox.DEFAULT_B, risk_share=0.6, cost_inflation=0.05)
    data = box.figures[0].data
    pa = run_year(system, a).organisations.position_gbp_m
    pb = run_year(system, b).organisations.position_gbp_m
    drawn_a = data[data.scenario == "A"].set_index("org_id")
    drawn_b = data[data.scenario == "B"].set_index("org_id")
    np.testing.assert_allclose(drawn_a.position_gbp_m.loc[pa.index], pa)
    np.testing.assert_allclose(drawn_b.position_gbp_m.loc[pb.index], pb)
    np.testing.assert_allclose(drawn_b.change_gbp_m.loc[pb.index], pb - pa)
    # The bars stop before the incentive funds (what the control total tests); the thin bar
    # runs on to the reported position, so it is the fund each organisation received.
    for drawn, scenario in ((drawn_a, a), (drawn_b, b)):
        year = run_year(system, scenario).organisations
        np.testing.assert_allclose(drawn.position_before_incentive_gbp_m.loc[year.index],
                                   year.position_before_incentive_gbp_m)
        np.testing.assert_allclose((drawn.position_gbp_m - drawn.position_before_incentive_gbp_m)
                                   .loc[year.index], year.incentive_fund_gbp_m)
    names = dict(zip(box.system.schemes.index, box.system.schemes["name"]))
    assert html_free(box.changes.value).endswith("; ".join(b.changes_from(a, names)))


def html_free(text: str) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))


def test_system_totals_and_years_come_from_the_model(box, system):
    box.a.controls["non_recurrent_support_gbp_m"].value = 25.0
    a, b = box.a.scenario(), box.b.scenario()
    nhs_a = run_year(system, a).system.loc["nhs"]
    nhs_b = run_year(system, b).system.loc["nhs"]
    text = html_free(box.text)
    for value in (nhs_a.position_gbp_m, nhs_b.position_gbp_m, nhs_a.underlying_position_gbp_m):
        assert money(value) in text
    years = box.figures[1].data
    for name, scenario in (("A", a), ("B", b)):
        totals = system_totals(project(system, scenario)).set_index("year")
        mine = years[(years.scenario == name)]
        np.testing.assert_allclose(
            mine[mine.series == "Underlying"].set_index("year").value_gbp_m.loc[totals.index],
            totals.underlying_position_gbp_m)
        np.testing.assert_allclose(
            mine[mine.series == "Reported"].set_index("year").value_gbp_m.loc[totals.index],
            totals.position_gbp_m)


def test_copy_reset_and_the_same_scenario(box):
    box.copy_a_to_b.click()
    assert box.b.scenario() == box.a.scenario()
    assert "B is the same as A" in box.changes.value
    np.testing.assert_allclose(box.figures[0].data.change_gbp_m, 0.0)
    box.b.controls["flex"].value = 0.9
    box.copy_b_to_a.click()
    assert box.a.scenario().flex == 0.9
    box.a.reset_button.click()
    box.b.reset_button.click()
    assert box.a.scenario() == sandbox.DEFAULT_A and box.b.scenario() == sandbox.DEFAULT_B


def test_every_chart_validates_and_encodes_only_its_data(box, system):
    for spec in box.specs:
        assert_spec_sound(spec)
    orgs, _ = sandbox.side_by_side(run_year(system, box.a.scenario()),
                                   run_year(system, box.b.scenario()))
    stacked = pd.concat([system_totals(project(system, s.scenario())).assign(scenario=s.label)
                         for s in (box.a, box.b)], ignore_index=True)
    for spec in (ab_positions_chart(orgs).to_dict(), ab_years_chart(stacked).to_dict()):
        assert_spec_sound(spec)
        assert spec["description"]
        assert "(£m)" in str(spec)


def test_side_by_side_by_hand(tiny_system, plain):
    more = dataclasses.replace(plain, demand_shock=0.1)
    orgs, totals = sandbox.side_by_side(run_year(tiny_system, plain), run_year(tiny_system, more))
    b = orgs[orgs.scenario == "B"].set_index("org_id")
    # Payment by results, flex 0: 10% more activity pays the acute trust 10% of its £71m
    # planned income and costs it its variable share of the £70m of its cost base that moves
    # with commissioned activity (£80m less the £10m its other income pays for): 0.2 x 70 x 10%.
    assert b.loc["acute", "change_gbp_m"] == pytest.approx(7.1 - 1.4)
    assert totals.loc["nhs", "change_position_gbp_m"] == pytest.approx(b.loc[
        ["ccg_a", "ccg_b", "acute", "comm"], "change_gbp_m"].sum())


# --------------------------------------------------------------------------- saving and loading


def test_save_never_overwrites_and_load_brings_the_scenario_back(box, tmp_path):
    box.b.controls["system_linkage"].value = 0.75
    box.b.scenario_io.team.value = "Table 3"
    first = box.b.scenario_io.save()
    second = box.b.scenario_io.save()
    assert first.parent == tmp_path and second.parent == tmp_path
    assert first != second and first.exists() and second.exists()
    assert box.a.scenario() != box.b.scenario()
    box.a.scenario_io.load(str(first))
    assert box.a.scenario() == box.b.scenario()
    assert "B is the same as A" in box.changes.value


def test_a_code_loads_and_a_bad_one_is_refused_in_words(box):
    box.b.controls["risk_share"].value = 0.3
    box.b.scenario_io.team.value = "Blue"
    box.b.scenario_io.save()
    code = box.b.scenario_io.last_code
    before = box.a.scenario()
    box.a.scenario_io.load("BK1-not-a-code")
    assert "Could not load" in box.a.scenario_io.message.value
    assert box.a.scenario() == before
    box.a.scenario_io.load(code)
    assert box.a.scenario() == box.b.scenario()


def test_a_custom_payment_mapping_survives_loading(box, system):
    custom = dataclasses.replace(sandbox.DEFAULT_A, payment={
        "elective": {"rule": "blended", "rate_above_plan": 0.5, "rate_below_plan": 0.5},
        "non_elective": "cap_and_collar"})
    assert box.a.load(custom) == []
    assert box.a.scenario() == custom
    assert box.a.controls["payment"].value == sandbox.CUSTOM
    drawn = box.figures[0].data.query("scenario == 'A'").set_index("org_id").position_gbp_m
    expected = run_year(system, custom).organisations.position_gbp_m
    np.testing.assert_allclose(drawn.loc[expected.index], expected)
    box.a.controls["payment"].value = "fixed_income"
    assert box.a.scenario().payment == "fixed_income"


def test_unknown_schemes_are_refused_and_nothing_changes(box):
    before = box.a.scenario()
    foreign = dataclasses.replace(before, schemes=("no_such_scheme",))
    box.a.scenario_io.load(scenario_code(foreign, team="Elsewhere"))
    assert "Could not load" in box.a.scenario_io.message.value
    assert "no_such_scheme" in box.a.scenario_io.message.value
    assert box.a.scenario() == before
    with pytest.raises(Exception, match="no_such_scheme"):
        box.a.load(foreign)
    assert box.a.scenario() == before


# --------------------------------------------------------------------------- prose and checks


def test_how_to_and_checks_come_from_the_model(system):
    text = sandbox.how_to(system).data
    assert money(run_year(system, sandbox.DEFAULT_A).system.loc["nhs", "position_gbp_m"]) in text
    checks = sandbox.checks(system)
    assert all(isinstance(c, Prediction) for c in checks)
    fixed = dataclasses.replace(sandbox.DEFAULT_B, payment="fixed_income")
    pbr = dataclasses.replace(sandbox.DEFAULT_B, payment="payment_by_results")
    same = abs(run_year(system, fixed).system.loc["nhs", "underlying_position_gbp_m"]
               - run_year(system, pbr).system.loc["nhs", "underlying_position_gbp_m"]) < 1e-6
    assert same and checks[0].correct == 2  # rules only move money inside the NHS
    base = system_totals(project(system, sandbox.DEFAULT_A)).underlying_position_gbp_m
    more = system_totals(project(system, dataclasses.replace(sandbox.DEFAULT_A, recurrent_share=1.0)))
    gain = (more.underlying_position_gbp_m - base).to_numpy()
    assert checks[1].correct == (0 if gain[-1] > gain[0] else 1)


def test_the_sandbox_says_which_tab_to_save(box):
    """The review: it opens on tab B with no cue which tab to save. The tab that opens is
    the deal (B), its title says so, and the line above the tabs says to save B."""
    _ = box.widget  # laid out
    left = box.widget.children[-1].children[0]
    cue, tabs = left.children[1], left.children[2]
    assert tabs.selected_index == 1 and tabs.titles[1] == "B: your deal"
    assert tabs.children[1] is box.b.widget  # the tab titled the deal holds B's controls
    assert "save or send B" in cue.value and box.b.scenario_io.widget in box.b.widget.children
