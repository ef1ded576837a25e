"""Join evaluates phases alike in structure together: the values of the phase-by-phase
evaluation it replaced, in every way of calling it, and a graph whose size does not grow
with the number of phases."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any
from unittest import mock

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched as js
from benchmarks._common import equations
from jaxsched.core._base import _ON_DEVICE as _STACKED  # where a call from Python caches
from jaxsched.core._numerics import i32
from tests.helpers import INT32_MAX, inverse_step


def _old_value(self: js.Join, step: jax.Array) -> jax.Array:
    """``Join._value`` before stacking: one ``where`` per phase."""
    boundaries = i32(self.boundaries)
    value = self.schedules[0](step)
    for i, schedule in enumerate(self.schedules[1:]):
        value = jnp.where(step < boundaries[i], value, schedule(step - boundaries[i]))
    return value


def _old(fn: Callable[..., Any], *args: Any) -> np.ndarray:
    """``fn(*args)`` with the old evaluation, in a fresh ``jit`` (no cache shared)."""
    with mock.patch.object(js.Join, "_value", _old_value):
        return np.asarray(jax.jit(fn)(*args))


def _old_calls(s: js.Schedule, steps: np.ndarray) -> np.ndarray:
    """The old values as calls from Python, one step at a time."""
    with mock.patch.object(js.Join, "_value", _old_value):
        fn = jax.jit(lambda s, t: s(t))
        return np.array([fn(s, np.int32(t)) for t in steps])


def _probe(s: js.Join) -> np.ndarray:
    """0, 1, every boundary and its neighbours, and the last step."""
    b = np.asarray(s.boundaries, np.int64)
    steps = {0, 1, INT32_MAX, *(b - 1).tolist(), *b.tolist(), *(b + 1).tolist()}
    return np.array(sorted(t for t in steps if 0 <= t <= INT32_MAX), np.int32)


def _bits(values: Any) -> np.ndarray:
    values = np.asarray(values)
    assert values.dtype == np.float32
    return values.view(np.uint32)


# Phase makers by index: different values, and some different static fields (staircase).
KINDS: list[Callable[[int], js.Schedule]] = [
    lambda i: js.CosineDecay(0.97**i, 7 + i % 5, alpha=0.1),
    lambda i: js.Linear(0.1 * i, 1.0, 3 + i % 4),
    lambda i: js.Constant(0.5 + i),
    lambda i: js.Hold(js.Linear(1.0, 0.0, 10), i % 7),
    lambda i: js.Warmup(js.CosineDecay(1.0, 10 + i), 3, 0.1 * (i % 3), shape="cosine"),
    lambda i: js.PiecewiseConstant([2, 5 + i % 3], [1.0, 0.5 / (i + 1), 0.25]),
    lambda i: js.MultiStepDecay(1.0, [1, 3], 0.5 + 0.01 * i),
    lambda i: js.Restarts(js.Linear(1.0, 0.0, 4), period=4 + i % 2, decay=0.9),
    lambda i: js.ExponentialDecay(1.0, 4, 0.9 - 0.01 * i, staircase=i % 2 == 0),
    lambda i: js.NoisyLinearCosineDecay(1.0, 20, seed=i),
    lambda i: js.FromFunction(inverse_step),
]


def _cycle(i: int) -> dict[str, Any]:
    return dict(init_value=0.0, peak_value=1.0 - 0.01 * i, warmup_steps=2, decay_steps=9 + i)


CASES: dict[str, Callable[[], js.Join]] = {
    # More than 32 phases: a sorted search for the phase, and calls from Python stacked.
    "cosine_40": lambda: js.phases(*[(KINDS[0](i), 5 + i % 3) for i in range(40)]),
    "interleaved": lambda: js.phases(*[(KINDS[i % len(KINDS)](i), i % 6) for i in range(22)]),
    "zero_length": lambda: js.Join([KINDS[i % 3](i) for i in range(9)], [0, 0, 3, 3, 3, 5, 6, 8]),
    "nested": lambda: js.phases(
        *[(js.phases((js.Linear(0.0, 1.0, 3), 3), KINDS[0](i)), 8 + i) for i in range(6)]
    ),
    "sgdr_34": lambda: js.sgdr([_cycle(i) for i in range(34)]),
    "sgdr_2": lambda: js.sgdr([_cycle(0), _cycle(1)]),
    "warmup_then_decays": lambda: js.phases(
        js.Linear(0.0, 1.0, 5), *[js.warmup_cosine_decay(0.0, 1.0, 2, 9 + i) for i in range(5)]
    ),
    "all_different": lambda: js.phases(js.Linear(0.0, 1.0, 5), (js.Constant(1.0), 5), KINDS[0](3)),
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_values_equal_the_phase_by_phase_evaluation(make: Callable[[], js.Join]) -> None:
    s = make()
    steps = _probe(s)
    expected = _old_calls(s, steps)
    # Each step in the phase the old graph picked, computed alike but for XLA's rounding:
    # fused differently (a division, sin and cos in a vector or a scalar kernel), a value
    # may move by an ulp or two, as it already did between a call from Python and one under jit.
    np.testing.assert_array_max_ulp(np.asarray([s(int(t)) for t in steps]), expected, maxulp=2)
    # Compiled over an array, the parity tolerance, 5e-7 * peak.
    half = len(steps) // 2 * 2
    compiled = {
        "array call": s(steps[:half].reshape(2, -1)).reshape(-1),
        "jit, closed over": jax.jit(lambda t: s(t))(steps),
        "jit, as an argument": jax.jit(lambda s, t: s(t))(s, steps),
        "vmap over steps": jax.jit(jax.vmap(lambda t: s(t)))(steps),
    }
    tolerance = 5e-7 * float(np.max(np.abs(expected)))
    for how, values in compiled.items():
        want = expected[: np.size(values)]
        np.testing.assert_allclose(values, want, rtol=0, atol=tolerance, err_msg=how)


def test_a_batch_of_joins_vmaps() -> None:
    a = CASES["sgdr_34"]()
    b = js.sgdr([{**_cycle(i), "peak_value": 0.5 + 0.01 * i} for i in range(34)])
    batch = jax.tree.map(lambda *x: jnp.stack(x), a, b)
    steps = _probe(a)
    got = jax.jit(jax.vmap(lambda s: s(steps)))(batch)
    np.testing.assert_array_equal(_bits(got), np.stack([_bits(a(steps)), _bits(b(steps))]))


def test_the_gradient_reaches_the_phase_in_use_only() -> None:
    def value(peaks: jax.Array, t: jax.Array) -> jax.Array:
        return js.phases(*[(js.CosineDecay(peaks[i], 10), 10) for i in range(12)])(t)

    peaks = jnp.linspace(1.0, 0.5, 12, dtype=jnp.float32)
    steps = np.array([0, 9, 10, 63, 115, 120, INT32_MAX], np.int32)
    grads = jax.jit(jax.vmap(jax.grad(value), (None, 0)))(peaks, steps)
    expected = _old(jax.vmap(jax.grad(value), (None, 0)), peaks, steps)
    np.testing.assert_allclose(grads, expected, rtol=0, atol=5e-7)
    in_use = np.minimum(steps // 10, 11)[:, None] == np.arange(12)
    assert np.all(np.asarray(grads)[~in_use] == 0) and np.all(np.asarray(grads)[:5][in_use[:5]] > 0)


def test_batched_hyperparameters_broadcast_with_the_step_as_before() -> None:
    s = js.phases(*[(js.CosineDecay(np.array([1.0, 0.5]) * 0.9**i, 10), 10) for i in range(8)])
    for steps in (np.int32(15), np.array([5, 15], np.int32), np.array([[79], [2]], np.int32)):
        if steps.ndim == 2:  # broadcast (2, 1) against the (2,) hyperparameters
            with jax.numpy_rank_promotion("allow"):
                got, expected = s(steps), _old(lambda t: s(t), steps)
        else:
            got, expected = s(steps), _old(lambda t: s(t), steps)
        np.testing.assert_allclose(got, expected, rtol=0, atol=5e-7)


def _size(s: js.Schedule) -> int:
    return equations(jax.make_jaxpr(lambda t: s(t))(jnp.int32(5)).jaxpr)


def _mixed(n: int, kinds: int) -> js.Join:
    return js.phases(*[(KINDS[i % kinds](i), 5) for i in range(n)])


def test_the_graph_does_not_grow_with_the_number_of_phases() -> None:
    cosine = {
        n: _size(js.Join([KINDS[0](i) for i in range(n)], range(1, n))) for n in (100, 10_000)
    }
    assert cosine[100] == cosine[10_000] <= 200, cosine
    # Up to 32 boundaries the phase is found by comparing with each: fewer equations.
    assert _size(js.Join([KINDS[0](i) for i in range(10)], range(1, 10))) <= cosine[100]
    sgdr = {n: _size(js.sgdr([_cycle(i % 50) for i in range(n)])) for n in (100, 1000)}
    assert sgdr[100] == sgdr[1000], sgdr
    # Mixed: the graph grows with the number of distinct structures, not of phases.
    mixed = {(n, k): _size(_mixed(n, k)) for n in (100, 1000) for k in (1, 2, 3)}
    for k in (1, 2, 3):
        assert mixed[100, k] == mixed[1000, k], mixed
    # (One structure shares its exponent 1.0 as a concrete leaf, which takes the exact
    # power's graph; the stacked members of two or three structures are traced.)
    assert mixed[100, 2] < mixed[100, 3], mixed


def test_the_stacked_form_is_a_cache_not_a_field() -> None:
    s = CASES["sgdr_34"]()
    before = (str(s), s.to_dict(), hash(s), jax.tree_util.tree_structure(s), s.horizon)
    np.asarray(s(np.arange(50)))
    assert _STACKED in s.__dict__
    assert (str(s), s.to_dict(), hash(s), jax.tree_util.tree_structure(s), s.horizon) == before
    copy = pickle.loads(pickle.dumps(s))
    assert _STACKED not in copy.__dict__ and copy == s
    np.testing.assert_array_equal(np.asarray(copy(np.arange(500))), np.asarray(s(np.arange(500))))


def test_a_join_called_at_a_fixed_step_inside_a_trace_keeps_nothing() -> None:
    # Warmup calls its schedule at step 0 while traced: nothing of the trace may be cached.
    s = CASES["cosine_40"]()
    warm = js.Warmup(s, 4)
    steps = np.arange(60)
    traced = np.asarray(jax.jit(lambda t: warm(t))(steps))
    assert _STACKED not in s.__dict__
    np.testing.assert_array_equal(np.asarray(warm(steps)), traced)


@settings(max_examples=5, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(range(len(KINDS))), st.integers(0, 4)), max_size=16))
def test_any_sequence_of_phases(items: list[tuple[int, int]]) -> None:
    # Against the definition: phase k = #{boundaries <= t}, run on its own clock.
    s = js.phases(
        *[(KINDS[kind](i), length) for i, (kind, length) in enumerate(items)], KINDS[0](0)
    )
    steps = _probe(s)
    starts = np.concatenate([[0], s.boundaries])
    phase = np.searchsorted(s.boundaries, steps, side="right")
    expected = [s.schedules[k](int(t - starts[k])) for k, t in zip(phase, steps, strict=True)]
    # The phase's value to XLA's rounding in another fusion (sin, a division): 2 ulps.
    np.testing.assert_array_max_ulp(np.asarray([s(int(t)) for t in steps]), np.asarray(expected), 2)
