"""Plotting schedules before training (matplotlib, the ``plot`` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from jaxsched.core import _validate as check
from jaxsched.core._optional import optional_import
from jaxsched.core._schedule import Schedule
from jaxsched.view._preview import describe, preview

# A longer curve is drawn from this many evenly spread updates (and every phase start):
# a figure has a few thousand pixels, and a million-point line is slow to draw.
_MAX_POINTS = 100_000
_MAX_LABEL = 100


def plot(
    *schedules: Schedule,
    total_steps: int,
    ax: Any = None,
    log: bool = False,
    steps_per_epoch: int | None = None,
    labels: Sequence[str] | None = None,
    boundaries: bool = True,
) -> Any:
    """Plots schedules over a run, with their phase boundaries and epochs.

    Each curve is drawn as steps: update :math:`n` uses :math:`s(n)` until update
    :math:`n + 1`, so stairs and restarts fall where the optimizer sees them.

    Args:
      *schedules: one or more schedules with concrete hyperparameters.
      total_steps: the run's length in optimizer updates.
      ax: a matplotlib ``Axes`` to draw on; ``None`` makes a new figure.
      log: a logarithmic value axis.
      steps_per_epoch: optimizer updates per epoch; adds an epoch axis on top.
      labels: one legend label per schedule; by default each schedule's text form
        (shortened past 100 characters).
      boundaries: mark each phase start (see :func:`describe`) with a dotted line in the
        curve's colour.

    Returns:
      The matplotlib ``Axes``.

    Example:
      >>> import matplotlib
      >>> matplotlib.use("Agg")
      >>> import jaxsched
      >>> warmup = jaxsched.warmup_cosine_decay(0.0, 1e-3, warmup_steps=100, decay_steps=1000)
      >>> stairs = jaxsched.ExponentialDecay(1e-3, 200, 0.5, staircase=True)
      >>> ax = jaxsched.plot(warmup, stairs, total_steps=1000, steps_per_epoch=100)
      >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
      ['warmup_cosine_decay(0.0, peak_value=0.001, warmup_steps=100, decay_steps=1000)', 'ExponentialDecay(0.001, transition_steps=200, decay_rate=0.5, staircase=True)']
    """
    owner = "plot"
    if not schedules:
        raise TypeError(
            f"{owner}: give at least one schedule, e.g. plot(schedule, total_steps=1000)."
        )
    for i, schedule in enumerate(schedules):
        check.schedule(owner, f"schedules[{i}]", schedule)
    total_steps = check.steps(owner, "total_steps", total_steps, positive=True)
    if steps_per_epoch is not None:
        steps_per_epoch = check.steps(owner, "steps_per_epoch", steps_per_epoch, positive=True)
    log = check.flag(owner, "log", log)
    boundaries = check.flag(owner, "boundaries", boundaries)
    if labels is None:
        labels = [_short(str(schedule)) for schedule in schedules]
    elif isinstance(labels, str) or len(labels) != len(schedules):
        raise ValueError(
            f"{owner}: labels must be a list of one label per schedule ({len(schedules)}), "
            f"got labels={labels!r}."
        )
    if ax is None:
        pyplot = optional_import("matplotlib.pyplot", owner, "matplotlib", '"jaxsched[plot]"')
        _, ax = pyplot.subplots(figsize=(8, 4.5), layout="constrained")

    for schedule, label in zip(schedules, labels, strict=True):
        phases = describe(schedule, total_steps)
        starts = [phase.start for phase in phases][1:]
        if total_steps <= _MAX_POINTS:
            steps = np.arange(total_steps)
            values = preview(schedule, total_steps)
        else:
            spread = np.linspace(0, total_steps - 1, _MAX_POINTS).astype(np.int64)
            steps = np.unique(np.concatenate([spread, starts, np.subtract(starts, 1)]))
            values = np.asarray(schedule(steps.astype(np.int32)))
        (line,) = ax.plot(steps, values, drawstyle="steps-post", label=label)
        if boundaries:
            for start in starts:
                ax.axvline(start, color=line.get_color(), linestyle=":", linewidth=1, alpha=0.6)

    ax.set_xlabel("optimizer update")
    ax.set_ylabel("value")
    ax.set_xlim(0, total_steps)
    if log:
        ax.set_yscale("log")
    if steps_per_epoch is not None:
        epochs = ax.secondary_xaxis(
            "top",
            functions=(lambda u: u / steps_per_epoch, lambda e: e * steps_per_epoch),
        )
        epochs.set_xlabel("epoch")
    # Below the axes: text forms are long, and a legend inside would hide the curves.
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), fontsize="small", frameon=False)
    return ax


def _short(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 1] + "…"
