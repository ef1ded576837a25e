"""A jaxsched schedule in a plain optax loop: no framework, one ``lax.scan`` over updates.

Run: python examples/plain_optax.py [--steps N]

A schedule is a callable of the update count, so it goes straight into any optax
optimizer: ``optax.adam(schedule)``. That trains, but the learning rate in use lives only
inside optax's closure. ``jaxsched.inject(optax.adam, learning_rate=schedule)`` builds the
same optimizer, makes bit for bit the same updates, and its state says which learning rate
each update used (``jaxsched.lr_applied``) and which the next one will use
(``jaxsched.lr_next``). The example fits a linear regression both ways inside one
``lax.scan`` each and checks both claims.
"""

from __future__ import annotations

import argparse

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched


def make_data(num_examples: int, dim: int) -> tuple[jax.Array, jax.Array]:
    """A noisy linear regression problem."""
    kx, kw, kn = jax.random.split(jax.random.key(0), 3)
    x = jax.random.normal(kx, (num_examples, dim))
    true_w = jax.random.normal(kw, (dim,))
    return x, x @ true_w + 0.1 * jax.random.normal(kn, (num_examples,))


def loss_fn(params: dict[str, jax.Array], x: jax.Array, y: jax.Array) -> jax.Array:
    return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)


def train(
    tx: optax.GradientTransformation, params: dict[str, jax.Array], steps: int, data: tuple
) -> tuple[dict[str, jax.Array], optax.OptState, dict[str, jax.Array]]:
    """``steps`` full-batch updates in one compiled ``lax.scan``; returns the per-update
    loss and, for an injected optimizer, the learning rate each update used."""
    x, y = data

    def step(carry, _):
        params, opt_state = carry
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        metrics = {"loss": loss}
        if jaxsched.find_injected(opt_state):  # decided while tracing, not per step
            metrics["learning_rate"] = jaxsched.lr_applied(opt_state)
        return (params, opt_state), metrics

    @jax.jit
    def run(params):
        (params, opt_state), metrics = jax.lax.scan(step, (params, tx.init(params)), length=steps)
        return params, opt_state, metrics

    return run(params)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=500, help="optimizer updates")
    parser.add_argument("--examples", type=int, default=256, help="training examples")
    args = parser.parse_args(argv)

    warmup = jaxsched.fraction_to_updates(0.1, args.steps, rounding="round")
    schedule = jaxsched.warmup_cosine_decay(
        0.0, 0.05, warmup_steps=warmup, decay_steps=args.steps - 1, end_value=1e-4
    )
    print(f"schedule: {schedule}")
    jaxsched.check_horizon(schedule, planned_updates=args.steps)  # quiet: the lengths agree

    data = make_data(args.examples, dim=8)
    params = {"w": jnp.zeros(8), "b": jnp.zeros([])}

    # 1. The schedule passed to optax as it is: optax calls it with its own count.
    plain_params, _, plain = train(optax.adam(schedule), params, args.steps, data)
    # 2. The same optimizer built by inject: same updates, and the state can be read.
    tx = jaxsched.inject(optax.adam, learning_rate=schedule)
    injected_params, opt_state, injected = train(tx, params, args.steps, data)

    for name in params:
        np.testing.assert_array_equal(injected_params[name], plain_params[name])
    np.testing.assert_array_equal(injected["loss"], plain["loss"])
    print(f"optax.adam(schedule) and inject(optax.adam, ...): same {args.steps} updates, bitwise")

    used = np.asarray(injected["learning_rate"])
    # The schedule is evaluated inside the compiled loop and again by preview; XLA may round
    # the last bit differently in the two programs, hence rtol.
    np.testing.assert_allclose(used, jaxsched.preview(schedule, args.steps), rtol=1e-6)
    assert int(jaxsched.update_count(opt_state)) == args.steps
    # decay_steps=steps - 1: the run's last update is the first at the end value.
    assert jaxsched.lr_applied(opt_state) == np.float32(1e-4) < used[-2]
    assert float(jaxsched.lr_next(opt_state)) == float(schedule(args.steps))
    print(f"learning rates read from the state are schedule(0..{args.steps - 1})")

    for n in sorted({0, warmup - 1, warmup, args.steps // 2, args.steps - 1}):
        print(f"update {n:5d}  lr {used[n]:.3e}  loss {injected['loss'][n]:.4f}")
    assert injected["loss"][-1] < injected["loss"][0] / 2, "the regression did not train"


if __name__ == "__main__":
    main()
