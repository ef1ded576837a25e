"""Properties users rely on: monotone warmups and decays, finite values, float32 everywhere."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched as js
from tests.helpers import INT32_MAX

lengths = st.integers(1, 10_000)
values = st.floats(1e-6, 10.0)
fractions = st.floats(0.0, 1.0)


def _probe_steps(horizon: int) -> np.ndarray:
    grid = np.linspace(0, 2 * horizon, 257).astype(np.int64)
    return np.unique(np.concatenate([grid, [horizon - 1, horizon, horizon + 1, INT32_MAX]]))


def _check(schedule: js.Schedule, horizon: int, direction: int) -> None:
    got = np.asarray(schedule(_probe_steps(horizon)))
    assert got.dtype == np.float32
    assert np.all(np.isfinite(got))
    diffs = np.diff(got) * direction
    assert np.all(diffs >= -1e-6 * np.max(np.abs(got))), schedule


@settings(max_examples=40, deadline=None)
@given(peak=values, floor=fractions, n=lengths, exponent=st.floats(0.1, 4.0))
def test_cosine_decays_monotonically(peak: float, floor: float, n: int, exponent: float) -> None:
    _check(js.CosineDecay(peak, n, alpha=floor, exponent=exponent), n, -1)


@settings(max_examples=40, deadline=None)
@given(
    peak=values, floor=fractions, n=lengths, power=st.floats(0.1, 4.0), begin=st.integers(0, 1000)
)
def test_polynomial_decays_monotonically(
    peak: float, floor: float, n: int, power: float, begin: int
) -> None:
    _check(js.Polynomial(peak, peak * floor, power, n, begin), n + begin, -1)


@settings(max_examples=40, deadline=None)
@given(peak=values, rate=st.floats(1e-3, 1.0), n=lengths, staircase=st.booleans())
def test_exponential_decays_monotonically(
    peak: float, rate: float, n: int, staircase: bool
) -> None:
    _check(js.ExponentialDecay(peak, n, rate, staircase=staircase), 20 * n, -1)


@settings(max_examples=40, deadline=None)
@given(peak=values, start=fractions, w=st.integers(0, 5000), n=lengths, first_step=st.booleans())
def test_warmup_rises_then_cosine_falls(
    peak: float, start: float, w: int, n: int, first_step: bool
) -> None:
    s = js.warmup_cosine_decay(
        peak * start, peak, w, w + n, start="first_step" if first_step else "zero"
    )
    if w:
        _check(js.Hold(s, w), w, +1)
    _check(js.Offset(s, -w), n, -1)
    assert s(w) == np.float32(peak) or np.isclose(float(s(w)), peak, rtol=1e-6)
