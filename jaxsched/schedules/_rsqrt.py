"""Inverse square root decays: rsqrt with a timescale, and the Transformer's Noam schedule."""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import f32
from jaxsched.core._schedule import Schedule


class InverseSqrtDecay(Schedule):
    r"""Inverse square root decay with a timescale.

    .. math:: v(t) = \frac{I}{\sqrt{1 + t / \tau}}

    so :math:`v(0) = I` and the value halves by :math:`t = 3\tau`. Put a
    :class:`Warmup` of :math:`W` updates in front with :math:`\tau = W` for the
    ``sqrt(W / t)`` of Hugging Face's ``inverse_sqrt`` and the Flax WMT/LM1B examples,
    or T5X's ``rsqrt_normalized_decay`` after its plateau; big_vision's and timm's
    ``rsqrt`` are this formula after their warmup.

    Args:
      init_value: :math:`I`.
      timescale: :math:`\tau > 0`, in updates.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.InverseSqrtDecay(1.0, timescale=100)
      >>> s(0), s(300), s(9900)
      (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.1, dtype=float32))

    References:
      ``transformers.get_inverse_sqrt_schedule``; big_vision
      ``utils.create_learning_rate_schedule(decay_type="rsqrt")``.
    """

    init_value: ArrayLike = field(check.level)
    timescale: ArrayLike = field(check.real, minimum=0, exclusive=True)

    def _value(self, step: jax.Array) -> jax.Array:
        tau = f32(self.timescale)
        return f32(self.init_value) * jax.lax.rsqrt((step.astype(jnp.float32) + tau) / tau)

    def _horizon(self) -> int | None:
        return None


class Noam(Schedule):
    r"""The Transformer schedule ("Noam"): linear warmup, then inverse square root decay.

    .. math:: v(t) = c \, d^{-1/2} \min\left((t + 1)\, W^{-3/2},\ (t + 1)^{-1/2}\right)

    with :math:`t + 1` because the paper counts steps from 1: update 0 already gets
    :math:`c\, d^{-1/2} W^{-3/2}`, and the peak :math:`c\, (d W)^{-1/2}` is at update
    :math:`W - 1`. This is Praxis' ``schedules.Transformer`` (with ``scale`` its
    learning rate).

    Args:
      model_dim: :math:`d > 0`, the model width.
      warmup_steps: :math:`W > 0`.
      scale: :math:`c`, a factor on the whole schedule.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Noam(model_dim=512, warmup_steps=4000)
      >>> s(3999), s(15999)
      (Array(0.00069877, dtype=float32), Array(0.00034939, dtype=float32))

    References:
      Vaswani et al., *Attention Is All You Need*, https://arxiv.org/abs/1706.03762
      (section 5.3).
    """

    model_dim: ArrayLike = field(check.real, minimum=0, exclusive=True)
    warmup_steps: ArrayLike = field(check.steps, positive=True)
    scale: ArrayLike = field(check.level, default=1.0)

    def _value(self, step: jax.Array) -> jax.Array:
        count = step.astype(jnp.float32) + 1
        warmup = f32(self.warmup_steps)
        rate = jnp.minimum(count * warmup**-1.5, jax.lax.rsqrt(count))
        return f32(self.scale) * jax.lax.rsqrt(f32(self.model_dim)) * rate

    def _horizon(self) -> int | None:
        return None
