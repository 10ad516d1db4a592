"""Fixtures for the room's store: every test that asks for ``db`` runs on SQLite and on
PostgreSQL.

PostgreSQL is ``$CASESTUDY_TEST_PG_URL`` (``.ci/run`` starts Debian's cluster and sets it),
else a throwaway cluster started from Debian's binaries (see ``pgcluster.py``). When there
is none, the PostgreSQL tests skip, with the reason, on a developer's machine, and FAIL when
the environment variable ``CI`` is set: CI must never pass by not looking.
"""

from __future__ import annotations

import os

import pgcluster
import pytest

from casestudy import room


@pytest.fixture(scope="session")
def pg_server():
    server = pgcluster.Server().start()
    yield server
    room.close_all()
    server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server) -> str:
    if pg_server.url is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the PostgreSQL tests cannot run: {pg_server.why_not}",
                        pytrace=False)
        pytest.skip(pg_server.why_not)
    return pg_server.url


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path) -> str:
    """Where a test's rooms live: a folder of SQLite files of its own, or a PostgreSQL
    schema of its own."""
    if request.param == "sqlite":
        return str(tmp_path / "rooms")
    request.getfixturevalue("pg_url")
    return request.getfixturevalue("pg_server").fresh_url()


@pytest.fixture(autouse=True)
def _close_connections():
    yield
    room.close_all()
