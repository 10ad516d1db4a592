"""Then and now, the model: each organisation's position under each payment preset against
fixed income (``change_by_preset``), worked by hand from the data, and the invariants behind
it; the line-by-line payments (``payments_by_preset``); the sourced facts and the era notes
(``casestudy.regimes``)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from casestudy import Scenario, ScenarioError, load_system, run_year
from casestudy.projection import (
    CHANGE_COLUMNS,
    SYSTEM_ID,
    change_by_preset,
    payments_by_preset,
    services_whose_rule_differs,
)
from casestudy.regimes import THEN_AND_NOW, TIMELINE, ccg_commissioners, era_note
from casestudy.scenario import (
    API_2022_ELECTIVE_RATE_ABOVE_PLAN,
    PRESET_INFO,
    PRESETS,
)

ROOT = Path(__file__).resolve().parents[1]
SHOCK = 0.03


@pytest.fixture(scope="module")
def changes(bundled_system):
    """Every preset, five years, demand 3% above plan, and 3% below."""
    up = change_by_preset(bundled_system, Scenario(demand_shock=SHOCK))
    down = change_by_preset(bundled_system, Scenario(demand_shock=-SHOCK))
    return up, down


def value(frame: pd.DataFrame, preset: str, year: int, org: str, column: str = "change_gbp_m"):
    row = frame[(frame.payment == preset) & (frame.year == year) & (frame.org_id == org)]
    assert len(row) == 1
    return float(row[column].iloc[0])


def planned_value_gbp_m(system, provider: str, service: str, year: int, s: Scenario) -> float:
    """A provider's planned activity on one service, at year ``year``'s prices (£m): each
    line's last-year activity grown by its demand growth ``year`` times, at its price moved
    by (price uplift - efficiency factor) ``year`` times."""
    lines = system.service_lines
    mine = lines[(lines.provider_id == provider) & (lines.service == service)]
    price_step = 1 + s.price_uplift - s.efficiency_factor
    return float(sum(row.planned_activity * (1 + row.demand_growth) ** year
                     * row.unit_price_gbp * price_step ** year
                     for row in mine.itertuples()) / 1e6)


# --------------------------------------------------------------------------- hand figures


def test_the_largest_trust_under_api_2023_in_year_1_by_hand(bundled_system, changes):
    """Aligned payment and incentive from 2023/24 against fixed income, demand 3% above plan:
    every elective unit off plan at the elective variable rate (100%) of price, and the
    outpatient work that is not follow-ups (1 - 0.5 of value) at its price."""
    s = Scenario(demand_shock=SHOCK)
    elective = planned_value_gbp_m(bundled_system, "bthft", "elective", 1, s)
    outpatient = planned_value_gbp_m(bundled_system, "bthft", "outpatient", 1, s)
    # 37,000 electives x 1.03 = 38,110 at £1,900 x 1.027 = £1,951.30: £74.36m; 3% is £2.231m.
    assert elective == pytest.approx(37_000 * 1.03 * 1_900 * 1.027 / 1e6)
    expected = (SHOCK * elective * s.elective_variable_rate
                + SHOCK * outpatient * (1 - s.outpatient_follow_up_share))
    assert expected == pytest.approx(2.2310 + 1.0662, abs=1e-3)
    up, _ = changes
    assert value(up, "api_2023", 1, "bthft") == pytest.approx(expected, rel=1e-9)
    # Its commissioners pay it: Bradford Districts for its share of the lines.
    districts = (SHOCK * 30_000 * 1.03 * 1_900 * 1.027
                 + SHOCK * 380_000 * 1.03 * 140 * 1.027 * 0.5) / 1e6
    assert value(up, "api_2023", 1, "bd_ccg") == pytest.approx(-districts, rel=1e-9)


def test_api_2022_pays_75_percent_above_plan_and_takes_nothing_back_below(bundled_system,
                                                                          changes):
    up, down = changes
    s = Scenario(demand_shock=SHOCK)
    for year in (1, 5):
        elective = planned_value_gbp_m(bundled_system, "bthft", "elective", year, s)
        # Above plan: 75% of price for each elective above plan, the rest at plan.
        assert value(up, "api_2022", year, "bthft") == pytest.approx(
            API_2022_ELECTIVE_RATE_ABOVE_PLAN * SHOCK * elective, rel=1e-9)
        # Below plan: nothing taken back, so every organisation as under fixed income.
        orgs = down[(down.payment == "api_2022") & (down.year == year)]
        np.testing.assert_allclose(orgs.change_gbp_m, 0.0, atol=1e-9)


def test_nhsps_2026_pays_nothing_above_plan_for_planned_care_and_20_percent_for_emergencies(
        bundled_system, changes):
    """Above plan: electives and outpatient work unpaid, emergency admissions and A&E at the
    blended 20%; below plan: electives at 100%, outpatients at 50% of price, emergencies 20%."""
    up, down = changes
    s = Scenario()
    emergency = sum(planned_value_gbp_m(bundled_system, "bthft", svc, 5, s)
                    for svc in ("non_elective", "a_and_e"))
    planned = (planned_value_gbp_m(bundled_system, "bthft", "elective", 5, s)
               + 0.5 * planned_value_gbp_m(bundled_system, "bthft", "outpatient", 5, s))
    assert value(up, "nhsps_2026", 5, "bthft") == pytest.approx(0.2 * SHOCK * emergency, rel=1e-9)
    assert value(down, "nhsps_2026", 5, "bthft") == pytest.approx(
        -SHOCK * (planned + 0.2 * emergency), rel=1e-9)


def test_year_by_year_the_same_share_of_a_growing_plan_at_growing_prices(bundled_system,
                                                                         changes):
    """Under pure payment by results the trust gains 3% of its whole acute plan at that
    year's prices; year 5 against year 1 is the growth of that plan (hand figure below)."""
    up, _ = changes
    s = Scenario()
    acute = ("elective", "non_elective", "outpatient", "a_and_e")
    for year in range(1, 6):
        plan = sum(planned_value_gbp_m(bundled_system, "bthft", svc, year, s) for svc in acute)
        assert value(up, "payment_by_results", year, "bthft") == pytest.approx(SHOCK * plan,
                                                                               rel=1e-9)
    # Electives and outpatients grow 3% a year, emergency admissions 3.2%, A&E 1.4%, prices
    # 2.7%: from year 1 to 5 the gain grows by about 1.03^4 x 1.027^4 = 1.25.
    ratio = value(up, "payment_by_results", 5, "bthft") / value(up, "payment_by_results", 1, "bthft")
    assert ratio == pytest.approx(1.25, abs=0.01)


def test_the_incentive_fund_swings_on_the_rule(bundled_system):
    """On plan, payment by results with MRET pays the largest trust 30% less for the 6% of
    its emergency admissions above the baseline: £2.78m less, which takes it below its
    control total, so it also loses its £11m fund (an all-or-nothing fund, as the kit models
    it)."""
    frame = change_by_preset(bundled_system, Scenario(), ["fixed_income", "pbr_mret"], years=1)
    s = Scenario()
    emergency = planned_value_gbp_m(bundled_system, "bthft", "non_elective", 1, s)
    lost = (1 - s.mret_rate_above_baseline) * (1 - s.mret_baseline_share) * emergency
    assert lost == pytest.approx(2.78, abs=0.01)
    assert value(frame, "pbr_mret", 1, "bthft") == pytest.approx(-lost, rel=1e-9)
    fund = bundled_system.organisations.loc["bthft", "incentive_fund_gbp_m"]
    assert value(frame, "pbr_mret", 1, "bthft", "fund_change_gbp_m") == pytest.approx(-fund)
    reported = (value(frame, "pbr_mret", 1, "bthft", "position_gbp_m")
                - value(frame, "fixed_income", 1, "bthft", "position_gbp_m"))
    assert reported == pytest.approx(-lost - fund, rel=1e-9)


# --------------------------------------------------------------------------- invariants


def test_the_difference_between_two_presets_is_the_payment_difference_on_the_lines_that_differ(
        bundled_system):
    """For every pair of presets, in year 1, an organisation's change is what it receives
    less what it pays on the contract lines, and only lines whose rule differs move."""
    s = Scenario(demand_shock=-0.04)
    frame = change_by_preset(bundled_system, s, years=1)
    lines = payments_by_preset(bundled_system, s)
    received = lines.groupby(["payment", "payee_id"]).change_gbp_m.sum()
    paid = lines.groupby(["payment", "payer_id"]).change_gbp_m.sum()
    for preset in PRESETS:
        for org in bundled_system.organisations.index:
            net = received.get((preset, org), 0.0) - paid.get((preset, org), 0.0)
            assert value(frame, preset, 1, org) == pytest.approx(net, abs=1e-9)
    for a, b in itertools.combinations(PRESETS, 2):
        differs = set(services_whose_rule_differs(s, [a, b]))
        moved = (lines[lines.payment == a].change_gbp_m.to_numpy()
                 - lines[lines.payment == b].change_gbp_m.to_numpy())
        services = lines[lines.payment == a].service.to_numpy()
        assert np.all(np.abs(moved[~np.isin(services, list(differs))]) < 1e-12), (a, b)
    # The lines themselves are run_year's flows.
    flows = run_year(bundled_system, dataclasses.replace(s, payment="blended")).flows
    mine = lines[lines.payment == "blended"]
    np.testing.assert_allclose(mine.amount_gbp_m, flows[flows.kind == "contract"].amount_gbp_m)


@pytest.mark.parametrize("shock", [-0.1, 0.0, 0.05])
def test_the_nhs_system_row_sums_the_nhs_organisations_and_does_not_move(system, shock):
    frame = change_by_preset(system, Scenario(demand_shock=shock), years=3)
    assert list(frame.columns) == list(CHANGE_COLUMNS)
    for (preset, year), rows in frame.groupby(["payment", "year"]):
        orgs = rows[rows.org_id != SYSTEM_ID]
        total = rows[rows.org_id == SYSTEM_ID].iloc[0]
        nhs = orgs[orgs.in_nhs_control_total]
        for column in ("position_before_incentive_gbp_m", "incentive_fund_gbp_m",
                       "position_gbp_m", "change_gbp_m", "fund_change_gbp_m"):
            assert total[column] == pytest.approx(nhs[column].sum(), abs=1e-9)
        # Every contract in both shipped systems is between NHS organisations or unchanged
        # by the rule, so the NHS system neither gains nor loses before incentive funds.
        assert abs(total.change_gbp_m) < 1e-9
        assert not total.in_nhs_control_total and total.kind == "total" and total.is_total
    fixed = frame[frame.payment == "fixed_income"]
    assert np.abs(fixed[["change_gbp_m", "fund_change_gbp_m"]].to_numpy()).max() == 0.0


def test_rule_differs_marks_the_organisations_on_lines_whose_rule_differs(bundled_system):
    assert services_whose_rule_differs(Scenario(), ["fixed_income", "api_2022"]) == ("elective",)
    assert services_whose_rule_differs(Scenario(), ["fixed_income"]) == ()
    frame = change_by_preset(bundled_system, Scenario(demand_shock=SHOCK), years=1)
    marked = set(frame[frame.rule_differs].org_id)
    assert marked == {"bd_ccg", "city_ccg", "awc_ccg", "bthft", "airedale", SYSTEM_ID}
    unmarked = frame[~frame.rule_differs]
    assert np.abs(unmarked.change_gbp_m.to_numpy()).max() < 1e-9


def test_presets_and_reference_are_checked_and_old_names_load(bundled_system):
    with pytest.raises(ScenarioError, match="presets"):
        change_by_preset(bundled_system, Scenario(), "fixed_income")
    with pytest.raises(ScenarioError, match="not presets"):
        change_by_preset(bundled_system, Scenario(), ["fixed_income"], reference="tariff")
    with pytest.raises(ScenarioError, match="Scenario"):
        change_by_preset(bundled_system, {"demand_shock": 0.1})
    with pytest.raises(ScenarioError, match="years"):
        change_by_preset(bundled_system, Scenario(), years=0)
    with pytest.raises(ScenarioError, match="Scenario"):
        payments_by_preset(bundled_system, None)
    # The reference need not be shown; an old preset name maps to its new one.
    frame = change_by_preset(bundled_system, Scenario(demand_shock=SHOCK),
                             ["aligned_payment_and_incentive"], years=1)
    assert set(frame.payment) == {"api_2023"}
    assert value(frame, "api_2023", 1, "bthft") > 0


# --------------------------------------------------------------------------- facts and eras


def _data_readme_sources() -> set[str]:
    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    sources = text.split("\n## Sources", 1)[1]
    return set(re.findall(r"^- \*\*\[(R\d+[a-z]?)\]\*\*", sources, flags=re.MULTILINE))


def test_every_fact_cites_a_source_listed_in_the_data_readme():
    listed = _data_readme_sources()
    cited = {k for m in TIMELINE for k in m.sources} | {k for m in THEN_AND_NOW for k in m.sources}
    assert cited and not cited - listed, f"not in data/README.md: {sorted(cited - listed)}"


def test_the_data_readme_states_each_figure_the_notebook_shows():
    """The figures the then-and-now prose reads from casestudy.regimes, as data/README.md's
    section states them (so the two cannot drift apart)."""
    from casestudy import regimes

    text = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Then and now", 1)[1].split("\n## ", 1)[0]
    for figure in (f"£{regimes.LVA_BLOCK_LIMIT_GBP_M:g}m",
                   f"£{regimes.LVA_BLOCK_LIMIT_2023_GBP_M:g}m",
                   f"£{regimes.BRADFORD_UNDERLYING_DEFICIT_MAY_2024_GBP_M:g}m",
                   f"£{regimes.BRADFORD_DEFICIT_FORECAST_MAR_2024_GBP_M:g}m",
                   "£{:g}-{:g}m".format(*regimes.BRADFORD_DEFICIT_FORECAST_FEB_2024_GBP_M),
                   "£{:g}-{:g}m".format(*regimes.BRADFORD_EXTRA_SAVINGS_2023_24_GBP_M),
                   f"{regimes.BRADFORD_BUDGET_CUT_ASKED_SHARE:.0%}",
                   f"£{regimes.AIREDALE_OVERSPEND_2024_25_GBP_M:g}m",
                   f"£{regimes.WEST_YORKSHIRE_DEFICIT_SUPPORT_2025_26_GBP_M:g}m",
                   f"{regimes.ICBS_ESTABLISHED} ", regimes.ICB_START,
                   f"{regimes.API_2022_PROPOSED_DEDUCTION_SHARE:.0%}",
                   *regimes.WEST_YORKSHIRE_PLACES):
        assert figure in section, figure


def test_era_notes_for_later_rules_only(bundled_system):
    northvale = load_system(ROOT / "data" / "examples" / "northvale")
    for preset, info in PRESET_INFO.items():
        note = era_note(bundled_system, preset)
        if info.era == "bradford":
            assert note is None, preset
        elif info.era == "later":
            assert note.startswith("Thought experiment.") and info.years in note
            assert "clinical commissioning groups" in note and "sustainability funds" in note
            # Northvale's commissioner is an ICB: the note names only its funds.
            other = era_note(northvale, preset)
            assert "clinical commissioning" not in other and "sustainability funds" in other
        else:
            assert note.startswith("A teaching extreme.")
    assert "three months into 2022/23" in era_note(bundled_system, "api_2022")
    assert era_note(bundled_system, {"elective": {"rule": "activity_based"}}) is None
    assert ccg_commissioners(bundled_system) == [
        "NHS Bradford Districts CCG", "NHS Bradford City CCG",
        "NHS Airedale, Wharfedale and Craven CCG"]
    assert ccg_commissioners(northvale) == []


def test_every_source_key_the_notebook_shows_is_listed_in_the_data_readme_and_glossary():
    """Keys in notebook 7's prose (the package's words and the notebook itself) are listed
    under data/README.md's Sources; those of the glossary's then-and-now section under the
    glossary's own sources."""
    listed = _data_readme_sources()
    texts = [(ROOT / "casestudy" / "ui" / "then_and_now.py").read_text(encoding="utf-8"),
             (ROOT / "casestudy" / "words" / "then_and_now.py").read_text(encoding="utf-8"),
             (ROOT / "casestudy" / "regimes.py").read_text(encoding="utf-8"),
             (ROOT / "notebooks" / "07_then_and_now.ipynb").read_text(encoding="utf-8")]
    cited = {k for text in texts for k in re.findall(r"\[(R\d+[a-z]?)\]", text)}
    assert {"R30", "R156", "R160"} <= cited
    assert not cited - listed, sorted(cited - listed)
    glossary = (ROOT / "notebooks" / "glossary.md").read_text(encoding="utf-8")
    section = glossary.split("## then and now", 1)[1].split("\n## sources", 1)[0]
    keys = set(re.findall(r"\[(R\d+[a-z]?)\]", section))
    assert keys and not keys - listed, sorted(keys - listed)
