"""The contingency reserve each NHS organisation needs alone, their sum, and the reserve
the system needs when the risk is pooled.

The frame comes from :meth:`casestudy.governance.ReserveDraws.reserves`.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .bridge import fine_money
from .style import KIND_COLOURS, LABELS, SERIES_COLOURS, WIDTH, Figure, money

SUM_COLOUR = SERIES_COLOURS["baseline"]
POOLED_COLOUR = "#333333"  # near black: no organisation kind's colour, so never mistaken for one


def reserves_figure(frame: pd.DataFrame, confidence: float, chart_title: str | None = None) -> Figure:
    """One bar per NHS organisation (its reserve alone, coloured by kind), then the sum of
    those bars (grey) and the pooled reserve (blue).

    ``frame`` has ``org_id, name, kind, arrangement ("alone" / "sum" / "pooled"),
    reserve_gbp_m``; ``confidence`` is the share of years the reserves cover.
    """
    data = frame[["org_id", "name", "kind", "arrangement", "reserve_gbp_m"]].copy()
    data["colour"] = [KIND_COLOURS.get(k, SUM_COLOUR) if a == "alone"
                      else SUM_COLOUR if a == "sum" else POOLED_COLOUR
                      for k, a in zip(data.kind, data.arrangement)]
    data["label"] = data.reserve_gbp_m.map(fine_money)
    total = data.loc[data.arrangement == "sum", "reserve_gbp_m"].iloc[0]
    pooled = data.loc[data.arrangement == "pooled", "reserve_gbp_m"].iloc[0]
    alone = data[data.arrangement == "alone"]
    share = f" ({(total - pooled) / total:.0%} less)" if total > 0 else ""
    summary = (f"Contingency reserves to meet the control total in {confidence:.0%} of years: "
               f"the {len(alone)} NHS organisations alone need {money(total)} between them; "
               f"pooled, the system needs {money(pooled)}{share}.")
    shape = (tuple(data.name),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        bars = alt.Chart().mark_bar(height=18).encode(
            y=y,
            x=alt.X("reserve_gbp_m:Q", title=LABELS["reserve_gbp_m"], axis=alt.Axis(tickCount=6)),
            color=alt.Color("colour:N", scale=None),
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


def reserves_chart(frame: pd.DataFrame, confidence: float,
                   chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`reserves_figure`."""
    return reserves_figure(frame, confidence, chart_title).chart()
