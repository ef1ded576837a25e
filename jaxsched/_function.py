"""A user function of the step, made into a schedule value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxsched._base import Schedule, static_field


class FromFunction(Schedule):
    r"""Wraps a jittable function of the step as a schedule.

    .. math:: v(t) = f(t)

    ``fn`` receives the clamped int32 step and must use ``jnp`` operations only (no
    Python ``if`` on the step). Its output is cast to float32. The function is part of
    the tree structure, so equality and hashing are by the function's identity, and the
    schedule pickles only if ``fn`` does (a module-level function does; a lambda does
    not).

    Args:
      fn: a function ``step -> value``.
      length: optional length, for :func:`jaxsched.phases` and
        :func:`jaxsched.check_horizon` (the step from which ``fn`` stops changing).

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.FromFunction(lambda t: 1.0 / jnp.sqrt(1.0 + t.astype(jnp.float32)))
      >>> s(3)
      Array(0.5, dtype=float32)
    """

    fn: Callable[[jax.Array], Any] = static_field()
    length: int | None = static_field(default=None)

    def __post_init__(self) -> None:
        if isinstance(self.fn, Schedule) or not callable(self.fn):
            raise TypeError(
                f"FromFunction: fn must be a plain function of the step, got fn={self.fn!r}."
            )
        if self.length is not None and (not isinstance(self.length, int) or self.length < 0):
            raise ValueError(
                f"FromFunction: length must be a non-negative int or None, got "
                f"length={self.length!r}."
            )

    def _value(self, step: jax.Array) -> jax.Array:
        return jnp.asarray(self.fn(step)).astype(jnp.float32)

    def _horizon(self) -> int | None:
        return self.length
