"""The game's debrief: one chart per lesson, from ``casestudy.game.facts``'s typed results.

Nothing is computed here but labels, order and the sentences that state each chart's
figures (its text alternative): every number drawn is the model's, from the game's record.
Each chart fits a 1024 x 768 projector (at most 900 px wide), its text at least 13 px, in the
kit's palette (Okabe and Ito's colours; orange, never red, against blue).

- :func:`priorities_figure` (lesson 1): the leadership load of the schemes that ran against
  the capacity, round by round; each scheme backed, and the share of its effect delivered.
- :func:`positions_figure` (lesson 2): each organisation's reported position against its
  control total, a panel per round, blue where it would sign the same deal again.
- :func:`governance_figure` (lesson 3): the risk share's transfers; the incentive funds won
  as the room voted and had the vote gone the other way.
- :func:`fixed_income_figure` (lesson 4): reported and underlying positions (the one-off
  savings and support between them vanish next year); who carried the volume risk.
- :func:`place_figure` (lesson 5): the council's social care decision against the same year
  with its spending held: the council, the NHS, everyone else, the whole place.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from ..game.facts import GameDebrief
from .style import FONT, KIND_COLOURS, Figure, money

# Okabe and Ito's colours, one per round (the kit's palette); six rounds at most.
ROUND_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00")
SIGNS, WOULD_NOT = "Would sign again", "Would not sign again"
SIGN_COLOURS = {SIGNS: "#0072B2", WOULD_NOT: "#E69F00"}
MAX_WIDTH = 900  # px: the widest chart, with its labels, inside a 1024 px page
LABEL_PX = 230  # organisation and scheme names
TEXT = FONT - 1  # 13 px: the smallest text on any chart
BAR_PX = 12  # one round's bar
NAME_LIMIT = 34  # characters of a name shown on an axis (the full name is in the tooltip)


def _round_label(number: int, year: str) -> str:
    return f"Round {number} ({year})"


def _rounds(debrief: GameDebrief) -> list[str]:
    return [_round_label(r.round, r.year) for r in debrief.rounds]


def _round_colour(labels: Sequence[str], vertical: bool = False) -> alt.Color:
    return alt.Color("round_label:N", title=None, sort=list(labels),
                     scale=alt.Scale(domain=list(labels),
                                     range=list(ROUND_COLOURS[:len(labels)])),
                     legend=alt.Legend(orient="bottom", labelFontSize=TEXT,
                                       direction="vertical" if vertical else "horizontal"))


def _short(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1] + "\u2026"


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _value_labels(where: alt.Predicate | None, y: alt.Y, offset: alt.YOffset | None,
                  fmt: str) -> list[alt.Chart]:
    """Each bar's figure beside its end: right of a gain, left of a loss (never over a bar)."""
    layers = []
    for sign, align, dx in (("datum.value >= 0", "left", 4), ("datum.value < 0", "right", -4)):
        chart = alt.Chart()
        if where is not None:
            chart = chart.transform_filter(where)
        encoding = {"y": y, "x": "value:Q", "text": alt.Text("value:Q", format=fmt)}
        if offset is not None:
            encoding["yOffset"] = offset
        layers.append(chart.transform_filter(sign).mark_text(
            align=align, dx=dx, fontSize=TEXT).encode(**encoding))
    return layers


def _none_yet(summary: str) -> Figure:
    """A chart with nothing to draw yet (no round revealed): a line of text."""
    data = pd.DataFrame({"text": [summary]})

    def draw(data: pd.DataFrame) -> alt.Chart:
        return alt.Chart(data).mark_text(fontSize=FONT, align="left", x=0, y=10).encode(
            text="text:N").properties(width=600, height=24)

    return Figure(data, summary, draw, ("none",))


# --------------------------------------------------------------------------- lesson 1


def priorities_figure(debrief: GameDebrief, chart_title: str | None = None) -> Figure:
    """Left: each round's leadership load of the schemes that ran, against the capacity
    (black tick). Right: each scheme backed, a bar per round: the share of its full effect
    delivered (none where it was backed but did not run)."""
    if not debrief.rounds:
        return _none_yet("No round revealed yet: no scheme has run.")
    labels = _rounds(debrief)
    rows = []
    for c in debrief.capacity:
        rows.append({"panel": "load", "round_label": _round_label(c.round, c.year),
                     "name": _round_label(c.round, c.year), "value": c.load,
                     "capacity": c.capacity, "note": f"{c.running} of {c.backed} backed ran"})
    names = []
    for s in debrief.schemes:
        if not (s.funded or s.running):
            continue  # committed by its deliverer, never funded: not backed
        label = _short(s.name)
        names.append(label)
        year = next(r.year for r in debrief.rounds if r.round == s.round)
        note = (f"{_pct(s.delivered_share)} delivered" if s.running else
                "backed, not run: its deliverer did not commit")
        rows.append({"panel": "scheme", "round_label": _round_label(s.round, year), "name": label,
                     "value": s.delivered_share, "capacity": None, "note": note})
    data = pd.DataFrame(rows, columns=["panel", "round_label", "name", "value", "capacity",
                                       "note"])
    schemes = tuple(dict.fromkeys(names))
    parts = []
    for c in debrief.capacity:
        ran = [s for s in debrief.schemes if s.round == c.round and s.running]
        not_run = [s for s in debrief.schemes if s.round == c.round and not s.running and s.funded]
        shares = ", ".join(f"{s.name} {_pct(s.delivered_share)}" for s in ran) or "none"
        extra = (f"; backed but not run: {', '.join(s.name for s in not_run)}" if not_run else "")
        parts.append(f"Round {c.round} ({c.year}): {c.running} of {c.backed} schemes backed ran, "
                     f"a leadership load of {c.load:g} against a capacity of {c.capacity:g}; "
                     f"delivered: {shares}{extra}.")
    summary = "Priorities. " + " ".join(parts)
    shape = (tuple(labels), schemes)

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        rounds, names = shape
        colour = _round_colour(rounds)
        load = alt.datum.panel == "load"
        bars = alt.Chart().transform_filter(load).mark_bar(height=18).encode(
            y=alt.Y("name:N", sort=list(rounds), title=None),
            x=alt.X("value:Q", title="Leadership load (units)", scale=alt.Scale(zero=True)),
            color=colour,
            tooltip=[alt.Tooltip("name:N", title="Round"),
                     alt.Tooltip("value:Q", title="Load of the schemes that ran", format=",.1f"),
                     alt.Tooltip("capacity:Q", title="Capacity", format=",.1f"),
                     alt.Tooltip("note:N", title="Schemes")])
        tick = alt.Chart().transform_filter(load).mark_tick(
            color="black", thickness=3, size=26).encode(
            y=alt.Y("name:N", sort=list(rounds)), x="capacity:Q")
        left = alt.layer(bars, tick).properties(
            width=170, height=34 * len(rounds),
            title=alt.Title("Load against capacity", subtitle="black tick: the capacity",
                            fontSize=FONT))
        scheme = alt.datum.panel == "scheme"
        y = alt.Y("name:N", sort=list(names), title=None, axis=alt.Axis(labelLimit=LABEL_PX))
        delivered = alt.Chart().transform_filter(scheme).mark_bar(height=BAR_PX).encode(
            y=y, yOffset=alt.YOffset("round_label:N", sort=list(rounds)),
            x=alt.X("value:Q", title="Share of its full effect delivered",
                    axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=colour,
            tooltip=[alt.Tooltip("name:N", title="Scheme"),
                     alt.Tooltip("round_label:N", title="Round"),
                     alt.Tooltip("note:N", title="Delivered")])
        text = _value_labels(scheme, y, alt.YOffset("round_label:N", sort=list(rounds)), ".0%")
        height = max(60, (BAR_PX + 2) * len(rounds) * max(1, len(names)) + 8 * len(names))
        right = alt.layer(delivered, *text).properties(
            width=250, height=height,
            title=alt.Title("Each scheme backed", subtitle="0%: backed but not run",
                            fontSize=FONT))
        return alt.hconcat(left, right, data=data, spacing=30).resolve_scale(
            color="shared", y="independent")

    key = ("Lesson 1: schemes backed, and what was delivered within the shared leadership "
           "capacity.")
    return Figure(data, summary, draw, shape, chart_title, key)


# --------------------------------------------------------------------------- lesson 2


def positions_figure(debrief: GameDebrief, chart_title: str | None = None) -> Figure:
    """A panel per round: each organisation's reported position less its control total (£m),
    blue where it would sign the same deal again, orange where it would not."""
    if not debrief.rounds:
        return _none_yet("No round revealed yet: no organisation has a position.")
    labels = _rounds(debrief)
    data = pd.DataFrame([{
        "round_label": _round_label(o.round, o.year), "name": _short(o.name),
        "full_name": o.name, "value": o.against_control_total_gbp_m,
        "position": o.position_gbp_m, "control_total": o.control_total_gbp_m,
        "fallback": o.fallback_position_gbp_m,
        "sign": SIGNS if o.would_sign_again else WOULD_NOT} for o in debrief.organisations])
    names = tuple(dict.fromkeys(data.name))
    parts = []
    for r in debrief.rounds:
        mine = [o for o in debrief.organisations if o.round == r.round]
        below = [o for o in mine if o.in_nhs and o.against_control_total_gbp_m < -0.05]
        refuse = [o.name for o in mine if not o.would_sign_again]
        parts.append(
            f"Round {r.round} ({r.year}): "
            + (f"{len(below)} NHS organisation{'s' if len(below) != 1 else ''} below "
               f"{'their control totals' if len(below) != 1 else 'its control total'} (" + "; ".join(f"{o.name} {money(o.against_control_total_gbp_m)}"
                                             for o in below) + ")" if below else
               "every NHS organisation at or above its control total")
            + "; " + (f"would not sign again: {', '.join(refuse)}" if refuse else
                      "every organisation would sign again") + ".")
    summary = "No winners and losers. " + " ".join(parts)
    width = max(120, min(220, (MAX_WIDTH - LABEL_PX) // len(labels) - 20))
    shape = (tuple(labels), names, width)

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        rounds, names, width = shape
        charts = []
        for number, label in enumerate(rounds):
            where = alt.datum.round_label == label
            y = alt.Y("name:N", sort=list(names), title=None,
                      axis=alt.Axis(labelLimit=LABEL_PX) if number == 0 else None)
            bars = alt.Chart().transform_filter(where).mark_bar(height=14).encode(
                y=y, x=alt.X("value:Q", title="£m against control total"),
                color=alt.Color("sign:N", title=None,
                                scale=alt.Scale(domain=list(SIGN_COLOURS),
                                                range=list(SIGN_COLOURS.values())),
                                legend=alt.Legend(orient="bottom", labelFontSize=TEXT)),
                tooltip=[alt.Tooltip("full_name:N", title="Organisation"),
                         alt.Tooltip("round_label:N", title="Round"),
                         alt.Tooltip("position:Q", title="Reported position (£m)", format=",.1f"),
                         alt.Tooltip("control_total:Q", title="Control total (£m)",
                                     format=",.1f"),
                         alt.Tooltip("value:Q", title="Against it (£m)", format="+,.1f"),
                         alt.Tooltip("fallback:Q", title="With the deal undone (£m)",
                                     format=",.1f"),
                         alt.Tooltip("sign:N", title="Would it sign again?")])
            zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
            charts.append(alt.layer(bars, zero).properties(
                width=width, height=22 * len(names), title=alt.Title(label, fontSize=FONT)))
        return alt.hconcat(*charts, data=data, spacing=8).resolve_scale(x="shared")

    key = ("Lesson 2: each organisation's reported position less its control total (£m). "
           "Orange: it would not sign the same deal again.")
    return Figure(data, summary, draw, shape, chart_title, key)


# --------------------------------------------------------------------------- lesson 3


def governance_figure(debrief: GameDebrief, chart_title: str | None = None) -> Figure:
    """Left: what each organisation received (+) or paid (-) under the risk share, a bar per
    round. Right: the incentive funds won, as the room voted and had the vote gone the
    other way, round by round."""
    if not debrief.rounds:
        return _none_yet("No round revealed yet: no risk share, no vote.")
    labels = _rounds(debrief)
    rows = []
    moved = {o.name for o in debrief.organisations if abs(o.risk_share_gbp_m) >= 0.05}
    for o in debrief.organisations:
        if o.name in moved:
            rows.append({"panel": "share", "round_label": _round_label(o.round, o.year),
                         "name": _short(o.name), "series": "", "value": o.risk_share_gbp_m})
    funds_rows = []
    for f in debrief.funds:
        label = _round_label(f.round, f.year)
        voted = "tied to the system" if f.linked else "not tied"
        other = "not tied" if f.linked else "tied to the system"
        for series, value, note in (("As voted", f.funds_won_gbp_m, voted),
                                    ("Had the vote gone the other way",
                                     f.funds_won_other_way_gbp_m, other)):
            row = f"Round {f.round}, {'as voted' if series == 'As voted' else 'the other way'}"
            funds_rows.append(row)
            rows.append({"panel": "funds", "round_label": label, "name": row, "series": series,
                         "value": value, "note": note})
    data = pd.DataFrame(rows, columns=["panel", "round_label", "name", "series", "value",
                                       "note"])
    names = tuple(dict.fromkeys(data.name[data.panel == "share"]))
    parts = []
    for f in debrief.funds:
        mine = [o for o in debrief.organisations if o.round == f.round
                and abs(o.risk_share_gbp_m) >= 0.05]
        share = (f"a risk share of {_pct(f.pool_share)} among {', '.join(f.members)}"
                 + (": " + "; ".join(f"{o.name} {money(o.risk_share_gbp_m)}" for o in mine)
                    if mine else ", with nothing to move") if f.members else "no risk share")
        vote = (f"{len(f.votes_for)} of {len(f.voters)} fund holders voted to tie the funds "
                f"({'tied' if f.linked else 'not tied'}): funds won "
                f"{money(f.funds_won_gbp_m)} of {money(f.funds_available_gbp_m)}, "
                f"{money(f.funds_won_other_way_gbp_m)} had the vote gone the other way")
        parts.append(f"Round {f.round} ({f.year}): {share}; {vote}.")
    summary = "Shared governance. " + " ".join(parts)
    shape = (tuple(labels), names, tuple(funds_rows))

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        rounds, names, funds_rows = shape
        colour = _round_colour(rounds, vertical=True)
        share = alt.datum.panel == "share"
        y = alt.Y("name:N", sort=list(names), title=None, axis=alt.Axis(labelLimit=LABEL_PX))
        if names:
            bars = alt.Chart().transform_filter(share).mark_bar(height=BAR_PX).encode(
                y=y, yOffset=alt.YOffset("round_label:N", sort=list(rounds)),
                x=alt.X("value:Q", title="Received (+) or paid (-), £m"), color=colour,
                tooltip=[alt.Tooltip("name:N", title="Organisation"),
                         alt.Tooltip("round_label:N", title="Round"),
                         alt.Tooltip("value:Q", title="Risk share (£m)", format="+,.2f")])
            zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
            left = alt.layer(bars, zero).properties(
                width=220, height=max(60, BAR_PX * len(rounds) * len(names) + 6 * len(names)),
                title=alt.Title("The risk share", fontSize=FONT))
        else:
            left = alt.Chart().mark_text(fontSize=FONT, align="left", x=0, y=12,
                                         aria=False).encode(
                text=alt.value("No money moved under a risk share.")).properties(
                width=220, height=30, title=alt.Title("The risk share", fontSize=FONT))
        funds = alt.datum.panel == "funds"
        series = ["As voted", "Had the vote gone the other way"]
        fy = alt.Y("name:N", sort=list(funds_rows), title=None, axis=alt.Axis(labelLimit=200))
        won = alt.Chart().transform_filter(funds).mark_bar(height=16).encode(
            y=fy,
            x=alt.X("value:Q", title="Incentive funds won (£m)", scale=alt.Scale(zero=True)),
            color=alt.Color("series:N", title=None, sort=series,
                            scale=alt.Scale(domain=series, range=["#0072B2", "#999999"]),
                            legend=alt.Legend(orient="bottom", direction="vertical",
                                              labelFontSize=TEXT, labelLimit=320)),
            tooltip=[alt.Tooltip("round_label:N", title="Round"),
                     alt.Tooltip("series:N", title="Vote"),
                     alt.Tooltip("note:N", title="The funds"),
                     alt.Tooltip("value:Q", title="Won (£m)", format=",.1f")])
        text = _value_labels(funds, fy, None, ",.1f")
        right = alt.layer(won, *text).properties(
            width=170, height=24 * len(funds_rows),
            title=alt.Title("The vote on the funds", fontSize=FONT))
        return alt.hconcat(left, right, data=data, spacing=30).resolve_scale(
            color="independent", y="independent", x="independent")

    key = "Lesson 3: the risk share's transfers, and what the vote on the funds did to them."
    return Figure(data, summary, draw, shape, chart_title, key)


# --------------------------------------------------------------------------- lesson 4


def fixed_income_figure(debrief: GameDebrief, chart_title: str | None = None) -> Figure:
    """Left: each organisation with one-off savings or support, a row per round: its
    reported position (bar) and its underlying position (black tick); the one-offs between
    them are gone next year. Right: what demand off plan did to each organisation's
    position (the volume risk it carried), a bar per round."""
    if not debrief.rounds:
        return _none_yet("No round revealed yet: nothing reported.")
    labels = _rounds(debrief)
    one_offs = {o.name for o in debrief.organisations
                if abs(o.one_off_savings_gbp_m) + abs(o.one_off_support_gbp_m) >= 0.05}
    volume = {o.name for o in debrief.organisations if abs(o.volume_risk_gbp_m) >= 0.05}
    rows = []
    for o in debrief.organisations:
        label = _round_label(o.round, o.year)
        if o.name in one_offs:
            rows.append({"panel": "reported", "round_label": label, "name": _short(o.name),
                         "value": o.position_gbp_m, "underlying": o.underlying_position_gbp_m,
                         "one_off_savings": o.one_off_savings_gbp_m,
                         "one_off_support": o.one_off_support_gbp_m})
        if o.name in volume:
            rows.append({"panel": "volume", "round_label": label, "name": _short(o.name),
                         "value": o.volume_risk_gbp_m, "underlying": None,
                         "one_off_savings": None, "one_off_support": None})
    data = pd.DataFrame(rows, columns=["panel", "round_label", "name", "value", "underlying",
                                       "one_off_savings", "one_off_support"])
    reported_names = tuple(dict.fromkeys(data.name[data.panel == "reported"]))
    volume_names = tuple(dict.fromkeys(data.name[data.panel == "volume"]))
    parts = []
    for r in debrief.rounds:
        mine = [o for o in debrief.organisations if o.round == r.round]
        savings = sum(o.one_off_savings_gbp_m for o in mine)
        support = sum(o.one_off_support_gbp_m for o in mine)
        nhs = [o for o in mine if o.in_nhs]
        reported = sum(o.position_gbp_m for o in nhs)
        underlying = sum(o.underlying_position_gbp_m for o in nhs)
        carrier = max(mine, key=lambda o: abs(o.volume_risk_gbp_m))
        carried = (f"demand off plan moved {carrier.name} most ({money(carrier.volume_risk_gbp_m)})"
                   if abs(carrier.volume_risk_gbp_m) >= 0.05 else
                   "demand off plan moved no position by £0.1m or more")
        parts.append(f"Round {r.round} ({r.year}): the NHS system reported "
                     f"{money(reported)}, underlying {money(underlying)}; one-off savings "
                     f"{money(savings)} and one-off support {money(support)}, gone next year; "
                     f"{carried}.")
    summary = "Fixed income. " + " ".join(parts)
    shape = (tuple(labels), reported_names, volume_names)

    def draw(data: pd.DataFrame) -> alt.HConcatChart:
        rounds, reported_names, volume_names = shape
        colour = _round_colour(rounds)
        panels = []
        for panel, names, title, x_title in (
                ("reported", reported_names, "Reported, and underlying (black tick)",
                 "Position (£m)"),
                ("volume", volume_names, "The volume risk carried",
                 "Demand off plan did this (£m)")):
            where = alt.datum.panel == panel
            if not names:
                panels.append(alt.Chart().mark_text(fontSize=FONT, align="left", x=0, y=12,
                                                    aria=False).encode(
                    text=alt.value("None this game.")).properties(
                    width=240, height=30, title=alt.Title(title, fontSize=FONT)))
                continue
            y = alt.Y("name:N", sort=list(names), title=None,
                      axis=alt.Axis(labelLimit=LABEL_PX - 40))
            offset = alt.YOffset("round_label:N", sort=list(rounds))
            tooltip = [alt.Tooltip("name:N", title="Organisation"),
                       alt.Tooltip("round_label:N", title="Round"),
                       alt.Tooltip("value:Q", title="Reported (£m)" if panel == "reported"
                                   else "Volume risk (£m)", format="+,.1f")]
            if panel == "reported":
                tooltip += [alt.Tooltip("underlying:Q", title="Underlying (£m)", format="+,.1f"),
                            alt.Tooltip("one_off_savings:Q", title="One-off savings (£m)",
                                        format=",.1f"),
                            alt.Tooltip("one_off_support:Q", title="One-off support (£m)",
                                        format=",.1f")]
            bars = alt.Chart().transform_filter(where).mark_bar(height=BAR_PX - 2).encode(
                y=y, yOffset=offset, x=alt.X("value:Q", title=x_title), color=colour,
                tooltip=tooltip)
            layers = [bars]
            if panel == "reported":
                layers.append(alt.Chart().transform_filter(where).mark_tick(
                    color="black", thickness=3, size=BAR_PX - 1).encode(
                    y=y, yOffset=offset, x="underlying:Q"))
            layers.append(alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0)))
            panels.append(alt.layer(*layers).properties(
                width=210, height=max(60, BAR_PX * len(rounds) * len(names) + 6 * len(names)),
                title=alt.Title(title, fontSize=FONT)))
        return alt.hconcat(*panels, data=data, spacing=20).resolve_scale(
            y="independent", x="independent", color="shared")

    key = ("Lesson 4: reported against underlying (the one-offs between them vanish next "
           "year), and who carried the volume risk.")
    return Figure(data, summary, draw, shape, chart_title, key)


# --------------------------------------------------------------------------- lesson 5

PLACE_SERIES = {"The council": KIND_COLOURS["local_authority"],
                "The NHS system": KIND_COLOURS["commissioner"],
                "Everyone else (care market, voluntary sector)": KIND_COLOURS["care_provider"],
                "The whole place": "#555555"}


def _care_words(change: float) -> str:
    """What a council did: "cut 10%", "raised 5%" or "held" (its spending)."""
    if change <= -0.0005:
        return f"cut {abs(change):.0%}"
    if change >= 0.0005:
        return f"raised {change:.0%}"
    return "held"


def place_figure(debrief: GameDebrief, chart_title: str | None = None) -> Figure:
    """A row per round (and council): its social care decision, and against the same year
    with that spending held, what it did to the council, the NHS system, everyone else and
    the whole place (£m)."""
    if not debrief.care:
        text = ("No council buys social care in this game." if debrief.rounds else
                "No round revealed yet: no social care decision.")
        return _none_yet(text)
    many = len({c.council for c in debrief.care}) > 1
    rows = []
    order = []
    for c in debrief.care:
        label = (f"Round {c.round} ({c.year}): {_care_words(c.change)}"
                 + (f", {_short(c.council)}" if many else ""))
        order.append(label)
        for series, value in zip(PLACE_SERIES, (c.council_gbp_m, c.nhs_gbp_m, c.others_gbp_m,
                                                c.place_gbp_m)):
            rows.append({"row": label, "series": series, "value": value})
    data = pd.DataFrame(rows, columns=["row", "series", "value"])
    parts = []
    for c in debrief.care:
        if abs(c.change) < 0.0005:
            parts.append(f"Round {c.round} ({c.year}): {c.council} held its social care "
                         "spending.")
            continue
        parts.append(f"Round {c.round} ({c.year}): {c.council}'s social care spending "
                     f"{_care_words(c.change)}: the council {money(c.council_gbp_m)}, the NHS "
                     f"system {money(c.nhs_gbp_m)}, everyone else {money(c.others_gbp_m)}, "
                     f"the whole place {money(c.place_gbp_m)}.")
    summary = ("Beyond the NHS (each against the same year with the council's spending held; "
               "care not given is not counted). " + " ".join(parts))
    shape = (tuple(order),)

    def draw(data: pd.DataFrame) -> alt.LayerChart:
        order = shape[0]
        series = list(PLACE_SERIES)
        y = alt.Y("row:N", sort=list(order), title=None, axis=alt.Axis(labelLimit=300))
        offset = alt.YOffset("series:N", sort=series)
        bars = alt.Chart().mark_bar(height=BAR_PX).encode(
            y=y, yOffset=offset,
            x=alt.X("value:Q", title="Against the year with spending held (£m)"),
            color=alt.Color("series:N", title=None, sort=series,
                            scale=alt.Scale(domain=series, range=list(PLACE_SERIES.values())),
                            legend=alt.Legend(orient="bottom", columns=2, labelFontSize=TEXT,
                                              labelLimit=360)),
            tooltip=[alt.Tooltip("row:N", title="Round"), alt.Tooltip("series:N", title="Who"),
                     alt.Tooltip("value:Q", title="£m", format="+,.2f")])
        text = _value_labels(None, y, offset, "+,.1f")
        zero = alt.Chart().mark_rule(color="#333333").encode(x=alt.datum(0))
        return alt.layer(bars, *text, zero, data=data).properties(
            width=MAX_WIDTH - 300 - 80, height=(BAR_PX + 2) * 4 * len(order) + 12 * len(order))

    key = ("Lesson 5: the council's social care decision, and what came back to the NHS "
           "(against the same year with its spending held).")
    return Figure(data, summary, draw, shape, chart_title, key)


def lesson_figures(debrief: GameDebrief) -> list[Figure]:
    """The five charts, lesson 1 to lesson 5."""
    return [priorities_figure(debrief), positions_figure(debrief), governance_figure(debrief),
            fixed_income_figure(debrief), place_figure(debrief)]
