"""An Equinox MLP trained with a jaxsched schedule; the learning rate read back inside ``filter_jit``.

Run: python examples/equinox_mlp.py [--steps N] [--batch-size B]

Fits an ``eqx.nn.MLP`` to a 2-D function with
``optax.chain(optax.clip_by_global_norm(1.0), jaxsched.inject(optax.adamw, ...))``. The
schedule is written phase by phase, by length: a linear warmup, then a cosine decay that
ends on the run's last update (``jaxsched.phases`` computes the boundary). The jitted step
returns ``jaxsched.lr_metrics(opt_state)``, found inside the chain, and the example checks
it against the schedule, update by update, and the phase boundary in the log.
"""

from __future__ import annotations

import argparse

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched


def target(x: jax.Array) -> jax.Array:
    return jnp.sin(2 * x[..., 0]) * jnp.cos(x[..., 1])


def loss_fn(model: eqx.nn.MLP, x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((jax.vmap(model)(x) - y) ** 2)


@eqx.filter_jit
def train_step(
    model: eqx.nn.MLP,
    opt_state: optax.OptState,
    optimizer: optax.GradientTransformation,
    x: jax.Array,
    y: jax.Array,
) -> tuple[eqx.nn.MLP, optax.OptState, dict[str, jax.Array]]:
    loss, grads = eqx.filter_value_and_grad(loss_fn)(model, x, y)
    updates, opt_state = optimizer.update(grads, opt_state, eqx.filter(model, eqx.is_array))
    model = eqx.apply_updates(model, updates)
    return model, opt_state, {"loss": loss, **jaxsched.lr_metrics(opt_state)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="optimizer updates")
    parser.add_argument("--warmup", type=int, default=50, help="warmup updates")
    parser.add_argument("--batch-size", type=int, default=128, help="examples per update")
    parser.add_argument("--width", type=int, default=64, help="hidden units per layer")
    args = parser.parse_args(argv)

    peak = 3e-3
    schedule = jaxsched.phases(
        jaxsched.Linear(0.0, peak, transition_steps=args.warmup),
        # Ends at update steps - 1, the run's last: it uses the floor.
        jaxsched.CosineDecay(peak, decay_steps=args.steps - 1 - args.warmup, alpha=0.05),
    )
    print(f"schedule: {schedule}")
    jaxsched.check_horizon(schedule, planned_updates=args.steps)  # quiet: the lengths agree

    model = eqx.nn.MLP(
        2, "scalar", args.width, depth=2, activation=jax.nn.gelu, key=jax.random.key(0)
    )
    optimizer = optax.chain(
        optax.clip_by_global_norm(1.0),
        jaxsched.inject(optax.adamw, learning_rate=schedule, weight_decay=1e-4),
    )
    opt_state = optimizer.init(eqx.filter(model, eqx.is_array))

    key = jax.random.key(1)
    history = []
    for step in range(args.steps):
        key, batch_key = jax.random.split(key)
        x = jax.random.uniform(batch_key, (args.batch_size, 2), minval=-2.0, maxval=2.0)
        model, opt_state, metrics = train_step(model, opt_state, optimizer, x, target(x))
        metrics = jax.device_get(metrics)
        history.append(metrics)
        if step in (0, args.warmup - 1, args.warmup) or step % max(1, args.steps // 5) == 0:
            print(
                f"update {step:5d}  loss {metrics['loss']:.4f}  "
                f"lr {metrics['learning_rate']:.3e}  adam step {metrics['adam_step_size']:.3e}"
            )

    used = np.array([h["learning_rate"] for h in history])
    # Evaluated in the compiled step and again by preview: XLA may round the last bit of a
    # cosine differently in the two programs, hence rtol.
    np.testing.assert_allclose(used, jaxsched.preview(schedule, args.steps), rtol=1e-6)
    assert used[args.warmup] == np.float32(peak), "the cosine phase starts at the peak"
    assert used.argmax() == args.warmup, "the peak is first reached right after the warmup"
    np.testing.assert_allclose(used[-1], 0.05 * peak, rtol=1e-6)
    print(
        f"learning rates read from the chained optimizer state are schedule(0..{args.steps - 1}): "
        f"warmup to {peak:g} at update {args.warmup}, floor {used[-1]:.2e} at the last update"
    )
    losses = np.array([h["loss"] for h in history])
    assert losses[-10:].mean() < losses[:10].mean(), "the model did not train"


if __name__ == "__main__":
    main()
