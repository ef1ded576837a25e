"""The fast paths of whole curves (issue 9) give the former values bit for bit.

The cycle index for a whole growth and the seeded noise of ``NoisyLinearCosineDecay``
were rewritten for speed. Each is compared with a verbatim copy of the former code; the
cycle index also with starts computed exactly in Python integers, which agree with
``cycle_start``.
"""

from __future__ import annotations

import bisect
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jax import lax

import jaxsched as js
from jaxsched.core._cycles import _fractional_cycle, _whole_cycle, cycle_start, growing_cycles
from jaxsched.core._numerics import INT32_MAX, f32, i32
from jaxsched.schedules._linear_cosine import _linear_cosine, _unit_normal
from tests.helpers import x64

# ---- the former code, verbatim but for the names ------------------------------------


def _old_whole_cycle(step: jax.Array, first: jax.Array, mult: jax.Array) -> tuple:
    """Cycle index and offset for lengths ``first * mult**i`` with an integer ``mult >= 2``.

    Cycle ``i`` starts at ``first * (1 + mult + ... + mult**(i-1))``, a multiple of
    ``first``; so step ``t`` is in cycle ``i`` iff ``t // first >= that sum / first``. The
    sums are built in saturating int32 (at most 31 terms before passing ``2**31``), so the
    index is exact at every restart up to ``2**31 - 1``.
    """
    whole = step // first
    total = jnp.zeros_like(whole)
    index = jnp.zeros_like(whole)
    limit = (INT32_MAX - 1) // jnp.maximum(mult, 1)
    for _ in range(31):
        following = jnp.where(total > limit, INT32_MAX, total * mult + 1)
        reached = following <= whole
        index = index + reached.astype(jnp.int32)
        total = jnp.where(reached, following, total)
    return index, step - first * total


@jax.jit
def _old_growing_cycles(step: jax.Array, first_steps: Any, mult: Any) -> tuple:
    first = i32(first_steps)
    growth = f32(mult)
    is_one, is_whole = growth == 1, growth == jnp.round(growth)
    periodic = (step // first, (step % first).astype(jnp.float32) / first.astype(jnp.float32))
    whole_growth = jnp.where(is_whole & ~is_one, growth, 2.0)
    index, offset = _old_whole_cycle(step, first, jnp.round(whole_growth).astype(jnp.int32))
    length = first.astype(jnp.float32) * whole_growth ** index.astype(jnp.float32)
    whole = (index, jnp.minimum(offset.astype(jnp.float32) / length, 1.0))
    fractional = lax.cond(
        jnp.any(~is_whole),
        lambda: _fractional_cycle(step, first, jnp.where(is_whole, 1.5, growth), (0.0, 0.0))[:2],
        lambda: (
            jnp.zeros(jnp.shape(whole[0]), jnp.int32),
            jnp.zeros(jnp.shape(whole[1]), jnp.float32),
        ),
    )
    return tuple(
        jnp.where(is_one, a, jnp.where(is_whole, b, c))
        for a, b, c in zip(periodic, whole, fractional, strict=True)
    )


def _old_noise(self: js.NoisyLinearCosineDecay, step: jax.Array) -> jax.Array:
    key = jax.random.key(i32(self.seed))
    flat = step.reshape(-1)
    unit = jax.vmap(lambda t: jax.random.normal(jax.random.fold_in(key, t)))(flat)
    seen = jnp.minimum(step, i32(self.decay_steps)).astype(jnp.float32)
    std = jnp.sqrt(f32(self.initial_variance) / (1 + seen) ** f32(self.variance_decay))
    return std * unit.reshape(step.shape)


# ---- cycle index for a whole growth ----------------------------------------------------

_new_whole = jax.jit(_whole_cycle)
_old_whole = jax.jit(_old_whole_cycle)
_FIRSTS = [1, 2, 3, 1000, 2**20, 2**30 - 3, 2**30, 2**30 + 5, INT32_MAX]
_PROBES = 128  # one shape for every case: one compilation


def _exact_starts(first: int, mult: int) -> list[int]:
    """Every cycle start up to ``2**31 - 1``, in Python integers."""
    starts = [0]
    while starts[-1] * mult + first <= INT32_MAX:
        starts.append(starts[-1] * mult + first)
    return starts


def _exact(first: int, mult: int, steps: np.ndarray) -> tuple[np.ndarray, ...]:
    """Index, offset, and updates to the next start (to ``2**31 - 1`` past the last)."""
    starts = _exact_starts(first, mult)
    index = np.array([bisect.bisect_right(starts, int(t)) - 1 for t in steps], np.int32)
    offset = np.array([int(t) - starts[i] for t, i in zip(steps, index, strict=True)], np.int32)
    following = [starts[i + 1] if i + 1 < len(starts) else INT32_MAX for i in index]
    return index, offset, np.asarray(following, np.int64) - steps


def _probes(first: int, mult: int) -> np.ndarray:
    """0, ``2**31 - 1`` and every start, the step before it and the step after it."""
    near = {s + d for s in _exact_starts(first, mult) for d in (-1, 0, 1)}
    steps = sorted(t for t in near | {0, INT32_MAX} if 0 <= t <= INT32_MAX)
    return np.array(steps + [steps[-1]] * (_PROBES - len(steps)), np.int32)


def _former_is_wrong(steps: Any, first: Any, mult: Any) -> np.ndarray:
    # The former loop saturated each start at 2**31 - 1 and then counted it as reached by
    # step 2**31 - 1 (which needs first = 1): index 31 for any mult >= 3, where the exact
    # index is 20 for mult = 3. The only points where the values change.
    return (np.asarray(steps) == INT32_MAX) & (np.asarray(first) == 1) & (np.asarray(mult) >= 3)


def _assert_same(got: tuple, want: tuple) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


@pytest.mark.parametrize("mult", range(2, 11))
@pytest.mark.parametrize("first", _FIRSTS)
def test_whole_cycle_is_the_former_one_at_every_restart(first: int, mult: int) -> None:
    starts = _exact_starts(first, mult)
    assert starts == [cycle_start(first, mult, i) for i in range(len(starts))]
    steps = _probes(first, mult)
    new = _new_whole(jnp.asarray(steps), jnp.int32(first), jnp.int32(mult))
    _assert_same(new, _exact(first, mult, steps))
    old = _old_whole(jnp.asarray(steps), jnp.int32(first), jnp.int32(mult))
    keep = ~_former_is_wrong(steps, first, mult)
    _assert_same((new[0][keep], new[1][keep]), (old[0][keep], old[1][keep]))


@pytest.mark.parametrize("mult", range(2, 11))
@pytest.mark.parametrize("first", _FIRSTS)
def test_growing_cycles_is_the_former_one_at_every_restart(first: int, mult: int) -> None:
    steps = jnp.asarray(_probes(first, mult))
    new = growing_cycles(steps, first, float(mult))
    old = _old_growing_cycles(steps, first, float(mult))
    keep = ~_former_is_wrong(steps, first, mult)
    _assert_same((new[0][keep], new[1][keep]), (old[0][keep], old[1][keep]))
    np.testing.assert_array_equal(np.asarray(new[0]), _exact(first, mult, np.asarray(steps))[0])


def test_whole_cycle_with_a_multiplier_per_step() -> None:
    # Under vmap over schedules each step has its own first and mult: the starts are
    # computed per element.
    cases = [(f, m) for f in _FIRSTS for m in range(2, 11)]
    steps = np.concatenate([_probes(f, m) for f, m in cases])
    first = np.repeat([f for f, _ in cases], _PROBES).astype(np.int32)
    mult = np.repeat([m for _, m in cases], _PROBES).astype(np.int32)
    new = _new_whole(*map(jnp.asarray, (steps, first, mult)))
    old = _old_whole(*map(jnp.asarray, (steps, first, mult)))
    keep = ~_former_is_wrong(steps, first, mult)
    _assert_same((new[0][keep], new[1][keep]), (old[0][keep], old[1][keep]))
    stepwise = jax.jit(jax.vmap(_whole_cycle))(*map(jnp.asarray, (steps, first, mult)))
    _assert_same(stepwise, new)


@given(
    first=st.integers(1, INT32_MAX),
    mult=st.integers(2, 12) | st.integers(2, INT32_MAX),
    steps=st.lists(st.integers(0, INT32_MAX), min_size=32, max_size=32),
)
def test_whole_cycle_is_the_former_one_at_random_steps(
    first: int, mult: int, steps: list[int]
) -> None:
    t = np.array(steps, np.int32)
    new = _new_whole(jnp.asarray(t), jnp.int32(first), jnp.int32(mult))
    _assert_same(new, _exact(first, mult, t))
    old = _old_whole(jnp.asarray(t), jnp.int32(first), jnp.int32(mult))
    keep = ~_former_is_wrong(t, first, mult)
    _assert_same((new[0][keep], new[1][keep]), (old[0][keep], old[1][keep]))


@pytest.mark.parametrize(("first", "mult"), [(1, 2.0), (1000, 2.0), (7, 3.0), (2**20, 10.0)])
def test_growing_cycles_gradient_is_the_former_one(first: int, mult: float) -> None:
    steps = jnp.asarray(_probes(first, int(mult))[:-1])  # not 2**31 - 1, see above

    def grad(cycles: Any) -> jax.Array:
        return jax.grad(lambda m: jnp.sum(cycles(steps, first, m)[1]))(jnp.float32(mult))

    np.testing.assert_array_equal(np.asarray(grad(growing_cycles)), grad(_old_growing_cycles))


def test_the_last_step_with_first_one_is_in_the_right_cycle() -> None:
    for mult in (3.0, 4.0):
        s = js.CosineRestarts(1.0, 1, t_mul=mult)
        index = int(growing_cycles(jnp.int32(INT32_MAX), 1, mult)[0])
        assert cycle_start(1, mult, index) <= INT32_MAX < cycle_start(1, mult, index + 1)
        assert 0 < float(s(INT32_MAX)) < 1  # inside a cycle, not on a restart


# ---- seeded noise ----------------------------------------------------------------------

_SEEDS = [0, 1, 3, 7, 42, -1, 123456789, INT32_MAX, -(2**31)]
_NOISE_STEPS = np.r_[
    np.arange(2000),
    np.random.default_rng(0).integers(0, INT32_MAX, 2000),
    [2**24 - 1, 2**24, 2**24 + 1, 2**31 - 2, INT32_MAX],
].astype(np.int32)


def _old_unit(seed: jax.Array, steps: jax.Array) -> jax.Array:
    key = jax.random.key(i32(seed))
    return jax.vmap(lambda t: jax.random.normal(jax.random.fold_in(key, t)))(steps)


def _new_unit(seed: jax.Array, steps: jax.Array) -> jax.Array:
    return _unit_normal(jax.random.key(i32(seed)), steps)


def _bits(x: Any) -> np.ndarray:
    return np.asarray(x).view(np.uint32)


@pytest.mark.parametrize("partitionable", [True, False])
def test_noise_draws_are_the_former_ones(partitionable: bool) -> None:
    with jax.threefry_partitionable(partitionable):
        old, new = jax.jit(_old_unit), jax.jit(_new_unit)
        stepwise = jax.jit(jax.vmap(_new_unit, in_axes=(None, 0)))
        steps = jnp.asarray(_NOISE_STEPS)
        for seed in _SEEDS:
            want = _bits(old(jnp.int32(seed), steps))
            np.testing.assert_array_equal(_bits(new(jnp.int32(seed), steps)), want)
            np.testing.assert_array_equal(_bits(stepwise(jnp.int32(seed), steps)), want)
        # A batch of schedules with one seed each.
        seeds = jnp.asarray(_SEEDS, jnp.int32)
        by_seed = [jax.jit(jax.vmap(f, in_axes=(0, None))) for f in (_old_unit, _new_unit)]
        np.testing.assert_array_equal(*(_bits(f(seeds, steps[:100])) for f in by_seed))
        # Eagerly, op by op.
        few = steps[jnp.array([0, 1, 2, -1])]
        np.testing.assert_array_equal(_bits(_new_unit(3, few)), _bits(old(jnp.int32(3), few)))


def test_noise_of_other_key_types_is_jax_random() -> None:
    key = jax.random.key(5, impl="rbg")
    steps = jnp.asarray(_NOISE_STEPS[:64])
    old = jax.vmap(lambda t: jax.random.normal(jax.random.fold_in(key, t)))(steps)
    np.testing.assert_array_equal(_bits(jax.jit(_unit_normal)(key, steps)), _bits(old))


def test_noise_draws_with_x64_are_the_former_float64_ones() -> None:
    with x64():
        steps = jnp.asarray(_NOISE_STEPS[:64])
        old, new = jax.jit(_old_unit)(jnp.int32(3), steps), jax.jit(_new_unit)(jnp.int32(3), steps)
        assert old.dtype == new.dtype == jnp.float64
        np.testing.assert_array_equal(np.asarray(new), np.asarray(old))


@given(
    seed=st.integers(-(2**31), INT32_MAX),
    steps=st.lists(st.integers(0, INT32_MAX), min_size=32, max_size=32),
)
def test_noise_draws_are_the_former_ones_at_random(seed: int, steps: list[int]) -> None:
    t = jnp.asarray(steps, jnp.int32)
    want = _bits(jax.jit(_old_unit)(jnp.int32(seed), t))
    np.testing.assert_array_equal(_bits(jax.jit(_new_unit)(jnp.int32(seed), t)), want)


@pytest.mark.parametrize("seed", [0, 3, -7])
def test_noisy_schedule_values_are_the_former_ones(seed: int) -> None:
    s = js.NoisyLinearCosineDecay(1.0, 10**6, initial_variance=0.5, alpha=0.1, seed=seed)
    steps = jnp.asarray(_NOISE_STEPS)

    def old(schedule: Any, t: jax.Array) -> jax.Array:
        return _linear_cosine(schedule, t, _old_noise(schedule, t))

    # Like with like: XLA may fuse the arithmetic after the draw differently when the
    # hyperparameters are constants, or op by op (1 ulp), for the former code as well.
    want = _bits(jax.jit(old)(s, steps))
    np.testing.assert_array_equal(_bits(jax.jit(lambda s, t: s(t))(s, steps)), want)
    np.testing.assert_array_equal(_bits(s(steps)), want)
    want = _bits(jax.jit(jax.vmap(lambda t: old(s, t)))(steps))
    np.testing.assert_array_equal(_bits(jax.jit(jax.vmap(s))(steps)), want)
    np.testing.assert_array_equal(_bits(s._value(steps[:100])), _bits(old(s, steps[:100])))


@pytest.mark.parametrize("size", [1, 2, 4, 33, 34])
def test_lookup_by_selects_equals_the_gather(size: int) -> None:
    from jaxsched.schedules._piecewise import lookup

    table = jnp.asarray(np.random.default_rng(size).normal(size=size), jnp.float32)
    table = table.at[0].set(-0.0)
    index = jnp.asarray(np.arange(size).repeat(2).reshape(2, -1), jnp.int32)
    np.testing.assert_array_equal(
        np.asarray(jax.jit(lookup)(table, index)).view(np.int32),
        np.asarray(table[index]).view(np.int32),
    )
