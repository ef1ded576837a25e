"""Double-float32 arithmetic: a pair of float32 ``(hi, lo)`` holding about 48 significant bits.

Error-free sums and products (Knuth's two-sum, products of 12-bit halves) carry what a
float32 operation rounds away, so a schedule can compute ``t * log(gamma)`` for any int32
``t`` as if in float64, on CPU, GPU and TPU alike (no float64 needed, none used). Values
only: the bit tricks have no useful gradient, so a schedule that differentiates through
these takes its gradient from a float32 closed form.
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

DoubleFloat = tuple[jax.Array, jax.Array]


def two_sum(a: jax.Array, b: jax.Array) -> DoubleFloat:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def quick_two_sum(a: jax.Array, b: jax.Array) -> DoubleFloat:
    s = a + b
    return s, b - (s - a)


def split(a: jax.Array) -> DoubleFloat:
    """``a`` as a 12-bit head and an exact tail, by masking bits (no rounding to trust)."""
    bits = lax.bitcast_convert_type(a, jnp.uint32) & jnp.uint32(0xFFFFF000)
    head = lax.bitcast_convert_type(bits, jnp.float32)
    return head, a - head


def two_prod(a: jax.Array, b: jax.Array) -> DoubleFloat:
    """``a * b`` as a double-float, from the four exact products of 12-bit halves.

    Dekker's ``a * b - fl(a * b)`` would be exact too, but XLA recomputes ``fl(a * b)``
    inside fusions and contracts it into a fused multiply-add, which cancels the error
    term; products of 12-bit halves are exact, so contraction cannot change them.
    """
    ah, al = split(a)
    bh, bl = split(b)
    p, e1 = two_sum(ah * bh, ah * bl)
    p, e2 = two_sum(p, al * bh)
    return quick_two_sum(p, (e1 + e2) + al * bl)


def add(x: DoubleFloat, y: DoubleFloat) -> DoubleFloat:
    s, e = two_sum(x[0], y[0])
    return quick_two_sum(s, e + (x[1] + y[1]))


def mul(x: DoubleFloat, y: DoubleFloat) -> DoubleFloat:
    p, e = two_prod(x[0], y[0])
    return quick_two_sum(p, e + (x[0] * y[1] + x[1] * y[0]))


def from_int(n: jax.Array) -> DoubleFloat:
    """A non-negative int32 as an exact double-float (two pieces of at most 16 bits)."""
    high = (n & ~0xFFFF).astype(jnp.float32)
    return quick_two_sum(high, (n & 0xFFFF).astype(jnp.float32))


def from_host(value: Any) -> tuple[np.ndarray, np.ndarray]:
    """A float64 number or array as a double-float pair of float32: ``hi`` the nearest
    float32, ``lo`` what it misses (0 where ``value`` is not finite)."""
    value = np.asarray(value, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        hi = value.astype(np.float32)
        lo = np.where(np.isfinite(value), value - hi.astype(np.float64), 0.0).astype(np.float32)
    return hi, lo


def exp(x: DoubleFloat) -> jax.Array:
    """``e**(hi + lo)`` in float32: ``e**hi (1 + lo)``, whose error is that of float32
    ``exp`` (4 ulps at most on XLA's CPU backend, measured) and not that of ``hi``."""
    head = jnp.exp(x[0])
    return head + head * x[1]


# ln 2 as a double-float: the float32 nearest it and what it misses.
_LN2 = (np.float32(np.log(2.0)), np.float32(np.log(2.0) - np.float64(np.float32(np.log(2.0)))))


def log(x: jax.Array) -> DoubleFloat:
    """``ln x`` of a positive float32 as a double-float: ``e ln 2 + ln m`` for
    ``x = m 2**e`` with ``m`` in ``[1/sqrt 2, sqrt 2)``, the first term exact to 48 bits,
    the second a float32 logarithm of at most 0.35 in size. So ``p * ln x`` keeps an
    error of a few float32 ulps of 1 however large ``|ln x|`` is (up to 88), where the
    float32 ``ln x`` alone would carry an error of up to ``4e-6``."""
    m, e = jnp.frexp(x)
    low = m < np.float32(np.sqrt(0.5))
    m, e = jnp.where(low, 2 * m, m), jnp.where(low, e - 1, e)
    scaled = mul((e.astype(jnp.float32), jnp.zeros_like(m)), _LN2)
    return add(scaled, (jnp.log(m), jnp.zeros_like(m)))
