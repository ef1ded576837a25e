"""Sequential composition: join at absolute boundaries, or chain phases by length."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched.compose._transforms import Hold
from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import INT32_MAX, i32
from jaxsched.core._schedule import Schedule
from jaxsched.schedules._piecewise import intervals_passed


class Join(Schedule):
    r"""Run ``schedules[i]`` from ``boundaries[i - 1]`` on, each on its own clock.

    .. math:: v(t) = s_i(t - b_{i-1}) \quad\text{for } b_{i-1} \le t < b_i
      \quad (b_{-1} = 0,\ b_n = \infty)

    Exactly the values of ``optax.join_schedules(schedules, boundaries)``: each piece
    sees the step relative to its own start. Unlike optax, boundaries are checked (one
    fewer than schedules, sorted, non-negative) instead of silently truncated or
    reordered. Most users want :func:`phases`, which takes lengths instead.

    Phases alike in structure (type, static fields, shapes of the hyperparameters) are
    evaluated together: their hyperparameters are stacked, one search finds the step's
    phase and each structure is traced once, so the graph and the compile time do not grow
    with the number of phases (a thousand restarts compile like one).

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

    def _called_form(self) -> Any:
        # A call from Python would otherwise compile with every leaf of every phase as an
        # argument: thousands for a long join, seconds to compile. Stacked, a few.
        if len(self.schedules) <= _STACK_EAGER_FROM:
            return self
        groups = _groups(self.schedules)
        return self if len(groups) == len(self.schedules) else _Stacked.of(self, groups)

    def _value(self, step: jax.Array) -> jax.Array:
        groups = _groups(self.schedules)
        if len(groups) == len(self.schedules):
            # No two phases alike (warmup then decay): a where per phase is less work
            # than a search and gathers.
            boundaries = i32(self.boundaries)
            value = self.schedules[0](step)
            for i, schedule in enumerate(self.schedules[1:]):
                value = jnp.where(step < boundaries[i], value, schedule(step - boundaries[i]))
            return value
        return _Stacked.of(self, groups)._value(step)

    def _horizon(self) -> int | None:
        last = self.schedules[-1].horizon
        start = int(self.boundaries[-1]) if len(self.boundaries) else 0
        return None if last is None else start + last


#: Above this many phases a call from Python stacks the phases before compiling. Below
#: it the graph is small either way, and grouping would only add to each call's cost.
_STACK_EAGER_FROM = 32


def _spec(leaf: Any) -> tuple[tuple[int, ...], Any]:
    """A leaf's shape and the dtype it computes in (Python scalars: the fast common case)."""
    if isinstance(leaf, float):
        return (), _dtype(np.float64)
    if isinstance(leaf, int):
        return (), _dtype(np.int64)
    if isinstance(leaf, np.ndarray | np.generic):
        return leaf.shape, _dtype(leaf.dtype)
    return jnp.shape(leaf), jnp.result_type(leaf)


def _dtype(dtype: Any) -> Any:
    return jax.dtypes.canonicalize_dtype(dtype)


def _groups(schedules: Sequence[Schedule]) -> list[tuple[Any, list[int]]]:
    """The phases grouped by structure (tree, and shape and dtype of each leaf), in order.

    Members of a group differ only in the values of their leaves, so that one evaluation
    with their leaves stacked serves them all.
    """
    groups: dict[Any, list[int]] = {}
    for i, schedule in enumerate(schedules):
        leaves, treedef = jax.tree_util.tree_flatten(schedule)
        key: Any = (treedef, tuple(map(_spec, leaves)))
        try:
            hash(key)
        except TypeError:  # an unhashable static field of a user's schedule: on its own
            key = (treedef, i)
        groups.setdefault(key, []).append(i)
    return [(key[0], members) for key, members in groups.items()]


def _stack(column: Sequence[Any]) -> Any:
    """One leaf of every member of a group, stacked along a new first axis."""
    dtype = _spec(column[0])[1]
    if check.concrete(column):
        # On the host: one constant in the graph (or one argument), not one per phase.
        return np.array(column, dtype)
    return jnp.stack(column)


class _Stacked:
    """A join's phases stacked by structure, and the tables that find a step's phase.

    A pytree: ``jit`` takes it as a few stacked arrays whatever the number of phases.
    """

    def __init__(
        self,
        structure: tuple[tuple[Any, int], ...],
        leaves: tuple[tuple[Any, ...], ...],
        tables: tuple[Any, Any, Any],
    ) -> None:
        self.structure = structure  # (treedef, number of members) per group
        self.leaves = leaves  # per group: its leaves, stacked unless it has one member
        self.boundaries, self.group_of, self.position = tables

    @classmethod
    def of(cls, join: Join, groups: list[tuple[Any, list[int]]]) -> _Stacked:
        group_of = np.zeros(len(join.schedules), np.int32)
        position = np.zeros(len(join.schedules), np.int32)
        leaves = []
        for g, (_, members) in enumerate(groups):
            group_of[members] = g
            position[members] = np.arange(len(members), dtype=np.int32)
            columns = [jax.tree_util.tree_leaves(join.schedules[i]) for i in members]
            if len(members) == 1:
                leaves.append(tuple(columns[0]))
            else:
                leaves.append(tuple(_stack(c) for c in zip(*columns, strict=True)))
        structure = tuple((treedef, len(members)) for treedef, members in groups)
        return cls(structure, tuple(leaves), (join.boundaries, group_of, position))

    def _evaluate(self, step: jax.Array) -> jax.Array:
        return jnp.asarray(self._value(step), jnp.float32)

    def _value(self, step: jax.Array) -> jax.Array:
        phase = intervals_passed(step, self.boundaries)
        local = step - _starts(self.boundaries)[phase]
        group = position = phase  # one group: every phase is its own position in it
        if len(self.structure) > 1:
            group = jnp.asarray(self.group_of)[phase]
            position = jnp.asarray(self.position)[phase]
        value: jax.Array | None = None
        for g, ((treedef, size), leaves) in enumerate(
            zip(self.structure, self.leaves, strict=True)
        ):
            if size == 1:
                part = jax.tree_util.tree_unflatten(treedef, leaves)(local)
            else:
                # A step in another group's phase reads some member of this group: its
                # value is dropped below, and so is its gradient.
                index = jnp.minimum(position, size - 1)
                part = _evaluate_member(treedef, size, leaves, index, local)
            value = part if value is None else jnp.where(group == g, part, value)
        assert value is not None
        return value


jax.tree_util.register_pytree_node(
    _Stacked,
    lambda s: ((s.leaves, (s.boundaries, s.group_of, s.position)), s.structure),
    lambda structure, children: _Stacked(structure, *children),
)


def _starts(boundaries: Any) -> jax.Array:
    """The step where each phase starts: 0, then the boundaries."""
    if check.concrete(boundaries):
        return jnp.asarray(np.concatenate([[0], np.asarray(boundaries)]).astype(np.int32))
    return jnp.concatenate([jnp.zeros(1, jnp.int32), i32(boundaries)])


def _evaluate_member(
    treedef: Any, size: int, stacks: Sequence[Any], index: jax.Array, local: jax.Array
) -> jax.Array:
    """Member ``index`` of a group at step ``local``, elementwise, traced once."""
    stacks = [jnp.asarray(stack) for stack in stacks]

    def member(i: Any, t: jax.Array) -> jax.Array:
        return jax.tree_util.tree_unflatten(treedef, [stack[i] for stack in stacks])(t)

    if local.ndim == 0:
        return member(index, local)
    # Each step reads its own member's hyperparameters: map over the steps (a schedule
    # may need its own as they are, as a PRNG seed or a PiecewiseConstant's values).
    value = jax.vmap(member)(index.ravel(), local.ravel())
    if value.ndim == 1:
        return value.reshape(local.shape)
    # Hyperparameters batched to broadcast with the step: one member at a time.
    value = member(0, local)
    for i in range(1, size):
        value = jnp.where(index == i, member(i, local), value)
    return value


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
