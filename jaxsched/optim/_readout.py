"""Reading injected hyperparameters, and the learning rate really in use, back from any
optimizer state.

Convention (SPEC 3.2): update ``n`` (0-based) uses ``schedule(n)``. After ``k`` updates,
the value *applied* is the one update ``k - 1`` used, ``schedule(k - 1)``; the *next* value
is ``schedule(k)``. Before the first update nothing has been applied and the applied
readers return NaN (optax's ``state.hyperparams`` shows ``schedule(0)`` there, which is
what makes logs taken before and after the first update look identical).

The injected state is found anywhere in the tree: bare, inside ``optax.chain``,
``optax.MultiSteps``, ``optax.apply_if_finite``, ``optax.multi_transform`` (one group per
dict key), a Flax Linen ``TrainState`` or a Flax NNX ``Optimizer``.

The learning-rate readers multiply in every factor the state shows (see
``docs/concepts/readout.md``): the reduce-on-plateau factor of :func:`jaxsched.inject`,
the scale of ``optax.contrib.reduce_on_plateau`` and an injected
``optax.scale_by_learning_rate`` that come after the optimizer in a chain (a factor placed
before it scales the gradients, which Adam undoes), or inside its own state.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax
from optax.contrib import ReduceLROnPlateauState

from jaxsched.optim._inject import ScheduledState

_INJECTED = (ScheduledState, optax.InjectStatefulHyperparamsState, optax.InjectHyperparamsState)
_CARRIERS = (*_INJECTED, ReduceLROnPlateauState)
_RATE = "learning_rate"
# What orbax gives for an injected state restored without a target: its fields as a dict.
_INJECTED_KEYS = frozenset({"count", "hyperparams", "inner_state"})
# The optimizers whose step adam_step_size models: Adam's moments, bias-corrected.
_ADAM_FACTORIES = (optax.adam, optax.adamw)


@dataclasses.dataclass(frozen=True)
class _Node:
    """A state the readers use, with where it sits in the tree."""

    keys: tuple[Any, ...]  # the key path from the optimizer state's root
    masks: tuple[int, ...]  # lengths of the key paths of the optax.masked states around it
    state: Any  # NNX Variables unwrapped

    @property
    def path(self) -> str:
        return jax.tree_util.keystr(self.keys)


@dataclasses.dataclass(frozen=True)
class _Injected:
    node: _Node
    group: str
    factors: tuple[_Node | _Injected, ...] = ()  # what multiplies its learning rate

    @property
    def state(self) -> Any:
        return self.node.state

    @property
    def path(self) -> str:
        return self.node.path

    @property
    def count(self) -> jax.Array:
        return jnp.asarray(self.state.count)

    @property
    def names(self) -> tuple[str, ...]:
        if isinstance(self.state, ScheduledState):
            return self.state.names
        return tuple(self.state.hyperparams)

    def value(self, name: str, *, applied: bool) -> jax.Array:
        """The value the optimizer got for the last update (NaN before any) or will get
        for the next one: the scheduled value times the state's own factor for it."""
        if name not in self.names:
            raise LookupError(
                f"{name!r} is not injected at opt_state{self.path}; injected: {sorted(self.names)}."
            )
        if (
            isinstance(self.state, ScheduledState)
            and applied
            and name in self.state.scheduled_values
        ):
            # The number the last update used, as it used it (plateau factor included).
            value = jnp.asarray(self.state.scheduled_values[name])
        elif isinstance(self.state, ScheduledState):
            value = self.state.value(name, self.count - 1 if applied else self.count)
            if jnp.issubdtype(value.dtype, jnp.floating):
                # As inject multiplies it in, so that the product is the same number.
                value = value * self.state.factor(name, applied=applied).astype(value.dtype)
        elif not applied and name in getattr(self.state, "hyperparams_states", {}):
            raise LookupError(
                f"{name!r} at opt_state{self.path} was scheduled by optax.inject_hyperparams, "
                f"whose state does not keep the next value; build the optimizer with "
                f"jaxsched.inject to read it."
            )
        else:
            # optax stores the values of the last update (of update 0 before any).
            value = jnp.asarray(self.state.hyperparams[name])
        if not applied:
            return value
        return jnp.where(self.count > 0, value, jnp.nan).astype(value.dtype)

    def factor(self, *, applied: bool) -> jax.Array:
        """Everything the learning rate is multiplied by, in float32."""
        total = jnp.ones((), jnp.float32)
        if isinstance(self.state, ScheduledState):
            total = self.state.factor(_RATE, applied=applied).astype(jnp.float32)
        for factor in self.factors:
            total = total * _factor_value(factor, applied=applied).astype(jnp.float32)
        return total

    @property
    def has_factor(self) -> bool:
        """Whether anything can make :meth:`factor` differ from 1."""
        own = getattr(self.state, "plateau", None) is not None
        return own or bool(self.factors)

    def rate(self, *, applied: bool) -> jax.Array:
        """The learning rate really in use, in the hyperparameter dtype."""
        value = self.value(_RATE, applied=applied)
        if not self.factors:
            return value
        wide = jnp.promote_types(value.dtype, jnp.float32)
        total = value.astype(wide)
        for factor in self.factors:
            total = total * _factor_value(factor, applied=applied).astype(wide)
        return total.astype(value.dtype)


def _factor_value(factor: _Node | _Injected, *, applied: bool) -> jax.Array:
    if isinstance(factor, _Injected):
        return factor.value(_RATE, applied=applied)
    # optax's reduce_on_plateau updates its scale and then multiplies by it in the same
    # update, so the scale it holds is the one the last update used; the next update
    # uses it too unless the value passed to that update triggers a cut.
    return jnp.asarray(factor.state.scale)


def _is_nnx_variable(x: Any) -> bool:
    nnx = sys.modules.get("flax.nnx")
    return nnx is not None and isinstance(x, nnx.Variable)


def variable_value(variable: Any) -> Any:
    """The value a Flax NNX Variable holds."""
    # Flax 0.12.1 added get_value and deprecated .value; the oldest Flax supported
    # (pyproject's floor) has only .value.
    get = getattr(variable, "get_value", None)
    return get() if get is not None else variable.value


def set_variable_value(variable: Any, value: Any) -> None:
    """Sets the value a Flax NNX Variable holds (in place)."""
    set_value = getattr(variable, "set_value", None)
    if set_value is not None:
        set_value(value)
    else:
        variable.value = value


def _unwrap(tree: Any) -> Any:
    """Replaces Flax NNX Variables by their values."""
    if sys.modules.get("flax.nnx") is None:
        return tree
    return jax.tree.map(
        lambda x: variable_value(x) if _is_nnx_variable(x) else x, tree, is_leaf=_is_nnx_variable
    )


def _group(path: tuple[Any, ...]) -> str:
    keys = [str(k.key) for k in path if isinstance(k, jax.tree_util.DictKey)]
    return "/".join(keys) if keys else jax.tree_util.keystr(path)


def _nodes(tree: Any, prefix: tuple[Any, ...] = (), masks: tuple[int, ...] = ()) -> list[_Node]:
    """Every injected and plateau state under ``tree``, those inside an injected
    optimizer's own state included."""
    found: list[_Node] = []
    flat, _ = jax.tree_util.tree_flatten_with_path(
        tree, is_leaf=lambda x: isinstance(x, (*_CARRIERS, optax.MaskedState))
    )
    inner = jax.tree_util.GetAttrKey("inner_state")
    for path, node in flat:
        keys = prefix + path
        if isinstance(node, optax.MaskedState):
            found += _nodes(node.inner_state, (*keys, inner), (*masks, len(keys)))
        elif isinstance(node, _CARRIERS):
            found.append(_Node(keys, masks, _unwrap(node)))
            if isinstance(node, _INJECTED):
                found += _nodes(node.inner_state, (*keys, inner), masks)
    return found


def _at(tree: Any, keys: tuple[Any, ...]) -> Any:
    for key in keys:
        if isinstance(key, jax.tree_util.SequenceKey):
            tree = tree[key.idx]
        elif isinstance(key, jax.tree_util.DictKey):
            tree = tree[key.key]
        else:
            tree = getattr(tree, key.name)
    return tree


# Where the states sit, by tree structure: an eager read of a known structure walks a few
# keys instead of running a Python test on every node of the moments' trees.
_LAYOUTS: dict[Any, tuple[tuple[tuple[Any, ...], tuple[int, ...]], ...]] = {}


def _located(root: Any) -> list[_Node]:
    try:
        treedef = jax.tree_util.tree_structure(root)
        layout = _LAYOUTS.get(treedef)
    except TypeError:  # a node whose static data cannot be hashed
        return _nodes(root)
    if layout is None:
        nodes = _nodes(root)
        walkable = jax.tree_util.SequenceKey | jax.tree_util.DictKey | jax.tree_util.GetAttrKey
        if all(isinstance(k, walkable) for n in nodes for k in n.keys):
            if len(_LAYOUTS) >= 64:
                _LAYOUTS.clear()
            _LAYOUTS[treedef] = tuple((n.keys, n.masks) for n in nodes)
        return nodes
    return [_Node(keys, masks, _unwrap(_at(root, keys))) for keys, masks in layout]


def _scales(target: _Node, factor: _Node) -> bool:
    """Whether ``factor`` multiplies every step ``target``'s optimizer makes."""
    p, f = target.keys, factor.keys
    common = 0
    while common < min(len(p), len(f)) and p[common] == f[common]:
        common += 1
    branch = f[common:]
    # Masked to part of the parameters (a multi_transform group, optax.masked): whether
    # those are the target's is not in the state.
    if any(m > common for m in factor.masks):
        return False
    if any(isinstance(k, jax.tree_util.DictKey) for k in branch):
        return False
    if common == len(p):  # inside the injected optimizer's own state
        return True
    # Siblings in a chain: only a factor after the optimizer scales its steps.
    sequence = jax.tree_util.SequenceKey
    return (
        bool(branch)
        and isinstance(p[common], sequence)
        and isinstance(f[common], sequence)
        and f[common].idx > p[common].idx
    )


def _factory(state: Any) -> Callable[..., Any] | None:
    """The optimizer factory given to jaxsched.inject, when the state keeps it."""
    plan = getattr(state, "plan", None)
    return getattr(plan, "factory", None)


def _is_scale(node: _Node) -> bool:
    """An injected ``scale_by_learning_rate``: a pure learning-rate factor."""
    state = node.state
    if not isinstance(state, _INJECTED):
        return False
    names = state.names if isinstance(state, ScheduledState) else tuple(state.hyperparams)
    if _RATE not in names:
        return False
    if _factory(state) is optax.scale_by_learning_rate:
        return True
    # A transformation that keeps no state besides the injection only scales.
    return isinstance(state.inner_state, optax.EmptyState | optax.ScaleByScheduleState)


def _find(opt_state: Any) -> list[_Injected]:
    """The injected states whose learning rate the readers report, each with its factors.

    An injected ``scale_by_learning_rate`` that scales another injected optimizer's steps
    is one of that optimizer's factors, not a rate of its own.
    """
    root = getattr(opt_state, "opt_state", opt_state)
    nodes = _located(root)
    injected = [n for n in nodes if isinstance(n.state, _INJECTED)]
    rated = [n for n in injected if _RATE in _Injected(n, "").names]
    rated_ids = {id(n) for n in rated}
    absorbed = {
        id(n) for n in rated if _is_scale(n) and any(_scales(t, n) for t in rated if t is not n)
    }
    found = []
    for node in injected:
        if id(node) in absorbed:
            continue
        factors: list[_Node | _Injected] = []
        if id(node) in rated_ids:
            for other in nodes:
                if other is node or not _scales(node, other):
                    continue
                if isinstance(other.state, ReduceLROnPlateauState):
                    factors.append(other)
                elif id(other) in absorbed:
                    factors.append(_Injected(other, _group(other.keys)))
        found.append(_Injected(node, _group(node.keys), tuple(factors)))
    return found


def find_injected(opt_state: Any) -> dict[str, Any]:
    """All injected-hyperparameter states in ``opt_state`` that the readers read, by group.

    The group of a state is the ``/``-joined dict keys on its path (the
    ``multi_transform`` labels), or its full path when there are none. An injected
    ``optax.scale_by_learning_rate`` that comes after another injected optimizer in a
    chain is read as a factor of that optimizer's learning rate, not listed.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.

    Returns:
      A dict ``{group: state}``; each state is a :class:`ScheduledState` or optax's
      ``InjectStatefulHyperparamsState``, with NNX Variables replaced by their values.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = optax.multi_transform(
      ...     {"head": jaxsched.inject(optax.sgd, learning_rate=0.1),
      ...      "body": jaxsched.inject(optax.sgd, learning_rate=0.01)},
      ...     {"w": "head", "v": "body"},
      ... )
      >>> sorted(jaxsched.find_injected(tx.init({"w": jnp.ones(2), "v": jnp.ones(2)})))
      ['body', 'head']
    """
    return {found.group: found.state for found in _found(opt_state, "find_injected")}


def _restored_without_target(opt_state: Any) -> str | None:
    """The path of a plain dict shaped like an injected state, if there is one."""

    def shaped(x: Any) -> bool:
        return isinstance(x, dict) and _INJECTED_KEYS <= x.keys()

    flat, _ = jax.tree_util.tree_flatten_with_path(opt_state, is_leaf=shaped)
    for path, node in flat:
        if shaped(node):
            return jax.tree_util.keystr(path)
    return None


def _found(opt_state: Any, owner: str) -> list[_Injected]:
    """:func:`_find`, refusing a state restored without its structure."""
    found = _find(opt_state)
    if not found:
        lost = _restored_without_target(opt_state)
        if lost is not None:
            raise LookupError(
                f"{owner}: opt_state{lost} is a plain dict with an injected state's keys "
                f"(count, hyperparams, inner_state): the checkpoint was restored without a "
                f"target, which keeps the arrays but loses the state's structure (the "
                f"optimizer, its schedules and constants). Restore into the structure: "
                f"abstract = jax.eval_shape(tx.init, params), then with orbax "
                f"manager.restore(step, args=orbax.checkpoint.args.StandardRestore(abstract)) "
                f"or StandardCheckpointer().restore(path, abstract)."
            )
    return found


def _select(opt_state: Any, group: str | None, owner: str) -> _Injected:
    found = _found(opt_state, owner)
    if not found:
        raise LookupError(
            f"{owner}: no injected hyperparameters in this {type(opt_state).__name__}: build "
            f"the optimizer with jaxsched.inject(optax.adamw, learning_rate=schedule, ...)."
        )
    if group is not None:
        matching = [f for f in found if f.group == group]
        if not matching:
            raise LookupError(
                f"No group {group!r} for {owner}; the groups found are {[f.group for f in found]}."
            )
        found = matching
    if len(found) > 1:
        paths = "\n".join(f"  group={f.group!r} at opt_state{f.path}" for f in found)
        raise LookupError(
            f"Found {len(found)} injected states; pass {owner}(..., group=...) to pick "
            f"one:\n{paths}"
        )
    return found[0]


def _step_size(lr: jax.Array, b1: jax.Array, b2: jax.Array, count: jax.Array) -> jax.Array:
    t = count.astype(jnp.float32)
    return lr.astype(jnp.float32) * jnp.sqrt(1 - b2**t) / (1 - b1**t)


def update_count(opt_state: Any, *, group: str | None = None) -> jax.Array:
    """The number of updates the injected optimizer has made (int32).

    Under ``optax.MultiSteps`` this counts real updates, not micro-batches; a rejected
    update of ``optax.apply_if_finite`` does not count.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      group: which injected state, when there are several (see :func:`find_injected`).

    Returns:
      A scalar int32 array, computable inside ``jit``.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.sgd, learning_rate=0.1)
      >>> state = tx.init(jnp.zeros(2))
      >>> _, state = tx.update(jnp.ones(2), state)
      >>> jaxsched.update_count(state)
      Array(1, dtype=int32)
    """
    return _select(opt_state, group, "update_count").count


def hyperparam_applied(opt_state: Any, name: str, *, group: str | None = None) -> jax.Array:
    """The value of hyperparameter ``name`` the injected optimizer got for the last update;
    NaN before any.

    This is the injected value, times the factor :func:`jaxsched.inject`'s own
    reduce-on-plateau multiplies it by; factors elsewhere in the state are left out (for
    the learning rate with them, use :func:`lr_applied`).

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      name: the optimizer argument, e.g. ``"learning_rate"`` or ``"weight_decay"``.
      group: which injected state, when there are several (see :func:`find_injected`).

    Returns:
      A scalar array in the hyperparameter dtype, computable inside ``jit``.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.sgd, learning_rate=jaxsched.Linear(1.0, 0.0, 10))
      >>> state = tx.init({"w": jnp.zeros(2)})
      >>> jaxsched.hyperparam_applied(state, "learning_rate")
      Array(nan, dtype=float32)
    """
    return _select(opt_state, group, "hyperparam_applied").value(name, applied=True)


def hyperparam_next(opt_state: Any, name: str, *, group: str | None = None) -> jax.Array:
    """The value of hyperparameter ``name`` the injected optimizer gets for the next update.

    As :func:`hyperparam_applied`, for the next update.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      name: the optimizer argument.
      group: which injected state, when there are several.

    Returns:
      A scalar array in the hyperparameter dtype, computable inside ``jit``.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.sgd, learning_rate=jaxsched.Linear(1.0, 0.0, 10))
      >>> state = tx.init({"w": jnp.zeros(2)})
      >>> jaxsched.hyperparam_next(state, "learning_rate")
      Array(1., dtype=float32)
    """
    return _select(opt_state, group, "hyperparam_next").value(name, applied=False)


def lr_applied(opt_state: Any, *, group: str | None = None) -> jax.Array:
    r"""The learning rate the last update really used; NaN before the first update.

    .. math:: \eta = s(k - 1) \cdot F \cdot \prod_i c_i

    with :math:`s` the injected learning rate (schedule or number), :math:`F` the
    reduce-on-plateau factor of :func:`jaxsched.inject`, and :math:`c_i` the factors found
    after the optimizer in the same chain, or inside its own state: the ``scale`` of
    ``optax.contrib.reduce_on_plateau`` and the learning rate of an injected
    ``optax.scale_by_learning_rate``. Factors a state does not hold (``optax.scale(0.5)``)
    cannot be seen.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      group: which injected state, when there are several (see :func:`find_injected`).

    Returns:
      A scalar array in the hyperparameter dtype, computable inside ``jit``.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = optax.chain(  # a second factor after the optimizer: half the rate
      ...     jaxsched.inject(optax.sgd, learning_rate=0.1),
      ...     optax.inject_hyperparams(optax.scale_by_learning_rate)(
      ...         learning_rate=0.5, flip_sign=False
      ...     ),
      ... )
      >>> state = tx.init(jnp.zeros(2))
      >>> _, state = tx.update(jnp.ones(2), state)
      >>> jaxsched.lr_applied(state)
      Array(0.05, dtype=float32)

    References:
      ``optax.contrib.reduce_on_plateau`` (optax 0.2.8): the scale is updated, then
      applied, in the same update.
    """
    return _select(opt_state, group, "lr_applied").rate(applied=True)


def lr_next(opt_state: Any, *, group: str | None = None) -> jax.Array:
    """The learning rate the next update will use, with the factors of :func:`lr_applied`.

    optax's ``reduce_on_plateau`` decides a cut from the value passed to an update and
    applies it in that very update: its scale here is the one the next update uses unless
    that update's own value cuts it, which no state can foresee.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      group: which injected state, when there are several.

    Returns:
      A scalar array in the hyperparameter dtype, computable inside ``jit``.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.sgd, learning_rate=jaxsched.Linear(1.0, 0.0, 10))
      >>> state = tx.init(jnp.zeros(2))
      >>> _, state = tx.update(jnp.ones(2), state)
      >>> jaxsched.lr_next(state)
      Array(0.9, dtype=float32)
    """
    return _select(opt_state, group, "lr_next").rate(applied=False)


def _name(factory: Callable[..., Any] | None, found: _Injected) -> str:
    if factory is None:
        return "the injected optimizer"
    for name in dir(optax):
        if getattr(optax, name, None) is factory:
            return f"optax.{name}"
    return getattr(factory, "__qualname__", repr(factory))


def _is_optax(factory: Callable[..., Any]) -> bool:
    function = factory.func if isinstance(factory, functools.partial) else factory
    return getattr(function, "__module__", "").split(".")[0] == "optax"


class _NotModelled(LookupError):
    pass


def _adam_count(found: _Injected) -> jax.Array:
    """Adam's own update count, once the optimizer is known to be Adam."""
    factory = _factory(found.state)
    moments = [
        n
        for n in jax.tree_util.tree_leaves(
            found.state.inner_state, is_leaf=lambda x: isinstance(x, optax.ScaleByAdamState)
        )
        if isinstance(n, optax.ScaleByAdamState)
    ]
    use_lr = "jaxsched.lr_applied(state), the learning rate really in use"
    name = functools.partial(_name, factory, found)  # only for a message: it searches optax
    if factory is not None and _is_optax(factory) and factory not in _ADAM_FACTORIES:
        what = "corrects its moments differently" if moments else "keeps no Adam moments"
        raise _NotModelled(
            f"adam_step_size models Adam's bias correction (optax.adam, optax.adamw) only; "
            f"{name()} at opt_state{found.path} {what}. Log {use_lr}, or inject optax.adam."
        )
    flags = dict(getattr(found.state.plan, "flags", ())) if factory is not None else {}
    if flags.get("nesterov"):
        raise _NotModelled(
            f"adam_step_size models plain Adam; {name()} at opt_state{found.path} was built "
            f"with nesterov=True (NAdam), whose bias correction differs. Log {use_lr}."
        )
    if len(moments) != 1:
        raise _NotModelled(
            f"adam_step_size needs one optax ScaleByAdamState under opt_state{found.path}; "
            f"{name()} there has {len(moments)}. Log {use_lr}."
        )
    missing = [b for b in ("b1", "b2") if b not in found.names]
    if missing:
        raise _NotModelled(
            f"adam_step_size: {name()} at opt_state{found.path} keeps Adam's moments but does "
            f"not take {' and '.join(missing)} as arguments, so the state does not know "
            f"them. Give the factory the arguments and pass them on, e.g. "
            f"def my_adam(learning_rate, b1=0.9, b2=0.999): return optax.chain("
            f"optax.scale_by_adam(b1=b1, b2=b2), optax.scale_by_learning_rate(learning_rate))"
            f"; jaxsched.inject keeps the defaults as compile-time constants, at no cost."
        )
    return jnp.asarray(moments[0].count)


def _adam_step(found: _Injected, lr: jax.Array) -> jax.Array:
    count = _adam_count(found)
    b1, b2 = (found.value(name, applied=True).astype(jnp.float32) for name in ("b1", "b2"))
    return _step_size(lr, b1, b2, count)


def adam_step_size(opt_state: Any, *, group: str | None = None) -> jax.Array:
    r"""Adam's effective step size for the last update.

    .. math:: \alpha_t = \eta_t \, \frac{\sqrt{1 - \beta_2^{t}}}{1 - \beta_1^{t}}

    with :math:`t` the update number as counted by Adam (1 for the first update) and
    :math:`\eta_t` the learning rate it really used (:func:`lr_applied`, every factor
    included). NaN before the first update.

    Modelled: ``optax.adam`` and ``optax.adamw``, and a custom factory that keeps one
    ``optax.scale_by_adam`` state and takes ``b1`` and ``b2`` as arguments. Other optax
    optimizers (``nadam``, ``radam``, ``lamb``, ``lion``, ``sgd``...) raise ``LookupError``
    rather than get Adam's formula. A state built by ``optax.inject_hyperparams`` does not
    say which optimizer it holds: one with a single Adam state and ``b1``, ``b2`` is read
    as Adam (``nadam`` cannot be told apart there).

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      group: which injected state, when there are several.

    Returns:
      A float32 scalar array, computable inside ``jit``.

    Raises:
      LookupError: for an optimizer it does not model, or a factory whose ``b1`` and
        ``b2`` are not arguments, with the fix.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.adam, learning_rate=1e-3)
      >>> state = tx.init(jnp.zeros(2))
      >>> _, state = tx.update(jnp.ones(2), state)
      >>> jaxsched.adam_step_size(state)  # 1e-3 * sqrt(1 - 0.999) / (1 - 0.9)
      Array(0.00031623, dtype=float32)

    References:
      Kingma & Ba, *Adam*, Section 2, https://arxiv.org/abs/1412.6980.
    """
    found = _select(opt_state, group, "adam_step_size")
    return _adam_step(found, found.rate(applied=True))


def lr_metrics(opt_state: Any, *, prefix: str = "") -> dict[str, jax.Array]:
    """A flat dict of the applied hyperparameters, ready to log; works inside ``jit``.

    Keys are ``{prefix}{name}`` for one injected state and ``{prefix}{group}/{name}``
    for several; each state also reports ``update_count`` and, for Adam,
    ``adam_step_size``. Values are those of the last update (NaN before the first).
    ``learning_rate`` is the rate really in use (:func:`lr_applied`); where a factor can
    change it, ``lr_factor`` is the product of the factors.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      prefix: prepended to every key.

    Returns:
      A dict of scalar arrays.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.adam, learning_rate=jaxsched.Constant(1e-3))
      >>> params = {"w": jnp.ones(2)}
      >>> state = tx.init(params)
      >>> _, state = tx.update(params, state, params)
      >>> sorted(jaxsched.lr_metrics(state))
      ['adam_step_size', 'b1', 'b2', 'eps', 'eps_root', 'learning_rate', 'update_count']
    """
    found = _found(opt_state, "lr_metrics")
    metrics: dict[str, jax.Array] = {}
    for item in found:
        head = prefix + (f"{item.group}/" if len(found) > 1 else "")
        for name in item.names:
            metrics[head + name] = item.value(name, applied=True)
        metrics[head + "update_count"] = item.count
        if _RATE not in item.names:
            continue
        rate = item.rate(applied=True)
        metrics[head + _RATE] = rate
        if item.has_factor:
            metrics[head + "lr_factor"] = item.factor(applied=True)
        try:
            metrics[head + "adam_step_size"] = _adam_step(item, rate)
        except _NotModelled:
            pass  # not Adam: no step size to report
    return metrics
