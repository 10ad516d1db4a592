"""Payment rules against hand calculations, their shapes, their equivalences and their checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from casestudy import ScenarioError
from casestudy.contracts import (
    RULES,
    ActivityBased,
    Blended,
    CapAndCollar,
    FixedIncome,
    rule_from_dict,
    rule_to_dict,
)

# One service line: plan 100 units at £1,000, so planned income is £100,000.
PLAN, PRICE = 100.0, 1_000.0
BELOW, ON, ABOVE = 90.0, 100.0, 110.0


def pay(rule, actual: float) -> float:
    return float(rule.payment(np.array(PLAN), np.array(actual), np.array(PRICE)))


# --------------------------------------------------------------------------- hand calculations


@pytest.mark.parametrize(("actual", "expected"), [
    (BELOW, 90 * 1_000), (ON, 100 * 1_000), (ABOVE, 110 * 1_000), (0.0, 0.0),
])
def test_activity_based_pays_price_times_actual(actual, expected):
    assert pay(ActivityBased(), actual) == pytest.approx(expected)


@pytest.mark.parametrize("actual", [BELOW, ON, ABOVE, 0.0, 1e6])
def test_fixed_income_pays_price_times_plan_whatever_happens(actual):
    assert pay(FixedIncome(), actual) == pytest.approx(100 * 1_000)


@pytest.mark.parametrize(("actual", "expected"), [
    # above plan: 100,000 + 0.7 x 1,000 x (110 - 100) = 107,000
    (ABOVE, 100_000 + 0.7 * 1_000 * 10),
    # on plan: the fixed part only
    (ON, 100_000),
    # below plan: 100,000 + 0.3 x 1,000 x (90 - 100) = 97,000
    (BELOW, 100_000 - 0.3 * 1_000 * 10),
])
def test_blended_uses_its_own_rate_above_and_below_plan(actual, expected):
    rule = Blended(rate_above_plan=0.7, rate_below_plan=0.3)
    assert pay(rule, actual) == pytest.approx(expected)


def test_blended_2019_20_emergency_payment_is_20_percent_both_ways():
    rule = Blended(rate_above_plan=0.2, rate_below_plan=0.2)
    assert pay(rule, ABOVE) == pytest.approx(100_000 + 0.2 * 10_000)  # 102,000
    assert pay(rule, BELOW) == pytest.approx(100_000 - 0.2 * 10_000)  # 98,000


@pytest.mark.parametrize(("actual", "expected"), [
    (50.0, 0.98 * 100_000),  # collar: activity-based 50,000 lifted to the floor 98,000
    (99.0, 99_000),  # inside the band: activity-based
    (ON, 100_000),
    (101.5, 101_500),
    (150.0, 1.02 * 100_000),  # cap: 150,000 cut to 102,000
])
def test_cap_and_collar_keeps_activity_income_between_floor_and_cap(actual, expected):
    assert pay(CapAndCollar(floor=0.98, cap=1.02), actual) == pytest.approx(expected)


def test_cap_and_collar_at_exactly_the_floor_and_the_cap():
    rule = CapAndCollar(floor=0.9, cap=1.1)
    assert pay(rule, 90.0) == pytest.approx(90_000)
    assert pay(rule, 110.0) == pytest.approx(110_000)


# --------------------------------------------------------------------------- shapes

ALL_RULES = [ActivityBased(), FixedIncome(), Blended(rate_above_plan=0.7, rate_below_plan=0.3),
             CapAndCollar(floor=0.95, cap=1.05)]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: type(r).__name__)
@pytest.mark.parametrize("wide", ["planned", "actual", "unit_price", "all"])
def test_rules_broadcast_draws_by_lines_with_lines(rule, wide):
    """A [d, l] argument broadcasts with [l] ones; each cell equals the scalar calculation."""
    draws, lines = 3, 4
    rng = np.random.default_rng(1)
    planned = rng.uniform(50, 150, lines)
    actual = rng.uniform(50, 150, lines)
    price = rng.uniform(100, 3000, lines)
    wide_values = rng.uniform(50, 150, (draws, lines))
    args = {"planned": planned, "actual": actual, "unit_price": price}
    if wide == "all":
        args = {k: np.broadcast_to(v, (draws, lines)) * rng.uniform(0.9, 1.1, (draws, lines))
                for k, v in args.items()}
    else:
        args[wide] = wide_values * (20 if wide == "unit_price" else 1)
    out = rule.payment(args["planned"], args["actual"], args["unit_price"])
    assert out.shape == (draws, lines)
    full = {k: np.broadcast_to(v, (draws, lines)) for k, v in args.items()}
    for d in range(draws):
        for line in range(lines):
            one = rule.payment(np.array(full["planned"][d, line]), np.array(full["actual"][d, line]),
                               np.array(full["unit_price"][d, line]))
            assert out[d, line] == pytest.approx(float(one))


# --------------------------------------------------------------------------- equivalences

finite = st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
prices = st.floats(0, 1e5, allow_nan=False, allow_infinity=False)


@st.composite
def line_arrays(draw):
    """planned [l], actual [d, l], price [l]: the shapes the engine passes."""
    lines = draw(st.integers(1, 6))
    draws = draw(st.integers(1, 4))
    planned = draw(hnp.arrays(float, lines, elements=finite))
    actual = draw(hnp.arrays(float, (draws, lines), elements=finite))
    price = draw(hnp.arrays(float, lines, elements=prices))
    return planned, actual, price


@settings(max_examples=150, deadline=None)
@given(line_arrays())
def test_activity_based_is_blended_one_one(arrays):
    planned, actual, price = arrays
    activity = ActivityBased().payment(planned, actual, price)
    blended = Blended(rate_above_plan=1, rate_below_plan=1).payment(planned, actual, price)
    # Blended computes plan + (actual - plan): rounding is relative to the larger of the two.
    scale = price * np.maximum(planned, actual)
    assert np.all(np.abs(activity - blended) <= 1e-12 * scale + 1e-12)


@settings(max_examples=150, deadline=None)
@given(line_arrays())
def test_fixed_income_is_blended_zero_zero(arrays):
    planned, actual, price = arrays
    np.testing.assert_allclose(
        FixedIncome().payment(planned, actual, price),
        Blended(rate_above_plan=0, rate_below_plan=0).payment(planned, actual, price),
        rtol=1e-12, atol=1e-9,
    )


@settings(max_examples=100, deadline=None)
@given(line_arrays(), st.floats(0, 1), st.floats(1, 2))
def test_cap_and_collar_stays_in_its_band_and_is_activity_based_inside_it(arrays, floor, cap):
    planned, actual, price = arrays
    out = CapAndCollar(floor=floor, cap=cap).payment(planned, actual, price)
    planned_income, activity_income = price * planned, price * actual
    assert np.all(out >= floor * planned_income - 1e-6)
    assert np.all(out <= cap * planned_income + 1e-6)
    inside = (activity_income >= floor * planned_income) & (activity_income <= cap * planned_income)
    np.testing.assert_allclose(out[inside], activity_income[inside])


@settings(max_examples=100, deadline=None)
@given(line_arrays(), st.floats(0, 1), st.floats(0, 1))
# Found by Hypothesis: plan + rate x (actual - plan) lost ~1e-6 to cancellation at rate 1.
@example(arrays=(np.array([524289.0, 0.0]), np.array([[9.712006e-06, 0.0]]),
                 np.array([19890.0, 0.0])), above=0.0, below=1.0)
def test_blended_lies_between_fixed_and_activity_based(arrays, above, below):
    planned, actual, price = arrays
    out = Blended(rate_above_plan=above, rate_below_plan=below).payment(planned, actual, price)
    fixed = FixedIncome().payment(planned, actual, price)
    activity = ActivityBased().payment(planned, actual, price)
    low, high = np.minimum(fixed, activity), np.maximum(fixed, activity)
    assert np.all(out >= low - 1e-6 * (1 + np.abs(low)))
    assert np.all(out <= high + 1e-6 * (1 + np.abs(high)))


# --------------------------------------------------------------------------- bad settings


@pytest.mark.parametrize(("make", "field", "value"), [
    (lambda v: Blended(rate_above_plan=v), "rate_above_plan", 1.5),
    (lambda v: Blended(rate_above_plan=v), "rate_above_plan", -0.1),
    (lambda v: Blended(rate_below_plan=v), "rate_below_plan", 2.0),
    (lambda v: Blended(rate_below_plan=v), "rate_below_plan", float("nan")),
    (lambda v: Blended(rate_below_plan=v), "rate_below_plan", "0.2"),
    (lambda v: Blended(rate_above_plan=v), "rate_above_plan", True),
    (lambda v: CapAndCollar(floor=v), "floor", 1.1),
    (lambda v: CapAndCollar(floor=v), "floor", -0.5),
    (lambda v: CapAndCollar(cap=v), "cap", 0.9),
    (lambda v: CapAndCollar(cap=v), "cap", 2.5),
])
def test_bad_rates_raise_scenario_error_naming_the_field(make, field, value):
    with pytest.raises(ScenarioError) as caught:
        make(value)
    message = str(caught.value)
    assert field in message
    assert repr(value) in message


def test_rules_are_frozen():
    rule = Blended(rate_above_plan=0.2, rate_below_plan=0.2)
    with pytest.raises(AttributeError):
        rule.rate_above_plan = 0.5  # type: ignore[misc]


# --------------------------------------------------------------------------- JSON dicts


@pytest.mark.parametrize("rule", [
    ActivityBased(), FixedIncome(), Blended(rate_above_plan=0.7, rate_below_plan=0.3),
    Blended(rate_above_plan=0.0, rate_below_plan=1.0), CapAndCollar(floor=0.98, cap=1.02),
    CapAndCollar(floor=0.5, cap=2.0),
], ids=lambda r: repr(r))
def test_every_rule_round_trips_through_a_json_dict(rule):
    data = json.loads(json.dumps(rule_to_dict(rule)))
    assert data["rule"] in RULES
    back = rule_from_dict(data)
    assert back == rule
    assert type(back) is type(rule)


def test_a_bare_rule_name_gives_its_defaults():
    assert rule_from_dict("blended") == Blended()
    assert rule_from_dict("cap_and_collar") == CapAndCollar()
    assert rule_from_dict(FixedIncome()) == FixedIncome()


@pytest.mark.parametrize(("data", "words"), [
    ({"rule": "tariff"}, "not a payment rule"),
    ("tariff", "not a payment rule"),
    (42, "not a payment rule"),
    ({"rule": "fixed_income", "rate_above_plan": 0.2}, "rate_above_plan"),
    ({"rule": "blended", "rate": 0.2}, "rate"),
    ({"rule": "blended", "rate_above_plan": 3}, "rate_above_plan"),
])
def test_malformed_rule_dicts_are_refused(data, words):
    with pytest.raises(ScenarioError, match=words):
        rule_from_dict(data, where="payment['elective']")
