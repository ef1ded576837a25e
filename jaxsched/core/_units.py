"""Units: every length in jaxsched counts optimizer updates.

Helpers convert epochs, fractions of a run and micro-batches to updates and count the
updates of an epoch. Whether a schedule's lengths fit a run is
:func:`jaxsched.check_horizon`'s (``jaxsched.view._horizon``).
"""

from __future__ import annotations

import math
from typing import Literal

from jaxsched.core import _validate as check

ROUNDINGS = ("floor", "ceil", "round")


def _to_updates(
    owner: str, name: str, exact: float, rounding: Literal["floor", "ceil", "round"] | None
) -> int:
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


def epochs_to_updates(
    epochs: float,
    steps_per_epoch: int,
    *,
    rounding: Literal["floor", "ceil", "round"] | None = None,
) -> int:
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


def fraction_to_updates(
    fraction: float,
    total_updates: int,
    *,
    rounding: Literal["floor", "ceil", "round"] | None = None,
) -> int:
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
    microbatches: int,
    accumulation_steps: int,
    *,
    rounding: Literal["floor", "ceil", "round"] | None = None,
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
