"""Shared fixtures over the tiny system of ``tiny.py`` and the bundled system.

Plain helpers live in ``tiny.py``, an ordinary module: importing from a conftest breaks as
soon as a second conftest.py (tests/browser/) takes the module name.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from systems import EXAMPLE_SYSTEMS
from tiny import PLAIN, TINY_TABLES, write_tables

from casestudy import Scenario, load_system


@pytest.fixture
def tiny_tables() -> dict[str, list[dict[str, Any]]]:
    """A fresh, mutable copy of the tiny system's tables (for bad-input tests)."""
    return copy.deepcopy(TINY_TABLES)


@pytest.fixture(scope="session")
def tiny_system(tmp_path_factory: pytest.TempPathFactory):
    """The tiny system written as CSVs into a temporary folder and loaded with ``load_system``."""
    return load_system(write_tables(tmp_path_factory.mktemp("tiny"), TINY_TABLES))


@pytest.fixture(scope="session")
def bundled_system():
    return load_system()


@pytest.fixture
def plain() -> Scenario:
    """A scenario with every knob neutral: no inflation, no efficiency, no support, no funds."""
    return PLAIN


@pytest.fixture(scope="module", params=EXAMPLE_SYSTEMS, ids=["bradford", "northvale"])
def system(request: pytest.FixtureRequest):
    """Each shipped system in turn, loaded: a test that asks for it runs on both."""
    return load_system(request.param)


@pytest.fixture
def rooms(tmp_path) -> str:
    """A folder of the test's own for the room's store (its SQLite files)."""
    return str(tmp_path / "rooms")


@pytest.fixture
def fresh_pages():
    """After the test, a fresh kernel for the room's pages: the pollers stopped, the page's
    room forgotten, the store's connections closed (``usefixtures`` in the page tests)."""
    yield
    from casestudy import room as store
    from casestudy.ui import live

    live.stop_pollers()
    live.forget_page_room()
    store.close_all()
