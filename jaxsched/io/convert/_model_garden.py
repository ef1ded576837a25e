"""TF Model Garden's schedules (``official.modeling.optimization.lr_schedule``) and its
``OptimizationConfig`` dicts, as rows of :func:`jaxsched.from_keras`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jaxsched.compose._transforms import Offset
from jaxsched.compose._warmup import Warmup
from jaxsched.core import _validate as check
from jaxsched.core._names import did_you_mean
from jaxsched.core._schedule import Constant, Schedule
from jaxsched.io.convert._keras_classes import (
    Converter,
    build,
    cosine_decay,
    described,
    exponential_decay,
    piecewise_constant_decay,
    plain,
    polynomial_decay,
    refuse_unknown,
)
from jaxsched.schedules._power import DirectPowerDecay, PowerAndLinearDecay, PowerDecayWithOffset

#: Where TF Model Garden's classes live (``official.modeling.optimization.lr_schedule``).
MODEL_GARDEN_MODULES = ("official",)


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
    """The schedule under a Model Garden warmup: a schedule (``from_keras`` reads a config
    or an object given for it before the warmup's row is built) or a number."""
    if isinstance(value, Schedule):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Constant(value)  # Model Garden takes a number: a constant rate
    raise TypeError(
        f"from_keras: {owner}'s after_warmup_lr_sched must be a schedule, its config or a "
        f"number, got {described(value)}."
    )


#: The Model Garden warmups, and the key of their config that holds the schedule under
#: them (a config or an object of any library's class, which ``from_keras`` reads first).
WARMUPS = ("LinearWarmup", "PolynomialWarmUp")
AFTER_WARMUP = "after_warmup_lr_sched"


def after_warmup_class(owner: str, config: Mapping[str, Any]) -> str:
    """The Model Garden class a bare ``get_config()`` dict comes from, by its keys.

    Model Garden's warmups write the schedule under them without its class name. Its
    ``get_config()`` writes every key, so the key set names the class; a dict with some
    optional keys left out is read as the one class it can be, else refused."""
    keys = set(config) - {"name"}
    signatures = {
        key: set((MODEL_GARDEN_ROWS.get(key) or _NOT_OFFERED_KEYS[key]).keys())
        - {"name"}
        - ({"offset"} if key in _KERAS_WITH_OFFSET else set())
        for key in MODEL_GARDEN_AFTER_WARMUP
    }
    found = [key for key, signature in signatures.items() if keys == signature]
    if not found:
        found = [
            key
            for key, signature in signatures.items()
            if set((MODEL_GARDEN_ROWS.get(key) or _NOT_OFFERED_KEYS[key]).required)
            <= keys
            <= signature
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


#: Model Garden 2.15's classes -> how they convert.
MODEL_GARDEN_ROWS: dict[str, Converter] = {
    # classes serialize the Keras base class's config, without the offset: it defaults to
    # 0, as Model Garden's own from_config gives.
    "CosineDecayWithOffset": Converter(
        _offset(cosine_decay),
        ("initial_learning_rate", "decay_steps"),
        {"alpha": 0.0, "warmup_target": None, "warmup_steps": 0, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "PolynomialDecayWithOffset": Converter(
        _offset(polynomial_decay),
        ("initial_learning_rate", "decay_steps"),
        {"end_learning_rate": 0.0001, "power": 1.0, "cycle": False, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "ExponentialDecayWithOffset": Converter(
        _offset(exponential_decay),
        ("initial_learning_rate", "decay_steps", "decay_rate"),
        {"staircase": False, "offset": 0},
        modules=MODEL_GARDEN_MODULES,
    ),
    "PiecewiseConstantDecayWithOffset": Converter(
        _offset(piecewise_constant_decay),
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

#: Classes that read like a row but have no jaxsched equivalent: why, and
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
        lambda **config: _refuse("StepCosineDecayWithOffset"),
        ("boundaries", "values", "offset"),
        modules=MODEL_GARDEN_MODULES,
    ),
}


def _refuse(key: str) -> Schedule:
    raise ValueError(f"from_keras: {NOT_OFFERED[key]}")


def _build(key: str, config: Mapping[str, Any]) -> Schedule:
    """The schedule of a config of the Model Garden class ``key`` (given without a module)."""
    if key in NOT_OFFERED:
        _refuse(key)
    return build(key, MODEL_GARDEN_ROWS[key], None, config)


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


def from_optimization_config(data: Mapping[str, Any]) -> Schedule:
    """The schedule Model Garden's ``OptimizerFactory.build_learning_rate`` builds."""
    refuse_unknown(
        "a Model Garden OptimizationConfig",
        "key",
        data,
        _OPTIMIZATION_CONFIG_KEYS,
        " (only 'learning_rate' and 'warmup' are read)",
    )
    kind, config = _one_of("learning_rate", data["learning_rate"], MODEL_GARDEN_LR_TYPES)
    if kind is None:
        raise ValueError(
            f"from_keras: the OptimizationConfig's learning_rate has no 'type'; Model Garden "
            f"requires one of {', '.join(map(repr, MODEL_GARDEN_LR_TYPES))}."
        )
    key = MODEL_GARDEN_LR_TYPES[kind][0]
    if key is None:  # "constant"
        schedule: Schedule = Constant(plain(config["learning_rate"]))
    else:
        schedule = _build(key, config)
    if data.get("warmup") is None:
        return schedule
    kind, config = _one_of("warmup", data["warmup"], MODEL_GARDEN_WARMUP_TYPES)
    if kind is None:  # Model Garden: no warmup type, no warmup
        return schedule
    key = MODEL_GARDEN_WARMUP_TYPES[kind][0]
    assert key is not None
    return _build(key, {**config, "after_warmup_lr_sched": schedule})


def _one_of(
    field: str, data: Any, types: Mapping[str, tuple[str | None, dict[str, Any]]]
) -> tuple[str | None, dict[str, Any]]:
    """The ``type`` of a Model Garden one-of config and its config, defaults filled in."""
    if not isinstance(data, Mapping):
        raise TypeError(
            f"from_keras: the OptimizationConfig's {field} must be a dict "
            f"{{'type': ..., <type>: {{...}}}}, got {described(data)}."
        )
    kind = data.get("type")
    if kind is None:
        return None, {}
    if kind not in types:
        raise ValueError(
            f"from_keras: unknown {field} type {kind!r}.{did_you_mean(str(kind), types)} "
            f"Model Garden's {field} types: {', '.join(map(repr, types))}."
        )
    refuse_unknown(f"the OptimizationConfig's {field}", "key", data, ("type", *types))
    given = data.get(kind) or {}
    if not isinstance(given, Mapping):
        raise TypeError(
            f"from_keras: the {field} config of type {kind!r} must be a dict, got {described(given)}."
        )
    defaults = types[kind][1]
    refuse_unknown(f"the {field} type {kind!r}", "key", given, tuple(defaults))
    config = {**defaults, **given}
    key = types[kind][0]
    converter = MODEL_GARDEN_ROWS.get(key) if key is not None else None
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
