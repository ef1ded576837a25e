"""Units: every length in jaxsched counts optimizer updates.

Helpers convert epochs, fractions of a run and micro-batches to updates and count the
updates of an epoch; :func:`check_horizon` says what a run will see of a schedule and
warns when its lengths and the run's do not agree.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

from jaxsched import _validate as check
from jaxsched._base import Schedule
from jaxsched._preview import Phase, describe, epochs_text, periods_text

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


def steps_per_epoch(num_examples: int, batch_size: int, *, drop_remainder: bool = False) -> int:
    """The number of batches, and so of optimizer updates, in one epoch.

    .. math:: n = \\lceil E / B \\rceil \\quad\\text{or, dropping the partial last batch,}\\quad \\lfloor E / B \\rfloor

    A partial last batch is still a batch and still an update (the default of
    ``tf.data``'s ``batch``, PyTorch's ``DataLoader`` and Keras' ``fit``), so 1000 examples
    in batches of 32 make 32 updates per epoch, not 31.25.

    Args:
      num_examples: :math:`E`, examples in the training set.
      batch_size: :math:`B`, examples per update (the global batch, after gradient
        accumulation: with ``optax.MultiSteps`` over ``k`` micro-batches, ``k`` times the
        micro-batch).
      drop_remainder: ``True`` when the partial last batch is dropped
        (``drop_remainder=True`` in ``tf.data``, ``drop_last=True`` in PyTorch).

    Returns:
      An ``int``.

    Example:
      >>> import jaxsched
      >>> jaxsched.steps_per_epoch(1000, 32), jaxsched.steps_per_epoch(1000, 32, drop_remainder=True)
      (32, 31)
    """
    owner = "steps_per_epoch"
    num_examples = check.steps(owner, "num_examples", num_examples, positive=True)
    batch_size = check.steps(owner, "batch_size", batch_size, positive=True)
    drop_remainder = check.flag(owner, "drop_remainder", drop_remainder)
    if drop_remainder and batch_size > num_examples:
        raise check.fail(
            owner,
            "batch_size",
            batch_size,
            f"is larger than num_examples={num_examples}, so dropping the partial batch "
            f"leaves no update",
            "Use a smaller batch or drop_remainder=False.",
        )
    whole, partial = divmod(num_examples, batch_size)
    return whole + (1 if partial and not drop_remainder else 0)


@dataclasses.dataclass(frozen=True)
class HorizonReport:
    """What a run of ``planned_updates`` will see of a schedule (:func:`check_horizon`).

    ``str()`` of it says it in words.

    Attributes:
      horizon: the schedule's horizon (``None`` if it never stops changing).
      planned_updates: the run's length in updates.
      steps_per_epoch: updates per epoch, if given.
      first_value: the value update 0 uses.
      last_value: the value the run's last update, ``planned_updates - 1``, uses.
      periods: the phases of the run that are staircases or cycles (see :func:`describe`).
      warnings: the messages of the :class:`HorizonWarning` issued.
    """

    horizon: int | None
    planned_updates: int
    steps_per_epoch: int | None
    first_value: float
    last_value: float
    periods: tuple[Phase, ...]
    warnings: tuple[str, ...]

    def __str__(self) -> str:
        run = f"{self.planned_updates} updates"
        if self.steps_per_epoch is not None:
            run += f" ({epochs_text(self.planned_updates / self.steps_per_epoch)} epochs)"
        lines = [
            f"The run's {run} go from {self.first_value:.4g} at update 0 to "
            f"{self.last_value:.4g} at update {self.planned_updates - 1}."
        ]
        if self.horizon is None:
            lines.append("The schedule has no horizon: it keeps changing.")
        else:
            lines.append(f"The schedule stops changing at update {self.horizon}.")
        for phase in self.periods:
            lines.append(f"{phase.shape}{periods_text(phase, self.steps_per_epoch)}.")
        return "\n".join(lines + [f"Warning: {w}" for w in self.warnings])


def check_horizon(
    schedule: Schedule, planned_updates: int, *, steps_per_epoch: int | None = None
) -> HorizonReport:
    """Says what a run of ``planned_updates`` will see of ``schedule``, and warns on a mismatch.

    A :class:`HorizonWarning` is issued when

    - the schedule's :attr:`~Schedule.horizon` (the update from which its value stops
      changing) is neither ``planned_updates`` nor ``planned_updates - 1``; the message
      names the likely cause when the ratio is a whole number (epochs, or micro-batches
      under gradient accumulation, counted as updates);
    - with ``steps_per_epoch``, a stair or cycle lasts a number of updates that divides
      the run's number of epochs and is not a whole number of epochs (25 updates in a run
      of 50 epochs of 32 updates): epochs look counted as updates. This is the mistake of Keras' ``ExponentialDecay(decay_steps=25)`` meant
      as every 25 epochs, which has no horizon to check.

    The end of a run: a run of :math:`N` updates uses ``schedule(0)`` to
    ``schedule(N - 1)``. A schedule whose horizon is :math:`N` (``decay_steps=N``) reaches
    its end value at update :math:`N`, one after the last; with horizon :math:`N - 1` the
    last update uses the end value. Both are accepted without a warning.

    Args:
      schedule: a schedule with concrete hyperparameters.
      planned_updates: the number of optimizer updates the run will make.
      steps_per_epoch: optimizer updates per epoch (:func:`steps_per_epoch` computes it),
        to check staircases and cycles against epochs and report them in epochs.

    Returns:
      A :class:`HorizonReport`: the horizon, the first and last values of the run, the
      staircases and cycles it meets, and the warnings given. Print it to read it.

    Example:
      >>> import warnings
      >>> import jaxsched
      >>> s = jaxsched.warmup_cosine_decay(0.0, 1e-3, 100, decay_steps=10_000)
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     _ = jaxsched.check_horizon(s, planned_updates=2_500)
      >>> print(caught[0].message)
      Schedule ends at update 10000 but the run makes 2500 updates: the schedule is 4x longer than the run; are its lengths counted in micro-batches (gradient accumulation of 4) or in the wrong unit?

      The seed's staircase, counted in updates where epochs were meant:

      >>> s = jaxsched.ExponentialDecay(1e-3, 25, 0.95, staircase=True)
      >>> with warnings.catch_warnings(record=True) as caught:
      ...     warnings.simplefilter("always")
      ...     report = jaxsched.check_horizon(s, planned_updates=50 * 32, steps_per_epoch=32)
      >>> print(report)
      The run's 1600 updates (50 epochs) go from 0.001 at update 0 to 3.95e-05 at update 1599.
      The schedule has no horizon: it keeps changing.
      exponential staircase: 64 stairs of 25 updates = 0.78 epochs.
      Warning: exponential staircase: a stair every 25 updates = 0.78 epochs, in a run of 50 epochs: was 25 meant in epochs? Then use jaxsched.epochs_to_updates(25, steps_per_epoch=32) = 800 updates.
    """
    owner = "check_horizon"
    check.schedule(owner, "schedule", schedule)
    planned_updates = check.steps(owner, "planned_updates", planned_updates, positive=True)
    if steps_per_epoch is not None:
        steps_per_epoch = check.steps(owner, "steps_per_epoch", steps_per_epoch, positive=True)
    horizon = schedule.horizon
    run = describe(schedule, planned_updates, steps_per_epoch)
    periods = tuple(phase for phase in run if phase.period_kind is not None)
    messages = []
    if horizon is not None and horizon not in (planned_updates, planned_updates - 1):
        messages.append(_horizon_message(horizon, planned_updates))
    if steps_per_epoch is not None and planned_updates % steps_per_epoch == 0:
        epochs = planned_updates // steps_per_epoch
        messages += [
            _epochs_as_updates(phase, epochs, steps_per_epoch)
            for phase in periods
            if phase.period is not None
            and epochs % phase.period == 0
            and phase.period % steps_per_epoch != 0  # whole epochs: converted already
        ]
    for message in messages:
        warnings.warn(message, HorizonWarning, stacklevel=2)
    return HorizonReport(
        horizon,
        planned_updates,
        steps_per_epoch,
        run[0].start_value,
        run[-1].last_value,
        periods,
        tuple(messages),
    )


def _epochs_as_updates(phase: Phase, epochs: int, steps_per_epoch: int) -> str:
    length = phase.period
    return (
        f"{phase.shape}: a {phase.period_kind} every {length} updates = "
        f"{epochs_text(length / steps_per_epoch)} epochs, in a run of {epochs} epochs: was "
        f"{length} meant in epochs? Then use jaxsched.epochs_to_updates({length}, "
        f"steps_per_epoch={steps_per_epoch}) = {length * steps_per_epoch} updates."
    )


def _horizon_message(horizon: int, planned_updates: int) -> str:
    message = f"Schedule ends at update {horizon} but the run makes {planned_updates} updates"
    longer, shorter = max(horizon, planned_updates), min(horizon, planned_updates)
    if shorter and longer % shorter == 0:
        ratio = longer // shorter
        if horizon > planned_updates:
            return message + (
                f": the schedule is {ratio}x longer than the run; are its lengths "
                f"counted in micro-batches (gradient accumulation of {ratio}) or in "
                f"the wrong unit?"
            )
        return message + (
            f": the run is {ratio}x longer than the schedule; were lengths given "
            f"in epochs instead of updates (epochs_to_updates converts)?"
        )
    if horizon > planned_updates:
        return message + "; its last part is never reached."
    return message + f"; the value holds for the last {planned_updates - horizon} updates."
