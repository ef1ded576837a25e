"""Save a run with orbax mid-way, restore it as a new process would, and continue exactly.

Run: python examples/orbax_resume.py [--steps N] [--save-at S] [--dir PATH]

The train state (parameters and optimizer state) goes to an ``orbax`` ``CheckpointManager``
with the schedule's config beside it (``schedule.to_dict()`` as JSON). A new process
rebuilds the schedule from that config and the optimizer from the schedule, makes an
abstract train state with ``jax.eval_shape``, and restores INTO it: the restored tree then
has the structure of the target, jaxsched's ``ScheduledState`` included, and the
read-out functions find it. (Restored without a target, an optimizer state comes back as
plain containers, and nothing says which schedule it belongs to.)

The example checks that the resumed run uses the very learning rates of an uninterrupted
one, bit for bit, update by update, and ends on the same parameters.
"""

from __future__ import annotations

import argparse
import pathlib
import tempfile
from collections.abc import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
import orbax.checkpoint as ocp

import jaxsched

State = dict  # {"params": ..., "opt_state": ...}


def make_optimizer(schedule: jaxsched.Schedule) -> optax.GradientTransformation:
    return optax.chain(
        optax.clip_by_global_norm(1.0),
        jaxsched.inject(optax.adamw, learning_rate=schedule, weight_decay=1e-4),
    )


def init_state(tx: optax.GradientTransformation) -> State:
    k1, k2 = jax.random.split(jax.random.key(0))
    params = {
        "hidden": {"w": jax.random.normal(k1, (4, 32)) * 0.5, "b": jnp.zeros(32)},
        "out": {"w": jax.random.normal(k2, (32, 1)) * 0.2, "b": jnp.zeros(1)},
    }
    return {"params": params, "opt_state": tx.init(params)}


def batch(step: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The batch of update ``step``: a function of the step, so a resumed run sees the
    batches the uninterrupted one does."""
    x = jax.random.normal(jax.random.fold_in(jax.random.key(1), step), (64, 4))
    return x, jnp.sin(x.sum(axis=1, keepdims=True))


def make_train_step(tx: optax.GradientTransformation) -> Callable:
    def loss_fn(params, x, y):
        h = jax.nn.gelu(x @ params["hidden"]["w"] + params["hidden"]["b"][None, :])
        return jnp.mean((h @ params["out"]["w"] + params["out"]["b"][None, :] - y) ** 2)

    @jax.jit
    def train_step(state: State, step: jax.Array) -> tuple[State, dict]:
        loss, grads = jax.value_and_grad(loss_fn)(state["params"], *batch(step))
        updates, opt_state = tx.update(grads, state["opt_state"], state["params"])
        params = optax.apply_updates(state["params"], updates)
        metrics = {"loss": loss, "learning_rate": jaxsched.lr_applied(opt_state)}
        return {"params": params, "opt_state": opt_state}, metrics

    return train_step


def train(state: State, train_step: Callable, start: int, stop: int) -> tuple[State, np.ndarray]:
    lrs = []
    for step in range(start, stop):
        state, metrics = train_step(state, jnp.int32(step))
        lrs.append(metrics["learning_rate"])
    return state, np.array(lrs)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300, help="optimizer updates in the run")
    parser.add_argument("--save-at", type=int, default=None, help="update to save at (N/3)")
    parser.add_argument("--dir", default=None, help="checkpoint directory (a new temp dir)")
    args = parser.parse_args(argv)
    save_at = args.steps // 3 if args.save_at is None else args.save_at
    if not 0 < save_at < args.steps:
        parser.error(f"--save-at must be between 1 and --steps - 1, got {save_at}")
    if args.dir is None:
        with tempfile.TemporaryDirectory() as tmp:
            run(args.steps, save_at, pathlib.Path(tmp))
    else:
        run(args.steps, save_at, pathlib.Path(args.dir))


def run(steps: int, save_at: int, directory: pathlib.Path) -> None:
    directory = directory.absolute() / "checkpoints"  # orbax wants an absolute path
    schedule = jaxsched.warmup_cosine_decay(0.0, 1e-2, steps // 10, decay_steps=steps - 1)
    tx = make_optimizer(schedule)
    train_step = make_train_step(tx)

    # The reference: one uninterrupted run.
    straight, straight_lrs = train(init_state(tx), train_step, 0, steps)

    # The interrupted run: train to save_at and save.
    state, first_lrs = train(init_state(tx), train_step, 0, save_at)
    options = ocp.CheckpointManagerOptions(max_to_keep=2)
    with ocp.CheckpointManager(directory, options=options) as manager:
        manager.save(
            save_at,
            args=ocp.args.Composite(
                state=ocp.args.StandardSave(state),
                schedule=ocp.args.JsonSave(schedule.to_dict()),
            ),
        )
        manager.wait_until_finished()
    print(f"saved the train state after update {save_at - 1} in {directory.name}/{save_at}")
    del state, tx, train_step, schedule  # what a new process would not have

    # A new process: the config first, then the optimizer, then the state into its shape.
    with ocp.CheckpointManager(directory) as manager:
        step = manager.latest_step()
        restored = manager.restore(step, args=ocp.args.Composite(schedule=ocp.args.JsonRestore()))
        schedule = jaxsched.from_dict(restored["schedule"])
        tx = make_optimizer(schedule)
        abstract = jax.eval_shape(lambda: init_state(tx))  # shapes only: nothing computed
        restored = manager.restore(
            step, args=ocp.args.Composite(state=ocp.args.StandardRestore(abstract))
        )
        state = restored["state"]
    assert jax.tree.structure(state) == jax.tree.structure(abstract)
    # The resume check: the state was restored (not re-initialised) at the step the loop
    # resumes at, and agrees with the schedule rebuilt from the checkpoint's config.
    assert jaxsched.check_resume(state["opt_state"], schedule, step=step) == save_at
    assert jaxsched.lr_next(state["opt_state"]) == schedule(step)
    # What it catches: a state initialised instead of restored restarts the schedule.
    try:
        jaxsched.check_resume(init_state(tx)["opt_state"], schedule, step=step)
    except ValueError as error:
        print(f"check_resume on a fresh state: {error}")
    else:
        raise AssertionError("check_resume accepted a state that was not restored")
    print(
        f"restored at update {step}: {schedule}; last lr "
        f"{float(jaxsched.lr_applied(state['opt_state'])):.4e}, next "
        f"{float(jaxsched.lr_next(state['opt_state'])):.4e}"
    )

    resumed, resumed_lrs = train(state, make_train_step(tx), step, steps)
    np.testing.assert_array_equal(np.concatenate([first_lrs, resumed_lrs]), straight_lrs)
    for got, want in zip(jax.tree.leaves(resumed), jax.tree.leaves(straight), strict=True):
        np.testing.assert_array_equal(got, want)
    print(
        f"resumed run: the learning rates of updates {step}..{steps - 1} and the final "
        f"parameters equal the uninterrupted run's, bit for bit"
    )


if __name__ == "__main__":
    main()
