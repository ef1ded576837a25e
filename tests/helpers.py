"""Shared test tables: one example of every public schedule, and float64 references."""

from __future__ import annotations

import contextlib
import inspect
import pathlib
from collections.abc import Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np

import jaxsched as js

INT32_MAX = 2**31 - 1

# The checkout's root: the docs, examples, README and benchmarks the tests read.
ROOT = pathlib.Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def x64() -> Iterator[None]:
    """64-bit JAX inside the block, on every JAX the project supports."""
    # jax.enable_x64 is JAX 0.7's; older ones (pyproject's floor) have only the
    # experimental one, which newer ones deprecate.
    enable = getattr(jax, "enable_x64", None)
    if enable is not None:
        with enable(True):
            yield
    else:
        from jax.experimental import enable_x64

        with enable_x64():
            yield


def inverse_step(t: jax.Array) -> jax.Array:
    """A module-level (so picklable) function for FromFunction."""
    return 1.0 / (1.0 + t.astype(jnp.float32))


# One instance of every public schedule class (composites included). The conformance
# tests run each of them through jit, vmap, pickle, optax and the injection call.
EXAMPLES: dict[str, js.Schedule] = {
    "constant": js.Constant(0.1),
    "linear": js.Linear(0.0, 1.0, transition_steps=10, transition_begin=3),
    "polynomial": js.Polynomial(1.0, 0.1, power=2.0, transition_steps=20),
    "exponential": js.ExponentialDecay(
        1.0, transition_steps=5, decay_rate=0.8, transition_begin=2, end_value=0.2
    ),
    "exponential_staircase": js.ExponentialDecay(1.0, 5, 0.5, staircase=True),
    "natural_exp": js.NaturalExpDecay(1.0, decay_steps=10, decay_rate=0.3),
    "inverse_time": js.InverseTimeDecay(1.0, decay_steps=4, decay_rate=0.5, staircase=True),
    "cosine": js.CosineDecay(1.0, decay_steps=30, alpha=0.1, exponent=2.0),
    "piecewise": js.PiecewiseConstant([5, 15], [1.0, 0.5, 0.1]),
    "polynomial_cycle": js.Polynomial(1.0, 0.1, power=2.0, transition_steps=7, cycle=True),
    "interpolate": js.PiecewiseInterpolate([0, 5, 20], [0.1, 1.0, 0.2], "cosine"),
    "linear_onecycle": js.linear_onecycle(40, 1.0),
    "cyclical": js.Cyclical(0.1, 1.0, 4, 6, mode="exp_range", gamma=0.9),
    "cyclical_custom": js.Cyclical(0.1, 1.0, 3, scale_fn=inverse_step, scale_mode="cycle"),
    "onecycle": js.OneCycle(1.0, 30, three_phase=True, anneal="linear"),
    "onecycle_momentum": js.OneCycleMomentum(0.85, 0.95, 30, three_phase=True),
    "cosine_restarts": js.CosineRestarts(1.0, 5, t_mul=2.0, m_mul=0.8, alpha=0.1),
    "restarts": js.Restarts(js.Linear(1.0, 0.0, 6), period=6, decay=0.5),
    "sgdr": js.sgdr([dict(init_value=0.0, peak_value=1.0, warmup_steps=2, decay_steps=9)] * 2),
    "step": js.StepDecay(1.0, step_size=7, gamma=0.5),
    "multistep": js.MultiStepDecay(1.0, milestones=[4, 9, 9], gamma=0.5),
    "warmup": js.Warmup(js.CosineDecay(1.0, 20), warmup_steps=5, init_value=0.1),
    "warmup_first_step": js.Warmup(js.Constant(2.0), 4, start="first_step"),
    "from_function": js.FromFunction(inverse_step),
    "join": js.Join([js.Constant(0.5), js.Linear(0.5, 0.0, 10)], [6]),
    "product": js.Constant(0.5) * js.Linear(0.0, 1.0, 10),
    "scale": 0.5 * js.CosineDecay(1.0, 12),
    "divided": js.Linear(1.0, 0.2, 10) / 3.0,
    "sum": js.CosineDecay(1.0, 12) + 0.5 * js.Linear(0.0, 1.0, 10) - 0.1,
    "clip": js.Clip(js.Linear(0.0, 1.0, 10), min_value=0.2, max_value=0.8),
    "offset": js.Offset(js.CosineDecay(1.0, 10), offset=4),
    "hold": js.Hold(js.Linear(0.0, 1.0, 10), length=6),
    "linear_cosine": js.LinearCosineDecay(1.0, 20, num_periods=1.5, alpha=0.1),
    "noisy_linear_cosine": js.NoisyLinearCosineDecay(1.0, 20, seed=3),
    "inverse_sqrt": js.InverseSqrtDecay(1.0, timescale=8),
    "noam": js.Noam(64, warmup_steps=6),
    "direct_power": js.DirectPowerDecay(1.0, power=-0.5),
    "power_linear": js.PowerAndLinearDecay(1.0, 30, -0.5, 0.2, offset=3),
    "power_offset": js.PowerDecayWithOffset(1.0, -0.5, offset=4, pre_offset_value=0.6),
    "decay_cycles": js.DecayCycles(1.0, 4, "tanh", 0.1, cycle_mul=1.5, cycle_decay=0.7),
    "tanh_decay": js.tanh_decay(1.0, 12, end_value=0.05),
    "warmup_shaped": js.Warmup(js.Constant(1.0), 6, 0.1, shape="1-sqrt", power=2.0),
    "cooldown": js.Cooldown(js.InverseSqrtDecay(1.0, 4), 10, 6, 0.05, shape="1-sqrt"),
    "rewarmup": js.Rewarmup(js.CosineDecay(1.0, 8), js.CosineDecay(0.8, 10), 8, 3),
    "wsd": js.warmup_stable_decay(1.0, 3, 4, 5, min_ratio=0.1, decay_shape="cosine"),
    "per_epoch": js.PerEpoch(js.StepDecay(1.0, 2, 0.5), steps_per_epoch=3),
}


def peak(values: np.ndarray) -> float:
    return float(np.max(np.abs(values))) or 1.0


def f32(x: float) -> float:
    """A hyperparameter as jaxsched stores it for computation: rounded to float32."""
    return float(np.float32(x))


def clamp(t: np.ndarray) -> np.ndarray:
    return np.clip(np.asarray(t, dtype=np.int64), 0, INT32_MAX)


def cycle_position(first: int, mul: float) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Float64 cycle index and position in [0, 1) for cycle lengths ``first * mul**i``.

    The cycle starts are float64 sums (exact for a whole ``mul``).
    """
    starts = [0.0]
    while mul > 1 and starts[-1] <= 2**32:
        starts.append(starts[-1] + first * mul ** (len(starts) - 1))
    starts_a = np.asarray(starts)

    def position(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = clamp(t).astype(np.float64)
        if mul == 1:
            return t // first, (t % first) / first
        index = np.searchsorted(starts_a, t, side="right") - 1
        return index, (t - starts_a[index]) / (first * mul**index)

    return position


def public_schedule_classes() -> set[str]:
    """Names of the schedule classes the package exports."""
    return {
        name
        for name in js.__all__
        if inspect.isclass(getattr(js, name))
        and issubclass(getattr(js, name), js.Schedule)
        and name != "Schedule"
    }
