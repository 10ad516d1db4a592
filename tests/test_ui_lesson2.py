"""Lesson 2's panels, prose and checks: move the controls as a learner would and compare what
is drawn with a direct call of the model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from specs import assert_spec_sound
from tiny import write_tables

from casestudy import Scenario, load_system
from casestudy.behaviours import (
    OTHER_ID,
    ROUNDING_GBP_M,
    SHIFT_SHARE,
    SYSTEM_ID,
    contracting,
    gain_share,
    shift_by_rule,
    shift_by_rule_shown,
    shift_changes,
    shift_for,
    stranded_cost,
)
from casestudy.charts import money
from casestudy.charts.behaviours import (
    contracting_chart,
    gain_share_chart,
    shift_by_rule_chart,
    shift_by_rule_figure,
)
from casestudy.charts.style import KIND_LABELS
from casestudy.scenario import BRADFORD_PRESETS, PRESET_LABELS
from casestudy.totals import TOTAL_KIND
from casestudy.ui import lesson2


def _move_share(panel, share):
    panel.share.value = share
    return dataclasses.replace(shift_for(panel.system), share=share)


# --------------------------------------------------------------------------- shift panel


def test_shift_panel_draws_each_rule_as_the_model_says(system):
    panel = lesson2.ShiftPanel(system)
    panel.update()
    data = panel.figures[0].data
    expected = shift_by_rule(system, panel.scenario(), shift_for(system))
    # The rules of the Bradford years are drawn, and only those while the learner's rule is one.
    assert set(data.payment_label) == {PRESET_LABELS[p] for p in BRADFORD_PRESETS}
    for row in data.itertuples():
        match = expected[(expected.payment_label == row.payment_label) & (expected.name == row.name)]
        assert row.change_gbp_m == pytest.approx(match.change_gbp_m.iloc[0])
    shift = shift_for(system)
    names = set(data.name)
    for org in (shift.acute_id, shift.funder_id, shift.deliverer_id):
        assert system.org_name(org) in names
    chosen = data[data.chosen]
    assert set(chosen.payment_label) == {PRESET_LABELS["fixed_income"]}
    assert chosen.rule.str.endswith("(your rule)").all()


def test_shift_panel_follows_the_size_of_the_shift_and_flex(system):
    panel = lesson2.ShiftPanel(system)
    panel.update()
    before = panel.figures[0].data.copy()
    shift = _move_share(panel, 0.1)
    panel.controls["flex"].value = 0.8
    scenario = panel.scenario()
    assert scenario.flex == 0.8
    data = panel.figures[0].data
    expected = shift_by_rule(system, scenario, shift)
    system_rows = data[data.kind == TOTAL_KIND]
    total = expected[expected.org_id == SYSTEM_ID].change_gbp_m.iloc[0]
    np.testing.assert_allclose(system_rows.change_gbp_m, total)
    assert not np.allclose(before[before.kind == TOTAL_KIND].change_gbp_m, total)
    detail = stranded_cost(system, scenario, shift)
    assert money(detail.stranded_cost_gbp_m) in panel.text
    assert money(detail.cost_released_gbp_m) in panel.text
    assert "10%" in panel.changes.value and SHIFT_SHARE["label"] in panel.changes.value


def test_switching_the_rule_moves_the_acute_trust_but_not_the_system(system):
    panel = lesson2.ShiftPanel(system)
    panel.update()
    shift = shift_for(system)
    panel.controls["payment"].value = "pbr_mret"
    scenario = panel.scenario()
    changes = shift_changes(system, scenario, shift)
    assert money(changes.loc[shift.acute_id, "change_gbp_m"]) in panel.text
    assert "Under payment by results + MRET (2016/17-2018/19)" in panel.text
    data = panel.figures[0].data
    assert set(data[data.chosen].payment_label) == {PRESET_LABELS["pbr_mret"]}
    pbr = changes.loc[shift.acute_id, "change_gbp_m"]
    fixed = shift_changes(system, Scenario.preset("fixed_income"), shift).loc[shift.acute_id,
                                                                               "change_gbp_m"]
    assert pbr < 0 < fixed  # payment by results strands cost; fixed income flips it
    # A rule from outside the Bradford years is drawn beside them when the learner picks it.
    panel.controls["payment"].value = "api_2023"
    data = panel.figures[0].data
    assert set(data.payment_label) == {PRESET_LABELS[p] for p in (*BRADFORD_PRESETS, "api_2023")}
    assert set(data[data.chosen].payment_label) == {PRESET_LABELS["api_2023"]}


def _drawn_rows(spec: dict) -> pd.DataFrame:
    (rows,) = spec["datasets"].values()
    return pd.DataFrame(rows)


def _legend_values(spec: dict) -> list[str] | None:
    """The colour legend's entries of a (faceted or layered) spec; None if it has no legend."""
    layers = spec["spec"]["layer"] if "spec" in spec else spec["layer"]
    for layer in layers:
        colour = layer.get("encoding", {}).get("color")
        if colour and "field" in colour:
            legend = colour.get("legend", {})
            return None if legend is None else legend["values"]
    raise AssertionError("no colour encoding")


@pytest.mark.parametrize("payment", ["fixed_income", "pbr_mret", "blended", "payment_by_results"])
def test_shift_panel_bars_add_up_to_the_system_under_every_rule(system, payment):
    panel = lesson2.ShiftPanel(system)
    panel.update()
    panel.controls["payment"].value = payment
    shift = _move_share(panel, 0.085)
    drawn = _drawn_rows(panel.specs[0])  # what the page gets, after the slider moved
    assert drawn.rule.nunique() == len(BRADFORD_PRESETS) + (payment not in BRADFORD_PRESETS)
    for rule, rows in drawn.groupby("payment_label"):
        system_rows = rows[rows.kind == TOTAL_KIND]
        assert len(system_rows) == 1, rule
        orgs = rows[rows.kind != TOTAL_KIND]
        assert orgs.change_gbp_m.sum() == pytest.approx(system_rows.change_gbp_m.iloc[0],
                                                        abs=1e-6), rule
    # Every organisation that moves by more than rounding under some rule has its own bar.
    full = shift_by_rule(system, panel.scenario(), shift)
    movers = full[(full.org_id != SYSTEM_ID) & (full.change_gbp_m.abs() > ROUNDING_GBP_M)]
    assert set(movers.name) <= set(drawn.name)


def test_shift_panel_draws_a_partner_that_moves_only_under_another_rule(bundled_system):
    """Under fixed income only the trust and its main commissioner move, but under payment
    by results the trust's other commissioner gains too: it is drawn, or the facet's bars
    would not add up to the system's."""
    panel = lesson2.ShiftPanel(bundled_system)
    panel.update()
    full = shift_by_rule(bundled_system, panel.scenario(), shift_for(bundled_system))
    pbr = full[full.payment == "payment_by_results"].set_index("org_id").change_gbp_m
    fixed = full[full.payment == "fixed_income"].set_index("org_id").change_gbp_m
    hidden_before = [o for o in pbr.index.drop(SYSTEM_ID)
                     if abs(pbr[o]) > ROUNDING_GBP_M and abs(fixed[o]) <= 1e-6]
    assert hidden_before, "the bundled system no longer has such a partner"
    names = set(panel.figures[0].data.name)
    assert {bundled_system.org_name(o) for o in hidden_before} <= names


def test_the_rest_of_the_partners_are_one_bar_that_keeps_the_sum(system):
    shift = shift_for(system)
    full = shift_by_rule(system, Scenario.preset("payment_by_results"), shift)
    drawn = shift_by_rule_shown(full, (shift.acute_id,), rounding=1e9)  # only the trust by name
    assert set(drawn.org_id) == {shift.acute_id, OTHER_ID, SYSTEM_ID}
    for payment, rows in drawn.groupby("payment"):
        every = full[(full.payment == payment) & (full.org_id != SYSTEM_ID)]
        other = rows[rows.org_id == OTHER_ID]
        rest = every[every.org_id != shift.acute_id]
        for column in ("change_gbp_m", "contract_income_gbp_m", "cost_released_gbp_m"):
            assert other[column].iloc[0] == pytest.approx(rest[column].sum(), abs=1e-9)
        orgs = rows[rows.org_id != SYSTEM_ID]
        assert orgs.change_gbp_m.sum() == pytest.approx(
            rows[rows.org_id == SYSTEM_ID].change_gbp_m.iloc[0], abs=1e-6)
    spec = shift_by_rule_figure(drawn, "t").chart().to_dict()
    assert_spec_sound(spec)
    assert "Other partners" in _legend_values(spec)
    assert "grey" in spec["title"]["subtitle"]


def test_legends_list_only_what_is_drawn(system):
    shift = shift_for(system)
    trust = KIND_LABELS[system.organisations.loc[shift.deliverer_id, "kind"]]
    panel = lesson2.ShiftPanel(system)
    panel.update()
    panel.controls["payment"].value = "payment_by_results"
    drawn = _drawn_rows(panel.specs[0])
    moving = set(drawn.loc[drawn.change_gbp_m.abs() > 1e-6, "kind_label"])
    assert set(_legend_values(panel.specs[0])) == moving
    if (drawn[drawn.kind_label == trust].change_gbp_m.abs() <= 1e-6).all():
        assert trust not in _legend_values(panel.specs[0])  # the service's provider breaks even
    shares = lesson2.GainSharePanel(system)
    shares.update()
    gain, deal = shares.specs
    rows = _drawn_rows(gain)
    assert set(_legend_values(gain)) == set(rows.loc[rows.value_gbp_m.abs() > 1e-6, "kind_label"])
    deal_rows = _drawn_rows(deal)
    assert "Does not happen" in set(deal_rows.outcome)  # one to one is blocked here
    gains = (deal_rows.outcome == "Goes ahead") & (deal_rows.system_gain_gbp_m.abs() > 1e-6)
    assert _legend_values(deal) == (["Goes ahead"] if gains.any() else None)


def test_shift_panel_reset_restores_the_baseline(system):
    panel = lesson2.ShiftPanel(system)
    panel.update()
    baseline = panel.figures[0].data.copy()
    _move_share(panel, 0.15)
    panel.controls["flex"].value = 0.1
    panel.controls["payment"].value = "blended"
    panel.reset()
    assert panel.share.value == SHIFT_SHARE["default"]
    assert panel.scenario() == panel.baseline
    pd.testing.assert_frame_equal(baseline.reset_index(drop=True),
                                  panel.figures[0].data.reset_index(drop=True))
    assert "instead of" not in panel.changes.value


# --------------------------------------------------------------------------- gain share panel


def test_gain_share_panel_draws_the_models_gain_share_and_deal(system):
    panel = lesson2.GainSharePanel(system)
    panel.update()
    panel.controls["payment"].value = "payment_by_results"
    shift = shift_for(system)
    changes = shift_changes(system, panel.scenario(), shift).change_gbp_m
    parties = [o for o in changes.index if abs(changes[o]) > 1e-6
               or o in (shift.acute_id, shift.funder_id, shift.deliverer_id)]
    expected = gain_share(changes.loc[parties])
    data = panel.figures[0].data
    after = data[data.stage == "After the gain share"].set_index("name")
    for org in parties:
        assert after.loc[system.org_name(org), "value_gbp_m"] == pytest.approx(
            expected.table.loc[org, "after_gbp_m"])
    assert after.loc["Whole system (all partners)", "value_gbp_m"] == pytest.approx(changes.sum())
    deal = contracting(changes.loc[parties])
    drawn = panel.figures[1].data.set_index("label")
    for key, row in deal.iterrows():
        assert drawn.loc[row.label, "system_gain_gbp_m"] == pytest.approx(row.system_gain_gbp_m)
    if expected.possible and expected.losers:
        assert f"{expected.share_of_gains:.0%} of their gains" in panel.text
        assert (after.value_gbp_m >= -1e-9).all()
    elif not expected.possible:
        assert "The system as a whole loses" in panel.text


def test_raising_flex_can_turn_a_losing_shift_into_a_shared_gain(system):
    panel = lesson2.GainSharePanel(system)
    panel.update()
    shift = shift_for(system)
    for flex in (0.0, 1.0):
        panel.controls["flex"].value = flex
        total = shift_changes(system, panel.scenario(), shift).change_gbp_m.sum()
        group = panel.figures[1].data.set_index("label").loc["As a group: one envelope"]
        assert (group.outcome == "Goes ahead") == (total >= 0)
        assert ("The system as a whole loses" in panel.text) == (total < 0)


def test_gain_share_panel_reset(system):
    panel = lesson2.GainSharePanel(system)
    panel.update()
    baseline = [f.data.copy() for f in panel.figures]
    _move_share(panel, 0.2)
    panel.controls["payment"].value = "payment_by_results"
    panel.reset()
    for before, figure in zip(baseline, panel.figures):
        pd.testing.assert_frame_equal(before.reset_index(drop=True),
                                      figure.data.reset_index(drop=True))


def test_panels_charts_are_sound_vega_lite(system):
    for cls in (lesson2.ShiftPanel, lesson2.GainSharePanel):
        panel = cls(system)
        panel.update()
        panel.controls["payment"].value = "payment_by_results"
        for spec in panel.specs:
            assert_spec_sound(spec)


def test_chart_builders_validate(system):
    shift = shift_for(system)
    frame = shift_by_rule(system, Scenario(), shift)
    changes = shift_changes(system, Scenario(), shift)
    shared = gain_share(changes.change_gbp_m[changes.change_gbp_m.abs() > 1e-6])
    table = shared.table.assign(name=system.organisations["name"].reindex(shared.table.index),
                                kind=system.organisations["kind"].reindex(shared.table.index))
    deal = contracting(shared.table.change_gbp_m).assign(decision=["a", "b"])
    for chart in (shift_by_rule_chart(frame), gain_share_chart(table, 0.5, True),
                  contracting_chart(deal)):
        spec = chart.to_dict()
        assert spec["description"]
        assert_spec_sound(spec)


def test_a_system_without_an_acute_trust_is_told_so(tmp_path, tiny_tables):
    tables = dict(tiny_tables)
    tables["organisations"] = [dict(row, kind="community_mental_health") if row["org_id"] == "acute"
                               else row for row in tiny_tables["organisations"]]
    system = load_system(write_tables(tmp_path / "no_acute", tables))
    for cls in (lesson2.ShiftPanel, lesson2.GainSharePanel):
        panel = cls(system)
        panel.update()
        assert panel.figures == [] and "no acute trust" in panel.text
    assert "no acute trust" in lesson2.situation(system).data
    assert "no acute trust" in lesson2.what_this_means(system).data


# --------------------------------------------------------------------------- prose and checks


def test_prose_is_computed_for_this_system(system):
    shift = shift_for(system)
    detail = stranded_cost(system, lesson2.DEFAULT, shift)
    situation = lesson2.situation(system).data
    assert system.org_name(shift.acute_id) in situation
    assert f"{detail.admissions_avoided:,.0f}" in situation
    # The service's cost, to the penny of £10,000, is the price per admission times the
    # admissions: £0.95m / 1,734 = £548, where "£1.0m" would have read as £577.
    cost = f"£{detail.scheme_cost_gbp_m:,.2f}m"
    each = f"£{shift.cost_per_admission_gbp:,.0f} for each of the {detail.admissions_avoided:,.0f}"
    assert cost in situation and each in situation
    assert shift.cost_per_admission_gbp * detail.admissions_avoided / 1e6 == pytest.approx(
        detail.scheme_cost_gbp_m, rel=1e-6)
    panel = lesson2.ShiftPanel(system)
    panel.update()
    assert cost in panel.text
    paragraph = lesson2.model_in_one_paragraph(system).data
    assert money(detail.stranded_cost_gbp_m) in paragraph
    meaning = lesson2.what_this_means(system).data
    for preset in ("payment by results", "fixed income"):
        assert preset in meaning
    for text in (situation, paragraph, meaning):
        assert "nan" not in text
    gloss = "one envelope (a single budget for the whole contract"
    assert gloss in meaning
    shares = lesson2.GainSharePanel(system)
    shares.update()
    assert gloss in shares.text


def test_checks_right_answers_come_from_the_model(system):
    questions = lesson2.checks(system)
    assert len(questions) == 3
    shift = shift_for(system)
    pbr = shift_changes(system, Scenario.preset("payment_by_results"), shift)
    fixed = shift_changes(system, Scenario.preset("fixed_income"), shift)
    acute = pbr.loc[shift.acute_id, "change_gbp_m"]
    assert questions[0].correct == (0 if acute > 1e-6 else 1 if acute < -1e-6 else 2)
    trio = fixed.change_gbp_m.loc[[shift.acute_id, shift.funder_id, shift.deliverer_id]]
    worst = int(np.argmin(trio.to_numpy()))
    assert questions[1].correct == (worst if trio.iloc[worst] < -1e-6 else 3)
    ahead = []
    for table in (pbr, fixed):
        moved = table.change_gbp_m[table.change_gbp_m.abs() > 1e-6]
        ahead.append(bool((moved >= -1e-6).all()))
    assert questions[2].correct == {(True, False): 0, (False, True): 1, (True, True): 2,
                                    (False, False): 3}[tuple(ahead)]
    for question in questions:
        assert question.choose(question.correct) is True


def test_a_partner_outside_the_shift_says_why_it_moves(bundled_system):
    """The review's question: why does NHS Bradford City CCG gain under payment by results?
    It buys some of the trust's emergency admissions: it pays the trust less for those the
    shift avoids, and pays nothing for the service, so its change is its payments' fall."""
    from casestudy.behaviours import deal
    from casestudy.words import lesson2 as words

    shift = shift_for(bundled_system)
    facts = deal(bundled_system, Scenario.preset("pbr_mret"), shift)
    assert facts.others_moved == ["city_ccg"]
    row = facts.changes.loc["city_ccg"]
    # A commissioner's change is what it stops paying: +£0.8m gain = -£0.8m of payments.
    assert row.change_gbp_m == pytest.approx(-row.contract_payments_gbp_m)
    assert 0.05 < row.change_gbp_m < 5
    text = words.shift_words(bundled_system, facts)
    assert (f"NHS Bradford City CCG, by **{money(row.change_gbp_m)}** (it buys some of "
            f"Bradford Teaching Hospitals NHS FT's emergency admissions too: under this rule it "
            f"pays {money(-row.contract_payments_gbp_m)} less for them, and it pays nothing "
            "towards the service)") in text
    # Under fixed income nobody's contract payments move: no other partner, no reason.
    fixed = deal(bundled_system, Scenario.preset("fixed_income"), shift)
    assert fixed.others_moved == [] and "buys some of" not in words.shift_words(bundled_system,
                                                                                  fixed)


@pytest.mark.parametrize("flex", [0.25, 1.0])
def test_capacity_flex_is_never_advised_once_it_is_at_its_most(bundled_system, flex):
    from casestudy.behaviours import deal
    from casestudy.words import lesson2 as words

    # A service dear enough that the system loses, so the words say what would help.
    shift = dataclasses.replace(shift_for(bundled_system), cost_per_admission_gbp=20_000)
    facts = deal(bundled_system, Scenario.preset("pbr_mret", flex=flex), shift)
    assert not facts.share.possible
    text = (words.shift_words(bundled_system, facts)
            + words.gain_share_words(bundled_system, facts)).lower()
    assert ("raise capacity flex" in text) == (flex < 1.0)
    if flex == 1.0:
        assert "capacity flex is already at its most" in text
