"""Checks of the Vega-Lite specs that panels send to the page (shared by the lesson tests)."""

from __future__ import annotations

from casestudy.charts.style import spec_nodes


def encoded_fields(spec: dict) -> set[str]:
    """Every field a (layered or faceted) Vega-Lite spec encodes."""
    found: set[str] = set()
    for node in spec_nodes(spec):
        for channel in node.get("encoding", {}).values():
            for item in channel if isinstance(channel, list) else [channel]:
                if isinstance(item, dict) and "field" in item:
                    found.add(item["field"])
        facet = node.get("facet")
        for channel in facet.values() if isinstance(facet, dict) else []:
            if isinstance(channel, dict) and "field" in channel:
                found.add(channel["field"])
    return found


def assert_spec_sound(spec: dict) -> None:
    """The spec has one non-empty dataset holding every field it encodes."""
    (rows,) = spec["datasets"].values()
    assert rows, "the chart has no data"
    missing = encoded_fields(spec) - set(rows[0])
    assert not missing, f"encoded fields not in the data: {missing}"
