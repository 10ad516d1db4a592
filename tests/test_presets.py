"""The payment presets against hand figures, and the old names that still load.

Each preset is checked service by service: what the commissioner pays for one more (or one
fewer) unit, as a share of the unit's price, below and above plan, and for the marginal
rate emergency tariff below and above its baseline. One service line: plan 100 units at
£1,000 (planned income £100,000); the marginal payment of a unit is the payment's change
between two activities one unit apart, divided by the price.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import casestudy as cs
from casestudy.contracts import MarginalRate
from casestudy.scenario import (
    BRADFORD_PRESETS,
    PRESET_INFO,
    PRESET_LABELS,
    PRESETS,
    Scenario,
    preset_phrase,
)
from casestudy.workshop import decode_code, load_saved, scenario_code

PLAN, PRICE = 100.0, 1_000.0
OLD = Path(__file__).parent / "old_formats"

# Where the unit is taken: (activity before, activity after). Plan is 100; the MRET
# baseline is 0.94 x 100 = 94 units by default.
ABOVE_PLAN = (100.0, 101.0)
BELOW_PLAN = (100.0, 99.0)
BELOW_BASELINE = (90.0, 89.0)  # under MRET: below its 94-unit baseline
ABOVE_BASELINE = (95.0, 96.0)  # under MRET: above the baseline, below plan

# The defaults these figures use, stated once (each is a Scenario field's default).
BLENDED = 0.2  # blended_rate_above_plan and _below_plan (R62)
MRET = 0.7  # mret_rate_above_baseline (R36, R52)
ELECTIVE = 1.0  # elective_variable_rate (R69)
FOLLOW_UPS = 0.5  # outpatient_follow_up_share: in the fixed element from 2023/24
API_2022 = 0.75  # 2022/23 elective rate above plan; nothing back below (R67, R69)

# preset, service, where, marginal payment as a share of price, the arithmetic
TABLE = [
    ("payment_by_results", "elective", ABOVE_PLAN, 1.0, "full price"),
    ("payment_by_results", "elective", BELOW_PLAN, 1.0, "full price"),
    ("payment_by_results", "non_elective", ABOVE_PLAN, 1.0, "full price"),
    ("payment_by_results", "non_elective", BELOW_PLAN, 1.0, "full price"),
    ("payment_by_results", "outpatient", BELOW_PLAN, 1.0, "full price"),
    ("payment_by_results", "a_and_e", ABOVE_PLAN, 1.0, "full price"),
    ("payment_by_results", "community", ABOVE_PLAN, 0.0, "no national tariff: block"),
    ("pbr_mret", "elective", ABOVE_PLAN, 1.0, "national tariff"),
    ("pbr_mret", "elective", BELOW_PLAN, 1.0, "national tariff"),
    ("pbr_mret", "outpatient", BELOW_PLAN, 1.0, "national tariff"),
    ("pbr_mret", "a_and_e", ABOVE_PLAN, 1.0, "national tariff"),
    ("pbr_mret", "non_elective", ABOVE_PLAN, MRET, "above the baseline: 70%"),
    ("pbr_mret", "non_elective", BELOW_PLAN, MRET, "99 is still above the 94 baseline: 70%"),
    ("pbr_mret", "non_elective", ABOVE_BASELINE, MRET, "96 > 94: 70%"),
    ("pbr_mret", "non_elective", BELOW_BASELINE, 1.0, "89 < 94: full price, nothing kept back"),
    ("pbr_mret", "community", BELOW_PLAN, 0.0, "block"),
    ("fixed_income", "elective", ABOVE_PLAN, 0.0, "plan, whatever happens"),
    ("fixed_income", "non_elective", BELOW_PLAN, 0.0, "plan, whatever happens"),
    ("fixed_income", "outpatient", ABOVE_PLAN, 0.0, "plan, whatever happens"),
    ("fixed_income", "a_and_e", BELOW_PLAN, 0.0, "plan, whatever happens"),
    ("blended", "elective", BELOW_PLAN, 1.0, "national tariff"),
    ("blended", "outpatient", ABOVE_PLAN, 1.0, "national tariff"),
    ("blended", "non_elective", ABOVE_PLAN, BLENDED, "20% above plan"),
    ("blended", "non_elective", BELOW_PLAN, BLENDED, "20% refunded below plan"),
    ("blended", "a_and_e", BELOW_PLAN, BLENDED, "20% refunded below plan"),
    ("api_2022", "elective", ABOVE_PLAN, API_2022, "75% above plan"),
    ("api_2022", "elective", BELOW_PLAN, 0.0, "no clawback below plan"),
    ("api_2022", "outpatient", BELOW_PLAN, 0.0, "fixed element"),
    ("api_2022", "non_elective", ABOVE_PLAN, 0.0, "fixed element"),
    ("api_2022", "a_and_e", ABOVE_PLAN, 0.0, "fixed element"),
    ("api_2023", "elective", ABOVE_PLAN, ELECTIVE, "100% of unit price"),
    ("api_2023", "elective", BELOW_PLAN, ELECTIVE, "100% taken back"),
    ("api_2023", "outpatient", ABOVE_PLAN, 1 - FOLLOW_UPS, "1 - 0.5 follow-ups = 0.5"),
    ("api_2023", "outpatient", BELOW_PLAN, 1 - FOLLOW_UPS, "1 - 0.5 follow-ups = 0.5"),
    ("api_2023", "non_elective", ABOVE_PLAN, 0.0, "fixed element"),
    ("api_2023", "a_and_e", BELOW_PLAN, 0.0, "fixed element"),
    ("nhsps_2026", "elective", ABOVE_PLAN, 0.0, "capped at the contracted plan"),
    ("nhsps_2026", "elective", BELOW_PLAN, ELECTIVE, "100% taken back below plan"),
    ("nhsps_2026", "outpatient", ABOVE_PLAN, 0.0, "capped at plan"),
    ("nhsps_2026", "outpatient", BELOW_PLAN, (1 - FOLLOW_UPS) * ELECTIVE, "0.5 x 1.0 = 0.5"),
    ("nhsps_2026", "non_elective", ABOVE_PLAN, BLENDED, "UEC blended, 20%"),
    ("nhsps_2026", "a_and_e", BELOW_PLAN, BLENDED, "UEC blended, 20%"),
    ("nhsps_2026", "community", ABOVE_PLAN, 0.0, "block"),
]


def marginal_share(preset: str, service: str, where: tuple[float, float]) -> float:
    rule = Scenario.preset(preset).rules_by_service()[service]
    before, after = (float(rule.payment(np.array(PLAN), np.array(a), np.array(PRICE)))
                     for a in where)
    return (after - before) / (where[1] - where[0]) / PRICE


@pytest.mark.parametrize(("preset", "service", "where", "share", "why"), TABLE,
                         ids=[f"{p}-{s}-{w[0]:g}to{w[1]:g}" for p, s, w, _, _ in TABLE])
def test_each_preset_pays_its_marginal_rate_per_unit(preset, service, where, share, why):
    assert marginal_share(preset, service, where) == pytest.approx(share, abs=1e-12), why


def test_the_table_covers_every_preset_and_every_acute_service():
    for preset in PRESETS:
        covered = {s for p, s, _, _, _ in TABLE if p == preset}
        assert {"elective", "non_elective", "outpatient", "a_and_e"} <= covered, preset


def test_mret_by_hand_on_one_line():
    # 110 units against a baseline of 0.94 x 100 = 94: 94 x 1,000 + 0.7 x 16 x 1,000 = 105,200.
    rule = Scenario.preset("pbr_mret").rules_by_service()["non_elective"]
    assert rule == MarginalRate(baseline_share=0.94, rate_above_baseline=0.7)
    assert float(rule.payment(np.array(PLAN), np.array(110.0), np.array(PRICE))) == \
        pytest.approx(94_000 + 0.7 * 16 * 1_000)
    # On plan: 94,000 + 0.7 x 6 x 1,000 = 98,200, so MRET keeps back 1,800 even on plan.
    assert float(rule.payment(np.array(PLAN), np.array(PLAN), np.array(PRICE))) == \
        pytest.approx(98_200)
    # 80 units, all below the baseline: full price, 80,000 (nothing refunded at a rate).
    assert float(rule.payment(np.array(PLAN), np.array(80.0), np.array(PRICE))) == \
        pytest.approx(80_000)


def test_the_mret_settings_reach_the_rule():
    rule = Scenario.preset("pbr_mret", mret_baseline_share=1.0,
                           mret_rate_above_baseline=0.3).rules_by_service()["non_elective"]
    # 2010/11-2014/15: 30% above the baseline; baseline at plan here: 100,000 + 0.3 x 10,000.
    assert float(rule.payment(np.array(PLAN), np.array(110.0), np.array(PRICE))) == \
        pytest.approx(103_000)


def test_mret_in_the_engine_on_the_bundled_system(bundled_system):
    # Emergency lines at plan: MRET pays 0.94 + 0.7 x 0.06 = 0.982 of their planned value;
    # every other line pays as payment by results.
    pure = cs.run_year(bundled_system, Scenario.preset("payment_by_results")).lines
    mret = cs.run_year(bundled_system, Scenario.preset("pbr_mret")).lines
    emergency = (pure.service == "non_elective").to_numpy()
    ratio = mret.payment_gbp_m.to_numpy() / pure.payment_gbp_m.to_numpy()
    assert ratio[emergency] == pytest.approx(0.94 + 0.7 * 0.06)
    assert ratio[~emergency & (pure.payment_gbp_m.to_numpy() > 0)] == pytest.approx(1.0)


# --------------------------------------------------------------------------- labels and sets


def test_every_label_says_its_years_or_that_it_is_a_teaching_extreme():
    for name, info in PRESET_INFO.items():
        assert info.name == name and info.label == PRESET_LABELS[name]
        assert "teaching extreme" in info.label or any(ch.isdigit() for ch in info.label), name
    assert "consult" in PRESET_LABELS["nhsps_2026"]


def test_the_bradford_years_rules_are_presets_of_that_era():
    assert set(BRADFORD_PRESETS) <= set(PRESETS)
    assert {PRESET_INFO[p].era for p in BRADFORD_PRESETS} == {"bradford"}
    assert [p for p in PRESETS if PRESET_INFO[p].era == "bradford"] == list(BRADFORD_PRESETS)


def test_preset_phrase_lowers_only_a_first_word_that_is_not_an_acronym():
    assert preset_phrase("fixed_income").startswith("fixed income (Bradford")
    assert preset_phrase("pbr_mret").endswith("MRET (2016/17-2018/19)")
    assert preset_phrase("nhsps_2026").startswith("NHS Payment Scheme")


# --------------------------------------------------------------------------- old names


def test_the_old_aligned_payment_name_is_an_alias_for_api_2023():
    assert Scenario.preset("aligned_payment_and_incentive").payment == "api_2023"
    assert Scenario(payment="aligned_payment_and_incentive") == Scenario.preset("api_2023")
    old = json.loads(Scenario.preset("api_2023").to_json())
    old["payment"] = "aligned_payment_and_incentive"
    assert Scenario.from_dict(old).payment == "api_2023"


def test_an_old_scenario_file_with_the_old_name_still_loads():
    # Saved by the kit before the presets had years (commit be79678), checksum and all.
    saved = load_saved(OLD / "aligned_payment_and_incentive.json")
    assert saved.team == "Table 2"
    assert saved.scenario.payment == "api_2023"
    assert saved.scenario.elective_variable_rate == 0.75
    assert saved.scenario.demand_shock == 0.03 and saved.scenario.seed == 7


# Codes made by the kit at commit be79678, before the presets had years.
OLD_CODES = {
    "BK1-q4aoxEj1xrhTJNDjpsjJhUACgIaDea0OknsQDjBSqgUA-a7543e54":
        ("Table 2", "api_2023", {"elective_variable_rate": 0.75, "demand_shock": 0.03, "seed": 7}),
    "BK1-q4aoREQ-1tjG9CbYb8ZY3Verg2QxwiZTpVoA-f14e695a":
        ("Table 5", "payment_by_results", {"risk_share": 0.5, "system_linkage": 1.0, "seed": 3}),
}


@pytest.mark.parametrize("code", sorted(OLD_CODES))
def test_old_codes_still_load(code):
    team, payment, values = OLD_CODES[code]
    saved = decode_code(code)
    assert saved.team == team and saved.scenario.payment == payment
    for name, value in values.items():
        assert getattr(saved.scenario, name) == value, name
    # And it travels on: a new code of it decodes to the same scenario.
    assert decode_code(scenario_code(saved.scenario, team=team)).scenario == saved.scenario


def test_an_old_custom_mapping_code_still_loads():
    code = "BK1-q4aohEd-NSIegGws-dIcaDiWDAl0FTSeYSmjFi0erXClhFqgSkhYGRoCmQhHI1xpplQLAA-c61d4499"
    rules = decode_code(code).scenario.rules_by_service()
    assert rules["elective"] == cs.Scenario(payment={"elective": {
        "rule": "blended", "rate_above_plan": 0.75, "rate_below_plan": 0.0}}).rules_by_service()["elective"]
    assert rules["non_elective"] == cs.Scenario.preset("payment_by_results").rules_by_service()["elective"]


def test_an_unknown_name_is_refused_naming_the_presets():
    with pytest.raises(cs.ScenarioError, match="pbr_mret"):
        Scenario(payment="payment_by_result")
