"""The names a config may call: schedule classes, factories and functions, by name.

The dict and the text form name a class (``CosineDecay``), a factory whose schedules
remember their call (``warmup_cosine_decay``) or a registered function (a ``Cyclical``'s
``scale_fn``). jaxsched's own are registered once, by ``jaxsched/__init__.py``, from the
public names; a user's take part with :func:`register_schedule` and
:func:`register_function`. Writing a form (``jaxsched.core._forms``) and reading one
(``jaxsched.io``) look names up here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from jaxsched.core._base import ScheduleBase

S = TypeVar("S", bound=ScheduleBase)

#: name -> class: jaxsched's, and those registered with :func:`register_schedule`
_classes: dict[str, type[ScheduleBase]] = {}
#: name -> factory whose schedules remember their call (``records_call``)
_factories: dict[str, Callable[..., ScheduleBase]] = {}
#: name -> function, filled by :func:`register_function`
registered_functions: dict[str, Callable[..., Any]] = {}


def _is_schedule_class(cls: Any) -> bool:
    """A concrete schedule class (not the abstract ``Schedule`` itself)."""
    return isinstance(cls, type) and issubclass(cls, ScheduleBase) and dataclasses.is_dataclass(cls)


def register_builtins(namespace: Mapping[str, Any]) -> None:
    """Registers jaxsched's own classes and factories: the public names that are some."""
    for name, obj in namespace.items():
        if _is_schedule_class(obj):
            _classes[name] = obj
        elif getattr(obj, "records_call", False):
            _factories[name] = obj


def schedule_class(name: str) -> type[ScheduleBase] | None:
    """The class registered under ``name``, or ``None``."""
    return _classes.get(name)


def is_factory(name: str) -> bool:
    """Whether ``name`` is one of jaxsched's factories that record their call."""
    return name in _factories


def register_schedule(cls: type[S]) -> type[S]:
    """Lets a user's own schedule class take part in :func:`from_dict` (a class decorator).

    The class is known by its name, which must not be taken by another class (defining
    the same class again, as a notebook cell run twice does, replaces it).

    Args:
      cls: a subclass of :class:`jaxsched.Schedule`.

    Returns:
      ``cls``, unchanged.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> @jaxsched.register_schedule
      ... class StepHalving(jaxsched.Schedule):
      ...     value: float
      ...     def _value(self, step):
      ...         return self.value * 0.5 ** (step // 10).astype(jnp.float32)
      ...     def _horizon(self):
      ...         return None
      >>> StepHalving(1.0).to_dict()
      {'format': 1, 'schedule': {'type': 'StepHalving', 'value': 1.0}}
      >>> jaxsched.from_dict(StepHalving(1.0).to_dict()) == StepHalving(1.0)
      True
    """
    if not _is_schedule_class(cls):
        raise TypeError(
            f"register_schedule: expected a subclass of jaxsched.Schedule, got {cls!r}."
        )
    known = _classes
    name = cls.__name__
    taken = known.get(name, cls)
    redefined = (taken.__module__, taken.__qualname__) == (cls.__module__, cls.__qualname__)
    if taken is not cls and not redefined:  # a notebook cell run again may redefine it
        raise ValueError(
            f"register_schedule: the name {name!r} is taken by {known[name].__module__}."
            f"{name}; rename the class."
        )
    known[name] = cls
    return cls


def register_function(fn: Callable[..., Any], *, name: str | None = None) -> Callable[..., Any]:
    """Lets a schedule that holds a Python function be saved: the function goes by name.

    ``Cyclical(scale_fn=...)`` and ``FromFunction(fn)`` hold a function, which a dict or
    a text cannot. Once registered, the function is written as ``{"function": name}`` in
    the dict form and as its bare name in the text form, and read back as the function
    itself, provided the code that registers it has run (import it before loading).

    Args:
      fn: the function; usable as a decorator.
      name: the name it goes by, an identifier; by default ``fn.__name__``. Registering
        another function under a taken name is an error, except the same function
        defined again (a notebook cell run twice), which replaces it.

    Returns:
      ``fn``, unchanged.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> @jaxsched.register_function
      ... def thirds(cycle):
      ...     return (1.0 / 3.0) ** (cycle - 1.0)
      >>> s = jaxsched.Cyclical(0.1, 1.0, step_size_up=10, scale_fn=thirds, scale_mode="cycle")
      >>> s.to_dict()["schedule"]["scale_fn"]
      {'function': 'thirds'}
      >>> str(s)
      "Cyclical(0.1, peak_value=1.0, step_size_up=10, mode='custom', scale_fn=thirds, scale_mode='cycle')"
      >>> jaxsched.parse(str(s)) == s
      True
    """
    if not callable(fn) or isinstance(fn, ScheduleBase | type):
        raise TypeError(f"register_function: expected a function, got fn={fn!r}.")
    name = getattr(fn, "__name__", None) if name is None else name
    if not isinstance(name, str) or not name.isidentifier() or name == "<lambda>":
        raise ValueError(
            f"register_function: name must be an identifier, got name={name!r}; pass "
            f"name='...' (a lambda has no name of its own)."
        )
    if name in ("True", "False", "None") or name in known_callables():
        raise ValueError(
            f"register_function: name={name!r} is the name of a schedule or a literal; "
            f"pass another name='...'."
        )
    taken = registered_functions.get(name, fn)
    same = getattr(taken, "__module__", None), getattr(taken, "__qualname__", None)
    if taken is not fn and same != (fn.__module__, fn.__qualname__):
        raise ValueError(
            f"register_function: the name {name!r} is taken by {taken!r}; pass another name='...'."
        )
    registered_functions[name] = fn
    return fn


def function_name(fn: Callable[..., Any]) -> str | None:
    """The name ``fn`` is registered under, or ``None``."""
    return next((name for name, f in registered_functions.items() if f is fn), None)


def known_callables() -> dict[str, Callable[..., ScheduleBase]]:
    """Every name a config may call: the schedule classes (registered ones included) and
    the factories that record their call."""
    return {**_classes, **_factories}
