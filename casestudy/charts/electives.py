"""The incentive to do less planned care: who gains what under each payment rule.

The frame comes from :func:`casestudy.incentives.elective_shortfall`; the chart computes
nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..scenario import PRESET_LABELS, PRESETS, preset_phrase
from .distribution import records
from .style import KIND_COLOURS, SERIES_COLOURS, WIDTH, Figure, money

PRESET_ORDER = [PRESET_LABELS[p] for p in PRESETS]
GAIN_AXIS = "Gain from doing fewer electives (£m): gain +, loss -"
SYSTEM_COLOUR = SERIES_COLOURS["baseline"]


def shortfall_figure(gains: pd.DataFrame, org_ids: list[str],
                     chart_title: str | None = None) -> Figure:
    """Bars of each organisation's gain when the provider does fewer electives than planned,
    one group per payment rule.

    ``gains`` is :func:`casestudy.incentives.elective_shortfall`; ``org_ids`` picks the rows
    shown, in order (include ``"nhs"`` for the NHS organisations together, drawn grey).
    """
    columns = ["payment", "org_id", "name", "kind", "gain_gbp_m", "income_change_gbp_m",
               "cost_change_gbp_m"]
    rows = [r for r in records(gains, columns) if r["org_id"] in org_ids]
    for row in rows:
        row["payment_label"] = PRESET_LABELS[row["payment"]]
    data = pd.DataFrame(rows, columns=[*columns, "payment_label"])
    first = {r["org_id"]: r for r in reversed(rows)}
    names = tuple(first[o]["name"] for o in org_ids)
    colours = tuple(KIND_COLOURS.get(first[o]["kind"], SYSTEM_COLOUR) for o in org_ids)
    parts = []
    for preset in PRESETS:
        mine = {r["org_id"]: r for r in rows if r["payment"] == preset}
        if mine:
            parts.append(preset_phrase(preset) + ": "
                         + ", ".join(f"{mine[o]['name']} {money(mine[o]['gain_gbp_m'])}"
                                     for o in org_ids if o in mine))
    summary = "Gain from doing fewer electives than planned, by payment rule. " + "; ".join(parts) + "."
    presets = [p for p in PRESET_ORDER if p in set(data.payment_label)]
    shape = (tuple(presets), names, colours)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("payment_label:N", sort=list(shape[0]), title=None)
        colour = alt.Color("name:N", title=None, scale=alt.Scale(
            domain=list(shape[1]), range=list(shape[2])),
            legend=alt.Legend(orient="bottom", columns=1))
        bars = alt.Chart().mark_bar().encode(
            y=y, yOffset=alt.YOffset("name:N", sort=list(shape[1])),
            x=alt.X("gain_gbp_m:Q", title=GAIN_AXIS),
            color=colour,
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("payment_label:N", title="Payment rule"),
                     alt.Tooltip("income_change_gbp_m:Q", title="Change in income (£m)",
                                 format="+,.2f"),
                     alt.Tooltip("cost_change_gbp_m:Q", title="Change in spending (£m)",
                                 format="+,.2f"),
                     alt.Tooltip("gain_gbp_m:Q", title="Gain (£m)", format="+,.2f")],
        )
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, zero, data=data).properties(
            width=WIDTH - 200, height=16 * len(shape[0]) * len(shape[1]))

    return Figure(data, summary, draw, shape, chart_title)


def shortfall_chart(gains: pd.DataFrame, org_ids: list[str],
                    chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`shortfall_figure`."""
    return shortfall_figure(gains, org_ids, chart_title).chart()
