"""Schedules as plain dicts: JSON-safe, versioned, round trip exact.

A schedule becomes ``{"format": 1, "schedule": node}`` where a node is
``{"type": class name, field: value, ...}``: numbers stay numbers, arrays become lists,
nested schedules become nested nodes. :func:`from_dict` calls the constructors, so a dict
is validated exactly like code, and nothing in it is evaluated. The jaxsched classes are
known by name; a user's own :class:`Schedule` subclass takes part once registered with
:func:`register_schedule`. A schedule made by a factory (``warmup_cosine_decay``,
``warmup_stable_decay``, ``sgdr``...) is written as that call, ``{"type": factory name,
argument: value, ...}``, with the arguments as they were given.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import os
import pathlib
from collections.abc import Callable, Mapping
from typing import Any

import jax
import numpy as np

from jaxsched._base import Schedule
from jaxsched._names import did_you_mean, unknown_argument
from jaxsched._optional import optional_import

#: The version of the dict format written by :meth:`Schedule.to_dict`.
FORMAT = 1

_registry: dict[str, type[Schedule]] = {}
#: name -> function, filled by :func:`register_function`
registered_functions: dict[str, Callable[..., Any]] = {}

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


def _builtin_schedules() -> dict[str, type[Schedule]]:
    import jaxsched

    return {
        name: obj
        for name in jaxsched.__all__
        if isinstance(obj := getattr(jaxsched, name), type)
        and issubclass(obj, Schedule)
        and obj is not Schedule
    }


def _known() -> dict[str, type[Schedule]]:
    if not _registry:
        _registry.update(_builtin_schedules())
    return _registry


@functools.cache
def _factories() -> dict[str, Callable[..., Schedule]]:
    """The jaxsched factories whose schedules remember the call (``records_call``)."""
    import jaxsched

    return {
        name: getattr(jaxsched, name)
        for name in jaxsched.__all__
        if getattr(getattr(jaxsched, name), "records_call", False)
    }


def register_schedule(cls: type[Schedule]) -> type[Schedule]:
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
    if not (isinstance(cls, type) and issubclass(cls, Schedule)) or cls is Schedule:
        raise TypeError(
            f"register_schedule: expected a subclass of jaxsched.Schedule, got {cls!r}."
        )
    known = _known()
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
    if not callable(fn) or isinstance(fn, Schedule | type):
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


def known_callables() -> dict[str, Callable[..., Schedule]]:
    """Every name a config may call: the schedule classes (registered ones included) and
    the factories that record their call."""
    return {**_known(), **_factories()}


def to_dict(schedule: Schedule) -> dict[str, Any]:
    """The dict form of ``schedule`` (see the module doc); ``schedule.to_dict()`` calls it."""
    return {"format": FORMAT, "schedule": _node(schedule, "schedule")}


def _node(schedule: Schedule, path: str) -> dict[str, Any]:
    made_by = vars(schedule).get("_made_by")
    if made_by is not None and made_by[0] in _factories():
        factory, arguments = made_by
        return {
            "type": factory,
            **{k: _plain(v, f"{path}.{k}", factory) for k, v in arguments.items()},
        }
    name = type(schedule).__name__
    if _known().get(name) is not type(schedule):
        raise TypeError(
            f"to_dict: {path} is a {type(schedule).__module__}.{name}, which is not "
            f"registered; decorate its class with @jaxsched.register_schedule."
        )
    node: dict[str, Any] = {"type": name}
    for field in dataclasses.fields(schedule):  # type: ignore[arg-type]
        node[field.name] = _plain(getattr(schedule, field.name), f"{path}.{field.name}", name)
    return node


def _plain(value: Any, path: str, owner: str) -> Any:
    if isinstance(value, Schedule):
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


def from_dict(data: Mapping[str, Any]) -> Schedule:
    """The schedule a dict from :meth:`Schedule.to_dict` describes.

    Every node is built by its class's constructor, so the values are checked as in code.

    Args:
      data: ``{"format": 1, "schedule": {"type": ..., ...}}``, e.g. from ``json.load``.

    Returns:
      The schedule, equal to the one that was saved.

    Raises:
      ValueError: an unknown type (with the closest names), an unknown or missing field,
        a format newer than this jaxsched reads, or a value the constructor refuses.
      TypeError: something that is not a dict where one is expected, or a value of the
        wrong kind.

    Example:
      >>> import json, jaxsched
      >>> s = jaxsched.Warmup(jaxsched.CosineDecay(3e-4, decay_steps=9000), warmup_steps=1000)
      >>> text = json.dumps(s.to_dict())
      >>> jaxsched.from_dict(json.loads(text)) == s
      True
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"from_dict: expected a dict, got {type(data).__name__}: {data!r}.")
    extra = sorted(set(data) - {"format", "schedule"})
    if extra or "schedule" not in data or "format" not in data:
        raise ValueError(
            f"from_dict: expected the keys 'format' and 'schedule', got {sorted(data)}."
        )
    version = data["format"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"from_dict: format must be a positive int, got format={version!r}.")
    if version > FORMAT:
        raise ValueError(
            f"from_dict: format {version} was written by a newer jaxsched; this one reads "
            f"format {FORMAT}. Upgrade jaxsched."
        )
    return _build(data["schedule"], "schedule")


def _build(node: Any, path: str) -> Schedule:
    if not isinstance(node, Mapping) or "type" not in node:
        raise TypeError(
            f"from_dict: {path} must be a schedule node {{'type': ..., ...}}, got {node!r}."
        )
    name, known = node["type"], known_callables()
    if not isinstance(name, str) or name not in known:
        raise ValueError(
            f"from_dict: {path}.type={name!r} is not a known schedule."
            f"{did_you_mean(str(name), known)} Known: {', '.join(sorted(known))}."
        )
    parameters = inspect.signature(known[name]).parameters
    unknown = sorted(set(node) - set(parameters) - {"type"})
    if unknown:
        raise ValueError(f"from_dict: {path}: {unknown_argument(name, unknown[0], parameters)}")
    missing = [n for n, p in parameters.items() if n not in node and p.default is p.empty]
    if missing:
        raise ValueError(f"from_dict: {path} ({name}) is missing {', '.join(map(repr, missing))}.")
    arguments = {k: _value(v, f"{path}.{k}") for k, v in node.items() if k != "type"}
    return known[name](**arguments)


def _value(value: Any, path: str) -> Any:
    if isinstance(value, Mapping) and "type" in value:
        return _build(value, path)
    if isinstance(value, Mapping) and set(value) == {"function"}:
        name = value["function"]
        fn = registered_functions.get(name) if isinstance(name, str) else None
        if fn is None:
            raise ValueError(
                f"from_dict: {path} names the function {name!r}, which is not registered."
                f"{did_you_mean(str(name), registered_functions)} Import the code that registers it "
                f"(@jaxsched.register_function) before loading."
            )
        return fn
    if isinstance(value, Mapping):  # a plain dict argument, e.g. one of sgdr's cycles
        return {k: _value(v, f"{path}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list) and all(type(v) in (int, float) for v in value):
        return value  # plain numbers (the long lists of boundaries and values): nothing to build
    if isinstance(value, list):
        return [_value(v, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


_SUFFIXES = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def _file_format(owner: str, path: str | os.PathLike) -> str:
    suffix = pathlib.Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(
            f"{owner}: path={str(path)!r} must end in .json, .yaml or .yml (the suffix picks "
            f"the format)."
        )
    return _SUFFIXES[suffix]


def _yaml(owner: str) -> Any:
    return optional_import("yaml", owner, "PyYAML for YAML files", "'jaxsched[yaml]'")


def save_schedule(schedule: Schedule, path: str | os.PathLike) -> None:
    """Writes ``schedule.to_dict()`` to a ``.json`` or ``.yaml`` file.

    Args:
      schedule: the schedule.
      path: the file; its suffix (``.json``, ``.yaml``, ``.yml``) picks the format. YAML
        needs the ``yaml`` extra (PyYAML).

    Returns:
      ``None``.

    Example:
      >>> import jaxsched, pathlib, tempfile
      >>> path = pathlib.Path(tempfile.mkdtemp()) / "lr.json"
      >>> lr = jaxsched.warmup_cosine_decay(0.0, 3e-4, warmup_steps=100, decay_steps=1000)
      >>> jaxsched.save_schedule(lr, path)
      >>> jaxsched.load_schedule(path) == lr
      True
    """
    kind = _file_format("save_schedule", path)
    data = to_dict(schedule)
    if kind == "json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = _yaml("save_schedule").safe_dump(data, sort_keys=False)
    pathlib.Path(path).write_text(text)


def load_schedule(path: str | os.PathLike) -> Schedule:
    """Reads a schedule from a ``.json`` or ``.yaml`` file written by :func:`save_schedule`.

    The file is parsed (``json.load``, ``yaml.safe_load``), never evaluated, and checked
    like :func:`from_dict`; a syntax error names the file and the position.

    Args:
      path: the file; its suffix picks the format.

    Returns:
      The schedule.

    Example:
      >>> import jaxsched, pathlib, tempfile
      >>> path = pathlib.Path(tempfile.mkdtemp()) / "lr.yaml"
      >>> _ = path.write_text(
      ...     "format: 1\\n"
      ...     "schedule: {type: warmup_cosine_decay, init_value: 0.0, peak_value: 3.0e-4,\\n"
      ...     "           warmup_steps: 100, decay_steps: 1000}\\n"
      ... )
      >>> jaxsched.load_schedule(path)(100)
      Array(0.0003, dtype=float32)
    """
    kind = _file_format("load_schedule", path)
    text = pathlib.Path(path).read_text()
    try:
        if kind == "json":
            data = json.loads(text)
        else:
            yaml = _yaml("load_schedule")
            try:
                data = yaml.safe_load(text)
            except yaml.YAMLError as error:
                raise ValueError(str(error)) from None
    except ValueError as error:
        raise ValueError(f"load_schedule: {str(path)!r} is not valid {kind}: {error}") from None
    return from_dict(data)
