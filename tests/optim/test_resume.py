"""The resume check: a restored optimizer state against the schedule rebuilt for it."""

from __future__ import annotations

import pickle

import jax
import jax.numpy as jnp
import optax
import pytest

import jaxsched as js

LR = js.warmup_cosine_decay(0.0, 1e-3, warmup_steps=10, decay_steps=100)
PARAMS = {"w": jnp.ones(2)}


def trained(schedule: js.Schedule, updates: int) -> js.ScheduledState:
    tx = js.inject(optax.adam, learning_rate=schedule)
    state = tx.init(PARAMS)
    for _ in range(updates):
        _, state = tx.update(PARAMS, state, PARAMS)
    return state


def test_a_state_restored_into_its_target_agrees() -> None:
    state = trained(LR, 30)
    target = js.inject(optax.adam, learning_rate=LR).init(PARAMS)
    restored = jax.tree.unflatten(jax.tree.structure(target), jax.tree.leaves(state))
    assert js.check_resume(restored, LR, step=30, saved=LR) == 30
    # A longer run changes the schedule only after update 30: no jump, accepted.
    longer = js.warmup_cosine_decay(0.0, 1e-3, warmup_steps=10, decay_steps=100)
    assert js.check_resume(restored, longer, step=30) == 30


@pytest.mark.parametrize(
    ("state", "schedule", "options", "pattern"),
    [
        (
            trained(LR, 0),
            LR,
            {"step": 30},
            r"made 0 updates but the run resumes at update 30: the state was initialised, not restored",
        ),
        (trained(LR, 20), LR, {"step": 30}, r"made 20 updates .* saved at another step"),
        (
            pickle.loads(pickle.dumps(trained(LR, 30))),
            js.CosineDecay(1e-3, decay_steps=100),
            {},
            r"at update 30 the restored state's learning_rate is 0\.000\d+ but the schedule you rebuilt gives .*holds another schedule",
        ),
        (
            trained(LR, 30),
            LR,
            {"saved": js.CosineDecay(1e-3, decay_steps=100)},
            r"the saved schedule gives learning_rate = .* the rate would jump",
        ),
    ],
)
def test_a_disagreement_is_caught(state, schedule, options: dict, pattern: str) -> None:
    with pytest.raises(ValueError, match=pattern):
        js.check_resume(state, schedule, **options)


def test_groups_must_be_named() -> None:
    tx = optax.multi_transform(
        {"a": js.inject(optax.sgd, learning_rate=LR), "b": js.inject(optax.sgd, learning_rate=LR)},
        {"w": "a", "v": "b"},
    )
    state = tx.init({"w": jnp.ones(1), "v": jnp.ones(1)})
    with pytest.raises(
        LookupError,
        match=r"2 injected states hold 'learning_rate' \(groups \['a', 'b'\]\); pass group",
    ):
        js.check_resume(state, LR)
    assert js.check_resume(state, LR, group="a", step=0) == 0
    with pytest.raises(LookupError, match=r"no state built by jaxsched.inject with 'momentum'"):
        js.check_resume(state, LR, hyperparam="momentum", group="a")
