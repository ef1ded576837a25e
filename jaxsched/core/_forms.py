"""Writing a schedule down: the dict form and the text form.

The dict form is ``{"format": 1, "schedule": node}`` where a node is
``{"type": class name, field: value, ...}``: numbers stay numbers, arrays become lists,
nested schedules become nested nodes. A schedule made by a factory
(``warmup_cosine_decay``, ``sgdr``...) is written as that call, ``{"type": factory name,
argument: value, ...}``, with the arguments as they were given. The text form writes the
same node as a call, ``Warmup(CosineDecay(3e-4, decay_steps=10_000), warmup_steps=1000)``.

Writing needs only a schedule's fields and the registered names; reading a form back
builds classes by name and is ``jaxsched.io``'s (:func:`jaxsched.from_dict`,
:func:`jaxsched.parse`).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Mapping
from typing import Any

import jax
import numpy as np

from jaxsched.core._base import ScheduleBase
from jaxsched.core._registry import function_name, is_factory, known_callables, schedule_class

#: The version of the dict format written by :meth:`Schedule.to_dict`.
FORMAT = 1

_INSTEAD = {
    "Cyclical": (
        "a named mode (mode='triangular2' or 'exp_range' with gamma), or register the "
        "function by name with @jaxsched.register_function"
    ),
    "FromFunction": (
        "a schedule from the catalogue, a registered Schedule subclass, or register the "
        "function by name with @jaxsched.register_function"
    ),
}


def to_dict(schedule: ScheduleBase) -> dict[str, Any]:
    """The dict form of ``schedule`` (see the module doc); ``schedule.to_dict()`` calls it."""
    return {"format": FORMAT, "schedule": _node(schedule, "schedule")}


def _node(schedule: ScheduleBase, path: str) -> dict[str, Any]:
    made_by = vars(schedule).get("_made_by")
    if made_by is not None and is_factory(made_by[0]):
        factory, arguments = made_by
        return {
            "type": factory,
            **{k: _plain(v, f"{path}.{k}", factory) for k, v in arguments.items()},
        }
    name = type(schedule).__name__
    if schedule_class(name) is not type(schedule):
        raise TypeError(
            f"to_dict: {path} is a {type(schedule).__module__}.{name}, which is not "
            f"registered; decorate its class with @jaxsched.register_schedule."
        )
    node: dict[str, Any] = {"type": name}
    for field in dataclasses.fields(schedule):  # type: ignore[arg-type]
        node[field.name] = _plain(getattr(schedule, field.name), f"{path}.{field.name}", name)
    return node


def _plain(value: Any, path: str, owner: str) -> Any:
    if isinstance(value, ScheduleBase):
        return _node(value, path)
    if value is None or isinstance(value, bool | str | int | float):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v, f"{path}[{i}]", owner) for i, v in enumerate(value)]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: _plain(v, f"{path}[{k!r}]", owner) for k, v in value.items()}
    if isinstance(value, jax.core.Tracer):
        raise TypeError(f"to_dict: {path} is traced ({value!r}); call to_dict outside jit.")
    if isinstance(value, np.ndarray | np.generic | jax.Array):
        return np.asarray(value).tolist()
    if callable(value) and (name := function_name(value)) is not None:
        return {"function": name}
    if callable(value):
        raise TypeError(
            f"to_dict: {path} holds the Python function {value!r}, which a dict cannot "
            f"hold. Use {_INSTEAD.get(owner, 'a registered Schedule subclass')} instead."
        )
    raise TypeError(f"to_dict: {path} holds {value!r}, which has no dict form.")


def to_text(schedule: ScheduleBase) -> str:
    """The text form of ``schedule``: ``str(schedule)``, read back by :func:`parse`.

    The first argument is written by position, the others by name; arguments equal to
    their default are left out, except in a factory's call, which is written as given.

    Raises:
      TypeError: the schedule holds something with no text form (an unregistered
        function or class).
    """
    return _write(to_dict(schedule)["schedule"])


def _write(value: Any) -> str:
    if isinstance(value, Mapping) and "type" in value:
        return _write_call(value)
    if isinstance(value, Mapping) and set(value) == {"function"}:
        return value["function"]
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k!r}: {_write(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_write, value)) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        raise TypeError(f"to_text: {value!r} has no text form.")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000:
        return f"{value:_}"
    return repr(value)


def _write_call(node: Mapping[str, Any]) -> str:
    name = node["type"]
    callee = known_callables()[name]
    parameters = inspect.signature(callee).parameters
    recorded = not isinstance(callee, type)
    parts = []
    first_parameter = next(iter(parameters.values()))
    for key, value in ((k, v) for k, v in node.items() if k != "type"):
        default = parameters[key].default
        if not recorded and type(value) is type(default) and value == default:
            continue
        first = (
            key == first_parameter.name
            and first_parameter.kind is first_parameter.POSITIONAL_OR_KEYWORD
        )
        parts.append(_write(value) if first else f"{key}={_write(value)}")
    return f"{name}({', '.join(parts)})"
