"""A user function of the step, made into a schedule value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp

from jaxsched.core._base import field
from jaxsched.core._schedule import Schedule


def _plain_function(owner: str, name: str, value: Any) -> Callable[[jax.Array], Any]:
    if isinstance(value, Schedule) or not callable(value):
        raise TypeError(
            f"{owner}: {name} must be a plain function of the step, got {name}={value!r}."
        )
    return value


def _static_length(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(
            f"{owner}: {name} must be a non-negative int or None, got {name}={value!r}."
        )
    return value


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
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.FromFunction(lambda t: 1.0 / jnp.sqrt(1.0 + t.astype(jnp.float32)))
      >>> s(3)
      Array(0.5, dtype=float32)
    """

    fn: Callable[[jax.Array], Any] = field(_plain_function, static=True)
    length: int | None = field(_static_length, static=True, default=None)

    def _value(self, step: jax.Array) -> jax.Array:
        return jnp.asarray(self.fn(step)).astype(jnp.float32)

    def _horizon(self) -> int | None:
        return self.length
