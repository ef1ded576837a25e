"""Float64 references for the TF1, rsqrt, power, timm-cycle, cooldown, WSD and operator rows.

``tests/schedules/test_reference.py`` runs these cases with the rest of its table.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import jaxsched as js
from tests.helpers import clamp, cycle_position, f32

Reference = Callable[[np.ndarray], np.ndarray]


def fall(shape: str, x: np.ndarray) -> np.ndarray:
    return {
        "linear": lambda: 1 - x,
        "cosine": lambda: 0.5 * (1 + np.cos(np.pi * x)),
        "1-sqrt": lambda: 1 - np.sqrt(x),
    }[shape]()


def rise(shape: str, u: np.ndarray) -> np.ndarray:
    """Hugging Face's warmup shapes, written as it writes them."""
    return {
        "linear": lambda: u,
        "cosine": lambda: 0.5 * (1 - np.cos(np.pi * u)),
        "1-sqrt": lambda: 1 - np.sqrt(1 - u),
        "constant": lambda: np.zeros_like(u),
    }[shape]()


def linear_cosine_ref(i: float, d: int, n: float, a: float, b: float) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        c = np.minimum(clamp(t), d) / d
        cosine = 0.5 * (1 + np.cos(2 * np.pi * f32(n) * c))
        return f32(i) * ((f32(a) + 1 - c) * cosine + f32(b))

    return ref


def wsd_ref(
    peak: float, w: int, s: int, d: int, init: float, end: float, up: str, down: str
) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t).astype(np.float64)
        warm = init + (peak - init) * rise(up, np.minimum(t / max(w, 1), 1))
        cool = end + (peak - end) * fall(down, np.clip((t - w - s) / d, 0, 1))
        return np.where(t < w, warm, np.where(t < w + s, peak, cool))

    return ref


def warmup_shape_ref(inner: Reference, w: int, init: float, shape: str, power: float) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t)
        top = inner(np.array([0]))[0]
        ramp = init + (top - init) * rise(shape, np.minimum(t / w, 1)) ** power
        return np.where(t < w, ramp, inner(np.maximum(t - w, 0)))

    return ref


def cycles_ref(
    i: float,
    first: int,
    shape: Callable[[np.ndarray], np.ndarray],
    end: float = 0.0,
    mul: float = 1.0,
    decay: float = 1.0,
    limit: int | None = None,
    k: float = 1.0,
) -> Reference:
    """timm's cycle bookkeeping."""
    position = cycle_position(first, mul)

    def ref(t: np.ndarray) -> np.ndarray:
        index, x = position(t)
        peak = f32(i) * f32(decay) ** index
        value = f32(end) + (peak - f32(end)) * shape(x ** f32(k))
        return value if limit is None else np.where(index >= limit, f32(end), value)

    return ref


def cosine_unit(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1 + np.cos(np.pi * x))


def tanh_unit(lb: float, ub: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda x: 0.5 * (1 - np.tanh(lb * (1 - x) + ub * x))


def power_ref(i: float, p: float, offset: int = 0) -> Reference:
    return lambda t: f32(i) * np.maximum(clamp(t) - offset, 1).astype(np.float64) ** f32(p)


def power_linear_ref(i: float, total: int, p: float, frac: float, offset: int) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        s = clamp(t) - offset
        value = power_ref(i, p, offset)(t)
        if frac > 0:
            value = np.maximum(0, value * np.minimum(1, (total - s) / (total * f32(frac))))
        return value

    return ref


def per_epoch_ref(inner: Reference, n: int) -> Reference:
    return lambda t: inner(clamp(t) // n)


# (id, schedule, reference, horizon, boundaries), as in test_reference.CASES.
CATALOGUE_CASES: list[tuple[str, js.Schedule, Reference, int, tuple[int, ...]]] = [
    (
        "linear_cosine",
        js.LinearCosineDecay(1.0, 50),
        linear_cosine_ref(1.0, 50, 0.5, 0.0, 0.001),
        50,
        (50,),
    ),
    (
        "linear_cosine_periods",
        js.LinearCosineDecay(0.3, 40, num_periods=2.0, alpha=0.1, beta=0.01),
        linear_cosine_ref(0.3, 40, 2.0, 0.1, 0.01),
        40,
        (10, 20, 40),
    ),
    (
        "noisy_linear_cosine_no_variance",
        js.NoisyLinearCosineDecay(2.0, 7, initial_variance=0.0, num_periods=1.5, alpha=0.25),
        linear_cosine_ref(2.0, 7, 1.5, 0.25, 0.001),
        7,
        (7,),
    ),
    (
        "inverse_sqrt",
        js.InverseSqrtDecay(0.5, timescale=25),
        lambda t: f32(0.5) / np.sqrt(1 + clamp(t) / 25),
        100,
        (),
    ),
    (
        "inverse_sqrt_after_warmup",
        js.Warmup(js.InverseSqrtDecay(1.0, timescale=10), 10),
        lambda t: np.where(clamp(t) < 10, clamp(t) / 10, np.sqrt(10 / np.maximum(clamp(t), 1))),
        40,
        (10,),
    ),
    (
        "noam",
        js.Noam(512, 40, scale=2.0),
        lambda t: 2 * 512**-0.5 * np.minimum((clamp(t) + 1) * 40**-1.5, (clamp(t) + 1) ** -0.5),
        80,
        (39, 40),
    ),
    ("direct_power", js.DirectPowerDecay(1.0, -0.5), power_ref(1.0, -0.5), 100, (1,)),
    (
        "power_linear",
        js.PowerAndLinearDecay(1.0, 100, -0.5, 0.1),
        power_linear_ref(1.0, 100, -0.5, 0.1, 0),
        100,
        (90, 100),
    ),
    (
        "power_linear_offset",
        js.PowerAndLinearDecay(2.0, 60, -0.3, 0.25, offset=10),
        power_linear_ref(2.0, 60, -0.3, 0.25, 10),
        70,
        (10, 55, 70),
    ),
    (
        "power_with_offset",
        js.PowerDecayWithOffset(1.0, -0.5, offset=10, pre_offset_value=0.7),
        lambda t: np.where(
            clamp(t) <= 10, f32(0.7), np.minimum(f32(0.7), power_ref(1.0, -0.5, 10)(t))
        ),
        40,
        (10, 11),
    ),
    (
        "cycles_cosine_decay",
        js.DecayCycles(0.5, 10, end_value=0.01, cycle_decay=0.5, cycle_limit=3),
        cycles_ref(0.5, 10, cosine_unit, 0.01, 1.0, 0.5, 3),
        30,
        (10, 20, 30),
    ),
    (
        "cycles_cosine_mul2",
        js.DecayCycles(0.5, 4, cycle_mul=2.0, cycle_decay=0.5),
        cycles_ref(0.5, 4, cosine_unit, 0.0, 2.0, 0.5),
        60,
        (4, 12, 28, 60, 4 * (2**20 - 1)),
    ),
    (
        "cycles_cosine_mul1.5_k",
        js.DecayCycles(
            0.5, 6, end_value=0.05, cycle_mul=1.5, cycle_decay=0.8, cycle_limit=4, k_decay=0.5
        ),
        cycles_ref(0.5, 6, cosine_unit, 0.05, 1.5, 0.8, 4, 0.5),
        49,
        (6, 15, 49),
    ),
    (
        "cycles_tanh",
        js.DecayCycles(
            0.5, 8, "tanh", cycle_mul=2.0, cycle_decay=0.7, cycle_limit=3, lb=-5.0, ub=4.0
        ),
        cycles_ref(0.5, 8, tanh_unit(-5, 4), 0.0, 2.0, 0.7, 3),
        56,
        (8, 24, 56),
    ),
    (
        "tanh_decay",
        js.tanh_decay(0.5, 20, end_value=0.01),
        cycles_ref(0.5, 20, tanh_unit(-7, 3), 0.01, limit=1),
        20,
        (20,),
    ),
    (
        "cycles_poly",
        js.DecayCycles(
            0.5, 5, "poly", power=2.0, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3, k_decay=1.5
        ),
        cycles_ref(0.5, 5, lambda x: (1 - x) ** 2, 0.0, 2.0, 0.5, 3, 1.5),
        35,
        (5, 15, 35),
    ),
    *[
        (
            f"wsd_{up}_{down}",
            js.warmup_stable_decay(
                0.5, 4, 5, 6, init_value=0.05, min_ratio=0.1, warmup_shape=up, decay_shape=down
            ),
            wsd_ref(0.5, 4, 5, 6, f32(0.05), f32(0.1) * f32(0.5), up, down),
            15,
            (4, 9, 15),
        )
        for up in ("linear", "cosine", "1-sqrt")
        for down in ("linear", "cosine", "1-sqrt")
    ],
    (
        "cooldown_from_cosine",
        js.Cooldown(
            js.CosineDecay(1.0, 100),
            start_step=30,
            cooldown_steps=20,
            end_value=0.1,
            shape="cosine",
        ),
        lambda t: np.where(
            clamp(t) < 30,
            0.5 * (1 + np.cos(np.pi * np.minimum(clamp(t), 100) / 100)),
            f32(0.1)
            + (0.5 * (1 + np.cos(np.pi * 0.3)) - f32(0.1))
            * fall("cosine", np.clip((clamp(t) - 30) / 20, 0, 1)),
        ),
        50,
        (30, 50),
    ),
    (
        "rewarmup",
        js.Rewarmup(
            js.Linear(1.0, 0.2, 10), js.CosineDecay(0.8, 20), start_step=10, warmup_steps=5
        ),
        lambda t: np.select(
            [clamp(t) < 10, clamp(t) < 15],
            [1 - f32(0.8) * clamp(t) / 10, f32(0.2) + (f32(0.8) - f32(0.2)) * (clamp(t) - 10) / 5],
            f32(0.8) * 0.5 * (1 + np.cos(np.pi * np.minimum(clamp(t) - 15, 20) / 20)),
        ),
        35,
        (10, 15, 35),
    ),
    *[
        (
            f"warmup_{shape}_power{power}",
            js.Warmup(js.CosineDecay(1.0, 30), 8, 0.1, shape=shape, power=power),
            warmup_shape_ref(
                lambda t: 0.5 * (1 + np.cos(np.pi * np.minimum(t, 30) / 30)),
                8,
                f32(0.1),
                shape,
                f32(power),
            ),
            38,
            (8, 38),
        )
        for shape, power in [("cosine", 1.0), ("1-sqrt", 1.0), ("constant", 1.0), ("linear", 2.0)]
    ],
    (
        "sum_difference_quotient",
        (js.CosineDecay(1.0, 40) + 0.5 * js.Linear(0.0, 1.0, 20) - 0.1) / 4,
        lambda t: (
            (
                0.5 * (1 + np.cos(np.pi * np.minimum(clamp(t), 40) / 40))
                + 0.5 * np.minimum(clamp(t), 20) / 20
                - f32(0.1)
            )
            / 4
        ),
        40,
        (20, 40),
    ),
    (
        "per_epoch",
        js.PerEpoch(js.CosineDecay(1.0, 10), steps_per_epoch=7),
        per_epoch_ref(lambda e: 0.5 * (1 + np.cos(np.pi * np.minimum(e, 10) / 10)), 7),
        70,
        (7, 70),
    ),
]
