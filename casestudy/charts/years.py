"""Positions over the years: reported against underlying, under each payment rule.

The frames come from :func:`casestudy.project` (stacked with a ``payment`` column) and
:func:`casestudy.system_totals`; the charts compute nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..scenario import PRESET_LABELS, PRESETS, preset_phrase
from .distribution import records as rows_of
from .style import KIND_COLOURS, SERIES_COLOURS, WIDTH, Figure, money

PRESET_ORDER = [PRESET_LABELS[p] for p in PRESETS]
SERIES = {
    "position_gbp_m": "Reported position",
    "underlying_position_gbp_m": "Underlying position",
    "control_total_gbp_m": "Control total",
}
SERIES_STYLE = {  # colour and dash of each line: never red against green
    "Reported position": (SERIES_COLOURS["reported"], []),
    "Underlying position": (SERIES_COLOURS["underlying"], []),
    "Control total": ("#000000", [5, 3]),
}
YEARS_AXIS = "NHS system position (£m): surplus +, deficit -"
OTHERS = "Other NHS organisations"
OTHERS_COLOUR = SERIES_COLOURS["baseline"]


def years_figure(totals: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """One small chart per payment rule: the NHS system's reported and underlying position
    year by year, and its control total.

    ``totals`` is :func:`casestudy.system_totals` of projections stacked with a ``payment``
    column (one row per payment x year).
    """
    records = rows_of(totals)
    data = pd.DataFrame(
        [(PRESET_LABELS[r["payment"]], r["year"], label, r[column])
         for r in records for column, label in SERIES.items()],
        columns=["payment_label", "year", "series", "value_gbp_m"])
    last_year = max(r["year"] for r in records)
    last = [r for r in records if r["year"] == last_year]
    under = [r["underlying_position_gbp_m"] for r in last]
    gap = sum(r["position_gbp_m"] - r["underlying_position_gbp_m"] for r in last) / len(last)
    summary = (f"The NHS system's reported and underlying positions over {last_year} years "
               f"under {len(last)} payment rules; in the last year the underlying "
               f"position is {money(sum(under) / len(under))} under every rule "
               f"(largest difference between rules {money(max(under) - min(under))}), and "
               f"non-recurrent money lifts the reported position {money(gap)} above it on average.")
    presets = [p for p in PRESET_ORDER if p in set(data.payment_label)]
    shape = (tuple(presets), int(last_year))

    def draw(data: pd.DataFrame) -> alt.FacetChart:
        colour = alt.Color("series:N", title=None, scale=alt.Scale(
            domain=list(SERIES_STYLE), range=[c for c, _ in SERIES_STYLE.values()]),
            legend=alt.Legend(orient="bottom"))
        dash = alt.StrokeDash("series:N", legend=None, scale=alt.Scale(
            domain=list(SERIES_STYLE), range=[d for _, d in SERIES_STYLE.values()]))
        x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
        y = alt.Y("value_gbp_m:Q", title=None)
        tooltip = [alt.Tooltip("payment_label:N", title="Payment rule"),
                   alt.Tooltip("year:O", title="Year"), alt.Tooltip("series:N", title="Line"),
                   alt.Tooltip("value_gbp_m:Q", title="£m", format=",.1f")]
        lines = alt.Chart().mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=colour, strokeDash=dash, tooltip=tooltip)
        points = alt.Chart().mark_point(filled=True, size=40).encode(
            x=x, y=y, color=colour, tooltip=tooltip)
        zero = alt.Chart().mark_rule(color="#999999", strokeWidth=1).encode(y=alt.datum(0))
        cell = alt.layer(zero, lines, points, data=data).properties(
            width=(WIDTH - 60) // 2, height=120)
        return cell.facet(
            facet=alt.Facet("payment_label:N", sort=list(shape[0]), title=YEARS_AXIS,
                            header=alt.Header(labelFontSize=13, labelFontStyle="italic",
                                              labelAnchor="start", titleOrient="left",
                                              titleAngle=-90, titleFontSize=14,
                                              titleFontWeight="normal")),
            columns=2, spacing=12)

    return Figure(data, summary, draw, shape, chart_title,
                  "Blue: reported. Vermilion: underlying (no one-off money). Dashed: control total.")


def years_chart(totals: pd.DataFrame, chart_title: str | None = None) -> alt.FacetChart:
    """The chart of :func:`years_figure`."""
    return years_figure(totals, chart_title).chart()


def holders_figure(projections: pd.DataFrame, org_ids: list[str], year: int | None = None,
                   chart_title: str | None = None) -> Figure:
    """Who holds the NHS system's underlying position in one year, under each payment rule:
    a bar for each organisation in ``org_ids`` and one for the other NHS organisations.

    ``projections`` is :func:`casestudy.project` stacked with a ``payment`` column; ``year``
    defaults to the last.
    """
    year = int(projections.year.max()) if year is None else int(year)
    rows = projections[(projections.year == year) & projections.in_nhs_control_total.astype(bool)]
    named: dict = {}  # (payment, org_id) -> row, for the organisations in org_ids
    others: dict = {}  # payment -> the other NHS organisations' total
    for r in rows_of(rows, ["payment", "org_id", "name", "kind", "underlying_position_gbp_m"]):
        if r["org_id"] in org_ids:
            named[(r["payment"], r["org_id"])] = r
        else:
            others[r["payment"]] = others.get(r["payment"], 0.0) + r["underlying_position_gbp_m"]
    payments = list(dict.fromkeys(r["payment"] for r in named.values()))
    records = [named[(p, o)] for p in payments for o in org_ids if (p, o) in named]
    records += [{"payment": p, "org_id": "others", "name": OTHERS, "kind": "others",
                 "underlying_position_gbp_m": others.get(p, 0.0)} for p in payments]
    for r in records:
        r["payment_label"] = PRESET_LABELS[r["payment"]]
    data = pd.DataFrame(records, columns=["payment", "org_id", "name", "kind",
                                          "underlying_position_gbp_m", "payment_label"])
    first = {r["org_id"]: r for r in records}
    names = [first[o]["name"] for o in org_ids if o in first] + [OTHERS]
    kinds = tuple(first[o]["kind"] for o in org_ids if o in first)
    parts = []
    for org in [*org_ids, "others"]:
        mine = {r["payment"]: r["underlying_position_gbp_m"] for r in records if r["org_id"] == org}
        if mine:
            low, high = min(mine, key=mine.get), max(mine, key=mine.get)
            parts.append(f"{first[org]['name']} from {money(mine[low])} "
                         f"({preset_phrase(low)}) to {money(mine[high])} "
                         f"({preset_phrase(high)})")
    summary = f"Underlying position in year {year} under each payment rule: " + "; ".join(parts) + "."
    presets = [p for p in PRESET_ORDER if p in set(data.payment_label)]
    shape = (tuple(presets), tuple(names), tuple(kinds))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        # Named in the legend, coloured by kind as everywhere in the kit.
        colour = alt.Color("name:N", title=None, scale=alt.Scale(
            domain=list(shape[1]), range=[KIND_COLOURS[k] for k in shape[2]] + [OTHERS_COLOUR]),
            legend=alt.Legend(orient="bottom", columns=1))
        y = alt.Y("payment_label:N", sort=list(shape[0]), title=None)
        bars = alt.Chart().mark_bar().encode(
            y=y, yOffset=alt.YOffset("name:N", sort=list(shape[1])),
            x=alt.X("underlying_position_gbp_m:Q",
                    title=f"Underlying position in year {year} (£m)"),
            color=colour,
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("payment_label:N", title="Payment rule"),
                     alt.Tooltip("underlying_position_gbp_m:Q", title="£m", format=",.1f")],
        )
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, zero, data=data).properties(
            width=WIDTH - 200, height=18 * len(shape[0]) * len(shape[1]))

    return Figure(data, summary, draw, shape, chart_title)


def holders_chart(projections: pd.DataFrame, org_ids: list[str], year: int | None = None,
                  chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`holders_figure`."""
    return holders_figure(projections, org_ids, year, chart_title).chart()
