"""A schedule with its value clipped or its step moved: clip, offset, hold, per epoch.

The arithmetic on schedules (product, sum, scale) is in ``jaxsched.core._schedule``, with
the operators that build it.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import INT32_MAX, f32, i32
from jaxsched.core._schedule import Schedule


class Clip(Schedule):
    r"""A schedule clipped to ``[min_value, max_value]``.

    .. math:: v(t) = \min(\max(s(t), a), b)

    Args:
      schedule: the schedule.
      min_value: :math:`a`, or ``None`` for no lower bound.
      max_value: :math:`b`, or ``None`` for no upper bound. At least one is required.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Clip(jaxsched.Linear(0.0, 1.0, 10), min_value=0.2)
      >>> s(0), s(5)
      (Array(0.2, dtype=float32), Array(0.5, dtype=float32))
    """

    schedule: Schedule = field(check.schedule)
    min_value: ArrayLike | None = field(check.level, default=None)
    max_value: ArrayLike | None = field(check.level, default=None)

    def _check(self) -> None:
        if self.min_value is None and self.max_value is None:
            raise check.fail("Clip", "min_value", None, "or max_value must be given")
        if self.min_value is not None and self.max_value is not None:
            check.real("Clip", "max_value", self.max_value, minimum=self.min_value)

    def _value(self, step: jax.Array) -> jax.Array:
        value = self.schedule(step)
        if self.min_value is not None:
            value = jnp.maximum(value, f32(self.min_value))
        if self.max_value is not None:
            value = jnp.minimum(value, f32(self.max_value))
        return value

    def _horizon(self) -> int | None:
        return self.schedule.horizon


class Offset(Schedule):
    r"""A schedule shifted in time (TF Model Garden's ``offset``).

    .. math:: v(t) = s(\max(t - k, 0))

    A positive offset :math:`k` delays the schedule, holding ``s(0)`` for the first
    :math:`k` updates (Model Garden evaluates the base at negative steps there, which
    mirrors or extrapolates; jaxsched clamps). A negative offset starts the schedule
    :math:`|k|` updates in, e.g. to keep the schedule position with a fresh optimizer
    state after a restart. The shifted step saturates at ``2**31 - 1``.

    Args:
      schedule: the schedule.
      offset: :math:`k`, an integer (negative to advance).

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Offset(jaxsched.Linear(1.0, 0.0, 10), offset=5)
      >>> s(5), s(10)
      (Array(1., dtype=float32), Array(0.5, dtype=float32))
    """

    schedule: Schedule = field(check.schedule)
    offset: ArrayLike = field(check.steps, signed=True)

    def _value(self, step: jax.Array) -> jax.Array:
        offset = i32(self.offset)
        # min(offset, 0) keeps INT32_MAX + it from overflowing; the result saturates.
        return self.schedule(jnp.minimum(step, INT32_MAX + jnp.minimum(offset, 0)) - offset)

    def _horizon(self) -> int | None:
        after = self.schedule.horizon
        return None if after is None else max(0, after + int(self.offset))


class Hold(Schedule):
    r"""A schedule frozen from step ``length`` on.

    .. math:: v(t) = s(\min(t, L))

    :func:`jaxsched.phases` uses it to end a last phase given with a length.

    Args:
      schedule: the schedule.
      length: :math:`L \ge 0`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Hold(jaxsched.Linear(0.0, 1.0, 10), length=5)
      >>> s(5), s(9)
      (Array(0.5, dtype=float32), Array(0.5, dtype=float32))
    """

    schedule: Schedule = field(check.schedule)
    length: ArrayLike = field(check.steps)

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule(jnp.minimum(step, i32(self.length)))

    def _horizon(self) -> int | None:
        after = self.schedule.horizon
        return int(self.length) if after is None else min(after, int(self.length))


class PerEpoch(Schedule):
    r"""A schedule written in epochs, changed only at epoch boundaries.

    .. math:: v(t) = s(\lfloor t / N \rfloor)

    with :math:`N` = ``steps_per_epoch``: every update of epoch :math:`e` uses
    :math:`s(e)`, as when Keras or PyTorch step a scheduler once per epoch. For a schedule
    that should move every update, convert its lengths instead
    (:func:`jaxsched.epochs_to_updates`).

    Args:
      schedule: the schedule, whose steps are epochs.
      steps_per_epoch: :math:`N > 0` optimizer updates per epoch.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.PerEpoch(jaxsched.StepDecay(1.0, step_size=2), steps_per_epoch=100)
      >>> s(199), s(200)
      (Array(1., dtype=float32), Array(0.1, dtype=float32))
    """

    schedule: Schedule = field(check.schedule)
    steps_per_epoch: ArrayLike = field(check.steps, positive=True)

    def _value(self, step: jax.Array) -> jax.Array:
        return self.schedule(step // i32(self.steps_per_epoch))

    def _horizon(self) -> int | None:
        after = self.schedule.horizon
        return None if after is None else min(INT32_MAX, after * int(self.steps_per_epoch))
