"""Every schedule against a float64 NumPy reference, and against optax where optax has it.

Steps checked: a grid, step 0, every boundary b-1, b, b+1, the end, past the end, near
2**31 - 1, and negative steps (clamped to 0). Tolerance 5e-7 * peak on continuous
values; a level gap far above that makes every discrete decision exact.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched as js
from tests.catalogue_references import CATALOGUE_CASES
from tests.helpers import INT32_MAX, clamp, cycle_position, f32, peak

Reference = Callable[[np.ndarray], np.ndarray]


def _near(*points: int) -> list[int]:
    return [p + d for p in points for d in (-1, 0, 1)]


def _steps(horizon: int, *boundaries: int) -> np.ndarray:
    grid = np.linspace(0, 2 * max(horizon, 1) + 3, 97).astype(np.int64)
    extra = [
        0,
        1,
        -7,
        horizon,
        horizon + 1,
        10 * horizon + 5,
        2**24,
        2**30,
        INT32_MAX - 1,
        INT32_MAX,
        *_near(*boundaries),
    ]
    return np.unique(np.concatenate([grid, np.asarray(extra, np.int64)]))


def polynomial_ref(i: float, e: float, p: float, n: int, b: int) -> Reference:
    return lambda t: (f32(i) - f32(e)) * (1 - np.clip(clamp(t) - b, 0, n) / n) ** f32(p) + f32(e)


def exponential_ref(
    i: float, n: int, r: float, b: int = 0, staircase: bool = False, e: float | None = None
) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        d = np.maximum(clamp(t) - b, 0)
        p = d // n if staircase else d / n
        with np.errstate(over="ignore"):  # a growth capped by end_value overflows first
            v = f32(i) * f32(r) ** p.astype(np.float64)
        if e is None:
            return v
        return np.maximum(v, f32(e)) if r < 1 else np.minimum(v, f32(e))

    return ref


def cosine_ref(i: float, d: int, end: float, exponent: float = 1.0) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        c = 0.5 * (1 + np.cos(np.pi * np.minimum(clamp(t), d) / d))
        return end + (i - end) * c**exponent

    return ref


def piecewise_ref(boundaries: list[int], values: list[float]) -> Reference:
    return lambda t: np.asarray(values)[np.searchsorted(boundaries, clamp(t), side="right")]


def warmup_ref(inner: Reference, w: int, init: float, first_step: bool = False) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t)
        peak_value = inner(np.array([0]))[0]
        frac = (t + 1) / (w + 1) if first_step else t / max(w, 1)
        ramp = init + (peak_value - init) * frac
        return np.where(t < w, ramp, inner(np.maximum(t - w, 0)))

    return ref


def polynomial_cycle_ref(i: float, e: float, p: float, n: int) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t)
        span = n * np.maximum(1, np.ceil(t / n))
        return (f32(i) - f32(e)) * (1 - t / span) ** f32(p) + f32(e)

    return ref


def cyclical_ref(
    i: float, m: float, up: int, down: int, scale: Callable, by_cycle: bool
) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t)
        period = up + down
        cycle, position = t // period + 1, t % period
        wave = np.where(position <= up, position / up, (period - position) / down)
        return i + (m - i) * wave * scale(cycle if by_cycle else t)

    return ref


def interpolate_ref(knots: list[int], values: list[float], cosine: bool) -> Reference:
    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t)
        if not cosine:
            return np.interp(t, knots, values)
        j = np.clip(np.searchsorted(knots, t, side="right"), 1, len(knots) - 1)
        p = np.clip((t - np.asarray(knots)[j - 1]) / np.diff(knots)[j - 1], 0, 1)
        a, b = np.asarray(values)[j - 1], np.asarray(values)[j]
        return np.where(t >= knots[-1], values[-1], b + (a - b) * 0.5 * (1 + np.cos(np.pi * p)))

    return ref


def onecycle_ref(peak: float, total: int, pct: float, cosine: bool, three: bool) -> Reference:
    start = peak / 25.0
    floor = start / 1e4
    up = pct * total - 1
    ends = [up, 2 * up, total - 1.0] if three else [up, total - 1.0]
    targets = [peak, start, floor] if three else [peak, floor]

    def ref(t: np.ndarray) -> np.ndarray:
        t = clamp(t).astype(np.float64)
        phase = np.minimum(np.searchsorted(ends, t, side="left"), len(ends) - 1)
        begin = np.array([0.0, *ends[:-1]])[phase]
        a, b = np.array([start, *targets[:-1]])[phase], np.array(targets)[phase]
        q = np.clip((t - begin) / (np.array(ends)[phase] - begin), 0, 1)
        value = b + (a - b) * 0.5 * (1 + np.cos(np.pi * q)) if cosine else a + (b - a) * q
        return np.where(t > ends[-1], floor, value)

    return ref


def restarts_ref(i: float, first: int, t_mul: float, m_mul: float, floor: float) -> Reference:
    """SGDR: the amplitude (not the floor) shrinks by ``m_mul`` per cycle."""
    position = cycle_position(first, t_mul)

    def ref(t: np.ndarray) -> np.ndarray:
        k, x = position(t)
        return floor + (i - floor) * f32(m_mul) ** k * 0.5 * (1 + np.cos(np.pi * x))

    return ref


# (id, schedule, reference, horizon, boundaries)
CASES: list[tuple[str, js.Schedule, Reference, int, tuple[int, ...]]] = [
    ("constant", js.Constant(0.3), lambda t: np.full(np.shape(t), f32(0.3)), 1, ()),
    (
        "linear",
        js.Linear(0.1, 0.9, 40, transition_begin=7),
        polynomial_ref(0.1, 0.9, 1.0, 40, 7),
        47,
        (7, 47),
    ),
    ("linear_down", js.Linear(1.0, 0.0, 1), polynomial_ref(1.0, 0.0, 1.0, 1, 0), 1, (1,)),
    (
        "polynomial",
        js.Polynomial(2.0, 0.5, power=0.7, transition_steps=33),
        polynomial_ref(2.0, 0.5, 0.7, 33, 0),
        33,
        (33,),
    ),
    (
        "exponential",
        js.ExponentialDecay(1.0, 17, 0.9),
        exponential_ref(1.0, 17, 0.9),
        200,
        (17, 34),
    ),
    (
        "exponential_begin_floor",
        js.ExponentialDecay(3.0, 10, 0.5, 25, end_value=0.4),
        exponential_ref(3.0, 10, 0.5, 25, e=0.4),
        60,
        (25, 35, 45),
    ),
    (
        "exponential_growth_cap",
        js.ExponentialDecay(0.1, 10, 2.0, end_value=1.0),
        exponential_ref(0.1, 10, 2.0, e=1.0),
        40,
        (10, 20, 34),
    ),
    (
        "exponential_staircase",
        js.ExponentialDecay(1.0, 25, 0.95, staircase=True),
        exponential_ref(1.0, 25, 0.95, staircase=True),
        100,
        (25, 50, 75),
    ),
    (
        "natural_exp",
        js.NaturalExpDecay(1.0, 10, 0.3),
        lambda t: np.exp(-f32(0.3) * clamp(t) / 10),
        100,
        (10,),
    ),
    (
        "natural_exp_staircase",
        js.NaturalExpDecay(0.5, 10, 0.3, staircase=True),
        lambda t: 0.5 * np.exp(-f32(0.3) * (clamp(t) // 10)),
        100,
        (10, 20),
    ),
    (
        "inverse_time",
        js.InverseTimeDecay(1.0, 8, 0.5),
        lambda t: 1 / (1 + 0.5 * clamp(t) / 8),
        100,
        (8,),
    ),
    (
        "inverse_time_staircase",
        js.InverseTimeDecay(1.0, 8, 0.5, staircase=True),
        lambda t: 1 / (1 + 0.5 * (clamp(t) // 8)),
        100,
        (8, 16),
    ),
    ("cosine", js.CosineDecay(1.0, 100), cosine_ref(1.0, 100, 0.0), 100, (100,)),
    (
        "cosine_alpha_exponent",
        js.CosineDecay(2.0, 77, alpha=0.1, exponent=3.0),
        cosine_ref(2.0, 77, f32(0.1) * 2.0, 3.0),
        77,
        (77,),
    ),
    (
        "cosine_end_value",
        js.CosineDecay(1.0, 2**31 - 1, end_value=0.1),
        cosine_ref(1.0, 2**31 - 1, 0.1),
        2**31 - 1,
        (),
    ),
    (
        "piecewise",
        js.PiecewiseConstant([10, 20, 35], [1.0, 0.5, 0.25, 0.125]),
        piecewise_ref([10, 20, 35], [1.0, 0.5, 0.25, 0.125]),
        35,
        (10, 20, 35),
    ),
    (
        "piecewise_at_zero",
        js.PiecewiseConstant([0, 3], [9.0, 1.0, 2.0]),
        piecewise_ref([0, 3], [9.0, 1.0, 2.0]),
        3,
        (0, 3),
    ),
    (
        "piecewise_scales",
        js.PiecewiseConstant.from_scales(2.0, {15: 0.1, 5: 0.5}),
        piecewise_ref([5, 15], [2.0, 1.0, 0.1]),
        15,
        (5, 15),
    ),
    (
        "step",
        js.StepDecay(1.0, 30, 0.1),
        lambda t: 0.1 ** (clamp(t) // 30).astype(float),
        90,
        (30, 60),
    ),
    (
        "multistep",
        js.MultiStepDecay(1.0, [30, 80, 80], 0.5),
        lambda t: 0.5 ** np.searchsorted([30, 80, 80], clamp(t), side="right"),
        80,
        (30, 80),
    ),
    (
        "polynomial_cycle",
        js.Polynomial(1.0, 0.1, 2.0, 20, cycle=True),
        polynomial_cycle_ref(1.0, 0.1, 2.0, 20),
        60,
        (20, 40),
    ),
    (
        "cyclical_triangular",
        js.Cyclical(0.1, 1.0, 7, 13),
        cyclical_ref(0.1, 1.0, 7, 13, lambda a: 1.0, True),
        60,
        (7, 20, 27),
    ),
    (
        "cyclical_triangular2",
        js.Cyclical(0.1, 1.0, 10, mode="triangular2"),
        cyclical_ref(0.1, 1.0, 10, 10, lambda c: 0.5 ** (c - 1.0), True),
        60,
        (10, 20),
    ),
    (
        "cyclical_exp_range",
        js.Cyclical(0.1, 1.0, 10, mode="exp_range", gamma=0.99),
        cyclical_ref(0.1, 1.0, 10, 10, lambda t: f32(0.99) ** t, False),
        60,
        (10, 20),
    ),
    (
        "cyclical_exp_by_cycle",
        js.Cyclical(0.1, 1.0, 10, mode="exp_range", gamma=0.9, scale_mode="cycle"),
        cyclical_ref(0.1, 1.0, 10, 10, lambda c: f32(0.9) ** c, True),
        60,
        (10, 20),
    ),
    (
        "interpolate_linear",
        js.PiecewiseInterpolate([0, 10, 50], [0.0, 1.0, 0.25]),
        interpolate_ref([0, 10, 50], [0.0, 1.0, 0.25], False),
        50,
        (10, 50),
    ),
    (
        "interpolate_cosine",
        js.PiecewiseInterpolate([5, 10, 50], [0.5, 1.0, 0.25], "cosine"),
        interpolate_ref([5, 10, 50], [0.5, 1.0, 0.25], True),
        50,
        (5, 10, 50),
    ),
    (
        "onecycle_cos",
        js.OneCycle(1.0, 100),
        onecycle_ref(1.0, 100, 0.3, True, False),
        100,
        (29, 99),
    ),
    (
        "onecycle_linear_three",
        js.OneCycle(1.0, 77, 0.25, "linear", three_phase=True),
        onecycle_ref(1.0, 77, 0.25, False, True),
        77,
        (18, 37, 76),
    ),
    (
        "restarts_t_mul_2",
        js.CosineRestarts(1.0, 10, 2.0, 0.8, alpha=0.1),
        restarts_ref(1.0, 10, 2.0, 0.8, f32(0.1)),
        150,
        (10, 30, 70),
    ),
    (
        "restarts_t_mul_1",
        js.CosineRestarts(2.0, 7, 1.0, end_value=0.2),
        restarts_ref(2.0, 7, 1.0, 1.0, f32(0.2)),
        30,
        (7, 14, 21),
    ),
    (
        "restarts_t_mul_3",
        js.CosineRestarts(1.0, 3, 3.0),
        restarts_ref(1.0, 3, 3.0, 1.0, 0.0),
        200,
        (3, 12, 39, 120),
    ),
    (
        "restarts_t_mul_1_5",
        js.CosineRestarts(1.0, 8, 1.5),
        restarts_ref(1.0, 8, f32(1.5), 1.0, 0.0),
        100,
        (8, 20, 38),
    ),
    (
        "restarts_any",
        js.Restarts(js.Linear(1.0, 0.0, 10), 10, 0.5),
        lambda t: 0.5 ** (clamp(t) // 10) * (1 - (clamp(t) % 10) / 10),
        40,
        (10, 20),
    ),
    (
        "warmup_cosine",
        js.Warmup(js.CosineDecay(1.0, 50), 10, 0.0),
        warmup_ref(cosine_ref(1.0, 50, 0.0), 10, 0.0),
        60,
        (10, 60),
    ),
    (
        "warmup_first_step",
        js.Warmup(js.CosineDecay(1.0, 50), 10, 0.2, start="first_step"),
        warmup_ref(cosine_ref(1.0, 50, 0.0), 10, f32(0.2), first_step=True),
        60,
        (10, 60),
    ),
    (
        "warmup_zero_length",
        js.Warmup(js.Linear(1.0, 0.0, 10), 0),
        polynomial_ref(1.0, 0.0, 1.0, 10, 0),
        10,
        (0, 10),
    ),
]


CASES += CATALOGUE_CASES


@pytest.mark.parametrize(
    ("schedule", "reference", "horizon", "boundaries"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_matches_float64_reference(
    schedule: js.Schedule,
    reference: Reference,
    horizon: int,
    boundaries: tuple[int, ...],
    jit: bool,
) -> None:
    steps = _steps(horizon, *boundaries)
    expected = reference(steps)
    fn = jax.jit(schedule) if jit else schedule
    # Steps beyond int32 come in as int64 NumPy arrays and are clamped like Python ints.
    got = np.asarray(fn(steps if not jit else np.clip(steps, -(2**31), INT32_MAX).astype(np.int32)))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-7 * peak(expected))
    assert np.all(np.isfinite(got))


@pytest.mark.parametrize(
    ("schedule", "reference", "horizon", "boundaries"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_scalar_python_steps_match_array_steps(
    schedule: js.Schedule, reference: Reference, horizon: int, boundaries: tuple[int, ...]
) -> None:
    del reference
    for step in (0, horizon, horizon + 1, -3, INT32_MAX, 2**40, *boundaries):
        assert schedule(step) == schedule(np.array([step]))[0]


# (id, ours, optax's)
OPTAX_TWINS = [
    ("linear", js.Linear(0.1, 0.9, 40, 7), optax.linear_schedule(0.1, 0.9, 40, 7)),
    (
        "polynomial",
        js.Polynomial(2.0, 0.5, 1.5, 33, 4),
        optax.polynomial_schedule(2.0, 0.5, 1.5, 33, 4),
    ),
    (
        "exponential",
        js.ExponentialDecay(1.0, 17, 0.9, 3, end_value=0.3),
        optax.exponential_decay(1.0, 17, 0.9, 3, end_value=0.3),
    ),
    (
        "exponential_staircase",
        js.ExponentialDecay(1.0, 25, 0.95, staircase=True),
        optax.exponential_decay(1.0, 25, 0.95, staircase=True),
    ),
    (
        "cosine",
        js.CosineDecay(1.0, 100, alpha=0.2, exponent=1.5),
        optax.cosine_decay_schedule(1.0, 100, alpha=0.2, exponent=1.5),
    ),
    (
        "piecewise_scales",
        js.PiecewiseConstant.from_scales(1.0, {10: 0.1, 30: 0.5}),
        optax.piecewise_constant_schedule(1.0, {10: 0.1, 30: 0.5}),
    ),
    (
        "warmup_cosine",
        js.warmup_cosine_decay(0.0, 3e-4, 100, 1000, end_value=3e-5, exponent=2.0),
        optax.warmup_cosine_decay_schedule(0.0, 3e-4, 100, 1000, end_value=3e-5, exponent=2.0),
    ),
    (
        "warmup_exponential",
        js.warmup_exponential_decay(1e-5, 1e-3, 50, 100, 0.5, 20, True, 1e-4),
        optax.warmup_exponential_decay_schedule(1e-5, 1e-3, 50, 100, 0.5, 20, True, 1e-4),
    ),
    (
        "interpolate_scales",
        js.PiecewiseInterpolate.from_scales("cosine", 2.0, {0: 0.5, 10: 3.0, 40: 0.1}),
        optax.piecewise_interpolate_schedule("cosine", 2.0, {0: 0.5, 10: 3.0, 40: 0.1}),
    ),
    (
        "linear_onecycle",
        js.linear_onecycle(333, 0.7, 0.27, 0.81, 17.0, 300.0),
        optax.linear_onecycle_schedule(333, 0.7, 0.27, 0.81, 17.0, 300.0),
    ),
    (
        "cosine_onecycle",
        js.cosine_onecycle(1000, 2.0, 0.4, 10.0, 100.0),
        optax.cosine_onecycle_schedule(1000, 2.0, 0.4, 10.0, 100.0),
    ),
    (
        "sgdr",
        js.sgdr(
            [
                dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=100),
                dict(
                    init_value=0.1, peak_value=0.5, warmup_steps=0, decay_steps=200, end_value=0.05
                ),
            ]
        ),
        optax.sgdr_schedule(
            [
                dict(init_value=0.0, peak_value=1.0, warmup_steps=10, decay_steps=100),
                dict(
                    init_value=0.1, peak_value=0.5, warmup_steps=0, decay_steps=200, end_value=0.05
                ),
            ]
        ),
    ),
    (
        "join",
        js.Join([js.Linear(0.0, 1.0, 10), js.CosineDecay(1.0, 90), js.Constant(0.05)], [10, 100]),
        optax.join_schedules(
            [
                optax.linear_schedule(0.0, 1.0, 10),
                optax.cosine_decay_schedule(1.0, 90),
                optax.constant_schedule(0.05),
            ],
            [10, 100],
        ),
    ),
    (
        "phases",
        js.phases(js.Linear(0.0, 1.0, 10), js.CosineDecay(1.0, 90), js.Constant(0.05)),
        optax.join_schedules(
            [
                optax.linear_schedule(0.0, 1.0, 10),
                optax.cosine_decay_schedule(1.0, 90),
                optax.constant_schedule(0.05),
            ],
            [10, 100],
        ),
    ),
]


@pytest.mark.parametrize(
    ("ours", "theirs"), [c[1:] for c in OPTAX_TWINS], ids=[c[0] for c in OPTAX_TWINS]
)
def test_matches_optax(ours: js.Schedule, theirs: optax.Schedule) -> None:
    # Below 2**22 optax's float32 staircase is still exact, so both must agree there.
    steps = np.unique(np.concatenate([np.arange(0, 1200), [2**20, 2**22 - 1]])).astype(np.int32)
    with jax.numpy_dtype_promotion("standard"):  # optax's own code is not strict-clean
        expected = np.asarray(jax.vmap(theirs)(jnp.asarray(steps)))
    got = np.asarray(ours(steps))
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-7 * peak(expected))


@pytest.mark.parametrize("period", [3, 7, 1000])
@pytest.mark.parametrize("near", [2**24, 2**30, INT32_MAX - 3000])
def test_staircase_index_is_exact_at_every_multiple(period: int, near: int) -> None:
    from jaxsched.schedules._exponential import decay_progress

    k = np.arange(near // period - 300, near // period + 300, dtype=np.int64)
    steps = np.concatenate([k * period - 1, k * period, k * period + 1])
    steps = steps[steps <= INT32_MAX]
    got = np.asarray(decay_progress(jnp.asarray(steps, jnp.int32), 0, period, True))
    np.testing.assert_array_equal(got, (steps // period).astype(np.float32))


def test_optax_staircase_is_off_where_ours_is_exact() -> None:
    """The departure the exactness test documents is real: optax flips early past 2**24."""
    steps = np.arange(2**24 + 2, 2**24 + 3002, dtype=np.int64)  # starts at a multiple of 3
    # rate**k stays representable here (about 5e-25), so a wrong index shows in the value.
    rate = 0.99999
    expected = rate ** (steps // 3).astype(np.float64)  # the rate as written
    with jax.numpy_dtype_promotion("standard"):
        theirs = np.asarray(
            jax.vmap(optax.exponential_decay(1.0, 3, rate, staircase=True))(
                jnp.asarray(steps, jnp.int32)
            )
        )
    ours = np.asarray(js.ExponentialDecay(1.0, 3, rate, staircase=True)(steps))
    # Same stair for 3 consecutive steps starting at each multiple of 3, in ours only.
    stairs = steps.reshape(-1, 3)
    assert np.all(stairs[:, 0] % 3 == 0)
    assert np.all(ours.reshape(-1, 3) == ours.reshape(-1, 3)[:, :1])
    assert not np.all(theirs.reshape(-1, 3) == theirs.reshape(-1, 3)[:, :1])
    np.testing.assert_allclose(ours, expected, rtol=5e-7)


@pytest.mark.parametrize("near", [2**24, 2**30, INT32_MAX - 1])
def test_boundaries_switch_exactly_at_huge_steps(near: int) -> None:
    b = [near - 5, near]
    steps = np.array(_near(*b), dtype=np.int64)
    steps = steps[steps <= INT32_MAX]
    expected = np.searchsorted(b, steps, side="right")
    levels = [1.0, 0.5, 0.25]
    cases = {
        "piecewise": js.PiecewiseConstant(b, levels),
        "multistep": js.MultiStepDecay(1.0, b, 0.5),
        "join": js.Join([js.Constant(v) for v in levels], b),
        "phases": js.phases((js.Constant(1.0), near - 5), (js.Constant(0.5), 5), js.Constant(0.25)),
    }
    for name, schedule in cases.items():
        got = np.asarray(schedule(steps))
        np.testing.assert_array_equal(got, np.asarray(levels, np.float32)[expected], err_msg=name)


@pytest.mark.parametrize("period", [2**24 + 1, 2**30 - 1, (2**31 - 1) // 2])
def test_staircase_values_flip_exactly_with_huge_periods(period: int) -> None:
    steps = np.array(_near(period, 2 * period) if 2 * period <= INT32_MAX - 1 else _near(period))
    schedules = [
        js.StepDecay(1.0, period, 0.5),
        js.ExponentialDecay(1.0, period, 0.5, staircase=True),
    ]
    for schedule in schedules:
        np.testing.assert_array_equal(
            np.asarray(schedule(steps)), 0.5 ** (steps // period).astype(np.float32)
        )


def test_piecewise_graph_size_does_not_grow_with_boundaries() -> None:
    def equations(n: int) -> int:
        schedule = js.PiecewiseConstant(
            list(range(1, n + 1)), [1.0 / (i + 1) for i in range(n + 1)]
        )
        return len(jax.make_jaxpr(schedule)(jnp.asarray(0, jnp.int32)).eqns)

    # Up to 32 boundaries every one is compared with the step, beyond a sorted search:
    # each way the graph is the same size whatever the count.
    assert equations(1) == equations(10) == equations(32) < 20
    assert equations(33) == equations(1000) == equations(100_000) < 20


def test_comparing_and_searching_count_the_same_intervals(monkeypatch: pytest.MonkeyPatch) -> None:
    from jaxsched.schedules import _piecewise

    rng = np.random.default_rng(0)
    for count in (1, 7, 32):
        boundaries = np.unique(rng.integers(0, 2**31 - 1, size=count))
        near = np.concatenate([boundaries - 1, boundaries, boundaries + 1, [0, 2**31 - 1]])
        near = np.clip(near, 0, 2**31 - 1)
        steps = jnp.asarray(near, jnp.int32)
        compared = np.asarray(_piecewise.intervals_passed(steps, boundaries))
        with monkeypatch.context() as patched:
            patched.setattr(_piecewise, "_COMPARE_ALL_UP_TO", -1)
            searched = np.asarray(_piecewise.intervals_passed(steps, boundaries))
        np.testing.assert_array_equal(compared, searched)
        np.testing.assert_array_equal(compared, np.searchsorted(boundaries, near, "right"))


@pytest.mark.parametrize(
    ("schedule", "step", "expected"),
    [
        # TF Addons probe values (shared/reference/anchors-tf-optax.md section 4), I=.1, M=1, s=10.
        (js.Cyclical(0.1, 1.0, 10, mode="triangular2"), 25, 0.325),
        (js.Cyclical(0.1, 1.0, 10, mode="triangular2"), 45, 0.2125),
        (js.Cyclical(0.1, 1.0, 10, mode="exp_range", gamma=0.9), 5, 0.36572),
        (js.Cyclical(0.1, 1.0, 10, mode="exp_range", gamma=0.9), 15, 0.192651),
        (js.Cyclical(0.1, 1.0, 10, mode="exp_range", gamma=0.9, scale_mode="cycle"), 25, 0.4645),
        # Keras PolynomialDecay(cycle=True) probe values (same file, section 2), D=100, E=0.
        (js.Polynomial(1.0, 0.0, 1.0, 100, cycle=True), 101, 0.495),
        (js.Polynomial(1.0, 0.0, 1.0, 100, cycle=True), 150, 0.25),
        (js.Polynomial(1.0, 0.0, 1.0, 100, cycle=True), 200, 0.0),
        (js.Polynomial(1.0, 0.0, 1.0, 100, cycle=True), 201, 0.33),
        # optax linear one-cycle probe values (section 1), T=100, P=1.
        (js.linear_onecycle(100, 1.0), 57, 0.528727),
        (js.linear_onecycle(100, 1.0), 92, 0.0213352),
    ],
)
def test_recorded_probe_values(schedule: js.Schedule, step: int, expected: float) -> None:
    np.testing.assert_allclose(float(schedule(step)), expected, rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("first", [1, 3, 100, 1000])
def test_sgdr_restarts_are_exact_at_every_restart(first: int) -> None:
    """Every restart of t_mul=2 up to 2**31 - 1 starts at the peak (Keras misses 13 and 15)."""
    ks = [k for k in range(1, 32) if first * (2**k - 1) <= INT32_MAX]
    restarts = np.array([first * (2**k - 1) for k in ks])
    schedule = js.CosineRestarts(1.0, first, 2.0)
    assert np.all(np.asarray(schedule(restarts)) == 1.0)  # cos(0): a restart
    # The step before is the last of the previous cycle, of length first * 2**(k-1).
    previous = first * 2.0 ** (np.array(ks) - 1)
    expected = 0.5 * (1 + np.cos(np.pi * (previous - 1) / previous))
    np.testing.assert_allclose(np.asarray(schedule(restarts - 1)), expected, atol=1e-6)
