"""The injection call: what is injected, dtypes, pass-through, and its errors."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched as js


@pytest.mark.parametrize("dtype", [jnp.bfloat16, jnp.float16])
def test_hyperparameters_stay_float32_with_low_precision_params(dtype: jnp.dtype) -> None:
    lr = js.CosineDecay(1e-3, 4)
    tx = js.inject(optax.adam, learning_rate=lr, b1=0.9, b2=0.999)
    params = {"w": jnp.ones(4, dtype)}
    state = tx.init(params)
    hyperparams = state.inner.hyperparams
    assert {v.dtype for v in hyperparams.values()} == {jnp.dtype(jnp.float32)}
    assert hyperparams["b2"] == np.float32(0.999)  # optax's default rule stores 1.0 in bf16
    for n in range(4):
        _, state = tx.update(params, state, params)
        assert js.lr_applied(state) == lr(n)  # four distinct float32 values, not bf16


def test_state_and_update_dtypes_do_not_change_so_scan_works() -> None:
    tx = js.inject(optax.adamw, learning_rate=js.Linear(1e-3, 0.0, 10), weight_decay=1e-2)
    params = {"w": jnp.ones(3, jnp.bfloat16)}
    state = tx.init(params)

    def body(carry: tuple, _: None) -> tuple:
        params, state = carry
        updates, state = tx.update(params, state, params)
        return (optax.apply_updates(params, updates), state), js.lr_applied(state)

    (params, final), lrs = jax.lax.scan(body, (params, state), length=5)
    assert jax.tree.map(lambda x: x.dtype, final) == jax.tree.map(lambda x: x.dtype, state)
    np.testing.assert_array_equal(
        np.asarray(lrs), np.asarray(js.Linear(1e-3, 0.0, 10)(jnp.arange(5)))
    )


def test_other_hyperparameters_are_scheduled_too() -> None:
    momentum = js.Linear(0.8, 0.95, transition_steps=4)
    tx = js.inject(optax.sgd, learning_rate=0.1, momentum=momentum)
    state = tx.init(jnp.zeros(()))
    for n in range(3):
        _, state = tx.update(jnp.ones(()), state)
        assert js.hyperparam_applied(state, "momentum") == momentum(n)
        assert js.hyperparam_next(state, "momentum") == momentum(n + 1)
    assert js.hyperparam_next(state, "learning_rate") == np.float32(0.1)


def test_non_schedule_callables_pass_through_untouched() -> None:
    calls = []

    def mask(params: dict) -> dict:
        calls.append(None)
        return {"w": True, "b": False}

    tx = js.inject(optax.adamw, learning_rate=js.Constant(0.1), weight_decay=0.5, mask=mask)
    params = {"w": jnp.ones(()), "b": jnp.ones(())}
    state = tx.init(params)
    zeros = jax.tree.map(jnp.zeros_like, params)
    updates, _ = tx.update(zeros, state, params)
    assert calls  # the mask was called by adamw, not evaluated as a schedule
    assert updates["b"] == 0.0 and updates["w"] == np.float32(-0.05)


def test_hyperparam_dtype_none_restores_optax_rule() -> None:
    tx = js.inject(optax.adam, learning_rate=0.1, hyperparam_dtype=None)
    state = tx.init({"w": jnp.ones(2, jnp.bfloat16)})
    assert state.inner.hyperparams["b2"].dtype == jnp.bfloat16


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"learning_rate": lambda count: 0.1},
            TypeError,
            r"learning_rate=.* is a plain callable\..*jaxsched\.FromFunction",
        ),
        ({"learning_rate": 0.1, "b1": lambda count: 0.9}, TypeError, r"b1=.* plain callable"),
        ({"learning_rate": 0.1, "beta1": 0.9}, TypeError, r"adamw has no argument 'beta1'"),
        (
            {"learning_rate": float("nan")},
            ValueError,
            r"inject: learning_rate must be finite, got learning_rate=nan",
        ),
        (
            {"learning_rate": True},
            TypeError,
            r"inject: learning_rate must be a number or a jaxsched schedule, got "
            r"learning_rate=True",
        ),
        ({"learning_rate": "1e-3"}, TypeError, r"inject: learning_rate must be a number"),
        ({"learning_rate": 0.1, "b2": "0.999"}, TypeError, r"inject: b2 must be a number"),
        (
            {"learning_rate": 0.1, "weight_decay": float("nan")},
            ValueError,
            r"inject: weight_decay must be finite, got weight_decay=nan",
        ),
        ({"learning_rate": np.array([0.1, np.inf])}, ValueError, r"learning_rate must be finite"),
    ],
)
def test_inject_errors(kwargs: dict, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        js.inject(optax.adamw, **kwargs)


def test_inject_passes_flags_and_dtypes_through() -> None:
    tx = js.inject(optax.adamw, learning_rate=0.1, nesterov=True, mu_dtype="bfloat16")
    state = tx.init({"w": jnp.ones(2)})
    assert state.inner.inner_state[0].mu["w"].dtype == jnp.bfloat16


def test_a_wrapped_function_is_injected() -> None:
    lr = js.FromFunction(lambda t: 0.1 * (t + 1).astype(jnp.float32))
    tx = js.inject(optax.sgd, learning_rate=lr)
    state = tx.init(jnp.zeros(()))
    _, state = tx.update(jnp.ones(()), state)
    assert js.lr_applied(state) == np.float32(0.1)
    assert js.lr_next(state) == np.float32(0.2)
