"""Units: every length in jaxsched counts optimizer updates.

Helpers convert epochs, fractions of a run and micro-batches to updates, and
:func:`check_horizon` warns when a schedule's length does not match the run.
"""

from __future__ import annotations

import math
import warnings

from jaxsched import _validate as check
from jaxsched._base import Schedule

ROUNDINGS = ("floor", "ceil", "round")


class HorizonWarning(UserWarning):
    """A schedule's length does not match the planned number of optimizer updates."""


def _to_updates(owner: str, name: str, exact: float, rounding: str | None) -> int:
    if rounding is None:
        if exact != round(exact):
            raise ValueError(
                f"{owner}: {name} is {exact!r} updates, not a whole number. Say how to round "
                f"it: rounding='floor', 'ceil' or 'round'."
            )
        return round(exact)
    check.choice(owner, "rounding", rounding, ROUNDINGS)
    if rounding == "floor":
        return math.floor(exact)
    if rounding == "ceil":
        return math.ceil(exact)
    return round(exact)


def epochs_to_updates(epochs: float, steps_per_epoch: int, *, rounding: str | None = None) -> int:
    """The number of optimizer updates in ``epochs`` epochs.

    .. math:: n = \\text{epochs} \\times \\text{steps\\_per\\_epoch}

    Args:
      epochs: a non-negative number of epochs (fractions allowed).
      steps_per_epoch: optimizer updates per epoch (after gradient accumulation: use
        :func:`microbatches_to_updates` first if you count batches).
      rounding: ``None`` (the result must be whole, else ``ValueError``), ``"floor"``,
        ``"ceil"`` or ``"round"``.

    Returns:
      An ``int``.

    Example:
      >>> import jaxsched
      >>> jaxsched.epochs_to_updates(25, steps_per_epoch=390)
      9750
    """
    owner = "epochs_to_updates"
    epochs = check.real(owner, "epochs", epochs, minimum=0)
    steps_per_epoch = check.steps(owner, "steps_per_epoch", steps_per_epoch, positive=True)
    return _to_updates(
        owner,
        f"epochs={epochs!r} x steps_per_epoch={steps_per_epoch}",
        epochs * steps_per_epoch,
        rounding,
    )


def fraction_to_updates(fraction: float, total_updates: int, *, rounding: str | None = None) -> int:
    """The number of updates in a fraction of a run of ``total_updates``.

    Args:
      fraction: in ``[0, 1]``.
      total_updates: the run's length in optimizer updates.
      rounding: as in :func:`epochs_to_updates`.

    Returns:
      An ``int``.

    Example:
      >>> import jaxsched
      >>> jaxsched.fraction_to_updates(0.05, total_updates=20_000)
      1000
    """
    owner = "fraction_to_updates"
    fraction = check.real(owner, "fraction", fraction, minimum=0, maximum=1)
    total_updates = check.steps(owner, "total_updates", total_updates)
    return _to_updates(
        owner,
        f"fraction={fraction!r} of total_updates={total_updates}",
        fraction * total_updates,
        rounding,
    )


def microbatches_to_updates(
    microbatches: int, accumulation_steps: int, *, rounding: str | None = None
) -> int:
    """The number of optimizer updates made from ``microbatches`` under accumulation.

    With ``optax.MultiSteps(..., every_k_schedule=k)`` the inner optimizer, and so its
    schedule, advances once every ``k`` micro-batches.

    Args:
      microbatches: micro-batches (calls to the training step).
      accumulation_steps: ``k``, micro-batches per optimizer update.
      rounding: as in :func:`epochs_to_updates`.

    Returns:
      An ``int``.

    Example:
      >>> import jaxsched
      >>> jaxsched.microbatches_to_updates(8000, accumulation_steps=4)
      2000
    """
    owner = "microbatches_to_updates"
    microbatches = check.steps(owner, "microbatches", microbatches)
    accumulation_steps = check.steps(owner, "accumulation_steps", accumulation_steps, positive=True)
    return _to_updates(
        owner,
        f"microbatches={microbatches} / accumulation_steps={accumulation_steps}",
        microbatches / accumulation_steps,
        rounding,
    )


def check_horizon(schedule: Schedule, planned_updates: int) -> int | None:
    """Warns when ``schedule`` does not end where the run does.

    A :class:`HorizonWarning` is issued when the schedule's :attr:`~Schedule.horizon`
    (the step from which its value stops changing) differs from ``planned_updates``;
    the message names the likely cause when the ratio is a whole number (epochs, or
    micro-batches under gradient accumulation, counted as updates).

    Args:
      schedule: a schedule with concrete hyperparameters.
      planned_updates: the number of optimizer updates the run will make.

    Returns:
      The schedule's horizon (``None`` for a schedule that never settles, which is not
      checked).

    Example:
      >>> import jaxsched, warnings
      >>> s = jaxsched.warmup_cosine_decay(0.0, 1e-3, 100, decay_steps=10_000)
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     _ = jaxsched.check_horizon(s, planned_updates=2_500)
      >>> print(caught[0].message)
      Schedule ends at update 10000 but the run makes 2500 updates: the schedule is 4x longer than the run; are its lengths counted in micro-batches (gradient accumulation of 4) or in the wrong unit?
    """
    owner = "check_horizon"
    check.schedule(owner, "schedule", schedule)
    planned_updates = check.steps(owner, "planned_updates", planned_updates, positive=True)
    horizon = schedule.horizon
    if horizon is None or horizon == planned_updates:
        return horizon
    message = f"Schedule ends at update {horizon} but the run makes {planned_updates} updates"
    longer, shorter = max(horizon, planned_updates), min(horizon, planned_updates)
    if shorter and longer % shorter == 0:
        ratio = longer // shorter
        if horizon > planned_updates:
            message += (
                f": the schedule is {ratio}x longer than the run; are its lengths "
                f"counted in micro-batches (gradient accumulation of {ratio}) or in "
                f"the wrong unit?"
            )
        else:
            message += (
                f": the run is {ratio}x longer than the schedule; were lengths given "
                f"in epochs instead of updates (epochs_to_updates converts)?"
            )
    elif horizon > planned_updates:
        message += "; its last part is never reached."
    else:
        message += f"; the value holds for the last {planned_updates - horizon} updates."
    warnings.warn(message, HorizonWarning, stacklevel=2)
    return horizon
