"""The teams side by side: the NHS system under each team's deal, and who would sign it.

Both take the frames of ``casestudy.compare.TeamComparison``; nothing is computed here but
ordering and labels. The first chart draws the three measures the comparison judges
(underlying, before incentive funds, after them), each against the NHS control total and
coloured by that same test, so no bar is drawn past a line it is said to miss.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..compare import MEASURES, team_order
from .style import FONT, WIDTH, Figure, money

AT_OR_ABOVE = "At or above the control total"
BELOW = "Below it"
MET_COLOURS = {AT_OR_ABOVE: "#0072B2", BELOW: "#E69F00"}  # blue and orange, never red and green
ROW_PX = 26
FACET_PX = 190  # three facets and the team names fit a 1024 px projector
CELL_FONT = 13
# Cell figures turn white beyond this share of the colour scale's half-range: on the
# "blueorange" scheme black reads better nearer the middle, white from about 0.72 (blue
# side) or 0.78 (orange side) outwards, so 0.75 keeps every figure at a contrast of 3 or more.
WHITE_TEXT_FROM = 0.75
REGIME = "Before incentive funds"  # MEASURES' words for the regime's test


def _row_label(teams: pd.DataFrame) -> dict[str, str]:
    """Each team's row label: an example says so (unless its name does: "Bot table 2")."""
    return {row.team: f"{row.team} (example)" if row.example and not any(
            word in row.team.casefold() for word in ("example", "bot")) else row.team
            for row in teams.itertuples()}


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def team_outcomes_figure(system: pd.DataFrame, teams: pd.DataFrame,
                         chart_title: str | None = None, facet_px: int = FACET_PX) -> Figure:
    """Three panels side by side, one row per team: the NHS system's underlying position,
    its position before incentive funds (the regime's test) and after them, each with the
    NHS control total (black tick) and coloured by whether that value reaches it.
    ``facet_px``: each panel's width (narrower beside a page's controls)."""
    order = team_order(teams)
    labels = _row_label(teams)
    data = system[["team", "measure", "value_gbp_m", "control_total_gbp_m", "at_or_above"]].copy()
    data["row"] = data.team.map(labels)
    data["test"] = data.at_or_above.map({True: AT_OR_ABOVE, False: BELOW})
    data = data.drop(columns="at_or_above")
    real = teams[~teams.is_baseline & ~teams.example]
    shown = real if len(real) else teams[~teams.is_baseline]
    control = float(teams.nhs_control_total_gbp_m.iloc[0])
    if shown.empty:
        summary = (f"No team's deal yet: only the baseline, whose NHS position before incentive "
                   f"funds is {money(float(teams.nhs_position_before_incentive_gbp_m.iloc[0]))} "
                   f"against a control total of {money(control)}.")
    else:
        best = shown.loc[shown.nhs_position_before_incentive_gbp_m.idxmax()]
        met = int(shown.nhs_met_control_total.sum())
        summary = (f"{_count(len(shown), 'team' if len(real) else 'example team')}; {met} "
                   f"{'reaches' if met == 1 else 'reach'} the NHS "
                   f"control total of {money(control)} before incentive funds. Best before funds: "
                   f"{best.team} ({money(best.nhs_position_before_incentive_gbp_m)}; underlying "
                   f"{money(best.nhs_underlying_position_gbp_m)}; after funds "
                   f"{money(best.nhs_position_gbp_m)}).")
    rows = tuple(labels[t] for t in order)
    shape = (rows, facet_px)

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        height = max(90, ROW_PX * len(shape[0]))
        parts = []
        for number, measure in enumerate(MEASURES.values()):
            y = alt.Y("row:N", sort=list(shape[0]), title=None,
                      axis=alt.Axis(labelLimit=170) if number == 0 else None)
            where = alt.datum.measure == measure
            bars = alt.Chart().transform_filter(where).mark_bar(height=16).encode(
                x=alt.X("value_gbp_m:Q", title="£m", scale=alt.Scale(zero=True)),
                y=y,
                color=alt.Color("test:N", title="Against the NHS control total (black tick)",
                                scale=alt.Scale(domain=list(MET_COLOURS),
                                                range=list(MET_COLOURS.values())),
                                legend=alt.Legend(orient="bottom", titleLimit=400)),
                tooltip=[alt.Tooltip("row:N", title="Team"),
                         alt.Tooltip("measure:N", title="Measure"),
                         alt.Tooltip("value_gbp_m:Q", title="NHS system (£m)", format=",.1f"),
                         alt.Tooltip("control_total_gbp_m:Q", title="Control total (£m)",
                                     format=",.1f"),
                         alt.Tooltip("test:N", title="Against it")])
            rule = alt.Chart().transform_filter(where).mark_tick(
                color="black", thickness=3, size=22).encode(x="control_total_gbp_m:Q", y=y)
            zero = alt.Chart().mark_rule(color="#777777").encode(x=alt.datum(0))
            title = (alt.Title(measure, subtitle="the regime's test", fontSize=FONT)
                     if measure == REGIME else alt.Title(measure, subtitle=" ", fontSize=FONT))
            parts.append(alt.layer(bars, rule, zero).properties(
                width=shape[1], height=height, title=title))
        return alt.hconcat(*parts, data=data, spacing=10).resolve_scale(x="shared", y="shared")

    # Short enough for the team round's chart column at 1024 px (it was cut off there).
    key = "The NHS system under each deal. Black tick: its control total."
    return Figure(data, summary, draw, shape, chart_title, key)


def team_outcomes_chart(system: pd.DataFrame, teams: pd.DataFrame, **kwargs) -> alt.TopLevelMixin:
    return team_outcomes_figure(system, teams, **kwargs).chart()


def signatures_figure(positions: pd.DataFrame, teams: pd.DataFrame,
                      chart_title: str | None = None) -> Figure:
    """A grid, one row per team, one column per organisation: the change in each
    organisation's reported position under the team's deal against the baseline (orange:
    worse off, so it would not sign; blue: better off). The row label says whether every
    organisation signs."""
    order = team_order(teams)
    labels = _row_label(teams)
    verdict = {row.team: ("all sign" if row.all_sign else f"{row.refuser_count} would not sign")
               for row in teams.itertuples()}
    data = positions[["team", "name", "change_gbp_m", "position_gbp_m",
                      "baseline_position_gbp_m", "signs"]].copy()
    data["row"] = data.team.map(lambda t: f"{labels[t]}: {verdict[t]}")
    data["signs_label"] = data.signs.map({True: "Signs", False: "Would not sign"})
    data = data[data.team != order[0]].drop(columns=["team", "signs"])  # not the baseline
    names = tuple(dict.fromkeys(positions.name))
    rows = tuple(f"{labels[t]}: {verdict[t]}" for t in order[1:])
    refusing = teams[~teams.is_baseline & ~teams.all_sign]
    if not rows:
        summary = (f"No team's deal yet: nothing for the {len(names)} organisations to sign or "
                   "refuse.")
    else:
        counts = (positions[(positions.team != order[0]) & ~positions.signs]
                  .groupby("name").size().sort_values(ascending=False, kind="stable"))
        most = (f" {counts.index[0]} would refuse {int(counts.iloc[0])} of them." if len(counts)
                else "")
        signed = len(rows) - len(refusing)
        summary = (f"Who would sign each of {_count(len(rows), 'deal')}: {signed} "
                   f"{'is' if signed == 1 else 'are'} signed by every organisation.{most}")
    spread = float(data.change_gbp_m.abs().max()) if len(data) else 1.0
    shape = (rows, names, round(max(spread, 0.1), 6))

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("row:N", sort=list(shape[0]), title=None, axis=alt.Axis(labelLimit=260))
        x = alt.X("name:N", sort=list(shape[1]), title=None,
                  axis=alt.Axis(orient="top", labelAngle=-35, labelLimit=300))
        limit = shape[2]
        # With no deal the grid has no cells: an empty mark container with a role and no
        # name is what a screen reader (and axe) would meet, so it is left out of their way.
        marked = bool(shape[0])
        cells = alt.Chart().mark_rect(aria=marked).encode(
            x=x, y=y,
            color=alt.Color("change_gbp_m:Q", title="Change against the baseline (£m)",
                            scale=alt.Scale(scheme="blueorange", reverse=True, domainMid=0,
                                            domain=[-limit, limit]),
                            legend=alt.Legend(orient="bottom", gradientLength=260, titleLimit=400)),
            tooltip=[alt.Tooltip("row:N", title="Team"), alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("baseline_position_gbp_m:Q", title="Baseline (£m)", format=",.1f"),
                     alt.Tooltip("position_gbp_m:Q", title="Under the deal (£m)", format=",.1f"),
                     alt.Tooltip("change_gbp_m:Q", title="Change (£m)", format=",.1f"),
                     alt.Tooltip("signs_label:N", title="Would it sign?")])
        dark = f"abs(datum.change_gbp_m) >= {WHITE_TEXT_FROM * limit!r}"
        text = alt.Chart().mark_text(fontSize=CELL_FONT, aria=marked).encode(
            x=x, y=y, text=alt.Text("change_gbp_m:Q", format=",.1f"),
            color=alt.condition(dark, alt.value("white"), alt.value("black")))
        # Room on the right for the last slanted name, which Vega does not count in the size.
        return alt.layer(cells, text, data=data).properties(
            width=max(WIDTH - 120, 50 * len(shape[1])), height=max(60, ROW_PX * len(shape[0])),
            padding={"left": 5, "top": 5, "bottom": 5, "right": 150})

    key = ("Each cell: the organisation's reported position under the deal minus under the "
           "baseline (£m). Orange: worse off, so it would not sign.")
    return Figure(data, summary, draw, shape, chart_title, key)


def signatures_chart(positions: pd.DataFrame, teams: pd.DataFrame, **kwargs) -> alt.TopLevelMixin:
    return signatures_figure(positions, teams, **kwargs).chart()


def deal_signatures_figure(positions: pd.DataFrame, team: str,
                           chart_title: str | None = None) -> Figure:
    """One deal: a bar per organisation, its reported position under the deal minus under
    the baseline (£m), orange where it is worse off (it would not sign), blue where not."""
    data = positions.loc[positions.team == team, ["name", "change_gbp_m", "position_gbp_m",
                                                  "baseline_position_gbp_m", "signs"]].copy()
    data["signs_label"] = data.signs.map({True: "Signs", False: "Would not sign"})
    data = data.drop(columns="signs")
    refusing = data[data.signs_label != "Signs"]
    summary = (f"Who would sign {team}: every organisation." if refusing.empty else
               f"Who would sign {team}: {_count(len(refusing), 'organisation')} would not ("
               + "; ".join(f"{r.name} {money(r.change_gbp_m)}" for r in refusing.itertuples())
               + ").")
    shape = (tuple(data.name),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        y = alt.Y("name:N", sort=list(shape[0]), title=None, axis=alt.Axis(labelLimit=250))
        bars = alt.Chart().mark_bar(height=14).encode(
            x=alt.X("change_gbp_m:Q", title="Change against the baseline (£m)"),
            y=y,
            color=alt.Color("signs_label:N", title="Would it sign?",
                            scale=alt.Scale(domain=["Signs", "Would not sign"],
                                            range=["#0072B2", "#E69F00"]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=[alt.Tooltip("name:N", title="Organisation"),
                     alt.Tooltip("baseline_position_gbp_m:Q", title="Baseline (£m)", format=",.1f"),
                     alt.Tooltip("position_gbp_m:Q", title="Under the deal (£m)", format=",.1f"),
                     alt.Tooltip("change_gbp_m:Q", title="Change (£m)", format=",.1f"),
                     alt.Tooltip("signs_label:N", title="Would it sign?")])
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, zero, data=data).properties(
            width=300, height=max(120, 22 * len(shape[0])))

    key = "Each organisation's reported position under the deal minus under the baseline."
    return Figure(data, summary, draw, shape, chart_title, key)
