"""The import contract (``[tool.importlinter]`` in pyproject.toml, run by ``lint-imports`` in
``make test``) places every module of the package.

import-linter refuses a contract that names a module which does not exist, so a module added
later (a ``casestudy.game``, say) is in no list until someone puts it there; this test is the
reminder. The contract itself is checked by ``lint-imports``, not here.
"""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "casestudy"
HELPERS = {"casestudy.jsontext", "casestudy.names"}  # plain helpers the core may import


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def top_level_modules() -> set[str]:
    modules = {f"casestudy.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    return modules | {f"casestudy.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}


def test_every_module_is_core_a_helper_or_forbidden_to_the_core():
    core = next(c for name, c in contracts().items() if name.startswith("The core"))
    placed = set(core["source_modules"]) | set(core["forbidden_modules"]) | HELPERS
    assert top_level_modules() - placed == set(), (
        "a module the import contract does not name: add it to the core's source_modules "
        "(it imports only numpy, pandas and the core) or to its forbidden_modules")
    assert set(core["source_modules"]).isdisjoint(core["forbidden_modules"])


def test_the_core_may_not_import_widgets_charts_or_the_room():
    core = next(c for name, c in contracts().items() if name.startswith("The core"))
    assert {"casestudy.engine", "casestudy.risk", "casestudy.projection"} <= set(
        core["source_modules"])
    assert {"casestudy.ui", "casestudy.charts", "casestudy.room", "ipywidgets", "IPython",
            "altair"} <= set(core["forbidden_modules"])
