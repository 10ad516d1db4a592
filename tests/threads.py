"""A plain helper for the page tests (imported by name: ``from threads import ...``)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor


def on_a_thread_of_its_own(call):
    """``call()`` on a new thread, where no event loop runs: a browser test earlier in the
    same worker leaves Playwright's loop running on the main thread for the session."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call).result()
