"""The learning rate really in use: every factor the optimizer state shows is read.

SGD from zero parameters with gradients of one: each update's parameter change is
``-lr_used``, which is what the read-out must equal, whatever multiplies the scheduled rate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp
import pytest

import jaxsched as js

LR = js.Linear(1.0, 0.1, transition_steps=8)  # distinct value at every step
UPDATES = 6


def _sgd() -> optax.GradientTransformation:
    return js.inject(optax.sgd, learning_rate=LR)


def _plateau() -> optax.GradientTransformation:
    # A constant loss: better once, then a cut of the scale at every later update.
    return optax.contrib.reduce_on_plateau(factor=0.5, patience=1)


def _groups(w: optax.GradientTransformation, v: optax.GradientTransformation) -> Any:
    return optax.multi_transform({"w": w, "v": v}, {"w": "w", "v": "v"})


# name -> (transformation, micro-batches per update, groups read, groups the scale cuts)
SHAPES: dict[str, tuple[Callable[[], Any], int, tuple[str | None, ...], set[str | None]]] = {
    "chain": (lambda: optax.chain(_sgd(), _plateau()), 1, (None,), {None}),
    "multisteps": (
        lambda: optax.MultiSteps(optax.chain(_sgd(), _plateau()), every_k_schedule=2),
        2,
        (None,),
        {None},
    ),
    "one_group": (lambda: _groups(optax.chain(_sgd(), _plateau()), _sgd()), 1, ("w", "v"), {"w"}),
    "after_groups": (
        lambda: optax.chain(_groups(_sgd(), _sgd()), _plateau()),
        1,
        ("w", "v"),
        {"w", "v"},
    ),
    "inside_the_factory": (
        lambda: js.inject(
            lambda learning_rate: optax.chain(optax.sgd(learning_rate), _plateau()),
            learning_rate=LR,
        ),
        1,
        (None,),
        {None},
    ),
}

CASES = [
    pytest.param(
        shape, dtype, jit, id=f"{shape}-{jnp.dtype(dtype).name}-{'jit' if jit else 'eager'}"
    )
    for shape in SHAPES
    for dtype in (jnp.float32, jnp.bfloat16)
    for jit in (True, False)
    if jit or (shape == "chain" and dtype == jnp.float32)
]


@pytest.mark.parametrize(("shape", "dtype", "jit"), CASES)
def test_optax_reduce_on_plateau_is_in_the_rate_read(shape: str, dtype: Any, jit: bool) -> None:
    make, micro, groups, cut = SHAPES[shape]
    tx = make()
    zeros = {"w": jnp.zeros((), dtype), "v": jnp.zeros((), dtype)}
    grads = jax.tree.map(jnp.ones_like, zeros)

    def step(state: Any) -> Any:
        # optax's reduce_on_plateau and MultiSteps mix int32 and float32 themselves.
        with jax.numpy_dtype_promotion("standard"):
            updates, state = tx.update(grads, state, zeros, value=jnp.asarray(1.0))
        moved = optax.apply_updates(zeros, updates)
        read = {
            g: (js.lr_applied(state, group=g), js.lr_next(state, group=g), js.lr_metrics(state))
            for g in groups
        }
        return moved, state, read

    step = jax.jit(step) if jit else step
    state = tx.init(zeros)
    tol = 1e-6 if dtype == jnp.float32 else 1e-2  # the update itself is rounded to bf16
    for n in range(1, UPDATES + 1):
        for _ in range(micro):
            moved, state, read = step(state)
        for g in groups:
            applied, nxt, metrics = read[g]
            used = -float(moved[g or "w"])
            np.testing.assert_allclose(float(applied), used, rtol=tol)
            scale = float(applied) / float(LR(n - 1))
            # The scale halves from the second update on, only where the plateau acts.
            expected_scale = 0.5 ** (n - 1) if g in cut else 1.0
            np.testing.assert_allclose(scale, expected_scale, rtol=1e-6)
            np.testing.assert_allclose(float(nxt), float(LR(n)) * scale, rtol=1e-6)
            head = f"{g}/" if len(groups) > 1 else ""
            assert metrics[head + "learning_rate"] == applied
            if g in cut:
                np.testing.assert_allclose(float(metrics[head + "lr_factor"]), scale, rtol=1e-6)


def test_the_scale_is_read_in_its_own_dtype_without_promotion_errors() -> None:
    # bf16 parameters give optax's scale a bf16 dtype; the rate stays float32.
    tx = optax.chain(_sgd(), _plateau())
    params = jnp.zeros((), jnp.bfloat16)
    state = tx.init(params)
    assert state[1].scale.dtype == jnp.bfloat16
    with jax.numpy_dtype_promotion("standard"):
        for _ in range(3):
            _, state = tx.update(jnp.ones_like(params), state, params, value=jnp.asarray(1.0))
    assert js.lr_applied(state).dtype == jnp.float32
    assert js.lr_applied(state) == LR(2) * state[1].scale.astype(jnp.float32)


def _scale_by(lr: Any, injected_by: str) -> optax.GradientTransformation:
    if injected_by == "optax":
        return optax.inject_hyperparams(optax.scale_by_learning_rate)(
            learning_rate=lr, flip_sign=False
        )
    return js.inject(optax.scale_by_learning_rate, learning_rate=lr, flip_sign=False)


@pytest.mark.parametrize("injected_by", ["optax", "jaxsched"])
def test_an_injected_scale_by_learning_rate_after_the_optimizer_is_a_factor(
    injected_by: str,
) -> None:
    second = js.Linear(1.0, 0.5, transition_steps=4)
    tx = optax.chain(_sgd(), _scale_by(second, injected_by))
    params = jnp.zeros(())
    state = tx.init(params)
    assert list(js.find_injected(state)) == ["[0]"]  # one rate, with its factor
    for n in range(1, 5):
        updates, state = jax.jit(tx.update)(jnp.ones(()), state, params)
        np.testing.assert_allclose(float(js.lr_applied(state)), -float(updates), rtol=1e-6)
        np.testing.assert_allclose(
            float(js.lr_applied(state)), float(LR(n - 1) * second(n - 1)), rtol=1e-6
        )
        if injected_by == "jaxsched":  # optax's state does not keep the next value
            np.testing.assert_allclose(
                float(js.lr_next(state)), float(LR(n) * second(n)), rtol=1e-6
            )


def test_a_lone_injected_scale_by_learning_rate_is_the_rate() -> None:
    tx = optax.chain(optax.scale_by_adam(), _scale_by(LR, "jaxsched"))
    state = tx.init(jnp.zeros(()))
    with jax.numpy_dtype_promotion("standard"):  # optax's own Adam mixes int32 and float32
        _, state = tx.update(jnp.ones(()), state)
    assert js.lr_applied(state) == LR(0)
    assert "lr_factor" not in js.lr_metrics(state)


def test_a_factor_before_the_optimizer_scales_gradients_and_is_not_counted() -> None:
    tx = optax.chain(_plateau(), _sgd())
    state = tx.init(jnp.zeros(()))
    with jax.numpy_dtype_promotion("standard"):
        for _ in range(3):
            _, state = tx.update(jnp.ones(()), state, value=jnp.asarray(1.0))
    assert state[0].scale < 1
    assert js.lr_applied(state) == LR(2)


def test_adam_step_size_includes_the_factor() -> None:
    # With eps = 0 Adam's update is -alpha_t * mu_t / sqrt(nu_t) on the raw moments.
    tx = optax.chain(js.inject(optax.adam, learning_rate=1e-2, eps=0.0), _plateau())
    params = jnp.zeros(3)
    state = tx.init(params)
    rng = np.random.default_rng(0)
    for _ in range(4):
        grads = jnp.asarray(rng.normal(size=3), jnp.float32)
        with jax.numpy_dtype_promotion("standard"):
            updates, state = tx.update(grads, state, params, value=jnp.asarray(1.0))
        adam = state[0].inner_state[0]
        alpha = js.adam_step_size(state)
        np.testing.assert_allclose(
            np.asarray(updates), -alpha * adam.mu / np.sqrt(adam.nu), rtol=1e-5
        )
    assert state[1].scale < 1
    assert js.lr_metrics(state)["adam_step_size"] == alpha


def _custom_adam(learning_rate: Any) -> optax.GradientTransformation:
    return optax.chain(optax.scale_by_adam(b1=0.8), optax.scale_by_learning_rate(learning_rate))


def _custom_adam_with_betas(
    learning_rate: Any, b1: float = 0.8, b2: float = 0.99
) -> optax.GradientTransformation:
    return optax.chain(
        optax.scale_by_adam(b1=b1, b2=b2), optax.scale_by_learning_rate(learning_rate)
    )


NOT_ADAM = {
    "nadam": (
        lambda: js.inject(optax.nadam, learning_rate=1e-3),
        r"adam_step_size models Adam's bias correction.*optax\.nadam .*corrects its moments "
        r"differently.*jaxsched\.lr_applied",
    ),
    "lion": (
        lambda: js.inject(optax.lion, learning_rate=1e-3),
        r"optax\.lion .*keeps no Adam moments.*jaxsched\.lr_applied",
    ),
    "sgd": (
        lambda: js.inject(optax.sgd, learning_rate=1e-3),
        r"optax\.sgd .*keeps no Adam moments.*jaxsched\.lr_applied",
    ),
    "adam_nesterov": (
        lambda: js.inject(optax.adam, learning_rate=1e-3, nesterov=True),
        r"optax\.adam .*nesterov=True \(NAdam\).*jaxsched\.lr_applied",
    ),
    "custom_without_betas": (
        lambda: js.inject(_custom_adam, learning_rate=1e-3),
        r"_custom_adam .*does not take b1 and b2 as arguments.*def my_adam\(learning_rate, "
        r"b1=0\.9, b2=0\.999\)",
    ),
    "optax_inject_sgd": (
        lambda: optax.inject_hyperparams(optax.sgd)(learning_rate=1e-3),
        r"needs one optax ScaleByAdamState.* has 0\. Log .*jaxsched\.lr_applied",
    ),
}


@pytest.mark.parametrize("name", NOT_ADAM)
def test_adam_step_size_refuses_what_it_does_not_model(name: str) -> None:
    make, message = NOT_ADAM[name]
    tx = make()
    params = jnp.zeros(2)
    state = tx.init(params)
    _, state = tx.update(jnp.ones(2), state, params)
    with pytest.raises(LookupError, match=message):
        js.adam_step_size(state)
    metrics = js.lr_metrics(state)
    assert "adam_step_size" not in metrics
    assert metrics["learning_rate"] == js.lr_applied(state)


def test_a_custom_factory_with_its_betas_injected_is_read_as_adam() -> None:
    tx = js.inject(_custom_adam_with_betas, learning_rate=1e-3)
    params = jnp.zeros(2)
    state = tx.init(params)
    _, state = tx.update(jnp.ones(2), state, params)
    expected = 1e-3 * np.sqrt(1 - 0.99) / (1 - 0.8)
    np.testing.assert_allclose(float(js.adam_step_size(state)), expected, rtol=1e-6)


def _restored(directory: Any, state: Any, target: Any = None) -> Any:
    with ocp.StandardCheckpointer() as checkpointer:
        checkpointer.save(directory / "state", state)
        checkpointer.wait_until_finished()
        return checkpointer.restore(directory / "state", target)


@pytest.mark.parametrize(
    "read",
    [js.lr_applied, js.lr_next, js.adam_step_size, js.update_count, js.lr_metrics],
    ids=lambda f: f.__name__,
)
def test_a_state_restored_without_its_target_says_how_to_restore(read: Any, tmp_path: Any) -> None:
    tx = optax.chain(js.inject(optax.adam, learning_rate=LR), _plateau())
    params = {"w": jnp.zeros(2)}
    restored = _restored(tmp_path, tx.init(params))
    with pytest.raises(
        LookupError,
        match=rf"{read.__name__}: opt_state\[0\] is a plain dict .*restored without a target.*"
        r"jax\.eval_shape\(tx\.init, params\).*StandardRestore\(abstract\)",
    ):
        read(restored)


# The target is what the docs say to build (jax.eval_shape); orbax 0.11.24 (the
# floor environment's) warns that it names no shardings and reads them from the file.
@pytest.mark.filterwarnings("ignore:Sharding info not provided when restoring:UserWarning")
def test_the_same_checkpoint_restored_into_its_target_is_read(tmp_path: Any) -> None:
    tx = optax.chain(js.inject(optax.adam, learning_rate=LR), _plateau())
    params = {"w": jnp.zeros(2)}
    state = tx.init(params)
    with jax.numpy_dtype_promotion("standard"):
        _, state = tx.update({"w": jnp.ones(2)}, state, params, value=jnp.asarray(1.0))
    restored = _restored(tmp_path, state, jax.eval_shape(tx.init, params))
    assert js.lr_applied(restored) == js.lr_applied(state) == LR(0)
