"""The horizon check: what a run of N updates will see of a schedule, and whether its
lengths and the run's agree (:func:`check_horizon`)."""

from __future__ import annotations

import dataclasses
import warnings

from jaxsched.core import _validate as check
from jaxsched.core._schedule import Schedule
from jaxsched.view._preview import Phase, describe, epochs_text, periods_text


class HorizonWarning(UserWarning):
    """A schedule's length does not match the planned number of optimizer updates."""


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
