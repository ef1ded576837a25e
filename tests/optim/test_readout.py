"""Read-out matrix: the learning rate found in every optimizer-state shape, eager and in jit.

SGD on a parameter whose gradient is always 1: after n updates the parameter is
-sum(lr(0..n-1)), which proves which step each read value belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from flax import nnx
from flax.training import train_state

import jaxsched as js

LR = js.Linear(1.0, 0.0, transition_steps=8)  # distinct value at every step


def _sgd() -> optax.GradientTransformation:
    return js.inject(optax.sgd, learning_rate=LR)


# name -> (transformation, micro-batches per real update, group)
SHAPES: dict[str, tuple[Callable[[], optax.GradientTransformation], int, str | None]] = {
    "bare": (_sgd, 1, None),
    "chain": (lambda: optax.chain(optax.clip_by_global_norm(100.0), _sgd()), 1, None),
    "multisteps": (lambda: optax.MultiSteps(_sgd(), every_k_schedule=3), 3, None),
    "apply_if_finite": (lambda: optax.apply_if_finite(_sgd(), max_consecutive_errors=3), 1, None),
    "multi_transform": (
        lambda: optax.multi_transform(
            {"head": _sgd(), "body": js.inject(optax.sgd, learning_rate=0.5 * LR)},
            {"w": "head", "v": "body"},
        ),
        1,
        "head",
    ),
}


def _params() -> dict[str, jax.Array]:
    return {"w": jnp.zeros(()), "v": jnp.zeros(())}


def _check(n: int, w: jax.Array, applied: jax.Array, nxt: jax.Array, count: jax.Array) -> None:
    np.testing.assert_allclose(float(w), -sum(float(LR(i)) for i in range(n)), rtol=1e-6)
    if n == 0:
        assert np.isnan(applied)
    else:
        assert applied == LR(n - 1)
    assert nxt == LR(n)
    assert count == n


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("shape", SHAPES, ids=SHAPES.keys())
def test_optax_state_shapes(shape: str, jit: bool) -> None:
    make, micro, group = SHAPES[shape]
    tx = make()
    grads = jax.tree.map(jnp.ones_like, _params())

    # optax.MultiSteps' own arithmetic mixes int32 and float32; nothing of ours is relaxed
    # for the other shapes.
    promotion = "standard" if shape == "multisteps" else "strict"

    def step(params: Any, state: Any) -> Any:
        with jax.numpy_dtype_promotion(promotion):
            updates, state = tx.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        read = (
            js.lr_applied(state, group=group),
            js.lr_next(state, group=group),
            js.update_count(state, group=group),
        )
        return params, state, read

    step = jax.jit(step) if jit else step
    params = _params()
    state = tx.init(params)
    _check(
        0,
        params["w"],
        js.lr_applied(state, group=group),
        js.lr_next(state, group=group),
        js.update_count(state, group=group),
    )
    for n in range(1, 11):
        for _ in range(micro):
            params, state, read = step(params, state)
        _check(n, params["w"], *read)


def test_apply_if_finite_skips_a_rejected_update() -> None:
    tx = SHAPES["apply_if_finite"][0]()
    params = _params()
    state = tx.init(params)
    ones = jax.tree.map(jnp.ones_like, params)
    _, state = tx.update(ones, state, params)
    bad = jax.tree.map(lambda x: x * jnp.nan, ones)
    _, state = tx.update(bad, state, params)
    assert js.update_count(state) == 1
    assert js.lr_applied(state) == LR(0)
    assert js.lr_next(state) == LR(1)


def test_multi_transform_groups_are_listed_when_ambiguous() -> None:
    tx = SHAPES["multi_transform"][0]()
    state = tx.init(_params())
    with pytest.raises(LookupError, match=r"(?s)Found 2 injected states.*'body'.*'head'"):
        js.lr_applied(state)
    with pytest.raises(LookupError, match=r"No group 'neck'"):
        js.lr_applied(state, group="neck")
    assert set(js.find_injected(state)) == {"head", "body"}
    _, state = tx.update(jax.tree.map(jnp.ones_like, _params()), state, _params())
    metrics = js.lr_metrics(state)
    assert metrics["head/learning_rate"] == LR(0)
    assert metrics["body/learning_rate"] == 0.5 * LR(0)
    assert metrics["body/update_count"] == 1


def test_linen_train_state() -> None:
    tx = _sgd()
    state = train_state.TrainState.create(apply_fn=None, params=_params(), tx=tx)
    grads = jax.tree.map(jnp.ones_like, _params())

    @jax.jit
    def step(state: train_state.TrainState) -> Any:
        state = state.apply_gradients(grads=grads)
        return state, js.lr_applied(state), js.lr_next(state), js.update_count(state)

    for n in range(1, 6):
        state, applied, nxt, count = step(state)
        _check(n, state.params["w"], applied, nxt, count)


class _Model(nnx.Module):
    def __init__(self) -> None:
        self.w = nnx.Param(jnp.zeros(()))


def test_nnx_optimizer() -> None:
    model = _Model()
    optimizer = nnx.Optimizer(model, _sgd(), wrt=nnx.Param)

    @nnx.jit
    def step(model: _Model, optimizer: nnx.Optimizer) -> Any:
        grads = nnx.grad(lambda m: m.w[...])(model)
        optimizer.update(model, grads)
        return js.lr_applied(optimizer), js.lr_next(optimizer), js.update_count(optimizer)

    assert np.isnan(js.lr_applied(optimizer))
    for n in range(1, 6):
        applied, nxt, count = step(model, optimizer)
        _check(n, model.w[...], applied, nxt, count)
    assert js.lr_metrics(optimizer)["learning_rate"] == LR(4)


def test_adam_step_size_is_the_effective_step() -> None:
    # With eps = 0 Adam's update is -alpha_t * mu_t / sqrt(nu_t) on the raw moments.
    tx = js.inject(optax.adam, learning_rate=js.CosineDecay(1e-2, 20), b1=0.8, b2=0.9, eps=0.0)
    params = jnp.zeros(3)
    state = tx.init(params)
    assert np.isnan(js.adam_step_size(state))
    rng = np.random.default_rng(0)
    for t in range(1, 6):
        grads = jnp.asarray(rng.normal(size=3), jnp.float32)
        updates, state = tx.update(grads, state, params)
        adam = state.inner.inner_state[0]
        alpha = js.adam_step_size(state)
        np.testing.assert_allclose(
            np.asarray(updates),
            -alpha * np.asarray(adam.mu) / np.sqrt(np.asarray(adam.nu)),
            rtol=1e-5,
        )
        expected = float(js.CosineDecay(1e-2, 20)(t - 1)) * np.sqrt(1 - 0.9**t) / (1 - 0.8**t)
        np.testing.assert_allclose(float(alpha), expected, rtol=1e-5)
        assert js.lr_metrics(state)["adam_step_size"] == alpha


def test_optax_inject_hyperparams_states_are_read_too() -> None:
    tx = optax.inject_hyperparams(optax.sgd)(learning_rate=LR)
    state = tx.init(jnp.zeros(()))
    _, state = tx.update(jnp.ones(()), state)
    assert js.lr_applied(state) == LR(0)
    with pytest.raises(LookupError, match="does not keep the next value"):
        js.lr_next(state)


def test_no_injected_state() -> None:
    state = optax.sgd(0.1).init(jnp.zeros(()))
    with pytest.raises(LookupError, match=r"jaxsched\.inject"):
        js.lr_applied(state)


def test_unknown_hyperparameter_name() -> None:
    state = _sgd().init(jnp.zeros(()))
    with pytest.raises(LookupError, match=r"'b1' is not injected.*learning_rate"):
        js.hyperparam_applied(state, "b1")


def test_a_number_changed_with_optax_tree_set_is_read_and_used() -> None:
    tx = js.inject(optax.sgd, learning_rate=0.1)
    state = tx.init(jnp.zeros(()))
    state = optax.tree_utils.tree_set(state, learning_rate=jnp.asarray(0.25))
    assert js.lr_next(state) == 0.25
    updates, state = tx.update(jnp.ones(()), state)
    assert updates == -0.25
    assert js.lr_applied(state) == 0.25
