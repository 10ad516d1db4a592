"""A big system at full size: simulate's default 10,000 draws within its memory budget.

300 and 500 organisations with 20,000 service lines (``tests/big.py``), loaded through the
checker, each in a fresh interpreter: the time to load, the time of ``simulate`` at its
default 10,000 draws, and its peak memory (``ru_maxrss`` for the whole process; tracemalloc
for what numpy and pandas held during ``simulate``, the result frame included). The working
memory of the engine is bounded by ``engine.CHUNK_BUDGET_BYTES`` (256 MiB) whatever the
size; the result itself is draws x organisations rows (about 50 bytes each).
Before the chunks were sized from the system, the same run needed more than 6 GiB.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

GIB = 2**30
ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import json, resource, sys, tempfile, time, tracemalloc
from pathlib import Path
sys.path.insert(0, {tests!r})
from big import write_big
import casestudy as cs
folder = write_big(Path(tempfile.mkdtemp()) / "big", orgs={orgs}, lines={lines})
start = time.perf_counter()
system = cs.load_system(folder)
load_s = time.perf_counter() - start
cs.simulate(system, cs.Scenario(), draws=2, seed=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
start = time.perf_counter()
frame = cs.simulate(system, cs.Scenario(), seed=0)
simulate_s = time.perf_counter() - start
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
start, cpu = time.perf_counter(), time.process_time()
cs.simulate(system, cs.Scenario(), seed=0)
untraced_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({{"load_s": load_s, "simulate_s": untraced_s, "simulate_traced_s": simulate_s,
                  "simulate_cpu_s": cpu_s,
                  "rss_before_kib": before,
                  "rss_peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "traced_peak_bytes": traced, "rows": len(frame),
                  "frame_bytes": int(frame.memory_usage(deep=True).sum())}}))
"""


def measure(orgs: int, lines: int) -> dict:
    script = SCRIPT.format(tests=str(ROOT / "tests"), orgs=orgs, lines=lines)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("orgs", [300, 500])
def test_bench_simulate_big_system(benchmark, orgs):
    figures = benchmark.pedantic(measure, args=(orgs, 20_000), rounds=1, iterations=1)
    benchmark.extra_info.update(orgs=orgs, lines=20_000, draws=10_000, **figures)
    print(f"\n{orgs} organisations x 20,000 lines: load {figures['load_s']:.1f} s; "
          f"simulate(10,000 draws) {figures['simulate_s']:.1f} s "
          f"({figures['simulate_cpu_s']:.1f} s of CPU: the wall time on an idle machine); "
          "peak resident "
          f"{figures['rss_peak_kib'] / 2**20:.2f} GiB (interpreter, pandas and the system "
          f"before: {figures['rss_before_kib'] / 2**20:.2f} GiB); traced peak "
          f"{figures['traced_peak_bytes'] / 2**20:.0f} MiB, of which the result frame "
          f"{figures['frame_bytes'] / 2**20:.0f} MiB")
    assert figures["rows"] == orgs * 10_000
    assert figures["traced_peak_bytes"] < figures["frame_bytes"] + 320 * 2**20
    assert figures["rss_peak_kib"] * 1024 < 1.5 * GIB
