"""Reporting a metric to the reduce-on-plateau rules of an optimizer state."""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

import jax
import jax.numpy as jnp

from jaxsched.optim._inject import ScheduledState
from jaxsched.optim._plateau import step
from jaxsched.optim._readout import _is_nnx_variable, _unwrap, set_variable_value


def report_metric(opt_state: Any, metric: Any) -> Any:
    """Reports a metric to every reduce-on-plateau rule in an optimizer state.

    A pure function of the state, usable inside and outside ``jit``: call it at your own
    cadence (after each epoch's validation, say), not at every update. The rules are
    found anywhere in the state, as the read-out functions find injected
    hyperparameters: in a chain, ``optax.MultiSteps``, ``multi_transform`` groups (each
    group's rule gets the same metric), a Flax ``TrainState`` or an ``nnx.Optimizer``.

    Args:
      opt_state: an optimizer state, a Flax ``TrainState`` or an ``nnx.Optimizer``, with
        at least one optimizer built by ``jaxsched.inject(..., plateau=...)``.
      metric: a scalar (a Python float or an array).

    Returns:
      The state with the rules updated (a new state; an ``nnx.Optimizer`` is updated in
      place and returned).

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> rule = jaxsched.ReduceOnPlateau(factor=0.1, patience=0)
      >>> tx = jaxsched.inject(optax.adam, learning_rate=1e-3, plateau=rule)
      >>> state = tx.init({"w": jnp.zeros(3)})
      >>> state = jaxsched.report_metric(state, 0.5)  # the first report sets the best
      >>> state = jaxsched.report_metric(state, 0.7)  # worse: cut at once (patience 0)
      >>> jaxsched.lr_next(state)
      Array(1.e-04, dtype=float32)
    """

    def has_rule(x: Any) -> bool:
        return isinstance(x, ScheduledState) and x.plateau is not None

    def report(x: Any) -> Any:
        if not has_rule(x):
            return x
        name = x.plateau.rule.hyperparam
        base = x.value(name, x.count).astype(jnp.float32)
        return dataclasses.replace(x, plateau=step(x.plateau, metric, base, x.count))

    is_state = lambda x: isinstance(x, ScheduledState)  # noqa: E731
    nnx = _nnx_optimizer(opt_state)
    tree = _unwrap(nnx.opt_state) if nnx is not None else opt_state
    found = [x for x in jax.tree.leaves(tree, is_leaf=is_state) if has_rule(x)]
    if not found:
        raise LookupError(
            "report_metric: no reduce-on-plateau rule in this optimizer state; build the "
            "optimizer with jaxsched.inject(..., plateau=jaxsched.ReduceOnPlateau(...))."
        )
    new = jax.tree.map(report, tree, is_leaf=is_state)
    if nnx is None:
        return new
    # An nnx.Optimizer holds its state in Variables: set their values in place.
    variables = jax.tree.leaves(nnx.opt_state, is_leaf=_is_nnx_variable)
    for variable, value in zip(variables, jax.tree.leaves(new), strict=True):
        if _is_nnx_variable(variable):
            set_variable_value(variable, value)
    return nnx


def _nnx_optimizer(x: Any) -> Any:
    nnx = sys.modules.get("flax.nnx")
    return x if nnx is not None and isinstance(x, nnx.Optimizer) else None
