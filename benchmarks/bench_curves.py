"""Whole curves: ``jit(vmap(schedule))`` over 1e7 steps, as a ratio to a plain copy.

Run: python benchmarks/bench_curves.py [--steps N] [--rounds R]

The floor is a jitted ``steps.astype(float32) * 1.0`` over the same array. Every shape is
timed against it (and against optax's equivalent where optax has one) in interleaved
rounds after a warm-up; the table gives the median of the paired ratios.
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


def _shapes() -> dict[str, tuple[Callable, Callable | None]]:
    few = [100 * k for k in range(1, 11)]
    many = [100 * k for k in range(1, 1001)]
    return {
        "constant": (jaxsched.Constant(1.0), optax.constant_schedule(1.0)),
        "linear": (jaxsched.Linear(1.0, 0.0, 10**6), optax.linear_schedule(1.0, 0.0, 10**6)),
        "warmup_cosine": (
            jaxsched.warmup_cosine_decay(0.0, 1.0, 10**4, 10**6),
            optax.warmup_cosine_decay_schedule(0.0, 1.0, 10**4, 10**6),
        ),
        "piecewise 10": (
            jaxsched.PiecewiseConstant(few, [0.9**i for i in range(11)]),
            optax.piecewise_constant_schedule(1.0, dict.fromkeys(few, 0.9)),
        ),
        "piecewise 1000": (jaxsched.PiecewiseConstant(many, [0.9**i for i in range(1001)]), None),
        "multistep 10": (jaxsched.MultiStepDecay(1.0, few, 0.5), None),
        "exponential stairs": (
            jaxsched.ExponentialDecay(1.0, 1000, 0.9, staircase=True),
            optax.exponential_decay(1.0, 1000, 0.9, staircase=True),
        ),
        "cosine restarts": (jaxsched.CosineRestarts(1.0, 1000, t_mul=2.0), None),
        "wsd": (jaxsched.warmup_stable_decay(1.0, 10**4, 10**6, 10**5), None),
    }


def _seconds(fn: Callable, steps: jax.Array) -> float:
    start = time.perf_counter()
    jax.block_until_ready(fn(steps))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    steps = jnp.arange(args.steps, dtype=jnp.int32)
    floor = jax.jit(lambda t: t.astype(jnp.float32) * 1.0)
    print(f"jax {jax.__version__}, optax {optax.__version__}, {jax.devices()[0].platform}, "
          f"{args.steps:,} steps; median ratio to the copy floor")  # fmt: skip
    for name, (ours, theirs) in _shapes().items():
        fns = {"ours": jax.jit(jax.vmap(ours))}
        if theirs is not None:
            fns["optax"] = jax.jit(jax.vmap(theirs))
        for fn in (floor, *fns.values()):
            jax.block_until_ready(fn(steps))  # compile and warm up
        ratios: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(args.rounds):
            base = _seconds(floor, steps)
            for key, fn in fns.items():
                ratios[key].append(_seconds(fn, steps) / base)
        cells = "  ".join(f"{k} {statistics.median(v):5.1f}x" for k, v in ratios.items())
        print(f"{name:20} {cells}")


if __name__ == "__main__":
    main()
