"""Cosine decay."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._exact import exact_fractional_power, remaining
from jaxsched.core._numerics import f32, lerp
from jaxsched.core._schedule import Schedule


def check_one_floor(
    owner: str,
    alpha: ArrayLike | None,
    end_value: ArrayLike | None,
    *,
    fraction_name: str = "alpha",
) -> None:
    """The floor is given once: as a fraction (``alpha``) or as a value (``end_value``)."""
    if alpha is not None and end_value is not None:
        raise check.fail(
            owner,
            "end_value",
            end_value,
            f"cannot be combined with {fraction_name}={alpha!r}",
            f"Give the floor once: {fraction_name} (a fraction) or end_value.",
        )


def floor_value(
    init_value: ArrayLike, alpha: ArrayLike | None, end_value: ArrayLike | None
) -> jax.Array:
    """The floor as float32: ``end_value``, else ``alpha * init_value``, else 0."""
    if end_value is not None:
        return f32(end_value)
    if alpha is not None:
        return f32(alpha) * f32(init_value)
    return f32(0.0)


class CosineDecay(Schedule):
    r"""Half a cosine wave from ``init_value`` down to a floor, then hold.

    With :math:`c = \min(t, D) / D` (the clamp in integers),

    .. math:: v(t) = E + (I - E) \left(\tfrac12 (1 + \cos \pi c)\right)^{p}

    where the floor :math:`E` is ``end_value``, or ``alpha * init_value`` when given as
    a fraction (optax and Keras call it ``alpha``). Same values as
    ``optax.cosine_decay_schedule``; unlike optax and Keras, negative steps are clamped
    to 0 rather than mirrored, and unlike PyTorch's ``CosineAnnealingLR`` the value holds
    at :math:`E` after :math:`D` instead of rising again.

    Args:
      init_value: :math:`I`, the value at step 0.
      decay_steps: :math:`D > 0`, the update at which the floor is reached.
      alpha: the floor as a fraction of ``init_value``; mutually exclusive with
        ``end_value``. Neither given means a floor of 0.
      end_value: the floor as an absolute value.
      exponent: :math:`p > 0`, applied to the cosine factor (optax's ``exponent``).

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.CosineDecay(1.0, decay_steps=100, end_value=0.1)
      >>> s(0), s(50), s(100), s(10**9)
      (Array(1., dtype=float32), Array(0.55, dtype=float32), Array(0.1, dtype=float32), Array(0.1, dtype=float32))

    References:
      Loshchilov & Hutter, *SGDR: Stochastic Gradient Descent with Warm Restarts*,
      https://arxiv.org/abs/1608.03983; ``optax.cosine_decay_schedule``.
    """

    init_value: ArrayLike = field(check.level)
    decay_steps: ArrayLike = field(check.steps, positive=True)
    alpha: ArrayLike | None = field(check.real, default=None, minimum=0)
    end_value: ArrayLike | None = field(check.level, default=None)
    exponent: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)

    def _check(self) -> None:
        check_one_floor("CosineDecay", self.alpha, self.end_value)

    def floor(self) -> jax.Array:
        """The value held from ``decay_steps`` on, as float32."""
        return floor_value(self.init_value, self.alpha, self.end_value)

    def _value(self, step: jax.Array) -> jax.Array:
        # (1 + cos(pi f)) / 2 as sin(pi (1 - f) / 2)**2: near the end 1 + cos cancels.
        cosine = jnp.sin(0.5 * jnp.pi * remaining(step, 0, self.decay_steps)) ** 2
        return lerp(
            self.floor(), f32(self.init_value), exact_fractional_power(cosine, self.exponent)
        )

    def _horizon(self) -> int | None:
        return int(self.decay_steps)
