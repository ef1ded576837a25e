"""Every public schedule: in optax, through inject, under jit and vmap, pickled, no retrace."""

from __future__ import annotations

import copy
import pickle
import pickletools

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched as js
from tests.helpers import EXAMPLES, public_schedule_classes

STEPS = np.array([0, 1, 2, 3, 5, 8, 13, 21, 34, 2**31 - 1])
PARAMETRIZE = pytest.mark.parametrize("schedule", EXAMPLES.values(), ids=EXAMPLES.keys())


def _float_leaves_scaled(schedule: js.Schedule, factor: float) -> js.Schedule:
    """The same schedule with every float hyperparameter scaled (ints kept)."""
    return jax.tree.map(lambda x: x * factor if isinstance(x, float) else x, schedule)


def test_examples_cover_every_public_schedule() -> None:
    public = public_schedule_classes()
    covered = {type(s).__name__ for s in EXAMPLES.values()}
    assert public <= covered, public - covered


@PARAMETRIZE
def test_sgd_takes_the_schedule(schedule: js.Schedule) -> None:
    tx = optax.sgd(learning_rate=schedule)
    params = jnp.zeros(())
    state = tx.init(params)
    for _ in range(4):
        updates, state = tx.update(jnp.ones(()), state, params)
        params = optax.apply_updates(params, updates)
    expected = -sum(float(schedule(n)) for n in range(4))
    np.testing.assert_allclose(float(params), expected, rtol=1e-6)


@PARAMETRIZE
def test_inject_takes_the_schedule_and_keeps_float32_with_bf16_params(
    schedule: js.Schedule,
) -> None:
    tx = js.inject(optax.sgd, learning_rate=schedule)
    params = jnp.zeros((2,), jnp.bfloat16)
    state = tx.init(params)
    for n in range(3):
        _, state = tx.update(jnp.ones((2,), jnp.bfloat16), state, params)
        applied = js.lr_applied(state)
        assert applied.dtype == jnp.float32
        assert applied == schedule(n)
        assert js.lr_next(state) == schedule(n + 1)


@PARAMETRIZE
def test_jit_and_vmap_over_steps_equal_eager(schedule: js.Schedule) -> None:
    eager = np.asarray(schedule(STEPS))
    one_by_one = np.array([float(schedule(int(t))) for t in STEPS], np.float32)
    # Vectorised and scalar kernels, and XLA's division by a reciprocal, differ by ulps.
    for compiled in (one_by_one, jax.jit(schedule)(STEPS), jax.vmap(schedule)(jnp.asarray(STEPS))):
        np.testing.assert_allclose(np.asarray(compiled), eager, rtol=1e-6, atol=2e-7)
    assert schedule(STEPS).dtype == jnp.float32
    assert not schedule(3).weak_type


@PARAMETRIZE
def test_vmap_over_a_batch_of_schedules(schedule: js.Schedule) -> None:
    if not jax.tree.leaves(schedule):
        pytest.skip("no numeric hyperparameters to batch")
    other = _float_leaves_scaled(schedule, 0.5)
    batch = jax.tree.map(lambda a, b: jnp.stack([jnp.asarray(a), jnp.asarray(b)]), schedule, other)
    got = jax.vmap(lambda s: s(STEPS))(batch)
    np.testing.assert_allclose(np.asarray(got[0]), np.asarray(schedule(STEPS)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(got[1]), np.asarray(other(STEPS)), rtol=1e-6)


@PARAMETRIZE
def test_pickle_round_trip(schedule: js.Schedule) -> None:
    restored = pickle.loads(pickle.dumps(schedule))
    assert restored == schedule
    assert hash(restored) == hash(schedule)
    np.testing.assert_array_equal(np.asarray(restored(STEPS)), np.asarray(schedule(STEPS)))


def _modules_named(data: bytes) -> set[str]:
    """The jaxsched modules a pickle refers to (to find a class or a function)."""
    named, strings = set(), []
    for op, argument, _ in pickletools.genops(data):
        if isinstance(argument, str):
            strings.append(argument)
        if op.name == "GLOBAL":
            named.add(argument.split(" ")[0])
        elif op.name == "STACK_GLOBAL":
            named.add(strings[-2])
    return {m for m in named if m.split(".")[0] == "jaxsched"}


def test_pickles_name_public_paths_only() -> None:
    """A later move of a private module must not break a saved schedule or state."""
    assert [n for n in js.__all__ if getattr(js, n).__module__ != "jaxsched"] == []
    tx = js.inject(optax.adam, learning_rate=EXAMPLES["wsd"], plateau=js.ReduceOnPlateau())
    saved = [*EXAMPLES.values(), js.CosineDecay, tx.init({"w": jnp.zeros(2)})]
    saved.append(js.describe(EXAMPLES["join"], total_steps=20))
    named = set().union(*(_modules_named(pickle.dumps(x)) for x in saved))
    assert named == {"jaxsched"}


@PARAMETRIZE
def test_equal_schedule_does_not_retrace(schedule: js.Schedule) -> None:
    traces = []

    def step_fn(s: js.Schedule, t: jax.Array) -> jax.Array:
        traces.append(None)
        return s(t)

    static = jax.jit(step_fn, static_argnums=0)
    static(schedule, 3)
    static(copy.deepcopy(schedule), 3)
    assert len(traces) == 1

    traces.clear()
    as_argument = jax.jit(step_fn)
    as_argument(schedule, 3)
    as_argument(_float_leaves_scaled(schedule, 0.5), 3)  # new values, same structure
    assert len(traces) == 1


@PARAMETRIZE
def test_value_semantics(schedule: js.Schedule) -> None:
    assert schedule == copy.deepcopy(schedule)
    assert repr(schedule).startswith(type(schedule).__name__ + "(")
    with pytest.raises(TypeError, match="call it with a step"):
        float(schedule)
    with pytest.raises(dataclasses_frozen_error()):
        schedule.x = 1  # type: ignore[attr-defined]


def dataclasses_frozen_error() -> type[Exception]:
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_schedules_differ_by_value_and_by_structure() -> None:
    assert js.Constant(0.1) != js.Constant(0.2)
    assert js.Constant(0.1) == js.Constant(0.1)
    assert js.ExponentialDecay(1.0, 5, 0.5) != js.ExponentialDecay(1.0, 5, 0.5, staircase=True)
    assert js.Linear(0, 1, 10) == js.Linear(0.0, 1.0, 10)
    assert len({js.Constant(0.1), js.Constant(0.1), js.Constant(0.3)}) == 2


def test_a_sweep_over_peak_values_reuses_one_compiled_step() -> None:
    traces = []

    @jax.jit
    def run(lr: js.Schedule) -> jax.Array:
        traces.append(None)
        tx = js.inject(optax.sgd, learning_rate=lr)
        params = jnp.zeros(())
        state = tx.init(params)
        updates, state = tx.update(jnp.ones(()), state, params)
        return optax.apply_updates(params, updates)

    results = [float(run(js.warmup_cosine_decay(0.0, peak, 0, 100))) for peak in (0.1, 0.2, 0.3)]
    assert len(traces) == 1
    np.testing.assert_allclose(results, [-0.1, -0.2, -0.3], rtol=1e-6)
    peaks = jnp.array([0.1, 0.2, 0.3])
    batched = jax.vmap(lambda p: run(js.warmup_cosine_decay(0.0, p, 0, 100)))(peaks)
    np.testing.assert_allclose(np.asarray(batched), -np.asarray(peaks), rtol=1e-6)


def test_gradient_with_respect_to_a_hyperparameter() -> None:
    grad = jax.grad(lambda peak: js.CosineDecay(peak, 100)(50))(2.0)
    np.testing.assert_allclose(float(grad), 0.5, rtol=1e-6)


@pytest.mark.parametrize(
    "step",
    [np.int64(5), np.uint32(5), jnp.int16(5), np.array(5, np.int8), jnp.asarray(5, jnp.uint8)],
)
def test_integer_steps_of_any_dtype(step: object) -> None:
    assert js.Linear(0.0, 1.0, 10)(step) == js.Linear(0.0, 1.0, 10)(5)


@pytest.mark.parametrize("step", [1.0, np.float32(1.0), jnp.asarray(1.0), True, np.array([0.5])])
def test_non_integer_steps_are_refused(step: object) -> None:
    with pytest.raises(TypeError, match="integer"):
        js.Constant(1.0)(step)
