"""What bad input raises. Both are ValueErrors, so ``except ValueError`` catches them too."""

from __future__ import annotations

from collections.abc import Iterable


class ScenarioError(ValueError):
    """A scenario field (or an argument) outside its allowed range, or malformed."""


class DataError(ValueError):
    """A data file or workbook that does not fit the schema; lists every problem at once."""

    def __init__(self, problems: Iterable[object]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the system data:\n{lines}")
