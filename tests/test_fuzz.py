"""Fuzzing every door into the kit: templates (CSV and xlsx), scenario JSON, files and codes.

Each test feeds made-up input (valid input broken in many small ways, forged input whose
checksum matches, and plain garbage) and accepts exactly three outcomes: a valid result,
``DataError`` or ``ScenarioError``. Anything else (another exception, a hang past
``HANG_SECONDS``, a NaN or an infinity in a result) fails the test. A system that loads is
run through ``run_year``, ``simulate``, ``project``, lesson 1's search and the lessons'
tables (``LESSON_TABLES``), and every number they return must be finite; a scenario that is valid is run for a year on the bundled system.

Hypothesis is seeded (``derandomize=True``) and bounded: in ``make test`` the six tests try
about 560 cases in about ten seconds. For a long run, scale the number of cases by hand:

    CASESTUDY_FUZZ_SCALE=50 .venv/bin/python -m pytest -p no:cacheprovider -s tests/test_fuzz.py

(50 gives 28,000 cases; ``-s`` prints each test's outcome counts as it ends).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import os
import signal
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_checker import BASES, MUTATION, excel_safe, mutate

import casestudy as cs
from casestudy import DataError, Scenario, ScenarioError
from casestudy.priorities import best_portfolios
from casestudy.template import write_csv, write_xlsx
from casestudy.workshop import (
    _ZDICT,
    CODE_PREFIX,
    SavedScenario,
    checksum,
    decode_code,
    load_saved,
    parse_saved,
    save_scenario,
    scenario_code,
)

SCALE = float(os.environ.get("CASESTUDY_FUZZ_SCALE", "1"))
HANG_SECONDS = 20  # one case; the slowest (a workbook written, read, run) takes about 1 s
# The message of Scenario.from_dict's safety net: it must never be needed.
NET = "has the wrong type or value ("
OUTCOMES: dict[str, Counter] = {}


def fuzz(examples: int):
    """Seeded, bounded Hypothesis settings; ``CASESTUDY_FUZZ_SCALE`` multiplies the cases."""
    return settings(max_examples=max(1, int(examples * SCALE)), derandomize=True, deadline=None,
                    database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", autouse=True)
def outcome_counts() -> Iterator[None]:
    yield
    for target, counts in OUTCOMES.items():
        total = sum(counts.values())
        print(f"\nfuzz {target}: {total:,} cases: "
              + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))


def record(target: str, outcome: str) -> None:
    OUTCOMES.setdefault(target, Counter())[outcome] += 1


@contextlib.contextmanager
def no_hang(seconds: float = HANG_SECONDS) -> Iterator[None]:
    """Fail a case that runs longer than ``seconds`` (an alarm, on this Unix machine)."""
    def alarm(signum: int, frame: Any) -> None:
        raise TimeoutError(f"a case ran past {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def refused(target: str, error: Exception) -> None:
    """A refusal is fine if it is one of the two, with a reason, and not the safety net."""
    assert isinstance(error, (DataError, ScenarioError)), error
    assert str(error).strip() and NET not in str(error), str(error)[:300]
    record(target, "DataError" if isinstance(error, DataError) else "ScenarioError")


def assert_finite(frame: pd.DataFrame, what: str) -> None:
    numbers = frame.select_dtypes("number").to_numpy(dtype=float)
    assert np.isfinite(numbers).all(), f"{what} holds a NaN or an infinity"


# --------------------------------------------------------------------------- hostile values

HUGE_TEXTS = st.sampled_from([
    "9" * 4_301, "-" + "9" * 5_000, "1e999", "-1e999", "NaN", "Infinity", "-Infinity",
    "[" * 3_000 + "]" * 3_000, "{" * 50 + "}" * 50, '{"a":' * 200 + "1" + "}" * 200,
    "1" + "0" * 400, "0." + "0" * 400 + "1", "1e-400", '"\\ud800"', '"\\u0000"', "true",
    "null", '"' + "x" * 20_000 + '"', "[" + "1," * 30_000 + "1]",
])
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
    st.sampled_from(["fixed_income", "blended", "elective", "frailty", "", "0.5", "BK1-"]),
)
JSON_VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4),
                            st.dictionaries(st.sampled_from(["rule", "rate_above_plan",
                                                             "rate_below_plan", "floor", "cap"]),
                                            inner, max_size=3)),
    max_leaves=12)
FIELDS = [f.name for f in __import__("dataclasses").fields(Scenario)]
PLAUSIBLE = st.one_of(st.floats(-0.3, 1.2), st.integers(0, 30), st.booleans(),
                      st.sampled_from([*cs.PRESETS, ["frailty"], ["frailty", "falls"], [],
                                       {"elective": "blended"}, 2**32, 1_000_001]))
KEYS = st.one_of(st.sampled_from(FIELDS), st.text(max_size=10))


def dumps(value: Any) -> str:
    """JSON text as a careless or hostile writer makes it: NaN and Infinity included."""
    return json.dumps(value, allow_nan=True, ensure_ascii=False)


@st.composite
def scenario_texts(draw: st.DrawFn) -> str:
    """A valid scenario's JSON broken in one of several ways, or plain text."""
    preset = draw(st.sampled_from(list(cs.PRESETS)))
    data = Scenario.preset(preset).to_dict()
    way = draw(st.integers(0, 7))
    if way == 7:  # fields set to plausible values, in range or just past it
        for _ in range(draw(st.integers(1, 4))):
            data[draw(st.sampled_from(FIELDS))] = draw(PLAUSIBLE)
        return dumps(data)
    if way == 0:  # a field set to any JSON value (NaN and huge numbers included)
        data[draw(KEYS)] = draw(JSON_VALUES)
        return dumps(data)
    if way == 1:  # a field set to a raw text that Python's parser finds hard
        text = dumps(data)
        key = draw(st.sampled_from(FIELDS))
        return text.replace(f'"{key}": ', f'"{key}": {draw(HUGE_TEXTS)}, "x{key}": ', 1)
    if way == 2:  # a custom payment mapping with odd rules
        data["payment"] = draw(st.dictionaries(st.one_of(st.sampled_from(list(cs.schema.SERVICES)),
                                                         st.text(max_size=6)),
                                               JSON_VALUES, max_size=3))
        return dumps(data)
    if way == 3:  # characters cut, added or changed anywhere
        text = dumps(data)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(st.text(max_size=3)) + text[at + draw(st.integers(0, 3)):]
        return text
    if way == 4:  # the whole text is some other JSON value
        return dumps(draw(JSON_VALUES))
    if way == 5:
        return draw(HUGE_TEXTS)
    return draw(st.text(max_size=50))


PYTHON_VALUES = st.recursive(
    st.one_of(LEAVES, st.binary(max_size=8), st.tuples(st.integers()), st.just(object()),
              st.integers(min_value=10**4000, max_value=10**4001)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.tuples(inner, inner),
                            st.dictionaries(st.one_of(st.text(max_size=6), st.integers(),
                                                      st.tuples(st.integers())),
                                            inner, max_size=3),
                            st.frozensets(st.integers(), max_size=3)),
    max_leaves=8)


# --------------------------------------------------------------------------- scenario JSON


def check_scenario(target: str, make) -> Scenario | None:
    with no_hang():
        try:
            scenario = make()
        except Exception as error:  # noqa: BLE001 (the point: which exceptions come out)
            refused(target, error)
            return None
    assert isinstance(scenario, Scenario)
    assert Scenario.from_json(scenario.to_json()) == scenario
    try:
        year = cs.run_year(cs.load_system(), scenario)
    except ScenarioError as error:  # schemes this system does not have
        assert "not in this system" in str(error)
        record(target, "valid (schemes not in the bundled system)")
        return scenario
    assert_finite(year.organisations, "run_year")
    record(target, "valid")
    return scenario


@fuzz(200)
@given(text=scenario_texts())
def test_fuzz_scenario_json(text: str) -> None:
    check_scenario("scenario JSON", lambda: Scenario.from_json(text))


@fuzz(100)
@given(data=st.dictionaries(st.one_of(KEYS, st.integers(), st.tuples(st.text(max_size=3))),
                            PYTHON_VALUES, max_size=4))
def test_fuzz_scenario_from_python_data(data: dict) -> None:
    check_scenario("scenario from_dict", lambda: Scenario.from_dict(data))


# --------------------------------------------------------------------------- files and codes

BASE_SCENARIO = Scenario.preset("blended", risk_share=0.5, schemes=("frailty",))


def forge(document: dict) -> None:
    """Give a document the checksum of its content, where one can be computed."""
    try:
        document["checksum"] = checksum(document)
    except (TypeError, ValueError):
        pass  # NaN or a value JSON cannot hold: no kit could have written it


_GOOD_FILE: list[bytes] = []


def good_file() -> bytes:
    """A file as the kit saves it (saved once: a save flushes to the disk)."""
    if not _GOOD_FILE:
        with tempfile.TemporaryDirectory() as folder:
            _GOOD_FILE.append(save_scenario(BASE_SCENARIO, folder, "Table 1").read_bytes())
    return _GOOD_FILE[0]


@st.composite
def file_bytes(draw: st.DrawFn) -> bytes:
    good = good_file()
    way = draw(st.integers(0, 5))
    if way == 5:  # a plausible change, forged: a file a team could have saved
        document = json.loads(good)
        document["scenario"][draw(st.sampled_from(FIELDS))] = draw(PLAUSIBLE)
        document["seed"] = document["scenario"]["seed"]
        forge(document)
        return dumps(document).encode()
    if way <= 1:  # an entry (or a scenario field) changed; the checksum forged or left stale
        document = json.loads(good)
        if draw(st.booleans()):
            document[draw(st.one_of(st.sampled_from(sorted(document)), st.text(max_size=6)))] = \
                draw(JSON_VALUES)
        else:
            document["scenario"][draw(KEYS)] = draw(JSON_VALUES)
        if way == 0:
            forge(document)
        return dumps(document).encode("utf-8", "surrogatepass")
    if way == 2:  # bytes cut, added or changed anywhere
        data = bytearray(good)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(data)))
            data[at:at + draw(st.integers(0, 4))] = draw(st.binary(max_size=4))
        return bytes(data)
    if way == 3:
        return draw(HUGE_TEXTS).encode()
    return draw(st.binary(max_size=64))


@fuzz(100)
@given(data=file_bytes())
def test_fuzz_scenario_files(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "team.json"
        path.write_bytes(data)
        with no_hang():
            try:
                saved = load_saved(path)
            except Exception as error:  # noqa: BLE001
                refused("scenario files", error)
                return
    assert isinstance(saved, SavedScenario) and isinstance(saved.team, str)
    # What loads is what a text parse gives; it travels on as a code; and it runs.
    assert parse_saved(data.decode("utf-8-sig")).scenario == saved.scenario
    assert decode_code(saved.code()).scenario == saved.scenario
    check_scenario("scenario files", lambda: saved.scenario)


def forged_code(text: str) -> str:
    packer = zlib.compressobj(level=9, wbits=-15, zdict=_ZDICT)
    body = base64.urlsafe_b64encode(packer.compress(text.encode("utf-8", "surrogatepass"))
                                    + packer.flush()).decode("ascii").rstrip("=")
    return f"{CODE_PREFIX}{body}-{hashlib.sha256(body.encode()).hexdigest()[:8]}"


@st.composite
def codes(draw: st.DrawFn) -> str:
    way = draw(st.integers(0, 5))
    if way == 0:  # a forged code of any payload: its checksum matches
        payload = {"k": draw(st.sampled_from(["0.1", "0.2", None])), "f": draw(JSON_VALUES)}
        if draw(st.booleans()):
            payload["f"] = {draw(KEYS): draw(JSON_VALUES)}
        if draw(st.booleans()):
            payload[draw(st.sampled_from(["t", "s", "x"]))] = draw(JSON_VALUES)
        return forged_code(dumps(payload))
    if way == 1:  # a forged code of raw text Python's parser finds hard
        return forged_code('{"k":"0.1","f":{"seed":' + draw(HUGE_TEXTS) + "}}")
    if way == 4:  # a plausible change, forged: what a team could have pasted
        return forged_code(dumps({"k": "0.1", "f": {draw(st.sampled_from(FIELDS)):
                                                    draw(PLAUSIBLE)}}))
    code = scenario_code(BASE_SCENARIO, team=draw(st.text(max_size=10)))
    if way == 2:  # a real code with characters changed (its checksum then fails, or not)
        for _ in range(draw(st.integers(1, 3))):
            at = draw(st.integers(0, len(code)))
            code = code[:at] + draw(st.text(max_size=2)) + code[at + draw(st.integers(0, 2)):]
        return code
    if way == 3:
        return code
    return draw(st.one_of(st.text(max_size=80), st.from_regex(r"BK\d-[A-Za-z0-9_\-]{0,60}")))



@fuzz(100)
@given(code=codes())
def test_fuzz_scenario_codes(code: str) -> None:
    with no_hang():
        try:
            saved = decode_code(code)
        except Exception as error:  # noqa: BLE001
            refused("scenario codes", error)
            return
    again = decode_code(saved.code())  # what was read can be written again (no lone surrogate)
    assert (again.scenario, again.team) == (saved.scenario, saved.team)
    check_scenario("scenario codes", lambda: saved.scenario)


# --------------------------------------------------------------------------- templates

HOSTILE_CELLS = st.sampled_from([
    "1e308", "-1e308", 1e308, -1e308, 1.7976931348623157e308, 5e-324, "9" * 400, 1e16, 1e9,
    "100000", "100000.01", "-100000", 10_000_000, 10_000_001, 1_000_000_000, "1e-320",
    "<img src=x onerror=alert(1)>", "=cmd|' /C calc'!A0", "a" * 65, "\x00", "Équipe",
])
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252"])


def run_everything(system: cs.System, target: str) -> None:
    """Every engine entry point on a loaded system: each result finite, or a clear refusal."""
    scenario = Scenario.preset("blended", demand_shock=0.05, risk_share=0.5)
    assert_finite(cs.run_year(system, scenario).organisations, "run_year")
    assert_finite(cs.simulate(system, scenario, draws=20, seed=1), "simulate")
    assert_finite(cs.project(system, scenario, years=2), "project")
    if len(system.schemes):
        assert_finite(best_portfolios(system, scenario, max_size=min(3, len(system.schemes))),
                      "best_portfolios")
    # The lessons' tables: each finite, or refused for a system without what it needs
    # (a lesson about moving care out of hospital needs a community provider).
    for name, table in LESSON_TABLES.items():
        try:
            frame = table(system, scenario)
        except ScenarioError as error:
            assert str(error).strip() and NET not in str(error)
            record(target, f"valid; {name} refused")
            continue
        assert_finite(frame, name)
    record(target, "valid")


LESSON_TABLES = {
    "bridge_table": cs.bridge_table,
    "risk_by_preset": lambda system, scenario: cs.risk_by_preset(system, scenario, draws=20),
    "contingency_reserves": lambda system, scenario: cs.contingency_reserves(system, scenario,
                                                                             draws=20),
    "scheme_table": cs.scheme_table,
    "portfolio_by_organisation": cs.portfolio_by_organisation,
    "incentive_linkage": cs.incentive_linkage,
    "system_totals": lambda system, scenario: cs.system_totals(cs.project(system, scenario,
                                                                          years=2)),
}


def load_or_refuse(path: Path, target: str) -> None:
    with no_hang():
        try:
            system = cs.load_system(path)
        except Exception as error:  # noqa: BLE001
            refused(target, error)
            assert all(str(p) for p in error.problems)
            return
        run_everything(system, target)  # outside the try: the engine must not refuse it


TEMPLATE_MUTATION = st.one_of(
    MUTATION,
    st.tuples(st.just("set_cell"), st.sampled_from(["organisations", "service_lines",
                                                    "schemes"]),
              st.integers(0, 99), st.integers(0, 99), HOSTILE_CELLS),
)


@fuzz(40)
@given(base=st.sampled_from(list(BASES)), mutations=st.lists(TEMPLATE_MUTATION, max_size=4),
       encoding=ENCODINGS)
def test_fuzz_csv_templates(base: str, mutations: list[tuple], encoding: str) -> None:
    tables = BASES[base]()
    for mutation in mutations:
        mutate(tables, mutation)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_csv(tables, Path(tmp) / "system")
        for file in folder.iterdir():
            text = file.read_text(encoding="utf-8")
            file.write_bytes(text.encode(encoding, errors="replace"))
        load_or_refuse(folder, "CSV templates")


@fuzz(10)
@given(base=st.sampled_from(list(BASES)), mutations=st.lists(TEMPLATE_MUTATION, max_size=4))
def test_fuzz_xlsx_templates(base: str, mutations: list[tuple]) -> None:
    tables = BASES[base]()
    for mutation in mutations:
        mutate(tables, mutation)
    with tempfile.TemporaryDirectory() as tmp:
        # An Excel cell cannot hold inf, nan or a NUL: a user would have typed them as text.
        safe = {name: frame.map(lambda v: v.replace("\x00", "") if isinstance(v, str) else v)
                for name, frame in excel_safe(tables).items()}
        load_or_refuse(write_xlsx(safe, Path(tmp) / "system.xlsx"), "xlsx templates")


def test_the_hang_guard_and_the_finite_check_can_fail() -> None:
    # The harness itself: a slow case is stopped, a NaN is caught.
    with pytest.raises(TimeoutError), no_hang(0.05):
        while True:
            pass
    with pytest.raises(AssertionError, match="NaN or an infinity"):
        assert_finite(pd.DataFrame({"x": [1.0, math.nan]}), "a frame")
