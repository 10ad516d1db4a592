"""The system game's reveal on the facilitator's screen: every organisation's reported and
underlying position against its control total, in one chart (no model arithmetic here: the
figures are the round's result, ``casestudy.game.model.RoundResult``, as a tidy frame).

A bar per organisation for the reported position (its kind's colour), a vermilion diamond
with a dark edge for the underlying position (without one-offs: savings that will not
recur, incentive funds, support), and a black tick at the control total of each NHS
organisation. The summary (the chart's text alternative) names every figure.

>>> import pandas as pd
>>> frame = pd.DataFrame([{"org_id": "a", "name": "Acute", "kind": "acute",
...     "in_nhs_control_total": True, "position_gbp_m": -1.0,
...     "underlying_position_gbp_m": -3.0, "control_total_gbp_m": 0.5,
...     "met_control_total": False}])
>>> reveal_figure(frame, {"position_gbp_m": -1.0, "underlying_position_gbp_m": -3.0,
...     "control_total_gbp_m": 0.5, "met_control_total": False,
...     "position_before_funds_gbp_m": -1.0}, "2017/18").summary.endswith(
...     "Acute: reported -\N{WORD JOINER}£1.0m, underlying -\N{WORD JOINER}£3.0m against a control "
...     "total of £0.5m (missed).")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import altair as alt
import pandas as pd

from .style import FONT, SERIES_COLOURS, Figure, kind_colour, money, with_kind_label

# Fits a 1024-px projector with the organisations' names beside it (the console's page is
# about 980 px wide at 1024).
REVEAL_WIDTH = 460
ROW_PX = 30


def reveal_figure(organisations: pd.DataFrame, system: Mapping[str, Any] | None,
                  year: str, chart_title: str | None = None) -> Figure:
    """The reveal's chart. ``organisations``: one row per organisation with ``name``,
    ``kind``, ``in_nhs_control_total``, ``position_gbp_m``, ``underlying_position_gbp_m``,
    ``control_total_gbp_m``, ``met_control_total``; ``system``: the NHS system's
    figures (the same names), or None."""
    data = with_kind_label(organisations)[
        ["name", "kind", "kind_label", "in_nhs_control_total", "position_gbp_m",
         "underlying_position_gbp_m", "control_total_gbp_m", "met_control_total"]].copy()
    # Only an NHS organisation has a control total to tick: the others' is left blank.
    data["control_tick_gbp_m"] = data["control_total_gbp_m"].where(
        data["in_nhs_control_total"].astype(bool))
    words = []
    for row in data.itertuples(index=False):
        against = (f" against a control total of {money(row.control_total_gbp_m)} ("
                   f"{'met' if row.met_control_total else 'missed'})"
                   if row.in_nhs_control_total else " (outside the NHS control total)")
        words.append(f"{row.name}: reported {money(row.position_gbp_m)}, underlying "
                     f"{money(row.underlying_position_gbp_m)}{against}")
    head = f"Round result, {year}."
    if system is not None:
        head += (f" The NHS system reported {money(system['position_gbp_m'])} (underlying "
                 f"{money(system['underlying_position_gbp_m'])}) against a control total of "
                 f"{money(system['control_total_gbp_m'])}: "
                 f"{'met' if system['met_control_total'] else 'missed'}, judged before "
                 f"incentive funds ({money(system['position_before_funds_gbp_m'])}).")
    summary = head + " " + "; ".join(words) + "."
    key = ("Bar: reported position. Diamond: underlying position (without one-offs). "
           "Black tick: control total.")
    shape = (tuple(data["name"]), tuple(dict.fromkeys(data["kind"])))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None,
                  axis=alt.Axis(labelLimit=300, labelFontSize=FONT))
        money_format = ",.1f"
        tooltip = [alt.Tooltip("name:N", title="Organisation"),
                   alt.Tooltip("position_gbp_m:Q", title="Reported (£m)", format=money_format),
                   alt.Tooltip("underlying_position_gbp_m:Q", title="Underlying (£m)",
                               format=money_format),
                   alt.Tooltip("control_tick_gbp_m:Q", title="Control total (£m)",
                               format=money_format)]
        bars = alt.Chart().mark_bar(height=20).encode(
            y=y, x=alt.X("position_gbp_m:Q", title="Position (£m)"),
            color=kind_colour(kinds=list(shape[1])), tooltip=tooltip)
        # A diamond, told from the bars by its shape and dark edge (the acute trusts'
        # orange is too near the underlying series' vermilion to tell by colour alone).
        underlying = alt.Chart().mark_point(
            shape="diamond", filled=True, size=150, color=SERIES_COLOURS["underlying"],
            stroke="#1a1a1a", strokeWidth=1.5, opacity=1).encode(
            y=y, x="underlying_position_gbp_m:Q", tooltip=tooltip)
        ticks = alt.Chart().mark_tick(color="black", thickness=3, size=26).encode(
            y=y, x="control_tick_gbp_m:Q")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, underlying, ticks, zero, data=data).properties(
            width=REVEAL_WIDTH, height=max(140, ROW_PX * len(shape[0])))

    return Figure(data, summary, draw, shape, chart_title, key)


def reveal_chart(organisations: pd.DataFrame, system: Mapping[str, Any] | None, year: str,
                 chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`reveal_figure`."""
    return reveal_figure(organisations, system, year, chart_title).chart()
