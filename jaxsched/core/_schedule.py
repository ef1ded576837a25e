"""The schedule type users subclass, and its algebra: constants, products, sums, scales.

``a * b``, ``c * a``, ``a + b``, ``a - b``, ``a + c``, ``-a`` and ``a / c`` are defined on
:class:`Schedule` and build :class:`Product`, :class:`Sum`, :class:`Scale` and
:class:`Constant`, so these classes live with it: an operator needs nothing above the
type it is defined on. ``str(schedule)`` and ``schedule.to_dict()`` write the text and
the dict form (``jaxsched.core._forms``); reading them back is ``jaxsched.io``'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import ScheduleBase, field
from jaxsched.core._forms import to_dict, to_text
from jaxsched.core._numerics import f32


class Schedule(ScheduleBase, abstract=True):
    """Base class of every schedule: a pure function of the update count.

    ``schedule(step)`` takes a Python int, an integer array of any shape or a traced
    integer, and returns a strongly typed float32 array of the same shape. Steps are
    clamped to ``[0, 2**31 - 1]``; update ``n`` (0-based) uses ``schedule(n)``. A call from
    Python with concrete values runs one compiled function, cached per schedule structure
    and step shape; inside ``jit``, ``vmap`` or ``grad`` the schedule is traced as usual.

    Schedules compose with arithmetic: ``a * b`` and ``c * a`` (:class:`jaxsched.Product`,
    :class:`jaxsched.Scale`), ``a + b``, ``a - b``, ``a + c``, ``c - a`` and ``-a``
    (:class:`jaxsched.Sum`), and ``a / c`` for a number ``c`` (a ``Scale`` with a
    divisor); a number divided by a schedule, or a schedule by a schedule, is a
    ``TypeError``.

    Subclasses are frozen dataclasses (applied automatically) whose fields are declared
    with ``field``; they implement ``_value(step)``, which receives the clamped int32
    step, ``_horizon()``, and optionally ``_check()`` for checks across fields.
    """

    def __str__(self) -> str:
        """The text form, read back by :func:`jaxsched.parse` (the ``repr`` where there is
        none, e.g. for a schedule holding an unregistered function)."""
        try:
            return to_text(self)
        except TypeError:
            return repr(self)

    def to_dict(self) -> dict[str, Any]:
        """The schedule as a JSON-safe dict, read back by :func:`jaxsched.from_dict`.

        Returns:
          ``{"format": 1, "schedule": {"type": class name, field: value, ...}}``, nested
          schedules as nested nodes and arrays as lists; a schedule made by a factory is
          written as the call, ``{"type": factory name, argument: value, ...}``.

        Example:
          >>> import jaxsched
          >>> jaxsched.Warmup(jaxsched.Constant(1.0), warmup_steps=10).to_dict()["schedule"]
          {'type': 'Warmup', 'schedule': {'type': 'Constant', 'value': 1.0}, 'warmup_steps': 10, 'init_value': 0.0, 'start': 'zero', 'shape': 'linear', 'power': 1.0}
        """
        return to_dict(self)

    # Arithmetic builds the schedules below: a * b and c * a, a + b, a - b and -a, a / c;
    # numbers on either side except for division.
    def __mul__(self, other: Any) -> Schedule:
        return times(self, other)

    def __rmul__(self, other: Any) -> Schedule:
        return times(other, self)

    def __add__(self, other: Any) -> Schedule:
        return add(self, other)

    def __radd__(self, other: Any) -> Schedule:
        return add(other, self)

    def __sub__(self, other: Any) -> Schedule:
        return subtract(self, other)

    def __rsub__(self, other: Any) -> Schedule:
        return subtract(other, self)

    def __neg__(self) -> Schedule:
        return negate(self)

    def __truediv__(self, other: Any) -> Schedule:
        return divide(self, other)

    def __rtruediv__(self, other: Any) -> Schedule:
        return divide(other, self)


class Constant(Schedule):
    r"""A constant value.

    .. math:: v(t) = c

    Args:
      value: the value :math:`c` at every step.

    Returns:
      A schedule; ``Constant(value)(step)`` is a float32 array shaped like ``step``.

    Example:
      >>> import jaxsched
      >>> jaxsched.Constant(0.1)(7)
      Array(0.1, dtype=float32)
    """

    value: ArrayLike = field(check.level)

    def _value(self, step: jax.Array) -> jax.Array:
        return jnp.zeros(step.shape, jnp.float32) + f32(self.value)

    def _horizon(self) -> int | None:
        return 0


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
