"""Exponential, natural-exponential and inverse-time decay (the TF1 / optax family)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxsched.core import _doublefloat as df
from jaxsched.core import _exact as exact
from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import f32, i32
from jaxsched.core._schedule import Schedule


def decay_progress(step: jax.Array, begin: Any, period: Any, staircase: bool) -> jax.Array:
    """``(t - begin) / period`` as float32, floored when ``staircase``; 0 before ``begin``.

    Quotient and remainder are integer arithmetic, so the staircase index is exact for
    every step up to ``2**31 - 1`` (optax, Keras and TF divide float32 steps and get it
    wrong past about ``2**24``).
    """
    elapsed = jnp.maximum(step - i32(begin), 0)
    period = i32(period)
    whole = (elapsed // period).astype(jnp.float32)
    if staircase:
        return whole
    return whole + (elapsed % period).astype(jnp.float32) / period.astype(jnp.float32)


def _log_growth_to_cap(init: jax.Array, end: jax.Array) -> jax.Array:
    """``log(end / init)``, the exponent at which a growth reaches its cap, clipped to
    ``[0, log(FLOAT32_MAX * 2**-40)]`` (so that ``e**x`` and its derivative stay finite),
    without gradient."""
    to_cap = jnp.log(jnp.where(init > 0, end / jnp.where(init > 0, init, 1.0), jnp.inf))
    return lax.stop_gradient(jnp.clip(to_cap, 0, jnp.log(check.FLOAT32_MAX * 2.0**-40)))


def exact_exponent(
    step: jax.Array,
    begin: Any,
    period: Any,
    staircase: bool,
    per_period: Callable[..., Any],
    *hyperparams: Any,
) -> tuple[df.DoubleFloat, df.DoubleFloat] | None:
    """``p * per_period(*hyperparams)``, with ``p`` the progress of :func:`decay_progress`,
    as a double-float exact to about 48 bits, and the per-update (or per-stair) factor.

    ``per_period`` (``log(rate)``, say) is computed in float64 from the hyperparameters as
    written and divided by ``period`` on the host, so the product with the integer count
    loses nothing a float64 formula keeps. ``None`` where the hyperparameters are traced.
    """

    def per_count(period: Any, *values: Any) -> Any:
        return per_period(*values) if staircase else per_period(*values) / period

    factor = exact.host_constant(per_count, period, *hyperparams)
    if factor is None:
        return None
    elapsed = jnp.maximum(step - i32(begin), 0)
    count = elapsed // i32(period) if staircase else elapsed
    return df.mul(df.from_int(count), factor), factor


class ExponentialDecay(Schedule):
    r"""Exponential decay, continuous or in a staircase, with an optional delay and floor.

    With :math:`d = \max(t - B, 0)` and :math:`p = d / T` (:math:`\lfloor d / T \rfloor`
    when ``staircase``), computed from the integer quotient and remainder,

    .. math:: v(t) = I \cdot r^{p}

    clamped at ``end_value`` :math:`E` when given (from below if :math:`r < 1`, from
    above if :math:`r > 1`). Same values as ``optax.exponential_decay``. Departures:
    ``decay_rate`` must be positive (optax silently turns ``0`` into a constant), a rate
    above 1 needs ``end_value`` (it would overflow to ``inf``), and the staircase flips at
    exactly ``k * transition_steps`` at every step up to ``2**31 - 1``.

    Args:
      init_value: :math:`I`, the value up to ``transition_begin``.
      transition_steps: :math:`T > 0`, the updates over which the value is multiplied
        by ``decay_rate`` once.
      decay_rate: :math:`r > 0`.
      transition_begin: :math:`B \ge 0`, the update at which the decay starts.
      staircase: decay in discrete jumps every ``transition_steps`` updates.
      end_value: optional floor (or ceiling when ``decay_rate > 1``).

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.ExponentialDecay(1.0, transition_steps=25, decay_rate=0.5, staircase=True)
      >>> s(24), s(25), s(50)
      (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.25, dtype=float32))

    References:
      ``optax.exponential_decay``; ``keras.optimizers.schedules.ExponentialDecay``;
      ``tf.compat.v1.train.exponential_decay``.
    """

    init_value: ArrayLike = field(check.level)
    transition_steps: ArrayLike = field(check.steps, positive=True, fix=check.CONSTANT_HINT)
    decay_rate: ArrayLike = field(check.real, minimum=0, exclusive=True)
    transition_begin: ArrayLike = field(check.steps, default=0)
    staircase: bool = field(check.flag, static=True, default=False)
    end_value: ArrayLike | None = field(check.level, default=None)

    def _check(self) -> None:
        rate = self.decay_rate
        if self.end_value is None and check.concrete(rate) and np.any(np.asarray(rate) > 1):
            raise check.fail(
                "ExponentialDecay",
                "decay_rate",
                rate,
                "above 1 grows without bound (inf at large steps)",
                "Set end_value to cap it.",
            )

    def _value(self, step: jax.Array) -> jax.Array:
        init = f32(self.init_value)
        found = exact_exponent(
            step, self.transition_begin, self.transition_steps, self.staircase, np.log,
            self.decay_rate,
        )  # fmt: skip
        if found is None:
            return self._float32_value(step, init)
        exponent, log_rate = found
        if self.end_value is None:
            return init * df.exp(exponent)
        end = f32(self.end_value)
        grows = log_rate[0] > 0
        # Stop a growth where it reaches the cap, before exp overflows (inf * 0 is NaN in
        # the gradient with respect to init_value).
        stop = _log_growth_to_cap(init, end)
        capped = grows & (exponent[0] > stop)
        exponent = (jnp.where(capped, stop, exponent[0]), jnp.where(capped, 0.0, exponent[1]))
        value = init * df.exp(exponent)
        return jnp.where(grows, jnp.minimum(value, end), jnp.maximum(value, end))

    def _float32_value(self, step: jax.Array, init: jax.Array) -> jax.Array:
        """The value from float32 hyperparameters (traced ones): ``I r**p``."""
        p = decay_progress(step, self.transition_begin, self.transition_steps, self.staircase)
        rate = f32(self.decay_rate)
        if self.end_value is None:
            return init * rate**p
        end = f32(self.end_value)
        # A growth (rate > 1, which requires end_value) would overflow rate**p, and an
        # inf or its derivative poisons the gradient even where the cap is selected: stop
        # the progress where the value reaches the cap, or where rate**p (and p rate**p)
        # would leave float32, whichever comes first.
        grows = rate > 1
        log_rate = jnp.log(jnp.where(grows, rate, 2.0))
        stop = lax.stop_gradient(_log_growth_to_cap(init, end) / log_rate)
        value = init * rate ** jnp.where(grows, jnp.minimum(p, stop), p)
        return jnp.where(rate < 1, jnp.maximum(value, end), jnp.minimum(value, end))

    def _horizon(self) -> int | None:
        return None


class NaturalExpDecay(Schedule):
    r"""Natural exponential decay (TF1 ``natural_exp_decay``).

    With :math:`p = t / T` (:math:`\lfloor t / T \rfloor` when ``staircase``),

    .. math:: v(t) = I \cdot e^{-k p}

    computed as written (the TF 1.x formula). TF 2.x's wrapper computes
    :math:`I \cdot \mathrm{f32}(e^{-k})^{p}` instead, which drifts from the exact value
    by about ``5e-6`` relative at :math:`p = 1000`.

    Args:
      init_value: :math:`I`, the value at step 0.
      decay_steps: :math:`T > 0`.
      decay_rate: :math:`k \ge 0`.
      staircase: decay in discrete jumps every ``decay_steps`` updates.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.NaturalExpDecay(1.0, decay_steps=10, decay_rate=1.0)
      >>> s(10)
      Array(0.36787945, dtype=float32)

    References:
      ``tf.compat.v1.train.natural_exp_decay``.
    """

    init_value: ArrayLike = field(check.level)
    decay_steps: ArrayLike = field(check.steps, positive=True)
    decay_rate: ArrayLike = field(check.real, minimum=0)
    staircase: bool = field(check.flag, static=True, default=False)

    def _value(self, step: jax.Array) -> jax.Array:
        found = exact_exponent(
            step, 0, self.decay_steps, self.staircase, np.negative, self.decay_rate
        )
        if found is not None:
            return f32(self.init_value) * df.exp(found[0])
        p = decay_progress(step, 0, self.decay_steps, self.staircase)
        return f32(self.init_value) * jnp.exp(-f32(self.decay_rate) * p)

    def _horizon(self) -> int | None:
        return None


class InverseTimeDecay(Schedule):
    r"""Inverse-time decay (Keras ``InverseTimeDecay``, TF1 ``inverse_time_decay``).

    With :math:`p = t / T` (:math:`\lfloor t / T \rfloor` when ``staircase``),

    .. math:: v(t) = \frac{I}{1 + k p}

    Args:
      init_value: :math:`I`, the value at step 0.
      decay_steps: :math:`T > 0`.
      decay_rate: :math:`k \ge 0`.
      staircase: decay in discrete jumps every ``decay_steps`` updates.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.InverseTimeDecay(1.0, decay_steps=10, decay_rate=1.0)
      >>> s(10), s(30)
      (Array(0.5, dtype=float32), Array(0.25, dtype=float32))

    References:
      ``keras.optimizers.schedules.InverseTimeDecay``.
    """

    init_value: ArrayLike = field(check.level)
    decay_steps: ArrayLike = field(check.steps, positive=True)
    decay_rate: ArrayLike = field(check.real, minimum=0)
    staircase: bool = field(check.flag, static=True, default=False)

    def _value(self, step: jax.Array) -> jax.Array:
        p = decay_progress(step, 0, self.decay_steps, self.staircase)
        return f32(self.init_value) / (1 + f32(self.decay_rate) * p)

    def _horizon(self) -> int | None:
        return None
