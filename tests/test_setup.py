"""The set-up files agree with each other: conda users get what `make lab` installs."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower()


def _without_extras(requirement: str) -> str:
    """``psycopg[binary]>=3.1,<4`` as conda spells it, ``psycopg>=3.1,<4``: conda has no extras."""
    return re.sub(r"\[[^\]]*\]", "", requirement).replace(" ", "")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_environment_yml_lists_every_runtime_dependency_with_the_same_bounds():
    runtime = {_name(r): _without_extras(r) for r in _pyproject()["project"]["dependencies"]}
    conda = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = re.match(r"^\s+-\s+([A-Za-z][\w.-]*[<>=].*)$", line)
        if match and not line.strip().startswith("- python"):
            conda[_name(match.group(1))] = match.group(1).replace(" ", "")
    assert conda == runtime


def test_altair_is_pinned_below_6_for_offline_rendering():
    altair = next(r for r in _pyproject()["project"]["dependencies"] if _name(r) == "altair")
    assert "<6" in altair


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert "make test" in ci


def test_every_required_package_is_a_dependency():
    names = {_name(r) for r in _pyproject()["project"]["dependencies"]}
    assert {"jupyterlab", "ipywidgets", "pandas", "altair", "nbval"} <= names


def test_a_lesson_import_does_not_compile_rfc3987_grammars():
    """jsonschema (through altair) would import rfc3987_syntax, which compiles 38 lark
    grammars (8-13 s in a kernel here); the package keeps it out of every lesson's start."""
    import subprocess
    import sys

    code = ("import sys; from casestudy.ui import lesson2; "
            "print(sorted(m for m in ('lark', 'rfc3987_syntax') if sys.modules.get(m)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
