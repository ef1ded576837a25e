"""Live parity with Keras 3 schedules (JAX backend), on seeded random configurations.

Keras is evaluated eagerly, one step at a time as its optimizer does (under ``jit`` some
Keras formulas return NaN). Tolerance 5e-7 * peak; level gaps make discrete decisions
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


def keras_lrs(schedule: object, steps: np.ndarray) -> np.ndarray:
    return np.asarray([float(schedule(int(t))) for t in steps])


def _steps(*points: int) -> np.ndarray:
    near = [p + d for p in points for d in (-1, 0, 1) if p + d >= 0]
    return np.unique(np.concatenate([np.arange(0, 120), near, [1000, 4000, 2**22 - 1]]))


def test_keras_backend_is_jax() -> None:
    assert keras.backend.backend() == "jax"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(seed: int, staircase: bool) -> None:
    rng = draws(seed)
    init, steps_, rate = rng.uniform(0.01, 1), int(rng.integers(1, 50)), rng.uniform(0.3, 0.99)
    theirs = schedules.ExponentialDecay(init, steps_, rate, staircase=staircase)
    steps = _steps(steps_, 2 * steps_)
    ours = js.ExponentialDecay(init, steps_, rate, staircase=staircase)
    assert_close(ours, keras_lrs(theirs, steps), steps)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(seed: int, staircase: bool) -> None:
    rng = draws(seed)
    init, steps_, rate = rng.uniform(0.01, 1), int(rng.integers(1, 50)), rng.uniform(0.1, 3)
    theirs = schedules.InverseTimeDecay(init, steps_, rate, staircase=staircase)
    steps = _steps(steps_, 2 * steps_)
    assert_close(
        js.InverseTimeDecay(init, steps_, rate, staircase=staircase),
        keras_lrs(theirs, steps),
        steps,
    )


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
    assert_close(ours, keras_lrs(theirs, steps), steps)


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
