"""Shared fixtures for the benchmarks (``make bench``; never collected by ``make test``)."""

from __future__ import annotations

import pytest

import casestudy as cs


@pytest.fixture(scope="session")
def system() -> cs.System:
    return cs.load_system()


@pytest.fixture(scope="session")
def scenario() -> cs.Scenario:
    # The reference scenario with three schemes chosen, so the scheme arithmetic runs too.
    return cs.Scenario.preset("blended", schemes=("frailty", "falls", "end_of_life"))
