"""Composition by arithmetic and step maps: product, sum, scale, clip, offset, hold, per epoch.

The operators on schedules (``a * b``, ``a + b``, ``a - b``, ``-a``, ``a / c``) are
defined on :class:`jaxsched.Schedule` and build the classes here with :func:`times`,
:func:`add`, :func:`subtract`, :func:`negate` and :func:`divide`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _validate as check
from jaxsched._base import INT32_MAX, Schedule, f32, field, i32


def _last_to_settle(schedules: Sequence[Schedule]) -> int | None:
    """The horizon of schedules evaluated together: the last of theirs, or ``None``."""
    horizons = [s.horizon for s in schedules]
    return None if None in horizons else max(h for h in horizons if h is not None)


class Product(Schedule):
    r"""The product of schedules (T5X-style factors).

    .. math:: v(t) = \prod_i s_i(t)

    Every factor sees the same global step. ``a * b`` builds it.

    Args:
      schedules: two or more schedules.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> warmup = jaxsched.Linear(0.0, 1.0, transition_steps=10)
      >>> s = jaxsched.Constant(0.5) * warmup
      >>> s(5)
      Array(0.25, dtype=float32)

    References:
      ``t5x.utils.create_learning_rate_scheduler`` (factor strings).
    """

    schedules: Sequence[Schedule] = field(check.schedule_list, minimum=2)

    def _value(self, step: jax.Array) -> jax.Array:
        value = self.schedules[0](step)
        for schedule in self.schedules[1:]:
            value = value * schedule(step)
        return value

    def _horizon(self) -> int | None:
        return _last_to_settle(self.schedules)


class Sum(Schedule):
    r"""The sum of schedules: ``a + b``, ``a - b`` and ``a + 0.1`` build it.

    .. math:: v(t) = s_1(t) + s_2(t) + \dots + s_n(t)

    Every term sees the same global step; the terms are added left to right in float32
    (XLA may add constant terms first, which can change the last bit). The operators
    flatten nested sums, so ``a + (b + c)`` is ``Sum([a, b, c])``.

    A number ``c`` becomes the term ``Constant(c)``, or ``Scale(Constant(-c),
    factor=-1.0)`` when it is negative, since a ``Constant`` is never negative (a batch
    of mixed signs, or a traced number, is ``Scale(Constant(1.0), factor=c)``);
    ``a - b`` is ``a + Scale(b, factor=-1.0)``.

    A difference can be negative where the second term is larger: clip it
    (:class:`jaxsched.Clip`) when a negative rate would be a bug. The sum overflows to
    ``inf`` only if it passes ``3.4e38``.

    Args:
      schedules: two or more schedules.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.CosineDecay(0.9, decay_steps=100) + 0.1
      >>> s(0), s(100)
      (Array(1., dtype=float32), Array(0.1, dtype=float32))
      >>> print(s)
      Sum([CosineDecay(0.9, decay_steps=100), Constant(0.1)])
      >>> (jaxsched.Linear(1.0, 0.0, 10) - 0.25)(4)
      Array(0.35, dtype=float32)
    """

    schedules: Sequence[Schedule] = field(check.schedule_list, minimum=2)

    def _value(self, step: jax.Array) -> jax.Array:
        value = self.schedules[0](step)
        for schedule in self.schedules[1:]:
            value = value + schedule(step)
        return value

    def _horizon(self) -> int | None:
        return _last_to_settle(self.schedules)


def _non_zero(owner: str, name: str, value: Any) -> Any:
    """A finite divisor that is not zero in float32, the type the division runs in."""
    value = check.real(owner, name, value)
    if check.concrete(value) and np.any(np.asarray(value, np.float32) == 0):
        in_float32 = " in float32" if np.all(np.asarray(value) != 0) else ""
        raise check.fail(
            owner,
            name,
            value,
            f"must be non-zero{in_float32}",
            "A schedule divides by a finite, non-zero number.",
        )
    return value


class Scale(Schedule):
    r"""A schedule times a number, or divided by one: ``c * a`` and ``a / d`` build it.

    .. math:: v(t) = c \cdot s(t) \qquad\text{or, with a divisor,}\qquad v(t) = c \cdot s(t) / d

    ``a / d`` keeps the divisor as written (its text form is ``Scale(a, divisor=d)``);
    the value is :math:`s(t) / d` in float32, which XLA may compute as
    :math:`s(t) \cdot (1 / d)`, an ulp away.

    Args:
      schedule: the schedule.
      factor: :math:`c`, any finite number (a leaf: ``vmap`` over it to sweep). A negative
        factor is the one way to give a schedule a sign: every other value a schedule
        takes is non-negative. The product is float32: it overflows to ``inf`` if
        :math:`|c \cdot s(t)|` passes ``3.4e38``.
      divisor: :math:`d`, a finite number other than zero (also a leaf), or ``None`` for
        no division. A divisor near zero can overflow the quotient the same way.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = 3e-4 * jaxsched.CosineDecay(1.0, decay_steps=100)
      >>> s(0)
      Array(0.0003, dtype=float32)
      >>> half = jaxsched.CosineDecay(1.0, decay_steps=100) / 2
      >>> print(half)
      Scale(CosineDecay(1.0, decay_steps=100), divisor=2.0)
      >>> half(0), (-half)(0)
      (Array(0.5, dtype=float32), Array(-0.5, dtype=float32))
    """

    schedule: Schedule = field(check.schedule)
    factor: ArrayLike = field(check.real, default=1.0)
    divisor: ArrayLike | None = field(_non_zero, default=None)

    def _value(self, step: jax.Array) -> jax.Array:
        value = f32(self.factor) * self.schedule(step)
        return value if self.divisor is None else value / f32(self.divisor)

    def _horizon(self) -> int | None:
        return self.schedule.horizon


_NUMBERS = (int, float, np.number, np.ndarray, jax.Array)


def _written(operand: Any) -> str:
    return type(operand).__name__ if isinstance(operand, Schedule) else repr(operand)


def _not_a_number(operand: Any, written: str, verb: str) -> TypeError | None:
    """The operator's error for an operand that is neither a number nor a schedule."""
    dtype = getattr(operand, "dtype", None)
    if (
        isinstance(operand, _NUMBERS)
        and not isinstance(operand, bool | np.bool_)
        and (
            dtype is None
            or jnp.issubdtype(dtype, jnp.integer)
            or jnp.issubdtype(dtype, jnp.floating)
        )
    ):
        return None
    kind = type(operand).__name__
    if isinstance(operand, np.ndarray | jax.Array):
        kind += f" of {dtype}"
    wrap = " Wrap a function of the step: jaxsched.FromFunction(fn)." if callable(operand) else ""
    return TypeError(
        f"{written}: a schedule {verb} a number or another schedule, not a {kind}.{wrap}"
    )


def _number(operand: Any, written: str, verb: str) -> Any:
    """``operand`` as a float (a float64 array for an array, a float32 array if traced),
    or the operator's error: a ``TypeError`` for what is not a number, a ``ValueError``
    for a number that is not finite in float32."""
    error = _not_a_number(operand, written, verb)
    if error is not None:
        raise error
    if not check.concrete(operand):
        return jnp.asarray(operand, jnp.float32)
    array = np.asarray(operand, np.float64)
    if not np.all(np.abs(array) <= check.FLOAT32_MAX):
        raise ValueError(
            f"{written}: a schedule {verb} a number finite in float32 (at most "
            f"{check.FLOAT32_MAX:.7g}), got {operand!r}."
        )
    return float(array) if array.ndim == 0 else array


def _term(number: Any) -> Schedule:
    """A number as a term of a sum, exactly: a ``Constant`` is never negative, so a
    negative number is minus one times its magnitude, and a batch of mixed signs or a
    traced number is the number times ``Constant(1.0)``."""
    from jaxsched._polynomial import Constant

    if check.concrete(number) and np.all(np.asarray(number) >= 0):
        return Constant(number)
    if check.concrete(number) and np.all(np.asarray(number) <= 0):
        return Scale(Constant(-number), -1.0)
    return Scale(Constant(1.0), number)


def _terms(operand: Any, written: str) -> tuple[Schedule, ...]:
    if isinstance(operand, Sum):
        return tuple(operand.schedules)
    if isinstance(operand, Schedule):
        return (operand,)
    return (_term(_number(operand, written, "adds")),)


def times(left: Any, right: Any) -> Schedule:
    """``left * right``: a :class:`Product` of schedules (nested products flattened), or
    a :class:`Scale` for a number."""
    written = f"{_written(left)} * {_written(right)}"
    if isinstance(left, Schedule) and isinstance(right, Schedule):
        factors = [s.schedules if isinstance(s, Product) else (s,) for s in (left, right)]
        return Product(factors[0] + factors[1])
    schedule, number = (left, right) if isinstance(left, Schedule) else (right, left)
    error = _not_a_number(number, written, "multiplies with")
    if error is not None:
        raise error
    return Scale(schedule, number)


def add(left: Any, right: Any) -> Sum:
    """``left + right``: a :class:`Sum` of the terms of both (nested sums flattened)."""
    written = f"{_written(left)} + {_written(right)}"
    return Sum(_terms(left, written) + _terms(right, written))


def negate(schedule: Schedule) -> Scale:
    """``-schedule``: ``Scale(schedule, -1.0)``."""
    return Scale(schedule, -1.0)


def subtract(left: Any, right: Any) -> Sum:
    """``left - right``: ``left + (-right)``."""
    written = f"{_written(left)} - {_written(right)}"
    if isinstance(right, Schedule):
        negated: Schedule = negate(right)
    else:
        negated = _term(-_number(right, written, "subtracts"))
    return Sum((*_terms(left, written), negated))


def divide(left: Any, right: Any) -> Scale:
    """``left / right`` for a schedule and a number: ``Scale(left, divisor=right)``."""
    written = f"{_written(left)} / {_written(right)}"
    if not isinstance(left, Schedule):
        raise TypeError(
            f"{written}: a number divided by a schedule is not supported; a schedule "
            f"divides by a number (schedule / 2.0). For c / s(t), write "
            f"jaxsched.FromFunction(lambda t: c / s(t))."
        )
    if isinstance(right, Schedule):
        raise TypeError(
            f"{written}: a schedule divided by a schedule is not supported; a schedule "
            f"divides by a number (schedule / 2.0). For a(t) / b(t), write "
            f"jaxsched.FromFunction(lambda t: a(t) / b(t))."
        )
    divisor = _number(right, written, "divides by")
    if check.concrete(divisor) and np.any(np.asarray(divisor, np.float32) == 0):
        in_float32 = " (zero in float32)" if np.all(np.asarray(divisor) != 0) else ""
        raise ValueError(
            f"{written}: division by zero{in_float32}; a schedule divides by a finite, "
            f"non-zero number, got {right!r}."
        )
    return Scale(left, divisor=divisor)


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
