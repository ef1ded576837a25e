"""TF1's linear cosine decay and its noisy variant (seeded, so deterministic)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import f32, i32, ramp
from jaxsched.core._schedule import Schedule


def _check_peak(owner: str, schedule: Schedule, noise_std: ArrayLike = 0.0) -> None:
    """The largest value, ``I (1 + alpha + beta + noise)``, is finite in float32.

    The noise is bounded by six standard deviations (``jax.random.normal`` draws within
    about 5.4).
    """
    parts = (schedule.init_value, schedule.alpha, schedule.beta, noise_std)
    if check.concrete(parts):
        init, alpha, beta, std = (check.largest(p) for p in parts)
        check.representable(
            owner, "init_value * (1 + alpha + beta)", init * (1 + alpha + beta + 6 * std)
        )


def _linear_cosine(schedule: Schedule, step: jax.Array, noise: ArrayLike) -> jax.Array:
    """``I ((alpha + linear + noise) cosine + beta)``, shared by both classes."""
    frac = ramp(step, 0, schedule.decay_steps)
    linear = 1 - frac
    cosine = 0.5 * (1 + jnp.cos(2 * jnp.pi * f32(schedule.num_periods) * frac))
    factor = (f32(schedule.alpha) + linear + noise) * cosine + f32(schedule.beta)
    return f32(schedule.init_value) * factor


_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def _threefry2x32(k1: jax.Array, k2: jax.Array, x1: jax.Array, x2: jax.Array) -> tuple:
    """JAX's Threefry-2x32 hash (20 rounds), as plain uint32 arithmetic.

    ``jax.random`` lowers it on CPU as a rolled loop whose state cannot fuse with what
    follows; written out, a whole curve of hashes is one vectorized loop.
    """
    keys = (k1, k2, k1 ^ k2 ^ np.uint32(0x1BD11BDA))
    x1, x2 = x1 + keys[0], x2 + keys[1]
    for i in range(5):
        for r in _ROTATIONS[i % 2]:
            x1 = x1 + x2
            x2 = x1 ^ (
                lax.shift_left(x2, np.uint32(r)) | lax.shift_right_logical(x2, np.uint32(32 - r))
            )
        x1 = x1 + keys[(i + 1) % 3]
        x2 = x2 + keys[(i + 2) % 3] + np.uint32(i + 1)
    return x1, x2


def _unit_normal(key: jax.Array, step: jax.Array) -> jax.Array:
    """``jax.random.normal(jax.random.fold_in(key, t))`` for every ``t`` in ``step``, bit for bit.

    On a 1e7-step curve (CPU), ``vmap`` over ``fold_in`` and ``normal`` costs 20-25 times a
    copy of the steps (a rolled hash loop that XLA cannot fuse); the same two hashes and the
    same mapping to a normal draw, written out elementwise, cost 1.5-2 times. Other key
    types (a non-default ``jax_default_prng_impl``) and float64 draws (``normal``'s default
    with ``jax_enable_x64``) take ``jax.random`` itself.
    """
    default_float = jax.dtypes.canonicalize_dtype(float)
    if str(jax.random.key_impl(key)) != "threefry2x32" or default_float != jnp.float32:
        draw = jax.vmap(lambda t: jax.random.normal(jax.random.fold_in(key, t)))
        return draw(step.reshape(-1)).reshape(step.shape)
    data = jax.random.key_data(key)
    zero = jnp.zeros(step.shape, jnp.uint32)
    # fold_in: the key hashes the pair (0, t).
    k1, k2 = _threefry2x32(data[..., 0], data[..., 1], zero, step.astype(jnp.uint32))
    # normal draws 32 bits for its single value: the new key hashes the counter (0, 0),
    # keeping both words' xor (or the first word without jax_threefry_partitionable).
    b1, b2 = _threefry2x32(k1, k2, zero, zero)
    bits = b1 ^ b2 if jax.config.jax_threefry_partitionable else b1
    # uniform on [nextafter(-1, 0), 1) from 23 random mantissa bits, then sqrt(2) erfinv.
    one_to_two = lax.bitcast_convert_type(
        lax.shift_right_logical(bits, np.uint32(9)) | np.uint32(0x3F800000), jnp.float32
    )
    low = np.nextafter(np.float32(-1), np.float32(0))
    uniform = jnp.maximum(low, (one_to_two - 1) * (np.float32(1) - low) + low)
    return np.float32(np.sqrt(2)) * lax.erf_inv(uniform)


class LinearCosineDecay(Schedule):
    r"""TF1's linear cosine decay: a cosine whose amplitude shrinks linearly.

    With :math:`c = \min(t, D) / D` (integers),

    .. math::
      v(t) = I \left((\alpha + 1 - c)\, \tfrac12 (1 + \cos 2 \pi n c) + \beta\right)

    Note that :math:`v(0) = I (1 + \alpha + \beta)`, above ``init_value`` (as in TF), and
    the value from :math:`D` on is :math:`I (\alpha \tfrac12 (1 + \cos 2\pi n) + \beta)`:
    :math:`I \beta` for the default half period.

    Args:
      init_value: :math:`I`.
      decay_steps: :math:`D > 0`.
      num_periods: :math:`n > 0`, cosine periods over the decay (0.5: one half wave).
      alpha: :math:`\alpha \ge 0`, added to the linear factor.
      beta: :math:`\beta \ge 0`, the floor as a fraction of :math:`I`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.LinearCosineDecay(1.0, decay_steps=100, beta=0.0)
      >>> s(0), s(50), s(100)
      (Array(1., dtype=float32), Array(0.25, dtype=float32), Array(0., dtype=float32))

    References:
      Bello et al., *Neural Optimizer Search with Reinforcement Learning*,
      https://arxiv.org/abs/1709.07417; ``tf.compat.v1.train.linear_cosine_decay``.
    """

    init_value: ArrayLike = field(check.level)
    decay_steps: ArrayLike = field(check.steps, positive=True)
    num_periods: ArrayLike = field(check.real, default=0.5, minimum=0, exclusive=True)
    alpha: ArrayLike = field(check.real, default=0.0, minimum=0)
    beta: ArrayLike = field(check.real, default=0.001, minimum=0)

    def _check(self) -> None:
        _check_peak("LinearCosineDecay", self)

    def _value(self, step: jax.Array) -> jax.Array:
        return _linear_cosine(self, step, 0.0)

    def _horizon(self) -> int | None:
        return int(self.decay_steps)


class NoisyLinearCosineDecay(Schedule):
    r"""TF1's noisy linear cosine decay, deterministic given ``seed``.

    As :class:`LinearCosineDecay`, with Gaussian noise :math:`\epsilon_t` added to the
    linear factor:

    .. math::
      v(t) = I \left((\alpha + 1 - c + \epsilon_t)\, \tfrac12 (1 + \cos 2 \pi n c)
      + \beta\right), \quad
      \epsilon_t \sim \mathcal{N}\!\left(0, \frac{\sigma_0^2}{(1 + \min(t, D))^{\gamma}}\right)

    TF draws a fresh sample every time the op runs, so the same step gives different
    rates and a resumed run cannot reproduce them. Here :math:`\epsilon_t` is drawn from
    ``jax.random.fold_in(jax.random.key(seed), t)``: the same step always gives the same
    value, eagerly, under ``jit`` and under ``vmap``, and the draws of different steps
    are independent. The value can be negative, as in TF.

    Args:
      init_value: :math:`I`.
      decay_steps: :math:`D > 0`.
      initial_variance: :math:`\sigma_0^2 \ge 0`.
      variance_decay: :math:`\gamma \ge 0`.
      num_periods: :math:`n > 0`.
      alpha: :math:`\alpha \ge 0`.
      beta: :math:`\beta \ge 0`.
      seed: an integer; a leaf, so a batch of schedules may hold different seeds.

    Returns:
      A schedule value.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.NoisyLinearCosineDecay(1.0, decay_steps=100, seed=0)
      >>> v = s(jnp.array([30, 30, 31]))
      >>> bool(v[0] == v[1]), bool(v[1] == v[2])
      (True, False)

    References:
      Bello et al., https://arxiv.org/abs/1709.07417;
      ``tf.compat.v1.train.noisy_linear_cosine_decay``.
    """

    init_value: ArrayLike = field(check.level)
    decay_steps: ArrayLike = field(check.steps, positive=True)
    initial_variance: ArrayLike = field(check.real, default=1.0, minimum=0)
    variance_decay: ArrayLike = field(check.real, default=0.55, minimum=0)
    num_periods: ArrayLike = field(check.real, default=0.5, minimum=0, exclusive=True)
    alpha: ArrayLike = field(check.real, default=0.0, minimum=0)
    beta: ArrayLike = field(check.real, default=0.001, minimum=0)
    seed: ArrayLike = field(check.seed, default=0)

    def _check(self) -> None:
        if check.concrete(self.initial_variance):
            std = np.sqrt(check.largest(self.initial_variance))
            _check_peak("NoisyLinearCosineDecay", self, std)

    def _noise(self, step: jax.Array) -> jax.Array:
        unit = _unit_normal(jax.random.key(i32(self.seed)), step)
        seen = jnp.minimum(step, i32(self.decay_steps)).astype(jnp.float32)
        std = jnp.sqrt(f32(self.initial_variance) / (1 + seen) ** f32(self.variance_decay))
        return std * unit

    def _value(self, step: jax.Array) -> jax.Array:
        return _linear_cosine(self, step, self._noise(step))

    def _horizon(self) -> int | None:
        return None
