"""The learner's knobs: presets, ranges, JSON, payment mappings, immutability, wording."""

from __future__ import annotations

import dataclasses
import json
import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import rule_specs

from casestudy import PRESETS, Scenario, ScenarioError, field_info
from casestudy.contracts import ActivityBased, Blended, CapAndCollar, FixedIncome
from casestudy.schema import SERVICES

NUMERIC = [f for f in dataclasses.fields(Scenario) if "min" in f.metadata]
NON_NUMERIC = {"payment", "schemes", "rebase_fixed_income"}


def is_whole(f: dataclasses.Field) -> bool:
    return isinstance(f.default, int) and not isinstance(f.default, bool)


def numbers_in(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e[+-]?\d+)?", text)]


def test_every_field_carries_label_unit_help_and_source():
    assert {f.name for f in dataclasses.fields(Scenario)} == {f.name for f in NUMERIC} | NON_NUMERIC
    for f in dataclasses.fields(Scenario):
        for key in ("label", "unit", "help", "source", "group"):
            assert key in f.metadata, (f.name, key)
        assert f.metadata["label"] and f.metadata["help"], f.name
    for f in NUMERIC:
        assert f.metadata["min"] <= f.default <= f.metadata["max"], f.name


def test_field_info_reads_the_metadata():
    info = field_info("risk_share")
    assert info["name"] == "risk_share"
    assert (info["min"], info["max"], info["default"]) == (0, 1, 0.0)
    assert info["label"] == "Risk share"
    with pytest.raises(KeyError):
        field_info("no_such_field")


def test_the_design_names_exist():
    names = {f.name for f in dataclasses.fields(Scenario)}
    assert {"payment", "demand_shock", "flex", "risk_share", "system_linkage", "schemes",
            "seed"} <= names


# --------------------------------------------------------------------------- ranges


def _bad_values(f: dataclasses.Field):
    low, high = f.metadata["min"], f.metadata["max"]
    if is_whole(f):
        below, above = low - 1, high + 1
    else:
        step = 1e-9 * max(1.0, high - low)
        below, above = low - step, high + step
    yield pytest.param(f, below, "outside", id=f"{f.name}-below")
    yield pytest.param(f, above, "outside", id=f"{f.name}-above")
    yield pytest.param(f, "0.5", "not", id=f"{f.name}-text")
    yield pytest.param(f, float("nan"), "not", id=f"{f.name}-nan")
    yield pytest.param(f, None, "not", id=f"{f.name}-none")


@pytest.mark.parametrize(("f", "value", "words"),
                         [p for f in NUMERIC for p in _bad_values(f)])
def test_each_numeric_field_refuses_values_outside_its_range(f, value, words):
    with pytest.raises(ScenarioError) as caught:
        Scenario(**{f.name: value})
    message = str(caught.value)
    assert message.startswith(f.name), message
    assert words in message
    shown = "nan" if isinstance(value, float) and math.isnan(value) else repr(value)
    assert shown in message, message
    # The allowed range, with its exact bounds (a rounded bound would mislead the reader).
    found = numbers_in(message.split("range", 1)[1])
    assert float(f.metadata["min"]) in found, message
    assert float(f.metadata["max"]) in found, message


@pytest.mark.parametrize("f", NUMERIC, ids=lambda f: f.name)
def test_each_numeric_field_accepts_both_ends_of_its_range(f):
    for value in (f.metadata["min"], f.metadata["max"]):
        assert getattr(Scenario(**{f.name: value}), f.name) == value


@pytest.mark.parametrize("name", [f.name for f in NUMERIC if is_whole(f)])
def test_whole_number_fields_refuse_fractions_and_booleans(name):
    with pytest.raises(ScenarioError, match=f"{name} = 2.5 is not a whole number"):
        Scenario(**{name: 2.5})
    with pytest.raises(ScenarioError, match=name):
        Scenario(**{name: True})


@pytest.mark.parametrize("name", [f.name for f in NUMERIC if is_whole(f)])
def test_whole_number_fields_accept_a_whole_float(name):
    # JSON written by other tools may say 3.0 for 3.
    assert getattr(Scenario(**{name: 3.0}), name) == 3


def test_infinity_is_refused():
    with pytest.raises(ScenarioError, match="demand_shock = inf"):
        Scenario(demand_shock=float("inf"))


@pytest.mark.parametrize(("changes", "words"), [
    ({"schemes": "frailty"}, "schemes = 'frailty' must be a list"),
    ({"schemes": ["frailty", "frailty"]}, "names a scheme twice"),
    ({"schemes": [1, 2]}, "must hold scheme ids"),
    ({"rebase_fixed_income": "yes"}, "rebase_fixed_income = 'yes' must be true or false"),
    ({"payment": "tariff"}, "payment = 'tariff' is not one of"),
    ({"payment": {}}, "must be a preset name or a mapping"),
    ({"payment": 3}, "must be a preset name or a mapping"),
    ({"payment": {"dentistry": "fixed_income"}}, "'dentistry' is not a service"),
    ({"payment": {"elective": "tariff"}}, r"payment\['elective'\] = .*'tariff'.* is not a payment rule"),
    ({"payment": {"elective": {"rule": "blended", "rate_above_plan": 1.5}}},
     "rate_above_plan = 1.5 is outside"),
    ({"blended_rate_above_plan": 1.2}, "blended_rate_above_plan = 1.2"),
])
def test_malformed_knobs_are_refused_with_a_message_naming_them(changes, words):
    with pytest.raises(ScenarioError, match=words):
        Scenario(**changes)


def test_scenario_errors_are_value_errors():
    with pytest.raises(ValueError):
        Scenario(flex=2)


# --------------------------------------------------------------------------- presets and rules

FIXED, ACTIVITY = FixedIncome(), ActivityBased()


def test_fixed_income_preset_blocks_every_nhs_service():
    rules = Scenario.preset("fixed_income").rules_by_service()
    assert set(rules) == set(SERVICES)
    for service in SERVICES:
        # Social care packages are spot-purchased by councils under every NHS preset.
        assert rules[service] == (ACTIVITY if service == "social_care" else FIXED), service


def test_payment_by_results_preset_pays_acute_services_by_activity():
    rules = Scenario.preset("payment_by_results").rules_by_service()
    for service in ("elective", "non_elective", "outpatient", "a_and_e", "social_care"):
        assert rules[service] == ACTIVITY, service
    for service in ("community", "mental_health", "voluntary_support"):
        assert rules[service] == FIXED, service


def test_blended_preset_blends_emergency_care_with_the_scenario_rates():
    rules = Scenario.preset("blended").rules_by_service()
    for service in ("non_elective", "a_and_e"):
        assert rules[service] == Blended(rate_above_plan=0.2, rate_below_plan=0.2)
    assert rules["elective"] == ACTIVITY and rules["outpatient"] == ACTIVITY
    assert rules["community"] == FIXED
    changed = Scenario.preset("blended", blended_rate_above_plan=0.7, blended_rate_below_plan=0.3)
    assert changed.rules_by_service()["a_and_e"] == Blended(rate_above_plan=0.7, rate_below_plan=0.3)


def test_aligned_payment_and_incentive_has_a_variable_elective_element():
    rules = Scenario.preset("api_2023", elective_variable_rate=0.75,
                            outpatient_follow_up_share=0.6).rules_by_service()
    assert rules["elective"] == Blended(rate_above_plan=0.75, rate_below_plan=0.75)
    # Follow-ups (0.6 of outpatient value) in the fixed element; the other 0.4 at unit prices.
    assert rules["outpatient"] == Blended(rate_above_plan=0.4, rate_below_plan=0.4)
    for service in ("non_elective", "a_and_e", "community", "mental_health"):
        assert rules[service] == FIXED, service
    # 2022/23: 75% above plan, nothing back below, whatever the elective variable rate says.
    rules = Scenario.preset("api_2022", elective_variable_rate=0.3).rules_by_service()
    assert rules["elective"] == Blended(rate_above_plan=0.75, rate_below_plan=0.0)
    for service in ("non_elective", "outpatient", "a_and_e", "community"):
        assert rules[service] == FIXED, service


@pytest.mark.parametrize("name", PRESETS)
def test_presets_build_and_label_themselves(name):
    scenario = Scenario.preset(name, risk_share=0.5)
    assert scenario.payment == name and scenario.risk_share == 0.5
    assert scenario.payment_label and not scenario.payment_label.startswith("Custom")


def test_an_unknown_preset_is_refused():
    with pytest.raises(ScenarioError, match="preset = 'tariff' is not one of"):
        Scenario.preset("tariff")


def test_a_payment_mapping_sets_one_rule_per_service_and_leaves_the_rest_at_defaults():
    scenario = Scenario(payment={
        "elective": {"rule": "activity_based"},
        "non_elective": "blended",
        "a_and_e": CapAndCollar(floor=0.9, cap=1.1),
        "community": {"rule": "blended", "rate_above_plan": 0.5, "rate_below_plan": 0.1},
    })
    rules = scenario.rules_by_service()
    assert rules["elective"] == ACTIVITY
    assert rules["non_elective"] == Blended()
    assert rules["a_and_e"] == CapAndCollar(floor=0.9, cap=1.1)
    assert rules["community"] == Blended(rate_above_plan=0.5, rate_below_plan=0.1)
    assert rules["outpatient"] == FIXED and rules["social_care"] == ACTIVITY
    assert scenario.payment_label.startswith("Custom")
    # Stored as plain data, so it travels as JSON.
    assert scenario.payment["a_and_e"] == {"rule": "cap_and_collar", "floor": 0.9, "cap": 1.1}


# --------------------------------------------------------------------------- frozen


def test_scenario_is_frozen_and_keyword_only():
    scenario = Scenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.risk_share = 0.5  # type: ignore[misc]
    with pytest.raises(TypeError):
        Scenario("fixed_income")  # type: ignore[misc]


def test_a_payment_mapping_cannot_be_changed_in_place():
    scenario = Scenario(payment={"elective": "activity_based"})
    with pytest.raises(TypeError):
        scenario.payment["elective"] = {"rule": "fixed_income"}  # type: ignore[index]
    with pytest.raises(TypeError):
        scenario.payment.update(elective={"rule": "fixed_income"})  # type: ignore[union-attr]
    # Hashable, so scenarios can key a cache; equal scenarios hash alike.
    assert hash(scenario) == hash(Scenario(payment={"elective": {"rule": "activity_based"}}))


def test_replace_validates_too():
    with pytest.raises(ScenarioError, match="flex"):
        dataclasses.replace(Scenario(), flex=-1)


# --------------------------------------------------------------------------- JSON


@st.composite
def scenarios(draw):
    changes = {}
    for f in NUMERIC:
        low, high = f.metadata["min"], f.metadata["max"]
        if draw(st.booleans()):
            changes[f.name] = (draw(st.integers(low, high)) if is_whole(f)
                               else draw(st.floats(low, high, allow_nan=False)))
    payment = draw(st.one_of(st.sampled_from(PRESETS),
                             st.dictionaries(st.sampled_from(SERVICES), rule_specs(), min_size=1)))
    schemes = draw(st.lists(st.sampled_from(["frailty", "falls", "home_first", "mh_crisis"]),
                            unique=True, max_size=4))
    return Scenario(payment=payment, schemes=tuple(schemes),
                    rebase_fixed_income=draw(st.booleans()), **changes)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_json_round_trip(scenario):
    text = scenario.to_json()
    json.loads(text)  # plain JSON
    back = Scenario.from_json(text)
    assert back == scenario
    assert back.rules_by_service() == scenario.rules_by_service()
    assert back.to_json() == text


@pytest.mark.parametrize(("text", "words"), [
    ("{", "not valid JSON"),
    ("", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("null", "must be a JSON object"),
    ('"fixed_income"', "must be a JSON object"),
    ('{"risk_shares": 0.5}', "unknown scenario field.*risk_shares"),
    ('{"risk_share": "0.5"}', "risk_share = '0.5' is not a number"),
    ('{"risk_share": 5}', "risk_share = 5 is outside"),
    ('{"payment": {"elective": {"rule": "fixed_income", "floor": 1}}}', "no setting"),
])
def test_malformed_json_is_refused(text, words):
    with pytest.raises(ScenarioError, match=words):
        Scenario.from_json(text)


def test_from_json_refuses_something_that_is_not_text():
    with pytest.raises(ScenarioError, match=r"must be text \(JSON\), not NoneType"):
        Scenario.from_json(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- for people


def test_changes_from_says_what_differs_in_words():
    base = Scenario.preset("fixed_income")
    assert dataclasses.replace(base, risk_share=0.5).changes_from(base) == [
        "Risk share 50% instead of 0%"]
    assert base.changes_from(base) == []
    other = Scenario.preset("payment_by_results", schemes=("frailty", "falls"), years=3)
    assert other.changes_from(base) == [
        ("Payment rule Pure payment by results (a teaching extreme) instead of "
         "Fixed income (Bradford, to 2019/20)"),
        "Shared schemes frailty, falls instead of none",
        "Years 3 instead of 5",
    ]
    custom = Scenario(payment={"elective": "activity_based"})
    assert custom.changes_from(base) == [
        "Payment rule custom rules instead of Fixed income (Bradford, to 2019/20)"]
    named = other.changes_from(base, {"frailty": "Integrated frailty service"})
    assert named[1] == "Shared schemes Integrated frailty service, falls instead of none"


@pytest.mark.parametrize("payment", PRESETS)
def test_the_rates_a_rule_ignores_change_nothing_and_the_ones_it_reads_do(bundled_system, payment):
    from casestudy import run_year
    from casestudy.scenario import ALL_RATES

    # Demand off plan both ways, so a rate applied above or below plan has something to act on.
    for name in ALL_RATES:
        moves = []
        for shock in (0.1, -0.1):
            base = Scenario.preset(payment, demand_shock=shock)
            position = run_year(bundled_system, base).organisations.position_gbp_m
            info = field_info(name)
            other = info["min"] if getattr(base, name) > (info["min"] + info["max"]) / 2 else info["max"]
            moved = dataclasses.replace(base, **{name: other})
            moves.append((run_year(bundled_system, moved).organisations.position_gbp_m
                          - position).abs().max())
        if name in Scenario.preset(payment).unused_rates():
            assert max(moves) == 0, name
        else:
            assert max(moves) > 0.01, name
