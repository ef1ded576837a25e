"""Cost of a schedule inside a training step, and of many boundaries at compile time.

Run: python benchmarks/bench_schedules.py [--repeats N]

Part 1 times one jitted AdamW update of a ~1M-parameter MLP under four learning rates,
interleaved so that machine noise hits them alike, and prints each median as a ratio to
the constant learning rate: a Python float (the floor), optax's warmup + cosine closure,
the same schedule from jaxsched passed to optax directly, and through jaxsched.inject.

Part 2 counts jaxpr equations and measures compile time of a piecewise-constant schedule
with n boundaries: optax unrolls one where per boundary, jaxsched uses a sorted search.

Absolute times mean something only on a quiet machine or a GPU; report the ratios.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

import jaxsched

WARMUP, TOTAL, PEAK = 1_000, 100_000, 3e-4


def _params() -> dict[str, jax.Array]:
    keys = jax.random.split(jax.random.key(0), 3)
    return {
        "w1": jax.random.normal(keys[0], (512, 1024)) * 0.02,
        "w2": jax.random.normal(keys[1], (1024, 512)) * 0.02,
        "b": jnp.zeros(512),
    }


def _loss(params: dict[str, jax.Array], x: jax.Array) -> jax.Array:
    h = jax.nn.gelu(x @ params["w1"])
    return jnp.mean((h @ params["w2"] + params["b"] - x) ** 2)


def _step_fn(tx: optax.GradientTransformation) -> Callable:
    @jax.jit
    def step(params: dict, state: optax.OptState, x: jax.Array) -> tuple:
        grads = jax.grad(_loss)(params, x)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return step


def time_steps(repeats: int) -> None:
    optimizers = {
        "constant (float)": optax.adamw(PEAK),
        "optax warmup_cosine": optax.adamw(
            optax.warmup_cosine_decay_schedule(0.0, PEAK, WARMUP, TOTAL)
        ),
        "jaxsched, to optax": optax.adamw(jaxsched.warmup_cosine_decay(0.0, PEAK, WARMUP, TOTAL)),
        "jaxsched.inject": jaxsched.inject(
            optax.adamw, learning_rate=jaxsched.warmup_cosine_decay(0.0, PEAK, WARMUP, TOTAL)
        ),
        # The heaviest shapes of the catalogue: a three-phase WSD, and growing cycles
        # (an exact cycle index: a 31-step unrolled integer search for a whole multiplier,
        # a double-float search for a fractional one).
        "jaxsched.inject WSD": jaxsched.inject(
            optax.adamw,
            learning_rate=jaxsched.warmup_stable_decay(
                PEAK, WARMUP, TOTAL - WARMUP - TOTAL // 10, TOTAL // 10
            ),
        ),
        "jaxsched.inject cycles": jaxsched.inject(
            optax.adamw,
            learning_rate=jaxsched.DecayCycles(PEAK, TOTAL // 8, cycle_mul=2.0, cycle_decay=0.5),
        ),
        "jaxsched.inject cycles 1.5": jaxsched.inject(
            optax.adamw,
            learning_rate=jaxsched.DecayCycles(PEAK, TOTAL // 8, cycle_mul=1.5, cycle_decay=0.5),
        ),
    }
    x = jax.random.normal(jax.random.key(1), (256, 512))
    runs = {}
    for name, tx in optimizers.items():
        params = _params()
        step = _step_fn(tx)
        state = tx.init(params)
        params, state = jax.block_until_ready(step(params, state, x))  # compile
        runs[name] = [step, params, state, []]
    for _ in range(repeats):  # interleaved: each round times every optimizer once
        for run in runs.values():
            step, params, state, times = run
            start = time.perf_counter()
            for _ in range(10):
                params, state = step(params, state, x)
            jax.block_until_ready(params)
            times.append((time.perf_counter() - start) / 10)
            run[1], run[2] = params, state
    base = statistics.median(runs["constant (float)"][3])
    print(
        f"\nTraining step, AdamW on {sum(p.size for p in _params().values()):,} parameters, "
        f"{jax.devices()[0].device_kind}; median of {repeats} x 10 steps"
    )
    print(f"{'learning rate':28} {'ratio to constant':>18} {'median ms':>10}")
    for name, run in runs.items():
        median = statistics.median(run[3])
        print(f"{name:28} {median / base:18.3f} {median * 1e3:10.3f}")


def piecewise_cost() -> None:
    print("\nPiecewise constant with n boundaries: jaxpr equations and compile time (s)")
    print(
        f"{'n':>6} {'optax eqns':>11} {'jaxsched eqns':>14} {'optax compile':>14} "
        f"{'jaxsched compile':>17}"
    )
    step = jnp.asarray(7, jnp.int32)
    for n in (10, 100, 1000):
        scales = {10 * (i + 1): 0.99 for i in range(n)}
        theirs = optax.piecewise_constant_schedule(1.0, scales)
        ours = jaxsched.PiecewiseConstant.from_scales(1.0, scales)
        row = []
        for fn in (theirs, ours):
            with jax.numpy_dtype_promotion("standard"):
                row.append(len(jax.make_jaxpr(fn)(step).eqns))
        for fn in (theirs, ours):
            start = time.perf_counter()
            with jax.numpy_dtype_promotion("standard"):
                jax.jit(fn).lower(step).compile()
            row.append(time.perf_counter() - start)
        print(f"{n:6d} {row[0]:11d} {row[1]:14d} {row[2]:14.3f} {row[3]:17.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    time_steps(args.repeats)
    piecewise_cost()


if __name__ == "__main__":
    main()
