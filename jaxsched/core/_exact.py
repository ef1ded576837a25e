"""Constants of concrete hyperparameters, computed in float64 on the host.

A hyperparameter written as ``0.99999`` is off by about ``3e-8`` once rounded to float32,
and ``gamma ** t`` multiplies that error by ``t``. So a schedule asks for what it derives
from its hyperparameters (``log(gamma) / T``) with :func:`host_constant`: where they are
concrete (Python numbers, NumPy or device arrays) it is computed in float64 and handed
back as a double-float pair; where they are traced (``vmap`` over hyperparameters, ``grad``
with respect to them, a schedule passed into ``jit``) there is nothing to compute it from,
and the schedule falls back to its float32 formula.

A call from Python compiles one function per schedule *structure*, with the leaves as
arguments, so inside it the hyperparameters are traced. To keep their precision there,
the call first traces the schedule with its concrete leaves and records every constant
asked for (:func:`recording`), then passes the recorded pairs as arguments, and the
compiled trace takes them back in the same order (:func:`replaying`): the same code asks
for the same constants in the same order in both traces.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from jaxsched.core import _doublefloat as df
from jaxsched.core._numerics import f32, i32, power

# A recorded constant: a double-float pair, or None where the hyperparameters were traced.
Recorded = tuple[Any, Any] | None

_RECORDING: contextvars.ContextVar[list[Recorded] | None] = contextvars.ContextVar(
    "jaxsched_recording", default=None
)
_REPLAYING: contextvars.ContextVar[Iterator[Recorded] | None] = contextvars.ContextVar(
    "jaxsched_replaying", default=None
)


def _concrete(value: Any) -> bool:
    return not any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(value))


def host_constant(fn: Callable[..., Any], *hyperparams: Any) -> df.DoubleFloat | None:
    """``fn(*hyperparams)`` computed in float64, as a double-float pair, or ``None``.

    ``fn`` takes and returns float64 NumPy values, or ``None`` where the float32 formula
    is exact already. ``None`` also means the hyperparameters are traced: use the float32
    formula (which also carries their gradient).
    """
    replay = _REPLAYING.get()
    if replay is not None:
        return next(replay)
    constant: Recorded = None
    if _concrete(hyperparams):
        with np.errstate(all="ignore"):
            value = fn(*(np.asarray(h, np.float64) for h in hyperparams))
        constant = None if value is None else df.from_host(value)
    record = _RECORDING.get()
    if record is not None:
        record.append(constant)
    return constant


def in_use() -> bool:
    """Whether constants are being recorded or replayed: a schedule called inside (at a
    fixed step, say) is then traced inline, so that its constants are in the same list."""
    return _RECORDING.get() is not None or _REPLAYING.get() is not None


def _log(base: np.ndarray) -> np.ndarray:
    # A base of 0 (a StepDecay gamma of 0) as a logarithm that makes 0**n = 0 for n >= 1
    # and 1 for n = 0, with no inf to multiply.
    return np.where(base > 0, np.log(np.maximum(base, 1e-300)), -1e4)


def exact_power(base: Any, count: jax.Array, *, shrinking: bool = False) -> jax.Array:
    """``base ** count`` for an int32 ``count >= 0`` (a stair, a cycle or a step index):
    ``exp(count * log(base))`` with ``log(base)`` in float64 and the product in
    double-float where ``base`` is concrete, ``base ** count`` in float32 otherwise.

    ``shrinking=True`` takes a ``base`` above 1 as 1, for the branch of a ``where`` that
    another handles growth in: the discarded branch then never overflows, and its float32
    fallback's gradient is never NaN.
    """
    log_base = host_constant(lambda b: _log(np.minimum(b, 1) if shrinking else b), base)
    if log_base is None:
        base = f32(base)
        return power(
            jnp.where(base > 1, 1.0, base) if shrinking else base, count.astype(jnp.float32)
        )
    return df.exp(df.mul(df.from_int(count), log_base))


def exact_fractional_power(x: jax.Array, exponent: Any) -> jax.Array:
    """``x ** exponent`` for a float32 ``x >= 0``: where ``exponent`` is concrete,
    ``exp(exponent * ln x)`` with the exponent in float64 and the product in double-float
    (:func:`~jaxsched.core._doublefloat.log`), within a few ulps for any ``x`` (XLA's
    float32 ``x ** p`` is up to 15 ulps off for small or large ``x``, measured); the
    float32 power otherwise. The gradient is always the float32 power's."""
    fast = x ** f32(exponent)
    # x ** 1 is x: no constant, so every path (a replayed call too) takes the float32 power.
    p = host_constant(lambda e: None if np.all(e == 1) else e, exponent)
    if p is None:
        return fast
    positive = jnp.where(x > 0, x, 1.0)  # log(0) in the branch not taken: no NaN
    exact = df.exp(df.mul(df.log(positive), p))
    # fast + (exact - fast) is exact: the two are within a factor 2 (Sterbenz).
    correction = jnp.where((x > 0) & jnp.isfinite(fast), exact - fast, 0.0)
    return fast + lax.stop_gradient(correction)


def remaining(step: jax.Array, begin: Any, length: Any) -> jax.Array:
    """Fraction of a transition still to go at ``step``: ``1 - ramp(step, begin, length)``,
    formed from the integers ``left = length - clip(t - begin, 0, length)``.

    ``1 - done / length`` in float32 has an absolute error of an ulp of 1, so a decay to 0
    that uses it is off by up to ``1e7`` ulps of its value near the end of a long run;
    ``left * (1 / length)`` keeps the relative precision of float32 to the last step.
    The reciprocal is computed on the host where ``length`` is concrete: a product is
    rounded alike wherever XLA computes it, while its division of a vector and of a
    scalar may differ by an ulp. Both ends are set, as in ``ramp``.
    """
    reciprocal = host_constant(np.reciprocal, length)
    length = i32(length)
    left = length - jnp.clip(step - i32(begin), 0, length)
    if reciprocal is None:
        fraction = left.astype(jnp.float32) / length.astype(jnp.float32)
    else:
        fraction = left.astype(jnp.float32) * reciprocal[0]
    return jnp.where(left >= length, 1.0, jnp.where(left <= 0, 0.0, jnp.minimum(fraction, 1.0)))


Layout = tuple[tuple[int, ...] | None, ...]


def packed(record: list[Recorded]) -> tuple[Layout, np.ndarray]:
    """Recorded constants as one float32 array (one argument for a compiled call, however
    many constants) and the static layout that :func:`unpacked` reads it back with."""
    layout = tuple(None if c is None else np.shape(c[0]) for c in record)
    parts = [np.ravel(x) for c in record if c is not None for x in c]
    return layout, np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


def unpacked(layout: Layout, flat: jax.Array) -> list[Recorded]:
    """The constants of :func:`packed`, sliced out of ``flat`` (inside a trace)."""
    constants: list[Recorded] = []
    start = 0
    for shape in layout:
        if shape is None:
            constants.append(None)
            continue
        size = int(np.prod(shape))
        hi, lo = flat[start : start + size], flat[start + size : start + 2 * size]
        constants.append((hi.reshape(shape), lo.reshape(shape)))
        start += 2 * size
    return constants


@contextlib.contextmanager
def recording() -> Iterator[list[Recorded]]:
    """Collects the constants asked for inside, in order."""
    record: list[Recorded] = []
    token = _RECORDING.set(record)
    try:
        yield record
    finally:
        _RECORDING.reset(token)


@contextlib.contextmanager
def replaying(constants: list[Recorded]) -> Iterator[None]:
    """Answers the constants asked for inside from ``constants``, in order."""
    token = _REPLAYING.set(iter(constants))
    try:
        yield
    finally:
        _REPLAYING.reset(token)
