"""Sequential composition: join at absolute boundaries, or chain phases by length."""

from __future__ import annotations

from collections.abc import Sequence

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched import _validate as check
from jaxsched._arithmetic import Hold
from jaxsched._base import INT32_MAX, Schedule, field, i32


class Join(Schedule):
    r"""Run ``schedules[i]`` from ``boundaries[i - 1]`` on, each on its own clock.

    .. math:: v(t) = s_i(t - b_{i-1}) \quad\text{for } b_{i-1} \le t < b_i
      \quad (b_{-1} = 0,\ b_n = \infty)

    Exactly the values of ``optax.join_schedules(schedules, boundaries)``: each piece
    sees the step relative to its own start. Unlike optax, boundaries are checked (one
    fewer than schedules, sorted, non-negative) instead of silently truncated or
    reordered. Most users want :func:`phases`, which takes lengths instead.

    Args:
      schedules: ``n + 1`` schedules.
      boundaries: ``n`` non-decreasing absolute steps where the next schedule takes over.
        Equal boundaries give a phase of zero length, which is skipped.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Join([jaxsched.Constant(1.0), jaxsched.Linear(1.0, 0.0, 10)], [5])
      >>> s(4), s(5), s(10)
      (Array(1., dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32))

    References:
      ``optax.join_schedules``.
    """

    schedules: Sequence[Schedule] = field(check.schedule_list)
    boundaries: Sequence[int] | jax.Array = field(check.step_sequence, strict=False)

    def _check(self) -> None:
        if check.concrete(self.boundaries) and len(self.boundaries) != len(self.schedules) - 1:
            raise check.fail(
                "Join",
                "boundaries",
                self.boundaries,
                f"must have one entry fewer than schedules ({len(self.schedules)})",
                "boundaries[i] is where schedules[i + 1] takes over.",
            )

    def _value(self, step: jax.Array) -> jax.Array:
        boundaries = i32(self.boundaries)
        value = self.schedules[0](step)
        for i, schedule in enumerate(self.schedules[1:]):
            value = jnp.where(step < boundaries[i], value, schedule(step - boundaries[i]))
        return value

    def _horizon(self) -> int | None:
        last = self.schedules[-1].horizon
        start = int(self.boundaries[-1]) if len(self.boundaries) else 0
        return None if last is None else start + last


def phases(*items: Schedule | tuple[Schedule, int]) -> Join:
    r"""Chain schedules by the length of each phase; the boundaries are computed for you.

    Each item is a schedule, whose length is then its :attr:`~Schedule.horizon` (the
    step where it reaches its final value), or a ``(schedule, length)`` pair. Every phase
    sees its own clock starting at 0, as in :class:`Join`. A length given for the last
    phase ends it: from there the value holds at ``schedule(length)``.

    .. math:: b_i = \sum_{j \le i} L_j, \qquad v(t) = s_i(t - b_{i-1})

    Args:
      *items: schedules or ``(schedule, length)`` pairs, in order.

    Returns:
      A :class:`Join` with absolute boundaries.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.phases(
      ...     jaxsched.Linear(0.0, 1.0, transition_steps=100),     # 100 updates of warmup
      ...     (jaxsched.Constant(1.0), 400),                        # 400 updates flat
      ...     jaxsched.CosineDecay(1.0, decay_steps=500),           # 500 updates of decay
      ... )
      >>> s.boundaries.tolist(), s.horizon
      ([100, 500], 1000)
      >>> s(50), s(100), s(750), s(1000)
      (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0., dtype=float32))
    """
    owner = "phases"
    if not items:
        raise ValueError(f"{owner}: needs at least one phase, got none.")
    schedules: list[Schedule] = []
    lengths: list[int] = []
    for i, item in enumerate(items):
        last = i == len(items) - 1
        if isinstance(item, tuple):
            if len(item) != 2:
                raise TypeError(
                    f"{owner}: phase {i} must be a schedule or a (schedule, length) "
                    f"pair, got {item!r}."
                )
            schedule = check.schedule(owner, f"phase {i}", item[0])
            length = check.steps(owner, f"phase {i} length", item[1])
            if not isinstance(length, int):
                raise TypeError(
                    f"{owner}: phase {i} length must be a concrete int, got {length!r}."
                )
            if last:
                schedule = Hold(schedule, length)
        else:
            schedule = check.schedule(owner, f"phase {i}", item)
            length = 0 if last else _length_from_horizon(owner, i, schedule)
        schedules.append(schedule)
        lengths.append(length)
    boundaries = np.cumsum(lengths[:-1], dtype=np.int64)
    if len(boundaries) and boundaries[-1] > INT32_MAX:
        raise ValueError(
            f"{owner}: the phases before the last add up to {int(boundaries[-1])} updates, "
            f"more than 2**31 - 1 = {INT32_MAX}; lengths are {lengths[:-1]}. Shorten them."
        )
    return Join(schedules, boundaries)


def _length_from_horizon(owner: str, index: int, schedule: Schedule) -> int:
    horizon = schedule.horizon
    if not horizon:
        raise ValueError(
            f"{owner}: phase {index} ({type(schedule).__name__}) has no length of its own "
            f"(horizon={horizon!r}). Give it one: ({type(schedule).__name__}(...), length)."
        )
    return horizon
