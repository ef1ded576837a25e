"""TF Model Garden's power decays: ``I * max(t, 1)**p`` with an offset, a cap or a linear end."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._exact import exact_fractional_power
from jaxsched.core._numerics import INT32_MAX, f32, i32
from jaxsched.core._schedule import Schedule


def _power(init_value: ArrayLike, shifted: jax.Array, power: ArrayLike) -> jax.Array:
    """``I * max(s, 1)**p`` with the clamp in integers."""
    base = jnp.maximum(shifted, 1).astype(jnp.float32)
    return f32(init_value) * exact_fractional_power(base, power)


_TINY = float(np.finfo(np.float32).tiny)


def _linear_steps(total: ArrayLike, fraction: ArrayLike) -> Any:
    """``T f``, the linear part's length, in float32: from float64 for concrete numbers,
    where a fraction below float32's normal range (which XLA flushes to 0) still counts."""
    if check.concrete((total, fraction)):
        return np.float32(np.asarray(total, np.float64) * np.asarray(fraction, np.float64))
    return i32(total).astype(jnp.float32) * f32(fraction)


_POWER = {"maximum": 1, "fix": "A power above 1 overflows float32 within 2**31 steps."}


def _check_growth(owner: str, init_value: ArrayLike, power: ArrayLike) -> None:
    """A positive power grows the value up to ``I (2**31 - 1)**p``: it must stay finite."""
    if check.concrete((init_value, power)):
        growth = INT32_MAX ** max(check.largest(power), 0.0)
        check.representable(
            owner, "init_value * (2**31 - 1)**power", check.largest(init_value) * growth
        )


class DirectPowerDecay(Schedule):
    r"""Power decay: :math:`v(t) = I \max(t, 1)^{p}` (Model Garden's ``DirectPowerDecay``).

    ``power=-0.5`` is the rsqrt decay (Model Garden's config default); update 0 uses
    the same value as update 1.

    Args:
      init_value: :math:`I`.
      power: :math:`p \le 1`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.DirectPowerDecay(1.0, power=-0.5)
      >>> s(0), s(1), s(4), s(100)
      (Array(1., dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.1, dtype=float32))

    References:
      TF Model Garden ``official/modeling/optimization/lr_schedule.py``.
    """

    init_value: ArrayLike = field(check.level)
    power: ArrayLike = field(check.real, **_POWER)

    def _check(self) -> None:
        _check_growth("DirectPowerDecay", self.init_value, self.power)

    def _value(self, step: jax.Array) -> jax.Array:
        return _power(self.init_value, step, self.power)

    def _horizon(self) -> int | None:
        return None


class PowerAndLinearDecay(Schedule):
    r"""Power decay that turns into a linear decay to 0 over the last part of the run.

    With :math:`s = t - k` (the offset), :math:`T` = ``total_decay_steps`` and
    :math:`L = f T` (``linear_decay_fraction``),

    .. math:: v(t) = \max\left(0,\ I \max(s, 1)^{p} \min\left(1, \frac{T - s}{L}\right)\right)

    so the value is 0 from :math:`s = T` on. With :math:`f = 0` it is the plain power
    decay. Same values as Model Garden's ``PowerAndLinearDecay``.

    Args:
      init_value: :math:`I`.
      total_decay_steps: :math:`T > 0`.
      power: :math:`p \le 1`.
      linear_decay_fraction: :math:`f \in [0, 1]`.
      offset: :math:`k \ge 0`; steps before it use :math:`s \le 0`, i.e. :math:`I`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.PowerAndLinearDecay(1.0, total_decay_steps=100, power=-0.5)
      >>> s(4), s(90), s(95), s(100)
      (Array(0.5, dtype=float32), Array(0.10540926, dtype=float32), Array(0.05129892, dtype=float32), Array(0., dtype=float32))

    References:
      TF Model Garden ``official/modeling/optimization/lr_schedule.py``.
    """

    init_value: ArrayLike = field(check.level)
    total_decay_steps: ArrayLike = field(check.steps, positive=True)
    power: ArrayLike = field(check.real, **_POWER)
    linear_decay_fraction: ArrayLike = field(check.real, default=0.1, minimum=0, maximum=1)
    offset: ArrayLike = field(check.steps, default=0)

    def _check(self) -> None:
        _check_growth("PowerAndLinearDecay", self.init_value, self.power)

    def _value(self, step: jax.Array) -> jax.Array:
        shifted = step - i32(self.offset)
        value = _power(self.init_value, shifted, self.power)
        total = i32(self.total_decay_steps)
        linear_steps = _linear_steps(self.total_decay_steps, self.linear_decay_fraction)
        # Steps before the offset are far from the end: the linear factor is 1 there,
        # and clamping them at 0 keeps total - s inside int32. Past the end nothing is
        # left: a negative rest over a tiny linear part would be -inf, and 0 * -inf NaN.
        left = jnp.maximum(total - jnp.maximum(shifted, 0), 0).astype(jnp.float32)
        # A linear part shorter than the smallest normal float32 is none: XLA flushes
        # subnormals to 0, and 0 / 0 would be NaN.
        linear = linear_steps >= _TINY
        factor = jnp.minimum(1.0, left / jnp.where(linear, linear_steps, 1.0))
        return jnp.where(linear, jnp.maximum(0.0, value * factor), value)

    def _horizon(self) -> int | None:
        if np.all(_linear_steps(self.total_decay_steps, self.linear_decay_fraction) >= _TINY):
            return int(self.offset) + int(self.total_decay_steps)
        return None


class PowerDecayWithOffset(Schedule):
    r"""A constant until ``offset``, then a power decay capped at that constant.

    .. math::
      v(t) = \begin{cases} Q & t \le k \\ \min\left(Q,\ I \max(t - k, 1)^{p}\right) & t > k
      \end{cases}

    Same values as Model Garden's ``PowerDecayWithOffset`` (which also holds :math:`Q` at
    :math:`t = k`, although its docstring says :math:`t < k`). Model Garden defaults
    ``offset=0`` and ``pre_offset_learning_rate=1e6``, which gives 1e6 at update 0;
    here both are required.

    Args:
      init_value: :math:`I`.
      power: :math:`p \le 1`.
      offset: :math:`k \ge 0`.
      pre_offset_value: :math:`Q`, the value up to :math:`k` and the cap after it.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.PowerDecayWithOffset(1.0, -0.5, offset=10, pre_offset_value=0.7)
      >>> s(10), s(11), s(14)
      (Array(0.7, dtype=float32), Array(0.7, dtype=float32), Array(0.5, dtype=float32))

    References:
      TF Model Garden ``official/modeling/optimization/lr_schedule.py``.
    """

    init_value: ArrayLike = field(check.level)
    power: ArrayLike = field(check.real, **_POWER)
    offset: ArrayLike = field(check.steps)
    pre_offset_value: ArrayLike = field(check.level)

    def _check(self) -> None:
        _check_growth("PowerDecayWithOffset", self.init_value, self.power)

    def _value(self, step: jax.Array) -> jax.Array:
        offset, cap = i32(self.offset), f32(self.pre_offset_value)
        after = jnp.minimum(_power(self.init_value, step - offset, self.power), cap)
        return jnp.where(step <= offset, cap, after)

    def _horizon(self) -> int | None:
        return None
