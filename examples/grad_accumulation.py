"""Gradient accumulation with ``optax.MultiSteps``: the schedule counts optimizer updates,
and the last update of the run uses the end value exactly.

Run: python examples/grad_accumulation.py [--microbatches M] [--accumulate K]

Under ``optax.MultiSteps(tx, every_k_schedule=K)`` the inner optimizer, and so its
schedule, advances once every ``K`` micro-batches: a run of ``M`` micro-batches makes
``N = M / K`` optimizer updates (``jaxsched.microbatches_to_updates``), and update ``n``
uses ``schedule(n)`` for ``n = 0 .. N - 1``. So

- ``decay_steps=N - 1`` puts the end value on the run's last update;
- ``decay_steps=N`` reaches it one update after the run (the last update is one step
  short of it);
- ``decay_steps=M``, counted in micro-batches, decays K times too slowly.

``jaxsched.check_horizon`` accepts the first two and warns about the third. The example
trains a linear model under each of the first two in one ``lax.scan`` over micro-batches,
reads the learning rate from the ``MultiSteps`` state after every micro-batch, and checks
all of the above.
"""

from __future__ import annotations

import argparse
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched

PEAK, END = 0.1, 1e-4


def make_schedule(warmup: int, decay_steps: int) -> jaxsched.Schedule:
    return jaxsched.warmup_cosine_decay(0.0, PEAK, warmup, decay_steps, end_value=END)


def train(schedule: jaxsched.Schedule, accumulate: int, x: jax.Array, y: jax.Array) -> dict:
    """One ``lax.scan`` over the micro-batches ``x[i], y[i]``; returns what the optimizer
    state says after each: its update count and the learning rate of its last update."""
    tx = optax.MultiSteps(
        jaxsched.inject(optax.adamw, learning_rate=schedule, weight_decay=1e-4),
        every_k_schedule=accumulate,
    )

    def loss_fn(params, x, y):
        return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)

    def microbatch(carry, batch):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, *batch)
        # MultiSteps returns zero updates until the K-th micro-batch, then the real one.
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        return (params, opt_state), {
            "loss": loss,
            "update_count": jaxsched.update_count(opt_state),
            "learning_rate": jaxsched.lr_applied(opt_state),
        }

    @jax.jit
    def run(x, y):
        params = {"w": jnp.zeros(x.shape[-1]), "b": jnp.zeros([])}
        _, metrics = jax.lax.scan(microbatch, (params, tx.init(params)), (x, y))
        return metrics

    return jax.device_get(run(x, y))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--microbatches", type=int, default=2000, help="micro-batches in the run")
    parser.add_argument("--accumulate", type=int, default=4, help="micro-batches per update")
    parser.add_argument("--microbatch-size", type=int, default=16, help="examples per micro-batch")
    args = parser.parse_args(argv)
    k = args.accumulate

    updates = jaxsched.microbatches_to_updates(args.microbatches, accumulation_steps=k)
    warmup = jaxsched.fraction_to_updates(0.05, updates, rounding="ceil")
    print(f"{args.microbatches} micro-batches, {k} per update: a run of {updates} updates")

    on_end = make_schedule(warmup, decay_steps=updates - 1)
    one_short = make_schedule(warmup, decay_steps=updates)
    in_microbatches = make_schedule(warmup, decay_steps=args.microbatches)
    with warnings.catch_warnings():
        warnings.simplefilter("error", jaxsched.HorizonWarning)  # both are right: quiet
        jaxsched.check_horizon(on_end, planned_updates=updates)
        jaxsched.check_horizon(one_short, planned_updates=updates)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jaxsched.check_horizon(in_microbatches, planned_updates=updates)
    assert [w.category for w in caught] == [jaxsched.HorizonWarning], caught
    print(f"decay_steps={args.microbatches} (micro-batches) -> {caught[0].message}")

    kx, kw = jax.random.split(jax.random.key(0))
    x = jax.random.normal(kx, (args.microbatches, args.microbatch_size, 8))
    y = x @ jax.random.normal(kw, (8,))

    # Updates made after each micro-batch: the count, and so the schedule, moves once every k.
    made = np.arange(1, args.microbatches + 1) // k
    for name, schedule in [("decay_steps=N-1", on_end), ("decay_steps=N", one_short)]:
        log = train(schedule, k, x, y)
        np.testing.assert_array_equal(log["update_count"], made)
        # Between updates the state reports the last update's rate (NaN before the first);
        # evaluated in the compiled step and by preview, the last bit may differ: rtol.
        curve = jaxsched.preview(schedule, updates)
        expected = np.where(made > 0, curve[np.maximum(made - 1, 0)], np.nan)
        np.testing.assert_allclose(log["learning_rate"], expected, rtol=1e-6)
        last = log["learning_rate"][-1]
        print(
            f"{name:16s} last update ({updates - 1}) used lr {last:.6e}; "
            f"end value {np.float32(END):.6e}; loss {log['loss'][0]:.3f} -> {log['loss'][-1]:.2e}"
        )
        if schedule is on_end:
            assert last == np.float32(END), "the last update must use the end value exactly"
        else:
            assert last > np.float32(END), "decay_steps=N stops one update short of the end"
            assert schedule(updates) == np.float32(END)  # reached one update after the run
        assert log["loss"][-1] < log["loss"][0] / 10, "the regression did not train"


if __name__ == "__main__":
    main()
