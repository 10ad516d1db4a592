"""Fixtures for the real-browser tests: Debian's Chromium driven by playwright, one Voila
server for every dashboard and one JupyterLab, each on a free loopback port and stopped
(with its kernels) at the end of the session.

When Chromium is missing the tests skip, with the reason, on a developer's machine, and
FAIL when the environment variable ``CI`` is set: CI must never pass by not looking.
"""

from __future__ import annotations

import os
from pathlib import Path

import kit_browser as kb
import pytest

SCREENSHOTS = kb.ROOT / "screenshots"


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not kb.CHROMIUM.exists():
        return (f"no Chromium at {kb.CHROMIUM} (install it with `apt-get install -y chromium`; "
                ".ci/run does so)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install)"
    return None


@pytest.fixture(scope="session")
def chromium_available() -> None:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and the browser tests cannot run: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(chromium_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = kb.launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def room_folder(tmp_path_factory) -> Path:
    """Where the dashboards' rooms live during the tests (never the kit's own rooms/)."""
    return tmp_path_factory.mktemp("rooms")


@pytest.fixture(scope="session")
def voila(chromium_available, room_folder):
    server = kb.start_voila(env={"CASESTUDY_ROOM_DB": str(room_folder)})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def lab(chromium_available):
    server = kb.start_lab()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
