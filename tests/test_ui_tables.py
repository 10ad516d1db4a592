"""Tables shown to people (the scheme menu, the system at a glance): no row numbers, words
aligned left, numbers with one decimal, and every row of the model's data."""

from __future__ import annotations

import re

import pytest

from casestudy.ui import lesson1, start


def _cells(html: str, tag: str) -> list[str]:
    found = re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html, flags=re.DOTALL)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in found]


def test_the_scheme_menu_has_no_row_numbers_and_its_words_align_left(system):
    table = lesson1.scheme_menu(system)
    html = table.to_html()
    assert "row_heading" not in html  # pandas' index column
    assert len(table.data) == len(system.schemes)
    assert set(_cells(html, "td")) >= set(system.schemes["name"])
    columns = list(table.data.columns)

    def aligned_left(name: str) -> bool:
        return bool(re.search(rf"td\.col{columns.index(name)}\s*\{{\s*text-align: left", html))

    assert aligned_left("Scheme") and aligned_left("Led by")
    assert not aligned_left("Cost (£m a year)") and not aligned_left("Chance of delivering")
    chances = {f"{p:.0%}" for p in system.schemes.delivery_probability}
    assert chances <= set(_cells(html, "td"))


def test_the_system_table_shows_money_to_one_decimal(system):
    table = start.system_table(system)
    html = table.to_html()
    assert "row_heading" not in html
    money = [c for c in _cells(html, "td") if re.fullmatch(r"-?[\d,]+\.\d+", c)]
    assert money and all(re.fullmatch(r"-?[\d,]+\.\d", c) for c in money), money[:10]
    assert len(table.data) == len(system.organisations)


def test_a_panel_names_the_schemes_it_changed(system):
    from casestudy.ui import lesson5

    panel = lesson5.VoluntaryPanel(system)
    panel.update()
    chosen = panel.scenario().schemes
    assert chosen, "the voluntary-sector panel starts with its schemes ticked"
    names = dict(zip(system.schemes.index, system.schemes["name"]))
    for scheme in chosen:
        assert names[scheme] in panel.changes.value


def test_the_start_page_says_how_much_of_the_reported_surplus_is_incentive_funds():
    # Issue 15: "report £20.8m against a control total of -£0.3m" read as a large surplus.
    # The headline now splits what is reported into incentive funds and the rest, and the
    # two add up to what is reported (-£2.7m + £20.8m = £18.1m on the bundled data).
    from casestudy import Scenario, load_system, run_year
    from casestudy.formats import money
    from casestudy.ui.start import system_at_a_glance

    system = load_system()
    nhs = run_year(system, Scenario.preset("fixed_income")).system.loc["nhs"]
    funds = float(nhs.incentive_fund_gbp_m)
    before = float(nhs.position_gbp_m) - funds
    assert funds > 0 and before + funds == pytest.approx(float(nhs.position_gbp_m))
    text = system_at_a_glance(system).data
    assert f"{money(funds)} of that is incentive funds: {money(before)} before them" in text
