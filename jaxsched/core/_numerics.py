"""float32 and int32 arithmetic that stays finite, in values and in gradients.

Every schedule builds its value from these where a plain expression could overflow or
poison a gradient: the gradient of ``jnp.where(c, a, b)`` is NaN when the branch not
taken is NaN or infinite, so the inputs of that branch are made harmless first.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

#: The last step a schedule counts to: steps are int32.
INT32_MAX = 2**31 - 1
#: The largest float32: where a value would pass it, it is this instead (never inf).
FLOAT32_MAX = float(np.finfo(np.float32).max)
# A product of this many powers, each at most 2**62, reaches 2**372: past what any float32
# times a normal float32 can be (2**128 / 2**-126 = 2**254), with room for a factor near 0.
_POWER_PIECES = 6


def f32(x: Any) -> jax.Array:
    """A hyperparameter as a strongly typed float32 array."""
    return jnp.asarray(x, jnp.float32)


def i32(x: Any) -> jax.Array:
    """A step-valued hyperparameter as a strongly typed int32 array."""
    return jnp.asarray(x, jnp.int32)


def lerp(start: jax.Array, end: jax.Array, weight: jax.Array) -> jax.Array:
    """``start + (end - start) * weight``, without overflowing when ``end - start`` would.

    Halving both ends is exact, so in float32's normal range this is bit for bit the plain
    formula; with ends near ``3.4e38`` of opposite signs it stays finite.
    """
    half = 0.5 * start
    return 2 * (half + (0.5 * end - half) * weight)


def power(base: jax.Array, exponent: jax.Array) -> jax.Array:
    """``base ** exponent`` with ``x ** 0 = 1`` and a finite gradient at ``base = 0``.

    For cycle and staircase counts: ``gamma ** 0`` differentiated at ``gamma = 0`` is
    ``0 * 0 ** -1 = NaN`` in JAX; here it is 0.
    """
    zero = exponent == 0
    return jnp.where(zero, 1.0, base ** jnp.where(zero, 1.0, exponent))


def saturate(x: jax.Array) -> jax.Array:
    """``x`` clipped to ``[-FLOAT32_MAX, FLOAT32_MAX]``: an overflow reads as the largest
    float32, and its gradient there is 0, not NaN."""
    return jnp.clip(x, -FLOAT32_MAX, FLOAT32_MAX)


def times_power(x: jax.Array, base: jax.Array, count: jax.Array) -> jax.Array:
    """``x * base**count`` for ``base > 1`` and a whole ``count >= 0``, saturated (see
    :func:`saturate`) and never inf or NaN, in values or gradients.

    ``base**count`` alone overflows long before the product must (a small ``x``), and an
    infinite power times a zero ``x`` is NaN. The power is taken in pieces of at most
    ``2**62`` each, multiplied into ``x`` one after the other and saturated at each: a zero
    ``x`` stays 0, no product is ever infinite (so no gradient is ``0 * inf``), and each
    piece (an integer power) is as exact as ``base**count`` itself. A gradient can still
    overflow where the true one passes the largest float32.
    """
    per = jnp.maximum(jnp.floor(62 / jnp.log2(base)), 1.0)
    left = count
    for _ in range(_POWER_PIECES):
        piece = jnp.minimum(left, per)
        x = saturate(x * power(base, piece))
        left = left - piece
    return x


def add_steps(a: Any, b: Any) -> jax.Array:
    """``a + b`` for non-negative int32 step counts, saturating at ``2**31 - 1``.

    A sum of lengths that passes the last representable step means "never reached";
    wrapping would make it negative.
    """
    a, b = i32(a), i32(b)
    return a + jnp.minimum(b, INT32_MAX - a)


def ramp(step: jax.Array, begin: Any, length: Any) -> jax.Array:
    """Fraction of a transition done at ``step``: ``clip(t - begin, 0, length) / length``.

    The clip is integer arithmetic, and both ends are exact: 0 before ``begin`` and 1
    from ``begin + length`` on. XLA may divide by multiplying with a rounded reciprocal,
    which makes ``length / length`` come out as ``1 +- 1 ulp``; a fractional power of
    ``1 - that`` is then NaN or a floor is missed, so the end is set, not divided.
    """
    length = i32(length)
    done = jnp.clip(step - i32(begin), 0, length)
    fraction = done.astype(jnp.float32) / length.astype(jnp.float32)
    return jnp.where(done >= length, 1.0, jnp.minimum(fraction, 1.0))
