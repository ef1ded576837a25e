"""One-compile sweeps: ``stack`` / ``unstack``, batched evaluation, and ``sweep`` training
a batch of schedules under one ``vmap`` (sharded over simulated devices, in a child)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

import jaxsched as js
from tests.helpers import EXAMPLES, ROOT

STEPS = np.array([0, 1, 2, 3, 5, 8, 13, 21, 34, 2**31 - 1])
WITH_NUMBERS = {name: s for name, s in EXAMPLES.items() if jax.tree.leaves(s)}


def _scaled(schedule: js.Schedule, factor: float) -> js.Schedule:
    """The same structure with every float hyperparameter scaled (ints kept)."""
    return jax.tree.map(lambda x: x * factor if isinstance(x, float) else x, schedule)


def _members(schedule: js.Schedule) -> list[js.Schedule]:
    return [schedule, _scaled(schedule, 0.5), _scaled(schedule, 0.25)]


def test_every_schedule_but_one_without_numbers_is_covered() -> None:
    assert set(EXAMPLES) - set(WITH_NUMBERS) == {"from_function"}


@pytest.mark.parametrize("name", sorted(WITH_NUMBERS))
def test_stack_unstack_round_trip_and_batch_values(name: str) -> None:
    members = _members(WITH_NUMBERS[name])
    stacked = js.stack(members)
    assert type(stacked) is type(members[0])
    assert js.batch_size(stacked) == len(members)
    for leaf, member_leaf in zip(
        jax.tree.leaves(stacked), jax.tree.leaves(members[0]), strict=True
    ):
        assert np.shape(leaf) == (len(members), *np.shape(member_leaf))
    back = js.unstack(stacked)
    assert back == members
    assert [hash(s) for s in back] == [hash(s) for s in members]

    expected = np.stack([np.asarray(m(STEPS)) for m in members])
    got = js.evaluate_batch(stacked, STEPS)
    assert got.dtype == jnp.float32 and got.shape == (len(members), len(STEPS))
    # Vectorised and scalar kernels differ by ulps.
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6, atol=2e-7)


def _rebuilt(schedule: js.Schedule, **leaves: Any) -> js.Schedule:
    """``schedule`` with some leaves replaced as JAX rebuilds it: no constructor checks."""
    flat, treedef = jax.tree_util.tree_flatten_with_path(schedule)
    new = [leaves.get(jax.tree_util.keystr(path).lstrip("."), leaf) for path, leaf in flat]
    return jax.tree_util.tree_unflatten(treedef, new)


@pytest.mark.parametrize(
    ("members", "path", "dtype", "values", "built"),
    [
        # Python and NumPy numbers, and a device array, of a float field: exact in float64.
        (
            [
                js.Constant(0.1),
                _rebuilt(js.Constant(1.0), value=np.float32(0.3)),
                _rebuilt(js.Constant(1.0), value=jnp.asarray(0.7, jnp.float32)),
            ],
            "value",
            np.float64,
            [0.1, float(np.float32(0.3)), float(np.float32(0.7))],
            [js.Constant(0.1), js.Constant(np.float32(0.3)), js.Constant(np.float32(0.7))],
        ),
        # An int left in a float field (the check would have made it 2.0).
        (
            [js.Constant(0.5), _rebuilt(js.Constant(1.0), value=2)],
            "value",
            np.float64,
            [0.5, 2.0],
            [js.Constant(0.5), js.Constant(2)],
        ),
        # A whole float left in a step field: the field's check says int.
        (
            [js.Linear(0.0, 1.0, 10), _rebuilt(js.Linear(0.0, 1.0, 10), transition_steps=12.0)],
            "transition_steps",
            np.int64,
            [10, 12],
            [js.Linear(0.0, 1.0, 10), js.Linear(0.0, 1.0, 12)],
        ),
        # Ints of different widths.
        (
            [js.StepDecay(1.0, 7, 0.5), _rebuilt(js.StepDecay(1.0, 7, 0.5), step_size=np.int32(9))],
            "step_size",
            np.int64,
            [7, 9],
            [js.StepDecay(1.0, 7, 0.5), js.StepDecay(1.0, 9, 0.5)],
        ),
    ],
)
def test_mixed_leaves_stack_to_the_dtype_the_schedule_uses(
    members: list[js.Schedule], path: str, dtype: type, values: list[Any], built: list[Any]
) -> None:
    stacked = js.stack(members)
    leaf = getattr(stacked, path)
    assert leaf.dtype == dtype
    assert leaf.tolist() == values
    # Each member comes back as its constructor makes it from the same numbers.
    assert js.unstack(stacked) == built
    expected = np.stack([np.asarray(m(STEPS)) for m in members])
    np.testing.assert_allclose(np.asarray(js.evaluate_batch(stacked, STEPS)), expected, rtol=1e-6)


def test_a_schedule_built_under_vmap_is_a_stacked_schedule() -> None:
    peaks = [1e-3, 1e-2, 1e-1]
    members = [js.warmup_cosine_decay(0.0, p, 20, 200) for p in peaks]
    built = jax.vmap(lambda p: js.warmup_cosine_decay(0.0, p, 20, 200))(jnp.asarray(peaks))
    # Every leaf comes back batched, lengths included: the same value as stack's.
    assert all(np.shape(leaf) == (3,) for leaf in jax.tree.leaves(built))
    assert built == js.stack(members)
    assert js.unstack(built) == members


def test_stack_inside_jit_stacks_traced_members() -> None:
    members = [js.Linear(0.0, p, 10) for p in (0.5, 1.0)]
    stacked = jax.jit(lambda a, b: js.stack([a, b]))(*members)
    assert stacked.end_value.dtype == jnp.float32
    assert stacked.transition_steps.dtype == jnp.int32
    assert js.unstack(stacked) == members


def test_numbers_added_after_stacking_are_shared() -> None:
    members = [js.CosineDecay(p, 10) for p in (0.2, 0.4, 0.8)]
    stacked = 0.5 * js.stack(members)
    axes = js.batch_axes(stacked)
    assert axes.factor is None and axes.schedule.init_value == 0
    # Plain vmap maps every leaf, and the shared factor has no axis to map.
    with pytest.raises(ValueError, match="rank should be at least 1"):
        jax.vmap(lambda s: s(3))(stacked)
    got = jax.vmap(lambda s: s(STEPS), in_axes=(axes,))(stacked)
    expected = np.stack([np.asarray((0.5 * m)(STEPS)) for m in members])
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    for evaluated in (
        js.evaluate_batch(stacked, STEPS),
        jax.jit(js.evaluate_batch)(stacked, STEPS),
    ):
        np.testing.assert_allclose(np.asarray(evaluated), expected, rtol=1e-6)
    assert js.unstack(stacked) == [0.5 * m for m in members]


def test_calling_a_stacked_table_directly_mixes_members_and_evaluate_batch_does_not() -> None:
    members = [js.PiecewiseConstant([2], [1.0, low]) for low in (0.5, 0.1)]
    stacked = js.stack(members)
    assert js.evaluate_batch(stacked, 5).tolist() == [float(m(5)) for m in members]
    assert stacked(5).tolist() != [float(m(5)) for m in members]  # why the helper exists


def _cosine(i: int, **changes: Any) -> js.Schedule:
    return js.Warmup(js.ExponentialDecay(1.0 + i, 5, 0.5, **changes), warmup_steps=3)


@pytest.mark.parametrize(
    ("schedules", "error", "match"),
    [
        ([js.Constant(0.1), js.Linear(0.0, 1.0, 10)], ValueError,
         r"^stack: schedules\[1\] is a Linear, where schedules\[0\] is a Constant\. Only numbers"),
        ([_cosine(0), _cosine(1), _cosine(2), _cosine(3, staircase=True)], ValueError,
         r"^stack: schedules\[3\]\.schedule\.staircase is True, where "
         r"schedules\[0\]\.schedule\.staircase is False\."),
        ([js.PiecewiseConstant([5], [1.0, 0.5]), js.PiecewiseConstant([5, 9], [1.0, 0.5, 0.1])],
         ValueError,
         r"^stack: schedules\[1\]\.boundaries has shape \(2,\), where "
         r"schedules\[0\]\.boundaries has shape \(1,\)\."),
        ([js.CosineDecay(1.0, 10), js.CosineDecay(1.0, 10, alpha=0.1)], ValueError,
         r"^stack: schedules\[1\]\.alpha is the number 0\.1, where schedules\[0\]\.alpha is "
         r"None \(not given\)\."),
        ([js.Constant(1.0) + js.Constant(2.0), js.Constant(1.0) + js.Linear(0.0, 1.0, 3)],
         ValueError, r"^stack: schedules\[1\]\.schedules\[1\] is a Linear, where"),
        ([js.Join([js.Constant(1.0)] * 2, [4]), js.Join([js.Constant(1.0)] * 3, [4, 6])],
         ValueError, r"^stack: schedules\[1\]\.schedules has 3 entries, where "
         r"schedules\[0\]\.schedules has 2\."),
        ([js.FromFunction(np.cos)] * 2, ValueError,
         r"^stack: schedules\[0\] \(FromFunction\) has no numbers to stack"),
        ([], ValueError, r"^stack: schedules is empty\. Pass at least one schedule\.$"),
        (js.Constant(0.1), TypeError, r"^stack: schedules must be a list of schedules, got "
         r"Constant\(value=0\.1\)\. Pass a list"),
        ([js.Constant(0.1), 0.2], TypeError,
         r"^stack: schedules\[1\] must be a jaxsched schedule, got schedules\[1\]=0\.2\."),
    ],
)  # fmt: skip
def test_stack_names_the_first_difference(schedules: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        js.stack(schedules)


_STACKED = js.stack([js.CosineDecay(p, 10) for p in (0.2, 0.4, 0.8)])


@pytest.mark.parametrize("function", [js.unstack, js.batch_size, js.batch_axes])
@pytest.mark.parametrize(
    ("stacked", "error", "match"),
    [
        (js.CosineDecay(0.1, 10), ValueError,
         r": stacked has no batch axis: every hyperparameter of CosineDecay is a single "
         r"number\. Build a batch with jaxsched\.stack"),
        (js.Join([_STACKED, _STACKED], [5]), ValueError,
         r": stacked\.boundaries has shape \(1,\), whose first axis is not the batch axis of "
         r"length 3 that stacked\.schedules\[0\]\.init_value \(shape \(3,\)\) has\. .*Stack "
         r"whole schedules"),
        ([_STACKED], TypeError, r": stacked must be a stacked schedule, got \[CosineDecay"),
    ],
)  # fmt: skip
def test_unstacked_input_is_refused(function: Any, stacked: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=f"^{function.__name__}{match}"):
        function(stacked)


def test_evaluate_batch_refuses_what_a_call_refuses() -> None:
    with pytest.raises(ValueError, match=r"^evaluate_batch: stacked has no batch axis"):
        js.evaluate_batch(js.Constant(0.1), 3)
    with pytest.raises(TypeError, match="must be an integer"):
        js.evaluate_batch(_STACKED, 1.5)


@pytest.mark.parametrize(
    ("fn", "devices", "error", "match"),
    [
        (_STACKED, None, TypeError, r"^sweep: fn must be a function of \(schedule, \*args\)"),
        (len, [], TypeError, r"^sweep: devices must be a non-empty list of devices, got \[\]"),
        (len, jax.devices()[0], TypeError, r"^sweep: devices must be a non-empty list"),
        (len, ["cpu"], TypeError, r"^sweep: devices\[0\] must be a jax\.Device, got 'cpu'"),
    ],
)
def test_sweep_refuses_bad_arguments(fn: Any, devices: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        js.sweep(fn, devices=devices)


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).standard_normal((64, 4)).astype(np.float32)
    return x, x @ np.array([1.0, -2.0, 0.5, 3.0], np.float32)


def _train(schedule: js.Schedule, x: jax.Array, y: jax.Array) -> jax.Array:
    """The final loss of 40 Adam updates of a linear regression (traceable)."""
    tx = js.inject(optax.adam, learning_rate=schedule)
    loss = lambda w: jnp.mean((x @ w - y) ** 2)  # noqa: E731

    def body(carry: Any, _: Any) -> tuple[Any, None]:
        w, state = carry
        updates, state = tx.update(jax.grad(loss)(w), state, w)
        return (optax.apply_updates(w, updates), state), None

    w = jnp.zeros(4)
    (w, _), _ = jax.lax.scan(body, (w, tx.init(w)), None, length=40)
    return loss(w)


def test_64_schedules_train_in_one_compile_and_equal_64_separate_runs() -> None:
    traces = []

    def train(schedule: js.Schedule, x: jax.Array, y: jax.Array) -> jax.Array:
        traces.append(None)
        return _train(schedule, x, y)

    peaks = np.geomspace(1e-3, 3e-1, 64)
    members = [js.warmup_cosine_decay(0.0, float(p), 5, 40) for p in peaks]
    x, y = _data()
    run = js.sweep(train)
    losses = run(js.stack(members), x, y)
    assert len(traces) == 1 and losses.shape == (64,)
    run(js.stack(members[::-1]), x, y)  # other numbers, same structure: no new trace
    assert len(traces) == 1

    alone = jax.jit(_train)
    separate = np.array([alone(m, x, y) for m in members])
    assert np.ptp(separate) > 0.1 * np.max(separate)  # the peaks matter
    np.testing.assert_allclose(np.asarray(losses), separate, rtol=2e-4, atol=1e-6)


SHARDED = textwrap.dedent(
    """
    import jax
    import numpy as np

    jax.config.update("jax_numpy_dtype_promotion", "strict")
    jax.config.update("jax_numpy_rank_promotion", "raise")

    import jaxsched as js
    from tests.tools.test_sweep import _data, _train

    assert jax.device_count() == 8, jax.devices()
    x, y = _data()
    # 12 members over 8 devices: the last device gets padding.
    members = [js.warmup_cosine_decay(0.0, float(p), 5, 40) for p in np.geomspace(1e-3, 3e-1, 12)]
    stacked = js.stack(members)
    sharded = js.sweep(_train, devices=jax.devices())(stacked, x, y)
    plain = js.sweep(_train)(stacked, x, y)
    assert sharded.shape == plain.shape == (12,), (sharded.shape, plain.shape)
    assert len(sharded.sharding.device_set) == 8, sharded.sharding
    np.testing.assert_allclose(np.asarray(sharded), np.asarray(plain), rtol=1e-6, atol=1e-7)
    print("ok", np.asarray(sharded).tolist())
    """
)


def test_sharded_over_8_devices_equals_unsharded() -> None:
    # The device count is fixed when JAX starts: a child process with its own flags.
    flags = f"{os.environ.get('XLA_FLAGS', '')} --xla_force_host_platform_device_count=8"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", SHARDED],
        cwd=ROOT,
        env={**os.environ, "XLA_FLAGS": flags.strip(), "JAX_PLATFORMS": "cpu"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert result.stdout.startswith("ok"), result.stdout
