"""The sandbox: kernel time of one control move (the target is 30 ms median).

Each round moves a control of one scenario through fifty values, more than the sandbox
keeps (``CACHE_SIZE``): that scenario's year and years are computed again every round, the
other scenario's are reused. ``last_render_ms`` (the sandbox's own clock) is recorded beside pytest-benchmark's.
"""

from __future__ import annotations

import pytest
from panels import move_slider

from casestudy.ui import sandbox


@pytest.mark.parametrize("side, control, values", [
    ("b", "risk_share", [k / 50 for k in range(50)]),
    ("a", "cost_inflation", [k / 1000 for k in range(10, 60)]),
])
def test_bench_sandbox_move(benchmark, system, tmp_path, side, control, values):
    box = sandbox.Sandbox(system, folder=tmp_path)
    move_slider(benchmark, box, getattr(box, side).controls[control], values)
