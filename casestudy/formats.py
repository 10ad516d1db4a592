"""The one way the kit writes a figure for a reader: money, percentages and lists of names,
in prose, chart labels and chart summaries alike.

Plain text: a caller escapes names for HTML or Markdown (:mod:`casestudy.names`); the figures
themselves hold no markup. It imports nothing of the kit, so every layer may use it.

>>> money(1234.56), money(-0.3), money(0.02), money(0.02, fine=True)
('£1,234.6m', '-\\u2060£0.3m', '£0.0m', '£20k')
>>> money(1.23, signed=True), money(0.01, signed=True), money(0.95, places=2)
('+£1.2m', '£0.0m', '£0.95m')
>>> percent(0.05), percent(0.025), percent(0.413), percent(1.0), percent(0.125, 1)
('5%', '2.5%', '41%', '100%', '12.5%')
>>> names(["A"]), names(["A", "B", "C"]), names([])
('A', 'A, B and C', 'nobody')
"""

from __future__ import annotations

import math
from collections.abc import Iterable

# A minus that stays with its figure: a WORD JOINER (U+2060, drawn as nothing) after the
# hyphen-minus, which a line could otherwise end on, leaving "£15.9m" alone on the next line.
MINUS = "-\u2060"
_NOTHING_GBP_M = 0.0005  # below £500 a figure is nothing at the kit's scale


def money(value_gbp_m: float, *, signed: bool = False, fine: bool = False, places: int = 1,
          minus: str = MINUS) -> str:
    """£m for a reader.

    ``places`` decimals (one by default, as every £m figure of the kit); ``fine``: an amount
    that would show as £0.0m but is not nothing reads in £k (``£20k``); ``signed``: a change,
    ``+`` when it shows as more than nothing; ``minus``: the sign of a negative figure (a
    plain ``-`` where the text is not wrapped, as in a terminal). A figure that rounds to
    zero carries no sign, so a reader never meets ``-£0.0m`` or ``+£0.0m``.
    """
    value = float(value_gbp_m)
    if not math.isfinite(value):
        return "n/a"
    if fine and _NOTHING_GBP_M <= abs(value) < 0.5 * 10 ** -places:
        text = f"£{abs(value) * 1000:,.0f}k"
    else:
        text = f"£{abs(value):,.{places}f}m"
    if not any(digit in text for digit in "123456789"):  # it shows as nothing: no sign
        return text
    if value < 0:
        return minus + text
    return "+" + text if signed else text


def percent(share: float, places: int | None = None) -> str:
    """A share (0-1) as a percentage: whole when it is whole or 10% and more, else to one
    decimal (two figures are enough to read); to at most ``places`` decimals when given, as
    a slider with that step reads (``percent(0.125, 1) == '12.5%'``, ``percent(0.03, 1) ==
    '3%'``)."""
    value = float(share) * 100
    if places is None:
        places = 0 if abs(value - round(value)) < 1e-9 or abs(value) >= 10 else 1
    text = f"{value:,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return ("0" if text in ("-0", "") else text) + "%"


def names(items: Iterable[str], empty: str = "nobody") -> str:
    """Names as a phrase: ``A``, ``A and B``, ``A, B and C`` (``empty`` for none). Plain
    text: escape the result for HTML or Markdown."""
    listed = [str(n) for n in items]
    if not listed:
        return empty
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def number(value: float) -> str:
    """A setting as written in a scenario (``0.05``, ``3``, ``1.5``), no trailing zeros."""
    return f"{value:g}"
