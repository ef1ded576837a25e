"""A Flax NNX training loop with a jaxsched schedule, the learning rate read from the optimizer.

Run: python examples/flax_nnx.py [--steps N] [--batch-size B]

Fits a small MLP to a noisy sine with AdamW under warmup-stable-decay (WSD). The optimizer
is ``nnx.Optimizer(model, jaxsched.inject(optax.adamw, ...), wrt=nnx.Param)``; the jitted
training step returns ``jaxsched.lr_metrics(optimizer)``, the learning rate, weight decay
and Adam's effective step size that the update just made used, read from the optimizer
state on the device. The example checks that they are the schedule's values for updates
0, 1, 2, ... and Adam's step size ``lr * sqrt(1 - b2**t) / (1 - b1**t)``.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

import jaxsched


class MLP(nnx.Module):
    def __init__(self, hidden: int, *, rngs: nnx.Rngs) -> None:
        self.hidden = nnx.Linear(1, hidden, rngs=rngs)
        self.out = nnx.Linear(hidden, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.out(nnx.gelu(self.hidden(x)))


@nnx.jit
def train_step(
    model: MLP, optimizer: nnx.Optimizer, x: jax.Array, y: jax.Array
) -> dict[str, jax.Array]:
    def loss_fn(model: MLP) -> jax.Array:
        return jnp.mean((model(x) - y) ** 2)

    loss, grads = nnx.value_and_grad(loss_fn)(model)
    optimizer.update(model, grads)
    # Read after the update: the values that update used, and its number.
    return {"loss": loss, **jaxsched.lr_metrics(optimizer)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400, help="optimizer updates")
    parser.add_argument("--batch-size", type=int, default=64, help="examples per update")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units")
    args = parser.parse_args(argv)

    warmup = jaxsched.fraction_to_updates(0.1, args.steps, rounding="round")
    decay = jaxsched.fraction_to_updates(0.2, args.steps, rounding="round")
    # The floor is reached at warmup + stable + decay = steps - 1: the run's last update.
    schedule = jaxsched.warmup_stable_decay(
        1e-2, warmup, args.steps - 1 - warmup - decay, decay, min_ratio=0.01
    )
    print(f"schedule: {schedule}")
    jaxsched.check_horizon(schedule, planned_updates=args.steps)  # quiet: the lengths agree

    model = MLP(args.hidden, rngs=nnx.Rngs(0))
    tx = jaxsched.inject(optax.adamw, learning_rate=schedule, weight_decay=1e-4)
    optimizer = nnx.Optimizer(model, tx, wrt=nnx.Param)

    rng = np.random.default_rng(0)
    history = []
    for step in range(args.steps):
        x = rng.uniform(-3, 3, size=(args.batch_size, 1)).astype(np.float32)
        y = np.sin(x) + 0.1 * rng.normal(size=x.shape).astype(np.float32)
        metrics = jax.device_get(train_step(model, optimizer, x, y))
        history.append(metrics)
        if step % max(1, args.steps // 8) == 0 or step == args.steps - 1:
            print(
                f"update {int(metrics['update_count']) - 1:5d}  loss {metrics['loss']:.4f}  "
                f"lr {metrics['learning_rate']:.2e}  adam step {metrics['adam_step_size']:.2e}"
            )

    counts = np.array([h["update_count"] for h in history])
    np.testing.assert_array_equal(counts, np.arange(1, args.steps + 1))
    used = np.array([h["learning_rate"] for h in history])
    # The learning rate read back is the schedule's value for that update. The schedule is
    # evaluated inside the compiled step and again by preview; XLA may round the last bit
    # differently in the two programs, hence rtol.
    np.testing.assert_allclose(used, jaxsched.preview(schedule, args.steps), rtol=1e-6)
    floor = schedule(schedule.horizon)  # the value held from the horizon on
    assert used[-1] == floor and used[-2] > floor, "the last update is not the first at the floor"
    assert all(h["weight_decay"] == np.float32(1e-4) for h in history)
    b1, b2 = np.float32(0.9), np.float32(0.999)  # adamw's defaults, read back too
    assert history[0]["b1"] == b1 and history[0]["b2"] == b2
    t = counts.astype(np.float32)
    expected_step = used * np.sqrt(1 - b2**t) / (1 - b1**t)
    step_sizes = np.array([h["adam_step_size"] for h in history])
    np.testing.assert_allclose(step_sizes, expected_step, rtol=1e-5)
    print(
        f"the {args.steps} learning rates read from nnx.Optimizer are "
        f"schedule(0..{args.steps - 1}); Adam's step size matches its formula"
    )
    losses = np.array([h["loss"] for h in history])
    assert losses[-10:].mean() < losses[:10].mean(), "the model did not train"


if __name__ == "__main__":
    main()
