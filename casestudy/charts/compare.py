"""The teams side by side: their choices against the system's outcome, and positions by team.

Both take the frames of ``casestudy.compare.TeamComparison``; nothing is computed here
but ordering and labels.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from .style import LABELS, SERIES_COLOURS, WIDTH, Figure, money

MET_LABELS = {True: "Met", False: "Missed"}
# Met against missed in blue and orange: never red against green.
MET_COLOURS = {"Met": "#0072B2", "Missed": "#E69F00"}
ROW_PX = 24
CHOICE_COLUMN_PX = 124
CELL_FONT = 13
# Cell figures turn white beyond this share of the colour scale's half-range: on the
# "blueorange" scheme black reads better nearer the middle, white from about 0.72 (blue
# side) or 0.78 (orange side) outwards, so 0.75 keeps every figure at a contrast of 3 or more.
WHITE_TEXT_FROM = 0.75


def team_order(teams: pd.DataFrame) -> list[str]:
    """The baseline first, then the teams from the best NHS system position to the worst."""
    base = teams[teams.is_baseline]
    rest = teams[~teams.is_baseline].sort_values("nhs_position_gbp_m", ascending=False,
                                                 kind="stable")
    return list(base.team) + list(rest.team)


def team_outcomes_figure(teams: pd.DataFrame, choices: pd.DataFrame,
                         chart_title: str | None = None) -> Figure:
    """Left, each team's choices (the fields any team changed; changed cells shaded); right,
    the NHS system position it leads to, against the system control total (black tick)."""
    order = team_order(teams)
    outcome = teams[["team", "nhs_position_gbp_m", "nhs_control_total_gbp_m",
                     "nhs_met_control_total", "changes"]].copy()
    outcome["met_label"] = outcome.nhs_met_control_total.map(MET_LABELS)
    outcome["part"] = "outcome"
    picked = choices[["team", "label", "value", "changed"]].copy()
    picked["part"] = "choice"
    data = pd.concat([outcome.drop(columns="nhs_met_control_total"), picked], ignore_index=True)
    labels = list(dict.fromkeys(choices.label))
    real = teams[~teams.is_baseline]
    if real.empty:
        summary = "No team's scenario yet: only the baseline is shown."
    else:
        best, worst = real.loc[real.nhs_position_gbp_m.idxmax()], real.loc[real.nhs_position_gbp_m.idxmin()]
        summary = (f"{len(real)} teams; {int(real.nhs_met_control_total.sum())} meet the NHS system "
                   f"control total of {money(float(teams.nhs_control_total_gbp_m.iloc[0]))}. "
                   f"Best: {best.team} ({money(best.nhs_position_gbp_m)}: {best.changes}); "
                   f"worst: {worst.team} ({money(worst.nhs_position_gbp_m)}: {worst.changes}).")
    shape = (tuple(order), tuple(labels))

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        height = max(120, ROW_PX * len(shape[0]))
        y = alt.Y("team:N", sort=list(shape[0]), title=None)
        is_choice = alt.datum.part == "choice"
        x_choice = alt.X("label:N", sort=list(shape[1]), title=None,
                         axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=150))
        cells = alt.Chart().transform_filter(is_choice).mark_rect(
            color=SERIES_COLOURS["reported"], opacity=0.18).encode(
            x=x_choice, y=y, opacity=alt.Opacity("changed:N", legend=None,
                                                 scale=alt.Scale(domain=[False, True],
                                                                 range=[0, 0.18])))
        words = alt.Chart().transform_filter(is_choice).mark_text(fontSize=13, limit=CHOICE_COLUMN_PX - 4).encode(
            x=x_choice, y=y, text="value:N",
            tooltip=[alt.Tooltip("team:N", title="Team"), alt.Tooltip("label:N", title="Setting"),
                     alt.Tooltip("value:N", title="Value")])
        choice_part = alt.layer(cells, words).properties(
            width=max(CHOICE_COLUMN_PX, CHOICE_COLUMN_PX * len(shape[1])), height=height,
            title=alt.Title("What each team chose", subtitle="Shaded: changed from the baseline.",
                            fontSize=14))
        is_outcome = alt.datum.part == "outcome"
        bars = alt.Chart().transform_filter(is_outcome).mark_bar(height=16).encode(
            x=alt.X("nhs_position_gbp_m:Q", title="NHS system position (£m)"),
            y=y.axis(None) if shape[1] else y,
            color=alt.Color("met_label:N", title="System control total",
                            scale=alt.Scale(domain=list(MET_COLOURS),
                                            range=list(MET_COLOURS.values())),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("team:N", title="Team"),
                     alt.Tooltip("nhs_position_gbp_m:Q", title="NHS system position (£m)",
                                 format=",.1f"),
                     alt.Tooltip("nhs_control_total_gbp_m:Q", title=LABELS["control_total_gbp_m"],
                                 format=",.1f"),
                     alt.Tooltip("changes:N", title="Changed")])
        ticks = alt.Chart().transform_filter(is_outcome).mark_tick(
            color="black", thickness=3, size=22).encode(x="nhs_control_total_gbp_m:Q",
                                                        y=y.axis(None) if shape[1] else y)
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        outcome_part = alt.layer(bars, ticks, zero).properties(
            width=320, height=height,
            title=alt.Title("What it did to the NHS system", fontSize=14,
                            subtitle=["Black tick: the NHS system control total.",
                                      "Met or missed before incentive funds."]))
        parts = [choice_part, outcome_part] if shape[1] else [outcome_part]
        return alt.hconcat(*parts, data=data, spacing=8).resolve_scale(y="shared")

    # The key goes under each part's own title: as the figure's subtitle it would be drawn
    # above those titles (Figure.chart puts a lone subtitle over the whole chart).
    return Figure(data, summary, draw, shape, chart_title)


def team_outcomes_chart(teams: pd.DataFrame, choices: pd.DataFrame, **kwargs) -> alt.TopLevelMixin:
    return team_outcomes_figure(teams, choices, **kwargs).chart()


def team_positions_figure(positions: pd.DataFrame, teams: pd.DataFrame,
                          chart_title: str | None = None) -> Figure:
    """A grid: one row per team, one column per organisation, each cell the organisation's
    position against its control total (blue above, orange below; the figure in £m).

    Organisations outside the NHS control total (council, care providers, voluntary sector)
    have no NHS control total: their cells are their position against break-even (or their
    own target, if the system's data gives them one). They sit in the right-hand columns,
    and the key and each cell's tooltip say so.
    """
    order = team_order(teams)
    data = positions[["team", "org_id", "name", "kind", "in_nhs_control_total", "position_gbp_m",
                      "control_total_gbp_m", "against_control_total_gbp_m",
                      "met_control_total"]].copy()
    data["met_label"] = data.met_control_total.map(MET_LABELS)
    inside = data.in_nhs_control_total.astype(bool)
    outside_target = ("break-even" if data.loc[~inside, "control_total_gbp_m"].eq(0).all()
                      else "own target")
    data["measure"] = inside.map({True: "NHS control total", False: outside_target})
    data = data.drop(columns="in_nhs_control_total")
    # The organisations in the NHS control total first, then those outside it.
    names = list(dict.fromkeys(data.name[inside])) + list(dict.fromkeys(data.name[~inside]))
    outside = len(dict.fromkeys(data.name[~inside]))
    phrase = {"NHS control total": "its control total", "break-even": "break-even",
              "own target": "its own target"}
    below_what = dict(zip(data.name, data.measure.map(phrase)))
    real = data[data.team.isin(teams.team[~teams.is_baseline])]
    if real.empty:
        summary = "No team's scenario yet: only the baseline's positions are shown."
    else:
        below = real[real.against_control_total_gbp_m < 0]
        counts = below.groupby("name").size().sort_values(ascending=False, kind="stable")
        most = (f"{counts.index[0]} is below {below_what[counts.index[0]]} for "
                f"{int(counts.iloc[0])} of {real.team.nunique()} teams." if len(counts) else
                "Every organisation meets its control total (or break-even) for every team.")
        summary = f"Positions against control totals for {real.team.nunique()} teams. {most}"
    spread = float(data.against_control_total_gbp_m.abs().max()) if len(data) else 1.0
    key = "Each cell: position minus control total (£m). Orange: below it; blue: above it."
    legend = "Position against control total (£m)"
    if outside:
        key = (f"Each cell: position against control total (£m). The {outside} on the right are "
               f"outside the NHS control total: against {outside_target}.")
        legend = f"Position against control total or {outside_target} (£m)"
    shape = (tuple(order), tuple(names), round(spread, 6), legend)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("team:N", sort=list(shape[0]), title=None)
        x = alt.X("name:N", sort=list(shape[1]), title=None,
                  axis=alt.Axis(orient="top", labelAngle=-35, labelLimit=300))
        limit = shape[2] or 1.0
        cells = alt.Chart().mark_rect().encode(
            x=x, y=y,
            color=alt.Color("against_control_total_gbp_m:Q", title=shape[3],
                            scale=alt.Scale(scheme="blueorange", reverse=True, domainMid=0,
                                            domain=[-limit, limit]),
                            legend=alt.Legend(orient="bottom", gradientLength=300, titleLimit=400)),
            tooltip=[alt.Tooltip("team:N", title="Team"), alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("position_gbp_m:Q", title=LABELS["position_gbp_m"], format=",.1f"),
                     alt.Tooltip("measure:N", title="Against"),
                     alt.Tooltip("control_total_gbp_m:Q", title="Target (£m)", format=",.1f"),
                     alt.Tooltip("met_label:N", title="Met or missed")])
        # White on the dark ends of the scale, black on its light middle.
        dark = f"abs(datum.against_control_total_gbp_m) >= {WHITE_TEXT_FROM * limit!r}"
        text = alt.Chart().mark_text(fontSize=CELL_FONT).encode(
            x=x, y=y, text=alt.Text("against_control_total_gbp_m:Q", format=",.1f"),
            color=alt.condition(dark, alt.value("white"), alt.value("black")))
        # Room on the right for the last slanted name, which Vega does not count in the size.
        return alt.layer(cells, text, data=data).properties(
            width=max(WIDTH, 58 * len(shape[1])), height=max(120, ROW_PX * len(shape[0])),
            padding={"left": 5, "top": 5, "bottom": 5, "right": 150})

    return Figure(data, summary, draw, shape, chart_title, key)


def team_positions_chart(positions: pd.DataFrame, teams: pd.DataFrame, **kwargs
                         ) -> alt.TopLevelMixin:
    return team_positions_figure(positions, teams, **kwargs).chart()
