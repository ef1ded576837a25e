"""SPEC 3.3 and 3.6 under adversarial configurations: finite values, exact restarts,
finite gradients, equality by value, steps of any dtype.

The property tests run with a fixed seed and a CI budget; ``HYPOTHESIS_PROFILE=release``
runs twenty times as many fresh examples (see the root ``conftest.py``).
"""

from __future__ import annotations

import bisect
import decimal
import math
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched as js
from jaxsched.core._cycles import growing_cycles
from tests.helpers import EXAMPLES, INT32_MAX, x64
from tests.strategies import ALL, Case, base_cases, cases, probe_steps

_evaluate = jax.jit(lambda schedule, steps: schedule(steps))


def _check_finite_and_monotone(case: Case) -> None:
    steps = probe_steps(case.schedule)
    eager = np.asarray(case.schedule(steps))
    compiled = np.asarray(_evaluate(case.schedule, steps))
    for values in (eager, compiled):
        assert values.dtype == np.float32
        assert np.all(np.isfinite(values)), (case.schedule, steps[~np.isfinite(values)])
    # Eager and compiled kernels may round differently by an ulp, never by a restart.
    scale = float(np.max(np.abs(eager))) or 1.0
    np.testing.assert_allclose(compiled, eager, rtol=2e-6, atol=2e-6 * scale)
    for first, last, direction in case.monotone:
        inside = (steps >= first) & (steps <= min(last, ALL))
        diffs = np.diff(eager[inside]) * direction
        assert np.all(diffs >= -2e-6 * scale), (case.schedule, first, last)


@settings(max_examples=4 * settings.default.max_examples)
@given(base_cases)
def test_every_schedule_is_finite_and_monotone_where_promised(case: Case) -> None:
    _check_finite_and_monotone(case)


@given(cases)  # the default count: the release profile runs twenty times more
def test_nestings_are_finite(case: Case) -> None:
    _check_finite_and_monotone(case)


def _reference_starts(first: int, mult: float) -> list[decimal.Decimal]:
    """Cycle starts :math:`S_i` for ``mult``, to 80 significant digits (at most 400)."""
    context = decimal.Context(prec=80)
    m, length = decimal.Decimal(mult), decimal.Decimal(first)
    starts = [decimal.Decimal(0)]
    while starts[-1] <= INT32_MAX and len(starts) < 400:
        starts.append(context.add(starts[-1], length))
        length = context.multiply(length, m)
    return starts


def _cycles_expected(first: int, mult: float, steps: np.ndarray) -> tuple[np.ndarray, ...]:
    """Index and cosine shape of each step, for cycle lengths ``first * mult**i``."""
    starts = _reference_starts(first, mult)
    index = np.array([bisect.bisect_right(starts, int(t)) - 1 for t in steps])
    position = np.array(
        [
            float((int(t) - starts[i]) / (starts[i + 1] - starts[i]))
            for t, i in zip(steps, index, strict=True)
        ]
    )
    return index, 0.5 * (1 + np.cos(np.pi * position))


@given(
    first=st.integers(0, 30).flatmap(lambda b: st.integers(max(1, 2**b // 2), 2**b)),
    mult=st.one_of(st.floats(1.05, 4.0), st.sampled_from([1.5, 1.25, 2.948368643278093, 1.2, 1.1])),
    seed=st.integers(0, 2**32 - 1),
)
def test_fractional_restarts_are_exact(first: int, mult: float, seed: int) -> None:
    # Restarts where the multiplier as written puts them; where it is traced (a schedule
    # passed into jit), where its float32 puts them (the documented fallback).
    if mult == round(mult) or float(np.float32(mult)) == round(float(np.float32(mult))):
        mult = 1.5  # whole multipliers have their own exact integer test
    starts = _reference_starts(first, mult)
    restarts = [math.ceil(s) for s in starts[1:] if s <= INT32_MAX]
    rng = np.random.default_rng(seed)
    steps = {r + d for r in restarts for d in (-1, 0)} | set(rng.integers(0, INT32_MAX, 20))
    steps = sorted(t for t in steps if 0 <= t <= min(INT32_MAX, starts[-1]))
    steps = np.array(steps + [steps[-1]] * (1024 - len(steps)))  # one shape: one compile
    index, expected = _cycles_expected(first, mult, steps)
    got_index = growing_cycles(jnp.asarray(steps, jnp.int32), first, mult)[0]
    np.testing.assert_array_equal(np.asarray(got_index), index)
    traced = _cycles_expected(first, float(np.float32(mult)), steps)[1]
    for schedule in (
        js.DecayCycles(1.0, first, cycle_mul=mult),
        js.CosineRestarts(1.0, first, mult),
    ):
        np.testing.assert_allclose(np.asarray(schedule(steps)), expected, atol=2e-6)
        np.testing.assert_allclose(np.asarray(_evaluate(schedule, steps)), traced, atol=2e-6)


@pytest.mark.parametrize(("mult", "first"), [(1 + 2**-23, 1), (1 + 2**-20, 1), (1.0001, 3)])
def test_restarts_near_one_are_exact(mult: float, first: int) -> None:
    # Up to 4.7e7 cycles (more than float32 counts exactly): each decision is checked to
    # bracket the step between two starts computed with 80 significant digits.
    decimal.getcontext().prec = 80
    m, f = decimal.Decimal(mult), decimal.Decimal(first)

    def start(j: int) -> decimal.Decimal:
        return f * (m**j - 1) / (m - 1)

    rng = np.random.default_rng(0)
    steps = np.unique(rng.integers(0, INT32_MAX, 100))
    index = np.asarray(growing_cycles(jnp.asarray(steps, jnp.int32), first, mult)[0])
    nexts = [int(start(int(j) + 1).to_integral_value(decimal.ROUND_CEILING)) for j in index]
    edges = np.unique([n + d for n in nexts for d in (-1, 0) if n <= INT32_MAX])
    edge_index = np.asarray(growing_cycles(jnp.asarray(edges, jnp.int32), first, mult)[0])
    for t, j in zip([*steps, *edges], [*index, *edge_index], strict=True):
        assert start(int(j)) <= int(t) < start(int(j) + 1), (t, j)


def test_the_reported_restart_is_on_the_dot() -> None:
    s = js.CosineRestarts(1.0, 19616, t_mul=2.948368643278093)
    assert s(19615) < 1e-6 and s(19616) == 1.0
    big = js.CosineRestarts(1.0, 2**24 + 3, t_mul=1.5)
    assert big(2**24 + 2) < 1e-6 and big(2**24 + 3) == 1.0


GRADIENT_CASES = {
    **EXAMPLES,
    "cycles_mul_one": js.DecayCycles(1.0, 100),
    "cycles_fractional": js.DecayCycles(1.0, 10, "poly", 0.1, 1.5, 0.5, k_decay=2.0),
    "step_gamma_zero": js.StepDecay(1.0, 10, 0.0),
    "multistep_gamma_zero": js.MultiStepDecay(1.0, [5, 15], 0.0),
    "restarts_t_mul_one": js.CosineRestarts(1.0, 10, t_mul=1.0),
    "restarts_fractional": js.CosineRestarts(1.0, 10, t_mul=1.5, m_mul=0.5),
    "exponential_at_cap": js.ExponentialDecay(1.0, 10, 2.0, end_value=3.0),
    "exponential_huge_growth": js.ExponentialDecay(0.0, 1, 1e3, end_value=1.0),
    "cosine_exponent_at_end": js.CosineDecay(1.0, 10, exponent=0.5),
    "warmup_power_at_zero": js.Warmup(js.Constant(1.0), 10, power=2.0),
    "cyclical_exp_range": js.Cyclical(0.1, 1.0, 5, mode="exp_range", gamma=0.99),
    "restarts_any": js.Restarts(js.Linear(1.0, 0.0, 6), 6, decay=0.5),
    # Peaks that grow until they saturate at the largest float32 (gradient 0 there).
    "restarts_growing_peaks": js.CosineRestarts(1e-3, 1, t_mul=1.0, m_mul=1e30),
    "cycles_growing_peaks": js.DecayCycles(1e-3, 2, "poly", cycle_decay=1e30),
    "restarts_any_growing": js.Restarts(js.Linear(1.0, 0.0, 3), 3, decay=1e20),
}


def _float_leaf_gradients(schedule: js.Schedule, steps: np.ndarray) -> list[jax.Array]:
    """d schedule(t) / d every float hyperparameter, at every step."""
    leaves, treedef = jax.tree.flatten(schedule)
    is_float = [jnp.issubdtype(np.asarray(x).dtype, jnp.floating) for x in leaves]
    floats = [jnp.asarray(x, jnp.float32) for x, f in zip(leaves, is_float, strict=True) if f]

    def value(floats: list[jax.Array], step: jax.Array) -> jax.Array:
        it = iter(floats)
        rebuilt = [next(it) if f else x for x, f in zip(leaves, is_float, strict=True)]
        return jax.tree.unflatten(treedef, rebuilt)(step)

    return jax.jit(jax.vmap(jax.grad(value), in_axes=(None, 0)))(floats, steps)


@pytest.mark.parametrize("schedule", GRADIENT_CASES.values(), ids=GRADIENT_CASES.keys())
def test_gradients_are_finite(schedule: js.Schedule) -> None:
    steps = np.unique(probe_steps(schedule))
    steps = steps[steps < 2**16]  # boundaries and restarts of the small examples
    steps = np.unique(np.concatenate([steps, [INT32_MAX], (steps[:-1] + steps[1:]) // 2]))
    for grad in _float_leaf_gradients(schedule, steps):
        assert np.all(np.isfinite(np.asarray(grad))), schedule


def _containers(schedule: js.Schedule) -> dict[str, js.Schedule]:
    as_numpy = jax.tree.map(lambda x: np.float32(x) if isinstance(x, float) else x, schedule)
    return {
        "jit": jax.jit(lambda s: s)(schedule),
        "device_put": jax.device_put(schedule),
        "numpy": as_numpy,
        "pickle": pickle.loads(pickle.dumps(schedule)),
    }


@pytest.mark.parametrize("schedule", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_equality_and_hash_are_by_float32_value(schedule: js.Schedule) -> None:
    for how, other in _containers(schedule).items():
        assert other == schedule, how
        assert hash(other) == hash(schedule), how


def test_equality_compares_what_is_computed() -> None:
    assert js.Constant(np.float32(0.1)) == js.Constant(0.1)
    assert js.Constant(0.1) == js.Constant(0.1 + 1e-12)  # the same float32
    assert js.Constant(0.1) != js.Constant(0.1 + 1e-7)
    assert js.Constant(jnp.bfloat16(0.5)) == js.Constant(0.5)
    assert js.Linear(0.0, 1.0, 10) != js.Linear(0.0, 1.0, 11)
    assert js.Constant(np.array([0.1])) != js.Constant(0.1)  # batched is not scalar


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16, np.float64])
def test_low_and_high_precision_hyperparameters_are_accepted(dtype: object) -> None:
    s = js.CosineDecay(np.asarray([1.0, 0.5], dtype), 10)
    np.testing.assert_array_equal(np.asarray(s(0)), np.float32([1.0, 0.5]))


def test_huge_negative_int64_steps_clamp_to_zero() -> None:
    with x64():
        s = js.Linear(1.0, 0.0, 10)
        steps = jnp.asarray([-(2**40), -(2**31) - 5, -1, 2**40], jnp.int64)
        np.testing.assert_array_equal(np.asarray(s(steps)), np.float32([1.0, 1.0, 1.0, 0.0]))
        np.testing.assert_array_equal(
            np.asarray(jax.jit(s)(steps)), np.float32([1.0, 1.0, 1.0, 0.0])
        )


@pytest.mark.parametrize("shape", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize("length", [100_000, 2**25, INT32_MAX])
def test_warmup_from_the_first_step_is_never_zero(shape: str, length: int) -> None:
    s = js.Warmup(js.Constant(1e-8), length, start="first_step", shape=shape)
    for values in (s(np.array([0, 1])), jax.jit(s)(np.array([0, 1]))):
        assert np.all(np.asarray(values) > 0)
    assert s(length) == np.float32(1e-8)


def test_long_sums_of_lengths_do_not_wrap() -> None:
    # The largest cycle and warmup the constructors accept, at the last representable step.
    cyclical = js.Cyclical(0.1, 1.0, step_size_up=2**30, step_size_down=2**30 - 1)
    assert 0.1 <= float(cyclical(INT32_MAX - 1)) <= 1.0
    warmup = js.Warmup(js.Constant(1.0), INT32_MAX, start="first_step")
    values = np.asarray(warmup(np.array([0, INT32_MAX - 2, INT32_MAX - 1, INT32_MAX])))
    assert np.all((values > 0) & (values <= 1)) and values[-1] == 1.0


def _calls_from_python_equal_op_by_op(schedule: js.Schedule) -> None:
    steps = np.concatenate([probe_steps(schedule), np.arange(4096)])  # and the peak
    with jax.disable_jit():  # the evaluation as it was before calls were compiled
        op_by_op = np.asarray(schedule(steps))
    compiled = np.asarray(schedule(steps))
    # Fused kernels may round the continuous parts a few ulps apart (the parity tolerance,
    # 5e-7 * peak); a misplaced stair or restart is far more.
    tolerance = 5e-7 * float(np.max(np.abs(op_by_op)))
    np.testing.assert_allclose(compiled, op_by_op, rtol=0, atol=tolerance)
    for t in (0, 1, int(steps[len(steps) // 2]), INT32_MAX):
        np.testing.assert_allclose(float(schedule(t)), op_by_op[steps == t][0], atol=tolerance)


@pytest.mark.parametrize("schedule", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_a_call_from_python_is_compiled_with_the_same_values(schedule: js.Schedule) -> None:
    _calls_from_python_equal_op_by_op(schedule)


@settings(max_examples=settings.default.max_examples)
@given(cases)
def test_compiled_calls_of_nestings_have_the_same_values(case: Case) -> None:
    _calls_from_python_equal_op_by_op(case.schedule)


def test_a_schedule_traced_first_keeps_nothing_from_the_trace() -> None:
    # Warmup and Cooldown call their inner schedule at a fixed step while being traced; a
    # call from Python caches device leaves, which must not be the trace's.
    s = js.warmup_stable_decay(1.0, 2, 20, 5)
    steps = np.arange(30)
    first = np.asarray(jax.jit(lambda t: s(t))(steps))
    second = np.asarray(jax.jit(lambda t: s(t))(steps))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(np.asarray(s(steps)), first)


@pytest.mark.parametrize(
    "name", ["restarts_growing_peaks", "cycles_growing_peaks", "restarts_any_growing"]
)
def test_growing_peaks_saturate_at_the_largest_float32(name: str) -> None:
    # Keras and timm take growth factors above 1 and reach inf; the value is the largest
    # float32 instead, wherever the formula passes it (eagerly and compiled).
    schedule = GRADIENT_CASES[name]
    steps = np.asarray([0, 1, 2, 3, 5, 7, 8, 1000, 2**24 + 1, INT32_MAX])
    biggest = np.finfo(np.float32).max
    for values in (np.asarray(schedule(steps)), np.asarray(_evaluate(schedule, steps))):
        assert values[0] <= 1.0 and np.all(values[-3:] == biggest), values
        assert np.all(np.isfinite(values)) and np.count_nonzero(values == biggest) >= 3
