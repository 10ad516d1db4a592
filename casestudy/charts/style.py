"""One look for every chart: colours by organisation kind, axis titles with units.

The palette is Okabe and Ito's with one change: care providers are Paul Tol's wine, not
grey, which deuteranopia made the council's colour too. Every pair of kinds stays apart under
deuteranopia and protanopia as well as to normal sight (tests/test_palette.py simulates both
with Machado et al.'s matrices); no chart sets red against green.

>>> KIND_COLOURS["acute"]
'#E69F00'
>>> title("position_gbp_m")
'Position (£m)'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import altair as alt
import pandas as pd

from ..formats import MINUS, money  # noqa: F401 (re-exported: the charts' one formatter)

# Okabe-Ito colours, one per organisation kind, used in every chart of the kit.
KIND_COLOURS = {
    "commissioner": "#0072B2",  # blue
    "acute": "#E69F00",  # orange
    "community_mental_health": "#56B4E9",  # sky blue
    "primary_care": "#009E73",  # bluish green
    "local_authority": "#CC79A7",  # reddish purple
    "voluntary": "#F0E442",  # yellow
    "care_provider": "#882255",  # wine (Tol): grey was the council's twin under deuteranopia
}
KIND_LABELS = {
    "commissioner": "Commissioner",
    "acute": "Acute trust",
    "community_mental_health": "Community and mental health trust",
    "primary_care": "Primary care",
    "local_authority": "Council",
    "voluntary": "Voluntary sector",
    "care_provider": "Care provider",
}
# Colours for series that are not organisations.
SERIES_COLOURS = {"reported": "#0072B2", "underlying": "#D55E00", "baseline": "#999999",
                  # lessons 1 and 2: the best portfolio against the learner's; a deal that
                  # goes ahead against one that does not
                  "best": "#0072B2", "chosen": "#D55E00", "goes_ahead": "#0072B2",
                  "blocked": "#999999"}

# Axis and legend titles, with units, for every column a chart may show.
LABELS = {
    "position_gbp_m": "Position (£m)",
    "underlying_position_gbp_m": "Underlying position (£m)",
    "control_total_gbp_m": "Control total (£m)",
    "income_gbp_m": "Income (£m)",
    "cost_gbp_m": "Cost (£m)",
    "amount_gbp_m": "Money paid (£m)",
    "change_gbp_m": "Change from baseline (£m)",
    "benefit_gbp_m": "Expected net benefit (£m)",
    "reserve_gbp_m": "Contingency reserve (£m)",
    "contract_income_gbp_m": "Contract income (£m)",
    "payer": "Who pays",
    "payee": "Who is paid",
    "name": "Organisation",
    "kind": "Kind of organisation",
    "year": "Year",
    "share": "Share of draws",
    "chance_met": "Chance of meeting the control total",
    "size": "Number of shared priorities",
    "load": "Leadership load (units)",
    "nhs_benefit_gbp_m": "Expected net benefit to the NHS system (£m)",
    "system_gain_gbp_m": "Gain to the system (£m)",
}
WIDTH = 520  # fits beside the controls at 1366 x 768
FONT = 14


def title(column: str) -> str:
    """The axis title, with its unit, of a column."""
    return LABELS.get(column, column.replace("_gbp_m", " (£m)").replace("_", " ").capitalize())


def kind_colour(legend: bool = True, kinds: list[str] | None = None) -> alt.Color:
    """The colour encoding by organisation kind, the same in every chart."""
    shown = kinds if kinds is not None else list(KIND_COLOURS)
    return alt.Color(
        "kind_label:N",
        title=LABELS["kind"],
        scale=alt.Scale(domain=[KIND_LABELS[k] for k in shown],
                        range=[KIND_COLOURS[k] for k in shown]),
        legend=alt.Legend(orient="bottom", columns=3) if legend else None,
    )


def with_kind_label(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the readable kind used by the colour legend."""
    out = frame.copy()
    out["kind_label"] = out["kind"].map(KIND_LABELS)
    return out


@dataclass(frozen=True)
class Figure:
    """A chart in two steps: its tidy ``data`` and ``summary`` (cheap, pandas) and the
    ``draw`` function that turns data into an altair chart (slow, but its result depends
    on the data only through ``shape``). Panels draw once per shape, then swap the data.
    """

    data: pd.DataFrame
    summary: str
    draw: Callable[[pd.DataFrame], alt.TopLevelMixin]
    shape: tuple = ()
    title: str | None = None
    subtitle: str | None = None

    def chart(self) -> alt.TopLevelMixin:
        props: dict = {"description": self.summary}
        if self.title:
            props["title"] = alt.Title(self.title, subtitle=self.subtitle or alt.Undefined)
        elif self.subtitle:  # a key on its own: as a plain line above the chart
            props["title"] = alt.Title(self.subtitle, fontSize=FONT - 1, fontWeight="normal")
        return self.draw(self.data).properties(**props)

    def records(self) -> list[dict]:
        return json.loads(self.data.to_json(orient="records", double_precision=10))


class LiveSpec:
    """The Vega-Lite spec of the figures a panel shows, drawn once per shape.

    Each figure's draw puts all its data in one dataset at the top of the chart, so a new
    figure of the same shape only replaces that dataset and the summary.
    """

    def __init__(self) -> None:
        self._cache: dict[tuple, tuple[dict, str]] = {}

    def spec(self, figure: Figure) -> dict:
        key = (figure.draw.__module__, figure.draw.__qualname__, figure.shape, figure.title,
               figure.subtitle)
        if key not in self._cache:
            spec = figure.chart().to_dict()  # validated once per shape
            names = list(spec.get("datasets", {}))
            if len(names) != 1:
                raise ValueError(f"{figure.draw.__name__} must put its data in one dataset, not {names}")
            self._cache[key] = (spec, names[0])
        spec, name = self._cache[key]
        fresh = dict(spec)
        fresh["datasets"] = {name: figure.records()}
        fresh["description"] = figure.summary
        return fresh


def spec_nodes(spec: Mapping) -> Iterator[dict]:
    """Every mapping in a Vega-Lite spec (its layers, facets, encodings...), depth first from
    the top; the datasets left out (their rows are data, never spec).

    >>> spec = {"datasets": {"d": [{"field": 1}]},
    ...         "layer": [{"encoding": {"x": {"field": "a"}}}]}
    >>> [sorted(node) for node in spec_nodes(spec)]
    [['layer'], ['encoding'], ['x'], ['field']]
    """
    def walk(node: object) -> Iterator[dict]:
        if isinstance(node, dict):
            yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    return walk({k: v for k, v in spec.items() if k != "datasets"})


def summary_of(chart: alt.TopLevelMixin) -> str:
    """The one-sentence text summary a chart carries for screen readers."""
    return chart.to_dict().get("description", "")


def _theme() -> dict:
    """Fonts and frame for every chart: set once as a theme, not copied into each chart."""
    return {"config": {
        "axis": {"labelFontSize": FONT - 1, "titleFontSize": FONT, "labelLimit": 260},
        "legend": {"labelFontSize": FONT - 1, "titleFontSize": FONT, "labelLimit": 260},
        "title": {"anchor": "start", "fontSize": FONT + 2, "subtitleFontSize": FONT - 1},
        "view": {"strokeWidth": 0},
        # A rule is a reference line (zero, a limit, a control total) whose figure the
        # chart's description states: kept out of a screen reader's way, as decoration.
        "rule": {"aria": False},
    }}


alt.theme.register("bradford_kit", enable=True)(_theme)


def use_offline_renderer() -> None:
    """Draw charts with the renderer JupyterLab and Voila bundle (no network needed).

    altair 5's ``mimetype`` renderer emits ``application/vnd.vegalite.v5+json``, drawn by
    the Vega extension that ships inside JupyterLab 4 and Voila 0.5.
    """
    alt.renderers.enable("mimetype", embed_options={"renderer": "svg"})
    alt.data_transformers.disable_max_rows()
