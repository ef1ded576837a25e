"""Reading the dict form back, and schedule files (``.json``, ``.yaml``).

:func:`from_dict` reads what :meth:`jaxsched.Schedule.to_dict` writes
(``jaxsched.core._forms`` says what that is): it calls the constructors, so a dict is
validated exactly like code, and nothing in it is evaluated. The jaxsched classes and
factories are known by name; a user's own :class:`jaxsched.Schedule` subclass takes part
once registered with :func:`jaxsched.register_schedule`.
"""

from __future__ import annotations

import inspect
import json
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from jaxsched.core._forms import FORMAT, to_dict
from jaxsched.core._names import did_you_mean, unknown_argument
from jaxsched.core._optional import optional_import
from jaxsched.core._registry import known_callables, registered_functions
from jaxsched.core._schedule import Schedule


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
