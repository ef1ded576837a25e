"""The resume check: does a restored optimizer state agree with the rebuilt schedule?"""

from __future__ import annotations

from typing import Any

import numpy as np

from jaxsched.core import _validate as check
from jaxsched.core._schedule import Schedule
from jaxsched.optim._inject import ScheduledState
from jaxsched.optim._readout import find_injected

# Two evaluations of one schedule, compiled apart, may differ in the last bit or two.
_RTOL = 1e-6


def check_resume(
    opt_state: Any,
    schedule: Schedule,
    *,
    step: int | None = None,
    saved: Schedule | None = None,
    hyperparam: str = "learning_rate",
    group: str | None = None,
) -> int:
    """Checks that a restored optimizer state and the schedule you rebuilt agree.

    Call it once after restoring, before the first update: a state that was
    re-initialised instead of restored, saved at another step, or a schedule that changed
    since the checkpoint would otherwise restart the schedule or make the learning rate
    jump, silently. It raises ``ValueError`` when

    - ``step`` is given and the state's update count is not ``step`` (a count of 0 means
      the state was initialised, not restored);
    - the value the state will use next, :math:`v_{\\text{state}}(n)` at its count
      :math:`n`, is not ``schedule(n)`` (a pickled state carries the schedule it was built
      with; a state restored into a target built from the rebuilt optimizer carries that
      one, so this part then agrees by construction);
    - ``saved`` (the schedule saved with the checkpoint, e.g. ``from_dict`` of its
      ``to_dict()``) gives another value at :math:`n` than ``schedule``: the learning rate
      would jump there. A schedule changed only after :math:`n` (a longer run) passes.

    Values are compared with a relative tolerance of ``1e-6``; the count exactly.

    Args:
      opt_state: the restored optimizer state (or a Flax ``TrainState``, an
        ``nnx.Optimizer``), built with :func:`jaxsched.inject`.
      schedule: the schedule you rebuilt for ``hyperparam``.
      step: the update the run resumes at (your loop's step, in optimizer updates).
      saved: the schedule saved with the checkpoint.
      hyperparam: the injected hyperparameter to check.
      group: the ``multi_transform`` group, when there are several injected states.

    Returns:
      The update count the run resumes at.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> lr = jaxsched.CosineDecay(1e-3, decay_steps=1000)
      >>> tx = jaxsched.inject(optax.adam, learning_rate=lr)
      >>> fresh = tx.init({"w": jnp.zeros(2)})  # forgot to restore
      >>> jaxsched.check_resume(fresh, lr, step=500)
      Traceback (most recent call last):
      ...
      ValueError: check_resume: the optimizer state has made 0 updates but the run resumes at update 500: the state was initialised, not restored. Restore the optimizer state saved with the step (with orbax: the whole train state, restored with a target).
    """
    owner = "check_resume"
    check.schedule(owner, "schedule", schedule)
    if saved is not None:
        check.schedule(owner, "saved", saved)
    if step is not None:
        step = check.steps(owner, "step", step)
    state = _state(owner, opt_state, hyperparam, group)
    count = int(np.asarray(state.count))
    if step is not None and count != step:
        why = (
            "the state was initialised, not restored"
            if count == 0
            else "the state was saved at another step"
        )
        raise ValueError(
            f"{owner}: the optimizer state has made {count} updates but the run resumes at "
            f"update {step}: {why}. Restore the optimizer state saved with the step (with "
            f"orbax: the whole train state, restored with a target)."
        )
    expected = float(schedule(count))
    stored = float(np.asarray(state.value(hyperparam, state.count)))
    if not np.isclose(stored, expected, rtol=_RTOL, atol=0):
        raise ValueError(
            f"{owner}: at update {count} the restored state's {hyperparam} is {stored:.7g} "
            f"but the schedule you rebuilt gives {expected:.7g}: the state holds another "
            f"schedule. Rebuild the optimizer with the schedule of the checkpoint, or "
            f"restore into a target made by the rebuilt optimizer's init."
        )
    if saved is not None:
        before = float(saved(count))
        if not np.isclose(before, expected, rtol=_RTOL, atol=0):
            raise ValueError(
                f"{owner}: at update {count} the saved schedule gives {hyperparam} = "
                f"{before:.7g} and the rebuilt one {expected:.7g}: the rate would jump when "
                f"training resumes. Rebuild the schedule from the checkpoint's config "
                f"(jaxsched.from_dict) or change it only after update {count}."
            )
    return count


def _state(owner: str, opt_state: Any, hyperparam: str, group: str | None) -> ScheduledState:
    found = {
        g: s
        for g, s in find_injected(opt_state).items()
        if isinstance(s, ScheduledState) and hyperparam in s.names
    }
    if group is not None:
        found = {g: s for g, s in found.items() if g == group}
    if not found:
        raise LookupError(
            f"{owner}: no state built by jaxsched.inject with {hyperparam!r} in this "
            f"{type(opt_state).__name__}" + ("" if group is None else f" (group={group!r})") + "."
        )
    if len(found) > 1:
        raise LookupError(
            f"{owner}: {len(found)} injected states hold {hyperparam!r} (groups "
            f"{sorted(found)}); pass group=... and check each with its schedule."
        )
    return next(iter(found.values()))
