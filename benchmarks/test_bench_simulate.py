"""Monte Carlo: 10,000 draws within 50 ms; 1,000,000 within 5 s and 2 GiB; time linear in draws.

Peak memory is measured in a fresh interpreter (``ru_maxrss`` covers everything the process
held, Python and pandas included) and printed; the benchmark records it in ``extra_info``.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import casestudy as cs

GIB = 2**30
PEAK_SCRIPT = """
import json, resource, tracemalloc
import casestudy as cs
system, scenario = cs.load_system(), cs.Scenario.preset("blended", schemes=("frailty", "falls", "end_of_life"))
cs.simulate(system, scenario, draws=10, seed=0)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tracemalloc.start()
frame = cs.simulate(system, scenario, draws={draws}, seed=0)
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"rss_before_kib": before, "rss_peak_kib": peak, "traced_peak_bytes": traced,
                  "frame_bytes": int(frame.memory_usage(deep=True).sum())}}))
"""


def peak_memory(draws: int) -> dict:
    """Peak memory of one ``simulate`` in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT.format(draws=draws)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("draws", [10_000, 100_000])
def test_bench_simulate(benchmark, system, scenario, draws):
    benchmark.extra_info["draws"] = draws
    benchmark(cs.simulate, system, scenario, draws=draws, seed=1)


def test_bench_simulate_million(benchmark, system, scenario):
    draws = 1_000_000
    memory = peak_memory(draws)
    benchmark.extra_info.update(draws=draws, **memory)
    print(f"\nsimulate({draws:,}): peak resident {memory['rss_peak_kib'] / 2**20:.2f} GiB "
          f"(interpreter and pandas before: {memory['rss_before_kib'] / 2**20:.2f} GiB); "
          f"traced numpy/pandas peak {memory['traced_peak_bytes'] / GIB:.2f} GiB; "
          f"frame {memory['frame_bytes'] / GIB:.2f} GiB")
    assert memory["rss_peak_kib"] * 1024 < 2 * GIB, "simulate(1,000,000) needs more than 2 GiB"
    benchmark.pedantic(cs.simulate, args=(system, scenario), kwargs={"draws": draws, "seed": 1},
                       rounds=3, iterations=1, warmup_rounds=0)
