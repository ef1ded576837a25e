"""One-compile sweeps: schedules of one structure stacked into one, run as a batch.

A stacked schedule is an ordinary schedule of the members' type whose hyperparameters
carry a leading batch axis, so ``jax.vmap`` hands each member to a training step and XLA
compiles that step once for the whole sweep. The batch axis is the first axis of every
leaf that is not a single number: a leaf of shape ``()`` is shared by every member (a
number added after stacking, as in ``0.5 * stacked``).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import as_step
from jaxsched.core._schedule import Schedule

_ALIKE = (
    "Only numbers may differ between stacked schedules: the same types, the same static "
    "fields (modes, flags, shapes of a curve) and hyperparameters of the same shapes."
)
_STACK_THEM = (
    "Stack whole schedules: build each member complete (numbers, composition and all) and "
    "pass the list to jaxsched.stack."
)


def stack(schedules: Sequence[Schedule]) -> Schedule:
    r"""Schedules of one structure as one schedule whose hyperparameters have a batch axis.

    Leaf :math:`j` of the result is :math:`[\ell_j^{(0)}, \dots, \ell_j^{(K-1)}]`, the
    same leaf of every member stacked along a new first axis, so ``jax.vmap`` over the
    result (``in_axes=0``) gives each function call one member. The numbers are stacked on
    the host, exactly: Python and NumPy numbers of one field become one NumPy array
    (float64 or int64 where the members hold different dtypes, so nothing is rounded
    before the schedule rounds it to float32 as it always does).

    Args:
      schedules: ``K >= 1`` schedules that differ only in their numbers (same types,
        same static fields, hyperparameters of the same shapes).

    Returns:
      A schedule of the members' type, every leaf with a leading axis of length ``K``.
      Evaluate it with :func:`evaluate_batch`, train with it under :func:`sweep` or
      ``jax.vmap``, and take it apart with :func:`unstack`.

    Raises:
      ValueError: naming the first difference between ``schedules[0]`` and another
        member (the member, the field's path, and the type, static value or shape that
        differs), or for schedules without numbers.

    Example:
      >>> import jaxsched
      >>> members = [jaxsched.CosineDecay(peak, 100) for peak in (0.1, 0.2, 0.4)]
      >>> stacked = jaxsched.stack(members)
      >>> stacked.init_value
      array([0.1, 0.2, 0.4])
      >>> jaxsched.evaluate_batch(stacked, 0)
      Array([0.1, 0.2, 0.4], dtype=float32)
      >>> jaxsched.evaluate_batch(stacked, [0, 50, 100]).shape
      (3, 3)
      >>> jaxsched.unstack(stacked) == members
      True

    References:
      ``jax.vmap`` and its ``in_axes``; JAX's pytrees (``jax.tree_util``).
    """
    owner = "stack"
    if isinstance(schedules, Schedule) or not isinstance(schedules, list | tuple):
        raise TypeError(
            f"{owner}: schedules must be a list of schedules, got {schedules!r}. "
            f"Pass a list, e.g. jaxsched.stack([a, b, c])."
        )
    if not schedules:
        raise ValueError(f"{owner}: schedules is empty. Pass at least one schedule.")
    for i, schedule in enumerate(schedules):
        check.schedule(owner, f"schedules[{i}]", schedule)
    first = schedules[0]
    paths_and_leaves, treedef = jax.tree_util.tree_flatten_with_path(first)
    if not paths_and_leaves:
        raise ValueError(
            f"{owner}: schedules[0] ({type(first).__name__}) has no numbers to stack, so a "
            f"batch of them has nothing to vary and no batch axis to carry. Use the "
            f"schedule as it is; to sweep it, give it a number (e.g. multiply it by one)."
        )
    for i, schedule in enumerate(schedules[1:], start=1):
        difference = _first_difference(first, schedule, "")
        if difference is None and jax.tree_util.tree_structure(schedule) != treedef:
            difference = ("", "has another tree structure", "")  # a node we do not name
        if difference is not None:
            path, theirs, ours = difference
            against = f", where schedules[0]{path} {ours}" if ours else ""
            raise ValueError(
                f"{owner}: schedules[{i}]{path} {theirs}{against}. {_ALIKE} Stack each "
                f"structure on its own (group the schedules by structure), or make them alike."
            )
    columns = zip(*(jax.tree_util.tree_leaves(s) for s in schedules), strict=True)
    leaves = [
        _stack_column(column, _field_of(first, path))
        for (path, _), column in zip(paths_and_leaves, columns, strict=True)
    ]
    return jax.tree_util.tree_unflatten(treedef, leaves)


def unstack(stacked: Schedule) -> list[Schedule]:
    """The members of a stacked schedule, as separate schedules.

    The inverse of :func:`stack`: ``unstack(stack(members)) == members``. Numbers come
    back as Python numbers (arrays as NumPy arrays); a leaf without the batch axis is
    shared by every member.

    Args:
      stacked: a schedule whose leaves carry a leading batch axis (from :func:`stack`,
        from ``jax.vmap``, or a sweep's result).

    Returns:
      A list of ``batch_size(stacked)`` schedules of the stacked schedule's type.

    Example:
      >>> import jaxsched
      >>> stacked = jaxsched.stack([jaxsched.Constant(0.1), jaxsched.Constant(0.3)])
      >>> jaxsched.unstack(stacked)
      [Constant(value=0.1), Constant(value=0.3)]
    """
    size, axes = _batch("unstack", stacked)
    leaves, treedef = jax.tree_util.tree_flatten(stacked)
    return [
        jax.tree_util.tree_unflatten(
            treedef,
            [
                _member(leaf, i) if axis == 0 else leaf
                for leaf, axis in zip(leaves, axes, strict=True)
            ],
        )
        for i in range(size)
    ]


def batch_size(stacked: Schedule) -> int:
    """The number of members of a stacked schedule: the length of its batch axis.

    Args:
      stacked: a schedule whose leaves carry a leading batch axis (single numbers, shared
        by every member, aside).

    Returns:
      ``K``, the length of the batch axis.

    Raises:
      ValueError: when no leaf has a batch axis, or two leaves disagree on its length.

    Example:
      >>> import jaxsched
      >>> jaxsched.batch_size(jaxsched.stack([jaxsched.Constant(0.1)] * 4))
      4
    """
    return _batch("batch_size", stacked)[0]


def batch_axes(stacked: Schedule) -> Schedule:
    """The ``in_axes`` that ``jax.vmap`` needs for a stacked schedule.

    ``0`` for every leaf with the batch axis, ``None`` for a single number shared by
    every member (one added after stacking, ``0.5 * stacked``), where ``in_axes=0`` would
    fail with JAX's "rank should be at least 1".

    Args:
      stacked: a schedule whose leaves carry a leading batch axis.

    Returns:
      A pytree of the stacked schedule's structure holding ``0`` or ``None`` per leaf:
      ``jax.vmap(fn, in_axes=(jaxsched.batch_axes(stacked),))(stacked)``.

    Example:
      >>> import jax
      >>> import jaxsched
      >>> stacked = 0.5 * jaxsched.stack([jaxsched.Constant(0.2), jaxsched.Constant(0.4)])
      >>> jax.vmap(lambda s: s(0), in_axes=(jaxsched.batch_axes(stacked),))(stacked)
      Array([0.1, 0.2], dtype=float32)
    """
    _, axes = _batch("batch_axes", stacked)
    return jax.tree_util.tree_unflatten(jax.tree_util.tree_structure(stacked), list(axes))


def evaluate_batch(stacked: Schedule, step: ArrayLike) -> jax.Array:
    r"""Every member of a stacked schedule at ``step``.

    .. math:: v_{k, n} = s_k(t_n), \qquad k = 0, \dots, K - 1

    Calling ``stacked(step)`` directly would broadcast each batched hyperparameter
    against the step, which is right only for formulas that are elementwise in every
    hyperparameter and for a single step; a staircase table or a list of boundaries
    would be read across members. This maps each member over its own hyperparameters.
    From Python it runs one compiled function, cached per structure and step shape;
    inside ``jit`` it is traced as usual.

    Args:
      stacked: a schedule whose leaves carry a leading batch axis (:func:`stack`).
      step: an integer step or integer array of steps, the same for every member.

    Returns:
      A float32 array of shape ``(K, *step.shape)``.

    Example:
      >>> import numpy as np
      >>> import jaxsched
      >>> members = [jaxsched.PiecewiseConstant([2], [1.0, low]) for low in (0.5, 0.1)]
      >>> jaxsched.evaluate_batch(jaxsched.stack(members), np.arange(4))
      Array([[1. , 1. , 0.5, 0.5],
             [1. , 1. , 0.1, 0.1]], dtype=float32)
    """
    t = as_step(step)
    _, axes = _batch("evaluate_batch", stacked)
    leaves, treedef = jax.tree_util.tree_flatten(stacked)
    if isinstance(t, jax.core.Tracer) or not check.concrete(leaves):
        return _evaluate_members(treedef, axes, leaves, jnp.asarray(t))
    return _evaluate_members_compiled(treedef, axes, leaves, t)


def sweep(
    fn: Callable[..., Any], *, devices: Sequence[jax.Device] | None = None
) -> Callable[..., Any]:
    """``fn`` over every member of a stacked schedule, traced and compiled once.

    ``sweep(fn)(stacked, *args)`` is ``jit(vmap(fn, in_axes=(batch_axes(stacked), None,
    ...)))(stacked, *args)``: each call of ``fn`` gets one member schedule and the same
    ``args`` (data, initial parameters), and every output gets a leading axis of length
    ``K``. The compiled function is kept per structure, so another sweep of the same
    structure (other numbers) does not compile again. Build the optimizer inside ``fn``
    from the member (``jaxsched.inject(optax.adam, learning_rate=schedule)``): one built
    outside would see the whole batch as one learning rate.

    With ``devices`` the batch axis is split over them (a ``NamedSharding`` over a 1-D
    mesh), so a sweep uses every accelerator of a host; ``args`` are replicated. A batch
    that does not divide evenly is padded with copies of its last member, whose results
    are dropped.

    Args:
      fn: ``fn(schedule, *args)``, traceable, returning a pytree of arrays.
      devices: the devices to split the batch over (``jax.devices()`` for all), or
        ``None`` to leave placement to JAX.

    Returns:
      A function of ``(stacked, *args)`` returning ``fn``'s outputs stacked along a new
      first axis.

    Example:
      >>> import jax.numpy as jnp
      >>> import optax
      >>> import jaxsched
      >>> def final_param(schedule):
      ...     tx = jaxsched.inject(optax.sgd, learning_rate=schedule)
      ...     w = jnp.ones(())
      ...     state = tx.init(w)
      ...     for _ in range(3):
      ...         updates, state = tx.update(w, state, w)  # the gradient of w**2 / 2
      ...         w = optax.apply_updates(w, updates)
      ...     return w
      >>> stacked = jaxsched.stack([jaxsched.Constant(lr) for lr in (0.0, 0.5, 1.0)])
      >>> jaxsched.sweep(final_param)(stacked)
      Array([1.   , 0.125, 0.   ], dtype=float32)

    References:
      ``jax.vmap``, ``jax.jit``; ``jax.sharding.NamedSharding`` over a ``jax.sharding.Mesh``.
    """
    owner = "sweep"
    if not callable(fn) or isinstance(fn, Schedule):
        raise TypeError(
            f"{owner}: fn must be a function of (schedule, *args), got {fn!r}. Pass the "
            f"training function first and the stacked schedule to the function it returns: "
            f"jaxsched.sweep(train)(stacked)."
        )
    mesh = None if devices is None else _mesh(owner, devices)
    compiled: dict[Any, Callable[..., Any]] = {}

    @functools.wraps(fn)
    def run(stacked: Schedule, *args: Any) -> Any:
        size, axes = _batch(owner, stacked)
        leaves, treedef = jax.tree_util.tree_flatten(stacked)
        padded = size
        if mesh is not None:
            leaves, padded, args = _place(mesh, leaves, axes, size, args)
        key = (treedef, axes, len(args))
        function = compiled.get(key)
        if function is None:

            def member(leaves: list[Any], *args: Any) -> Any:
                return fn(jax.tree_util.tree_unflatten(treedef, leaves), *args)

            in_axes = (list(axes), *([None] * len(args)))
            function = compiled[key] = jax.jit(jax.vmap(member, in_axes=in_axes))
        out = function(leaves, *args)
        if padded != size:
            out = jax.tree.map(lambda x: x[:size], out)
        return out

    return run


def _batch(owner: str, stacked: Any) -> tuple[int, tuple[int | None, ...]]:
    """The batch size, and per leaf ``0`` (batched) or ``None`` (a shared single number)."""
    if not isinstance(stacked, Schedule):
        raise TypeError(
            f"{owner}: stacked must be a stacked schedule, got {stacked!r}. Build one with "
            f"jaxsched.stack([schedule, ...])."
        )
    paths_and_leaves = jax.tree_util.tree_flatten_with_path(stacked)[0]
    batched = [(path, leaf) for path, leaf in paths_and_leaves if np.ndim(leaf) >= 1]
    if not batched:
        shown = (
            f"every hyperparameter of {type(stacked).__name__} is a single number"
            if paths_and_leaves
            else f"{type(stacked).__name__} has no numbers"
        )
        raise ValueError(
            f"{owner}: stacked has no batch axis: {shown}. Build a batch with "
            f"jaxsched.stack([schedule, ...])."
        )
    first_path, first_leaf = batched[0]
    size = np.shape(first_leaf)[0]
    for path, leaf in batched[1:]:
        if np.shape(leaf)[0] != size:
            raise ValueError(
                f"{owner}: stacked{jax.tree_util.keystr(path)} has shape {np.shape(leaf)}, "
                f"whose first axis is not the batch axis of length {size} that "
                f"stacked{jax.tree_util.keystr(first_path)} (shape {np.shape(first_leaf)}) "
                f"has. Every hyperparameter that is not a single number must carry the "
                f"batch axis first. {_STACK_THEM}"
            )
    axes = tuple(0 if np.ndim(leaf) >= 1 else None for _, leaf in paths_and_leaves)
    return size, axes


def _first_difference(ours: Any, theirs: Any, path: str) -> tuple[str, str, str] | None:
    """Where ``theirs`` first differs from ``ours`` in structure: the path and both sides
    in words, or ``None`` where only numbers differ."""
    if ours is None and theirs is None:
        return None
    our_leaf, their_leaf = _is_leaf(ours), _is_leaf(theirs)
    if our_leaf and their_leaf:
        if np.shape(ours) != np.shape(theirs):
            return path, f"has shape {np.shape(theirs)}", f"has shape {np.shape(ours)}"
        return None
    if ours is None or theirs is None or our_leaf or their_leaf or type(ours) is not type(theirs):
        return path, _what(theirs), _what(ours)
    if isinstance(ours, Schedule):
        for f in dataclasses.fields(ours):  # type: ignore[arg-type]
            mine, other = getattr(ours, f.name), getattr(theirs, f.name)
            here = f"{path}.{f.name}"
            if f.metadata.get("jaxsched.static"):
                if not _same(mine, other):
                    return here, f"is {other!r}", f"is {mine!r}"
            elif (difference := _first_difference(mine, other, here)) is not None:
                return difference
        return None
    if isinstance(ours, list | tuple):
        if len(ours) != len(theirs):
            return path, f"has {len(theirs)} entries", f"has {len(ours)}"
        for i, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            if (difference := _first_difference(mine, other, f"{path}[{i}]")) is not None:
                return difference
        return None
    if isinstance(ours, dict):
        if sorted(ours) != sorted(theirs):
            return path, f"has keys {sorted(theirs)}", f"has keys {sorted(ours)}"
        for key in sorted(ours):
            difference = _first_difference(ours[key], theirs[key], f"{path}[{key!r}]")
            if difference is not None:
                return difference
        return None
    if jax.tree_util.tree_structure(ours) != jax.tree_util.tree_structure(theirs):
        return path, "has another tree structure", ""
    return None


def _is_leaf(value: Any) -> bool:
    return value is not None and jax.tree_util.treedef_is_leaf(jax.tree_util.tree_structure(value))


def _what(value: Any) -> str:
    if value is None:
        return "is None (not given)"
    if _is_leaf(value):
        return f"is the number {value!r}" if np.ndim(value) == 0 else "is an array"
    return f"is a {type(value).__name__}"


def _same(a: Any, b: Any) -> bool:
    """Static field values as the tree structure compares them (functions by identity)."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        return bool(np.all(a == b))
    except (TypeError, ValueError):
        return False


def _field_of(schedule: Schedule, path: tuple[Any, ...]) -> tuple[str, str, Any] | None:
    """The schedule type, field name and field that a leaf at ``path`` is, if a field."""
    parent: Any = schedule
    for key in path[:-1]:
        if isinstance(key, jax.tree_util.GetAttrKey):
            parent = getattr(parent, key.name)
        elif isinstance(key, jax.tree_util.SequenceKey):
            parent = parent[key.idx]
        elif isinstance(key, jax.tree_util.DictKey):
            parent = parent[key.key]
        else:
            return None
    last = path[-1] if path else None
    if not isinstance(parent, Schedule) or not isinstance(last, jax.tree_util.GetAttrKey):
        return None
    fields = {f.name: f for f in dataclasses.fields(parent)}  # type: ignore[arg-type]
    if last.name not in fields:
        return None
    return type(parent).__name__, last.name, fields[last.name]


def _stack_column(column: Sequence[Any], field: tuple[str, str, Any] | None) -> Any:
    """One leaf of every member along a new first axis, in one dtype, values exact."""
    if not check.concrete(list(column)):
        floating = any(jnp.issubdtype(jnp.result_type(x), jnp.floating) for x in column)
        dtype = jnp.float32 if floating else jnp.int32
        return jnp.stack([jnp.asarray(x, dtype) for x in column])
    arrays = [np.asarray(x) for x in column]
    dtypes = {a.dtype for a in arrays}
    if len(dtypes) == 1:
        return np.stack(arrays)
    floating = [jnp.issubdtype(d, jnp.floating) for d in dtypes]
    if not any(floating):
        return np.stack([a.astype(np.int64) for a in arrays])
    if all(floating) or field is None:
        return np.stack([a.astype(np.float64) for a in arrays])
    # Integers and floats in one field (members rebuilt by JAX skip the checks that
    # settle which): the field's own check says which the schedule computes with.
    owner, name, f = field
    checker, options = f.metadata.get("jaxsched.check", (None, {}))
    if checker is None:
        return np.stack([a.astype(np.float64) for a in arrays])
    canonical = [np.asarray(checker(owner, name, x, **options)) for x in column]
    integral = all(jnp.issubdtype(a.dtype, jnp.integer) for a in canonical)
    return np.stack([a.astype(np.int64 if integral else np.float64) for a in canonical])


def _member(leaf: Any, i: int) -> Any:
    """Member ``i`` of a batched leaf: a Python number or NumPy array when concrete."""
    if isinstance(leaf, jax.core.Tracer):
        return leaf[i]
    value = np.asarray(leaf)[i]
    return value.item() if value.ndim == 0 else value


def _evaluate_members(
    treedef: Any, axes: tuple[int | None, ...], leaves: list[Any], step: jax.Array
) -> jax.Array:
    def member(leaves: list[Any]) -> jax.Array:
        return jax.tree_util.tree_unflatten(treedef, leaves)(step)

    return jax.vmap(member, in_axes=(list(axes),))(leaves)


_evaluate_members_compiled = jax.jit(_evaluate_members, static_argnums=(0, 1))


def _mesh(owner: str, devices: Any) -> jax.sharding.Mesh:
    if isinstance(devices, jax.Device) or not isinstance(devices, Sequence) or not devices:
        raise TypeError(
            f"{owner}: devices must be a non-empty list of devices, got {devices!r}. "
            f"Pass jax.devices() to use every device, or leave devices out."
        )
    for i, device in enumerate(devices):
        if not isinstance(device, jax.Device):
            raise TypeError(
                f"{owner}: devices[{i}] must be a jax.Device, got {device!r}. "
                f"Pass jax.devices() or a part of it."
            )
    return jax.sharding.Mesh(np.array(devices), ("sweep",))


def _place(
    mesh: jax.sharding.Mesh,
    leaves: list[Any],
    axes: tuple[int | None, ...],
    size: int,
    args: tuple[Any, ...],
) -> tuple[list[Any], int, tuple[Any, ...]]:
    """The batched leaves split over the mesh (padded to a multiple of its size), the
    shared ones and ``args`` replicated on it."""
    count = mesh.devices.size
    padded = -(-size // count) * count
    split = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec("sweep"))
    replicated = jax.sharding.NamedSharding(mesh, jax.sharding.PartitionSpec())

    def put(leaf: Any, axis: int | None) -> Any:
        if axis is None:
            return jax.device_put(leaf, replicated)
        if padded != size:
            # Copies of the last member fill the last device; their results are dropped.
            extra = jnp.repeat(jnp.asarray(leaf)[-1:], padded - size, axis=0)
            leaf = jnp.concatenate([jnp.asarray(leaf), extra])
        return jax.device_put(leaf, split)

    placed = [put(leaf, axis) for leaf, axis in zip(leaves, axes, strict=True)]
    return placed, padded, jax.device_put(args, replicated)
