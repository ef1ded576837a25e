"""Look before you train: a schedule's whole curve, and a table of its phases."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from jaxsched.core import _validate as check
from jaxsched.core._schedule import Schedule
from jaxsched.view._segments import Periods, Segment, segments


def _concrete_schedule(owner: str, schedule: Any) -> Schedule:
    schedule = check.schedule(owner, "schedule", schedule)
    if not check.concrete(schedule):
        raise TypeError(
            f"{owner}: schedule has traced hyperparameters ({schedule!r}); {owner} runs on "
            f"the host, outside jit and vmap. Pass a schedule built from numbers."
        )
    return schedule


def preview(schedule: Schedule, total_steps: int) -> np.ndarray:
    """The value of ``schedule`` at every update of a run, as a NumPy array.

    .. math:: p_n = s(n), \\qquad n = 0, \\dots, N - 1

    One compiled call evaluates the whole curve (no Python loop), so a curve of a million
    updates takes milliseconds. It is compiled with the schedule's numbers as constants,
    as a training step that closes over the schedule compiles them (``optax.adam(
    schedule)``, :func:`inject`). Two compiled programs may still round the last bit of
    a cosine or a power differently, so compare with a relative tolerance of about
    ``1e-6`` rather than bit for bit.

    Args:
      schedule: a schedule with concrete hyperparameters.
      total_steps: :math:`N`, the number of optimizer updates of the run.

    Returns:
      A float32 array of shape ``(total_steps,)``; entry ``n`` is the value update ``n``
      uses.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.ExponentialDecay(1.0, transition_steps=2, decay_rate=0.5, staircase=True)
      >>> jaxsched.preview(s, 6)
      array([1.  , 1.  , 0.5 , 0.5 , 0.25, 0.25], dtype=float32)
    """
    owner = "preview"
    schedule = _concrete_schedule(owner, schedule)
    total_steps = check.steps(owner, "total_steps", total_steps, positive=True)
    return np.asarray(schedule._curve(np.arange(total_steps, dtype=np.int32)))


@dataclasses.dataclass(frozen=True)
class Phase:
    """One row of :func:`describe`: updates ``[start, end)`` of one shape.

    Attributes:
      start: the first update of the phase.
      end: the update after its last (``None``: it runs on, when no run length is given).
      shape: what the schedule does there (``"linear warmup"``, ``"cosine"``, ``"hold"``,
        ``"exponential staircase"``...).
      start_value: the value update ``start`` uses.
      last_value: the value update ``end - 1`` uses (``None`` when ``end`` is ``None``).
      start_epoch, end_epoch: ``start`` and ``end`` in epochs, when ``steps_per_epoch``
        was given.
      period_kind: ``"stair"`` or ``"cycle"`` for staircases and cycles, else ``None``.
      periods: how many stairs or cycles the phase meets (the first and last may be cut
        by the phase's ends).
      period: the length of the first full stair or cycle, in updates.
      period_growth: how much longer each next cycle is (1 for equal lengths).
    """

    start: int
    end: int | None
    shape: str
    start_value: float
    last_value: float | None
    start_epoch: float | None = None
    end_epoch: float | None = None
    period_kind: str | None = None
    periods: int | None = None
    period: int | None = None
    period_growth: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-safe dict."""
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Description:
    """What :func:`describe` returns: the phases of a schedule over a run.

    Iterate over it (or index it) for the :class:`Phase` rows; ``str()`` gives the table.

    Attributes:
      schedule: the schedule's text form.
      total_steps: the run's length in updates (``None`` if not given).
      steps_per_epoch: updates per epoch (``None`` if not given).
      phases: the rows, in order.
      unreached: ``(start, shape, value at start)`` of the phases that start after the
        run ends.
    """

    schedule: str
    total_steps: int | None
    steps_per_epoch: int | None
    phases: tuple[Phase, ...]
    unreached: tuple[tuple[int, str, float], ...] = ()

    def __len__(self) -> int:
        return len(self.phases)

    def __iter__(self) -> Any:
        return iter(self.phases)

    def __getitem__(self, index: int) -> Phase:
        return self.phases[index]

    def to_dicts(self) -> list[dict[str, Any]]:
        """The rows as JSON-safe dicts."""
        return [phase.to_dict() for phase in self.phases]

    def __str__(self) -> str:
        epochs = self.steps_per_epoch is not None
        header = ["updates", *(["epochs"] if epochs else []), "first value", "last value", "shape"]
        rows = [header]
        for phase in self.phases:
            if phase.end is None:
                row = [f"from {phase.start}"]
            else:
                last = phase.end - 1
                row = [f"{phase.start} - {last}" if last != phase.start else f"{last}"]
            if epochs:
                start = epochs_text(phase.start_epoch)
                row.append(
                    f"from {start}"
                    if phase.end_epoch is None
                    else f"{start} - {epochs_text(phase.end_epoch)}"
                )
            row += [
                f"{phase.start_value:.4g}",
                "" if phase.last_value is None else f"{phase.last_value:.4g}",
                phase.shape + periods_text(phase, self.steps_per_epoch),
            ]
            rows.append(row)
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [self._title()]
        lines += [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        if len(self.phases) == 1:
            run = "" if self.total_steps is None else " in this run"
            lines.append(f"One phase: the schedule has no phase boundary{run}.")
        for start, shape, value in self.unreached:
            lines.append(f"Not reached in this run: {shape} at {value:.4g} from update {start}.")
        return "\n".join(lines)

    def _title(self) -> str:
        title = self.schedule
        if self.total_steps is not None:
            title += f"\nover {self.total_steps} updates"
            if self.steps_per_epoch is not None:
                title += (
                    f" ({epochs_text(self.total_steps / self.steps_per_epoch)} epochs of "
                    f"{self.steps_per_epoch} updates)"
                )
        return title


def epochs_text(x: float | None) -> str:
    """Epochs for people: whole numbers as such, else two decimals."""
    if x is None:
        return ""
    return f"{round(x)}" if x == round(x) else f"{x:.2f}"


def periods_text(phase: Phase, steps_per_epoch: int | None) -> str:
    if phase.period_kind is None or phase.period is None:
        return ""
    if phase.periods is None:  # no run length: the stairs or cycles go on
        count = f"{phase.period_kind}s"
    else:
        count = f"{phase.periods} {phase.period_kind}{'s' if phase.periods != 1 else ''}"
    length = f"{phase.period} updates"
    if steps_per_epoch is not None:
        length += f" = {epochs_text(phase.period / steps_per_epoch)} epochs"
    if phase.period_growth != 1:
        length = f"first {length}, each next {phase.period_growth:g}x longer"
    return f": {count} of {length}"


def describe(
    schedule: Schedule, total_steps: int | None = None, steps_per_epoch: int | None = None
) -> Description:
    """A table of the phases of ``schedule`` over a run: where each starts, ends, and what it does.

    Every composition is walked down to its parts (a join's phases, a warmup and what
    follows it, a cooldown branched off a run, products and scales...). For staircases
    and cycles the table says how many stairs or cycles the run sees and how long each
    is, in updates and in epochs. A schedule with one phase, such as a constant or an
    inverse square root decay, has one row, and the table says so.

    Args:
      schedule: a schedule with concrete hyperparameters.
      total_steps: the run's length in optimizer updates. Phases are cut at its end and
        the ones after it are listed as not reached. ``None``: up to the schedule's
        horizon, with a last row that runs on.
      steps_per_epoch: optimizer updates per epoch (:func:`steps_per_epoch` computes it),
        to give every start, end and period in epochs too.

    Returns:
      A :class:`Description`: ``str()`` of it is the table, iterating gives
      :class:`Phase` rows, and ``to_dicts()`` JSON-safe data.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.warmup_cosine_decay(0.0, 1e-3, warmup_steps=100, decay_steps=1000)
      >>> print(jaxsched.describe(s, total_steps=1000, steps_per_epoch=100))
      warmup_cosine_decay(0.0, peak_value=0.001, warmup_steps=100, decay_steps=1000)
      over 1000 updates (10 epochs of 100 updates)
      updates    epochs  first value  last value  shape
      0 - 99     0 - 1   0            0.00099     linear warmup
      100 - 999  1 - 10  0.001        3.04e-09    cosine
      Not reached in this run: hold at 0 from update 1000.

      Keras' ``ExponentialDecay(1e-3, decay_steps=25, decay_rate=0.95, staircase=True)``
      decays every 25 *updates*, not epochs:

      >>> s = jaxsched.ExponentialDecay(1e-3, 25, 0.95, staircase=True)
      >>> jaxsched.describe(s, total_steps=1600, steps_per_epoch=32)[0].period
      25
    """
    owner = "describe"
    schedule = _concrete_schedule(owner, schedule)
    if total_steps is not None:
        total_steps = check.steps(owner, "total_steps", total_steps, positive=True)
    if steps_per_epoch is not None:
        steps_per_epoch = check.steps(owner, "steps_per_epoch", steps_per_epoch, positive=True)
    found = segments(schedule)
    if total_steps is None:
        shown, unreached = found, []
    else:
        shown = [s for s in found if s.start < total_steps]
        unreached = [s for s in found if s.start >= total_steps]
        shown = [dataclasses.replace(s, end=_cap(s.end, total_steps)) for s in shown]
    points = {s.start for s in [*shown, *unreached]}
    points |= {s.end - 1 for s in shown if s.end is not None}
    steps = np.asarray(sorted(points), np.int32)
    values = dict(zip(steps.tolist(), np.asarray(schedule(steps)).tolist(), strict=True))
    phases = tuple(_phase(s, values, steps_per_epoch) for s in shown)
    later = tuple((s.start, s.shape, values[s.start]) for s in unreached)
    return Description(str(schedule), total_steps, steps_per_epoch, phases, later)


def _cap(end: int | None, total: int) -> int:
    return total if end is None else min(end, total)


def _phase(segment: Segment, values: dict[int, float], steps_per_epoch: int | None) -> Phase:
    end = segment.end
    epochs: dict[str, Any] = {}
    if steps_per_epoch is not None:
        epochs = {
            "start_epoch": segment.start / steps_per_epoch,
            "end_epoch": None if end is None else end / steps_per_epoch,
        }
    return Phase(
        segment.start,
        end,
        segment.shape,
        values[segment.start],
        None if end is None else values[end - 1],
        **epochs,
        **_period_fields(segment.periods, segment.start, end),
    )


def _period_fields(periods: Periods | None, start: int, end: int | None) -> dict[str, Any]:
    if periods is None:
        return {}
    fields: dict[str, Any] = {"period_kind": periods.kind, "period_growth": periods.growth}
    first = periods.index(max(start, periods.origin))
    fields["period"] = periods.start(first + 1) - periods.start(first)
    if end is not None:
        seen = periods.seen(start, end)
        fields["periods"] = 0 if seen is None else seen[1] - seen[0] + 1
    return fields
