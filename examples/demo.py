"""A Flax NNX training loop with a jaxsched schedule, reading the learning rate back.

Run: python examples/demo.py [--steps N] [--plot PATH]

Fits a small MLP to a noisy sine with AdamW under a warmup + cosine schedule. The
learning rate, Adam's effective step size and the loss are read from the optimizer state
inside the jitted step (no recomputation on the host) and printed; a plot is written when
matplotlib is installed.
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
    def __init__(self, rngs: nnx.Rngs) -> None:
        self.hidden = nnx.Linear(1, 64, rngs=rngs)
        self.out = nnx.Linear(64, 1, rngs=rngs)

    def __call__(self, x: jax.Array) -> jax.Array:
        return self.out(nnx.gelu(self.hidden(x)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="optimizer updates")
    parser.add_argument("--plot", default="demo_schedule.png", help="where to write the plot")
    args = parser.parse_args()

    warmup = jaxsched.fraction_to_updates(0.1, args.steps, rounding="round")
    lr = jaxsched.warmup_cosine_decay(0.0, 1e-2, warmup, decay_steps=args.steps, end_value=1e-4)
    jaxsched.check_horizon(lr, planned_updates=args.steps)  # quiet: the lengths agree

    model = MLP(nnx.Rngs(0))
    optimizer = nnx.Optimizer(
        model, jaxsched.inject(optax.adamw, learning_rate=lr, weight_decay=1e-4), wrt=nnx.Param
    )
    x = jnp.linspace(-3, 3, 256)[:, None]
    y = jnp.sin(x) + 0.1 * jax.random.normal(jax.random.key(1), x.shape)

    @nnx.jit
    def train_step(model: MLP, optimizer: nnx.Optimizer) -> dict[str, jax.Array]:
        loss, grads = nnx.value_and_grad(lambda m: jnp.mean((m(x) - y) ** 2))(model)
        optimizer.update(model, grads)
        return {"loss": loss, **jaxsched.lr_metrics(optimizer)}

    history = []
    for step in range(args.steps):
        metrics = jax.device_get(train_step(model, optimizer))
        history.append(metrics)
        if step % (args.steps // 10) == 0 or step == args.steps - 1:
            print(
                f"update {int(metrics['update_count']):5d}  loss {metrics['loss']:.4f}  "
                f"lr {metrics['learning_rate']:.2e}  adam step {metrics['adam_step_size']:.2e}"
            )

    used = np.array([h["learning_rate"] for h in history])
    expected = np.asarray(lr(np.arange(args.steps)))
    # Compiled and eager evaluation of the same formula may differ in the last bit.
    np.testing.assert_allclose(used, expected, rtol=1e-6)
    print(
        f"the {args.steps} learning rates read from the optimizer state are "
        f"lr(0..{args.steps - 1}) (largest difference "
        f"{np.max(np.abs(used - expected)) / np.max(expected):.1e} of the peak)"
    )

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no plot (pip install -e '.[demo]')")
        return
    fig, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(7, 5))
    top.plot(used, label="learning rate (read from the state)")
    top.plot([h["adam_step_size"] for h in history], label="Adam effective step size")
    top.set_ylabel("value")
    top.legend()
    bottom.semilogy([h["loss"] for h in history])
    bottom.set_ylabel("loss")
    bottom.set_xlabel("optimizer update")
    fig.tight_layout()
    fig.savefig(args.plot, dpi=100)
    print(f"wrote {args.plot}")


if __name__ == "__main__":
    main()
