"""Composition: join (optax values), phases by length, product, scale, offset, clip, hold."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched as js
from tests.helpers import INT32_MAX

STEPS = np.arange(0, 400)


@settings(max_examples=25, deadline=None)
@given(
    lengths=st.lists(st.integers(0, 60), min_size=1, max_size=4),
    peaks=st.lists(st.floats(0.01, 2.0), min_size=5, max_size=5),
)
def test_join_equals_optax_join_schedules(lengths: list[int], peaks: list[float]) -> None:
    boundaries = np.cumsum(lengths).tolist()
    ours = [js.Linear(0.0, peaks[0], 7)] + [js.CosineDecay(p, 40) for p in peaks[1 : len(lengths)]]
    ours.append(js.Constant(peaks[-1]))
    theirs = [optax.linear_schedule(0.0, peaks[0], 7)]
    theirs += [optax.cosine_decay_schedule(p, 40) for p in peaks[1 : len(lengths)]]
    theirs.append(optax.constant_schedule(peaks[-1]))
    with jax.numpy_dtype_promotion("standard"):  # optax's own code is not strict-clean
        expected = np.asarray(
            jax.vmap(optax.join_schedules(theirs, boundaries))(jnp.asarray(STEPS))
        )
    got = np.asarray(js.Join(ours, boundaries)(STEPS))
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-7 * 2.0)


def test_phases_compute_the_boundaries_from_lengths() -> None:
    warmup = js.Linear(0.0, 1.0, 100)
    s = js.phases(warmup, (js.Constant(1.0), 400), js.CosineDecay(1.0, 500))
    assert s.boundaries.tolist() == [100, 500]
    assert s.horizon == 1000
    assert s(99) == warmup(99) and s(100) == 1.0 and s(499) == 1.0 and s(500) == 1.0
    assert s(501) < 1.0 and s(1000) == 0.0


def test_a_last_phase_with_a_length_ends_there() -> None:
    s = js.phases((js.Linear(0.0, 1.0, 10), 5), (js.Linear(1.0, 0.0, 100), 50))
    assert s.horizon == 55
    assert s(55) == s(10**6) == js.Linear(1.0, 0.0, 100)(50)


@pytest.mark.parametrize("b", [0, 1, 7])
def test_phase_boundaries_b_minus_one_b_b_plus_one(b: int) -> None:
    s = js.phases((js.Constant(1.0), b), js.Linear(2.0, 3.0, 4))
    for t, expected in [(b - 1, 1.0 if b else 2.0), (b, 2.0), (b + 1, 2.25)]:
        assert s(t) == np.float32(expected), (b, t)


def test_nesting_is_transparent() -> None:
    inner = js.phases(js.Linear(0.0, 1.0, 10), (js.Constant(1.0), 20))
    nested = js.phases((inner, 30), js.CosineDecay(1.0, 50))
    flat = js.phases(js.Linear(0.0, 1.0, 10), (js.Constant(1.0), 20), js.CosineDecay(1.0, 50))
    np.testing.assert_array_equal(np.asarray(nested(STEPS)), np.asarray(flat(STEPS)))
    assert nested.horizon == flat.horizon == 80


def test_empty_phases_are_skipped() -> None:
    s = js.phases((js.Constant(9.0), 0), (js.Constant(1.0), 5), js.Constant(2.0))
    assert s(0) == 1.0 and s(5) == 2.0


def test_arithmetic() -> None:
    a, b = js.Linear(0.0, 1.0, 10), js.CosineDecay(1.0, 10)
    steps = np.arange(12)
    np.testing.assert_allclose(np.asarray((a * b)(steps)), np.asarray(a(steps) * b(steps)))
    np.testing.assert_allclose(np.asarray((0.1 * a)(steps)), 0.1 * np.asarray(a(steps)), rtol=1e-6)
    assert isinstance(a * b * a, js.Product) and len((a * b * a).schedules) == 3
    assert (a * 2.0) == (2.0 * a) == js.Scale(a, 2.0)
    with pytest.raises(TypeError):
        _ = a * "x"  # type: ignore[operator]


def test_product_of_factors_like_t5x() -> None:
    # constant * linear_warmup * rsqrt_decay, written with our pieces.
    warmup_steps = 100
    rsqrt = js.FromFunction(
        lambda t: jax.lax.rsqrt(jnp.maximum(t, warmup_steps).astype(jnp.float32))
    )
    s = js.Constant(0.5) * js.Linear(0.0, 1.0, warmup_steps) * rsqrt
    for t in (0, 50, 100, 400):
        expected = 0.5 * min(1.0, t / warmup_steps) / np.sqrt(max(t, warmup_steps))
        np.testing.assert_allclose(float(s(t)), expected, rtol=1e-6)


def test_offset_delays_and_advances() -> None:
    base = js.Linear(1.0, 0.0, 10)
    delayed = js.Offset(base, 5)
    advanced = js.Offset(base, -5)
    assert delayed(0) == delayed(5) == 1.0 and delayed(10) == base(5)
    assert advanced(0) == base(5)
    assert advanced(INT32_MAX) == base(INT32_MAX)  # saturates instead of overflowing
    assert delayed.horizon == 15 and advanced.horizon == 5


def test_clip_and_hold() -> None:
    s = js.Clip(js.Linear(0.0, 1.0, 10), min_value=0.2, max_value=0.8)
    assert s(0) == np.float32(0.2) and s(5) == 0.5 and s(10) == np.float32(0.8)
    h = js.Hold(js.Linear(0.0, 1.0, 10), 4)
    assert h(4) == h(100) == js.Linear(0.0, 1.0, 10)(4) and h.horizon == 4
