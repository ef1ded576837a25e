"""Live parity with Keras 3 schedules (JAX backend), on seeded random configurations.

Keras is evaluated eagerly (under ``jit`` some Keras formulas return NaN), on whole step
arrays except where it branches with ``ops.cond``. Tolerance 5e-7 * peak; level gaps make discrete decisions
exact. Steps stay below 2**22, where Keras' float32 step is still exact.
"""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

import jaxsched as js
from tests.parity.common import assert_close, draws

SEEDS = range(8)
schedules = keras.optimizers.schedules


def keras_lrs(schedule: object, steps: np.ndarray, one_by_one: bool = False) -> np.ndarray:
    """Keras' values, eagerly: on the whole step array, or one step at a time for schedules
    that branch with ``ops.cond`` (CosineDecay with a warmup)."""
    if one_by_one:
        return np.asarray([float(schedule(int(t))) for t in steps])
    return np.asarray(schedule(np.asarray(steps, np.int32)), np.float64)


def _steps(*points: int) -> np.ndarray:
    near = [p + d for p in points for d in (-1, 0, 1) if p + d >= 0]
    return np.unique(np.concatenate([np.arange(0, 120), near, [1000, 4000, 2**22 - 1]]))


def test_keras_backend_is_jax() -> None:
    assert keras.backend.backend() == "jax"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("staircase", [False, True])
@pytest.mark.parametrize(
    ("keras_class", "ours_class", "rates"),
    [
        (schedules.ExponentialDecay, js.ExponentialDecay, (0.3, 0.99)),
        (schedules.InverseTimeDecay, js.InverseTimeDecay, (0.1, 3.0)),
    ],
    ids=["exponential", "inverse_time"],
)
def test_decay_family(
    seed: int, staircase: bool, keras_class: type, ours_class: type, rates: tuple[float, float]
) -> None:
    rng = draws(seed)
    init, steps_, rate = rng.uniform(0.01, 1), int(rng.integers(1, 50)), rng.uniform(*rates)
    theirs = keras_class(init, steps_, rate, staircase=staircase)
    steps = _steps(steps_, 2 * steps_)
    ours = ours_class(init, steps_, rate, staircase=staircase)
    # One step at a time, as Keras' optimizer calls it: on arrays XLA divides by a rounded
    # reciprocal and Keras' stair flips a step late at some multiples of decay_steps.
    assert_close(ours, keras_lrs(theirs, steps, one_by_one=staircase), steps)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay(seed: int, cycle: bool) -> None:
    rng = draws(seed)
    init, steps_ = rng.uniform(0.01, 1), int(rng.integers(1, 60))
    end, power = init * rng.uniform(0, 0.5), rng.uniform(0.3, 3)
    end = float(np.float32(end))
    theirs = schedules.PolynomialDecay(init, steps_, end, power, cycle=cycle)
    steps = _steps(steps_, 2 * steps_, 3 * steps_)
    assert_close(
        js.Polynomial(init, end, power, steps_, cycle=cycle), keras_lrs(theirs, steps), steps
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_cosine_decay(seed: int) -> None:
    rng = draws(seed)
    init, steps_, alpha = rng.uniform(0.01, 1), int(rng.integers(1, 200)), rng.uniform(0, 0.5)
    theirs = schedules.CosineDecay(init, steps_, alpha)
    steps = _steps(steps_)
    assert_close(js.CosineDecay(init, steps_, alpha=alpha), keras_lrs(theirs, steps), steps)


@pytest.mark.parametrize("seed", range(3))  # Keras evaluates this one slowly (ops.cond)
def test_cosine_decay_with_warmup(seed: int) -> None:
    rng = draws(seed)
    init, target = rng.uniform(0, 0.01), rng.uniform(0.1, 1)
    warmup, steps_, alpha = int(rng.integers(0, 50)), int(rng.integers(1, 200)), rng.uniform(0, 0.5)
    theirs = schedules.CosineDecay(init, steps_, alpha, warmup_target=target, warmup_steps=warmup)
    steps = _steps(warmup, warmup + steps_)[::3]
    # Keras' decay_steps excludes the warmup: the cosine is a phase of its own.
    ours = js.Warmup(js.CosineDecay(target, steps_, alpha=alpha), warmup, init_value=init)
    assert_close(ours, keras_lrs(theirs, steps, one_by_one=True), steps)


@pytest.mark.parametrize("seed", SEEDS)
def test_piecewise_constant_decay_switches_one_step_later(seed: int) -> None:
    rng = draws(seed)
    boundaries = sorted(set(rng.integers(0, 100, size=4).tolist()))
    values = [rng.uniform(0.01, 1) for _ in range(len(boundaries) + 1)]
    theirs = schedules.PiecewiseConstantDecay(boundaries, values)
    steps = _steps(*boundaries)
    # Keras keeps values[i] through step boundaries[i] inclusive: shift by one to match.
    ours = js.PiecewiseConstant([b + 1 for b in boundaries], values)
    assert_close(ours, keras_lrs(theirs, steps), steps)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("t_mul", [1.0, 2.0, 3.0, 1.5])
def test_cosine_decay_restarts(seed: int, t_mul: float) -> None:
    rng = draws(seed)
    init, first = rng.uniform(0.01, 1), int(rng.integers(1, 40))
    m_mul, alpha = rng.uniform(0.5, 1), rng.uniform(0, 0.5)
    theirs = schedules.CosineDecayRestarts(init, first, t_mul, m_mul, alpha)
    # Both sides of every restart in the first 600 steps, and a sample in between.
    starts = np.cumsum([first * t_mul**k for k in range(12)])
    steps = np.unique(
        np.concatenate(
            [np.arange(0, 600, 7), *[[int(s) - 1, int(s), int(s) + 1] for s in starts if s < 600]]
        )
    )
    assert_close(
        js.CosineRestarts(init, first, t_mul, m_mul, alpha=alpha), keras_lrs(theirs, steps), steps
    )


def test_cosine_decay_restarts_with_growing_peaks() -> None:
    # Keras' own config test (CosineDecayRestarts in its schedules test): peaks grow 4x.
    theirs = schedules.CosineDecayRestarts(0.05, 10, alpha=0.1, t_mul=3.0, m_mul=4.0)
    steps = np.unique(np.concatenate([np.arange(0, 1300, 3), [9, 10, 39, 40, 129, 130]]))
    ours = js.from_keras(schedules.serialize(theirs))
    assert ours == js.CosineRestarts(0.05, 10, t_mul=3.0, m_mul=4.0, alpha=0.1)
    assert_close(ours, keras_lrs(theirs, steps), steps)


def test_keras_restarts_13_and_15_are_wrong_and_ours_are_not() -> None:
    theirs = schedules.CosineDecayRestarts(1.0, 1, t_mul=2.0)
    ours = js.CosineRestarts(1.0, 1, t_mul=2.0)
    for k in (13, 15):
        restart = 2**k - 1
        assert float(theirs(restart)) == 0.0  # Keras: the floor, one cycle too early
        assert ours(restart) == 1.0  # the peak: a restart
