"""Hypothesis strategies: valid configurations of every public schedule, across magnitudes.

Each strategy draws a ``Case``: the schedule, and where the curve is promised to be
monotone (``(first, last, direction)`` segments, in updates). Levels run from ``1e-8`` to
``1e3`` (and 0), lengths from 1 to ``2**30`` on a log scale, multipliers whole or
fractional. Composites nest any of them, with lengths kept so that sums stay valid.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from hypothesis import strategies as st

import jaxsched as js
from jaxsched.core._cycles import cycle_start
from tests.helpers import INT32_MAX, inverse_step


@dataclasses.dataclass(frozen=True)
class Case:
    schedule: js.Schedule
    monotone: tuple[tuple[int, int, int], ...] = ()


def _log_length(top: int) -> st.SearchStrategy[int]:
    return st.integers(0, top).flatmap(lambda b: st.integers(max(1, 2**b // 2), 2**b))


lengths = _log_length(30)
short = _log_length(20)  # for parts of composites, so that sums of lengths stay valid
levels = st.one_of(st.just(0.0), st.floats(-8, 3).map(lambda e: float(np.float32(10.0**e))))
positive_levels = st.floats(-8, 3).map(lambda e: float(np.float32(10.0**e)))
fractions = st.floats(0.0, 1.0)
rates = st.floats(1e-3, 1.0, exclude_max=True)
multipliers = st.one_of(
    st.just(1.0), st.sampled_from([2.0, 3.0]), st.floats(1.0, 4.0), st.floats(1.0, 1.01)
)
exponents = st.floats(0.1, 4.0)
# Peaks per cycle: mostly shrinking; growing (Keras and timm take it) up to saturation.
peak_factors = st.one_of(st.floats(0.1, 1.0), st.floats(1.0, 4.0), st.just(1e3))
DOWN, UP = -1, +1
ALL = INT32_MAX


def _case(schedule: js.Schedule, *segments: tuple[int, int, int]) -> Case:
    return Case(schedule, tuple(segments))


@st.composite
def _decays(draw: st.DrawFn) -> Case:
    """The basic decays, each monotone over the whole range."""
    kind = draw(st.sampled_from(range(13)))
    i, n = draw(positive_levels), draw(lengths)
    if kind == 0:
        return _case(js.Constant(draw(levels)))
    if kind == 1:
        return _case(js.Linear(i, i * draw(fractions), n, draw(short)), (0, ALL, DOWN))
    if kind == 2:
        s = js.Polynomial(i, i * draw(fractions), draw(exponents), n, draw(short))
        return _case(s, (0, ALL, DOWN))
    if kind == 3:
        end = draw(st.one_of(st.none(), st.just(i * draw(fractions))))
        s = js.ExponentialDecay(i, n, draw(rates), draw(short), draw(st.booleans()), end)
        return _case(s, (0, ALL, DOWN))
    if kind == 4:
        return _case(js.NaturalExpDecay(i, n, draw(st.floats(0, 10)), draw(st.booleans())))
    if kind == 5:
        s = js.InverseTimeDecay(i, n, draw(st.floats(0, 10)), draw(st.booleans()))
        return _case(s, (0, ALL, DOWN))
    if kind == 6:
        s = js.CosineDecay(i, n, alpha=draw(fractions), exponent=draw(exponents))
        return _case(s, (0, ALL, DOWN))
    if kind == 7:
        return _case(js.StepDecay(i, n, draw(fractions)), (0, ALL, DOWN))
    if kind == 8:
        milestones = sorted(draw(st.lists(lengths, min_size=1, max_size=5)))
        return _case(js.MultiStepDecay(i, milestones, draw(fractions)), (0, ALL, DOWN))
    if kind == 9:
        return _case(js.InverseSqrtDecay(i, float(n)), (0, ALL, DOWN))
    if kind == 10:
        return _case(js.Noam(float(draw(short)), n, i))
    if kind == 11:
        return _case(js.Polynomial(i, i * draw(fractions), draw(exponents), n, cycle=True))
    return _case(js.tanh_decay(i, n, end_value=i * draw(fractions)), (0, ALL, DOWN))


@st.composite
def _families(draw: st.DrawFn) -> Case:
    """Cycles, one-cycles, piecewise, power and TF1 families, and the factories."""
    kind = draw(st.sampled_from(range(17)))
    i, n = draw(positive_levels), draw(lengths)
    if kind == 0:
        knots = sorted(set(draw(st.lists(lengths, min_size=1, max_size=6))))
        values = draw(st.lists(levels, min_size=len(knots) + 1, max_size=len(knots) + 1))
        return _case(js.PiecewiseConstant(knots, values))
    if kind == 1:
        knots = sorted(set(draw(st.lists(lengths, min_size=1, max_size=6))))
        values = draw(st.lists(levels, min_size=len(knots), max_size=len(knots)))
        return _case(
            js.PiecewiseInterpolate(knots, values, draw(st.sampled_from(["linear", "cosine"])))
        )
    if kind == 2:
        mode = draw(st.sampled_from(["triangular", "triangular2", "exp_range"]))
        down = draw(st.one_of(st.none(), short))
        s = js.Cyclical(i * draw(fractions), i, draw(short), down, mode, draw(rates))
        return _case(s)
    if kind == 3:
        return _case(js.Cyclical(0.0, i, draw(short), scale_fn=inverse_step))
    if kind == 4:
        total = draw(st.integers(100, 2**30))  # pct_start * total > 1: a rising phase
        return _case(
            js.OneCycle(i, total, draw(st.floats(0.05, 0.45)), three_phase=draw(st.booleans()))
        )
    if kind == 5:
        return _case(js.linear_onecycle(draw(st.integers(20, 2**30)), i))
    if kind == 6:
        return _case(js.cosine_onecycle(draw(st.integers(10, 2**30)), i))
    if kind == 7:
        s = js.CosineRestarts(
            i, n, t_mul=draw(multipliers), m_mul=draw(peak_factors), alpha=draw(fractions)
        )
        return _case(s)
    if kind == 8:
        shape = draw(st.sampled_from(["cosine", "tanh", "poly"]))
        limit = draw(st.one_of(st.none(), st.integers(1, 20)))
        s = js.DecayCycles(
            i,
            n,
            shape,
            i * draw(fractions),
            draw(multipliers),
            draw(peak_factors),
            limit,
            draw(st.floats(0.5, 2.0)),
        )
        return _case(s)
    if kind == 9:
        seed = draw(st.integers(0, 2**31 - 1))
        return _case(js.NoisyLinearCosineDecay(i, n, seed=seed))
    if kind == 10:
        s = js.LinearCosineDecay(i, n, draw(st.floats(0.1, 4.0)), draw(fractions), draw(fractions))
        return _case(s)
    if kind == 11:
        return _case(js.DirectPowerDecay(i, draw(st.floats(-2.0, 0.0))), (0, ALL, DOWN))
    if kind == 12:
        s = js.PowerAndLinearDecay(i, n, draw(st.floats(-2.0, 0.0)), draw(fractions), draw(short))
        return _case(s)
    if kind == 13:
        s = js.PowerDecayWithOffset(i, draw(st.floats(-2.0, 0.0)), draw(short), i)
        return _case(s, (0, ALL, DOWN))
    if kind == 14:
        w = draw(short)
        s = js.warmup_cosine_decay(
            i * draw(fractions), i, w, w + n, start=draw(st.sampled_from(["zero", "first_step"]))
        )
        return _case(s, (0, w, UP), (w, ALL, DOWN))
    if kind == 15:
        w, stable, d = draw(short), draw(short), draw(short)
        shapes = st.sampled_from(["linear", "cosine", "1-sqrt"])
        s = js.warmup_stable_decay(
            i,
            w,
            stable,
            d,
            min_ratio=draw(fractions),
            warmup_shape=draw(shapes),
            decay_shape=draw(shapes),
        )
        return _case(s, (0, w, UP), (w, ALL, DOWN))
    w = draw(short)
    s = js.warmup_exponential_decay(0.0, i, w, n, draw(rates), draw(short), draw(st.booleans()))
    return _case(s, (0, w, UP), (w, ALL, DOWN))


base_cases = st.one_of(_decays(), _families())


def _nest(children: st.SearchStrategy[Case]) -> st.SearchStrategy[Case]:
    """One composition of drawn schedules (monotonicity is not promised for nestings)."""
    inner = children.map(lambda c: c.schedule)
    shapes = st.sampled_from(["linear", "cosine", "1-sqrt"])
    return st.one_of(
        st.builds(
            js.Warmup,
            inner,
            short,
            levels,
            st.sampled_from(["zero", "first_step"]),
            st.sampled_from(["linear", "cosine", "1-sqrt", "constant"]),
            st.floats(0.25, 4.0),
        ),
        st.builds(lambda a, la, b: js.phases((a, la), b), inner, short, inner),
        st.builds(lambda a, b, at: js.Join([a, b], [at]), inner, inner, lengths),
        st.builds(js.Scale, inner, st.floats(-1e3, 1e3)),
        st.builds(lambda a, b: a * b, inner, inner),
        st.builds(lambda a, b: a + b, inner, inner),
        st.builds(lambda a, d: a / d, inner, st.floats(0.5, 1e3)),
        st.builds(js.Clip, inner, st.none(), positive_levels),
        st.builds(js.Offset, inner, st.integers(-(2**30), 2**30)),
        st.builds(js.Hold, inner, lengths),
        st.builds(js.Restarts, inner, lengths, st.floats(0.1, 1.0)),
        st.builds(js.Cooldown, inner, lengths, short, levels, shapes),
        st.builds(js.Rewarmup, inner, inner, lengths, short, shapes),
        st.builds(js.PerEpoch, inner, short),
    ).map(Case)


cases = st.recursive(base_cases, _nest, max_leaves=3)


def probe_steps(schedule: js.Schedule) -> np.ndarray:
    """Steps where things happen: 0, 1, every length and sum of two, each +-1, the first
    restarts, the horizon, ``2**24``, ``2**30`` and ``2**31 - 1``."""
    import jax

    ints = {
        int(x)
        for leaf in jax.tree.leaves(schedule)
        for x in np.ravel(leaf)
        if np.issubdtype(np.asarray(leaf).dtype, np.integer)
    }
    points = set(ints) | {a + b for a in ints for b in ints}
    for node in _nodes(schedule):
        if isinstance(node, js.CosineRestarts | js.DecayCycles):
            first = int(
                node.first_decay_steps if isinstance(node, js.CosineRestarts) else node.cycle_steps
            )
            mult = float(node.t_mul if isinstance(node, js.CosineRestarts) else node.cycle_mul)
            for k in range(1, 40):
                start = cycle_start(first, mult, k)
                if start > INT32_MAX:
                    break
                points.add(start)
    horizon = schedule.horizon
    if horizon is not None:
        points.add(horizon)
    points |= {0, 1, 2**24, 2**30, INT32_MAX}
    near = sorted(p + d for p in points for d in (-1, 0, 1) if 0 <= p + d <= INT32_MAX)
    near = sorted(set(near))
    # Padded (with the last step) to a power of two, so that jit compiles a few shapes only.
    size = max(256, 1 << (len(near) - 1).bit_length())
    return np.array(near + [near[-1]] * (size - len(near)), np.int64)


def _nodes(schedule: js.Schedule) -> list[js.Schedule]:
    found = [schedule]
    for field in dataclasses.fields(schedule):  # type: ignore[arg-type]
        value = getattr(schedule, field.name)
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if isinstance(child, js.Schedule):
                found += _nodes(child)
    return found
