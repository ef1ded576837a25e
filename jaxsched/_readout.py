"""Reading injected hyperparameters back from any optimizer state.

Convention (SPEC 3.2): update ``n`` (0-based) uses ``schedule(n)``. After ``k`` updates,
the value *applied* is the one update ``k - 1`` used, ``schedule(k - 1)``; the *next* value
is ``schedule(k)``. Before the first update nothing has been applied and the applied
readers return NaN (optax's ``state.hyperparams`` shows ``schedule(0)`` there, which is
what makes logs taken before and after the first update look identical).

The injected state is found anywhere in the tree: bare, inside ``optax.chain``,
``optax.MultiSteps``, ``optax.apply_if_finite``, ``optax.multi_transform`` (one group per
dict key), a Flax Linen ``TrainState`` or a Flax NNX ``Optimizer``.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import jax
import jax.numpy as jnp
import optax

from jaxsched._inject import ScheduledState

_INJECTED = (ScheduledState, optax.InjectStatefulHyperparamsState, optax.InjectHyperparamsState)


@dataclasses.dataclass(frozen=True)
class _Injected:
    path: str
    group: str
    state: Any  # ScheduledState or one of optax's inject states, Variables unwrapped

    @property
    def count(self) -> jax.Array:
        return jnp.asarray(self.state.count)

    @property
    def names(self) -> tuple[str, ...]:
        if isinstance(self.state, ScheduledState):
            return self.state.names
        return tuple(self.state.hyperparams)

    def value(self, name: str, *, applied: bool) -> jax.Array:
        """The value of the last update (NaN before any) or of the next one."""
        if name not in self.names:
            raise LookupError(
                f"{name!r} is not injected at opt_state{self.path}; injected: {sorted(self.names)}."
            )
        if isinstance(self.state, ScheduledState):
            value = self.state.value(name, self.count - 1 if applied else self.count)
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


def _is_nnx_variable(x: Any) -> bool:
    nnx = sys.modules.get("flax.nnx")
    return nnx is not None and isinstance(x, nnx.Variable)


def _unwrap(tree: Any) -> Any:
    """Replaces Flax NNX Variables by their values."""
    return jax.tree.map(
        lambda x: x.get_value() if _is_nnx_variable(x) else x, tree, is_leaf=_is_nnx_variable
    )


def _group(path: tuple[Any, ...]) -> str:
    keys = [str(k.key) for k in path if isinstance(k, jax.tree_util.DictKey)]
    return "/".join(keys) if keys else jax.tree_util.keystr(path)


def find_injected(opt_state: Any) -> dict[str, Any]:
    """All injected-hyperparameter states in ``opt_state``, keyed by group.

    The group of a state is the ``/``-joined dict keys on its path (the
    ``multi_transform`` labels), or its full path when there are none.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.

    Returns:
      A dict ``{group: state}``; each state is a :class:`ScheduledState` or optax's
      ``InjectStatefulHyperparamsState``, with NNX Variables replaced by their values.
    """
    return {found.group: found.state for found in _find(opt_state)}


def _find(opt_state: Any) -> list[_Injected]:
    root = getattr(opt_state, "opt_state", opt_state)
    nodes, _ = jax.tree_util.tree_flatten_with_path(
        root, is_leaf=lambda x: isinstance(x, _INJECTED)
    )
    return [
        _Injected(jax.tree_util.keystr(path), _group(path), _unwrap(node))
        for path, node in nodes
        if isinstance(node, _INJECTED)
    ]


def _select(opt_state: Any, group: str | None) -> _Injected:
    found = _find(opt_state)
    if not found:
        raise LookupError(
            f"No injected hyperparameters in this {type(opt_state).__name__}: build the "
            f"optimizer with jaxsched.inject(optax.adamw, learning_rate=schedule, ...)."
        )
    if group is not None:
        matching = [f for f in found if f.group == group]
        if not matching:
            raise LookupError(
                f"No group {group!r}; the groups found are {[f.group for f in found]}."
            )
        found = matching
    if len(found) > 1:
        paths = "\n".join(f"  group={f.group!r} at opt_state{f.path}" for f in found)
        raise LookupError(
            f"Found {len(found)} injected states; pass group=... to pick one:\n{paths}"
        )
    return found[0]


def _step_size(lr: jax.Array, b1: jax.Array, b2: jax.Array, count: jax.Array) -> jax.Array:
    t = count.astype(jnp.float32)
    return lr.astype(jnp.float32) * jnp.sqrt(1 - b2**t) / (1 - b1**t)


def update_count(opt_state: Any, *, group: str | None = None) -> jax.Array:
    """The number of updates the injected optimizer has made (int32).

    Under ``optax.MultiSteps`` this counts real updates, not micro-batches; a rejected
    update of ``optax.apply_if_finite`` does not count.
    """
    return _select(opt_state, group).count


def hyperparam_applied(opt_state: Any, name: str, *, group: str | None = None) -> jax.Array:
    """The value of hyperparameter ``name`` used by the last update; NaN before any.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      name: the optimizer argument, e.g. ``"learning_rate"`` or ``"weight_decay"``.
      group: which injected state, when there are several (see :func:`find_injected`).

    Returns:
      A scalar array, computable inside ``jit``.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.sgd, learning_rate=jaxsched.Linear(1.0, 0.0, 10))
      >>> state = tx.init({"w": jnp.zeros(2)})
      >>> jaxsched.hyperparam_applied(state, "learning_rate")
      Array(nan, dtype=float32)
    """
    return _select(opt_state, group).value(name, applied=True)


def hyperparam_next(opt_state: Any, name: str, *, group: str | None = None) -> jax.Array:
    """The value of hyperparameter ``name`` the next update will use.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      name: the optimizer argument.
      group: which injected state, when there are several.

    Returns:
      A scalar array, computable inside ``jit``.
    """
    return _select(opt_state, group).value(name, applied=False)


def lr_applied(opt_state: Any, *, group: str | None = None) -> jax.Array:
    """The learning rate used by the last update; NaN before the first update."""
    return hyperparam_applied(opt_state, "learning_rate", group=group)


def lr_next(opt_state: Any, *, group: str | None = None) -> jax.Array:
    """The learning rate the next update will use."""
    return hyperparam_next(opt_state, "learning_rate", group=group)


def _adam_count(found: _Injected) -> jax.Array | None:
    nodes = [
        n
        for n in jax.tree_util.tree_leaves(
            found.state.inner_state, is_leaf=lambda x: isinstance(x, optax.ScaleByAdamState)
        )
        if isinstance(n, optax.ScaleByAdamState)
    ]
    return jnp.asarray(nodes[0].count) if len(nodes) == 1 else None


def adam_step_size(opt_state: Any, *, group: str | None = None) -> jax.Array:
    r"""Adam's effective step size for the last update.

    .. math:: \alpha_t = \eta_t \, \frac{\sqrt{1 - \beta_2^{t}}}{1 - \beta_1^{t}}

    with :math:`t` the update number as counted by Adam (1 for the first update) and
    :math:`\eta_t` the learning rate it used. NaN before the first update.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``.
      group: which injected state, when there are several.

    Returns:
      A scalar array, computable inside ``jit``.

    References:
      Kingma & Ba, *Adam*, Section 2, https://arxiv.org/abs/1412.6980.
    """
    found = _select(opt_state, group)
    count = _adam_count(found)
    if count is None:
        raise LookupError(f"No single optax ScaleByAdamState under opt_state{found.path}.")
    # Every numeric default is injected (optax) or kept as a constant (jaxsched), so b1
    # and b2 are there whether or not the user passed them.
    b1, b2 = (found.value(name, applied=True).astype(jnp.float32) for name in ("b1", "b2"))
    return _step_size(found.value("learning_rate", applied=True), b1, b2, count)


def lr_metrics(opt_state: Any, *, prefix: str = "") -> dict[str, jax.Array]:
    """A flat dict of the applied hyperparameters, ready to log; works inside ``jit``.

    Keys are ``{prefix}{name}`` for one injected state and ``{prefix}{group}/{name}``
    for several; each state also reports ``update_count`` and, for Adam,
    ``adam_step_size``. Values are those of the last update (NaN before the first).

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> tx = jaxsched.inject(optax.adam, learning_rate=jaxsched.Constant(1e-3))
      >>> params = {"w": jnp.ones(2)}
      >>> state = tx.init(params)
      >>> _, state = tx.update(params, state, params)
      >>> sorted(jaxsched.lr_metrics(state))
      ['adam_step_size', 'b1', 'b2', 'eps', 'eps_root', 'learning_rate', 'update_count']
    """
    found = _find(opt_state)
    metrics: dict[str, jax.Array] = {}
    for item in found:
        head = prefix + (f"{item.group}/" if len(found) > 1 else "")
        for name in item.names:
            metrics[head + name] = item.value(name, applied=True)
        metrics[head + "update_count"] = item.count
        adam_count = _adam_count(item)
        if adam_count is not None and {"b1", "b2", "learning_rate"} <= set(item.names):
            b1, b2 = (metrics[head + k].astype(jnp.float32) for k in ("b1", "b2"))
            metrics[head + "adam_step_size"] = _step_size(
                metrics[head + "learning_rate"], b1, b2, adam_count
            )
    return metrics
