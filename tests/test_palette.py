"""The organisation kinds keep their colours apart for a learner with colour blindness.

Each colour is seen as a deuteranope or a protanope sees it (Machado, Oliveira and
Fernandes 2009, "A physiologically-based model for simulation of color vision deficiency",
IEEE TVCG 15(6), the matrices for severity 1.0, applied to linear RGB), then every pair is
compared in CIELAB (CIE 1976 distance, D65). A distance of 15 or more reads as two colours
side by side in a legend; the old palette's council (#CC79A7) and care providers (#999999)
were 7.1 apart under deuteranopia (both grey).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from casestudy.charts.behaviours import OTHER_COLOUR, SYSTEM_COLOUR
from casestudy.charts.style import KIND_COLOURS

MACHADO = {
    "normal": np.eye(3),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}
LEAST = 15.0


def linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def lab(linear_rgb: np.ndarray) -> np.ndarray:
    rgb = np.clip(linear_rgb, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ rgb / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def seen(hex_colour: str, vision: str) -> np.ndarray:
    return lab(MACHADO[vision] @ linear(hex_colour))


def distance(a: str, b: str, vision: str) -> float:
    return float(np.linalg.norm(seen(a, vision) - seen(b, vision)))


def closest(colours: dict[str, str], vision: str) -> tuple[float, str, str]:
    return min((distance(colours[a], colours[b], vision), a, b)
               for a, b in itertools.combinations(colours, 2))


def test_the_conversion_against_hand_figures():
    # White is L* 100, a* = b* = 0; black is 0; the two are 100 apart to every eye (both
    # rows of each matrix sum to 1, so a grey stays grey).
    assert np.allclose(seen("#FFFFFF", "normal"), [100, 0, 0], atol=0.05)
    assert np.allclose(seen("#FFFFFF", "deuteranopia"), [100, 0, 0], atol=0.2)
    assert distance("#000000", "#FFFFFF", "protanopia") == pytest.approx(100, abs=0.2)
    # Pure red and pure green, 170 apart to normal sight, collapse for a deuteranope.
    assert distance("#FF0000", "#00FF00", "normal") > 150
    assert distance("#FF0000", "#00FF00", "deuteranopia") < 40


def test_the_old_palette_fails_where_the_review_saw_it_fail():
    old = dict(KIND_COLOURS, care_provider="#999999")
    d, a, b = closest(old, "deuteranopia")
    assert {a, b} == {"local_authority", "care_provider"} and d < 8


@pytest.mark.parametrize("vision", list(MACHADO))
def test_every_pair_of_kinds_stays_apart(vision):
    d, a, b = closest(KIND_COLOURS, vision)
    assert d >= LEAST, f"{a} and {b} are {d:.1f} apart under {vision}"


@pytest.mark.parametrize("vision", list(MACHADO))
def test_the_shift_of_care_chart_adds_two_bars_that_stay_apart_too(vision):
    # Lesson 2's chart draws the kinds with "other partners" and the whole system beside them.
    colours = dict(KIND_COLOURS, other=OTHER_COLOUR, system=SYSTEM_COLOUR)
    d, a, b = closest(colours, vision)
    assert d >= LEAST, f"{a} and {b} are {d:.1f} apart under {vision}"
