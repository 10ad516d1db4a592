"""Notebook 7, then and now: drive the panel by setting its controls as a learner would and
compare what is drawn and written with a direct call of the model; the era label shown for
later rules and not for those of the Bradford years; the charts through ``to_dict()``; the
checks answered by the model (``tests/test_lessons_listed.py`` checks that the notebook is
listed wherever the lessons are)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from specs import assert_spec_sound, encoded_fields

from casestudy import Scenario
from casestudy.charts.regimes import (
    LATER_NOTE,
    cell_text,
    header,
    preset_years_chart,
    winners_chart,
)
from casestudy.formats import money
from casestudy.incentives import largest_acute_trust, main_commissioner
from casestudy.projection import SYSTEM_ID, change_by_preset
from casestudy.regimes import THEN_AND_NOW, TIMELINE
from casestudy.scenario import PRESET_INFO, PRESETS
from casestudy.ui import then_and_now
from casestudy.ui.common import Prediction, Quiz

LATER = [p for p, info in PRESET_INFO.items() if info.era == "later"]
BRADFORD = [p for p, info in PRESET_INFO.items() if info.era == "bradford"]


@pytest.fixture(scope="module")
def panel(system):
    panel = then_and_now.RegimesPanel(system)
    panel.update()
    return panel


def expected(system, scenario: Scenario):
    frame = change_by_preset(system, dataclasses.replace(scenario, payment="fixed_income"))
    return frame[frame.rule_differs]


# --------------------------------------------------------------------------- the panel


def test_the_panel_starts_at_todays_rule_with_demand_above_plan(system, panel):
    assert panel.scenario() == then_and_now.DEFAULT
    assert set(panel.controls) == {"payment", "demand_shock", "years"}
    assert panel.controls["payment"].value == "api_2023"
    assert panel.controls["demand_shock"].description == "Demand against plan"
    assert panel.controls["years"].description == "Years"  # from the field's own metadata


@pytest.mark.parametrize("preset", PRESETS)
def test_choosing_a_rule_draws_every_rule_in_the_last_year_and_the_rule_year_by_year(
        system, panel, preset):
    panel.controls["payment"].value = preset
    try:
        model = expected(system, panel.scenario())
        last = int(model.year.max())
        first, second = panel.figures
        # The first chart: every preset in the last year, the chosen one outlined.
        rows = model[model.year == last]
        drawn = first.data.set_index(["payment", "org_id"])
        assert len(drawn) == len(rows)
        for row in rows.itertuples():
            cell = drawn.loc[(row.payment, row.org_id)]
            assert cell.change_gbp_m == row.change_gbp_m
            assert cell.label == cell_text(row.change_gbp_m)
            assert bool(cell.chosen) == (row.payment == preset)
        assert list(dict.fromkeys(first.data.payment)) == list(PRESETS)
        # The second: the chosen preset, every year.
        mine = model[model.payment == preset]
        np.testing.assert_array_equal(second.data.change_gbp_m, mine.change_gbp_m)
        assert sorted(set(second.data.year)) == list(range(1, last + 1))
        assert first.title == f"Who wins and who loses in year {last}"
    finally:
        panel.reset()


@pytest.mark.parametrize("preset", PRESETS)
def test_a_later_rule_is_labelled_a_thought_experiment_and_a_bradford_one_is_not(
        system, panel, preset):
    panel.controls["payment"].value = preset
    try:
        era = PRESET_INFO[preset].era
        shown = panel.changes.value + panel.text
        if era == "later":
            assert 'class="cs-era"' in panel.changes.value  # above the charts
            assert "Thought experiment." in panel.text and PRESET_INFO[preset].years in shown
            assert LATER_NOTE in panel.figures[1].subtitle  # and on the year-by-year chart
        elif era == "bradford":
            assert "cs-era" not in panel.changes.value
            assert "Thought experiment" not in shown and "thought experiment" not in shown
            assert LATER_NOTE not in str(panel.figures[1].subtitle)
        else:
            assert "A teaching extreme." in panel.text
        # The first chart shows later rules whatever is chosen: it always says so.
        assert LATER_NOTE in panel.figures[0].subtitle
        assert header("api_2023").endswith("*") and not header("blended").endswith("*")
    finally:
        panel.reset()


def test_the_words_name_who_gains_and_who_loses_with_the_models_figures(system, panel):
    panel.controls["payment"].value = "api_2023"
    panel.controls["demand_shock"].value = -0.05
    panel.controls["years"].value = 3
    try:
        model = expected(system, panel.scenario())
        last = model[(model.payment == "api_2023") & (model.year == 3)].set_index("org_id")
        text = panel.text
        assert "In year 3, with demand 5% below plan, against fixed income" in text
        trust = largest_acute_trust(system)
        payer = main_commissioner(system, trust)
        assert last.loc[trust, "change_gbp_m"] < 0 < last.loc[payer, "change_gbp_m"]
        losses = text.split("lose: ", 1)[1]
        gains = text.split("gain: ", 1)[1].split("; lose", 1)[0]
        assert f"{system.org_name(trust)} {money(last.loc[trust, 'change_gbp_m'], signed=True)}" in losses
        assert f"{system.org_name(payer)} {money(last.loc[payer, 'change_gbp_m'], signed=True)}" in gains
        assert abs(last.loc[SYSTEM_ID, "change_gbp_m"]) < 1e-9
        assert "The NHS system's position does not move" in text
        assert panel.figures[0].title == "Who wins and who loses in year 3"
        assert sorted(set(panel.figures[1].data.year)) == [1, 2, 3]
        assert "Demand against plan -5%" in panel.changes.value
    finally:
        panel.reset()
    assert panel.scenario() == then_and_now.DEFAULT


def test_fixed_income_is_read_as_the_reference_and_draws_no_change(system, panel):
    panel.controls["payment"].value = "fixed_income"
    try:
        assert "rule every other one is read against" in panel.text
        assert np.abs(panel.figures[1].data.change_gbp_m).max() == 0.0
        assert set(panel.figures[1].data.label) == {"0"}
    finally:
        panel.reset()


def test_moving_the_rule_reuses_the_projection(system, panel):
    """The dropdown changes which rule is outlined, not what the model computes."""
    panel.controls["demand_shock"].value = 0.07
    try:
        frame = panel.changes_for(panel.scenario())
        panel.controls["payment"].value = "blended"
        assert panel.changes_for(panel.scenario()) is frame
    finally:
        panel.reset()


def test_a_loaded_scenario_sets_the_controls(system):
    panel = then_and_now.RegimesPanel(system)
    lost = panel.load(Scenario.preset("nhsps_2026", demand_shock=0.1, years=4, risk_share=0.5))
    assert lost == []
    assert panel.controls["payment"].value == "nhsps_2026"
    assert panel.scenario().risk_share == 0.5  # a field the panel does not show is kept
    assert sorted(set(panel.figures[1].data.year)) == [1, 2, 3, 4]


def test_names_are_text_not_markup(tiny_system):
    orgs = tiny_system.organisations.copy()
    orgs.loc["acute", "name"] = "<b>Acute</b> & Sons"
    system = dataclasses.replace(tiny_system, organisations=orgs)
    panel = then_and_now.RegimesPanel(system)
    panel.update()
    assert "&lt;b&gt;Acute&lt;/b&gt; &amp; Sons" in panel.text
    assert "<b>Acute</b>" not in panel.text
    assert "<b>Acute</b> & Sons" in set(panel.figures[0].data.name)  # data, drawn as text


def test_a_system_without_an_acute_trust_is_handled(tiny_system):
    orgs = tiny_system.organisations.copy()
    orgs.loc[orgs.kind == "acute", "kind"] = "community_mental_health"
    system = dataclasses.replace(tiny_system, organisations=orgs)
    panel = then_and_now.RegimesPanel(system)
    panel.update()
    assert panel.figures and panel.text
    checks = then_and_now.checks(system)
    assert checks[1].correct == 2 and checks[2].correct == 2
    assert "no acute trust" in checks[1].explanations[2]
    assert then_and_now.what_this_means(system).data


# --------------------------------------------------------------------------- charts


def test_every_chart_validates_and_encodes_only_its_data(system, panel):
    for spec in panel.specs:
        assert_spec_sound(spec)
        assert spec["description"]
    model = expected(system, panel.scenario())
    for chart in (winners_chart(model, chosen="api_2022"), winners_chart(model, year=1),
                  preset_years_chart(model, "pbr_mret")):
        spec = chart.to_dict()  # validates against the Vega-Lite schema
        assert_spec_sound(spec)
        assert {"change_gbp_m", "label", "name"} <= encoded_fields(spec)
        assert spec["description"]
    # Nothing wider than a 1024-pixel projector: the names and seven columns of cells.
    spec = panel.specs[0]
    steps = [layer["encoding"]["x"] for layer in spec["layer"]]
    assert spec["width"]["step"] * len(PRESETS) + 320 <= 900
    assert all(x["axis"]["orient"] == "top" for x in steps if "axis" in x)


def test_the_chart_summary_reads_the_same_figures(system, panel):
    summary = panel.figures[0].summary
    model = expected(system, panel.scenario())
    last = model[(model.year == model.year.max()) & (model.payment == "api_2023")]
    for row in last.itertuples():
        if abs(row.change_gbp_m) >= 0.05:
            assert f"{row.name} {cell_text(row.change_gbp_m)}" in summary


# --------------------------------------------------------------------------- prose and checks


def test_the_prose_is_computed_from_this_system(system):
    trust, payer = then_and_now.roles(system)
    model = then_and_now.the_model(system).data
    assert system.org_name(trust) in model and "fixed income" in model
    means = then_and_now.what_this_means(system).data
    assert system.org_name(trust) in means and system.org_name(payer) in means
    nextup = then_and_now.what_happened_next(system).data
    assert "£48m" in nextup and "[R30]" in nextup
    assert system.name.replace("_", " ").title() in nextup
    table = then_and_now.timeline().data
    assert table.count("\n| ") == len(TIMELINE)  # a row for each, under the header
    assert "1 July 2022" in table and "75%" in table and "£1.5m" in table
    assert then_and_now.then_and_now_map().data.count("**") >= 2 * len(THEN_AND_NOW)


def test_checks_are_answered_by_the_model(system):
    checks = then_and_now.checks(system)
    assert [type(c) for c in checks] == [Prediction, Prediction, Prediction, Quiz]
    trust, payer = then_and_now.roles(system)
    up = change_by_preset(system, Scenario(demand_shock=then_and_now.DEMAND_CHECK),
                          ["fixed_income", "api_2023"], years=1)
    now = up[up.payment == "api_2023"].set_index("org_id").change_gbp_m
    # 1. API 2023/24- with demand above plan: the trust gains, its commissioner pays.
    assert now[trust] > 0 > now[payer] and abs(now[SYSTEM_ID]) < 1e-9
    assert checks[0].correct == 0
    assert money(now[trust], signed=True) in checks[0].explanations[0]
    # 2. API 2022/23, electives below plan: nothing taken back (not the proposed 50%).
    assert checks[1].correct == 2
    assert "proposed but not made" in checks[1].explanations[2]
    # 3. NHSPS 2026/27 as consulted, demand above plan: nothing above the contracted plan.
    assert checks[2].correct == 2
    # 4. The duties in law that took the place of the system control total.
    assert checks[3].correct == 1 and "s223M" in checks[3].explanations[1]
    for check in checks:
        assert check.choose(check.correct) is True
        assert check.choose((check.correct + 1) % len(check.options)) is False


def test_fifteen_years_still_fit_and_read(system, panel):
    panel.controls["years"].value = 15
    try:
        data = panel.figures[1].data
        assert sorted(set(data.year)) == list(range(1, 16))
        assert not data.label.str.contains("£").any()  # £m said once, in the key
        assert "Figures in £m." in panel.figures[1].subtitle[0]
        spec = panel.specs[1]
        assert spec["width"]["step"] * 15 + 290 <= 900
        assert_spec_sound(spec)
        row = data[(data.year == 15) & (data.org_id == SYSTEM_ID)].iloc[0]
        assert row.label == "0"
    finally:
        panel.reset()
    assert "£" in panel.figures[1].data.label.iloc[0] or panel.figures[1].data.label.iloc[0] == "0"
