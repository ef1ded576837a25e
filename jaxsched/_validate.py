"""Construction-time checks shared by every schedule.

Each checker takes the name of the schedule (``owner``), the argument as the user wrote
it and the value, and either returns the value in canonical form (Python ``int`` or
``float`` for concrete scalars, a NumPy array for concrete sequences, untouched for
traced values) or raises with one message style: who, which argument, what was received,
how to fix it. Traced values skip the value checks (SPEC 3.6).
"""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched._base import INT32_MAX, Schedule

CONSTANT_HINT = "For a value that never changes use jaxsched.Constant."


def is_traced(value: Any) -> bool:
    return isinstance(value, jax.core.Tracer)


def _describe(name: str, value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"{name}={value.tolist()!r}"
    return f"{name}={value!r}"


def fail(owner: str, name: str, value: Any, rule: str, fix: str = "") -> ValueError:
    """A ValueError in the house style (return it, then ``raise``)."""
    message = f"{owner}: {name} {rule}, got {_describe(name, value)}."
    return ValueError(f"{message} {fix}".rstrip())


def _numeric_array(owner: str, name: str, value: Any, kind: str) -> np.ndarray:
    wrong_kind = TypeError(f"{owner}: {name} must be {kind}, got {_describe(name, value)}.")
    if isinstance(value, bool | np.bool_ | str) or value is None:
        raise wrong_kind
    try:
        array = np.asarray(value)
    except Exception as error:
        raise wrong_kind from error
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
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
    """A finite real hyperparameter (batched arrays allowed), optionally bounded."""
    if is_traced(value):
        return value
    array = _numeric_array(owner, name, value, "a real number").astype(np.float64)
    if not np.all(np.isfinite(array)):
        raise fail(owner, name, value, "must be finite", fix)
    if minimum is not None:
        ok = array > minimum if exclusive else array >= minimum
        if not np.all(ok):
            if minimum == 0:
                rule = "positive" if exclusive else "non-negative"
            else:
                rule = f"{'>' if exclusive else '>='} {minimum}"
            raise fail(owner, name, value, f"must be {rule}", fix)
    if maximum is not None and not np.all(array <= maximum):
        raise fail(owner, name, value, f"must be <= {maximum}", fix)
    return _canonical(array, float)


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
            raise TypeError(
                f"{owner}: {name} must be an integer number of optimizer updates, got "
                f"{_describe(name, value)}. Lengths count updates; convert epochs or "
                f"fractions with jaxsched.epochs_to_updates / fraction_to_updates."
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
        raise TypeError(
            f"{owner}: {name} must be a sequence of steps, got {_describe(name, value)}."
        )
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


def real_sequence(owner: str, name: str, value: Any) -> Any:
    """A 1-D sequence of finite reals, stored as a float64 NumPy array.

    A list holding traced numbers (a schedule built inside ``vmap``) is stacked instead.
    """
    if is_traced(value):
        return value
    if isinstance(value, list | tuple) and not concrete(list(value)):
        return jnp.stack([jnp.asarray(v, jnp.float32) for v in value])
    array = np.asarray(real(owner, name, value), dtype=np.float64)
    if array.ndim != 1:
        raise fail(owner, name, value, "must be a 1-D sequence of numbers")
    return array


def flag(owner: str, name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{owner}: {name} must be True or False, got {name}={value!r}.")
    return value


def seed(owner: str, name: str, value: Any) -> Any:
    """A PRNG seed: an integer that fits in int32."""
    if is_traced(value):
        return value
    array = _numeric_array(owner, name, value, "an integer seed")
    if not np.issubdtype(array.dtype, np.integer) or array.ndim != 0:
        raise TypeError(f"{owner}: {name} must be an integer seed, got {_describe(name, value)}.")
    if not abs(int(array)) <= INT32_MAX:
        raise fail(owner, name, value, f"must fit in int32 (|seed| <= {INT32_MAX})")
    return int(array)


def choice(owner: str, name: str, value: Any, options: tuple[str, ...]) -> str:
    if value not in options:
        raise fail(owner, name, value, f"must be one of {options!r}")
    return value


def schedule(owner: str, name: str, value: Any) -> Schedule:
    """A jaxsched schedule; a plain callable gets told how to wrap it."""
    if isinstance(value, Schedule):
        return value
    if callable(value):
        raise TypeError(
            f"{owner}: {name} must be a jaxsched schedule, got the plain callable {value!r}. "
            f"Wrap it: jaxsched.FromFunction(fn)."
        )
    raise TypeError(f"{owner}: {name} must be a jaxsched schedule, got {_describe(name, value)}.")


def schedule_list(owner: str, name: str, value: Any, *, minimum: int = 1) -> tuple[Schedule, ...]:
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
