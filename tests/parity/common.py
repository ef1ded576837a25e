"""Shared by the parity tests: float32-exact random draws and the tolerance check."""

from __future__ import annotations

import os
import re
from typing import Any

import numpy as np

import jaxsched as js


class Float32Draws:
    """Random hyperparameters that float32 represents exactly.

    jaxsched computes with float32 hyperparameters (SPEC 3.4) and torch with float64; on
    exactly representable values the comparison measures the formulas, not the rounding of
    the inputs (which, for gamma**t over hundreds of steps, alone exceeds 5e-7).
    """

    def __init__(self, seed: int) -> None:
        self._rng = np.random.default_rng(1000 + seed)

    def uniform(self, low: float, high: float) -> float:
        return float(np.float32(self._rng.uniform(low, high)))

    def integers(self, low: int, high: int, size: int | None = None) -> Any:
        return self._rng.integers(low, high, size=size)


def draws(seed: int) -> Float32Draws:
    return Float32Draws(seed)


# Largest |ours - theirs| / peak seen per test function, for docs/parity.md (see conftest).
MEASURED: dict[str, float] = {}


def assert_close(
    ours: js.Schedule, theirs: np.ndarray, steps: np.ndarray | None = None, label: str = ""
) -> float:
    """|ours - theirs| <= 5e-7 * peak at every step; returns the largest gap / peak.

    The gap is reported under the test's name, or under ``label`` where one test covers
    several classes."""
    steps = np.arange(len(theirs)) if steps is None else steps
    got = np.asarray(ours(steps), np.float64)
    peak = np.max(np.abs(theirs))
    np.testing.assert_allclose(got, theirs, rtol=0, atol=5e-7 * peak)
    gap = float(np.max(np.abs(got - theirs)) / peak)
    test = label or re.sub(r"\[.*", "", os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0])
    MEASURED[test] = max(MEASURED.get(test, 0.0), gap)
    return gap
