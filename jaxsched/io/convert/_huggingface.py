"""Hugging Face's ``get_*_schedule`` schedulers: ``LambdaLR`` over known functions.

``transformers.optimization.get_cosine_schedule_with_warmup(...)`` and its siblings
return a ``LambdaLR`` whose function is a ``functools.partial`` of a private function of
``transformers.optimization`` with the schedule's arguments as keywords. The function's
name says the rule and the keywords its numbers, so the schedule is read off without
calling it. Formulas from transformers 5.23; the values are checked against the ones that
release recorded (``tests/goldens/hf.json``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jaxsched.compose._cooldown import warmup_stable_decay
from jaxsched.compose._join import Join
from jaxsched.compose._restarts import Restarts
from jaxsched.compose._warmup import Warmup
from jaxsched.core._schedule import Constant, Schedule
from jaxsched.schedules._cosine import CosineDecay
from jaxsched.schedules._polynomial import Linear, Polynomial
from jaxsched.schedules._rsqrt import InverseSqrtDecay

_MODULE = "transformers.optimization"


def periodic_cosine(high: float, low: float, half_period: int) -> Schedule:
    """A cosine from ``high`` down to ``low`` over ``half_period`` updates, back up over
    as many, and so on: PyTorch's ``CosineAnnealingLR`` and Hugging Face's cosines, which
    do not stop at the end of the run."""
    down = CosineDecay(high, half_period, end_value=low)
    if high == low:
        return down
    up = Warmup(Constant(high), half_period, init_value=low, shape="cosine")
    return Restarts(Join([down, up], [half_period]), period=2 * half_period)


def hugging_face_function(fn: Any) -> str | None:
    """The name of the transformers function behind a ``LambdaLR``'s ``fn``, or ``None``."""
    inner = fn.func if isinstance(fn, functools.partial) else fn
    if getattr(inner, "__module__", None) != _MODULE:
        return None
    name = getattr(inner, "__name__", None)
    return name if name in _RULES else None


def from_hugging_face(fn: Any, base: float) -> Schedule:
    """The schedule of ``base * fn(step)`` for a Hugging Face ``LambdaLR`` function."""
    inner = fn.func if isinstance(fn, functools.partial) else fn
    keywords = dict(fn.keywords) if isinstance(fn, functools.partial) else {}
    return _RULES[inner.__name__](base, **keywords)


def _whole(owner: str, what: str, value: float) -> int:
    if value != int(value):
        raise ValueError(
            f"from_torch: Hugging Face's {owner} has {what} = {value}, not a whole number "
            f"of updates; jaxsched counts whole updates. Choose num_cycles to divide the "
            f"decay evenly."
        )
    return int(value)


def _decay_length(num_warmup_steps: int, num_training_steps: int) -> int:
    return max(1, num_training_steps - num_warmup_steps)  # as Hugging Face divides


def _constant(base: float, _: Any = None) -> Schedule:
    return Constant(base)


def _constant_warmup(base: float, *, num_warmup_steps: int) -> Schedule:
    return Warmup(Constant(base), num_warmup_steps)


def _linear(base: float, *, num_warmup_steps: int, num_training_steps: int) -> Schedule:
    length = num_training_steps - num_warmup_steps
    after = Linear(base, 0.0, length) if length > 0 else Constant(0.0)
    return Warmup(after, num_warmup_steps)


def _cosine(
    base: float,
    *,
    num_warmup_steps: int,
    num_training_steps: int,
    num_cycles: float = 0.5,
    min_lr_rate: float = 0.0,
) -> Schedule:
    length = _decay_length(num_warmup_steps, num_training_steps)
    # cos(2 pi c progress): from the top to the floor in length / (2c) updates.
    half = _whole("cosine schedule", "the decay length / (2 num_cycles)", length / (2 * num_cycles))
    return Warmup(periodic_cosine(base, base * min_lr_rate, half), num_warmup_steps)


def _hard_restarts(
    base: float, *, num_warmup_steps: int, num_training_steps: int, num_cycles: int
) -> Schedule:
    length = _decay_length(num_warmup_steps, num_training_steps)
    cycle = _whole("hard-restarts schedule", "the decay length / num_cycles", length / num_cycles)
    cycles = Restarts(CosineDecay(base, cycle), cycle)
    return Warmup(Join([cycles, Constant(0.0)], [length]), num_warmup_steps)


def _polynomial(
    base: float,
    *,
    num_warmup_steps: int,
    num_training_steps: int,
    lr_end: float,
    power: float,
    lr_init: float,
) -> Schedule:
    # The factor is (range * remaining**power + lr_end) / lr_init, times the group's base
    # (lr_init is the optimizer's default rate, which a group may not have).
    end = base * lr_end / lr_init
    length = num_training_steps - num_warmup_steps
    return Warmup(Polynomial(base, end, power, length), num_warmup_steps)


def _inverse_sqrt(base: float, *, num_warmup_steps: int, timescale: int | None = None) -> Schedule:
    timescale = timescale or (num_warmup_steps or 10_000)  # as get_inverse_sqrt_schedule
    return Warmup(InverseSqrtDecay(base, timescale), num_warmup_steps)


def _wsd(
    base: float,
    *,
    num_warmup_steps: int,
    num_stable_steps: int,
    num_decay_steps: int,
    warmup_type: str,
    decay_type: str,
    min_lr_ratio: float,
    num_cycles: float = 0.5,
) -> Schedule:
    if decay_type == "cosine" and num_cycles != 0.5:
        raise ValueError(
            f"from_torch: Hugging Face's WSD schedule with num_cycles={num_cycles} rises "
            f"again within its decay; jaxsched converts num_cycles=0.5 only."
        )
    return warmup_stable_decay(
        base,
        num_warmup_steps,
        num_stable_steps,
        num_decay_steps,
        init_value=min_lr_ratio * base,
        min_ratio=min_lr_ratio,
        warmup_shape=warmup_type,
        decay_shape=decay_type,
    )


_RULES: dict[str, Callable[..., Schedule]] = {
    "_get_constant_lambda": _constant,
    "_get_constant_schedule_with_warmup_lr_lambda": _constant_warmup,
    "_get_linear_schedule_with_warmup_lr_lambda": _linear,
    "_get_cosine_schedule_with_warmup_lr_lambda": _cosine,
    "_get_cosine_with_hard_restarts_schedule_with_warmup_lr_lambda": _hard_restarts,
    "_get_polynomial_decay_schedule_with_warmup_lr_lambda": _polynomial,
    "_get_inverse_sqrt_schedule_lr_lambda": _inverse_sqrt,
    "_get_wsd_scheduler_lambda": _wsd,
}
