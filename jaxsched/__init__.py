"""jaxsched: learning-rate schedules for JAX and optax, as values.

Every schedule is a frozen dataclass registered as a pytree: ``schedule(step)`` gives a
float32 learning rate, hyperparameters are leaves (``jit``, ``vmap``, ``grad``), values
compare and hash, pickle, and go wherever optax takes a schedule. Schedules compose
(join, phases, arithmetic, warmups, cooldowns, restarts), go into any optax optimizer
with :func:`inject`, and the rate in use is read back from the optimizer state
(:func:`lr_applied`). They are written as dicts and text, read from Keras, PyTorch and
Model Garden configs, looked at before training (:func:`describe`, :func:`plot`), and
tested (:func:`lr_find`) or swept (:func:`sweep`) in one compile.

This module is the one public door: every name users need is here. The subpackages
(``core``, ``schedules``, ``compose``, ``optim``, ``io``, ``view``, ``tools``, ``cli``)
are private; ``docs/architecture.md`` says what lives where.
"""

import importlib.metadata as _metadata
import types as _types

from jaxsched.compose._cooldown import Cooldown, Rewarmup, warmup_stable_decay
from jaxsched.compose._join import Join, phases
from jaxsched.compose._restarts import CosineRestarts, DecayCycles, Restarts, sgdr, tanh_decay
from jaxsched.compose._transforms import Clip, Hold, Offset, PerEpoch
from jaxsched.compose._warmup import Warmup, warmup_cosine_decay, warmup_exponential_decay
from jaxsched.core import _registry
from jaxsched.core._registry import register_function, register_schedule
from jaxsched.core._schedule import Constant, Product, Scale, Schedule, Sum
from jaxsched.core._units import (
    epochs_to_updates,
    fraction_to_updates,
    microbatches_to_updates,
    steps_per_epoch,
)
from jaxsched.io._serialize import from_dict, load_schedule, save_schedule
from jaxsched.io._text import ParseError, parse
from jaxsched.io.convert._keras import from_keras
from jaxsched.io.convert._to_keras import keras_schedule_class, to_keras
from jaxsched.io.convert._torch import ResumeWarning, from_torch, to_torch
from jaxsched.optim._inject import ScheduledState, inject
from jaxsched.optim._plateau import PlateauState, ReduceOnPlateau
from jaxsched.optim._readout import (
    adam_step_size,
    find_injected,
    hyperparam_applied,
    hyperparam_next,
    lr_applied,
    lr_metrics,
    lr_next,
    update_count,
)
from jaxsched.optim._report import report_metric
from jaxsched.optim._resume import check_resume
from jaxsched.schedules._cosine import CosineDecay
from jaxsched.schedules._cyclical import Cyclical
from jaxsched.schedules._exponential import ExponentialDecay, InverseTimeDecay, NaturalExpDecay
from jaxsched.schedules._function import FromFunction
from jaxsched.schedules._interpolate import PiecewiseInterpolate, cosine_onecycle, linear_onecycle
from jaxsched.schedules._linear_cosine import LinearCosineDecay, NoisyLinearCosineDecay
from jaxsched.schedules._onecycle import OneCycle, OneCycleMomentum
from jaxsched.schedules._piecewise import MultiStepDecay, PiecewiseConstant, StepDecay
from jaxsched.schedules._polynomial import Linear, Polynomial
from jaxsched.schedules._power import DirectPowerDecay, PowerAndLinearDecay, PowerDecayWithOffset
from jaxsched.schedules._rsqrt import InverseSqrtDecay, Noam
from jaxsched.tools._lr_finder import LRFinderResult, LRSweepResult, lr_find, lr_sweep
from jaxsched.tools._sweep import batch_axes, batch_size, evaluate_batch, stack, sweep, unstack
from jaxsched.view._horizon import HorizonReport, HorizonWarning, check_horizon
from jaxsched.view._plot import plot
from jaxsched.view._preview import Description, Phase, describe, preview

try:
    __version__ = _metadata.version("jaxsched")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0+unknown"

__all__ = [
    # base
    "Schedule",
    # schedules
    "Constant",
    "CosineDecay",
    "CosineRestarts",
    "Cyclical",
    "DecayCycles",
    "DirectPowerDecay",
    "ExponentialDecay",
    "FromFunction",
    "InverseSqrtDecay",
    "InverseTimeDecay",
    "Linear",
    "LinearCosineDecay",
    "MultiStepDecay",
    "NaturalExpDecay",
    "Noam",
    "NoisyLinearCosineDecay",
    "OneCycle",
    "OneCycleMomentum",
    "PiecewiseConstant",
    "PiecewiseInterpolate",
    "Polynomial",
    "PowerAndLinearDecay",
    "PowerDecayWithOffset",
    "StepDecay",
    "Warmup",
    "cosine_onecycle",
    "linear_onecycle",
    "sgdr",
    "tanh_decay",
    "warmup_cosine_decay",
    "warmup_exponential_decay",
    "warmup_stable_decay",
    # composition
    "Clip",
    "Cooldown",
    "Hold",
    "Join",
    "Offset",
    "PerEpoch",
    "Product",
    "Restarts",
    "Rewarmup",
    "Scale",
    "Sum",
    "phases",
    # configs
    "ParseError",
    "ResumeWarning",
    "from_keras",
    "from_torch",
    "keras_schedule_class",
    "to_keras",
    "to_torch",
    "from_dict",
    "load_schedule",
    "parse",
    "register_function",
    "register_schedule",
    "save_schedule",
    # look before you train
    "Description",
    "Phase",
    "describe",
    "plot",
    "preview",
    # units
    "HorizonReport",
    "HorizonWarning",
    "check_horizon",
    "epochs_to_updates",
    "fraction_to_updates",
    "microbatches_to_updates",
    "steps_per_epoch",
    # training tools
    "LRFinderResult",
    "LRSweepResult",
    "lr_find",
    "lr_sweep",
    # sweeps
    "stack",
    "unstack",
    "batch_size",
    "batch_axes",
    "evaluate_batch",
    "sweep",
    # optimizer wiring and read-out
    "PlateauState",
    "ReduceOnPlateau",
    "ScheduledState",
    "adam_step_size",
    "check_resume",
    "find_injected",
    "hyperparam_applied",
    "hyperparam_next",
    "inject",
    "lr_applied",
    "lr_metrics",
    "lr_next",
    "report_metric",
    "update_count",
]

# Saved things name public paths only: a pickle finds jaxsched.CosineDecay, wherever the
# class is defined, and a config names the classes and factories listed here. Methods
# move with their class, so that doctest finds their examples here too.
for _name in __all__:
    _obj = globals()[_name]
    _obj.__module__ = __name__
    for _member in vars(_obj).values() if isinstance(_obj, type) else ():
        _member = getattr(_member, "__func__", _member)  # a classmethod's function
        if isinstance(_member, _types.FunctionType):
            _member.__module__ = __name__
_registry.register_builtins({_name: globals()[_name] for _name in __all__})
del _name, _obj, _member
