"""Lesson 5's panels, prose and checks: set the controls as a learner would and compare what
is drawn with a direct call of the model."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from specs import assert_spec_sound
from tiny import write_tables

from casestudy import Scenario, load_system
from casestudy.charts import boundary_chart, organisation_change_chart, vcs_test_chart
from casestudy.formats import money, percent
from casestudy.place import (
    boundary_change,
    organisation_change,
    social_care_knock_on,
    vcs_schemes,
    vcs_test,
)
from casestudy.ui import lesson5
from casestudy.ui.common import Prediction, Quiz

# --------------------------------------------------------------------------- social care


def test_social_care_panel_starts_from_a_cut_and_draws_the_model(system):
    panel = lesson5.SocialCarePanel(system)
    panel.update()
    scenario = panel.scenario()
    assert scenario.social_care_budget_change == lesson5.CUT
    knock = social_care_knock_on(system, scenario)
    np.testing.assert_allclose(panel.figures[0].data.change_gbp_m, knock.changes.change_gbp_m)
    np.testing.assert_allclose(panel.figures[1].data.change_gbp_m, knock.organisations.change_gbp_m)
    assert f"{abs(knock.emergency_admissions_change):,.0f} more emergency admissions" in panel.text
    assert f"{abs(knock.delayed_bed_days):,.0f} more bed days" in panel.text
    assert f"({percent(knock.share_reappearing)})" in panel.text
    for spec in panel.specs:
        assert_spec_sound(spec)


def test_social_care_panel_follows_each_control(system):
    panel = lesson5.SocialCarePanel(system)
    panel.update()
    place_before = panel.figures[0].data.change_gbp_m.iloc[-1]
    panel.controls["social_care_knock_on"].value = 0.8
    knock = social_care_knock_on(system, panel.scenario())
    np.testing.assert_allclose(panel.figures[0].data.change_gbp_m, knock.changes.change_gbp_m)
    assert panel.figures[0].data.change_gbp_m.iloc[-1] < place_before  # more admissions cost more
    panel.controls["delayed_day_cost_gbp"].value = 400
    assert lesson5.money(social_care_knock_on(system, panel.scenario()).delayed_discharge_cost_gbp_m) \
        in panel.text
    # The payment rule moves the NHS cost between organisations, not its total.
    nhs_before = panel.figures[0].data.change_gbp_m.iloc[0]
    panel.controls["payment"].value = "payment_by_results"
    expected = organisation_change(system, panel.scenario(),
                                   dataclasses.replace(panel.scenario(), social_care_budget_change=0))
    np.testing.assert_allclose(panel.figures[1].data.change_gbp_m, expected.change_gbp_m)
    assert panel.figures[0].data.change_gbp_m.iloc[0] == pytest.approx(nhs_before)
    panel.controls["social_care_budget_change"].value = 0.0
    assert "nothing moves" in panel.text
    assert np.allclose(panel.figures[0].data.change_gbp_m, 0.0)
    panel.reset()
    assert panel.scenario() == panel.baseline  # the baseline: no change to social care


def test_a_rise_in_funding_is_described_as_one(system):
    panel = lesson5.SocialCarePanel(system, social_care_budget_change=0.2)
    panel.update()
    knock = social_care_knock_on(system, panel.scenario())
    assert "20% rise" in panel.text and "more packages" in panel.text
    assert "fewer emergency admissions" in panel.text and knock.emergency_admissions_change < 0


# --------------------------------------------------------------------------- voluntary sector


def test_voluntary_panel_draws_the_chosen_schemes_against_none(system):
    panel = lesson5.VoluntaryPanel(system)
    panel.update()
    vcs = vcs_schemes(system)
    assert list(panel.boxes) == vcs
    scenario = panel.scenario()
    assert set(scenario.schemes) == set(vcs)  # every VCS scheme ticked to start
    without = dataclasses.replace(scenario, schemes=())
    np.testing.assert_allclose(panel.figures[0].data.change_gbp_m,
                               boundary_change(system, scenario, without).change_gbp_m)
    tests = vcs_test(system, without)
    data = panel.figures[1].data
    np.testing.assert_allclose(data[data.boundary == "Whole place"].change_gbp_m,
                               tests.place_change_gbp_m)
    assert (data.chosen == "Chosen").all()
    for spec in panel.specs:
        assert_spec_sound(spec)

    panel.choose(vcs[:1])
    scenario = panel.scenario()
    assert scenario.schemes == tuple(vcs[:1])
    np.testing.assert_allclose(panel.figures[0].data.change_gbp_m,
                               boundary_change(system, scenario, without).change_gbp_m)
    chosen = panel.figures[1].data.chosen
    assert (chosen == "Chosen").sum() == 2  # one scheme, two bars (NHS and place)
    # Chosen or not is told by the bar's shade and said in the key: no legend of grey and
    # black swatches that match no bar (the review's "Chosen / Not chosen").
    opacity = panel.specs[1]["layer"][0]["encoding"]["opacity"]
    assert opacity["legend"] is None
    assert "Full colour: a scheme you chose; pale: one you did not" in panel.figures[1].subtitle

    panel.controls["flex"].value = 1.0
    scenario = panel.scenario()
    flexed = dataclasses.replace(scenario, schemes=())
    np.testing.assert_allclose(panel.figures[0].data.change_gbp_m,
                               boundary_change(system, scenario, flexed).change_gbp_m)
    nhs = boundary_change(system, scenario, flexed).set_index("boundary").change_gbp_m["nhs"]
    assert money(nhs, signed=True, fine=True) in panel.text

    panel.choose([])
    assert "No voluntary-sector scheme chosen" in panel.text
    panel.reset()
    assert set(panel.scenario().schemes) == set(vcs) and panel.scenario().flex == panel.baseline.flex
    with pytest.raises(KeyError, match="nowhere"):
        panel.choose(["nowhere"])


def test_voluntary_panel_keeps_other_schemes_and_loads_a_scenario(system):
    other = next(s for s in system.schemes.index if s not in vcs_schemes(system))
    panel = lesson5.VoluntaryPanel(system)
    panel.update()
    loaded = Scenario(schemes=(other,), flex=0.5)
    panel.load(loaded)
    assert panel.scenario().schemes == (other,)  # no VCS scheme in the loaded scenario
    assert not any(box.value for box in panel.boxes.values())
    panel.choose(vcs_schemes(system)[:1])
    assert panel.scenario().schemes == (other, vcs_schemes(system)[0])


def test_vcs_words_without_vcs_schemes(tiny_system):
    assert vcs_schemes(tiny_system) == []
    panel = lesson5.VoluntaryPanel(tiny_system)
    panel.update()
    assert "no scheme delivered by the voluntary sector" in panel.text
    assert len(panel.figures) == 1


def test_a_system_without_a_council_is_told_so(tiny_tables, tmp_path):
    tables = {name: [row for row in rows if "council" not in row.values()
                     and row.get("scheme_id") != "falls"]
              for name, rows in tiny_tables.items()}
    system = load_system(write_tables(tmp_path / "no_council", tables))
    assert "local_authority" not in set(system.organisations.kind)
    panel = lesson5.SocialCarePanel(system)
    panel.update()
    assert "no council" in panel.text
    assert "no council" in lesson5.what_this_means(system).data
    assert len(lesson5.checks(system)) >= 2


# --------------------------------------------------------------------------- prose and checks


def test_prose_is_computed(system):
    text = lesson5.situation(system).data
    councils = system.organisations[system.organisations.kind == "local_authority"]
    assert lesson5.money(councils.allocation_gbp_m.sum()) in text
    model = lesson5.model_in_one_paragraph(system).data
    assert f"{Scenario().delayed_days_per_lost_package:g} bed days" in model
    means = lesson5.what_this_means(system).data
    knock = social_care_knock_on(system, Scenario(social_care_budget_change=lesson5.CUT))
    assert lesson5.money(knock.council_saving_gbp_m) in means
    assert f"({knock.share_reappearing:.0%})" in means


def test_checks_answers_are_the_models(system):
    questions = lesson5.checks(system)
    assert len(questions) == 4 and isinstance(questions[0], Prediction)
    cut = Scenario(social_care_budget_change=lesson5.CUT)
    knock = social_care_knock_on(system, cut)
    place = knock.change("place")
    assert questions[0].correct == (0 if place > 0.005 else 1 if place < -0.005 else 2)
    by_kind = knock.organisations.groupby("kind").change_gbp_m.sum()
    acute, commissioners = by_kind.get("acute", 0.0), by_kind.get("commissioner", 0.0)
    assert questions[1].options[questions[1].correct] == (
        "The acute trusts" if acute < commissioners - 0.005 else "The commissioners"
        if commissioners < acute - 0.005 else "Nobody")
    share = knock.share_reappearing
    assert not math.isnan(share)
    assert questions[2].correct == (0 if share < 0.05 else 1 if share <= 0.5 else 2)
    every = dataclasses.replace(Scenario(), schemes=tuple(vcs_schemes(system)))
    nhs = boundary_change(system, every, Scenario()).set_index("boundary").change_gbp_m["nhs"]
    assert questions[3].correct == (0 if nhs > 0.005 else 1)
    for question in questions:
        assert question.choose(question.correct) is True


def test_checks_are_four_even_without_vcs_schemes(tiny_system):
    questions = lesson5.checks(tiny_system)
    assert len(questions) == 4 and all(isinstance(q, Quiz) for q in questions)


# --------------------------------------------------------------------------- charts


def test_chart_builders_validate_and_encode_only_their_data(system):
    scenario = Scenario(social_care_budget_change=-0.1)
    baseline = Scenario()
    for chart in (
        boundary_chart(boundary_change(system, scenario, baseline)),
        organisation_change_chart(organisation_change(system, scenario, baseline)),
        vcs_test_chart(vcs_test(system, baseline)),
    ):
        spec = chart.to_dict()
        assert_spec_sound(spec)
        assert spec["description"]


def test_the_cost_of_a_delayed_day_is_shown_as_a_floor_with_a_range(system):
    from casestudy.scenario import DELAYED_DAY_HIGH_GBP, field_info

    model = lesson5.model_in_one_paragraph(system).data
    # £173m for 2.3 million delayed days in providers' accounts (R131) is a floor; Age UK put
    # a bed at about £1,900 a week (R146): 1,900 / 7 = £271, about £270 a day.
    assert "is a floor" in model and "£270 a day" in model
    assert round(DELAYED_DAY_HIGH_GBP, -1) == 270
    assert "floor" in field_info("delayed_day_cost_gbp")["help"]


def test_the_nhs_cost_is_split_into_delayed_days_and_admissions(system):
    # Issue 15: "costing the hospitals £0.4m" sat beside "£1.3m reappears as NHS cost"; the two
    # parts now add up to the whole, and each is quoted.
    from casestudy.words.lesson5 import social_care_words

    scenario = Scenario.preset("fixed_income", social_care_budget_change=-0.1)
    knock = social_care_knock_on(system, scenario)
    assert knock.delayed_discharge_cost_gbp_m + knock.admissions_cost_gbp_m == pytest.approx(
        -knock.change("nhs"))
    text = social_care_words(system, scenario, knock)
    assert f"{money(knock.nhs_cost_gbp_m)} ({percent(knock.share_reappearing)}) reappears" in text
    assert f"{money(knock.delayed_discharge_cost_gbp_m)} of it for the delayed days" in text
    assert f"{money(knock.admissions_cost_gbp_m)} for the extra admissions" in text
    # The council's change is its budget change less its spending change, as the words say.
    councils = system.ids_of_kind("local_authority")
    assert knock.change("council") == pytest.approx(
        knock.council_budget_change_gbp_m - knock.council_spending_change_gbp_m)
    assert f"change{'' if len(councils) > 1 else 's'} by **{money(knock.change('council'), signed=True, fine=True)}**" in text


def test_a_budget_rise_names_who_gains_most_not_who_bears_most(system):
    # Issue 15: "bears most (+£0.0m)" on a budget rise. Who is named, and the verb, follow
    # the sign of the change.
    from casestudy.words.lesson5 import social_care_words

    scenario = Scenario.preset("fixed_income", social_care_budget_change=0.1)
    knock = social_care_knock_on(system, scenario)
    text = social_care_words(system, scenario, knock)
    nhs = knock.organisations[knock.organisations.boundary == "nhs"]
    most = knock.nhs_most_changed()
    assert "+£0.0m" not in text
    if most is not None and (nhs.change_gbp_m >= -0.0005).all():
        best = nhs.loc[nhs.change_gbp_m.idxmax()]
        assert most == (best["name"], pytest.approx(best.change_gbp_m))
        assert "gains most" in text and "bears most" not in text
    elif most is not None:
        assert "bears most" in text
