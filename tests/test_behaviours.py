"""Lesson 2's model: the shift of care, its stranded cost, the gain share and contracting.

The tiny system (tests/conftest.py) is checked by hand; the bundled one for its roles and
for invariants (the system's gain is the same under every rule)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from tiny import write_tables

from casestudy import PRESETS, Scenario, ScenarioError, load_system
from casestudy.behaviours import (
    OTHER_ID,
    SHIFT_SHARE,
    SYSTEM_ID,
    Shift,
    contracting,
    gain_share,
    shift_by_rule,
    shift_by_rule_shown,
    shift_changes,
    shift_for,
    stranded_cost,
)

# On the tiny system: the acute trust's emergency spells are 20,000 (ccg_a) + 10,000 (ccg_b)
# at £2,000, £60m of its £71m plan; its cost base is £80m, 0.5 fixed, 0.3 semi-fixed, 0.2
# variable, of which the £10m its other income pays for does not move with commissioned
# activity: £70m does. A 10% shift moves 3,000 spells; at £500 each the community service
# costs £1.5m.
MOVING_GBP_M = 80 - 10  # the cost base less the costs other income pays for
TINY_SHIFT = Shift(acute_id="acute", funder_id="ccg_a", deliverer_id="comm", share=0.1,
                   cost_per_admission_gbp=500.0)
INDEX_DROP = 0.1 * 60 / 71  # the acute trust's price-weighted activity falls by this share


def test_the_shift_by_hand_under_payment_by_results(tiny_system, plain):
    changes = shift_changes(tiny_system, plain, TINY_SHIFT)  # plain: PbR, flex 0, no uplift
    released = MOVING_GBP_M * 0.2 * INDEX_DROP  # flex 0: only the variable fifth of it moves
    assert changes.loc["acute", "contract_income_gbp_m"] == pytest.approx(-6.0)
    assert changes.loc["acute", "cost_released_gbp_m"] == pytest.approx(released)
    assert changes.loc["acute", "change_gbp_m"] == pytest.approx(released - 6.0)
    assert changes.loc["ccg_a", "change_gbp_m"] == pytest.approx(4.0 - 1.5)  # saves 10% of £40m, pays £1.5m
    assert changes.loc["ccg_b", "change_gbp_m"] == pytest.approx(2.0)
    assert changes.loc["comm", "change_gbp_m"] == pytest.approx(0.0, abs=1e-12)  # paid what it spends
    assert changes.loc["comm", "scheme_net_gbp_m"] == pytest.approx(0.0, abs=1e-12)
    assert changes.loc[["council", "vcs"], "change_gbp_m"].abs().max() < 1e-12
    assert changes.change_gbp_m.sum() == pytest.approx(released - 1.5)


def test_fixed_income_flips_who_gains(tiny_system, plain):
    fixed = dataclasses.replace(plain, payment="fixed_income")
    changes = shift_changes(tiny_system, fixed, TINY_SHIFT)
    released = MOVING_GBP_M * 0.2 * INDEX_DROP
    assert changes.loc["acute", "contract_income_gbp_m"] == pytest.approx(0.0, abs=1e-12)
    assert changes.loc["acute", "change_gbp_m"] == pytest.approx(released)
    assert changes.loc["ccg_a", "change_gbp_m"] == pytest.approx(-1.5)  # pays, saves nothing
    assert changes.loc["ccg_b", "change_gbp_m"] == pytest.approx(0.0, abs=1e-12)


def test_stranded_cost_by_hand(tiny_system, plain):
    for flex in (0.0, 0.5, 1.0):
        detail = stranded_cost(tiny_system, dataclasses.replace(plain, flex=flex), TINY_SHIFT)
        average = MOVING_GBP_M * INDEX_DROP  # 70 x 0.0845 = £5.92m, not 80 x 0.0845
        assert detail.admissions_avoided == pytest.approx(3000)
        assert detail.scheme_cost_gbp_m == pytest.approx(1.5)
        assert detail.income_change_gbp_m == pytest.approx(-6.0)
        assert detail.average_cost_gbp_m == pytest.approx(average)
        assert detail.cost_released_gbp_m == pytest.approx(average * (0.2 + 0.3 * flex))
        # what stays: the fixed half and the semi-fixed share that cannot be flexed
        assert detail.stranded_cost_gbp_m == pytest.approx(average * (0.5 + 0.3 * (1 - flex)))


def test_system_gain_is_the_same_under_every_rule(bundled_system):
    shift = shift_for(bundled_system)
    for flex in (0.0, 0.25, 1.0):
        for share in (0.01, 0.03, 0.2):
            scenario = Scenario(flex=flex)
            frame = shift_by_rule(bundled_system, scenario, dataclasses.replace(shift, share=share))
            totals = frame[frame.org_id == SYSTEM_ID].set_index("payment").change_gbp_m
            assert sorted(totals.index) == sorted(PRESETS)
            assert totals.max() - totals.min() < 1e-9
            summed = frame[frame.org_id != SYSTEM_ID].groupby("payment").change_gbp_m.sum()
            np.testing.assert_allclose(summed.loc[totals.index], totals)
            detail = stranded_cost(bundled_system, scenario, dataclasses.replace(shift, share=share))
            # the system keeps what the hospital releases, less what the service costs
            assert totals.iloc[0] == pytest.approx(detail.cost_released_gbp_m - detail.scheme_cost_gbp_m)
            assert frame.chosen.sum() == len(frame) / len(PRESETS)


def test_shift_by_rule_matches_shift_changes(bundled_system):
    shift = shift_for(bundled_system)
    frame = shift_by_rule(bundled_system, Scenario(), shift)
    for preset in PRESETS:
        direct = shift_changes(bundled_system, Scenario.preset(preset), shift)
        rows = frame[(frame.payment == preset) & (frame.org_id != SYSTEM_ID)].set_index("org_id")
        np.testing.assert_allclose(rows.change_gbp_m, direct.change_gbp_m.loc[rows.index])


def test_shift_for_picks_organisations_by_role(bundled_system):
    shift = shift_for(bundled_system, share=0.05)
    orgs = bundled_system.organisations
    lines = bundled_system.service_lines
    assert shift.acute_id == orgs[orgs.kind == "acute"].cost_base_gbp_m.idxmax()
    nel = lines[(lines.provider_id == shift.acute_id) & (lines.service == "non_elective")]
    assert shift.funder_id == (nel.planned_activity * nel.unit_price_gbp).groupby(nel.payer_id).sum().idxmax()
    assert orgs.loc[shift.deliverer_id, "kind"] in ("community_mental_health", "primary_care")
    assert shift.share == 0.05
    # The template's cost over the emergency admissions it avoids, from the CSVs by hand.
    template = bundled_system.schemes.loc[shift.template_id]
    effects = bundled_system.scheme_effects
    effects = effects[(effects.scheme_id == shift.template_id) & (effects.service == "non_elective")]
    avoided = 0.0
    for _, effect in effects.iterrows():
        rows = lines[(lines.provider_id == effect.provider_id) & (lines.service == "non_elective")]
        avoided += -effect.activity_change * (rows.planned_activity * (1 + rows.demand_growth)).sum()
    assert shift.cost_per_admission_gbp == pytest.approx(template.cost_gbp_m * 1e6 / avoided)


def test_shift_for_says_what_the_system_lacks(tmp_path, tiny_tables, tiny_system):
    no_acute = dict(tiny_tables)
    no_acute["organisations"] = [dict(row, kind="community_mental_health") if row["org_id"] == "acute"
                                 else row for row in tiny_tables["organisations"]]
    system = load_system(write_tables(tmp_path / "no_acute", no_acute))
    with pytest.raises(ScenarioError, match="no acute trust"):
        shift_for(system)
    no_schemes = dict(tiny_tables, schemes=[], scheme_effects=[])
    system = load_system(write_tables(tmp_path / "no_schemes", no_schemes))
    with pytest.raises(ScenarioError, match="cannot price the shift"):
        shift_for(system)
    priced = shift_for(system, cost_per_admission_gbp=400.0)
    assert priced.cost_per_admission_gbp == 400.0 and priced.template_id is None
    assert priced.deliverer_id == "comm"


@pytest.mark.parametrize("share", [-0.01, 0.21, float("nan"), "0.1"])
def test_shift_share_outside_its_range_is_refused(share):
    with pytest.raises(ScenarioError, match="shift_share"):
        dataclasses.replace(TINY_SHIFT, share=share)
    assert SHIFT_SHARE["min"] <= TINY_SHIFT.share <= SHIFT_SHARE["max"]


def test_unknown_organisation_is_refused(tiny_system, plain):
    with pytest.raises(ScenarioError, match="nowhere"):
        shift_changes(tiny_system, plain, dataclasses.replace(TINY_SHIFT, funder_id="nowhere"))


# --------------------------------------------------------------------------- gain share


def test_gain_share_makes_the_losers_whole_with_the_least_share():
    changes = pd.Series({"acute": -3.0, "ccg_a": 3.0, "ccg_b": 1.0, "comm": 0.0})
    result = gain_share(changes)
    assert result.possible
    assert result.share_of_gains == pytest.approx(3.0 / 4.0)
    table = result.table
    np.testing.assert_allclose(table.transfer_gbp_m, [3.0, -2.25, -0.75, 0.0])
    np.testing.assert_allclose(table.after_gbp_m, [0.0, 0.75, 0.25, 0.0])
    assert table.transfer_gbp_m.sum() == pytest.approx(0.0)
    assert result.system_gain_gbp_m == pytest.approx(1.0)
    assert result.losers == ["acute"] and result.winners == ["ccg_a", "ccg_b"]


def test_a_larger_share_leaves_the_losers_better_off_and_a_smaller_one_is_refused():
    changes = pd.Series({"a": -2.0, "b": -1.0, "c": 6.0})
    result = gain_share(changes, share=0.75)
    np.testing.assert_allclose(result.table.after_gbp_m, [1.0, 0.5, 1.5])  # pot 4.5 shared 2:1
    assert (result.table.after_gbp_m >= 0).all()
    with pytest.raises(ScenarioError, match="worse off"):
        gain_share(changes, share=0.4)
    with pytest.raises(ScenarioError, match="allowed range 0 to 1"):
        gain_share(changes, share=1.5)


def test_when_the_system_loses_no_share_works():
    result = gain_share(pd.Series({"acute": -3.0, "ccg": 2.0}))
    assert not result.possible
    assert result.system_gain_gbp_m == pytest.approx(-1.0)
    assert (result.table.transfer_gbp_m == 0).all()
    assert result.share_of_gains == pytest.approx(1.5)  # what would be needed: more than all


def test_nobody_loses_needs_no_share():
    result = gain_share(pd.Series({"a": 1.0, "b": 0.0}))
    assert result.possible and result.share_of_gains == 0.0
    assert (result.table.transfer_gbp_m == 0).all()


def test_gain_share_refuses_what_is_not_a_series_of_numbers():
    with pytest.raises(ScenarioError, match="Series"):
        gain_share({"a": 1.0})
    with pytest.raises(ScenarioError, match="finite"):
        gain_share(pd.Series({"a": float("nan")}))


@pytest.mark.parametrize("values, one_to_one, as_a_group, blockers", [
    ({"acute": -3.0, "ccg": 4.0}, False, True, ["acute"]),
    ({"acute": 1.0, "ccg": 0.0}, True, True, []),
    ({"acute": -3.0, "ccg": 2.0}, False, False, ["acute"]),
    ({"acute": -1.0, "ccg": -1.0, "comm": 3.0}, False, True, ["acute", "ccg"]),
])
def test_contracting_one_to_one_against_as_a_group(values, one_to_one, as_a_group, blockers):
    frame = contracting(pd.Series(values))
    total = sum(values.values())
    assert frame.loc["one_to_one", "goes_ahead"] == one_to_one
    assert frame.loc["as_a_group", "goes_ahead"] == as_a_group
    assert frame.loc["one_to_one", "blocked_by"] == blockers
    assert frame.loc["one_to_one", "system_gain_gbp_m"] == (total if one_to_one else 0.0)
    assert frame.loc["as_a_group", "system_gain_gbp_m"] == pytest.approx(total if as_a_group else 0.0)
    # as a group never delivers less than one to one
    assert frame.loc["as_a_group", "system_gain_gbp_m"] >= frame.loc["one_to_one", "system_gain_gbp_m"]


def test_the_bundled_shift_is_blocked_one_to_one_under_both_classic_rules(bundled_system):
    shift = shift_for(bundled_system)
    for preset in ("payment_by_results", "fixed_income"):
        changes = shift_changes(bundled_system, Scenario.preset(preset), shift).change_gbp_m
        parties = changes[changes.abs() > 1e-6]
        frame = contracting(parties)
        assert not frame.loc["one_to_one", "goes_ahead"]
        total = changes.sum()
        assert frame.loc["as_a_group", "goes_ahead"] == (total >= 0)


def test_the_rows_drawn_add_up_to_the_system_by_hand(tiny_system, plain):
    """ccg_b saves £2m under payment by results and nothing under fixed income: it is drawn
    under every rule, or its £2m sits in the rest, one bar per rule."""
    frame = shift_by_rule(tiny_system, plain, TINY_SHIFT)
    trio = ("acute", "ccg_a", "comm")
    drawn = shift_by_rule_shown(frame, trio)
    assert set(drawn.org_id) == {*trio, "ccg_b", SYSTEM_ID}
    assert len(drawn) == 5 * len(PRESETS)
    lumped = shift_by_rule_shown(frame, trio, rounding=5.0)
    other = lumped[lumped.org_id == OTHER_ID].set_index("payment")
    assert other.loc["payment_by_results", "change_gbp_m"] == pytest.approx(2.0)
    assert other.loc["fixed_income", "change_gbp_m"] == pytest.approx(0.0, abs=1e-12)
    assert list(other.chosen) == [p == plain.payment for p in other.index]
    for table in (drawn, lumped):
        for _, rows in table.groupby("payment"):
            assert list(rows.org_id)[-1] == SYSTEM_ID  # the system row last in each rule
            orgs = rows[rows.org_id != SYSTEM_ID].change_gbp_m.sum()
            assert orgs == pytest.approx(rows.change_gbp_m.iloc[-1], abs=1e-9)
    # Nobody else moves: no rest bar when everyone who moves is drawn.
    assert OTHER_ID not in set(drawn.org_id)


# --------------------------------------------------------------------------- the deal


def test_the_deal_by_hand_under_payment_by_results(tiny_system, plain):
    from casestudy.behaviours import deal
    from casestudy.formats import money, percent
    from casestudy.words import lesson2 as words

    facts = deal(tiny_system, plain, TINY_SHIFT)
    released = MOVING_GBP_M * 0.2 * INDEX_DROP  # £1.18m, as in the hand figures above
    # The parties: the shift's three and ccg_b, which saves £2m; council and vcs do not move.
    assert facts.parties == ("ccg_a", "ccg_b", "acute", "comm")
    # The acute trust loses 6 - 1.18 = £4.82m; the winners gain 2.5 + 2 = £4.5m < £4.82m, so
    # the system as a whole loses 1.18 - 1.5 = £0.32m and no share can make everyone whole.
    assert facts.system_change_gbp_m == pytest.approx(released - 1.5)
    assert not facts.share.possible and facts.blockers == ["acute"]
    total = facts.table[facts.table.is_total]
    assert total.index.tolist() == [SYSTEM_ID]
    assert total.change_gbp_m.iloc[0] == pytest.approx(released - 1.5)
    assert facts.table.loc[~facts.table.is_total, "change_gbp_m"].sum() == pytest.approx(released - 1.5)
    # The words read these facts: the loss the system makes, the trust's change.
    text = words.gain_share_words(tiny_system, facts)
    assert f"loses {money(1.5 - released)}" in text
    assert money(released - 6.0) in words.shift_words(tiny_system, facts)
    assert f"moves {percent(0.1, 1)} of" in words.shift_words(tiny_system, facts)


def test_the_deal_shares_the_gain_when_the_system_gains(tiny_system, plain):
    from casestudy.behaviours import deal

    # Flex 1: the trust releases 0.5 of £5.92m = £2.96m; the system gains 2.96 - 1.5.
    facts = deal(tiny_system, dataclasses.replace(plain, flex=1.0), TINY_SHIFT)
    average = MOVING_GBP_M * INDEX_DROP
    assert facts.system_change_gbp_m == pytest.approx(0.5 * average - 1.5)
    assert facts.share.possible
    # Losses: the trust's 6 - 2.96 = 3.04; gains 2.5 + 2 = 4.5: share 3.04 / 4.5.
    assert facts.share.share_of_gains == pytest.approx((6 - 0.5 * average) / 4.5)
    assert facts.table.transfer_gbp_m.sum() == pytest.approx(0.0, abs=1e-12)
    assert (facts.table.after_gbp_m > -1e-9).all()


def test_results_are_remembered_only_where_turned_on(bundled_system, monkeypatch):
    """The workshop's fork server keeps lesson 2's results by system and question
    (``remember_results``); everywhere else, off by default, a change to the model is seen
    at once (a mutation test patching the engine must meet its mutant)."""
    from casestudy import behaviours

    fixed = Scenario.preset("fixed_income")
    shift = behaviours.shift_for(bundled_system)
    calls: list[int] = []
    real = behaviours._deal
    monkeypatch.setattr(behaviours, "_deal", lambda *a: calls.append(1) or real(*a))
    assert behaviours._remembered is None  # off
    first = behaviours.deal(bundled_system, fixed, shift)
    again = behaviours.deal(bundled_system, fixed, shift)
    assert len(calls) == 2 and first is not again
    behaviours.remember_results()
    try:
        kept = behaviours.deal(bundled_system, fixed, shift)
        assert behaviours.deal(bundled_system, fixed, shift) is kept and len(calls) == 3
        other = dataclasses.replace(fixed, flex=fixed.flex / 2)  # another question: computed
        assert behaviours.deal(bundled_system, other, shift) is not kept and len(calls) == 4
        assert kept.table.equals(first.table)  # the same facts as computed afresh
        # Another system object (a system read again) is another set of answers.
        assert behaviours.deal(load_system(), fixed, shift) is not kept and len(calls) == 5
    finally:
        behaviours.remember_results(False)
