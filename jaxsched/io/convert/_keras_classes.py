"""Reading Keras configs, and Keras' own schedule classes (Keras 3 and tf.keras).

A source class converts through a :class:`Converter` row: the keys of its
``get_config()``, the library's defaults and the builder of the jaxsched schedule.
:func:`build` checks a config against its row and builds it. The rows of Keras' own classes
are here; TF Addons' are in ``_tf_addons`` and TF Model Garden's in ``_model_garden``;
``_keras`` puts them together behind :func:`jaxsched.from_keras`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from jaxsched.compose._restarts import CosineRestarts
from jaxsched.compose._warmup import Warmup
from jaxsched.core import _validate as check
from jaxsched.core._names import did_you_mean
from jaxsched.core._optional import optional_import
from jaxsched.core._schedule import Schedule
from jaxsched.io._serialize import from_dict
from jaxsched.schedules._cosine import CosineDecay
from jaxsched.schedules._exponential import ExponentialDecay, InverseTimeDecay
from jaxsched.schedules._piecewise import PiecewiseConstant
from jaxsched.schedules._polynomial import Polynomial

#: Where Keras' own classes live: Keras 3 (``keras.optimizers.schedules`` in a serialized
#: config, ``keras.src....`` on a class), tf.keras and the standalone Keras 2.
KERAS_MODULES = ("keras", "tf_keras", "tensorflow")

#: Keras' serialization wraps tensors and arrays in such a dict: ``{"class_name":
#: "__tensor__", "config": {"value": ..., "dtype": ...}}``.
_WRAPPED_VALUES = ("__tensor__", "__numpy__")


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


def exponential_decay(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: Any
) -> Schedule:
    # Keras tests `if self.staircase`: Model Garden's config default, None, is continuous.
    staircase = False if staircase is None else staircase
    return ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase=staircase)


def piecewise_constant_decay(boundaries: Any, values: Any) -> Schedule:
    # Checked before the shift so that an error shows the boundaries as Keras had them.
    checked = check.step_sequence(
        "from_keras: PiecewiseConstantDecay", "boundaries", boundaries, strict=True
    )
    # Keras keeps values[i] through step boundaries[i] inclusive; ours switch at the
    # boundary itself.
    return PiecewiseConstant([int(b) + 1 for b in checked], values)


def polynomial_decay(
    initial_learning_rate: Any, decay_steps: Any, end_learning_rate: Any, power: Any, cycle: Any
) -> Schedule:
    return Polynomial(
        initial_learning_rate, end_learning_rate, power, transition_steps=decay_steps, cycle=cycle
    )


def inverse_time_decay(
    initial_learning_rate: Any, decay_steps: Any, decay_rate: Any, staircase: Any
) -> Schedule:
    return InverseTimeDecay(initial_learning_rate, decay_steps, decay_rate, staircase=staircase)


def cosine_decay(
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


def cosine_decay_restarts(
    initial_learning_rate: Any, first_decay_steps: Any, t_mul: Any, m_mul: Any, alpha: Any
) -> Schedule:
    return CosineRestarts(initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha=alpha)


def _own(format: Any, schedule: Any) -> Schedule:
    return from_dict({"format": format, "schedule": schedule})


#: Keras' own classes (their serialized names) -> how they convert. The defaults are
#: those of Keras 3 and tf.keras alike; tf.keras before 2.13 has no CosineDecay warmup.
KERAS_ROWS: dict[str, Converter] = {
    "ExponentialDecay": Converter(
        exponential_decay,
        ("initial_learning_rate", "decay_steps", "decay_rate"),
        {"staircase": False},
    ),
    "PiecewiseConstantDecay": Converter(piecewise_constant_decay, ("boundaries", "values")),
    "PolynomialDecay": Converter(
        polynomial_decay,
        ("initial_learning_rate", "decay_steps"),
        {"end_learning_rate": 0.0001, "power": 1.0, "cycle": False},
    ),
    "InverseTimeDecay": Converter(
        inverse_time_decay,
        ("initial_learning_rate", "decay_steps", "decay_rate"),
        {"staircase": False},
    ),
    "CosineDecay": Converter(
        cosine_decay,
        ("initial_learning_rate", "decay_steps"),
        {"alpha": 0.0, "warmup_target": None, "warmup_steps": 0},
    ),
    "CosineDecayRestarts": Converter(
        cosine_decay_restarts,
        ("initial_learning_rate", "first_decay_steps"),
        {"t_mul": 2.0, "m_mul": 1.0, "alpha": 0.0},
    ),
    # What to_keras writes: the schedule's own dict form.
    "jaxsched>KerasSchedule": Converter(
        _own, ("format", "schedule"), ignored=(), modules=("jaxsched",)
    ),
}


def import_keras(owner: str) -> Any:
    return optional_import("keras", owner, "Keras 3", "keras")


def described(value: Any) -> str:
    return f"a {type(value).__module__}.{type(value).__qualname__}: {value!r}"


def admits(converter: Converter, module: Any) -> bool:
    """Whether a class from ``module`` may be read by ``converter``."""
    return any(
        module == prefix or str(module).startswith(prefix + ".") for prefix in converter.modules
    )


def refuse_unknown(
    where: str, noun: str, given: Mapping[str, Any], accepted: Sequence[str], note: str = ""
) -> None:
    """Raises a ValueError naming the first key of ``given`` not among ``accepted``."""
    unknown = [k for k in given if k not in accepted]
    if unknown:
        name = str(unknown[0])
        raise ValueError(
            f"from_keras: {where} has no {noun} {name!r}.{did_you_mean(name, accepted)} It "
            f"takes {', '.join(map(repr, accepted))}{note}."
        )


def build(key: str, converter: Converter, module: Any, config: Any) -> Schedule:
    """The schedule of ``config``, a ``get_config()`` of the class ``key`` read by
    ``converter``; ``module`` is where the class comes from, if known."""
    if module is not None and not admits(converter, module):
        raise ValueError(
            f"from_keras: the class {key!r} comes from module {module!r}, not from "
            f"{' or '.join(converter.modules)}; only those libraries' own {key} converts."
        )
    if not isinstance(config, Mapping):
        raise TypeError(
            f"from_keras: the config of {key} must be a dict (its get_config()), got "
            f"{described(config)}."
        )
    refuse_unknown(key, "config key", config, converter.keys())
    missing = [k for k in converter.required if k not in config]
    if missing:
        raise ValueError(
            f"from_keras: the {key} config is missing {', '.join(map(repr, missing))}; "
            f"got the keys {list(config)}."
        )
    arguments = {**converter.defaults}
    arguments.update({k: plain(v) for k, v in config.items() if k not in converter.ignored})
    return converter.build(**arguments)


def plain(value: Any) -> Any:
    """A config value as a Python number, bool or list (what the constructors check)."""
    if value is None or isinstance(value, bool | int | float | str | Schedule):
        return value
    if (
        isinstance(value, Mapping)
        and value.get("class_name") in _WRAPPED_VALUES
        and isinstance(value.get("config"), Mapping)
        and "value" in value["config"]
    ):
        return plain(value["config"]["value"])
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
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
