"""Constant, linear and polynomial schedules."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._exact import exact_fractional_power, remaining
from jaxsched.core._numerics import f32, i32, lerp
from jaxsched.core._schedule import Schedule


class Polynomial(Schedule):
    r"""Polynomial interpolation from ``init_value`` to ``end_value``, then hold.

    With :math:`c = \mathrm{clip}(t - B, 0, T)` computed in integers,

    .. math:: v(t) = (I - E)\,(1 - c / T)^{p} + E

    so the value is :math:`I` up to step :math:`B`, reaches :math:`E` at step
    :math:`B + T` and stays there. Same values as ``optax.polynomial_schedule``; unlike
    optax, a non-positive ``transition_steps`` raises instead of silently giving a
    constant.

    With ``cycle=True`` (Keras' ``PolynomialDecay(cycle=True)``) the span grows instead
    of ending: with :math:`d = \max(t - B, 0)` and :math:`k = \max(1, \lceil d / T \rceil)`,

    .. math:: v(t) = (I - E)\,(1 - d / (kT))^{p} + E

    which is **not periodic**: it touches :math:`E` at every multiple of :math:`T` and then
    jumps back to about :math:`E + (I - E)(1/(k+1))^{p}`, a lower peak each time.

    Args:
      init_value: :math:`I`, the value up to ``transition_begin``.
      end_value: :math:`E`, the value from ``transition_begin + transition_steps`` on.
      power: :math:`p`, the exponent of the polynomial (``1`` is linear).
      transition_steps: :math:`T > 0`, the number of updates the transition lasts.
      transition_begin: :math:`B \ge 0`, the update at which the transition starts.
      cycle: Keras' growing span, as above.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Polynomial(1.0, 0.0, power=2, transition_steps=10)
      >>> s(5), s(10), s(100)
      (Array(0.25, dtype=float32), Array(0., dtype=float32), Array(0., dtype=float32))
      >>> s = jaxsched.Polynomial(1.0, 0.0, power=1, transition_steps=100, cycle=True)
      >>> s(100), s(150), s(200), s(201)
      (Array(0., dtype=float32), Array(0.25, dtype=float32), Array(0., dtype=float32), Array(0.33, dtype=float32))

    References:
      ``optax.polynomial_schedule``; ``keras.optimizers.schedules.PolynomialDecay``.
    """

    init_value: ArrayLike = field(check.level)
    end_value: ArrayLike = field(check.level)
    power: ArrayLike = field(check.real, minimum=0, exclusive=True)
    transition_steps: ArrayLike = field(check.steps, positive=True, fix=check.CONSTANT_HINT)
    transition_begin: ArrayLike = field(check.steps, default=0)
    cycle: bool = field(check.flag, static=True, default=False)

    def _value(self, step: jax.Array) -> jax.Array:
        if self.cycle:
            left = _cycle_remaining(step, self.transition_begin, self.transition_steps)
        else:
            left = remaining(step, self.transition_begin, self.transition_steps)
        return lerp(
            f32(self.end_value), f32(self.init_value), exact_fractional_power(left, self.power)
        )

    def _horizon(self) -> int | None:
        if self.cycle:
            return None
        return int(self.transition_begin) + int(self.transition_steps)


def _cycle_remaining(step: jax.Array, begin: Any, length: Any) -> jax.Array:
    """``1 - d / (k T)`` with ``k = max(1, ceil(d / T))``, from integers only.

    ``k T - d`` is ``T - d mod T`` inside a span, ``0`` at its end and ``T`` at ``d = 0``;
    forming ``k T`` itself could overflow int32 near ``2**31``.
    """
    elapsed = jnp.maximum(step - i32(begin), 0)
    length = i32(length)
    rest = elapsed % length
    spans = jnp.maximum(elapsed // length + (rest > 0).astype(jnp.int32), 1)
    left = jnp.where(rest > 0, length - rest, jnp.where(elapsed == 0, length, 0))
    return left.astype(jnp.float32) / (length.astype(jnp.float32) * spans.astype(jnp.float32))


class Linear(Schedule):
    r"""Linear interpolation from ``init_value`` to ``end_value``, then hold.

    With :math:`c = \mathrm{clip}(t - B, 0, T)` computed in integers,

    .. math:: v(t) = (I - E)\,(1 - c / T) + E

    Same values as ``optax.linear_schedule``. Used as a warmup
    from 0 it spends update 0 at ``init_value``; see :class:`jaxsched.Warmup` for a ramp
    that starts at the first step.

    Args:
      init_value: :math:`I`, the value up to ``transition_begin``.
      end_value: :math:`E`, the value from ``transition_begin + transition_steps`` on.
      transition_steps: :math:`T > 0`, the number of updates the transition lasts.
      transition_begin: :math:`B \ge 0`, the update at which the transition starts.

    Returns:
      A schedule value.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.Linear(0.0, 1.0, transition_steps=4)
      >>> s(jnp.arange(6))
      Array([0.  , 0.25, 0.5 , 0.75, 1.  , 1.  ], dtype=float32)

    References:
      ``optax.linear_schedule``.
    """

    init_value: ArrayLike = field(check.level)
    end_value: ArrayLike = field(check.level)
    transition_steps: ArrayLike = field(check.steps, positive=True, fix=check.CONSTANT_HINT)
    transition_begin: ArrayLike = field(check.steps, default=0)

    def _value(self, step: jax.Array) -> jax.Array:
        left = remaining(step, self.transition_begin, self.transition_steps)
        return lerp(f32(self.end_value), f32(self.init_value), left)

    def _horizon(self) -> int | None:
        return int(self.transition_begin) + int(self.transition_steps)
