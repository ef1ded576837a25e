"""Piecewise interpolation between values at given steps, and optax's one-cycle schedules."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field, records_call
from jaxsched.core._numerics import f32, i32
from jaxsched.core._schedule import Schedule
from jaxsched.schedules._onecycle import check_onecycle_levels
from jaxsched.schedules._piecewise import intervals_passed, lookup, scaled_levels

INTERPOLATIONS = ("linear", "cosine")


class PiecewiseInterpolate(Schedule):
    r"""Interpolates between ``values[i]`` at ``steps[i]``, linearly or along a half cosine.

    For :math:`s_i \le t < s_{i+1}`, with :math:`p = (t - s_i) / (s_{i+1} - s_i)` (the
    interval found by an exact integer search),

    .. math::
      v(t) = v_i + (v_{i+1} - v_i)\, p \quad\text{(linear)}, \qquad
      v(t) = v_{i+1} + \tfrac12 (v_i - v_{i+1}) (1 + \cos \pi p) \quad\text{(cosine)}

    Before the first step the value is ``values[0]``; from the last step on it is
    ``values[-1]``. The values are absolute; :meth:`from_scales` builds optax's form, in
    which each boundary multiplies the value before it.

    Args:
      steps: strictly increasing steps (knots).
      values: the value at each knot, as many as ``steps``.
      interpolation: ``"linear"`` or ``"cosine"``.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.PiecewiseInterpolate([0, 10, 30], [0.0, 1.0, 0.5])
      >>> s(5), s(10), s(20), s(99)
      (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.75, dtype=float32), Array(0.5, dtype=float32))

    References:
      ``optax.piecewise_interpolate_schedule``.
    """

    steps: Sequence[int] | jax.Array = field(check.step_sequence, strict=True)
    values: Sequence[float] | jax.Array = field(check.level_sequence)
    interpolation: str = field(check.choice, static=True, default="linear", options=INTERPOLATIONS)

    def _check(self) -> None:
        if not check.concrete((self.steps, self.values)):
            return
        if len(self.steps) == 0:
            raise check.fail("PiecewiseInterpolate", "steps", self.steps, "must not be empty")
        if len(self.values) != len(self.steps):
            raise check.fail(
                "PiecewiseInterpolate",
                "values",
                self.values,
                f"must have one entry per step ({len(self.steps)})",
            )

    @classmethod
    def from_scales(
        cls,
        interpolation: str,
        init_value: ArrayLike,
        boundaries_and_scales: Mapping[int, ArrayLike],
    ) -> PiecewiseInterpolate:
        r"""optax's form: knots at 0 and each boundary, values multiplied by the scales.

        .. math:: s = (0, b_1, \dots, b_n), \qquad v_j = I \prod_{i \le j} c_i

        A boundary at 0 applies its scale from step 0. Same arguments and values as
        ``optax.piecewise_interpolate_schedule``.

        Example:
          >>> import jaxsched
          >>> s = jaxsched.PiecewiseInterpolate.from_scales("linear", 1.0, {10: 0.5})
          >>> s(5), s(10)
          (Array(0.75, dtype=float32), Array(0.5, dtype=float32))
        """
        owner = "PiecewiseInterpolate.from_scales"
        interpolation = check.choice(owner, "interpolation", interpolation, INTERPOLATIONS)
        boundaries, values = scaled_levels(owner, init_value, boundaries_and_scales)
        knots = [0, *boundaries]
        if boundaries and boundaries[0] == 0:  # a scale at step 0 applies from the start
            knots, values = knots[1:], values[1:]
        return cls(knots, values, interpolation)

    def _value(self, step: jax.Array) -> jax.Array:
        knots, values = i32(self.steps), f32(self.values)
        last = knots.shape[0] - 1
        upper = jnp.clip(intervals_passed(step, knots), 1, max(last, 1))
        lower = upper - 1
        knot_lower, knot_upper = lookup(knots, lower), lookup(knots, upper)
        width = jnp.maximum(knot_upper - knot_lower, 1).astype(jnp.float32)
        # The fractions done and to go, each from integers: the value keeps its relative
        # precision at both ends of a segment, rising or falling, however long.
        done = jnp.clip((step - knot_lower).astype(jnp.float32) / width, 0.0, 1.0)
        left = jnp.clip((knot_upper - step).astype(jnp.float32) / width, 0.0, 1.0)
        start, end = lookup(values, lower), lookup(values, upper)
        if self.interpolation == "cosine":  # (1 -+ cos(pi done)) / 2 as sin**2
            done, left = jnp.sin(0.5 * jnp.pi * done) ** 2, jnp.sin(0.5 * jnp.pi * left) ** 2
        value = start * left + end * done
        return jnp.where(step >= knots[last], values[last], value)

    def _horizon(self) -> int | None:
        return int(self.steps[-1])


def _onecycle_knots(
    owner: str,
    transition_steps: int,
    peak_value: ArrayLike,
    div_factor: float,
    final_div_factor: float,
    **fractions: float,
) -> list[int]:
    """Checks the one-cycle arguments; gives the knots ``0, int(f * T) for each fraction, T``.

    The knots must be strictly increasing, and the start and floor values finite.
    """
    total = check.steps(owner, "transition_steps", transition_steps, positive=True)
    check.level(owner, "peak_value", peak_value)
    for name, factor in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
        check.real(owner, name, factor, minimum=0, exclusive=True)
    check_onecycle_levels(owner, peak_value, div_factor, final_div_factor)
    for name, fraction in fractions.items():
        check.real(owner, name, fraction, minimum=0, maximum=1)
    knots = [0, *(int(f * total) for f in fractions.values()), total]
    if any(a >= b for a, b in itertools.pairwise(knots)):
        raise ValueError(
            f"{owner}: the phases fall on steps {knots}, so one has zero length. Use a longer "
            f"transition_steps or move {', '.join(fractions)}."
        )
    return knots


@records_call
def linear_onecycle(
    transition_steps: int,
    peak_value: ArrayLike,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> PiecewiseInterpolate:
    r"""optax's three-phase linear one-cycle: up, down, then an annihilation phase.

    Knots at :math:`0, \lfloor p_s T \rfloor, \lfloor p_f T \rfloor, T` with values
    :math:`P/\delta, P, P/\delta, P/(\delta \phi)` (:math:`\delta` = ``div_factor``,
    :math:`\phi` = ``final_div_factor``), linear in between; the value holds after
    :math:`T`. Same arguments and values as ``optax.linear_onecycle_schedule``, whose peak
    sits at :math:`\lfloor p_s T \rfloor`, one update later than PyTorch's ``OneCycleLR``
    (:class:`jaxsched.OneCycle`). Knots that collide raise (optax merges them silently).

    Args:
      transition_steps: :math:`T > 0`.
      peak_value: :math:`P`.
      pct_start: fraction of :math:`T` spent rising.
      pct_final: fraction of :math:`T` at which the descent ends.
      div_factor: :math:`\delta`, so the start is :math:`P/\delta`.
      final_div_factor: :math:`\phi`, so the end is :math:`P/(\delta\phi)`.

    Returns:
      A :class:`PiecewiseInterpolate`.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.linear_onecycle(100, 1.0)
      >>> s(0), s(30), s(85), s(100)
      (Array(0.04, dtype=float32), Array(1., dtype=float32), Array(0.04, dtype=float32), Array(4.e-06, dtype=float32))
    """
    knots = _onecycle_knots(
        "linear_onecycle",
        transition_steps,
        peak_value,
        div_factor,
        final_div_factor,
        pct_start=pct_start,
        pct_final=pct_final,
    )
    start = peak_value / div_factor
    values = [start, peak_value, start, start / final_div_factor]
    return PiecewiseInterpolate(knots, values, "linear")


@records_call
def cosine_onecycle(
    transition_steps: int,
    peak_value: ArrayLike,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> PiecewiseInterpolate:
    r"""optax's two-phase cosine one-cycle: a half cosine up, then a half cosine down.

    Knots at :math:`0, \lfloor p_s T \rfloor, T` with values
    :math:`P/\delta, P, P/(\delta\phi)`; the value holds after :math:`T`. Same arguments
    and values as ``optax.cosine_onecycle_schedule`` (its peak sits one update later than
    PyTorch's, see :class:`jaxsched.OneCycle`). A phase of zero length raises (optax
    returns NaN at every step then).

    Args:
      transition_steps: :math:`T > 0`.
      peak_value: :math:`P`.
      pct_start: fraction of :math:`T` spent rising.
      div_factor: :math:`\delta`.
      final_div_factor: :math:`\phi`.

    Returns:
      A :class:`PiecewiseInterpolate`.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.cosine_onecycle(100, 1.0)
      >>> s(0), s(30), s(100)
      (Array(0.04, dtype=float32), Array(1., dtype=float32), Array(4.e-06, dtype=float32))
    """
    knots = _onecycle_knots(
        "cosine_onecycle",
        transition_steps,
        peak_value,
        div_factor,
        final_div_factor,
        pct_start=pct_start,
    )
    start = peak_value / div_factor
    return PiecewiseInterpolate(knots, [start, peak_value, start / final_div_factor], "cosine")
