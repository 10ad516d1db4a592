"""Two scenarios side by side: each organisation's position under A and B, what B changes,
and the NHS system's reported and underlying position over the years under each.

The frames come from :func:`casestudy.ui.sandbox.side_by_side` (two ``run_year`` results)
and :func:`casestudy.system_totals` of two projections; the charts compute nothing.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .distribution import records
from .style import KIND_LABELS, LABELS, SERIES_COLOURS, WIDTH, Figure, kind_colour, money

SCENARIOS = ("A", "B")
SERIES = {"position_gbp_m": "Reported", "underlying_position_gbp_m": "Underlying"}


def ab_positions_figure(frame: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """Left: each organisation's position under A (solid) and B (pale) before incentive funds,
    a black tick at its control total (which that position is tested against), and the fund
    received as a thin dark bar from there to the position ``run_year`` reports, as lesson
    3's positions chart draws it. Right: what B changes from A in the reported position.

    A bar past its tick has met the control total without its fund, as in lessons 3 and 4;
    with the funds in the bars, a trust on its control total read as far above it.

    ``frame`` has one row per organisation x scenario: ``scenario`` ("A" or "B"), ``org_id``,
    ``name``, ``kind``, ``position_gbp_m``, ``position_before_incentive_gbp_m``,
    ``control_total_gbp_m`` and ``change_gbp_m`` (B minus A, the same on both rows of an
    organisation).
    """
    columns = ["scenario", "org_id", "name", "kind", "position_gbp_m",
               "position_before_incentive_gbp_m", "control_total_gbp_m", "change_gbp_m"]
    rows = records(frame, columns)
    for row in rows:
        row["kind_label"] = KIND_LABELS[row["kind"]]
    data = pd.DataFrame(rows, columns=[*columns, "kind_label"])
    names = tuple(dict.fromkeys(r["name"] for r in rows))
    kinds = tuple(dict.fromkeys(r["kind"] for r in rows))
    changes = {r["name"]: r["change_gbp_m"] for r in rows if r["scenario"] == "B"}
    moved = sorted(changes, key=lambda n: abs(changes[n]), reverse=True)
    if moved and abs(changes[moved[0]]) >= 0.05:
        summary = ("Positions of each organisation under scenarios A and B; B moves "
                   + ", ".join(f"{n} by {money(changes[n])}" for n in moved[:3]
                               if abs(changes[n]) >= 0.05) + " most.")
    else:
        summary = "Positions of each organisation under scenarios A and B: B changes no position."
    shape = (names, kinds)

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None)
        offset = alt.YOffset("scenario:N", sort=list(SCENARIOS))
        tooltip = [alt.Tooltip("name:N", title="Organisation"),
                   alt.Tooltip("scenario:N", title="Scenario"),
                   alt.Tooltip("position_before_incentive_gbp_m:Q",
                               title="Position before incentive fund (£m)", format=",.1f"),
                   alt.Tooltip("control_total_gbp_m:Q", title=LABELS["control_total_gbp_m"],
                               format=",.1f"),
                   alt.Tooltip("position_gbp_m:Q", title="Position with incentive fund (£m)",
                               format=",.1f"),
                   alt.Tooltip("change_gbp_m:Q", title="B minus A (£m)", format="+,.1f")]
        colour = kind_colour(kinds=list(shape[1]))
        bars = alt.Chart().mark_bar(height=12).encode(
            y=y, yOffset=offset,
            x=alt.X("position_before_incentive_gbp_m:Q", title=LABELS["position_gbp_m"]),
            color=colour,
            opacity=alt.Opacity("scenario:N", title="Scenario", sort=list(SCENARIOS),
                                scale=alt.Scale(domain=list(SCENARIOS), range=[1.0, 0.45]),
                                legend=alt.Legend(orient="bottom")),
            tooltip=tooltip)
        funds = alt.Chart().mark_bar(height=4, color="#333333").encode(
            y=y, yOffset=offset, x="position_before_incentive_gbp_m:Q", x2="position_gbp_m:Q",
            tooltip=tooltip)
        ticks = alt.Chart().mark_tick(color="black", thickness=3, size=26).encode(
            y=y, x="control_total_gbp_m:Q")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        height = 30 * len(shape[0])
        left = alt.layer(bars, funds, ticks, zero).properties(width=WIDTH - 250, height=height)
        change = alt.Chart().transform_filter(alt.datum.scenario == "B").mark_bar(height=14).encode(
            y=alt.Y("name:N", sort=list(shape[0]), title=None, axis=None),
            x=alt.X("change_gbp_m:Q", title="B minus A (£m)"),
            color=colour, tooltip=tooltip)
        right = alt.layer(change, zero).properties(width=150, height=height)
        return alt.hconcat(left, right, data=data, spacing=12)

    return Figure(data, summary, draw, shape, chart_title,
                  "Bars: before incentive funds; thin dark bar: fund received. Black tick: "
                  "control total. Solid A, pale B.")


def ab_positions_chart(frame: pd.DataFrame, chart_title: str | None = None) -> alt.HConcatChart:
    """The chart of :func:`ab_positions_figure`."""
    return ab_positions_figure(frame, chart_title).chart()


def ab_years_figure(totals: pd.DataFrame, chart_title: str | None = None) -> Figure:
    """The NHS system's reported and underlying position year by year, A solid and B dashed.

    ``totals`` is :func:`casestudy.system_totals` of two projections stacked with a
    ``scenario`` column ("A" or "B").
    """
    rows = records(totals, ["scenario", "year", *SERIES])
    data = pd.DataFrame(
        [(r["scenario"], r["year"], label, r[column]) for r in rows for column, label in SERIES.items()],
        columns=["scenario", "year", "series", "value_gbp_m"])
    last = {}
    for r in rows:
        if r["year"] >= last.get(r["scenario"], {"year": 0})["year"]:
            last[r["scenario"]] = r
    summary = ("The NHS system's reported and underlying position year by year under A and B; "
               + "; ".join(f"in year {r['year']} {name} reports {money(r['position_gbp_m'])} "
                           f"with an underlying position of {money(r['underlying_position_gbp_m'])}"
                           for name, r in sorted(last.items())) + ".")
    shape = (int(totals.year.max()),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
        y = alt.Y("value_gbp_m:Q", title="NHS system position (£m)")
        colour = alt.Color("series:N", title=None, scale=alt.Scale(
            domain=list(SERIES.values()),
            range=[SERIES_COLOURS["reported"], SERIES_COLOURS["underlying"]]),
            legend=alt.Legend(orient="bottom"))
        dash = alt.StrokeDash("scenario:N", title="Scenario", sort=list(SCENARIOS),
                              scale=alt.Scale(domain=list(SCENARIOS), range=[[], [6, 4]]),
                              legend=alt.Legend(orient="bottom", symbolType="stroke",
                                                symbolStrokeWidth=2.5, symbolSize=400))
        tooltip = [alt.Tooltip("scenario:N", title="Scenario"), alt.Tooltip("year:O", title="Year"),
                   alt.Tooltip("series:N", title="Line"),
                   alt.Tooltip("value_gbp_m:Q", title="£m", format=",.1f")]
        lines = alt.Chart().mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=colour, strokeDash=dash, detail="scenario:N", tooltip=tooltip)
        points = alt.Chart().mark_point(filled=True, size=30).encode(
            x=x, y=y, color=alt.Color("series:N", legend=None), tooltip=tooltip)
        zero = alt.Chart().mark_rule(color="#999999").encode(y=alt.datum(0))
        return alt.layer(zero, lines, points, data=data).properties(width=WIDTH - 120, height=180)

    return Figure(data, summary, draw, shape, chart_title,
                  "Blue: reported. Vermilion: underlying. Solid: A. Dashed: B.")


def ab_years_chart(totals: pd.DataFrame, chart_title: str | None = None) -> alt.LayerChart:
    """The chart of :func:`ab_years_figure`."""
    return ab_years_figure(totals, chart_title).chart()
