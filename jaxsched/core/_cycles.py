"""Which cycle a step is in, for cycle lengths ``F m**i`` (warm restarts and timm's cycles).

Cycle ``i`` starts at the real step :math:`S_i = F (m^i - 1) / (m - 1)`, and update ``t``
belongs to it when :math:`S_i \\le t < S_{i+1}`: the restart is the first whole update
at or after :math:`S_i`. Three cases (``m`` may be traced, so they are selected with
``where``; the fractional search runs only when some ``m`` is fractional):

- ``m == 1``: plain periods, integer division.
- a whole ``m``: the starts are integers, and at most 31 of them come before ``2**31``
  (each is more than twice the one before). They are computed once from ``m`` in
  saturating int32 and each step is compared with all of them, which vectorizes: no
  loop and no division per step.
- a fractional ``m``: the starts fall between updates. A float32 logarithm guesses the
  index from below, then the guess walks up while the next start is reached. Each test
  ``t >= S_j`` is the sign of :math:`D_j = t (m - 1) - F (m^j - 1)`, computed in
  double-float32 (a pair of float32 with about 48 significant bits, from error-free
  sums and products; no float64, so it runs alike on CPU, GPU and TPU). Its error is
  below :math:`2^{-13} (m - 1)`, far below the gap :math:`|t - S_j| (m - 1)` of any start
  that is not within :math:`2^{-13}` of an update. A start that falls exactly on an
  update (:math:`S_j` is a whole number exactly when :math:`2^{k(j-1)}` divides ``F``, for
  ``m`` with ``k`` binary fraction digits) is decided with the tolerance ``(m - 1) / 2``
  instead, so it restarts on the dot.

The position within the cycle comes from the same double-float gap; its gradient with
respect to ``m`` comes from the float32 closed form.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxsched.core import _doublefloat as df
from jaxsched.core._exact import host_constant
from jaxsched.core._numerics import INT32_MAX, f32, i32

_MAX_WALK = 4096


def _trailing_zeros(n: jax.Array) -> jax.Array:
    """Trailing zero bits of a positive int32."""
    return lax.population_count((n & -n) - 1)


def _grow(e: df.DoubleFloat, d: df.DoubleFloat) -> df.DoubleFloat:
    """``m**(j+1) - 1`` from ``e = m**j - 1`` and ``d = m - 1``: ``e + d + e d``."""
    return df.add(df.add(e, d), df.mul(e, d))


def _power_minus_one(d: df.DoubleFloat, j: jax.Array) -> df.DoubleFloat:
    """``(1 + d)**j - 1`` in double-float, by binary powering (kept small: no ``1 +``)."""

    def body(state: tuple) -> tuple:
        n, base, acc = state
        odd = (n & 1) == 1
        grown = df.add(df.add(acc, base), df.mul(acc, base))
        acc = tuple(jnp.where(odd, g, a) for g, a in zip(grown, acc, strict=True))
        squared = df.add(df.add(base, base), df.mul(base, base))
        return n >> 1, squared, acc

    zero = jnp.zeros(j.shape, jnp.float32)
    base = (jnp.broadcast_to(d[0], j.shape), jnp.broadcast_to(d[1], j.shape))
    _, _, acc = lax.while_loop(lambda s: jnp.any(s[0] > 0), body, (j, base, (zero, zero)))
    return acc


def _fractional_cycle(
    step: jax.Array, first: jax.Array, growth: jax.Array, rounding: df.DoubleFloat
) -> tuple:
    """Index (int32), position and fraction left for a fractional ``growth > 1`` (see the
    module doc), ``rounding`` what the float32 ``growth`` misses of the one written (a
    double-float: its float32 alone would leave an error of 1e-15 in ``m - 1``)."""
    step, first = jnp.broadcast_arrays(step, first)
    smooth_growth = jnp.broadcast_to(growth, step.shape)
    growth = lax.stop_gradient(smooth_growth)  # bit tricks below: no gradient through them
    d_hi = growth - 1  # exact: growth is a float32 above 1
    r_hi, r_lo = (jnp.broadcast_to(r, step.shape) for r in rounding)
    d = df.add((d_hi, jnp.zeros_like(d_hi)), (r_hi, r_lo))
    t_f, first_f = step.astype(jnp.float32), first.astype(jnp.float32)
    # growth = a 2**-k with a odd: its binary fraction digits k decide which starts are whole.
    bits = lax.bitcast_convert_type(growth, jnp.int32)
    mantissa = (bits & 0x7FFFFF) | 0x800000
    # A growth that is no float32 has more than 23 binary digits: past S_1 no start is whole.
    k = jnp.where(r_hi == 0, 150 - (bits >> 23) - _trailing_zeros(mantissa), 31)
    first_twos = _trailing_zeros(first)
    t_d = df.mul(df.from_int(step), d)
    f_df = df.from_int(first)

    def reached(j: jax.Array, e: df.DoubleFloat) -> jax.Array:
        gap = df.add(t_d, df.mul(f_df, (-e[0], -e[1])))
        whole_start = k * jnp.minimum(j - 1, 31) <= first_twos
        return gap[0] + gap[1] >= jnp.where(whole_start, -0.5 * d_hi, 0.0)

    # The float32 guess is within about L * 2**-21 of the true index L (at most 2**31):
    # start below it, and walk up at most _MAX_WALK cycles (a bound that also ends the loop
    # for values no constructor would accept, e.g. inside a vmap over unchecked leaves).
    # log1p(m - 1), not log(m): near m = 1, float32 log loses its relative precision.
    logs = jnp.log1p(t_f / first_f * d_hi) / jnp.log1p(d_hi)
    guess = jnp.floor(logs * (1 - 2.0**-20)) - 1
    j = jnp.clip(jnp.where(jnp.isfinite(guess), guess, 0), 0, 2**30).astype(jnp.int32)
    e = _power_minus_one(d, j)

    def walk(state: tuple) -> tuple:
        j, e, e_next, go, count = state
        j = jnp.where(go, j + 1, j)
        e = tuple(jnp.where(go, n, o) for n, o in zip(e_next, e, strict=True))
        e_next = _grow(e, d)
        return j, e, e_next, go & reached(j + 1, e_next), count + 1

    e_next = _grow(e, d)
    start = (j, e, e_next, reached(j + 1, e_next), 0)
    j, e, e_next, *_ = lax.while_loop(lambda s: jnp.any(s[3]) & (s[4] < _MAX_WALK), walk, start)
    gap = df.add(t_d, df.mul(f_df, (-e[0], -e[1])))
    to_go = df.add(df.mul(f_df, e_next), (-t_d[0], -t_d[1]))
    length_d = df.mul(f_df, df.add(d, df.mul(d, e)))  # F (m - 1) m**j
    exact, left = (
        jnp.clip((x[0] + x[1]) / length_d[0] * (1 - length_d[1] / length_d[0]), 0.0, 1.0)
        for x in (gap, to_go)
    )
    # Gradient (with respect to growth) from the closed form; value from the exact gap.
    j_f, m = j.astype(jnp.float32), smooth_growth
    smooth = (t_f - first_f * jnp.expm1(j_f * jnp.log1p(m - 1)) / (m - 1)) / (first_f * m**j_f)
    return (
        j,
        exact + (smooth - lax.stop_gradient(smooth)),
        left - (smooth - lax.stop_gradient(smooth)),
    )


def _whole_starts(first: jax.Array, mult: jax.Array) -> list[tuple[jax.Array, jax.Array]]:
    """``(S_i - 1, S_i)`` for ``i = 1 .. 31``, with ``S_i - 1 = 2**31 - 1`` once ``S_i`` is past it.

    ``S_{i+1} = mult S_i + first`` in saturating int32. A step reaches cycle ``i`` when it is
    above ``S_i - 1``: no int32 step is above ``2**31 - 1``, so a start past it is never
    reached, while a start at exactly ``2**31 - 1`` (``first = 1``, ``mult = 2``) still is.
    """
    limit = (INT32_MAX - first) // jnp.maximum(mult, 1)
    start = jnp.zeros(jnp.broadcast_shapes(jnp.shape(first), jnp.shape(mult)), jnp.int32)
    starts = []
    for _ in range(31):
        past = start > limit
        start = jnp.where(past, INT32_MAX, start * mult + first)
        starts.append((jnp.where(past, INT32_MAX, start - 1), start))
    return starts


def _whole_cycle(step: jax.Array, first: jax.Array, mult: jax.Array) -> tuple:
    """Cycle index and offset for lengths ``first * mult**i`` with an integer ``mult >= 2``.

    Cycle ``i`` starts at ``S_i = first * (1 + mult + ... + mult**(i-1))``. The index is the
    number of starts ``S_1 .. S_31`` that ``step`` has reached, exact at every restart up to
    ``2**31 - 1``. The starts depend on the hyperparameters alone (computed once for a
    scalar ``mult``), leaving 31 independent comparisons and selections per step. On a
    1e7-step curve (CPU) that is about 1.5-2x the copy floor; building the starts per step
    from ``step // first`` in a dependent loop was 4-5x, and a float32 logarithm guess
    corrected exactly (by int32 powering, or by looking the starts up) 2-3.5x.
    """
    index = jnp.zeros(jnp.shape(step), jnp.int32)
    start = jnp.zeros(jnp.shape(step), jnp.int32)
    following = jnp.full(jnp.shape(step), INT32_MAX, jnp.int32)
    for before, at in _whole_starts(first, mult):
        reached = step > before
        index = index + reached.astype(jnp.int32)
        start = jnp.where(reached, at, start)
        following = jnp.where(reached, following, jnp.minimum(following, at))
    return index, step - start, following - step


def growing_cycles(step: jax.Array, first_steps: Any, mult: Any) -> tuple:
    """The cycle index (int32), the position in it and the fraction of it still to go
    (both in ``[0, 1]``, from integers or double-float gaps, so that each keeps its
    relative precision near 0) for lengths ``F m**i``.

    ``m == 1`` is plain periods, a whole ``m`` uses integer cycle starts and a fractional
    ``m`` the double-float test of the module doc, with ``m`` as written where it is
    concrete (what its float32 misses is a host constant) and its float32 otherwise. The
    unselected cases get a harmless ``m`` so that neither their values nor their
    gradients can be NaN. The index stays an integer: near ``m = 1`` there can be more
    than ``2**24`` cycles.
    """
    rounding = host_constant(lambda m: m - m.astype(np.float32), mult)
    return _growing_cycles(step, first_steps, mult, (0.0, 0.0) if rounding is None else rounding)


@jax.jit  # compiled once per shape: an eager call would otherwise recompile the loops
def _growing_cycles(
    step: jax.Array, first_steps: Any, mult: Any, rounding: tuple[Any, Any]
) -> tuple:
    first = i32(first_steps)
    growth = f32(mult)
    is_one, is_whole = growth == 1, (growth == jnp.round(growth)) & (rounding[0] == 0)
    to_go = (first - step % first).astype(jnp.float32) / first.astype(jnp.float32)
    periodic = (
        step // first,
        (step % first).astype(jnp.float32) / first.astype(jnp.float32),
        to_go,
    )
    whole_growth = jnp.where(is_whole & ~is_one, growth, 2.0)
    index, offset, following = _whole_cycle(step, first, jnp.round(whole_growth).astype(jnp.int32))
    length = first.astype(jnp.float32) * whole_growth ** index.astype(jnp.float32)
    # The last cycle that starts before 2**31 may end past it: no int32 holds its end.
    whole_left = jnp.where(
        following < INT32_MAX - step,
        following.astype(jnp.float32),
        length - offset.astype(jnp.float32),
    )
    whole = (
        index,
        jnp.minimum(offset.astype(jnp.float32) / length, 1.0),
        jnp.minimum(whole_left / length, 1.0),
    )
    # Only a fractional multiplier needs the double-float search: skip it otherwise (a real
    # branch for a scalar multiplier; under vmap over multipliers both sides run).
    fractional = lax.cond(
        jnp.any(~is_whole & ~is_one),
        lambda: _fractional_cycle(
            step,
            first,
            jnp.where(is_whole | is_one, 1.5, growth),
            tuple(jnp.where(is_whole | is_one, 0.0, r) for r in rounding),
        ),
        lambda: (
            jnp.zeros(jnp.shape(whole[0]), jnp.int32),
            jnp.zeros(jnp.shape(whole[1]), jnp.float32),
            jnp.zeros(jnp.shape(whole[1]), jnp.float32),
        ),
    )
    return tuple(
        jnp.where(is_one, a, jnp.where(is_whole, b, c))
        for a, b, c in zip(periodic, whole, fractional, strict=True)
    )


def cycle_start(first_steps: int, mult: float, index: int) -> int:
    """The update at which cycle ``index`` starts: :math:`\\lceil S_i \\rceil`, in Python.

    Exact (rational arithmetic on ``mult`` as written, as the schedule's values) unless
    the start is far past ``2**31`` or needs more than 4096 cycles, where float64 is used.
    """
    m = float(mult)
    if m == 1:
        return first_steps * index
    estimate = first_steps * math.expm1(index * math.log(m)) / (m - 1)
    if estimate > 2.0**33 or index > 4096:
        return math.ceil(estimate)
    exact = Fraction(first_steps) * (Fraction(m) ** index - 1) / (Fraction(m) - 1)
    return math.ceil(exact)
