"""A Flax Linen ``TrainState`` with a one-cycle policy, learning rate and momentum read back.

Run: python examples/flax_linen_trainstate.py [--steps N] [--batch-size B]

Trains a small Linen MLP classifier on two interleaved spirals with SGD (Nesterov) under
PyTorch's one-cycle policy: the learning rate rises then anneals (``jaxsched.OneCycle``)
while the momentum does the opposite (``jaxsched.OneCycleMomentum``). Both are injected
into ``optax.sgd`` with ``jaxsched.inject`` and the optimizer goes into
``TrainState.create(tx=...)`` as any optax optimizer does. The jitted step reads the values
the update used from ``state.opt_state`` and the example checks them against the
schedules, update by update.
"""

from __future__ import annotations

import argparse

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax.training.train_state import TrainState

import jaxsched


class Classifier(nn.Module):
    hidden: int
    classes: int = 2

    @nn.compact
    def __call__(self, x: jax.Array) -> jax.Array:
        x = nn.relu(nn.Dense(self.hidden)(x))
        x = nn.relu(nn.Dense(self.hidden)(x))
        return nn.Dense(self.classes)(x)


def spirals(num_examples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spirals, labels 0 and 1."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, num_examples)
    radius = rng.uniform(0.1, 1.0, num_examples)
    angle = 3 * np.pi * radius + np.pi * labels
    points = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    points += 0.02 * rng.normal(size=points.shape)
    return points.astype(np.float32), labels.astype(np.int32)


@jax.jit
def train_step(
    state: TrainState, x: jax.Array, labels: jax.Array
) -> tuple[TrainState, dict[str, jax.Array]]:
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    state = state.apply_gradients(grads=grads)
    metrics = {
        "loss": loss,
        "learning_rate": jaxsched.lr_applied(state.opt_state),
        "momentum": jaxsched.hyperparam_applied(state.opt_state, "momentum"),
        "update_count": jaxsched.update_count(state.opt_state),
    }
    return state, metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600, help="optimizer updates")
    parser.add_argument("--batch-size", type=int, default=128, help="examples per update")
    parser.add_argument("--hidden", type=int, default=64, help="hidden units per layer")
    args = parser.parse_args(argv)

    lr = jaxsched.OneCycle(0.5, total_steps=args.steps, pct_start=0.3)
    momentum = jaxsched.OneCycleMomentum(0.85, 0.95, total_steps=args.steps, pct_start=0.3)
    print(f"learning rate: {lr}\nmomentum: {momentum}")
    jaxsched.check_horizon(lr, planned_updates=args.steps)  # quiet: the lengths agree

    model = Classifier(args.hidden)
    x_train, y_train = spirals(4096, seed=0)
    params = model.init(jax.random.key(0), x_train[:1])["params"]
    tx = jaxsched.inject(optax.sgd, learning_rate=lr, momentum=momentum, nesterov=True)
    state = TrainState.create(apply_fn=model.apply, params=params, tx=tx)
    # Before any update nothing has been applied (optax's own state would show lr(0)).
    assert np.isnan(jaxsched.lr_applied(state.opt_state))
    assert jaxsched.lr_next(state.opt_state) == lr(0)

    rng = np.random.default_rng(1)
    history = []
    for step in range(args.steps):
        batch = rng.integers(0, len(x_train), args.batch_size)
        state, metrics = train_step(state, x_train[batch], y_train[batch])
        metrics = jax.device_get(metrics)
        history.append(metrics)
        if step % max(1, args.steps // 8) == 0 or step == args.steps - 1:
            print(
                f"update {step:5d}  loss {metrics['loss']:.4f}  "
                f"lr {metrics['learning_rate']:.3e}  momentum {metrics['momentum']:.4f}"
            )

    # TrainState counts its own steps; the injected state counts the optimizer's updates.
    assert int(state.step) == int(jaxsched.update_count(state.opt_state)) == args.steps
    np.testing.assert_array_equal(
        [h["update_count"] for h in history], np.arange(1, args.steps + 1)
    )
    used_lr = np.array([h["learning_rate"] for h in history])
    used_momentum = np.array([h["momentum"] for h in history])
    # The schedules are evaluated inside the compiled step and again by preview; XLA may
    # round a cosine's last bit differently in the two programs, hence rtol.
    np.testing.assert_allclose(used_lr, jaxsched.preview(lr, args.steps), rtol=1e-6)
    np.testing.assert_allclose(used_momentum, jaxsched.preview(momentum, args.steps), rtol=1e-6)
    peak = int(np.argmax(used_lr))
    assert used_momentum[peak] == used_momentum.min(), "momentum is lowest where the lr peaks"
    print(
        f"learning rate and momentum read from state.opt_state are the schedules' values "
        f"for updates 0..{args.steps - 1}; peak lr {used_lr[peak]:.3f} at update {peak} "
        f"with momentum {used_momentum[peak]:.2f}"
    )

    logits = state.apply_fn({"params": state.params}, x_train)
    accuracy = float(jnp.mean(jnp.argmax(logits, axis=-1) == y_train))
    print(f"training accuracy {accuracy:.3f}")
    assert accuracy > 0.75, f"the classifier did not learn the spirals (accuracy {accuracy:.3f})"


if __name__ == "__main__":
    main()
