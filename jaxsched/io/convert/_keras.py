"""Keras schedules into jaxsched: :func:`from_keras`.

``from_keras`` reads a Keras 3 or tf.keras ``LearningRateSchedule`` (Keras' own, TF
Addons' and TF Model Garden's), or its config, into the jaxsched schedule with the same
values. Which classes convert, and how, is :data:`CONVERTERS`, keyed by the name Keras
serializes a class under (its class name, or ``"package>Name"`` for a registered class):
the rows of ``_keras_classes``, ``_tf_addons`` and ``_model_garden``. Another library's
classes are added as rows. Keras is imported only where a Keras object is given: a
config dict converts without it.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np

from jaxsched.core._names import did_you_mean
from jaxsched.core._schedule import Schedule
from jaxsched.io.convert._keras_classes import (
    KERAS_ROWS,
    Converter,
    admits,
    build,
    described,
    import_keras,
)
from jaxsched.io.convert._model_garden import (
    AFTER_WARMUP,
    MODEL_GARDEN_ROWS,
    NOT_OFFERED,
    WARMUPS,
    after_warmup_class,
    from_optimization_config,
)
from jaxsched.io.convert._tf_addons import TF_ADDONS_ROWS
from jaxsched.io.convert._to_keras import _KERAS_CLASS

#: The keys of a serialized Keras object, besides ``class_name`` and ``config``.
_SERIALIZED_KEYS = ("module", "registered_name", "shared_object_id")

#: Source class (its serialized name) -> how it converts.
CONVERTERS: dict[str, Converter] = {**KERAS_ROWS, **TF_ADDONS_ROWS, **MODEL_GARDEN_ROWS}


def from_keras(schedule_or_config: Any, class_name: str | None = None) -> Schedule:
    r"""The jaxsched schedule with the values of a Keras learning-rate schedule.

    Reads a Keras 3 or tf.keras ``LearningRateSchedule`` (Keras' own, TF Addons' cyclical
    ones and TF Model Garden's), the dict ``keras.optimizers.schedules.serialize`` gives
    (or tf.keras' older ``{"class_name": ..., "config": ...}``), a bare ``get_config()``
    dict with its ``class_name``, or a Model Garden ``OptimizationConfig`` dict; also what
    TF1's ``tf.compat.v1.train.exponential_decay`` (and ``piecewise_constant``,
    ``polynomial_decay``, ``inverse_time_decay``, ``cosine_decay``,
    ``cosine_decay_restarts``) return when run eagerly, their Keras class with the global
    step bound. A dict converts without importing Keras. Update :math:`n`
    (``optimizer.iterations == n``) uses the same rate in both:

    ===============================================  =============================================
    Keras                                            jaxsched
    ===============================================  =============================================
    ``ExponentialDecay(I, D, r, staircase)``         ``ExponentialDecay(I, D, r, staircase=...)``
    ``PiecewiseConstantDecay(b, v)``                 ``PiecewiseConstant([b_i + 1 ...], v)``
    ``PolynomialDecay(I, D, E, p, cycle)``           ``Polynomial(I, E, p, D, cycle=cycle)``
    ``InverseTimeDecay(I, D, r, staircase)``         ``InverseTimeDecay(I, D, r, staircase=...)``
    ``CosineDecay(I, D, alpha)``                     ``CosineDecay(I, D, alpha=alpha)``
    ``CosineDecay(I, D, alpha, target, W)``          ``Warmup(CosineDecay(target, D, alpha=alpha),``
                                                     ``W, init_value=I)``
    ``CosineDecayRestarts(I, F, t_mul, m_mul, a)``   ``CosineRestarts(I, F, t_mul, m_mul, alpha=a)``
    TF Addons ``TriangularCyclicalLearningRate``,    ``Cyclical(I, M, S, mode="triangular" /``
    ``Triangular2...``, ``ExponentialCyclical...``   ``"triangular2" / "exp_range", gamma=g,``
    ``(I, M, S, scale_mode, gamma)``                 ``scale_mode=...)``
    TF Addons ``CyclicalLearningRate(I, M, S, f,``   ``Cyclical(I, M, S, scale_fn=f,``
    ``scale_mode)``                                  ``scale_mode=...)``
    Model Garden ``XWithOffset(..., offset=k)``      the ``X`` row, in ``Offset(..., k)`` if
    (``X``: the four Keras classes above but the     ``k != 0``
    restarts and the inverse time)
    ``DirectPowerDecay(I, p)``                       ``DirectPowerDecay(I, p)``
    ``PowerAndLinearDecay(I, T, p, f, k)``           ``PowerAndLinearDecay(I, T, p, f, k)``
    ``PowerDecayWithOffset(I, p, k, Q)``             ``PowerDecayWithOffset(I, p, k, Q)``
    ``LinearWarmup(s, W, I)``                        ``Warmup(Offset(s, -W), W, init_value=I)``
    ``PolynomialWarmUp(s, W, p)``                    ``Warmup(Offset(s, -W), W, power=p)``
    ===============================================  =============================================

    Keras switches a ``PiecewiseConstantDecay`` value one step after its boundary, hence
    the ``+ 1``. Keras' ``decay_steps`` excludes the warmup, so the cosine is the phase
    after it. Keras ignores ``warmup_steps`` when ``warmup_target`` is ``None`` (a plain
    ``CosineDecay``), and with ``warmup_steps=0`` decays from ``warmup_target`` at once
    (``CosineDecay(target, D, alpha=alpha)``; ``I`` is unused). The config's ``name`` is
    ignored; a missing optional key takes the source library's default, as its
    ``from_config`` does. A schedule made by :func:`to_keras` (or its config) gives back
    the jaxsched schedule.

    Model Garden's warmups ramp to ``s(W)`` and then run ``s`` on the global step, hence
    the ``Offset(s, -W)``; an ``s`` delayed by exactly ``W`` (``offset=W``) gives
    ``Warmup(s_0, W, ...)`` with ``s_0`` undelayed, a number ``s`` a ``Constant``, and
    ``W <= 0`` is ``s`` itself. An ``OptimizationConfig`` dict (``{"optimizer": ...,
    "learning_rate": {"type": "cosine", "cosine": {...}}, "warmup": {"type": "linear",
    "linear": {...}}}``, as in Model Garden's YAML) converts to what
    ``OptimizerFactory(OptimizationConfig(d)).build_learning_rate()`` builds: the
    learning_rate types ``constant``, ``stepwise``, ``exponential``, ``polynomial``,
    ``cosine``, ``power``, ``power_linear`` and ``power_with_offset`` with the config's own
    defaults (the power decays' ``power`` is -0.5 there), under a ``linear`` or
    ``polynomial`` warmup; ``optimizer`` and ``ema`` are not read.

    Known departures (docs/parity.md): negative steps are clamped to 0, where Keras
    extrapolates (or mirrors the cosine), and so a Model Garden ``offset`` holds the
    schedule's first value before it where Model Garden evaluates negative steps (a
    staircase ``ExponentialDecayWithOffset`` goes above ``I`` there); Keras'
    ``CosineDecayRestarts`` with ``t_mul=2`` takes restarts 13 and 15 (steps
    ``2**13 - 1`` and ``2**15 - 1`` for ``first_decay_steps=1``) for the end of the
    previous cycle, giving the floor instead of the peak, where ours are exact at every
    restart; Keras computes with a float32 step, inexact beyond ``2**24``, ours with the
    integer step; Model Garden's ``PolynomialWarmUp`` uses ``max(t, 1)``, so its update 0
    repeats update 1, where ours starts at 0; TF Addons crashes on an int64 step (and on
    any integer step in ``"iterations"`` mode), ours takes any. Reproduced as Model Garden
    does: its ``...WithOffset`` classes' ``get_config()`` has no ``offset``, and a warmup's
    writes its after-schedule as a bare ``get_config()`` (no class, no offset), so a
    serialized config converts with offset 0, as Model Garden's ``from_config`` would
    give (an object converts with its true offsets; add ``"offset"`` to a config, or give
    the after-schedule as ``{"class_name": ..., "config": {...}}``, to restore one). A bare
    after-schedule is read as the class Model Garden's factory puts there whose keys it
    has (an ``ExponentialDecay``-shaped one as ``ExponentialDecayWithOffset``, never
    ``InverseTimeDecay``). Refused: Model Garden's ``StepCosineDecayWithOffset`` (periodic,
    then NaN), a ``PowerDecayWithOffset`` without ``pre_offset_learning_rate`` (Model
    Garden's default 1e6 would be the rate of update 0), and a TF Addons ``scale_fn``
    that is not a function (a serialized config names it only). Values Keras takes but
    jaxsched refuses (a negative or zero rate, an ``ExponentialDecay`` rate above 1
    without a cap, a fractional ``decay_steps`` or ``step_size``, unsorted
    boundaries, a positive power above 1) raise the constructor's error.

    Args:
      schedule_or_config: a Keras ``LearningRateSchedule`` object, the dict
        ``keras.optimizers.schedules.serialize`` gives (``class_name``, ``config`` and
        optionally ``module``, ``registered_name``), or a bare ``get_config()`` dict.
        Values may be Python or NumPy numbers, JAX arrays, Keras variables or Keras'
        serialized ``__tensor__`` / ``__numpy__`` dicts.
      class_name: the Keras class (``"CosineDecay"``), for a bare ``get_config()`` dict
        only.

    Returns:
      The jaxsched schedule, as in the table.

    Raises:
      ValueError: an unknown class (Keras itself returns the class name as a string
        there) or one not offered, a config key the class does not take, a missing
        required key, a ``module`` that is not the class's library, an unknown
        ``OptimizationConfig`` key or type (or a key its type does not take), a bare
        after-schedule that fits no class or two, or a value the jaxsched constructor
        refuses.
      TypeError: something that is neither a Keras schedule nor a dict, a config that is
        not a dict, ``class_name`` given with an object or a serialized dict, a TF Addons
        ``scale_fn`` that is not a function, or a value of the wrong kind.
      ImportError: an object was given and Keras 3 is not installed.

    Example:
      >>> import jaxsched
      >>> config = {
      ...     "module": "keras.optimizers.schedules",
      ...     "class_name": "CosineDecay",
      ...     "config": {"initial_learning_rate": 0.0, "decay_steps": 900, "alpha": 0.1,
      ...                "name": "CosineDecay", "warmup_target": 1e-3, "warmup_steps": 100},
      ...     "registered_name": None,
      ... }
      >>> s = jaxsched.from_keras(config)
      >>> s == jaxsched.Warmup(jaxsched.CosineDecay(1e-3, 900, alpha=0.1), 100, init_value=0.0)
      True
      >>> s(50), s(100), s(1000)
      (Array(0.0005, dtype=float32), Array(0.001, dtype=float32), Array(0.0001, dtype=float32))
      >>> jaxsched.from_keras(
      ...     {"boundaries": [99], "values": [0.1, 0.01]}, class_name="PiecewiseConstantDecay"
      ... )
      PiecewiseConstant(boundaries=[100], values=[0.1, 0.01])
      >>> s = jaxsched.from_keras({
      ...     "optimizer": {"type": "sgd", "sgd": {"momentum": 0.9}},
      ...     "learning_rate": {"type": "cosine", "cosine": {
      ...         "initial_learning_rate": 0.1, "decay_steps": 1000, "offset": 100}},
      ...     "warmup": {"type": "linear", "linear": {"warmup_steps": 100}},
      ... })
      >>> s == jaxsched.Warmup(jaxsched.CosineDecay(0.1, 1000, alpha=0.0), 100, init_value=0.0)
      True
    """
    if isinstance(schedule_or_config, Mapping):
        if (
            class_name is None
            and "learning_rate" in schedule_or_config
            and "class_name" not in schedule_or_config
        ):
            return from_optimization_config(schedule_or_config)
        key, module, config = _read_dict(schedule_or_config, class_name)
    else:
        if class_name is not None:
            raise TypeError(
                f"from_keras: class_name is for a bare get_config() dict; a schedule object "
                f"names its own class. Got class_name={class_name!r} with "
                f"{described(schedule_or_config)}."
            )
        obj = schedule_or_config
        if isinstance(obj, functools.partial) and callable(getattr(obj.func, "get_config", None)):
            # TF1's tf.compat.v1.train.*_decay functions return, eagerly, their Keras class
            # with the global step bound: jaxsched counts that step itself.
            obj = obj.func
        own = _wrapped(obj)
        if own is not None:
            return own
        key, module, config = _read_object(obj)
    return _convert(key, module, config)


def _known() -> str:
    return ", ".join(sorted(CONVERTERS))


def _read_dict(data: Mapping[str, Any], class_name: str | None) -> tuple[str, Any, Any]:
    """The class key, module and config of a serialized or bare config."""
    wrapped = "class_name" in data and "config" in data
    if class_name is not None:
        if not isinstance(class_name, str):
            raise TypeError(
                f"from_keras: class_name must be a Keras class name such as 'CosineDecay', "
                f"got class_name={class_name!r}."
            )
        if wrapped:
            raise TypeError(
                f"from_keras: got class_name={class_name!r} with a serialized dict that "
                f"names its class ({data['class_name']!r}); pass the dict alone, or its "
                f"'config' with class_name."
            )
        return class_name, None, data
    if not wrapped:
        raise ValueError(
            f"from_keras: a dict must be what keras.optimizers.schedules.serialize gives, "
            f"{{'class_name': ..., 'config': {{...}}}}, or a get_config() dict passed with "
            f"class_name='...'; got a dict with keys {sorted(map(str, data))}."
        )
    extra = sorted(set(data) - {"class_name", "config", *_SERIALIZED_KEYS})
    if extra:
        raise ValueError(
            f"from_keras: a serialized Keras schedule has the keys 'class_name', 'config', "
            f"'module' and 'registered_name'; got also {', '.join(map(repr, extra))}."
        )
    name, registered = data["class_name"], data.get("registered_name")
    # A registered (custom) class goes by its registered name, "package>Name"; Keras'
    # own classes have none, or their class name.
    key = registered if registered is not None else name
    if not isinstance(key, str):
        raise TypeError(
            f"from_keras: class_name must be a string, got class_name={name!r} "
            f"(registered_name={registered!r})."
        )
    return key, data.get("module"), data["config"]


def _read_object(obj: Any) -> tuple[str, Any, Any]:
    """The class key, module and config of a Keras schedule object."""
    if isinstance(obj, int | float | np.number) and not isinstance(obj, bool):
        raise TypeError(
            f"from_keras: expected a Keras LearningRateSchedule or its config dict, got the "
            f"number {obj!r}. For a constant learning rate use jaxsched.Constant({obj!r})."
        )
    if not callable(getattr(obj, "get_config", None)):
        raise TypeError(
            f"from_keras: expected a Keras LearningRateSchedule, the dict "
            f"keras.optimizers.schedules.serialize gives, or a get_config() dict with "
            f"class_name=...; got {described(obj)}."
        )
    keras = import_keras("from_keras")
    cls = type(obj)
    # tf.keras' (Keras 2) schedules are not Keras 3 ones but have the same configs.
    if not isinstance(obj, keras.optimizers.schedules.LearningRateSchedule) and not any(
        base.__name__ == "LearningRateSchedule" for base in cls.__mro__
    ):
        raise TypeError(
            f"from_keras: expected a Keras LearningRateSchedule, got {described(obj)}; it has a "
            f"get_config() but is not a learning-rate schedule."
        )
    key = keras.saving.get_registered_name(cls)
    module = cls.__module__
    if key not in CONVERTERS:
        # A class registered with tf.keras (TF Addons' "Addons>...") is unknown to
        # Keras 3's registry, which then gives the bare class name.
        key = next(
            (k for k in CONVERTERS if k.endswith(">" + key) and admits(CONVERTERS[k], module)),
            key,
        )
    config = dict(obj.get_config())
    if str(module).startswith("official."):
        # Model Garden's get_config() drops what the object still holds: the offset of a
        # ...WithOffset class and the class (and offset) of a warmup's after-schedule.
        offset = getattr(obj, "_offset", None)
        if "offset" not in config and offset is not None:
            config["offset"] = offset
        after = getattr(obj, "_after_warmup_lr_sched", None)
        if "after_warmup_lr_sched" in config and after is not None:
            config["after_warmup_lr_sched"] = after
    return key, module, config


def _wrapped(obj: Any) -> Schedule | None:
    """The jaxsched schedule inside a :func:`to_keras` object, else ``None``."""
    cls = _KERAS_CLASS.get("class")
    return obj.schedule if cls is not None and isinstance(obj, cls) else None


def _convert(key: str, module: Any, config: Any) -> Schedule:
    converter = CONVERTERS.get(key)
    if converter is None and key in NOT_OFFERED:
        raise ValueError(f"from_keras: {NOT_OFFERED[key]}")
    if converter is None:
        raise ValueError(
            f"from_keras: unknown schedule class {key!r}.{did_you_mean(key, CONVERTERS)} "
            f"Known: {_known()}. A subclass or a custom schedule has no jaxsched equivalent "
            f"to read: write the jaxsched schedule (docs/parity.md) or wrap its function "
            f"with jaxsched.FromFunction."
        )
    if key in WARMUPS and isinstance(config, Mapping) and AFTER_WARMUP in config:
        config = {**config, AFTER_WARMUP: _after_warmup(key, config[AFTER_WARMUP])}
    return build(key, converter, module, config)


def _after_warmup(owner: str, value: Any) -> Any:
    """The schedule under a Model Garden warmup, read from the forms it comes in: a
    serialized config or an object of any library's class, or a bare Model Garden
    ``get_config()`` dict (whose keys say its class). A schedule or a number is left to
    the warmup's row, which refuses anything else."""
    if isinstance(value, Mapping) and not ("class_name" in value and "config" in value):
        return _convert(after_warmup_class(owner, value), None, value)
    if isinstance(value, Mapping) or callable(getattr(value, "get_config", None)):
        return from_keras(value)
    return value
