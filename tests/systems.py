"""The systems the kit ships, for tests that must hold on every one of them.

Use the list to parametrise a test, or import the fixture into a test module:

    from systems import EXAMPLE_SYSTEMS, example_system_path  # noqa: F401

    @pytest.mark.parametrize("path", EXAMPLE_SYSTEMS, ids=EXAMPLE_IDS)
    def test_something(path): ...

    def test_other(example_system_path): ...   # runs once per system

To run a notebook on each, set ``CASESTUDY_SYSTEM`` to the path (``load_system()`` reads it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data" / "bradford"
NORTHVALE = ROOT / "data" / "examples" / "northvale"

EXAMPLE_SYSTEMS: list[Path] = [BUNDLED, NORTHVALE]
EXAMPLE_IDS: list[str] = [path.name for path in EXAMPLE_SYSTEMS]


@pytest.fixture(params=EXAMPLE_SYSTEMS, ids=EXAMPLE_IDS)
def example_system_path(request: pytest.FixtureRequest) -> Path:
    """The path of each shipped system in turn (a folder that ``load_system`` reads)."""
    return request.param


@pytest.fixture(params=EXAMPLE_SYSTEMS, ids=EXAMPLE_IDS)
def example_system_env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each shipped system in turn, chosen through ``CASESTUDY_SYSTEM`` as a learner would."""
    monkeypatch.setenv("CASESTUDY_SYSTEM", str(request.param))
    return request.param
