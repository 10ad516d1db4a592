"""The computed words of lessons 1, 4 and 7 (``casestudy/words/``) against the facts they
read: the new typed results (``fundamentals.BestFew``, ``incentives.LessPlannedCare``)
checked by hand on the tiny system and against the model functions they gather, and each
sentence checked for the figures of its facts, never for a sentence typed here. The panels'
and notebooks' words are tested through the panels in ``test_ui_lesson1.py``,
``test_ui_lesson4.py`` and ``test_ui_then_and_now.py``."""

from __future__ import annotations

import dataclasses

import pytest

from casestudy import Scenario
from casestudy.formats import money, percent
from casestudy.fundamentals import best_few, memorandum, portfolio_by_organisation
from casestudy.incentives import elective_shortfall, less_planned_care
from casestudy.names import markdown_text as md
from casestudy.priorities import best_portfolios
from casestudy.projection import SYSTEM_ID, Holding
from casestudy.regimes import cell_text
from casestudy.words import lesson1, lesson4, then_and_now, to_html

HOSTILE = "<b>Acute</b> & *Sons*"


@pytest.fixture(scope="module")
def hostile(tiny_system):
    """The tiny system with markup in its acute trust's name."""
    orgs = tiny_system.organisations.copy()
    orgs.loc["acute", "name"] = HOSTILE
    return dataclasses.replace(tiny_system, organisations=orgs)


def shown(markdown: str) -> str:
    """The words as the panel shows them (HTML)."""
    return to_html(markdown)


# --------------------------------------------------------------------------- lesson 1


def test_best_few_gathers_the_best_portfolio_and_every_scheme_under_each_rule(bundled_system):
    facts = lesson1.lesson_facts(bundled_system)
    best = best_portfolios(bundled_system, lesson1.DEFAULT)
    top = best.loc[best.nhs_benefit_gbp_m.idxmax()]
    assert (facts.best_size, facts.best_gbp_m) == (top["size"], top.nhs_benefit_gbp_m)
    assert (facts.every_size, facts.every_gbp_m) == (len(bundled_system.schemes),
                                                     best.nhs_benefit_gbp_m.iloc[-1])
    assert facts.spread_gbp_m == facts.every_gbp_m - facts.best_gbp_m < 0
    for preset in lesson1.RULES:
        table = portfolio_by_organisation(bundled_system,
                                          Scenario.preset(preset, schemes=facts.best_schemes))
        assert facts.provider_gbp_m[preset] == table.loc[facts.provider_id, "benefit_gbp_m"]
    # A rule moves money between organisations: the NHS system's benefit is the same.
    assert facts.nhs_gbp_m["fixed_income"] == pytest.approx(facts.nhs_gbp_m[lesson1.ACTIVITY_RULE])


def test_lesson_1_conclusion_and_answers_quote_the_best_few(bundled_system):
    facts = lesson1.lesson_facts(bundled_system)
    text = lesson1.what_this_means(bundled_system, facts)
    for figure in (facts.best_gbp_m, facts.every_gbp_m, *facts.provider_gbp_m.values()):
        assert money(figure) in text
    assert f"**{facts.best_size} schemes**" in text and f"all {facts.every_size} schemes" in text
    assert money(facts.best_gbp_m) in lesson1.spread_explanation(facts)
    assert money(facts.provider_gbp_m[lesson1.ACTIVITY_RULE]) in lesson1.provider_explanation(
        bundled_system, facts)
    rule = lesson1.rule_explanation(facts)
    assert all(money(v) in rule for v in facts.nhs_gbp_m.values())


def test_best_few_by_hand_on_the_tiny_system(tiny_system, plain):
    # Capacity 1.5: frailty alone (load 2) keeps (1.5 / 2) ** 1.5 of its 0.5 chance, falls
    # alone (load 1) its whole chance, both (load 3) (1.5 / 3) ** 1.5 of each.
    scenario = dataclasses.replace(plain, leadership_capacity=1.5)
    facts = best_few(tiny_system, scenario, ("payment_by_results",))
    by_size = {n: memorandum(tiny_system, dataclasses.replace(scenario, schemes=s)).nhs_benefit_gbp_m
               for n, s in ((1, ("falls",)), (2, ("frailty", "falls")))}
    alone = memorandum(tiny_system, dataclasses.replace(scenario, schemes=("frailty",)))
    best_one = max(by_size[1], alone.nhs_benefit_gbp_m)
    assert facts.every_size == 2 and facts.every_gbp_m == pytest.approx(by_size[2])
    assert facts.best_gbp_m == pytest.approx(max(best_one, by_size[2]))
    assert facts.provider_id == "acute"


def test_the_portfolio_words_list_who_pays_gains_and_loses_from_the_memorandum(hostile, plain):
    scenario = dataclasses.replace(plain, schemes=("frailty", "falls"), leadership_capacity=1.5)
    memo = memorandum(hostile, scenario)
    table = memo.organisations
    text = lesson1.portfolio_words(scenario, memo, best_portfolios(hostile, scenario))
    payers = table[table.pays_gbp_m > 1e-9].sort_values("pays_gbp_m", ascending=False)
    pays = text.split("**Who pays**", 1)[1].split("**Who gains**", 1)[0]
    assert money(memo.cost_gbp_m) in pays
    positions = [pays.index(f"{md(r['name'])} {money(r.pays_gbp_m)}")
                 for _, r in payers.iterrows()]
    assert positions == sorted(positions)  # largest first
    losers = table[table.benefit_gbp_m < -1e-9]
    assert ("**Who loses**" in text) == (not losers.empty)
    assert "**over capacity**" in text and memo.over_capacity
    html = shown(text)
    assert "<b>Acute</b>" not in html and "&lt;b&gt;Acute&lt;/b&gt; &amp; *Sons*" in html
    nothing = lesson1.portfolio_words(plain, memorandum(hostile, plain),
                                      best_portfolios(hostile, plain))
    assert nothing.startswith("No schemes chosen")


def test_the_memorandum_says_its_load_and_benefit(tiny_system, plain):
    within = memorandum(tiny_system, dataclasses.replace(plain, schemes=("falls",)))
    over = memorandum(tiny_system, dataclasses.replace(plain, schemes=("frailty", "falls"),
                                                        leadership_capacity=1.5))
    assert "within what we have" in lesson1.memorandum_expected(within)
    assert "more than we have" in lesson1.memorandum_expected(over)
    for memo in (within, over):
        text = lesson1.memorandum_expected(memo)
        assert f"{memo.load:g} of our {memo.capacity:g} units" in text
        assert money(memo.nhs_benefit_gbp_m) in text and money(memo.place_benefit_gbp_m) in text
    assert "1 shared scheme," in lesson1.memorandum_agreement(within)
    assert "2 shared schemes," in lesson1.memorandum_agreement(over)


# --------------------------------------------------------------------------- lesson 4


def test_less_planned_care_by_hand_on_the_tiny_system(tiny_system, plain):
    # 5% of the acute trust's 11,000 planned electives (£1,000 each): 550 not done, £0.55m of
    # price. Flex 0 releases only the variable 0.2 of the £70m of cost its contracts carry
    # (£80m less £10m of other income), moved by the price-weighted activity (0.55 of 71):
    # 70 x 0.2 x 0.55 / 71 = £0.10845m, the same under every rule.
    facts = less_planned_care(tiny_system, plain, 0.05, "acute",
                              presets=("fixed_income", "payment_by_results", "api_2023"),
                              break_even=True)
    saved = 70 * 0.2 * 0.55 / 71
    assert facts.electives_not_done == pytest.approx(550)
    assert facts.gain_gbp_m["fixed_income"] == pytest.approx(saved)
    assert facts.gain_gbp_m["payment_by_results"] == pytest.approx(saved - 0.55)
    assert facts.payers_gain_gbp_m["payment_by_results"] == pytest.approx(0.55)
    assert facts.payers_gain_gbp_m["fixed_income"] == pytest.approx(0.0, abs=1e-12)
    assert all(v == pytest.approx(saved) for v in facts.nhs_gain_gbp_m.values())
    # The trust's marginal cost as a share of price (14 / 71) is the rate that removes its gain.
    assert facts.marginal_cost_share("payment_by_results") == pytest.approx(70 * 0.2 / 71)
    assert facts.break_even_rate == pytest.approx(70 * 0.2 / 71)
    assert facts.marginal_cost_share("fixed_income") is None  # no price taken away


def test_less_planned_care_reads_elective_shortfall(bundled_system):
    scenario = lesson4.DEFAULT
    facts = less_planned_care(bundled_system, scenario, 0.1, presets=lesson4.SHOWN)
    table = elective_shortfall(bundled_system, scenario, 0.1, presets=lesson4.SHOWN)
    mine = table[table.org_id == facts.provider_id].set_index("payment")
    for preset in lesson4.SHOWN:
        assert facts.gain_gbp_m[preset] == mine.loc[preset, "gain_gbp_m"]
        assert facts.income_change_gbp_m[preset] == mine.loc[preset, "income_change_gbp_m"]
    assert facts.break_even_rate is None  # not asked for


def test_the_elective_words_quote_the_facts(hostile, plain):
    scenario = dataclasses.replace(plain, payment="fixed_income")
    facts = less_planned_care(hostile, scenario, 0.05, "acute", presets=lesson4.SHOWN,
                              break_even=True)
    text = lesson4.elective_words(hostile, scenario, facts)
    assert f"{facts.electives_not_done:,.0f} fewer planned elective spells" in text
    assert f"a gain of {money(facts.gain_gbp_m['fixed_income'])}" in text
    assert f"**{percent(facts.break_even_rate)}**" in text
    assert f"The NHS system saves {money(facts.nhs_gain_gbp_m['fixed_income'])}" in text
    assert lesson4.gains_words(facts.gain_gbp_m["api_2023"]) in text
    assert "&lt;b&gt;Acute" in shown(text) and "<b>Acute" not in shown(text)
    none = less_planned_care(hostile, scenario, 0.0, "acute", presets=lesson4.SHOWN)
    assert "move the slider above zero" in lesson4.elective_words(hostile, scenario, none)


def test_the_years_words_by_hand():
    # Two rules, the same underlying position (-£10m), reported -£2m and -£4m with £8m and
    # £6m of one-off money; the baseline reported £3m less on average: only the reported moved.
    now = [{"year": 5, "underlying_position_gbp_m": -10.0, "position_gbp_m": p,
            "control_total_gbp_m": 0.0, "non_recurrent_gbp_m": n} for p, n in ((-2, 8), (-4, 6))]
    before = [dict(r, position_gbp_m=r["position_gbp_m"] - 3) for r in now]
    held = (Holding(org_id="a", name=HOSTILE, first_year=1, last_year=5,
                    first_gbp_m=(-1.0, -1.0), last_gbp_m=(-4.0, -3.0), income_growth_gbp_m=6.0,
                    cost_growth_gbp_m=9.0, one_off_growth_gbp_m=0.0),)
    text = lesson4.years_words(now, before, held)
    assert f"**underlying** position is {money(-10)} under every payment rule" in text
    assert f"position is {money(-4)} to {money(-2)}, lifted by {money(7)}" in text
    assert f"underlying {money(0, signed=True)}, reported {money(3, signed=True)}." in text
    assert "Only the reported figure moved" in text
    assert f"Who holds it in year 5: {md(HOSTILE)} {money(-4)} to {money(-3)}" in text
    assert f"its income grows by {money(6)} and its cost by {money(9)}." in text
    moved = lesson4.years_words(now, [dict(r, underlying_position_gbp_m=-11.0) for r in now])
    assert "Only the reported figure moved" not in moved and "Who holds" not in moved


def test_the_certainty_words_by_hand():
    scenario = Scenario.preset("fixed_income", demand_shock=-0.04)
    spread, base = {}, {}
    for preset in ("fixed_income", lesson4.ACTIVITY_RULE):
        for org, sd in (("t", 1.25), ("c", 0.5)):
            spread[(preset, org)] = {"sd_position_gbp_m": sd, "chance_met": 0.8,
                                     "mean_position_gbp_m": 2.0}
            base[(preset, org)] = {"mean_position_gbp_m": 2.5}
    text = lesson4.certainty_words(scenario, 300, ["t", "c"], {"t": HOSTILE, "c": "Payer"},
                                   spread, base)
    assert text.startswith("Demand 4% below plan on average, 300 simulated years.")
    assert (f"{md(HOSTILE)} has a spread of {money(1.25)}, meets its control total in "
            f"80% of years and its average position moves {money(-0.5, signed=True)}") in text
    assert text.count("Payer has a spread of") == 2  # under each of the two rules


# --------------------------------------------------------------------------- then and now


def rows(changes: dict[int, float], fund: float = 0.0) -> list[dict]:
    """A preset's rows of change_by_preset: one organisation, and the NHS system unmoved."""
    out = []
    for year, change in changes.items():
        out.append({"year": year, "org_id": "acute", "name": HOSTILE, "is_total": False,
                    "change_gbp_m": change, "fund_change_gbp_m": fund})
        out.append({"year": year, "org_id": SYSTEM_ID, "name": "NHS",
                    "is_total": True, "change_gbp_m": 0.0, "fund_change_gbp_m": 0.0})
    return out


def test_the_regimes_words_by_hand():
    scenario = Scenario.preset("api_2023", demand_shock=0.03)
    text = then_and_now.regimes_words(scenario, "api_2023", rows({1: 1.26, 2: 2.51}, fund=-0.4),
                                      2, era="Thought experiment. Later than Bradford.")
    assert text.startswith("**Thought experiment.** Later than Bradford.")
    assert (f"In year 2, with demand 3% above plan, against fixed income: gain: "
            f"{md(HOSTILE)} {money(2.51, signed=True)}; nobody loses.") in text
    assert "The NHS system's position does not move" in text
    assert f"from {cell_text(1.26)} in year 1 to {cell_text(2.51)} in year 2" in text
    assert f"loses {money(0.4)} of fund against fixed income, funds a later rule never met." in text
    html = shown(text)
    assert "<strong>Thought experiment.</strong>" in html and "<b>Acute" not in html
    one_year = then_and_now.regimes_words(scenario, "api_2023", rows({1: 0.01}), 1)
    assert "nobody's position changes" in one_year and "Year by year" not in one_year
    reference = then_and_now.regimes_words(scenario, "fixed_income", rows({1: 0.0}), 1)
    assert "the rule every other one is read against" in reference


def test_the_then_and_now_answers_quote_their_figures(tiny_system):
    assert all(money(v, signed=True) in then_and_now.now_explanation(tiny_system, "acute",
                                                                     "ccg_a", (1.2, -1.2, 0.0))
               for v in (1.2, -1.2, 0.0))
    text = then_and_now.clawback_explanation(tiny_system, "acute", 0.55, 0.0, 0.0)
    assert f"full price is {money(0.55)}" in text and "takes back £0.0m (0%)" in text
    text = then_and_now.next_explanation(tiny_system, "acute", 0.5, 0.0)
    assert money(0.5, signed=True) in text and "earn £0.0m against fixed income" in text
    assert then_and_now.amount(0.04) == "nothing" and then_and_now.amount(-0.2) == money(-0.2)


# --------------------------------------------------------------------------- lesson 2


def test_lesson_2_says_why_without_its_shift_and_follows_it_with_one(tiny_system):
    from casestudy.behaviours import lesson_shift
    from casestudy.words import lesson2

    orgs = tiny_system.organisations.copy()
    orgs.loc[orgs.kind == "acute", "kind"] = "community_mental_health"
    without = dataclasses.replace(tiny_system, organisations=orgs)
    shift, problem = lesson_shift(without)
    assert shift is None
    for paragraph in (lesson2.situation, lesson2.model_in_one_paragraph, lesson2.what_this_means):
        assert paragraph(without).endswith(f"{md(problem)}.")
        assert md(problem) not in paragraph(tiny_system)
    shift, _ = lesson_shift(tiny_system)
    assert md(tiny_system.org_name(shift.acute_id)) in lesson2.situation(tiny_system)


def test_lesson4_says_the_funds_cliff_on_the_page_and_whether_this_setting_is_past_it():
    from casestudy.incentives import FundCliff
    from casestudy.words.lesson4 import cliff_words

    cliffs = [FundCliff(org_id="t", payment="fixed_income", shock=0.03, fund_lost_gbp_m=11.0),
              FundCliff(org_id="c", payment="fixed_income", shock=0.01, fund_lost_gbp_m=0.0),
              FundCliff(org_id="n", payment="fixed_income", shock=None, fund_lost_gbp_m=0.0)]
    names = {"t": "<b>Trust</b>", "c": "CCG", "n": "Never"}
    below = cliff_words(Scenario.preset("fixed_income", demand_shock=0.02), cliffs, names)
    at = cliff_words(Scenario.preset("fixed_income", demand_shock=0.03), cliffs, names)
    assert "from demand 3% above plan" in below and "loses the whole £11.0m" in below
    assert "has kept it" in below and "has lost it" in at
    # No fund to lose (the CCG) or no miss on the grid: nothing said of them.
    assert "CCG" not in below and "Never" not in below
    assert "<b>" not in below and md("<b>Trust</b>") + "'s incentive fund" in below
