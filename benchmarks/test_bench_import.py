"""``import casestudy`` in a fresh interpreter: at most 1.5 s (the package imports the engine only);
and a lesson's first cell, ``from casestudy.ui import lesson2`` (altair, ipywidgets, pandas).

Timed with bytecode cached, as on any second start: the interpreter may be told not to write
bytecode (``PYTHONDONTWRITEBYTECODE``), so the benchmark caches it in a temporary folder of
its own (``PYTHONPYCACHEPREFIX``) and never writes into the environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

HEAVY = ("altair", "ipywidgets", "matplotlib", "IPython")
CHECK = f"import sys, casestudy; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(tmp_path_factory.mktemp("pycache"))
    return env


def start(env: dict[str, str], statement: str = "import casestudy") -> None:
    subprocess.run([sys.executable, "-c", statement], env=env, check=True)


def test_bench_import_casestudy(benchmark, environment):
    cold = time.perf_counter()
    start(environment)  # compiles and caches the bytecode
    benchmark.extra_info["first_start_s"] = time.perf_counter() - cold
    heavy = subprocess.run([sys.executable, "-c", CHECK], env=environment, check=True,
                           capture_output=True, text=True).stdout.strip()
    benchmark.extra_info["heavy_modules_imported"] = heavy
    print(f"\nfirst start (compiling bytecode) {benchmark.extra_info['first_start_s']:.2f} s; "
          f"heavy modules imported by casestudy: {heavy or 'none'}")
    benchmark.pedantic(start, args=(environment,), rounds=5, iterations=1)


def test_bench_import_lesson(benchmark, environment):
    """What every notebook's first cell costs (8-13 s in a kernel before the package kept
    jsonschema from compiling rfc3987_syntax's grammars; see casestudy/__init__.py)."""
    statement = "from casestudy.ui import lesson2"
    start(environment, statement)  # compiles and caches the bytecode
    benchmark.pedantic(start, args=(environment, statement), rounds=5, iterations=1)
