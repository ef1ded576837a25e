"""A staircase that decays every 25 epochs, not every 25 updates.

Run: python examples/per_epoch_staircase.py [--epochs E] [--decay-epochs D]

The Keras user's problem: ``ExponentialDecay(1e-3, decay_steps=25, decay_rate=0.95,
staircase=True)`` was meant to hold the learning rate for 25 epochs, but schedules count
optimizer updates, and with 1000 examples in batches of 32 an epoch is 32 updates: the
first stair came after 25 updates, in the first epoch. Here the same training run (a small
tanh MLP fitting ``x**2`` with Adam, 50 epochs) is set up in epochs:

- ``jaxsched.steps_per_epoch(1000, 32)`` is 32 (the partial last batch of 8 is an update);
- the stair length is ``jaxsched.epochs_to_updates(25, steps_per_epoch)`` updates, or the
  Keras schedule is kept as written, in epochs, inside ``jaxsched.PerEpoch``: same values;
- ``jaxsched.check_horizon(..., steps_per_epoch=...)`` warns about the original and is
  quiet about the fix.

The training loop reads the learning rate back from the optimizer state after every update
and checks that it is constant within each epoch and drops exactly at epoch 25.
"""

from __future__ import annotations

import argparse
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched


def init_mlp(key: jax.Array, sizes: tuple[int, ...]) -> list[dict[str, jax.Array]]:
    layers = []
    keys = jax.random.split(key, len(sizes) - 1)
    for layer_key, n_in, n_out in zip(keys, sizes[:-1], sizes[1:], strict=True):
        w = jax.random.normal(layer_key, (n_in, n_out)) * jnp.sqrt(1.0 / n_in)
        layers.append({"w": w, "b": jnp.zeros(n_out)})
    return layers


def mlp(layers: list[dict[str, jax.Array]], x: jax.Array) -> jax.Array:
    for layer in layers[:-1]:
        x = jnp.tanh(x @ layer["w"] + layer["b"][None, :])
    return x @ layers[-1]["w"] + layers[-1]["b"][None, :]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="epochs of training")
    parser.add_argument("--decay-epochs", type=int, default=25, help="epochs per stair")
    parser.add_argument("--num-examples", type=int, default=1000, help="training examples")
    parser.add_argument("--batch-size", type=int, default=32, help="examples per update")
    args = parser.parse_args(argv)

    spe = jaxsched.steps_per_epoch(args.num_examples, args.batch_size)
    total = jaxsched.epochs_to_updates(args.epochs, steps_per_epoch=spe)
    print(
        f"{args.num_examples} examples in batches of {args.batch_size}: {spe} updates per "
        f"epoch, {total} updates in {args.epochs} epochs"
    )

    # The seed's schedule: decay_steps counts updates, so it decays every 25 updates.
    as_written = jaxsched.ExponentialDecay(1e-3, args.decay_epochs, 0.95, staircase=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = jaxsched.check_horizon(as_written, total, steps_per_epoch=spe)
    print(f"\nAs written: {as_written}\n{report}\n")
    # check_horizon flags a stair whose length in updates divides the run's epochs.
    if args.epochs % args.decay_epochs == 0:
        assert [w.category for w in caught] == [jaxsched.HorizonWarning], caught
    first_drop = int(np.argmax(jaxsched.preview(as_written, total) < np.float32(1e-3)))
    assert first_drop == args.decay_epochs
    print(f"As written, the first stair is at update {first_drop}, in epoch {first_drop // spe}.")

    # The fix, two ways with the same values: lengths converted to updates, or the
    # schedule kept in epochs and stepped once per epoch, as Keras and PyTorch users do.
    stair = jaxsched.epochs_to_updates(args.decay_epochs, steps_per_epoch=spe)
    in_updates = jaxsched.ExponentialDecay(1e-3, stair, 0.95, staircase=True)
    per_epoch = jaxsched.PerEpoch(as_written, steps_per_epoch=spe)
    np.testing.assert_array_equal(
        jaxsched.preview(in_updates, total), jaxsched.preview(per_epoch, total)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", jaxsched.HorizonWarning)
        report = jaxsched.check_horizon(in_updates, total, steps_per_epoch=spe)
    print(f"Fixed: {in_updates}\n  = {per_epoch}\n{report}\n")

    rng = np.random.default_rng(0)
    x_data = (2 * rng.random((args.num_examples, 1))).astype(np.float32)
    y_data = rng.normal(loc=x_data**2, scale=0.05).astype(np.float32)
    params = init_mlp(jax.random.key(0), (1, 10, 10, 1))
    tx = jaxsched.inject(optax.adam, learning_rate=in_updates)
    opt_state = tx.init(params)

    @jax.jit  # compiled twice: once for full batches, once for the partial last one
    def train_step(params, opt_state, x, y):
        loss, grads = jax.value_and_grad(lambda p: jnp.mean((mlp(p, x) - y) ** 2))(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, loss, jaxsched.lr_applied(opt_state)

    lrs, losses = [], []
    for epoch in range(args.epochs):
        order = rng.permutation(args.num_examples)
        epoch_lrs, epoch_losses = [], []
        for start in range(0, args.num_examples, args.batch_size):
            batch = order[start : start + args.batch_size]
            params, opt_state, loss, lr = train_step(
                params, opt_state, x_data[batch], y_data[batch]
            )
            epoch_lrs.append(lr)
            epoch_losses.append(loss)
        lrs.append(np.array(epoch_lrs))
        losses.append(float(np.mean(epoch_losses)))
        if epoch % max(1, args.epochs // 10) == 0 or epoch in (stair // spe - 1, stair // spe):
            print(f"epoch {epoch:3d}  loss {losses[-1]:.4f}  lr {lrs[-1][0]:.4e}")

    assert int(jaxsched.update_count(opt_state)) == total
    for epoch, epoch_lrs in enumerate(lrs):
        assert len(epoch_lrs) == spe
        assert np.all(epoch_lrs == epoch_lrs[0]), f"the lr changed within epoch {epoch}"
        expected = np.float32(1e-3) * np.float32(0.95) ** (epoch // args.decay_epochs)
        np.testing.assert_allclose(epoch_lrs[0], expected, rtol=1e-6)
    changes = [e for e in range(1, args.epochs) if lrs[e][0] != lrs[e - 1][0]]
    assert changes == list(range(args.decay_epochs, args.epochs, args.decay_epochs)), changes
    print(
        f"the learning rate read back is constant within each of the {args.epochs} epochs "
        f"and drops at epochs {changes}"
    )
    assert losses[-1] < losses[0], "the model did not train"


if __name__ == "__main__":
    main()
