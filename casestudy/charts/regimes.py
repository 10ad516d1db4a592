"""Then and now: who wins and who loses under each payment regime, against fixed income.

The frame comes from :func:`casestudy.projection.change_by_preset`; the charts compute no
model number. Two tables of coloured cells: every preset in one year, and one preset year by
year. Blue is a gain against fixed income, vermilion a loss (Okabe-Ito, never red against
green), white no change; each cell also says its figure, so nothing rests on colour alone.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..regimes import SAME_GBP_M, cell_text
from ..scenario import PRESET_INFO
from .distribution import records
from .style import FONT, MINUS, SERIES_COLOURS, Figure

GAIN, LOSS, NONE = SERIES_COLOURS["reported"], SERIES_COLOURS["underlying"], "#F7F7F7"
LATER_MARK = "*"  # after the header of a later rule run on this system
LATER_NOTE = (f"{LATER_MARK} A later rule, run here on this system's organisations and funds: "
              "a thought experiment.")
KEY = "Position before incentive funds, against fixed income in the same year: blue gains, vermilion loses."
LABEL_WIDTH = 290  # the longest bundled name (Airedale, Wharfedale and Craven CCG's, 275 px) whole
CELL_WIDTH = 78  # seven presets and the names: 836 pixels, under 900 with the chart's padding
WIDTH_PX = 880  # the widest of the two charts as drawn, with its padding and actions button
CELL_HEIGHT = 34
YEAR_WIDTH_PX = 600  # the years chart's cells share this, up to CELL_WIDTH each
STRONG_SHARE = 0.55  # cells beyond this share of the largest change get white figures
# A header split at its last space, on two lines ("API" over "2023/24-*").
TWO_LINES = ("lastindexof(datum.label, ' ') < 0 ? datum.label : "
             "[slice(datum.label, 0, lastindexof(datum.label, ' ')), "
             "slice(datum.label, lastindexof(datum.label, ' ') + 1)]")


def header(preset: str) -> str:
    """A preset's column header: its short label, marked when it is a later rule.

    >>> header("fixed_income"), header("api_2023")
    ('Fixed income', 'API 2023/24-*')
    """
    info = PRESET_INFO[preset]
    return info.short + (LATER_MARK if info.era == "later" else "")


COLUMNS = ["payment", "year", "org_id", "name", "kind", "is_total", "change_gbp_m", "fund_change_gbp_m",
           "position_before_incentive_gbp_m"]


def short_text(value: float) -> str:
    """A narrow cell's figure, in £m without the unit: ``+3.3``, ``-1.4``, ``0``."""
    if abs(value) < SAME_GBP_M:
        return "0"
    text = f"{value:+.1f}"
    return text.replace("-", MINUS, 1)


def _cells(rows: list[dict], short: bool = False) -> pd.DataFrame:
    """The rows with their header, figure and figure colour (white on a strong colour)."""
    largest = max([abs(r["change_gbp_m"]) for r in rows] + [SAME_GBP_M])
    text = short_text if short else cell_text
    for r in rows:
        r["header"] = header(r["payment"])
        r["label"] = text(r["change_gbp_m"])
        r["strong"] = abs(r["change_gbp_m"]) > STRONG_SHARE * largest
    return pd.DataFrame(rows, columns=[*COLUMNS, "header", "label", "strong", "chosen"])


def _table(data: pd.DataFrame, x: alt.X, names: list[str], width: alt.Step,
           outline: bool, font: int = FONT) -> alt.LayerChart:
    """Coloured cells with their figures, rows by organisation; the chosen cells outlined."""
    y = alt.Y("name:N", sort=names, title=None,
              axis=alt.Axis(labelFontSize=FONT, labelLimit=LABEL_WIDTH, ticks=False, domain=False))
    colour = alt.Color("change_gbp_m:Q", title="Against fixed income (£m)", legend=None,
                       scale=alt.Scale(domainMid=0, range=[LOSS, NONE, GAIN]))
    tooltip = [alt.Tooltip("name:N", title="Organisation"),
               alt.Tooltip("header:N", title="Payment rule"),
               alt.Tooltip("year:O", title="Year"),
               alt.Tooltip("change_gbp_m:Q", title="Against fixed income (£m)", format="+,.2f"),
               alt.Tooltip("fund_change_gbp_m:Q", title="Incentive fund won or lost (£m)",
                           format="+,.1f"),
               alt.Tooltip("position_before_incentive_gbp_m:Q",
                           title="Position before incentive funds (£m)", format="+,.1f")]
    cells = alt.Chart().mark_rect(stroke="#FFFFFF", strokeWidth=2).encode(
        x=x, y=y, color=colour, tooltip=tooltip)
    figures = alt.Chart().mark_text(fontSize=font, fontWeight="bold").encode(
        x=x, y=y, text="label:N", tooltip=tooltip,
        color=alt.condition("datum.strong", alt.value("#FFFFFF"), alt.value("#000000")))
    layers = [cells, figures]
    if outline:
        layers.append(alt.Chart().transform_filter("datum.chosen").mark_rect(
            fill=None, stroke="#000000", strokeWidth=3).encode(x=x, y=y))
    return alt.layer(*layers, data=data).properties(width=width, height=alt.Step(CELL_HEIGHT))


def winners_figure(changes: pd.DataFrame, year: int | None = None, chosen: str | None = None,
                   chart_title: str | None = None) -> Figure:
    """Every preset in one year: each organisation's change against fixed income, one column
    per preset and one row per organisation, the chosen preset's column outlined.

    ``changes`` is :func:`casestudy.projection.change_by_preset`, with the rows to show (a
    panel keeps those whose ``rule_differs``); ``year`` defaults to the last.
    """
    year = int(changes.year.max()) if year is None else int(year)
    rows = records(changes[changes.year == year], COLUMNS)
    for r in rows:
        r["chosen"] = r["payment"] == chosen
    data = _cells(rows)
    presets = list(dict.fromkeys(data.payment))
    names = list(dict.fromkeys(data.name))
    later = any(PRESET_INFO[p].era == "later" for p in presets)
    summary = f"Year {year}, each organisation's position against fixed income under each rule: "
    parts = []
    for preset in presets:
        mine = [r for r in rows if r["payment"] == preset]
        gains = [f"{r['name']} {cell_text(r['change_gbp_m'])}" for r in mine
                 if abs(r["change_gbp_m"]) >= SAME_GBP_M]
        parts.append(f"{header(preset)}: " + (", ".join(gains) if gains else "no change"))
    summary += "; ".join(parts) + "."
    shape = (tuple(header(p) for p in presets), tuple(names), chosen is not None)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        x = alt.X("header:N", sort=list(shape[0]), title=None,
                  axis=alt.Axis(orient="top", labelAngle=0, labelFontSize=FONT,
                                labelExpr=TWO_LINES, labelLimit=CELL_WIDTH, ticks=False,
                                domain=False, labelPadding=FONT + 6))
        return _table(data, x, list(shape[1]), alt.Step(CELL_WIDTH), outline=shape[2])

    subtitle = (KEY, LATER_NOTE) if later else KEY
    return Figure(data, summary, draw, shape, chart_title, subtitle)


def winners_chart(changes: pd.DataFrame, year: int | None = None, chosen: str | None = None,
                  chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`winners_figure`."""
    return winners_figure(changes, year, chosen, chart_title).chart()


def preset_years_figure(changes: pd.DataFrame, preset: str,
                        chart_title: str | None = None) -> Figure:
    """One preset year by year: each organisation's change against fixed income, one column
    per year and one row per organisation.

    ``changes`` is :func:`casestudy.projection.change_by_preset` (the rows to show).
    """
    rows = records(changes[changes.payment == preset], COLUMNS)
    for r in rows:
        r["chosen"] = False
    years = sorted({r["year"] for r in rows})
    # Up to seven years at the full cell width; more share YEAR_WIDTH_PX, with their figures
    # in £m without the unit and a size smaller, so that fifteen years still read.
    step = max(36, min(CELL_WIDTH, YEAR_WIDTH_PX // max(len(years), 1)))
    short = step < CELL_WIDTH
    data = _cells(rows, short)
    names = list(dict.fromkeys(data.name))
    last = [r for r in rows if r["year"] == years[-1]] if years else []
    moved = [f"{r['name']} {cell_text(r['change_gbp_m'])}" for r in last
             if abs(r["change_gbp_m"]) >= SAME_GBP_M]
    summary = (f"{PRESET_INFO[preset].label}, against fixed income, years 1 to "
               f"{years[-1] if years else 0}; in the last year "
               + (", ".join(moved) if moved else "no organisation's position changes") + ".")
    shape = (tuple(names), len(years), step, short)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        x = alt.X("year:O", title="Year", axis=alt.Axis(
            orient="top", labelAngle=0, labelFontSize=FONT, ticks=False, domain=False))
        return _table(data, x, list(shape[0]), alt.Step(shape[2]), outline=False,
                      font=FONT - 2 if shape[3] else FONT)

    later = PRESET_INFO[preset].era == "later"
    key = KEY + (" Figures in £m." if short else "")
    subtitle = (key, LATER_NOTE) if later else key
    return Figure(data, summary, draw, shape, chart_title, subtitle)


def preset_years_chart(changes: pd.DataFrame, preset: str,
                       chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`preset_years_figure`."""
    return preset_years_figure(changes, preset, chart_title).chart()
