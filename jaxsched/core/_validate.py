"""Construction-time checks shared by every schedule.

Each checker takes the name of the schedule (``owner``), the argument as the user wrote
it and the value, and either returns the value in canonical form (Python ``int`` or
``float`` for concrete scalars, a NumPy array for concrete sequences, untouched for
traced values) or raises with one message style: who, which argument, what was received,
how to fix it. Traced values skip the value checks (SPEC 3.6).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched.core._base import ScheduleBase
from jaxsched.core._numerics import INT32_MAX

CONSTANT_HINT = "For a value that never changes use jaxsched.Constant."
LEVEL_FIX = (
    "Schedule values (learning rates, weight decay, momentum) are never negative; to flip "
    "the sign of a whole schedule, scale it: -1.0 * schedule."
)
FLOAT32_MAX = float(np.finfo(np.float32).max)


def is_traced(value: Any) -> bool:
    return isinstance(value, jax.core.Tracer)


def _describe(name: str, value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{name}={value.tolist()!r}"
    return f"{name}={value!r}"


@dataclasses.dataclass(frozen=True, eq=False)
class _BadArgument:
    """What a construction error is about, kept on the error so a factory can re-word it.

    ``owner`` is the function, ``name`` the argument as written, ``value`` what was
    received, ``rule`` what was broken and ``fix`` how to mend it. The error itself is a
    plain ``ValueError`` or ``TypeError``.
    """

    owner: str
    name: str
    value: Any
    rule: str
    fix: str = ""

    def error(self, kind: type[Exception]) -> Exception:
        message = f"{self.owner}: {self.name} {self.rule}, got {_describe(self.name, self.value)}."
        error = kind(f"{message} {self.fix}".rstrip())
        error.bad_argument = self  # type: ignore[attr-defined]
        return error


def fail(owner: str, name: str, value: Any, rule: str, fix: str = "") -> ValueError:
    """A ValueError in the house style (return it, then ``raise``)."""
    return _BadArgument(owner, name, value, rule, fix).error(ValueError)  # type: ignore[return-value]


def wrong_type(owner: str, name: str, value: Any, rule: str, fix: str = "") -> TypeError:
    """A TypeError in the house style (return it, then ``raise``)."""
    return _BadArgument(owner, name, value, rule, fix).error(TypeError)  # type: ignore[return-value]


@contextlib.contextmanager
def reported_as(owner: str, rename: Callable[[str, str], str | None]) -> Iterator[None]:
    """Re-words the construction errors raised inside as errors of ``owner``.

    A factory builds inner schedules from its arguments; a bad argument should be named
    as the user wrote it (``warmup_stable_decay: decay_steps``), not as the inner class
    calls it (``Cooldown: cooldown_steps``). ``rename(inner_owner, inner_name)`` gives
    the factory's argument, or ``None`` to leave an error as it is.
    """
    try:
        yield
    except (ValueError, TypeError) as error:
        bad = getattr(error, "bad_argument", None)
        name = None if bad is None else rename(bad.owner, bad.name)
        if name is None:
            raise
        raise dataclasses.replace(bad, owner=owner, name=name).error(type(error)) from None


def factory(renames: dict[str, dict[str, str]] | None = None) -> Callable:
    """Decorates a factory so inner errors name it and its own arguments.

    ``renames[inner_owner][inner_name]`` is the factory's argument behind an inner one;
    an inner argument with the same name as one of the factory's maps to it.
    """
    renames = renames or {}

    def decorate(fn: Callable) -> Callable:
        arguments = set(inspect.signature(fn).parameters)

        def rename(inner_owner: str, inner_name: str) -> str | None:
            name = renames.get(inner_owner, {}).get(inner_name, inner_name)
            return name if name in arguments else None

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with reported_as(fn.__name__, rename):
                return fn(*args, **kwargs)

        return wrapper

    return decorate


def _numeric_array(owner: str, name: str, value: Any, kind: str) -> np.ndarray:
    wrong_kind = wrong_type(owner, name, value, f"must be {kind}")
    if isinstance(value, bool | np.bool_ | str) or value is None:
        raise wrong_kind
    try:
        array = np.asarray(value)
    except Exception as error:
        raise wrong_kind from error
    # jnp.issubdtype knows bfloat16 and the other ML float types; NumPy does not.
    if not (jnp.issubdtype(array.dtype, jnp.integer) or jnp.issubdtype(array.dtype, jnp.floating)):
        raise wrong_kind
    return array


def _canonical(array: np.ndarray, scalar: type) -> Any:
    return scalar(array) if array.ndim == 0 else array


def real(
    owner: str,
    name: str,
    value: Any,
    *,
    minimum: float | None = None,
    exclusive: bool = False,
    maximum: float | None = None,
    fix: str = "",
) -> Any:
    """A real hyperparameter, finite in float32 (batched arrays allowed), optionally bounded.

    The bounds apply to the float32 value the schedule computes with, so a positive value
    that rounds to 0 in float32 is refused too.
    """
    if is_traced(value):
        return value
    array = _numeric_array(owner, name, value, "a real number").astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise fail(owner, name, value, "must be finite", fix)
    if not np.all(np.abs(array) <= FLOAT32_MAX):
        raise fail(
            owner, name, value, f"must be finite in float32 (at most {FLOAT32_MAX:.7g})", fix
        )
    computed = array.astype(np.float32)
    if minimum is not None:
        ok = computed > minimum if exclusive else computed >= minimum
        if not np.all(ok):
            if minimum == 0:
                rule = "positive" if exclusive else "non-negative"
            else:
                rule = f"{'>' if exclusive else '>='} {minimum}"
            if exclusive and np.all(array > minimum):
                rule += " in float32"
            raise fail(owner, name, value, f"must be {rule}", fix)
    if maximum is not None and not np.all(computed <= maximum):
        raise fail(owner, name, value, f"must be <= {maximum}", fix)
    return _canonical(array, float)


def level(owner: str, name: str, value: Any, **options: Any) -> Any:
    """A value a schedule takes (a learning rate, a floor, a peak): finite and ``>= 0``."""
    checked = real(owner, name, value, **options)
    if not is_traced(checked) and not np.all(np.asarray(checked) >= 0):
        raise fail(owner, name, value, "must be non-negative", LEVEL_FIX)
    return checked


def largest(value: Any) -> float:
    """The largest entry of a concrete number or batch of numbers, as a float64."""
    return float(np.max(np.asarray(value, np.float64)))


def representable(owner: str, what: str, value: float, fix: str = "") -> None:
    """A value derived from several arguments must still be finite in float32."""
    if not abs(value) <= FLOAT32_MAX:
        message = f"{owner}: {what} is {value:.4g}, beyond float32 (at most {FLOAT32_MAX:.7g})."
        raise ValueError(f"{message} {fix}".rstrip())


def steps(
    owner: str,
    name: str,
    value: Any,
    *,
    positive: bool = False,
    signed: bool = False,
    fix: str = "",
) -> Any:
    """A count of optimizer updates: an integer in ``[0 or 1, 2**31 - 1]``.

    ``signed`` allows ``[-(2**31 - 1), 2**31 - 1]`` instead (a shift, not a length).
    """
    if is_traced(value):
        return value
    array = _numeric_array(owner, name, value, "an integer number of optimizer updates")
    if np.issubdtype(array.dtype, np.floating):
        if not np.all(np.isfinite(array)) or not np.all(array == np.round(array)):
            raise wrong_type(
                owner,
                name,
                value,
                "must be an integer number of optimizer updates",
                "Lengths count updates; convert epochs or fractions with "
                "jaxsched.epochs_to_updates / fraction_to_updates.",
            )
    if not np.all(np.abs(array) <= INT32_MAX):
        raise fail(owner, name, value, f"must be <= 2**31 - 1 = {INT32_MAX}", fix)
    low = -INT32_MAX if signed else int(positive)
    if not np.all(array >= low):
        raise fail(owner, name, value, "must be positive" if positive else "must be >= 0", fix)
    return _canonical(array.astype(np.int64), int)


def step_sequence(owner: str, name: str, value: Any, *, strict: bool) -> Any:
    """A 1-D sorted sequence of step counts, stored as an int32 NumPy array."""
    if is_traced(value):
        return value
    if isinstance(value, dict | set):
        raise wrong_type(owner, name, value, "must be a sequence of steps")
    if np.size(value) == 0:
        return np.zeros(0, np.int32)
    array = np.asarray(steps(owner, name, value))
    if array.ndim != 1:
        raise fail(owner, name, value, "must be a 1-D sequence of steps")
    diffs = np.diff(array)
    if strict and not np.all(diffs > 0):
        raise fail(
            owner, name, value, "must be strictly increasing", "Sort them and remove repeats."
        )
    if not strict and not np.all(diffs >= 0):
        raise fail(owner, name, value, "must be sorted in increasing order")
    return array.astype(np.int32)


def level_sequence(owner: str, name: str, value: Any) -> Any:
    """A 1-D sequence of levels (finite, ``>= 0``), stored as a float64 NumPy array.

    A list holding traced numbers (a schedule built inside ``vmap``) is stacked instead.
    """
    if is_traced(value):
        return value
    if isinstance(value, list | tuple) and not concrete(list(value)):
        return jnp.stack([jnp.asarray(v, jnp.float32) for v in value])
    array = np.asarray(level(owner, name, value), dtype=np.float64)
    if array.ndim != 1:
        raise fail(owner, name, value, "must be a 1-D sequence of numbers")
    return array


def flag(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise wrong_type(owner, name, value, "must be True or False")
    return value


def seed(owner: str, name: str, value: Any) -> Any:
    """A PRNG seed: an integer that fits in int32."""
    if is_traced(value):
        return value
    array = _numeric_array(owner, name, value, "an integer seed")
    if not np.issubdtype(array.dtype, np.integer) or array.ndim != 0:
        raise wrong_type(owner, name, value, "must be an integer seed")
    if not abs(int(array)) <= INT32_MAX:
        raise fail(owner, name, value, f"must fit in int32 (|seed| <= {INT32_MAX})")
    return int(array)


def choice(owner: str, name: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise fail(owner, name, value, f"must be one of {options!r}")
    return value


def schedule(owner: str, name: str, value: Any) -> ScheduleBase:
    """A jaxsched schedule; a plain callable gets told how to wrap it."""
    if isinstance(value, ScheduleBase):
        return value
    if callable(value):
        raise TypeError(
            f"{owner}: {name} must be a jaxsched schedule, got the plain callable {value!r}. "
            f"Wrap it: jaxsched.FromFunction(fn)."
        )
    raise TypeError(f"{owner}: {name} must be a jaxsched schedule, got {_describe(name, value)}.")


def schedule_list(
    owner: str, name: str, value: Any, *, minimum: int = 1
) -> tuple[ScheduleBase, ...]:
    """A non-empty list of schedules, stored as a tuple."""
    if not isinstance(value, list | tuple):
        raise TypeError(
            f"{owner}: {name} must be a list of schedules, got {_describe(name, value)}."
        )
    schedules = tuple(schedule(owner, f"{name}[{i}]", s) for i, s in enumerate(value))
    if len(schedules) < minimum:
        raise fail(
            owner,
            name,
            list(schedules),
            f"needs at least {minimum} schedule{'s' if minimum > 1 else ''}",
        )
    return schedules


def concrete(value: Any) -> bool:
    return not any(is_traced(leaf) for leaf in jax.tree_util.tree_leaves(value))
