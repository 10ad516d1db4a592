"""The contingency reserve each NHS organisation needs alone, their sum, and the reserve
the system needs when the risk is pooled.

The frame comes from :meth:`casestudy.governance.ReserveDraws.reserves`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import altair as alt
import pandas as pd

if TYPE_CHECKING:
    from ..governance import Reserves

from ..formats import money, percent
from .style import LABELS, SERIES_COLOURS, WIDTH, Figure, kind_colour, with_kind_label

SUM_COLOUR = SERIES_COLOURS["baseline"]
POOLED_COLOUR = "#333333"  # near black: no organisation kind's colour, so never mistaken for one


def reserve_label(value: float) -> str:
    """£m to one decimal, as every £m chart of the kit; a reserve too small to show at that
    scale reads ``<£0.1m`` rather than ``£0.0m`` (it is not nothing): ``reserve_label(0.009)
    == '<£0.1m'``, ``reserve_label(0.0) == '£0.0m'``, ``reserve_label(4.26) == '£4.3m'``."""
    return "<£0.1m" if 0.0005 <= abs(value) < 0.05 else money(value)


def reserves_figure(facts: Reserves, chart_title: str | None = None) -> Figure:
    """One bar per NHS organisation (its reserve alone, coloured by kind), then the sum of
    those bars (grey) and the pooled reserve (black).

    ``facts`` is :meth:`casestudy.governance.ReserveDraws.facts`: its ``table`` has
    ``org_id, name, kind, arrangement ("alone" / "sum" / "pooled"), reserve_gbp_m``; the
    summary quotes its figures (no arithmetic here).
    """
    data = with_kind_label(facts.table[["org_id", "name", "kind", "arrangement", "reserve_gbp_m"]])
    data["label"] = data.reserve_gbp_m.map(reserve_label)
    alone = data[data.arrangement == "alone"]
    share = facts.released_share
    less = f" ({percent(share)} less)" if share is not None else ""
    summary = (f"Contingency reserves to meet the control total in {percent(facts.confidence)} "
               f"of years: the {facts.organisations} NHS organisations alone need "
               f"{money(facts.sum_alone_gbp_m)} between them; pooled, the system needs "
               f"{money(facts.pooled_gbp_m)}{less}.")
    kinds = tuple(dict.fromkeys(alone.kind))
    shape = (tuple(data.name), kinds)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        # Colour by kind (the kit's legend) for the organisations alone; the sum and the
        # pooled reserve are no kind, so they take fixed colours and stay out of the legend.
        colour = kind_colour(kinds=list(shape[1]))
        colour.condition = [
            alt.ConditionalValueDefstringnullExprRef(test="datum.arrangement === 'sum'",
                                                     value=SUM_COLOUR),
            alt.ConditionalValueDefstringnullExprRef(test="datum.arrangement === 'pooled'",
                                                     value=POOLED_COLOUR),
        ]
        bars = alt.Chart().mark_bar(height=18).encode(
            y=y,
            x=alt.X("reserve_gbp_m:Q", title=LABELS["reserve_gbp_m"], axis=alt.Axis(tickCount=6)),
            color=colour,
            tooltip=[alt.Tooltip("name:N", title="Who holds it"),
                     alt.Tooltip("reserve_gbp_m:Q", title=LABELS["reserve_gbp_m"], format=",.2f")],
        )
        labels = alt.Chart().mark_text(align="left", dx=4, fontSize=12).encode(
            y=y, x="reserve_gbp_m:Q", text="label:N")
        return alt.layer(bars, labels, data=data).properties(
            width=WIDTH - 60, height=30 * len(shape[0]))

    return Figure(data, summary, draw, shape,
                  chart_title or "Reserve to meet the control total in most years: alone or pooled",
                  "Coloured bars: each NHS organisation alone, by kind. Grey: their sum. "
                  "Black: the same risks pooled.")


def reserves_chart(facts: Reserves, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`reserves_figure`."""
    return reserves_figure(facts, chart_title).chart()
