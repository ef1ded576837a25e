"""Keras schedules in and out: :func:`from_keras` and :func:`to_keras`.

``from_keras`` reads a Keras 3 (or tf.keras) ``LearningRateSchedule``, or its config, into
the jaxsched schedule with the same values; ``to_keras`` wraps a jaxsched schedule as a
Keras 3 ``LearningRateSchedule``. Keras is imported only where a Keras object is given or
made: a config dict converts without it.

Which source classes convert, and how, is the table :data:`CONVERTERS` (the key is the
name Keras serializes the class under: its class name, or ``"package>Name"`` for a
registered class such as TF Addons' ``"Addons>CyclicalLearningRate"``). Another library's
classes are added as rows; nothing else changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxsched import _validate as check
from jaxsched._base import INT32_MAX, Schedule
from jaxsched._cosine import CosineDecay
from jaxsched._exponential import ExponentialDecay, InverseTimeDecay
from jaxsched._names import did_you_mean
from jaxsched._piecewise import PiecewiseConstant
from jaxsched._polynomial import Polynomial
from jaxsched._restarts import CosineRestarts
from jaxsched._serialize import from_dict
from jaxsched._warmup import Warmup

#: Where Keras' own classes live: Keras 3 (``keras.optimizers.schedules`` in a serialized
#: config, ``keras.src....`` on a class), tf.keras and the standalone Keras 2.
KERAS_MODULES = ("keras", "tf_keras", "tensorflow")

#: Keras' serialization wraps tensors and arrays in such a dict: ``{"class_name":
#: "__tensor__", "config": {"value": ..., "dtype": ...}}``.
_WRAPPED_VALUES = ("__tensor__", "__numpy__")

#: The keys of a serialized Keras object, besides ``class_name`` and ``config``.
_SERIALIZED_KEYS = ("module", "registered_name", "shared_object_id")


@dataclasses.dataclass(frozen=True)
class Converter:
    """How one source class becomes a jaxsched schedule.

    ``build`` is called with every key of the class's ``get_config()`` as a keyword
    (the ``ignored`` ones left out, the missing optional ones given the source library's
    own ``defaults``), each value already a plain Python number, bool or list.
    ``modules`` are the module prefixes a config's ``module`` may name: a class of the
    same name from elsewhere (a user's own ``CosineDecay``) is not converted.
    """

    build: Callable[..., Schedule]
    required: tuple[str, ...]
    defaults: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    ignored: tuple[str, ...] = ("name",)
    modules: tuple[str, ...] = KERAS_MODULES

    def keys(self) -> tuple[str, ...]:
        return (*self.required, *self.defaults, *self.ignored)


def _exponential(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: Any
) -> Schedule:
    return ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=staircase)


def _piecewise(boundaries: Any, values: Any) -> Schedule:
    # Checked before the shift so that an error shows the boundaries as Keras had them.
    checked = check.step_sequence(
        "from_keras: PiecewiseConstantDecay", "boundaries", boundaries, strict=True
    )
    # Keras keeps values[i] through step boundaries[i] inclusive; ours switch at the
    # boundary itself.
    return PiecewiseConstant([int(b) + 1 for b in checked], values)


def _polynomial(
    initial_learning_rate: Any, decay_steps: Any, end_learning_rate: Any, power: Any, cycle: Any
) -> Schedule:
    return Polynomial(
        initial_learning_rate, end_learning_rate, power, transition_steps=decay_steps, cycle=cycle
    )


def _inverse_time(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: Any
) -> Schedule:
    return InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=staircase)


def _cosine(
    initial_learning_rate: Any,
    decay_steps: Any,
    alpha: Any,
    warmup_target: Any,
    warmup_steps: Any,
) -> Schedule:
    if warmup_target is None:
        # Keras ignores warmup_steps without a warmup_target.
        return CosineDecay(initial_learning_rate, decay_steps, alpha=alpha)
    decay = CosineDecay(warmup_target, decay_steps, alpha=alpha)
    if isinstance(warmup_steps, int | float) and warmup_steps == 0:
        # Keras then decays from warmup_target at once; initial_learning_rate is unused.
        return decay
    # Keras' decay_steps excludes the warmup: the cosine is a phase of its own.
    return Warmup(decay, warmup_steps, init_value=initial_learning_rate)


def _cosine_restarts(
    initial_learning_rate: Any, first_decay_steps: Any, t_mul: Any, m_mul: Any, alpha: Any
) -> Schedule:
    return CosineRestarts(initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha=alpha)


def _own(format: Any, schedule: Any) -> Schedule:
    return from_dict({"format": format, "schedule": schedule})


#: Source class (its serialized name) -> how it converts. The Keras defaults are those of
#: Keras 3 and tf.keras alike; tf.keras before 2.13 has no CosineDecay warmup.
CONVERTERS: dict[str, Converter] = {
    "ExponentialDecay": Converter(
        _exponential,
        ("initial_learning_rate", "decay_steps", "decay_rate"),
        {"staircase": False},
    ),
    "PiecewiseConstantDecay": Converter(_piecewise, ("boundaries", "values")),
    "PolynomialDecay": Converter(
        _polynomial,
        ("initial_learning_rate", "decay_steps"),
        {"end_learning_rate": 0.0001, "power": 1.0, "cycle": False},
    ),
    "InverseTimeDecay": Converter(
        _inverse_time,
        ("initial_learning_rate", "decay_steps", "decay_rate"),
        {"staircase": False},
    ),
    "CosineDecay": Converter(
        _cosine,
        ("initial_learning_rate", "decay_steps"),
        {"alpha": 0.0, "warmup_target": None, "warmup_steps": 0},
    ),
    "CosineDecayRestarts": Converter(
        _cosine_restarts,
        ("initial_learning_rate", "first_decay_steps"),
        {"t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0},
    ),
    # What to_keras writes: the schedule's own dict form.
    "jaxsched>KerasSchedule": Converter(
        _own, ("format", "schedule"), ignored=(), modules=("jaxsched",)
    ),
}


def _import_keras(owner: str) -> Any:
    try:
        import keras
    except ImportError as error:
        if error.name != "keras":  # Keras is there but failed (e.g. no backend installed)
            raise
        raise ImportError(f"{owner} needs Keras 3: pip install keras.") from error
    return keras


def from_keras(schedule_or_config: Any, class_name: str | None = None) -> Schedule:
    r"""The jaxsched schedule with the values of a Keras learning-rate schedule.

    Reads a Keras 3 or tf.keras ``LearningRateSchedule``, the dict
    ``keras.optimizers.schedules.serialize`` gives (or tf.keras' older
    ``{"class_name": ..., "config": ...}``), or a bare ``get_config()`` dict with its
    ``class_name``. A dict converts without importing Keras. Update :math:`n`
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
    ===============================================  =============================================

    Keras switches a ``PiecewiseConstantDecay`` value one step after its boundary, hence
    the ``+ 1``. Keras' ``decay_steps`` excludes the warmup, so the cosine is the phase
    after it. Keras ignores ``warmup_steps`` when ``warmup_target`` is ``None`` (a plain
    ``CosineDecay``), and with ``warmup_steps=0`` decays from ``warmup_target`` at once
    (``CosineDecay(target, D, alpha=alpha)``; ``I`` is unused). The config's ``name`` is
    ignored; a missing optional key takes Keras' default, as Keras' ``from_config`` does.
    A schedule made by :func:`to_keras` (or its config) gives back the jaxsched schedule.

    Known departures from Keras (docs/parity.md): negative steps are clamped to 0, where
    Keras extrapolates (or mirrors the cosine); Keras' ``CosineDecayRestarts`` with
    ``t_mul=2`` takes restarts 13 and 15 (steps ``2**13 - 1`` and ``2**15 - 1`` for
    ``first_decay_steps=1``) for the end of the previous cycle, giving the floor instead
    of the peak, where ours are exact at every restart; Keras computes with a float32
    step, inexact beyond ``2**24``, ours with the integer step. Values Keras takes but
    jaxsched refuses (a negative or zero rate, an ``ExponentialDecay`` rate above 1, an
    ``m_mul`` above 1, a fractional ``decay_steps``, unsorted boundaries) raise the
    constructor's error.

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
        there), a config key the class does not take, a missing required key, a
        ``module`` that is not Keras', or a value the jaxsched constructor refuses.
      TypeError: something that is neither a Keras schedule nor a dict, a config that is
        not a dict, ``class_name`` given with an object or a serialized dict, or a value
        of the wrong kind.
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
    """
    if isinstance(schedule_or_config, Mapping):
        key, module, config = _read_dict(schedule_or_config, class_name)
    else:
        if class_name is not None:
            raise TypeError(
                f"from_keras: class_name is for a bare get_config() dict; a schedule object "
                f"names its own class. Got class_name={class_name!r} with "
                f"{_kind(schedule_or_config)}."
            )
        own = _wrapped(schedule_or_config)
        if own is not None:
            return own
        key, module, config = _read_object(schedule_or_config)
    return _convert(key, module, config)


def _kind(value: Any) -> str:
    return f"a {type(value).__module__}.{type(value).__qualname__}: {value!r}"


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
            f"class_name=...; got {_kind(obj)}."
        )
    keras = _import_keras("from_keras")
    cls = type(obj)
    # tf.keras' (Keras 2) schedules are not Keras 3 ones but have the same configs.
    if not isinstance(obj, keras.optimizers.schedules.LearningRateSchedule) and not any(
        base.__name__ == "LearningRateSchedule" for base in cls.__mro__
    ):
        raise TypeError(
            f"from_keras: expected a Keras LearningRateSchedule, got {_kind(obj)}; it has a "
            f"get_config() but is not a learning-rate schedule."
        )
    key = keras.saving.get_registered_name(cls)
    return key, cls.__module__, obj.get_config()


def _wrapped(obj: Any) -> Schedule | None:
    """The jaxsched schedule inside a :func:`to_keras` object, else ``None``."""
    cls = _KERAS_CLASS.get("class")
    return obj.schedule if cls is not None and isinstance(obj, cls) else None


def _convert(key: str, module: Any, config: Any) -> Schedule:
    converter = CONVERTERS.get(key)
    if converter is None:
        raise ValueError(
            f"from_keras: unknown schedule class {key!r}.{did_you_mean(key, CONVERTERS)} "
            f"Known: {_known()}. A subclass or a custom schedule has no jaxsched equivalent "
            f"to read: write the jaxsched schedule (docs/parity.md) or wrap its function "
            f"with jaxsched.FromFunction."
        )
    if module is not None and not any(
        module == prefix or str(module).startswith(prefix + ".") for prefix in converter.modules
    ):
        raise ValueError(
            f"from_keras: the class {key!r} comes from module {module!r}, not from "
            f"{' or '.join(converter.modules)}; only those libraries' own {key} converts."
        )
    if not isinstance(config, Mapping):
        raise TypeError(
            f"from_keras: the config of {key} must be a dict (its get_config()), got "
            f"{_kind(config)}."
        )
    keys = converter.keys()
    unknown = [k for k in config if k not in keys]
    if unknown:
        name = str(unknown[0])
        raise ValueError(
            f"from_keras: {key} has no config key {name!r}.{did_you_mean(name, keys)} "
            f"{key} takes {', '.join(map(repr, keys))}."
        )
    missing = [k for k in converter.required if k not in config]
    if missing:
        raise ValueError(
            f"from_keras: the {key} config is missing {', '.join(map(repr, missing))}; "
            f"got the keys {list(config)}."
        )
    arguments = {**converter.defaults}
    arguments.update({k: _plain(v) for k, v in config.items() if k not in converter.ignored})
    return converter.build(**arguments)


def _plain(value: Any) -> Any:
    """A config value as a Python number, bool or list (what the constructors check)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if (
        isinstance(value, Mapping)
        and value.get("class_name") in _WRAPPED_VALUES
        and isinstance(value.get("config"), Mapping)
        and "value" in value["config"]
    ):
        return _plain(value["config"]["value"])
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return value
    if hasattr(value, "assign") and hasattr(value, "value"):
        # A Keras or TensorFlow variable: its value is the backend's tensor (a Keras
        # variable's own numpy() warns on NumPy 2).
        value = value.value() if callable(value.value) else value.value
    if callable(getattr(value, "detach", None)):  # a PyTorch tensor
        value = value.detach().cpu()
    numpy = getattr(value, "numpy", None)
    if callable(numpy) and not isinstance(value, np.ndarray | np.generic):
        try:  # a TensorFlow or PyTorch tensor
            value = numpy()
        except Exception:
            pass  # np.asarray below gets another chance
    try:
        array = np.asarray(value)
    except Exception:
        return value  # the constructor says what is wrong with it
    if array.dtype == object:
        return value
    return array.item() if array.ndim == 0 else array.tolist()


#: The class to_keras makes, once Keras has been imported: {"class": KerasSchedule}.
_KERAS_CLASS: dict[str, type] = {}


def keras_schedule_class() -> type:
    """The Keras ``LearningRateSchedule`` subclass :func:`to_keras` makes, registered.

    Made on the first call (which imports Keras) and registered with Keras as
    ``"jaxsched>KerasSchedule"``. Keras finds a registered class only once its code has
    run, so in a fresh process a saved model that uses a :func:`to_keras` schedule loads
    after this has been called (or any :func:`to_keras`); before, ``load_model`` raises
    a TypeError naming ``jaxsched>KerasSchedule``.

    Returns:
      The class; ``KerasSchedule(schedule)`` is ``to_keras(schedule)``.

    Example:
      >>> import os
      >>> _ = os.environ.setdefault("KERAS_BACKEND", "jax")
      >>> import keras, jaxsched
      >>> cls = jaxsched.keras_schedule_class()  # then keras.saving.load_model(...)
      >>> keras.saving.get_registered_object("jaxsched>KerasSchedule") is cls
      True
    """
    if "class" in _KERAS_CLASS:
        return _KERAS_CLASS["class"]
    keras = _import_keras("to_keras")
    backend = keras.backend.backend()
    compute = _jax_value if backend == "jax" else _eager_value
    if backend == "torch":
        import torch

        # Under compile(jit_compile=True) torch.compile would trace into JAX and fail:
        # the schedule runs outside the graph instead (a graph break).
        compute = torch.compiler.disable(_eager_value)

    @keras.saving.register_keras_serializable(package="jaxsched")
    class KerasSchedule(keras.optimizers.schedules.LearningRateSchedule):
        """A Keras learning-rate schedule whose values are a jaxsched schedule's.

        ``schedule`` is the jaxsched schedule; ``get_config()`` is its dict form
        (``schedule.to_dict()``).
        """

        def __init__(self, schedule: Schedule) -> None:
            super().__init__()
            self.schedule = check.schedule("to_keras", "schedule", schedule)

        def __call__(self, step: Any) -> Any:
            return compute(keras, self.schedule, step)

        def get_config(self) -> dict[str, Any]:
            return self.schedule.to_dict()

        @classmethod
        def from_config(cls, config: dict[str, Any]) -> KerasSchedule:
            return cls(from_dict(config))

        def __repr__(self) -> str:
            return f"to_keras({self.schedule!r})"

    _KERAS_CLASS["class"] = KerasSchedule
    return KerasSchedule


# A float step is rounded and clamped below 2**31 in float32 before the integer cast:
# float32(2**31 - 1) is 2**31, which would wrap.
_FLOAT_STEP_MAX = float(np.nextafter(np.float32(INT32_MAX), np.float32(0)))


def _jax_value(keras: Any, schedule: Schedule, step: Any) -> Any:
    """``schedule(step)`` under the JAX backend: eagerly, or traced inside fit's ``jit``."""
    step = jnp.asarray(keras.ops.convert_to_tensor(step))
    if jnp.issubdtype(step.dtype, jnp.floating):
        step = jnp.clip(jnp.round(step), 0, _FLOAT_STEP_MAX).astype(jnp.int32)
    return schedule(step)


def _eager_value(keras: Any, schedule: Schedule, step: Any) -> Any:
    """``schedule(step)`` through NumPy, for the backends other than JAX."""
    try:
        tensor = keras.ops.convert_to_tensor(step)
        detach = getattr(tensor, "detach", None)
        # torch's own conversion: np.array on a torch tensor warns on NumPy 2.
        array = np.asarray(
            detach().cpu().numpy() if callable(detach) else keras.ops.convert_to_numpy(tensor)
        )
    except Exception as error:
        raise TypeError(
            f"to_keras: under the {keras.backend.backend()} backend the step must be "
            f"concrete (eager), got {step!r}. jaxsched computes in JAX: use the JAX "
            f"backend, or run Keras eagerly (model.compile(..., run_eagerly=True))."
        ) from error
    if np.issubdtype(array.dtype, np.floating):
        array = np.clip(np.round(array), 0, _FLOAT_STEP_MAX).astype(np.int64)
    return keras.ops.convert_to_tensor(np.asarray(schedule(array)))


def to_keras(schedule: Schedule) -> Any:
    """A Keras 3 ``LearningRateSchedule`` with the values of a jaxsched schedule.

    One definition serves both: ``keras.optimizers.SGD(learning_rate=to_keras(s))`` uses
    ``s(n)`` for update ``n`` (Keras passes ``optimizer.iterations``; a float step is
    rounded to the nearest integer). A jaxsched schedule given to a Keras optimizer
    directly fails inside ``fit`` (Keras does not know it as a schedule): wrap it.

    ``get_config()`` is ``schedule.to_dict()`` and ``from_config`` reads it back with
    :func:`jaxsched.from_dict`; the class is registered with Keras as
    ``"jaxsched>KerasSchedule"``, so ``keras.optimizers.schedules.serialize`` /
    ``deserialize`` and saving a model round-trip (a schedule holding an unregistered
    Python function has no dict form: it trains, but ``get_config`` and saving raise).
    In a fresh process, call :func:`keras_schedule_class` (or any ``to_keras``) before
    loading such a model. :func:`from_keras` on the result gives ``schedule`` back.

    Backends: JAX (tested) computes on the step's own array, eagerly and inside the
    ``jit`` that ``fit`` compiles. PyTorch (tested, CPU) converts the step through NumPy
    and returns a tensor. Keras trains eagerly there by default; under
    ``jit_compile=True`` the schedule runs outside the ``torch.compile`` graph (a graph
    break; checked by hand, not in the test suite, as compiling takes seconds).
    TensorFlow is not tested (not installed here) and only partly supported: the same
    NumPy path can only work eagerly (``run_eagerly=True``); inside a ``tf.function``
    (``fit``'s default there) the step is symbolic and the call raises a TypeError
    saying so.

    Args:
      schedule: a jaxsched schedule.

    Returns:
      A ``keras.optimizers.schedules.LearningRateSchedule`` (the class is
      :func:`keras_schedule_class`); its ``schedule`` attribute is ``schedule``.

    Raises:
      TypeError: ``schedule`` is not a jaxsched schedule.
      ImportError: Keras 3 is not installed.

    Example:
      >>> import os
      >>> _ = os.environ.setdefault("KERAS_BACKEND", "jax")
      >>> import keras, jaxsched
      >>> s = jaxsched.Warmup(jaxsched.CosineDecay(1e-3, decay_steps=900), warmup_steps=100)
      >>> lr = jaxsched.to_keras(s)
      >>> float(lr(50)), float(lr(100))
      (0.0005000000237487257, 0.0010000000474974513)
      >>> optimizer = keras.optimizers.SGD(learning_rate=lr)
      >>> config = keras.optimizers.schedules.serialize(lr)
      >>> config["registered_name"], config["config"] == s.to_dict()
      ('jaxsched>KerasSchedule', True)
      >>> keras.optimizers.schedules.deserialize(config).schedule == s
      True
    """
    return keras_schedule_class()(schedule)
