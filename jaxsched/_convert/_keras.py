"""Keras schedules in and out: :func:`from_keras` and :func:`to_keras`.

``from_keras`` reads a Keras 3 (or tf.keras) ``LearningRateSchedule``, or its config, into
the jaxsched schedule with the same values; ``to_keras`` wraps a jaxsched schedule as a
Keras 3 ``LearningRateSchedule``. Keras is imported only where a Keras object is given or
made: a config dict converts without it.

Which source classes convert, and how, is the table :data:`CONVERTERS` (the key is the
name Keras serializes the class under: its class name, or ``"package>Name"`` for a
registered class such as TF Addons' ``"Addons>CyclicalLearningRate"``). Another library's
classes are added as rows; nothing else changes. TF Model Garden's ``OptimizationConfig``
dicts (``{"learning_rate": {"type": ...}, "warmup": {...}}``) are read through the tables
:data:`MODEL_GARDEN_LR_TYPES` and :data:`MODEL_GARDEN_WARMUP_TYPES` into the same rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxsched import _validate as check
from jaxsched._arithmetic import Offset
from jaxsched._base import INT32_MAX, Schedule
from jaxsched._cosine import CosineDecay
from jaxsched._cyclical import Cyclical
from jaxsched._exponential import ExponentialDecay, InverseTimeDecay
from jaxsched._names import did_you_mean
from jaxsched._piecewise import PiecewiseConstant
from jaxsched._polynomial import Constant, Polynomial
from jaxsched._power import DirectPowerDecay, PowerAndLinearDecay, PowerDecayWithOffset
from jaxsched._restarts import CosineRestarts
from jaxsched._serialize import from_dict
from jaxsched._warmup import Warmup

#: Where Keras' own classes live: Keras 3 (``keras.optimizers.schedules`` in a serialized
#: config, ``keras.src....`` on a class), tf.keras and the standalone Keras 2.
KERAS_MODULES = ("keras", "tf_keras", "tensorflow")

#: Where TF Addons' classes live (``tensorflow_addons.optimizers.cyclical_learning_rate``).
TFA_MODULES = ("tensorflow_addons",)

#: Where TF Model Garden's classes live (``official.modeling.optimization.lr_schedule``).
MODEL_GARDEN_MODULES = ("official",)

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
    # Keras tests `if self.staircase`: Model Garden's config default, None, is continuous.
    staircase = False if staircase is None else staircase
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


# TF Addons ----------------------------------------------------------------------------


def _tfa_cyclical(mode: str) -> Callable[..., Schedule]:
    """The builder of a TF Addons cyclical class with a fixed scale function."""

    def build(
        initial_learning_rate: Any,
        maximal_learning_rate: Any,
        step_size: Any,
        scale_mode: Any,
        gamma: Any = 1.0,
    ) -> Schedule:
        return Cyclical(
            initial_learning_rate,
            maximal_learning_rate,
            step_size,
            mode=mode,
            gamma=gamma,
            scale_mode=scale_mode,
        )

    return build


def _tfa_custom(
    initial_learning_rate: Any,
    maximal_learning_rate: Any,
    step_size: Any,
    scale_fn: Any,
    scale_mode: Any,
) -> Schedule:
    if not callable(scale_fn) or isinstance(scale_fn, type | Schedule):
        # Keras writes a function by its name only (a lambda as marshalled bytecode):
        # there is no code to read back.
        raise TypeError(
            f"from_keras: Addons>CyclicalLearningRate's scale_fn must be a jittable Python "
            f"function of the float32 cycle number or step, got scale_fn={scale_fn!r}. A "
            f"serialized config names the function but does not hold it: pass the config "
            f"with 'scale_fn' set to the function itself (written with jax.numpy), or "
            f"write jaxsched.Cyclical(..., scale_fn=..., scale_mode=...)."
        )
    return Cyclical(
        initial_learning_rate,
        maximal_learning_rate,
        step_size,
        scale_fn=scale_fn,
        scale_mode=scale_mode,
    )


_TFA_KEYS = ("initial_learning_rate", "maximal_learning_rate", "step_size")


# TF Model Garden ----------------------------------------------------------------------


def _offset(build: Callable[..., Schedule]) -> Callable[..., Schedule]:
    """The builder of Model Garden's ``...WithOffset`` class made from a Keras class."""

    def shifted(offset: Any = 0, **config: Any) -> Schedule:
        schedule = build(**config)
        if isinstance(offset, int | float) and not isinstance(offset, bool) and offset == 0:
            return schedule
        return Offset(schedule, offset)

    return shifted


def _direct_power(initial_learning_rate: Any, power: Any) -> Schedule:
    return DirectPowerDecay(initial_learning_rate, power)


def _power_linear(
    initial_learning_rate: Any,
    total_decay_steps: Any,
    power: Any,
    linear_decay_fraction: Any,
    offset: Any,
) -> Schedule:
    return PowerAndLinearDecay(
        initial_learning_rate, total_decay_steps, power, linear_decay_fraction, offset
    )


def _power_offset(
    initial_learning_rate: Any, power: Any, offset: Any, pre_offset_learning_rate: Any
) -> Schedule:
    if pre_offset_learning_rate is None:
        raise ValueError(
            f"from_keras: PowerDecayWithOffset needs pre_offset_learning_rate, the rate "
            f"through update offset={offset!r} and the cap after it. Model Garden's "
            f"default, 1e6, would be the learning rate of updates 0 to {offset!r}: give the "
            f"rate to use."
        )
    return PowerDecayWithOffset(initial_learning_rate, power, offset, pre_offset_learning_rate)


def _linear_warmup(
    after_warmup_lr_sched: Any, warmup_steps: Any, warmup_learning_rate: Any
) -> Schedule:
    after = _after_warmup("LinearWarmup", after_warmup_lr_sched)
    return _global_warmup(after, warmup_steps, init_value=warmup_learning_rate)


def _polynomial_warmup(after_warmup_lr_sched: Any, warmup_steps: Any, power: Any) -> Schedule:
    after = _after_warmup("PolynomialWarmUp", after_warmup_lr_sched)
    return _global_warmup(after, warmup_steps, init_value=0.0, power=power)


def _global_warmup(after: Schedule, warmup_steps: Any, **ramp: Any) -> Schedule:
    """Model Garden's warmup: a ramp to ``after(W)``, then ``after`` on the global step."""
    if isinstance(warmup_steps, int | float) and not isinstance(warmup_steps, bool):
        if warmup_steps <= 0:
            # Model Garden's ramp is then never used (its condition is step < W).
            return after
    if isinstance(after, Offset) and isinstance(after.offset, int) and after.offset == warmup_steps:
        # An after-schedule delayed by exactly the warmup starts where the warmup ends.
        inner = after.schedule
    elif isinstance(after, Constant):
        inner = after
    else:
        # jaxsched's Warmup gives its schedule the step since the end of the warmup.
        inner = Offset(after, -check.steps("from_keras: warmup", "warmup_steps", warmup_steps))
    return Warmup(inner, warmup_steps, **ramp)


#: The classes Model Garden's OptimizerFactory puts under a warmup, and so the classes a
#: bare ``after_warmup_lr_sched`` config (no class name) is read as.
MODEL_GARDEN_AFTER_WARMUP = (
    "PiecewiseConstantDecayWithOffset",
    "PolynomialDecayWithOffset",
    "ExponentialDecayWithOffset",
    "CosineDecayWithOffset",
    "DirectPowerDecay",
    "PowerAndLinearDecay",
    "PowerDecayWithOffset",
    "StepCosineDecayWithOffset",
)


#: Model Garden's classes made by wrapping a Keras class: their get_config() is the Keras
#: class's, without the offset.
_KERAS_WITH_OFFSET = (
    "PiecewiseConstantDecayWithOffset",
    "PolynomialDecayWithOffset",
    "ExponentialDecayWithOffset",
    "CosineDecayWithOffset",
)


def _after_warmup(owner: str, value: Any) -> Schedule:
    """The schedule under a Model Garden warmup, in any of the forms it comes in."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Constant(value)  # Model Garden takes a number: a constant rate
    if isinstance(value, Mapping):
        if "class_name" in value and "config" in value:
            return from_keras(value)
        return _convert(_after_warmup_class(owner, value), None, value)
    if callable(getattr(value, "get_config", None)):
        return from_keras(value)
    raise TypeError(
        f"from_keras: {owner}'s after_warmup_lr_sched must be a schedule, its config or a "
        f"number, got {_kind(value)}."
    )


def _after_warmup_class(owner: str, config: Mapping[str, Any]) -> str:
    """The Model Garden class a bare ``get_config()`` dict comes from, by its keys.

    Model Garden's warmups write the schedule under them without its class name. Its
    ``get_config()`` writes every key, so the key set names the class; a dict with some
    optional keys left out is read as the one class it can be, else refused."""
    keys = set(config) - {"name"}
    signatures = {
        key: set((CONVERTERS.get(key) or _NOT_OFFERED_KEYS[key]).keys())
        - {"name"}
        - ({"offset"} if key in _KERAS_WITH_OFFSET else set())
        for key in MODEL_GARDEN_AFTER_WARMUP
    }
    found = [key for key, signature in signatures.items() if keys == signature]
    if not found:
        found = [
            key
            for key, signature in signatures.items()
            if set((CONVERTERS.get(key) or _NOT_OFFERED_KEYS[key]).required) <= keys <= signature
        ]
    if len(found) == 1:
        return found[0]
    what = (
        f"it fits {' and '.join(found)}"
        if found
        else f"it is none of the classes Model Garden puts there ({', '.join(signatures)})"
    )
    raise ValueError(
        f"from_keras: {owner}'s after_warmup_lr_sched is a config without its class, with "
        f"the keys {sorted(map(str, config))}, and {what}. Give it as "
        f"{{'class_name': ..., 'config': {{...}}}}."
    )


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
    # TF Addons 0.23 (tfa.optimizers): get_config() of the subclasses has no name.
    "Addons>CyclicalLearningRate": Converter(
        _tfa_custom, (*_TFA_KEYS, "scale_fn"), {"scale_mode": "cycle"}, modules=TFA_MODULES
    ),
    "Addons>TriangularCyclicalLearningRate": Converter(
        _tfa_cyclical("triangular"), _TFA_KEYS, {"scale_mode": "cycle"}, modules=TFA_MODULES
    ),
    "Addons>Triangular2CyclicalLearningRate": Converter(
        _tfa_cyclical("triangular2"), _TFA_KEYS, {"scale_mode": "cycle"}, modules=TFA_MODULES
    ),
    "Addons>ExponentialCyclicalLearningRate": Converter(
        _tfa_cyclical("exp_range"),
        _TFA_KEYS,
        {"scale_mode": "iterations", "gamma": 1.0},
        modules=TFA_MODULES,
    ),
    # TF Model Garden 2.15 (official.modeling.optimization.lr_schedule). The ...WithOffset
    # classes serialize the Keras base class's config, without the offset: it defaults to
    # 0, as Model Garden's own from_config gives.
    "CosineDecayWithOffset": Converter(
        _offset(_cosine),
        ("initial_learning_rate", "decay_steps"),
        {"alpha": 0.0, "warmup_target": None, "warmup_steps": 0, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "PolynomialDecayWithOffset": Converter(
        _offset(_polynomial),
        ("initial_learning_rate", "decay_steps"),
        {"end_learning_rate": 0.0001, "power": 1.0, "cycle": False, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "ExponentialDecayWithOffset": Converter(
        _offset(_exponential),
        ("initial_learning_rate", "decay_steps", "decay_rate"),
        {"staircase": False, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "PiecewiseConstantDecayWithOffset": Converter(
        _offset(_piecewise),
        ("boundaries", "values"),
        {"offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "LinearWarmup": Converter(
        _linear_warmup,
        ("after_warmup_lr_sched", "warmup_steps", "warmup_learning_rate"),
        modules=MODEL_GARDEN_MODULES,
    ),
    "PolynomialWarmUp": Converter(
        _polynomial_warmup,
        ("after_warmup_lr_sched", "warmup_steps"),
        {"power": 1.0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "DirectPowerDecay": Converter(
        _direct_power, ("initial_learning_rate",), {"power": 1.0}, modules=MODEL_GARDEN_MODULES
    ),
    "PowerAndLinearDecay": Converter(
        _power_linear,
        ("initial_learning_rate", "total_decay_steps"),
        {"power": 1.0, "linear_decay_fraction": 0.1, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "PowerDecayWithOffset": Converter(
        _power_offset,
        ("initial_learning_rate",),
        {"power": 1.0, "offset": 0, "pre_offset_learning_rate": None},
        modules=MODEL_GARDEN_MODULES,
    ),
}

#: Classes that read like a row of CONVERTERS but have no jaxsched equivalent: why, and
#: what to write instead.
NOT_OFFERED: dict[str, str] = {
    "StepCosineDecayWithOffset": (
        "Model Garden's StepCosineDecayWithOffset is not offered: its first level is "
        "periodic and it is NaN from its last boundary on (docs/parity.md). "
        "jaxsched.PiecewiseInterpolate(..., 'cosine') is the working shape."
    ),
}

# Its keys, to recognize its config under a warmup (and refuse it there by name).
_NOT_OFFERED_KEYS: dict[str, Converter] = {
    "StepCosineDecayWithOffset": Converter(
        _own, ("boundaries", "values", "offset"), modules=MODEL_GARDEN_MODULES
    ),
}

#: Model Garden ``OptimizationConfig`` learning_rate ``type`` -> (the class it builds, or
#: ``None`` for a constant; the keys of its config with Model Garden's defaults, ``None``
#: where Model Garden has none). The defaults are the config's, not the class's (the
#: power decays' config ``power`` is -0.5, the class's 1.0).
MODEL_GARDEN_LR_TYPES: dict[str, tuple[str | None, dict[str, Any]]] = {
    "constant": (None, {"name": "Constant", "learning_rate": 0.1}),
    "stepwise": (
        "PiecewiseConstantDecayWithOffset",
        {"name": "PiecewiseConstantDecay", "boundaries": None, "values": None, "offset": 0},
    ),
    "exponential": (
        "ExponentialDecayWithOffset",
        {
            "name": "ExponentialDecay",
            "initial_learning_rate": None,
            "decay_steps": None,
            "decay_rate": None,
            "staircase": None,
            "offset": 0,
        },
    ),
    "polynomial": (
        "PolynomialDecayWithOffset",
        {
            "name": "PolynomialDecay",
            "initial_learning_rate": None,
            "decay_steps": None,
            "end_learning_rate": 0.0001,
            "power": 1.0,
            "cycle": False,
            "offset": 0,
        },
    ),
    "cosine": (
        "CosineDecayWithOffset",
        {
            "name": "CosineDecay",
            "initial_learning_rate": None,
            "decay_steps": None,
            "alpha": 0.0,
            "offset": 0,
        },
    ),
    "power": (
        "DirectPowerDecay",
        {"name": "DirectPowerDecay", "initial_learning_rate": None, "power": -0.5},
    ),
    "power_linear": (
        "PowerAndLinearDecay",
        {
            "name": "PowerAndLinearDecay",
            "initial_learning_rate": None,
            "total_decay_steps": None,
            "power": -0.5,
            "linear_decay_fraction": 0.1,
            "offset": 0,
        },
    ),
    "power_with_offset": (
        "PowerDecayWithOffset",
        {
            "name": "PowerDecayWithOffset",
            "initial_learning_rate": None,
            "power": -0.5,
            "offset": 0,
            # Model Garden's default, 1e6, is refused (see _power_offset).
            "pre_offset_learning_rate": None,
        },
    ),
    "step_cosine_with_offset": (
        "StepCosineDecayWithOffset",
        {"name": "StepCosineDecayWithOffset", "boundaries": None, "values": None, "offset": 0},
    ),
}

#: Model Garden ``OptimizationConfig`` warmup ``type`` -> (class, keys with defaults).
MODEL_GARDEN_WARMUP_TYPES: dict[str, tuple[str | None, dict[str, Any]]] = {
    "linear": (
        "LinearWarmup",
        {"name": "linear", "warmup_learning_rate": 0.0, "warmup_steps": None},
    ),
    "polynomial": ("PolynomialWarmUp", {"name": "polynomial", "power": 1.0, "warmup_steps": None}),
}

#: The keys of an ``OptimizationConfig`` dict; only ``learning_rate`` and ``warmup`` are read.
_OPTIMIZATION_CONFIG_KEYS = ("optimizer", "ema", "learning_rate", "warmup")


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

    Reads a Keras 3 or tf.keras ``LearningRateSchedule`` (Keras' own, TF Addons' cyclical
    ones and TF Model Garden's), the dict ``keras.optimizers.schedules.serialize`` gives
    (or tf.keras' older ``{"class_name": ..., "config": ...}``), a bare ``get_config()``
    dict with its ``class_name``, or a Model Garden ``OptimizationConfig`` dict. A dict
    converts without importing Keras. Update :math:`n` (``optimizer.iterations == n``)
    uses the same rate in both:

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
    jaxsched refuses (a negative or zero rate, an ``ExponentialDecay`` rate above 1, an
    ``m_mul`` above 1, a fractional ``decay_steps`` or ``step_size``, unsorted
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
            return _from_optimization_config(schedule_or_config)
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
    module = cls.__module__
    if key not in CONVERTERS:
        # A class registered with tf.keras (TF Addons' "Addons>...") is unknown to
        # Keras 3's registry, which then gives the bare class name.
        key = next(
            (k for k in CONVERTERS if k.endswith(">" + key) and _admits(CONVERTERS[k], module)),
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


def _admits(converter: Converter, module: Any) -> bool:
    """Whether a class from ``module`` may be read by ``converter``."""
    return any(
        module == prefix or str(module).startswith(prefix + ".") for prefix in converter.modules
    )


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
    if module is not None and not _admits(converter, module):
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


def _from_optimization_config(data: Mapping[str, Any]) -> Schedule:
    """The schedule Model Garden's ``OptimizerFactory.build_learning_rate`` builds."""
    unknown = [k for k in data if k not in _OPTIMIZATION_CONFIG_KEYS]
    if unknown:
        name = str(unknown[0])
        raise ValueError(
            f"from_keras: a Model Garden OptimizationConfig has no key {name!r}."
            f"{did_you_mean(name, _OPTIMIZATION_CONFIG_KEYS)} It has "
            f"{', '.join(map(repr, _OPTIMIZATION_CONFIG_KEYS))} (only 'learning_rate' and "
            f"'warmup' are read)."
        )
    kind, config = _one_of("learning_rate", data["learning_rate"], MODEL_GARDEN_LR_TYPES)
    if kind is None:
        raise ValueError(
            f"from_keras: the OptimizationConfig's learning_rate has no 'type'; Model Garden "
            f"requires one of {', '.join(map(repr, MODEL_GARDEN_LR_TYPES))}."
        )
    key = MODEL_GARDEN_LR_TYPES[kind][0]
    if key is None:  # "constant"
        schedule: Schedule = Constant(_plain(config["learning_rate"]))
    else:
        schedule = _convert(key, None, config)
    if data.get("warmup") is None:
        return schedule
    kind, config = _one_of("warmup", data["warmup"], MODEL_GARDEN_WARMUP_TYPES)
    if kind is None:  # Model Garden: no warmup type, no warmup
        return schedule
    key = MODEL_GARDEN_WARMUP_TYPES[kind][0]
    assert key is not None
    return _convert(key, None, {**config, "after_warmup_lr_sched": schedule})


def _one_of(
    field: str, data: Any, types: Mapping[str, tuple[str | None, dict[str, Any]]]
) -> tuple[str | None, dict[str, Any]]:
    """The ``type`` of a Model Garden one-of config and its config, defaults filled in."""
    if not isinstance(data, Mapping):
        raise TypeError(
            f"from_keras: the OptimizationConfig's {field} must be a dict "
            f"{{'type': ..., <type>: {{...}}}}, got {_kind(data)}."
        )
    kind = data.get("type")
    if kind is None:
        return None, {}
    if kind not in types:
        raise ValueError(
            f"from_keras: unknown {field} type {kind!r}.{did_you_mean(str(kind), types)} "
            f"Model Garden's {field} types: {', '.join(map(repr, types))}."
        )
    known = ("type", *types)
    unknown = [k for k in data if k not in known]
    if unknown:
        name = str(unknown[0])
        raise ValueError(
            f"from_keras: the OptimizationConfig's {field} has no key {name!r}."
            f"{did_you_mean(name, known)} It takes 'type' and the config of a type: "
            f"{', '.join(map(repr, types))}."
        )
    given = data.get(kind) or {}
    if not isinstance(given, Mapping):
        raise TypeError(
            f"from_keras: the {field} config of type {kind!r} must be a dict, got {_kind(given)}."
        )
    defaults = types[kind][1]
    unknown = [k for k in given if k not in defaults]
    if unknown:
        name = str(unknown[0])
        raise ValueError(
            f"from_keras: the {field} type {kind!r} has no key {name!r}."
            f"{did_you_mean(name, defaults)} It takes {', '.join(map(repr, defaults))}."
        )
    config = {**defaults, **given}
    key = types[kind][0]
    converter = CONVERTERS.get(key) if key is not None else None
    missing = [
        k for k, v in config.items() if v is None and k in (converter.required if converter else ())
    ]
    if missing:
        raise ValueError(
            f"from_keras: the {field} type {kind!r} needs {', '.join(map(repr, missing))}; "
            f"Model Garden has no default for it. Got the keys {list(given)}."
        )
    # Keys left at a None default are left out: the class's own default then applies
    # (Model Garden passes None, which its classes read as the same).
    return kind, {k: v for k, v in config.items() if v is not None or k in given}


def _plain(value: Any) -> Any:
    """A config value as a Python number, bool or list (what the constructors check)."""
    if value is None or isinstance(value, bool | int | float | str | Schedule):
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
