"""Reduce-on-plateau as optimizer state: the factor in use, where it is found, dtypes,
``jit``, resume and errors. Parity with PyTorch and Keras: tests/parity/test_plateau.py."""

from __future__ import annotations

import pickle

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from flax.training import train_state

import jaxsched as js

RULE = js.ReduceOnPlateau(factor=0.5, patience=0)  # every worse report halves the rate
SCHEDULE = js.CosineDecay(0.1, decay_steps=100)


def sgd(rule: js.ReduceOnPlateau = RULE) -> optax.GradientTransformation:
    return js.inject(optax.sgd, learning_rate=SCHEDULE, plateau=rule)


def test_the_update_uses_schedule_times_factor_and_says_which() -> None:
    tx = sgd()
    params = {"w": jnp.ones(3)}
    state = tx.init(params)
    for loss in (1.0, 2.0, 3.0):  # best, then two cuts: factor 0.25
        state = js.report_metric(state, loss)
    assert float(state.factor("learning_rate", applied=False)) == 0.25
    assert float(state.factor("learning_rate", applied=True)) == 1.0  # no update yet
    grads = {"w": jnp.full(3, 2.0)}
    updates, state = tx.update(grads, state, params)
    np.testing.assert_allclose(updates["w"], -2.0 * 0.25 * float(SCHEDULE(0)), rtol=1e-7)
    assert float(state.factor("learning_rate", applied=True)) == 0.25
    assert float(state.factor("momentum", applied=True)) == 1.0
    assert js.lr_applied(state) == np.float32(0.25) * SCHEDULE(0)
    assert js.lr_next(state) == np.float32(0.25) * SCHEDULE(1)


def test_bf16_params_keep_a_float32_factor() -> None:
    tx = sgd()
    params = {"w": jnp.ones(4, jnp.bfloat16)}
    state = tx.init(params)
    for loss in (1.0, 1.5, 1.6, 1.7):  # three cuts: 0.125
        state = js.report_metric(state, jnp.asarray(loss, jnp.bfloat16))
    assert state.plateau.factor.dtype == jnp.float32 and float(state.plateau.factor) == 0.125
    updates, _ = tx.update({"w": jnp.ones(4, jnp.bfloat16)}, state, params)
    assert updates["w"].dtype == jnp.bfloat16


def test_start_step_holds_the_factor_until_then() -> None:
    tx = sgd(js.ReduceOnPlateau(factor=0.5, patience=0, start_step=2))
    params = {"w": jnp.ones(1)}
    state = tx.init(params)
    for _ in range(2):  # reports during the first two updates are ignored
        state = js.report_metric(state, 1.0)
        state = js.report_metric(state, 2.0)
        _, state = tx.update(params, state, params)
        assert float(state.plateau.factor) == 1.0 and int(state.plateau.reports) == 0
    state = js.report_metric(js.report_metric(state, 1.0), 2.0)
    assert float(state.plateau.factor) == 0.5


def test_report_metric_is_pure_and_jits_with_the_training_step() -> None:
    tx = sgd()
    params = {"w": jnp.ones(2)}

    @jax.jit
    def epoch(state: js.ScheduledState, loss: jax.Array) -> js.ScheduledState:
        def step(carry: js.ScheduledState, _: None) -> tuple[js.ScheduledState, jax.Array]:
            _, carry = tx.update(params, carry, params)
            return carry, js.lr_applied(carry)

        state, _ = jax.lax.scan(step, state, None, length=5)
        return js.report_metric(state, loss)

    state = tx.init(params)
    before = state
    for loss in (1.0, 2.0):
        state = epoch(state, jnp.float32(loss))
    assert float(before.plateau.factor) == 1.0  # not changed in place
    assert float(state.plateau.factor) == 0.5 and int(state.count) == 10
    assert epoch._cache_size() == 1


@pytest.mark.parametrize("where", ["chain", "multisteps", "groups", "trainstate", "nnx"])
def test_found_wherever_the_readers_look(where: str) -> None:
    params = {"a": jnp.ones(2), "b": jnp.ones(2)}
    inner = sgd()
    if where == "chain":
        tx = optax.chain(optax.clip_by_global_norm(1.0), inner)
    elif where == "multisteps":
        tx = optax.MultiSteps(inner, every_k_schedule=2)
    elif where == "groups":
        tx = optax.multi_transform({"a": inner, "b": sgd()}, {"a": "a", "b": "b"})
    else:
        tx = inner
    if where == "nnx":
        model = nnx.Linear(2, 1, rngs=nnx.Rngs(0))
        holder = nnx.Optimizer(model, tx, wrt=nnx.Param)
        assert js.report_metric(js.report_metric(holder, 1.0), 2.0) is holder
        states = [holder.opt_state]
    else:
        state = tx.init(params)
        if where == "trainstate":
            state = train_state.TrainState.create(apply_fn=None, params=params, tx=tx)
        state = js.report_metric(js.report_metric(state, 1.0), 2.0)
        states = [state]
    leaves = jax.tree.leaves(states, is_leaf=lambda x: isinstance(x, js.PlateauState))
    found = [x for x in leaves if isinstance(x, js.PlateauState)]
    assert len(found) == (2 if where == "groups" else 1)
    assert all(float(np.asarray(jnp.asarray(p.factor))) == 0.5 for p in found)


def test_a_restored_state_continues_exactly() -> None:
    tx = sgd(js.ReduceOnPlateau(factor=0.5, patience=1, cooldown=1))
    params = {"w": jnp.ones(2)}
    losses = [1.0, 1.1, 1.2, 0.9, 1.3, 1.4, 1.5, 1.6]

    def run(state: js.ScheduledState, reports: list[float]) -> js.ScheduledState:
        for loss in reports:
            _, state = tx.update(params, state, params)
            state = js.report_metric(state, loss)
        return state

    whole = run(tx.init(params), losses)
    half = run(tx.init(params), losses[:3])
    leaves, _ = jax.tree.flatten(pickle.loads(pickle.dumps(half)))
    restored = jax.tree.unflatten(jax.tree.structure(tx.init(params)), leaves)
    resumed = run(restored, losses[3:])
    for a, b in zip(jax.tree.leaves(whole), jax.tree.leaves(resumed), strict=True):
        np.testing.assert_array_equal(a, b)
    assert float(whole.plateau.factor) < 1


def test_without_a_plateau_the_state_has_no_extra_leaf() -> None:
    params = {"w": jnp.ones(2)}
    plain = js.inject(optax.adam, learning_rate=SCHEDULE).init(params)
    assert plain.plateau is None
    # optax's leaves and the learning rate last used (what tree_get reads), nothing else.
    optax_leaves = len(jax.tree.leaves(optax.adam(SCHEDULE).init(params)))
    assert len(jax.tree.leaves(plain)) == optax_leaves + 1


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: js.ReduceOnPlateau(factor=1.0), ValueError, r"ReduceOnPlateau: factor must be"),
        (lambda: js.ReduceOnPlateau(factor=0.0), ValueError, r"ReduceOnPlateau: factor must be"),
        (
            lambda: js.ReduceOnPlateau(mode="lowest"),
            ValueError,
            r"mode must be one of \('min', 'max'\)",
        ),
        (
            lambda: js.ReduceOnPlateau(threshold_mode="relative"),
            ValueError,
            r"threshold_mode must be one of",
        ),
        (lambda: js.ReduceOnPlateau(patience=-1), ValueError, r"patience must be >= 0"),
        (lambda: js.ReduceOnPlateau(patience=1.5), TypeError, r"patience must be an integer"),
        (
            lambda: js.ReduceOnPlateau(min_lr=-1e-3),
            ValueError,
            r"min_lr must be non-negative, got min_lr=-0.001",
        ),
        (lambda: js.ReduceOnPlateau.keras(mode="auto"), ValueError, r"mode must be one of"),
        (
            lambda: js.inject(
                optax.sgd, learning_rate=0.1, plateau=js.ReduceOnPlateau(hyperparam="lr")
            ),
            ValueError,
            r"inject: plateau scales 'lr', which is not a number or schedule of this optimizer.*learning_rate",
        ),
        (
            lambda: js.inject(optax.sgd, learning_rate=0.1, plateau=0.5),
            TypeError,
            r"plateau must be a jaxsched.ReduceOnPlateau",
        ),
        (
            lambda: js.report_metric(
                js.inject(optax.sgd, learning_rate=0.1).init({"w": jnp.ones(1)}), 1.0
            ),
            LookupError,
            r"report_metric: no reduce-on-plateau rule in this optimizer state",
        ),
    ],
)
def test_bad_input(call, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        call()
