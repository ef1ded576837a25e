"""jaxsched: learning-rate schedules for JAX and optax, as values.

Every schedule is a frozen dataclass registered as a pytree: ``schedule(step)`` gives a
float32 learning rate, hyperparameters are leaves (``jit``, ``vmap``, ``grad``), values
compare and hash, pickle, and go wherever optax takes a schedule.

Where things live: one schedule family per module (``_polynomial``, ``_exponential``,
``_cosine``, ``_linear_cosine``, ``_rsqrt``, ``_power``, ``_piecewise``, ``_interpolate``,
``_cyclical``, ``_onecycle``, ``_restarts``, ``_warmup``, ``_cooldown``; the anneal shapes
they share in ``_shapes``, the cycle index of growing cycles in ``_cycles``), composition
in ``_join`` and ``_arithmetic``, the base class in ``_base``, construction checks in
``_validate``, finite arithmetic in ``_numerics``, units in ``_units``,
optimizer wiring in ``_inject``, reduce-on-plateau in ``_plateau``, the resume
check in ``_resume``, one-compile sweeps in ``_sweep``, the LR range test in
``_lr_finder``, a schedule's phases in ``_segments`` and the
curve and phase table built on them in ``_preview``, reading values back in ``_readout``, the dict form in ``_serialize``, the
text form in ``_text`` and other libraries' argument names in ``_names``.
"""

from jaxsched._arithmetic import Clip, Hold, Offset, PerEpoch, Product, Scale, Sum
from jaxsched._base import Schedule
from jaxsched._convert._keras import from_keras
from jaxsched._convert._to_keras import keras_schedule_class, to_keras
from jaxsched._convert._torch import ResumeWarning, from_torch, to_torch
from jaxsched._cooldown import Cooldown, Rewarmup, warmup_stable_decay
from jaxsched._cosine import CosineDecay
from jaxsched._cyclical import Cyclical
from jaxsched._exponential import ExponentialDecay, InverseTimeDecay, NaturalExpDecay
from jaxsched._function import FromFunction
from jaxsched._inject import ScheduledState, inject
from jaxsched._interpolate import PiecewiseInterpolate, cosine_onecycle, linear_onecycle
from jaxsched._join import Join, phases
from jaxsched._linear_cosine import LinearCosineDecay, NoisyLinearCosineDecay
from jaxsched._lr_finder import LRFinderResult, LRSweepResult, lr_find, lr_sweep
from jaxsched._onecycle import OneCycle, OneCycleMomentum
from jaxsched._piecewise import MultiStepDecay, PiecewiseConstant, StepDecay
from jaxsched._plateau import PlateauState, ReduceOnPlateau, report_metric
from jaxsched._plot import plot
from jaxsched._polynomial import Constant, Linear, Polynomial
from jaxsched._power import DirectPowerDecay, PowerAndLinearDecay, PowerDecayWithOffset
from jaxsched._preview import Description, Phase, describe, preview
from jaxsched._readout import (
    adam_step_size,
    find_injected,
    hyperparam_applied,
    hyperparam_next,
    lr_applied,
    lr_metrics,
    lr_next,
    update_count,
)
from jaxsched._restarts import CosineRestarts, DecayCycles, Restarts, sgdr, tanh_decay
from jaxsched._resume import check_resume
from jaxsched._rsqrt import InverseSqrtDecay, Noam
from jaxsched._serialize import (
    from_dict,
    load_schedule,
    register_function,
    register_schedule,
    save_schedule,
)
from jaxsched._sweep import batch_axes, batch_size, evaluate_batch, stack, sweep, unstack
from jaxsched._text import ParseError, parse
from jaxsched._units import (
    HorizonReport,
    HorizonWarning,
    check_horizon,
    epochs_to_updates,
    fraction_to_updates,
    microbatches_to_updates,
    steps_per_epoch,
)
from jaxsched._warmup import Warmup, warmup_cosine_decay, warmup_exponential_decay

__version__ = "0.1.0"

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
