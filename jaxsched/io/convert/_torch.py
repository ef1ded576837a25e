"""PyTorch LR schedulers as jaxsched schedules, value for value.

PyTorch sets the rate of update ``k`` after ``k`` calls to ``scheduler.step()``; the
schedule returned gives that rate as ``schedule(k)``. A scheduler is read, never stepped:
its class and hyperparameters say the whole run. The converters are a table keyed by the
exact PyTorch class (a subclass may change the rule, so it is refused).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp

from jaxsched.compose._join import Join
from jaxsched.compose._restarts import CosineRestarts
from jaxsched.core._optional import optional_import
from jaxsched.core._schedule import Constant, Product, Schedule
from jaxsched.io._serialize import from_dict
from jaxsched.io.convert._huggingface import (
    from_hugging_face,
    hugging_face_function,
    periodic_cosine,
)
from jaxsched.schedules._cyclical import Cyclical
from jaxsched.schedules._exponential import ExponentialDecay
from jaxsched.schedules._onecycle import OneCycle, OneCycleMomentum
from jaxsched.schedules._piecewise import MultiStepDecay, PiecewiseConstant, StepDecay
from jaxsched.schedules._polynomial import Linear, Polynomial


class ResumeWarning(UserWarning):
    """A converted scheduler had already stepped: the schedule is the whole run from update 0."""


def _torch(owner: str) -> Any:
    return optional_import("torch", owner, "PyTorch", "torch")


def from_torch(scheduler: Any, *, group: int | None = None, momentum: bool = False) -> Schedule:
    r"""The schedule of a PyTorch LR scheduler: ``schedule(k)`` is the rate of update ``k``.

    PyTorch gives update ``k`` the rate set after ``k`` calls to ``scheduler.step()``
    (one call after each ``optimizer.step()``). The scheduler is read, not stepped, and
    not changed.

    =============================== ================================================================
    PyTorch                         jaxsched (``B`` the group's base rate)
    =============================== ================================================================
    ``StepLR``                      ``StepDecay(B, step_size, gamma)``
    ``MultiStepLR``                 ``MultiStepDecay(B, milestones, gamma)``
    ``ConstantLR``                  ``PiecewiseConstant([n], [B * factor, B])``
    ``LinearLR``                    ``Linear(B * start_factor, B * end_factor, n)``
    ``ExponentialLR``               ``ExponentialDecay(B, 1, gamma)``
    ``PolynomialLR``                ``Polynomial(B, 0.0, power, n)``
    ``CosineAnnealingLR``           ``CosineDecay(B, T_max, end_value=eta_min)``, then back up
    ``CosineAnnealingWarmRestarts`` ``CosineRestarts(B, T_0, T_mult, end_value=eta_min)``
    ``CyclicLR``                    ``Cyclical`` (momentum: ``Cyclical`` from ``max_momentum`` down)
    ``OneCycleLR``                  ``OneCycle`` (momentum: ``OneCycleMomentum``)
    ``SequentialLR``                ``Join`` of the converted schedulers
    ``ChainedScheduler``            ``Product`` of the converted schedulers
    Hugging Face ``LambdaLR``       the schedule of the ``get_*_schedule`` that made it
    =============================== ================================================================

    Departures, each one where PyTorch has no value to give: ``OneCycleLR`` raises past
    ``total_steps`` (the schedule holds the floor there), and ``ConstantLR`` with
    ``factor=0`` divides by zero at ``total_iters`` (refused). ``CosineAnnealingLR`` past
    ``T_max`` is kept as PyTorch computes it, periodic; if your run ends at ``T_max``,
    ``CosineDecay(B, T_max, end_value=eta_min)`` is the same schedule, simpler.

    Args:
      scheduler: a ``torch.optim.lr_scheduler`` scheduler, fresh or part-way through a
        run (then a :class:`ResumeWarning` says how to resume at its ``last_epoch``).
      group: which parameter group of the optimizer; ``None`` (the default) needs every
        group to have the same schedule.
      momentum: give the momentum (SGD) or ``beta1`` (Adam) schedule that ``CyclicLR`` and
        ``OneCycleLR`` set with ``cycle_momentum=True``, for :func:`jaxsched.inject`,
        instead of the learning rate.

    Returns:
      The schedule: the value at update ``k`` is the rate (or momentum) PyTorch gives
      update ``k``.

    Raises:
      TypeError: not a PyTorch LR scheduler.
      ValueError: a scheduler whose rate is not a function of the step alone
        (``ReduceLROnPlateau``, ``LambdaLR`` or ``MultiplicativeLR`` over your own
        function, a subclass), or groups that differ with ``group=None``; the message
        says what to write instead.

    Example:
      >>> import torch, jaxsched
      >>> optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
      >>> scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.5)
      >>> lr = jaxsched.from_torch(scheduler)
      >>> lr
      StepDecay(init_value=0.1, step_size=30, gamma=0.5)
      >>> lr(29), lr(30)
      (Array(0.1, dtype=float32), Array(0.05, dtype=float32))
    """
    torch = _torch("from_torch")
    if not isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler):
        raise TypeError(
            f"from_torch: expected a torch.optim.lr_scheduler scheduler, got "
            f"{type(scheduler).__name__}: {scheduler!r}."
        )
    groups = len(scheduler.optimizer.param_groups)
    if group is not None and (
        isinstance(group, bool) or not isinstance(group, int) or not 0 <= group < groups
    ):
        raise ValueError(
            f"from_torch: group must be an int in [0, {groups - 1}] (the optimizer has "
            f"{groups} parameter groups), got group={group!r}."
        )
    what = "momentum" if momentum else "learning rate"
    chosen = range(groups) if group is None else [group]
    built = [_convert(scheduler, g, momentum, base=None) for g in chosen]
    if any(schedule != built[0] for schedule in built[1:]):
        raise ValueError(
            f"from_torch: the optimizer's {groups} parameter groups have different {what} "
            f"schedules; convert one at a time with group=0 ... group={groups - 1}."
        )
    taken = _steps_taken(scheduler)
    if taken > 0:
        warnings.warn(
            f"from_torch: this {type(scheduler).__name__} has stepped {taken} times; the "
            f"schedule is the whole run from update 0. To resume, keep counting updates "
            f"from {taken} (restore the optax state, whose count carries on), or with a "
            f"fresh optax state use jaxsched.Offset(schedule, -{taken}).",
            ResumeWarning,
            stacklevel=2,
        )
    return built[0]


def _steps_taken(scheduler: Any) -> int:
    inner = getattr(scheduler, "_schedulers", None)
    if inner is not None and not hasattr(scheduler, "last_epoch"):  # ChainedScheduler
        return _steps_taken(inner[0])
    return max(int(scheduler.last_epoch), 0)


def _convert(scheduler: Any, group: int, momentum: bool, base: float | None) -> Schedule:
    """``scheduler``'s schedule for ``group``; ``base`` replaces its base rate if given."""
    name = type(scheduler).__name__
    rule = _rules().get(type(scheduler))
    if rule is None:
        raise ValueError(_not_convertible(scheduler))
    if momentum and name not in ("CyclicLR", "OneCycleLR", "SequentialLR"):
        raise ValueError(
            f"from_torch: {name} does not schedule momentum; only CyclicLR and OneCycleLR "
            f"(with cycle_momentum=True) do. Leave momentum=False."
        )
    if base is None and hasattr(scheduler, "base_lrs"):
        base = float(scheduler.base_lrs[group])
    try:
        return rule(scheduler, group, momentum, base)
    except (ValueError, TypeError) as error:
        if str(error).startswith("from_torch:"):
            raise
        raise type(error)(f"from_torch: {name} (parameter group {group}): {error}") from None


def _not_convertible(scheduler: Any) -> str:
    name = type(scheduler).__name__
    if name == "ReduceLROnPlateau":
        return (
            "from_torch: ReduceLROnPlateau follows a validation metric, not the update "
            "count, so it is not a schedule: its rate is not known before training."
        )
    if name in ("LambdaLR", "MultiplicativeLR"):
        return (
            f"from_torch: this {name} runs a Python function of your own, whose values "
            f"jaxsched cannot know without calling it for every step. Write the same rule "
            f"with jaxsched's schedules (see docs/parity.md), or wrap a jittable version "
            f"as jaxsched.FromFunction(fn). Hugging Face's get_*_schedule LambdaLRs convert."
        )
    known = ", ".join(sorted(cls.__name__ for cls in _rules()))
    return (
        f"from_torch: {type(scheduler).__module__}.{name} is not a scheduler jaxsched "
        f"converts (a subclass may change the rule). Converted: {known}."
    )


def _step_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    return StepDecay(base, s.step_size, s.gamma)


def _multistep_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    return MultiStepDecay(base, sorted(s.milestones.elements()), s.gamma)


def _constant_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    if s.total_iters == 0:  # PyTorch applies the factor at update 0 and never lifts it
        return Constant(base * s.factor)
    if s.factor == 0:
        raise ValueError(
            f"from_torch: ConstantLR with factor=0 divides by zero at total_iters="
            f"{s.total_iters} in PyTorch, so it has no rate there. Write the intended "
            f"schedule: PiecewiseConstant([{s.total_iters}], [0.0, {base}])."
        )
    return PiecewiseConstant([s.total_iters], [base * s.factor, base])


def _linear_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    if s.total_iters == 0:  # PyTorch applies start_factor at update 0 and holds it
        return Constant(base * s.start_factor)
    return Linear(base * s.start_factor, base * s.end_factor, s.total_iters)


def _exponential_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    return ExponentialDecay(base, 1, s.gamma)


def _polynomial_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    return Polynomial(base, 0.0, s.power, s.total_iters)


def _cosine_annealing_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    # Past T_max PyTorch's cosine goes back up to the base over T_max updates, and so on.
    return periodic_cosine(base, float(s.eta_min), s.T_max)


def _lambda_lr(s: Any, g: int, m: bool, base: float) -> Schedule:
    fn = s.lr_lambdas[g]
    if hugging_face_function(fn) is None:
        inner = getattr(fn, "func", fn)
        if getattr(inner, "__module__", None) == "transformers.optimization":
            raise ValueError(
                f"from_torch: Hugging Face's {getattr(inner, '__name__', inner)!r} is not "
                f"converted (no recorded reference to check it against). Write the schedule "
                f"with jaxsched's warmups and decays (docs/parity.md)."
            )
        raise ValueError(_not_convertible(s))
    return from_hugging_face(fn, base)


def _warm_restarts(s: Any, g: int, m: bool, base: float) -> Schedule:
    return CosineRestarts(base, s.T_0, t_mul=float(s.T_mult), end_value=float(s.eta_min))


def _cyclic_lr(s: Any, g: int, momentum: bool, base: float) -> Schedule:
    up_float = s.total_size * s.step_ratio
    up, down = round(up_float), round(s.total_size - up_float)
    if abs(up_float - up) > 1e-9 * s.total_size or up + down != s.total_size:
        raise ValueError(
            f"from_torch: CyclicLR's step sizes ({up_float}, {s.total_size - up_float}) are "
            f"not whole numbers of updates; jaxsched counts whole updates."
        )
    scale_fn = s._scale_fn_custom
    if scale_fn is not None:
        _check_jittable(scale_fn)
    mode = s.mode if s.mode in ("triangular", "triangular2", "exp_range") else "triangular"
    options = dict(
        step_size_down=None if down == up else down,
        mode=mode,
        gamma=float(s.gamma),
        scale_fn=scale_fn,
        scale_mode=s.scale_mode,
    )
    if not momentum:
        return Cyclical(base, float(s.max_lrs[g]), up, **options)
    if not s.cycle_momentum:
        raise ValueError(
            "from_torch: this CyclicLR has cycle_momentum=False, so it does not schedule "
            "momentum. Leave momentum=False."
        )
    # From max_momentum at the cycle's ends down to base_momentum at its peak.
    return Cyclical(float(s.max_momentums[g]), float(s.base_momentums[g]), up, **options)


def _check_jittable(fn: Callable[..., Any]) -> None:
    try:
        jax.eval_shape(fn, jax.ShapeDtypeStruct((), jnp.float32))
    except Exception as error:  # any failure means it cannot run on traced values
        raise ValueError(
            f"from_torch: CyclicLR's scale_fn {fn!r} does not run on a JAX array "
            f"({type(error).__name__}: {error}); write it with jnp operations."
        ) from None


def _one_cycle_lr(s: Any, g: int, momentum: bool, base: float) -> Schedule:
    group = s.optimizer.param_groups[g]
    phases = s._schedule_phases
    total = int(s.total_steps)
    pct = (float(phases[0]["end_step"]) + 1) / total
    anneal = getattr(s, "_anneal_func_type", "cos")
    three_phase = len(phases) == 3
    if momentum:
        if not s.cycle_momentum:
            raise ValueError(
                "from_torch: this OneCycleLR has cycle_momentum=False, so it does not "
                "schedule momentum. Leave momentum=False."
            )
        return OneCycleMomentum(
            float(group["base_momentum"]),
            float(group["max_momentum"]),
            total,
            pct,
            anneal,
            three_phase,
        )
    peak, start, floor = (float(group[k]) for k in ("max_lr", "initial_lr", "min_lr"))
    return OneCycle(peak, total, pct, anneal, peak / start, start / floor, three_phase)


def _sequential_lr(s: Any, g: int, momentum: bool, base: float | None) -> Schedule:
    parts = []
    for i, inner in enumerate(s._schedulers):
        if i > 0 and type(inner).__name__ == "ChainedScheduler":
            raise ValueError(
                "from_torch: SequentialLR starts a ChainedScheduler at its milestone with "
                "_update_lr(0), which PyTorch does not implement for it (it raises). Put "
                "the chain first, or sequence the chained schedulers' product yourself."
            )
        parts.append(_convert(inner, g, momentum, base=None))
    return Join(parts, list(s._milestones))


_MULTIPLICATIVE = (
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
)


def _chained(s: Any, g: int, momentum: bool, base: float | None) -> Schedule:
    for inner in s._schedulers:
        if type(inner).__name__ not in _MULTIPLICATIVE:
            raise ValueError(
                f"from_torch: in a ChainedScheduler, {type(inner).__name__} sets the rate "
                f"from its own formula, so the chain is not a product of schedules. "
                f"Chains of {', '.join(_MULTIPLICATIVE)} convert (to a Product)."
            )
    first, *rest = s._schedulers
    factors = [_convert(inner, g, momentum, base=1.0) for inner in rest]
    return Product([_convert(first, g, momentum, base=None), *factors])


@functools.cache
def _rules() -> dict[type, Callable[[Any, int, bool, Any], Schedule]]:
    """The converters by PyTorch class, built on first use: importing jaxsched never
    imports torch."""
    schedulers = _torch("from_torch").optim.lr_scheduler
    table = {
        "StepLR": _step_lr,
        "MultiStepLR": _multistep_lr,
        "ConstantLR": _constant_lr,
        "LinearLR": _linear_lr,
        "ExponentialLR": _exponential_lr,
        "PolynomialLR": _polynomial_lr,
        "CosineAnnealingLR": _cosine_annealing_lr,
        "LambdaLR": _lambda_lr,
        "CosineAnnealingWarmRestarts": _warm_restarts,
        "CyclicLR": _cyclic_lr,
        "OneCycleLR": _one_cycle_lr,
        "SequentialLR": _sequential_lr,
        "ChainedScheduler": _chained,
    }
    rules = {getattr(schedulers, name): rule for name, rule in table.items()}
    rules[_scheduler_class()] = lambda s, g, m, base: s.schedules[g]
    return rules


def to_torch(schedule: Schedule | Sequence[Schedule], optimizer: Any, last_epoch: int = -1) -> Any:
    """A PyTorch LR scheduler driven by a jaxsched schedule: one definition for both.

    After ``k`` calls to ``scheduler.step()`` the optimizer's rate is ``schedule(k)``, so
    update ``k`` uses ``schedule(k)``, as in jaxsched. The schedule gives the rate itself;
    the optimizer's ``lr`` is overwritten, as every PyTorch scheduler does. The
    scheduler's ``state_dict`` holds the schedules' dict form (plain data, so
    ``torch.load(..., weights_only=True)`` reads it) and ``from_torch`` gives the schedule
    back.

    Args:
      schedule: a schedule, or one per parameter group of ``optimizer``.
      optimizer: a ``torch.optim.Optimizer``.
      last_epoch: PyTorch's resume argument: the index of the last update done, ``-1``
        for a fresh run.

    Returns:
      A ``torch.optim.lr_scheduler.LRScheduler``; its ``schedules`` are the schedules,
      one per parameter group.

    Example:
      >>> import torch, jaxsched
      >>> optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
      >>> lr = jaxsched.warmup_cosine_decay(0.0, 0.1, warmup_steps=10, decay_steps=100)
      >>> scheduler = jaxsched.to_torch(lr, optimizer)
      >>> jaxsched.from_torch(scheduler) == lr
      True
      >>> for _ in range(10):
      ...     optimizer.step()
      ...     scheduler.step()
      >>> round(optimizer.param_groups[0]["lr"], 6)
      0.1
    """
    torch = _torch("to_torch")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"to_torch: optimizer must be a torch.optim.Optimizer, got "
            f"{type(optimizer).__name__}: {optimizer!r}."
        )
    groups = len(optimizer.param_groups)
    if isinstance(schedule, Schedule):
        schedules = [schedule] * groups
    else:
        schedules = list(schedule) if isinstance(schedule, list | tuple) else []
    if len(schedules) != groups or not all(isinstance(s, Schedule) for s in schedules):
        raise TypeError(
            f"to_torch: schedule must be a jaxsched schedule or one per parameter group "
            f"({groups}), got {schedule!r}."
        )
    return _scheduler_class()(optimizer, schedules, last_epoch)


@jax.jit
def _rates(schedules: list[Schedule], step: jax.Array) -> jax.Array:
    # The schedules are pytree arguments: one compilation per structure, not per value.
    return jnp.stack([schedule(step) for schedule in schedules])


@functools.cache
def _scheduler_class() -> type:
    """The PyTorch scheduler class behind :func:`to_torch`, defined on first use."""
    torch = _torch("to_torch")

    class JaxschedLR(torch.optim.lr_scheduler.LRScheduler):
        """A PyTorch LR scheduler whose rate for update ``k`` is ``schedules[g](k)``."""

        def __init__(self, optimizer: Any, schedules: list[Schedule], last_epoch: int) -> None:
            self.schedules = schedules
            super().__init__(optimizer, last_epoch)

        def get_lr(self) -> list[float]:
            return [float(v) for v in _rates(self.schedules, self.last_epoch)]

        _get_closed_form_lr = get_lr

        def state_dict(self) -> dict[str, Any]:
            state = {k: v for k, v in vars(self).items() if k != "optimizer"}
            state["schedules"] = [s.to_dict() for s in self.schedules]
            return state

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            state = dict(state_dict)
            self.schedules = [from_dict(s) for s in state.pop("schedules")]
            vars(self).update(state)

    JaxschedLR.__module__ = __name__
    return JaxschedLR
