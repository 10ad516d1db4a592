"""Hypothesis strategies the property tests share (an ordinary module: ``from strategies
import rule_specs``)."""

from __future__ import annotations

from hypothesis import strategies as st

from casestudy.contracts import RULES


@st.composite
def rule_specs(draw, kinds: tuple[str, ...] = tuple(sorted(RULES))):
    """A payment rule of one of ``kinds`` as a scenario's ``payment`` mapping holds it, with
    parameters drawn in their ranges (a rule without parameters takes its defaults)."""
    kind = draw(st.sampled_from(kinds))
    if kind == "blended":
        return {"rule": kind, "rate_above_plan": draw(st.floats(0, 1)),
                "rate_below_plan": draw(st.floats(0, 1))}
    if kind == "cap_and_collar":
        return {"rule": kind, "floor": draw(st.floats(0, 1)), "cap": draw(st.floats(1, 2))}
    return {"rule": kind}
