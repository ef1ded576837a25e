"""Log the learning rate and the other hyperparameters every update, from inside ``jit``.

Run: python examples/log_from_jit.py [--steps N] [--log-every K]

AdamW with a scheduled learning rate (warmup + cosine) and a scheduled weight decay (rising
along a cosine, as in DINO) is trained in one ``lax.scan``: no Python between updates, so
the values must be read inside the compiled step. Two ways, both from the optimizer state:

1. return them as metrics: ``jaxsched.lr_metrics(opt_state)`` (every injected
   hyperparameter, the update count and Adam's effective step size),
   ``jaxsched.hyperparam_applied`` and ``jaxsched.adam_step_size``; ``scan`` stacks them;
2. send them to a logger as they happen, with ``jax.debug.callback`` (ordered).

The example checks that both give the same numbers and that these are the schedules'
values and Adam's step size ``lr * sqrt(1 - b2**t) / (1 - b1**t)`` for every update.
"""

from __future__ import annotations

import argparse
import logging
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched

logger = logging.getLogger("train")


class MetricsLog:
    """Receives every update's metrics from the device; prints every ``every``-th."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.records: list[dict[str, np.ndarray]] = []

    def __call__(self, metrics: dict[str, np.ndarray]) -> None:
        self.records.append(metrics)
        n = int(metrics["update_count"]) - 1  # the update these values were used by
        if n % self.every == 0:
            logger.info(
                "update %5d  loss %.4f  lr %.3e  weight decay %.4f  adam step %.3e",
                n,
                metrics["loss"],
                metrics["learning_rate"],
                metrics["weight_decay"],
                metrics["adam_step_size"],
            )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="optimizer updates")
    parser.add_argument("--log-every", type=int, default=50, help="print every K updates")
    args = parser.parse_args(argv)

    n = args.steps
    lr = jaxsched.warmup_cosine_decay(0.0, 1e-2, n // 10, decay_steps=n - 1, end_value=1e-4)
    weight_decay = jaxsched.CosineDecay(0.04, decay_steps=n - 1, end_value=0.4)
    tx = jaxsched.inject(optax.adamw, learning_rate=lr, weight_decay=weight_decay, b1=0.8)
    print(f"learning rate: {lr}\nweight decay: {weight_decay}")

    kx, kw = jax.random.split(jax.random.key(0))
    x = jax.random.normal(kx, (256, 16))
    y = jnp.tanh(x @ jax.random.normal(kw, (16,)))
    log = MetricsLog(args.log_every)

    def step(carry, _):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(lambda p: jnp.mean((jnp.tanh(x @ p) - y) ** 2))(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        metrics = {"loss": loss, **jaxsched.lr_metrics(opt_state)}
        # The same values, one by one, as a training loop that logs only some would ask.
        metrics["weight_decay_applied"] = jaxsched.hyperparam_applied(opt_state, "weight_decay")
        metrics["adam_step_size_applied"] = jaxsched.adam_step_size(opt_state)
        jax.debug.callback(log, metrics, ordered=True)  # way 2: to the logger, every update
        return (params, opt_state), metrics  # way 1: returned, stacked by scan

    @jax.jit
    def run(params):
        _, history = jax.lax.scan(step, (params, tx.init(params)), length=n)
        return history

    history = jax.device_get(run(jnp.zeros(16)))
    jax.effects_barrier()  # every callback has run

    # Way 2 saw every update, in order, with the values way 1 returned.
    assert len(log.records) == n
    for name, values in history.items():
        np.testing.assert_array_equal(np.stack([r[name] for r in log.records]), values)

    np.testing.assert_array_equal(history["update_count"], np.arange(1, n + 1))
    np.testing.assert_array_equal(history["weight_decay_applied"], history["weight_decay"])
    np.testing.assert_array_equal(history["adam_step_size_applied"], history["adam_step_size"])
    # Evaluated in the compiled loop and again by preview: XLA may round the last bit of a
    # cosine differently in the two programs, hence rtol.
    np.testing.assert_allclose(history["learning_rate"], jaxsched.preview(lr, n), rtol=1e-6)
    np.testing.assert_allclose(
        history["weight_decay"], jaxsched.preview(weight_decay, n), rtol=1e-6
    )
    assert np.all(history["b1"] == np.float32(0.8)) and np.all(history["b2"] == np.float32(0.999))
    t = history["update_count"].astype(np.float32)
    b1, b2 = history["b1"], history["b2"]
    expected = history["learning_rate"] * np.sqrt(1 - b2**t) / (1 - b1**t)
    np.testing.assert_allclose(history["adam_step_size"], expected, rtol=1e-5)
    print(
        f"{n} updates logged from inside jit, returned and via jax.debug.callback: the same "
        f"values, equal to the schedules and to Adam's step size formula"
    )
    print("logged names:", ", ".join(sorted(history)))
    assert history["loss"][-1] < history["loss"][0], "the model did not train"


if __name__ == "__main__":
    logging.basicConfig(format="%(message)s", stream=sys.stdout)
    logger.setLevel(logging.INFO)  # this logger's records only, not every library's
    main()
