"""Precision: every family against its float64 formula, in float32 ulps and of the peak.

``python -m benchmarks.precision [--seeds N]`` prints, per family, the worst error over
seeded random configurations (the hyperparameters drawn as users write them, Python
floats) at steps log-spaced to ``2**31 - 1`` and at every boundary +-3, for jaxsched and
for optax and Keras (JAX backend) where they have the same schedule. The formula is
evaluated in float64 NumPy on the hyperparameters as written. Ulps are counted where the
exact value is a normal float32 and at least ``1e-30`` of the peak (SPEC 3.3);
``tests/schedules/test_precision.py`` holds jaxsched to 8 of them with the same table.
No timing: nothing here depends on the machine's load.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")  # before anything imports keras

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched as js

INT32_MAX = 2**31 - 1
TINY = float(np.finfo(np.float32).tiny)
Formula = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Case:
    """One configuration: the schedule, its float64 formula, the steps where it changes
    course, and the peers' same schedule (a function of an int32 array), where they have it."""

    schedule: js.Schedule
    formula: Formula
    boundaries: list[int]
    optax: Callable[[], Callable] | None = None
    keras: Callable[[], Callable] | None = None


Family = Callable[[np.random.Generator], Case]


# -- random hyperparameters as users write them ---------------------------------------------


def _level(rng: np.random.Generator) -> float:
    return float(rng.uniform(1e-4, 1))


def _rate(rng: np.random.Generator) -> float:
    """A decay rate: 0.5, 0.96, 0.9999, 0.99999..."""
    return float(1 - 10 ** rng.uniform(-5.5, -0.3))


def _length(rng: np.random.Generator, most: float = 9) -> int:
    """A length from 1 to ``10**most`` updates (capped below ``2**31``)."""
    return min(int(10 ** rng.uniform(0, most)), INT32_MAX // 4)


def _floor(rng: np.random.Generator, peak: float) -> float:
    """The end of a decay: 0 half of the time (the hard case: relative precision to the end)."""
    return 0.0 if rng.integers(2) else float(peak * 10 ** rng.uniform(-4, -0.5))


def _left(t: np.ndarray, begin: float, length: float) -> np.ndarray:
    """The fraction of a transition still to go, from integers (``1 - done / length`` in
    float64 has an error of 1e-16, more than a float32 ulp of a value near the end)."""
    return np.clip(begin + length - t, 0, length) / max(length, 1)


def _ramp(t: np.ndarray, begin: float, length: float) -> np.ndarray:
    return 1 - _left(t, begin, length)


def _cos(left: np.ndarray) -> np.ndarray:
    """``(1 + cos(pi x)) / 2`` for ``x = 1 - left``, written without the cancellation."""
    return np.sin(0.5 * np.pi * left) ** 2


# -- the families ---------------------------------------------------------------------------


def _exponential(rng: np.random.Generator) -> Case:
    i, n, r = _level(rng), _length(rng, 4), _rate(rng)
    b, stair = int(rng.integers(0, 1000)), bool(rng.integers(2))
    floor = float(i * 10 ** rng.uniform(-12, -1)) if rng.integers(2) else None

    def formula(t: np.ndarray) -> np.ndarray:
        d = np.maximum(t - b, 0)
        v = i * r ** (d // n if stair else d / n)
        return v if floor is None else np.maximum(v, floor)

    return Case(
        js.ExponentialDecay(i, n, r, b, staircase=stair, end_value=floor),
        formula,
        [b, b + n, b + 7 * n],
        lambda: optax.exponential_decay(i, n, r, b, staircase=stair, end_value=floor),
        None
        if b or floor is not None
        else lambda: _keras().optimizers.schedules.ExponentialDecay(i, n, r, staircase=stair),
    )


def _growth(rng: np.random.Generator) -> Case:
    i, n, r = float(rng.uniform(1e-6, 1e-3)), _length(rng, 3), 2 - _rate(rng)
    cap = float(i * 10 ** rng.uniform(1, 6))
    return Case(
        js.ExponentialDecay(i, n, r, end_value=cap),
        lambda t: np.minimum(i * r ** (t / n), cap),
        [n],
        lambda: optax.exponential_decay(i, n, r, end_value=cap),
    )


def _progress_decay(cls: type, largest_rate: float, shape: Callable, keras_name: str) -> Family:
    """A TF1-style decay ``I * shape(k, p)`` of the progress ``p = t / T`` (or its floor)."""

    def build(rng: np.random.Generator) -> Case:
        i, n = _level(rng), _length(rng, 4)
        k, stair = float(10 ** rng.uniform(-6, np.log10(largest_rate))), bool(rng.integers(2))
        keras = None
        if keras_name:
            keras = lambda: getattr(_keras().optimizers.schedules, keras_name)(  # noqa: E731
                i, n, k, staircase=stair
            )
        return Case(
            cls(i, n, k, staircase=stair),
            lambda t: i * shape(k, t // n if stair else t / n),
            [n, 3 * n],
            keras=keras,
        )

    return build


def _warmup_exponential(rng: np.random.Generator) -> Case:
    peak, w, r = _level(rng), int(rng.integers(1, 5000)), _rate(rng)
    return Case(
        js.warmup_exponential_decay(0.0, peak, w, 1, r),
        lambda t: np.where(t < w, peak * t / w, peak * r ** np.maximum(t - w, 0)),
        [w],
        lambda: optax.warmup_exponential_decay_schedule(0.0, peak, w, 1, r),
    )


def _step(rng: np.random.Generator) -> Case:
    i, n, g = _level(rng), _length(rng, 6), float(rng.choice([0.1, 0.5, 0.2, _rate(rng)]))
    return Case(js.StepDecay(i, n, g), lambda t: i * g ** (t // n), [n, 2 * n, 5 * n])


def _multistep(rng: np.random.Generator) -> Case:
    i, g = _level(rng), float(rng.choice([0.1, 0.5, 0.3, _rate(rng)]))
    milestones = sorted(int(m) for m in rng.integers(1, 2 * 10**8, int(rng.integers(1, 9))))
    return Case(
        js.MultiStepDecay(i, milestones, g),
        lambda t: i * g ** np.searchsorted(milestones, t, side="right"),
        milestones,
    )


def _linear(rng: np.random.Generator) -> Case:
    i, n, b = _level(rng), _length(rng), int(rng.integers(0, 1000))
    e = _floor(rng, i)
    return Case(
        js.Linear(i, e, n, b),
        lambda t: e + (i - e) * _left(t, b, n),
        [b, b + n],
        lambda: optax.linear_schedule(i, e, n, b),
        None if b else lambda: _keras().optimizers.schedules.PolynomialDecay(i, n, e, 1.0),
    )


def _polynomial(rng: np.random.Generator) -> Case:
    i, n, p = _level(rng), _length(rng), float(rng.uniform(0.3, 4))
    e = _floor(rng, i)
    return Case(
        js.Polynomial(i, e, p, n),
        lambda t: (i - e) * _left(t, 0, n) ** p + e,
        [n],
        lambda: optax.polynomial_schedule(i, e, p, n),
        lambda: _keras().optimizers.schedules.PolynomialDecay(i, n, e, p),
    )


def _cosine(rng: np.random.Generator) -> Case:
    i, n = _level(rng), _length(rng)
    a = 0.0 if rng.integers(2) else float(10 ** rng.uniform(-4, -0.5))
    p = 1.0 if rng.integers(2) else float(rng.uniform(0.5, 3))
    return Case(
        js.CosineDecay(i, n, alpha=a, exponent=p),
        lambda t: i * ((1 - a) * _cos(_left(t, 0, n)) ** p + a),
        [n],
        lambda: optax.cosine_decay_schedule(i, n, a, p),
        None if p != 1 else lambda: _keras().optimizers.schedules.CosineDecay(i, n, a),
    )


def _warmup_cosine(rng: np.random.Generator) -> Case:
    peak, w = _level(rng), int(rng.integers(1, 10**5))
    n = w + _length(rng)
    init, end = _floor(rng, peak), _floor(rng, peak)

    def formula(t: np.ndarray) -> np.ndarray:
        warm = init + (peak - init) * _ramp(t, 0, w)
        return np.where(t < w, warm, end + (peak - end) * _cos(_left(t, w, n - w)))

    keras = None
    if init == 0:
        keras = lambda: _keras().optimizers.schedules.CosineDecay(  # noqa: E731
            0.0, n - w, end / peak, warmup_target=peak, warmup_steps=w
        )
    return Case(
        js.warmup_cosine_decay(init, peak, w, n, end),
        formula,
        [w, n],
        lambda: optax.warmup_cosine_decay_schedule(init, peak, w, n, end),
        keras,
    )


def _restarts(rng: np.random.Generator) -> Case:
    i, n = _level(rng), _length(rng, 5)
    t_mul = float(rng.choice([1.0, 2.0, 3.0, 1.5, float(rng.uniform(1.05, 3))]))
    m_mul = float(rng.choice([1.0, 0.5, 0.9, float(rng.uniform(0.3, 1))]))
    a = 0.0 if rng.integers(2) else float(10 ** rng.uniform(-4, -0.5))
    starts = _starts(n, t_mul)

    def formula(t: np.ndarray) -> np.ndarray:
        k, left = _position(starts, n, t_mul, t)
        return i * (a + (1 - a) * m_mul**k * _cos(left))

    return Case(
        js.CosineRestarts(i, n, t_mul, m_mul, alpha=a),
        formula,
        [int(np.ceil(s)) for s in starts[1:12]],
        keras=lambda: _keras().optimizers.schedules.CosineDecayRestarts(i, n, t_mul, m_mul, a),
    )


def _starts(first: int, mul: float) -> np.ndarray:
    """The real steps where cycles of lengths ``first * mul**k`` start, to past 2**31."""
    if mul == 1:  # periods: the first dozen (_position needs none)
        return first * np.arange(13.0)
    starts = [0.0]
    while starts[-1] <= 2**32:
        starts.append(starts[-1] + first * mul ** (len(starts) - 1))
    return np.asarray(starts)


def _position(
    starts: np.ndarray, first: int, mul: float, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The cycle index of each update (a restart is the first update at or after a start)
    and the fraction of its cycle still to go."""
    if mul == 1:
        return t // first, (first - t % first) / first
    k = np.searchsorted(starts, t, side="right") - 1
    return k, (starts[k + 1] - t) / (first * mul**k)


def _cycles(rng: np.random.Generator) -> Case:
    i, n = _level(rng), _length(rng, 5)
    shape = str(rng.choice(["cosine", "tanh", "poly"]))
    mul = float(rng.choice([1.0, 2.0, 1.5, float(rng.uniform(1.05, 3))]))
    decay = float(rng.choice([1.0, 0.5, float(rng.uniform(0.3, 1))]))
    k, end = (1.0 if rng.integers(2) else float(rng.uniform(0.5, 2))), _floor(rng, i)
    limit = None if rng.integers(2) else int(rng.integers(1, 12))
    extra: dict[str, Any] = {"poly": {"power": 0.5}, "tanh": {"lb": -7.0, "ub": 3.0}}.get(shape, {})
    starts = _starts(n, mul)

    def unit(left: np.ndarray) -> np.ndarray:
        """The shape at ``x = 1 - left``."""
        if shape == "tanh":
            return 0.5 * (1 - np.tanh(-7.0 * left + 3.0 * (1 - left)))
        return left**0.5 if shape == "poly" else _cos(left)

    def formula(t: np.ndarray) -> np.ndarray:
        index, left = _position(starts, n, mul, t)
        warped = left if k == 1 else -np.expm1(k * np.log1p(-np.minimum(left, 1)))  # 1 - x**k
        value = end + (i * decay**index - end) * unit(warped)
        return value if limit is None else np.where(index >= limit, end, value)

    return Case(
        js.DecayCycles(i, n, shape, end, mul, decay, limit, k, **extra),
        formula,
        [int(np.ceil(s)) for s in starts[1:12]],
    )


def _cyclical(rng: np.random.Generator) -> Case:
    low = _level(rng)
    high, up = low * float(rng.uniform(1.5, 10)), _length(rng, 5)
    down = up if rng.integers(2) else _length(rng, 5)
    mode = str(rng.choice(["triangular", "triangular2", "exp_range"]))
    g = _rate(rng) if mode == "exp_range" else 1.0

    def formula(t: np.ndarray) -> np.ndarray:
        cycle, x = t // (up + down), t % (up + down)
        wave = np.where(x <= up, x / up, (up + down - x) / down)
        scale = {"triangular": 1.0, "triangular2": 0.5**cycle, "exp_range": g**t}[mode]
        return low + (high - low) * wave * scale

    return Case(
        js.Cyclical(low, high, up, down, mode, g),
        formula,
        [up, up + down, 2 * (up + down)],
    )


def _piecewise_constant(rng: np.random.Generator) -> Case:
    bounds = sorted({int(b) for b in rng.integers(0, 2 * 10**9, int(rng.integers(1, 40)))})
    values = [float(v) for v in 10 ** rng.uniform(-6, 0, len(bounds) + 1)]
    return Case(
        js.PiecewiseConstant(bounds, values),
        lambda t: np.asarray(values)[np.searchsorted(bounds, t, side="right")],
        bounds,
    )


def _interpolate(rng: np.random.Generator) -> Case:
    knots = sorted({int(b) for b in rng.integers(0, 2 * 10**9, int(rng.integers(2, 12)))})
    values = [float(v) for v in 10 ** rng.uniform(-6, 0, len(knots))]
    values[-1] = 0.0 if rng.integers(2) else values[-1]
    how = str(rng.choice(["linear", "cosine"]))

    def formula(t: np.ndarray) -> np.ndarray:
        j = np.clip(np.searchsorted(knots, t, side="right"), 1, len(knots) - 1)
        a, b = np.asarray(values)[j - 1], np.asarray(values)[j]
        left = np.clip((np.asarray(knots)[j] - t) / np.diff(knots)[j - 1], 0, 1)
        v = b + (a - b) * (left if how == "linear" else _cos(left))
        return np.where(t >= knots[-1], values[-1], np.where(t <= knots[0], values[0], v))

    return Case(js.PiecewiseInterpolate(knots, values, how), formula, knots)


def _onecycle(rng: np.random.Generator) -> Case:
    peak, total = _level(rng), _length(rng) + 10
    pct, three = float(rng.uniform(0.05, 0.45)), bool(rng.integers(2))
    anneal = str(rng.choice(["cos", "linear"]))
    start, floor = peak / 25.0, peak / 25.0 / 1e4
    up = pct * total - 1
    ends = [up, 2 * up, total - 1.0] if three else [up, total - 1.0]
    targets = [peak, start, floor] if three else [peak, floor]

    def formula(t: np.ndarray) -> np.ndarray:
        phase = np.minimum(np.searchsorted(ends, t, side="left"), len(ends) - 1)
        begin = np.array([0.0, *ends[:-1]])[phase]
        a, b = np.array([start, *targets[:-1]])[phase], np.array(targets)[phase]
        end = np.array(ends)[phase]
        left = np.clip((end - t) / (end - begin), 0, 1)
        value = b + (a - b) * (_cos(left) if anneal == "cos" else left)
        return np.where(t > ends[-1], floor, value)

    return Case(
        js.OneCycle(peak, total, pct, anneal, three_phase=three),
        formula,
        [int(e) for e in ends],
        None
        if three or anneal != "cos"
        else lambda: optax.cosine_onecycle_schedule(total, peak, pct),
    )


def _inverse_sqrt(rng: np.random.Generator) -> Case:
    i, s = _level(rng), _length(rng, 5)
    return Case(js.InverseSqrtDecay(i, s), lambda t: i / np.sqrt(1 + t / s), [s])


def _noam(rng: np.random.Generator) -> Case:
    d, w, c = int(rng.choice([256, 512, 768, 1024, 4096])), _length(rng, 5), _level(rng)
    return Case(
        js.Noam(d, w, c),
        lambda t: c * d**-0.5 * np.minimum((t + 1) * w**-1.5, (t + 1) ** -0.5),
        [w - 1, w],
    )


def _power(rng: np.random.Generator) -> Case:
    i, p = _level(rng), float(rng.uniform(-1.5, -0.05))
    return Case(js.DirectPowerDecay(i, p), lambda t: i * np.maximum(t, 1) ** p, [1])


def _power_linear(rng: np.random.Generator) -> Case:
    i, total, p = _level(rng), _length(rng) + 1, float(rng.uniform(-1.5, -0.05))
    frac, offset = float(rng.uniform(0.01, 1)), int(rng.integers(0, 1000))

    def formula(t: np.ndarray) -> np.ndarray:
        s = t - offset
        value = i * np.maximum(s, 1) ** p
        return np.maximum(0, value * np.minimum(1, (total - s) / (total * frac)))

    return Case(
        js.PowerAndLinearDecay(i, total, p, frac, offset),
        formula,
        [offset, offset + int(total * (1 - frac)), offset + total],
    )


def _power_offset(rng: np.random.Generator) -> Case:
    i, p, offset = _level(rng), float(rng.uniform(-1.5, -0.05)), int(rng.integers(0, 10**6))
    pre = _level(rng)
    return Case(
        js.PowerDecayWithOffset(i, p, offset, pre),
        lambda t: np.where(t <= offset, pre, np.minimum(pre, i * np.maximum(t - offset, 1) ** p)),
        [offset],
    )


def _linear_cosine(rng: np.random.Generator) -> Case:
    i, n = _level(rng), _length(rng)
    periods, a, b = float(rng.uniform(0.1, 5)), float(rng.uniform(0, 0.5)), 0.001

    def formula(t: np.ndarray) -> np.ndarray:
        c, left = _ramp(t, 0, n), _left(t, 0, n)
        return i * ((a + left) * 0.5 * (1 + np.cos(2 * np.pi * periods * c)) + b)

    return Case(js.LinearCosineDecay(i, n, periods, a, b), formula, [n])


def _rise(shape: str, u: np.ndarray) -> np.ndarray:
    return {
        "linear": lambda: u,
        "cosine": lambda: 0.5 * (1 - np.cos(np.pi * u)),
        "1-sqrt": lambda: 1 - np.sqrt(1 - u),
    }[shape]()


def _fall(shape: str, left: np.ndarray) -> np.ndarray:
    """The decay shapes at ``x = 1 - left``."""
    return {
        "linear": lambda: left,
        "cosine": lambda: _cos(left),
        "1-sqrt": lambda: left / (1 + np.sqrt(1 - left)),
    }[shape]()


def _warmup(rng: np.random.Generator) -> Case:
    peak, w, n = _level(rng), _length(rng, 6), _length(rng)
    init, shape = _floor(rng, peak), str(rng.choice(["linear", "cosine", "1-sqrt"]))
    p = 1.0 if rng.integers(2) else float(rng.uniform(0.5, 3))

    def formula(t: np.ndarray) -> np.ndarray:
        ramp = init + (peak - init) * _rise(shape, _ramp(t, 0, w)) ** p
        return np.where(t < w, ramp, peak * _cos(_left(t - w, 0, n)))

    return Case(
        js.Warmup(js.CosineDecay(peak, n), w, init, shape=shape, power=p), formula, [w, w + n]
    )


def _wsd(rng: np.random.Generator) -> Case:
    peak, w, s, d = _level(rng), _length(rng, 5), _length(rng, 8), _length(rng, 8)
    init, end = _floor(rng, peak), _floor(rng, peak)
    up, down = (
        str(rng.choice(["linear", "cosine", "1-sqrt"])),
        str(rng.choice(["linear", "cosine", "1-sqrt"])),
    )

    def formula(t: np.ndarray) -> np.ndarray:
        warm = init + (peak - init) * _rise(up, _ramp(t, 0, w))
        cool = end + (peak - end) * _fall(down, _left(t, w + s, d))
        return np.where(t < w, warm, np.where(t < w + s, peak, cool))

    return Case(
        js.warmup_stable_decay(
            peak, w, s, d, init_value=init, end_value=end, warmup_shape=up, decay_shape=down
        ),
        formula,
        [w, w + s, w + s + d],
    )


def _cooldown(rng: np.random.Generator) -> Case:
    i, n = _level(rng), _length(rng)
    start, length = int(rng.integers(0, n)), _length(rng, 8)
    end, shape = _floor(rng, i * 1e-3), str(rng.choice(["linear", "cosine", "1-sqrt"]))
    inner = lambda t: i * _cos(_left(t, 0, n))  # noqa: E731
    return Case(
        js.Cooldown(js.CosineDecay(i, n), start, length, end, shape),
        lambda t: np.where(
            t < start, inner(t), end + (inner(start) - end) * _fall(shape, _left(t, start, length))
        ),
        [start, start + length],
    )


def _restarted_linear(rng: np.random.Generator) -> Case:
    i, period, d = _level(rng), _length(rng, 7), float(rng.choice([1.0, 0.5, _rate(rng)]))
    return Case(
        js.Restarts(js.Linear(i, 0.0, period), period, d),
        lambda t: i * d ** (t // period) * (1 - (t % period) / period),
        [period, 2 * period],
    )


def _joined(rng: np.random.Generator) -> Case:
    w, n = _length(rng, 5), _length(rng, 8)
    peak, end = _level(rng), _floor(rng, 1e-3)
    boundary = w + n
    tail = js.Linear(end, 0.0, _length(rng, 8))
    length = int(tail.transition_steps)
    return Case(
        js.Join([js.warmup_cosine_decay(0.0, peak, w, w + n, end), tail], [boundary]),
        lambda t: np.select(
            [t < w, t < boundary],
            [peak * t / w, end + (peak - end) * _cos(_left(t, w, n))],
            end * _left(t, boundary, length),
        ),
        [w, boundary, boundary + length],
    )


def _per_epoch(rng: np.random.Generator) -> Case:
    i, per, epochs = _level(rng), _length(rng, 5), _length(rng, 4)
    return Case(
        js.PerEpoch(js.CosineDecay(i, epochs), per),
        lambda t: i * _cos(_left(t // per, 0, epochs)),
        [per * epochs],
    )


def _keras() -> Any:
    import keras

    return keras


FAMILIES: dict[str, Family] = {
    "ExponentialDecay": _exponential,
    "ExponentialDecay, growth to a cap": _growth,
    "NaturalExpDecay": _progress_decay(js.NaturalExpDecay, 1.0, lambda k, p: np.exp(-k * p), ""),
    "InverseTimeDecay": _progress_decay(
        js.InverseTimeDecay, 10.0, lambda k, p: 1 / (1 + k * p), "InverseTimeDecay"
    ),
    "warmup_exponential_decay": _warmup_exponential,
    "StepDecay": _step,
    "MultiStepDecay": _multistep,
    "Linear": _linear,
    "Polynomial": _polynomial,
    "CosineDecay": _cosine,
    "warmup_cosine_decay": _warmup_cosine,
    "CosineRestarts": _restarts,
    "DecayCycles": _cycles,
    "Cyclical": _cyclical,
    "PiecewiseConstant": _piecewise_constant,
    "PiecewiseInterpolate": _interpolate,
    "OneCycle": _onecycle,
    "InverseSqrtDecay": _inverse_sqrt,
    "Noam": _noam,
    "DirectPowerDecay": _power,
    "PowerAndLinearDecay": _power_linear,
    "PowerDecayWithOffset": _power_offset,
    "LinearCosineDecay": _linear_cosine,
    "Warmup (shapes, powers)": _warmup,
    "warmup_stable_decay": _wsd,
    "Cooldown": _cooldown,
    "Restarts": _restarted_linear,
    "Join": _joined,
    "PerEpoch": _per_epoch,
}


def probe(boundaries: list[int]) -> np.ndarray:
    """Steps log-spaced to ``2**31 - 1``, and every boundary +-3."""
    spaced = np.geomspace(1, INT32_MAX, 700).astype(np.int64)
    near = [b + d for b in boundaries for d in range(-3, 4)]
    steps = np.concatenate([np.arange(10), spaced, near, [INT32_MAX]])
    return np.unique(np.clip(steps, 0, INT32_MAX)).astype(np.int32)


def case(name: str, seed: int) -> tuple[Case, np.ndarray, np.ndarray]:
    """Configuration ``seed`` of family ``name``, the steps to probe and the exact values."""
    rng = np.random.default_rng([seed, *name.encode()])
    drawn = FAMILIES[name](rng)
    steps = probe(drawn.boundaries)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        exact = np.asarray(drawn.formula(steps.astype(np.float64)), np.float64)
    return drawn, steps, exact


def errors(values: Any, exact: np.ndarray, peak: float) -> tuple[float, float]:
    """The worst error in float32 ulps (where the contract counts them) and of the peak."""
    values, exact = np.asarray(values, np.float64), exact.astype(np.float64)
    gap = np.abs(values - exact)
    counted = (np.abs(exact) >= TINY) & (np.abs(exact) >= 1e-30 * peak)
    spacing = np.spacing(np.abs(exact[counted]).astype(np.float32)).astype(np.float64)
    with np.errstate(invalid="ignore"):
        ulps = float(
            np.max(np.where(np.isnan(gap[counted]), np.inf, gap[counted] / spacing), initial=0.0)
        )
        return ulps, float(np.nanmax(np.where(np.isnan(gap), np.inf, gap)) / peak)


def _peer_values(peer: Callable[[], Callable] | None, steps: np.ndarray) -> np.ndarray | None:
    if peer is None:
        return None
    with jax.numpy_dtype_promotion("standard"):
        return np.asarray(jax.jit(jax.vmap(peer()))(jnp.asarray(steps)))  # Keras: scalars


def measure(seeds: int) -> list[dict[str, Any]]:
    """The worst errors of each family over ``seeds`` configurations."""
    rows = []
    for name in FAMILIES:
        worst: dict[str, list[float]] = {}
        for seed in range(seeds):
            drawn, steps, exact = case(name, seed)
            peak = float(np.max(np.abs(exact)))
            got = {
                "jaxsched": np.asarray(drawn.schedule(steps)),
                "optax": _peer_values(drawn.optax, steps),
                "Keras": _peer_values(drawn.keras, steps),
            }
            for who, values in got.items():
                if values is not None:
                    ulps, of_peak = errors(values, exact, peak)
                    old = worst.setdefault(who, [0.0, 0.0])
                    worst[who] = [max(old[0], ulps), max(old[1], of_peak)]
        rows.append({"family": name, **worst})
    return rows


def _cell(pair: list[float] | None) -> str:
    return "" if pair is None else f"{pair[0]:.3g} ulps, {pair[1]:.1e}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.precision")
    parser.add_argument("--seeds", type=int, default=20, help="configurations per family")
    args = parser.parse_args(argv)
    rows = measure(args.seeds)
    print(f"Worst error over {args.seeds} configurations per family (ulps, of the peak)\n")
    print("| family | jaxsched | optax | Keras |\n|---|---|---|---|")
    for row in rows:
        cells = [_cell(row.get(who)) for who in ("jaxsched", "optax", "Keras")]
        print(f"| {row['family']} | " + " | ".join(cells) + " |")
    print(f"\njax {jax.__version__}, optax {optax.__version__}, {jax.devices()[0].platform}")


if __name__ == "__main__":
    main()
