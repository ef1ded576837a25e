"""The injection call: what is injected, dtypes, pass-through, and its errors."""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable
from typing import Any

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


@pytest.mark.parametrize("hyperparam_dtype", [jnp.float32, None], ids=["float32", "none"])
@pytest.mark.parametrize("param_dtype", [jnp.bfloat16, jnp.float32])
def test_arrays_with_a_dtype_of_their_own_keep_it(hyperparam_dtype: Any, param_dtype: Any) -> None:
    # optax's test_hyperparam_default_dtype: typed arrays keep their dtype; a weakly typed
    # array, like a Python number, takes the hyperparameter dtype (the params' with None).
    tx = js.inject(
        optax.scale_by_adam,
        hyperparam_dtype=hyperparam_dtype,
        b1=jnp.array(0.9, jnp.float32),
        b2=jnp.asarray(0.95, jnp.bfloat16),
        eps=jnp.asarray(1e-8),
    )
    params = [jnp.ones((1, 2), param_dtype), jnp.ones(2, param_dtype)]
    state = jax.jit(tx.init)(params)
    default = param_dtype if hyperparam_dtype is None else jnp.float32
    for hyperparams in (state.hyperparams, state.inner.hyperparams):
        assert hyperparams["b1"].dtype == jnp.float32
        assert hyperparams["b2"].dtype == jnp.bfloat16
        assert hyperparams["eps"].dtype == default
    _, state = jax.jit(tx.update)(params, state, params)
    assert js.hyperparam_applied(state, "b2").dtype == jnp.bfloat16


@pytest.mark.parametrize("jit", [False, True], ids=["eager", "jit"])
def test_prng_keys_pass_through_to_the_optimizer(jit: bool) -> None:
    # optax's test_prng_key_not_hyperparameter: a key is not a number to check or store.
    def random_noise(key: jax.Array, scale: jax.Array) -> optax.GradientTransformation:
        def init(params: Any) -> tuple[jax.Array, jax.Array]:
            return key, scale

        def update(updates: Any, state: Any, params: Any = None) -> tuple[Any, Any]:
            key, scale = state
            keys = iter(jax.random.split(key, len(jax.tree.leaves(updates)) + 1))
            noise = jax.tree.map(lambda x: scale * jax.random.normal(next(keys), x.shape), updates)
            return noise, (next(keys), scale)

        return optax.GradientTransformation(init, update)

    tx = js.inject(random_noise, key=jax.random.key(17), scale=1e-3)
    params = [jnp.ones((1, 2)), jnp.ones(2), jnp.ones((1, 1, 1))]
    init, update = (jax.jit(tx.init), jax.jit(tx.update)) if jit else (tx.init, tx.update)
    state = init(params)
    assert set(state.hyperparams) == {"scale"}
    updates, state = update(params, state)
    assert all(bool(jnp.all(jnp.abs(u) < 0.01)) for u in jax.tree.leaves(updates))
    assert js.hyperparam_applied(state, "scale") == np.float32(1e-3)


def test_a_hand_override_through_inner_takes_effect() -> None:
    # optax's test_overriding_hyperparam, through the optax-shaped view of the state.
    tx = js.inject(optax.clip_by_global_norm, max_norm=0.1)
    params = jnp.zeros((3, 5, 7))
    state, update = jax.jit(tx.init)(params), jax.jit(tx.update)
    for i in range(5):
        state.inner.hyperparams["max_norm"] = i
        updates, state = update(jnp.ones_like(params), state)
        assert np.isclose(jnp.linalg.norm(updates.ravel()), i)
        assert state.hyperparams["max_norm"].dtype == jnp.float32


def test_a_hand_override_of_what_is_not_stored_raises_with_the_fix() -> None:
    tx = js.inject(optax.adam, learning_rate=js.CosineDecay(1.0, 10), changeable=())
    state = tx.init(jnp.zeros(2))
    for name in ("learning_rate", "b2"):
        with pytest.raises(TypeError, match=rf"'{name}' is not stored.*changeable=\['{name}'\]"):
            state.inner.hyperparams[name] = 3.0
    with pytest.raises(TypeError, match=r"'beta' is not a hyperparameter of this optimizer"):
        state.inner.hyperparams["beta"] = 3.0
    with pytest.raises(TypeError, match=r"can be set, not removed"):
        del state.inner.hyperparams["b2"]
    # The view is still a dict to JAX and optax.tree_utils.
    assert optax.tree_utils.tree_get(state.inner, "b2") == np.float32(0.999)
    assert len(jax.tree.leaves(state.inner.hyperparams)) == 5
    assert type(pickle.loads(pickle.dumps(state.inner.hyperparams))) is dict


def _plateau_then_rate(lr: js.Schedule) -> optax.GradientTransformation:
    return js.inject(optax.sgd, learning_rate=lr, plateau=js.ReduceOnPlateau(patience=0))


@pytest.mark.parametrize(
    "build",
    [
        lambda lr: js.inject(optax.adamw, learning_rate=lr, weight_decay=1e-4),
        lambda lr: optax.chain(optax.clip(1.0), js.inject(optax.adam, learning_rate=lr)),
        _plateau_then_rate,
    ],
    ids=["adamw", "chain", "plateau"],
)
def test_optax_tree_get_finds_the_learning_rate_of_the_last_update(build: Callable) -> None:
    # optax's documented read-out: tree_get(state, "learning_rate") is the value the last
    # update used (update 0's before any, as optax's inject_hyperparams stores it).
    lr = js.warmup_cosine_decay(0.0, 1e-3, warmup_steps=3, decay_steps=10)
    tx = build(lr)
    params = jnp.ones(2)
    state, update = tx.init(params), jax.jit(tx.update)
    assert optax.tree_utils.tree_get(state, "learning_rate") == lr(0)
    for i in range(6):
        if isinstance(state, js.ScheduledState) and state.plateau is not None:
            state = js.report_metric(state, 1.0)  # no improvement: a cut from update 2 on
        _, state = update(jnp.ones(2), state, params)
        found = optax.tree_utils.tree_get(state, "learning_rate")
        assert found.dtype == jnp.float32 and found == js.lr_applied(state), i
        plateau = getattr(state, "plateau", None)
        factor = 1.0 if plateau is None else plateau.factor_applied
        np.testing.assert_allclose(found, lr(i) * factor, rtol=1e-6)


def test_tree_get_finds_one_value_for_a_traced_schedule_and_tree_set_on_it_raises() -> None:
    def train(peak: jax.Array) -> Any:
        tx = js.inject(optax.sgd, learning_rate=js.Linear(peak, 0.0, 4))
        _, state = tx.update(jnp.ones(()), tx.init(jnp.zeros(())))
        return state

    state = jax.vmap(train)(jnp.asarray([0.1, 0.2]))
    found = optax.tree_utils.tree_get(state, "learning_rate")
    np.testing.assert_array_equal(found, np.float32([0.1, 0.2]))
    assert isinstance(
        pickle.loads(pickle.dumps(state)).traced_schedules["learning_rate"], js.Linear
    )
    # Setting a scheduled value would be overwritten by the schedule: refused, with the fix.
    tx = js.inject(optax.sgd, learning_rate=js.Linear(0.1, 0.0, 4))
    changed = optax.tree_utils.tree_set(tx.init(jnp.zeros(2)), learning_rate=0.5)
    with pytest.raises(TypeError, match=r"\['learning_rate'\] are schedules.*changeable="):
        jax.jit(tx.update)(jnp.ones(2), changed)


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


LEAN_SHAPES = {
    "warmup_cosine": js.warmup_cosine_decay(0.0, 1e-2, 3, 20),
    "piecewise": js.PiecewiseConstant([2, 4, 6], [1e-2, 5e-3, 2e-3, 1e-3]),
    "restarts": js.CosineRestarts(1e-2, 3, t_mul=2.0),
    "wsd": js.warmup_stable_decay(1e-2, 2, 20, 5),
}


@pytest.mark.parametrize("name", list(LEAN_SHAPES))
def test_injection_costs_what_a_schedule_passed_to_optax_costs(name: str) -> None:
    # Same arithmetic bit for bit, and no more state than optax.adam(schedule) but the
    # value last used (one float32, what optax.tree_utils.tree_get reads): the schedule
    # and Adam's defaults are compile-time constants, not leaves.
    schedule = LEAN_SHAPES[name]
    params = {"w": jnp.linspace(-1.0, 1.0, 5), "b": jnp.ones(())}
    injected, direct = js.inject(optax.adam, learning_rate=schedule), optax.adam(schedule)

    def train(tx: optax.GradientTransformation) -> tuple[Any, Any]:
        def body(carry: tuple, _: None) -> tuple:
            p, s = carry
            grads = jax.tree.map(lambda x: jnp.sin(3.0 * x), p)
            updates, s = tx.update(grads, s, p)
            return (optax.apply_updates(p, updates), s), None

        state = tx.init(params)
        with jax.numpy_dtype_promotion("standard"):  # optax's own bias correction
            return jax.lax.scan(body, (params, state), length=12)[0]

    (ours, state), (theirs, optax_state) = train(injected), train(direct)
    jax.tree.map(np.testing.assert_array_equal, ours, theirs)
    assert len(jax.tree.leaves(state)) <= len(jax.tree.leaves(optax_state)) + 1
    assert state.scheduled_values["learning_rate"].shape == ()
    assert js.lr_applied(state) == schedule(11) and js.update_count(state) == 12
    metrics = js.lr_metrics(state)
    assert metrics["b2"] == np.float32(0.999) and metrics["eps_root"] == 0.0


@pytest.mark.parametrize(
    ("changeable", "stored"),
    [(None, {"weight_decay"}), ((), set()), (("b2", "weight_decay"), {"b2", "weight_decay"})],
)
def test_changeable_numbers_are_stored_and_the_rest_are_constants(
    changeable: tuple[str, ...] | None, stored: set[str]
) -> None:
    tx = js.inject(
        optax.adamw, learning_rate=js.Constant(0.1), weight_decay=0.5, changeable=changeable
    )
    params = jnp.ones(2)
    state = tx.init(params)
    assert set(state.hyperparams) == stored
    assert js.hyperparam_next(state, "weight_decay") == 0.5  # a constant is read back too
    if "b2" in stored:  # a stored default is used when changed
        state = optax.tree_utils.tree_set(state, b2=jnp.asarray(0.5, jnp.float32))
        _, state = tx.update(jnp.ones(2), state, params)
        assert js.hyperparam_applied(state, "b2") == 0.5
        np.testing.assert_allclose(state.inner_state[0].nu, 0.5)


@pytest.mark.parametrize(
    ("changeable", "match"),
    [
        (("learning_rate",), r"includes 'learning_rate', which is not a number of this optimizer"),
        (
            ("eps_roots",),
            r"includes 'eps_roots'.*numbers are \['b1', 'b2', 'eps', 'eps_root'\]\. Did you mean 'eps_root'",
        ),
    ],
)
def test_changeable_must_name_a_number(changeable: tuple[str, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        js.inject(optax.adam, learning_rate=js.Constant(0.1), changeable=changeable)


def test_a_jitted_step_is_traced_once_and_the_state_keeps_its_structure() -> None:
    traces = []
    tx = js.inject(optax.adam, learning_rate=js.CosineDecay(1e-3, 10), b1=0.8)

    @jax.jit
    def step(state: Any) -> Any:
        traces.append(None)
        return tx.update(jnp.ones(3), state, jnp.zeros(3))[1]

    state = tx.init(jnp.zeros(3))
    for _ in range(3):
        new = step(state)
        assert jax.tree.structure(new) == jax.tree.structure(state)
        state = new
    assert len(traces) == 1
    # An optimizer built again from equal arguments makes states of the same structure.
    again = js.inject(optax.adam, learning_rate=js.CosineDecay(1e-3, 10), b1=0.8)
    assert jax.tree.structure(again.init(jnp.zeros(3))) == jax.tree.structure(state)


def test_schedules_traced_by_a_sweep_travel_in_the_state() -> None:
    peaks = jnp.asarray([0.1, 0.2, 0.4])

    def train(peak: jax.Array) -> Any:
        tx = js.inject(optax.sgd, learning_rate=js.Linear(peak, 0.0, 4))
        state = tx.init(jnp.zeros(()))
        for _ in range(2):
            _, state = tx.update(jnp.ones(()), state)
        return state

    state = jax.vmap(train)(peaks)
    assert set(state.traced_schedules) == {"learning_rate"}
    applied = jax.vmap(js.lr_applied)(state)
    np.testing.assert_allclose(np.asarray(applied), 0.75 * np.asarray(peaks), rtol=1e-6)


def test_a_state_pickled_by_0_2_gets_the_values_of_its_last_update() -> None:
    # jaxsched 0.2 states had no scheduled_values, and a plain dict of traced schedules.
    tx = js.inject(
        optax.sgd, learning_rate=js.Linear(0.1, 0.0, 10), plateau=js.ReduceOnPlateau(patience=0)
    )
    state = tx.init(jnp.zeros(2))
    for _ in range(3):
        _, state = tx.update(jnp.ones(2), js.report_metric(state, 1.0))
    saved = {k: v for k, v in vars(state).items() if k != "scheduled_values"}
    old = object.__new__(js.ScheduledState)
    old.__setstate__({**saved, "traced_schedules": {}})
    assert jax.tree.structure(old) == jax.tree.structure(state)
    assert old.scheduled_values == {"learning_rate": state.scheduled_values["learning_rate"]}
    assert float(state.plateau.factor_applied) < 1


def test_a_pickled_state_has_the_structure_of_a_fresh_one() -> None:
    script = (
        "import pickle, sys, jax, optax, jaxsched as js\n"
        "tx = js.inject(optax.adam, learning_rate=js.CosineDecay(1e-3, 10), b1=0.8)\n"
        "sys.stdout.buffer.write(pickle.dumps(tx.init(jax.numpy.zeros(3))))\n"
    )
    # Another process, so that string hashes differ from this one's.
    pickled = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, check=True, timeout=120
    ).stdout
    restored = pickle.loads(pickled)
    tx = js.inject(optax.adam, learning_rate=js.CosineDecay(1e-3, 10), b1=0.8)
    fresh = tx.init(jnp.zeros(3))
    assert jax.tree.structure(restored) == jax.tree.structure(fresh)
    _, state = tx.update(jnp.ones(3), restored, jnp.zeros(3))
    assert js.lr_applied(state) == js.CosineDecay(1e-3, 10)(0)
