"""TF Addons' cyclical schedules (``tfa.optimizers.*CyclicalLearningRate``) as rows of
:func:`jaxsched.from_keras`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jaxsched.core._schedule import Schedule
from jaxsched.io.convert._keras_classes import Converter
from jaxsched.schedules._cyclical import Cyclical

#: Where TF Addons' classes live (``tensorflow_addons.optimizers.cyclical_learning_rate``).
TFA_MODULES = ("tensorflow_addons",)


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


#: TF Addons 0.23's classes (their registered names) -> how they convert.
TF_ADDONS_ROWS: dict[str, Converter] = {
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
}
