"""Cost of calling a schedule from Python, one step at a time, and of building a long one.

Run: python benchmarks/bench_eager.py [--calls N] [--rounds R]

A call from Python runs one compiled function, cached per schedule structure; before, it
ran op by op. For each shape this times, interleaved round by round: the jaxsched call,
the same call op by op (the old path) and optax's equivalent
schedule called the same way (eager, op by op, as optax has no compiled path). It prints
the median microseconds per call and the median of the paired ratios to optax. Then it
times building a 10,000-boundary ``PiecewiseConstant``: from optax-style scales, from its
dict form and from its text form (best of five).
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
from jaxsched._base import as_step

SHAPES: dict[str, tuple[jaxsched.Schedule, Callable[[int], object]]] = {
    "warmup_cosine": (
        jaxsched.warmup_cosine_decay(0.0, 1e-3, 1_000, 100_000),
        optax.warmup_cosine_decay_schedule(0.0, 1e-3, 1_000, 100_000),
    ),
    "piecewise_constant": (
        jaxsched.PiecewiseConstant([1_000, 2_000, 3_000], [1.0, 0.5, 0.25, 0.1]),
        optax.piecewise_constant_schedule(1.0, {1_000: 0.5, 2_000: 0.5, 3_000: 0.4}),
    ),
    "exponential": (
        jaxsched.ExponentialDecay(1.0, 100, 0.9, staircase=True),
        optax.exponential_decay(1.0, 100, 0.9, staircase=True),
    ),
    "sgdr": (
        jaxsched.CosineRestarts(1.0, 100, t_mul=2.0),
        optax.sgdr_schedule(
            [
                {"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 0, "decay_steps": 100 * 2**k}
                for k in range(6)
            ]
        ),
    ),
}


def _per_call(fn: Callable[[int], object], calls: int) -> float:
    jax.block_until_ready(fn(7))
    start = time.perf_counter()
    for step in range(calls):
        jax.block_until_ready(fn(step))
    return (time.perf_counter() - start) / calls * 1e6


def _op_by_op(schedule: jaxsched.Schedule) -> Callable[[int], object]:
    """The call as it was before: the schedule's operations dispatched one by one."""
    return lambda step: schedule._evaluate(jnp.asarray(as_step(step)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(f"jax {jax.__version__}, optax {optax.__version__}, {jax.devices()[0].platform}")
    print(f"{'shape':20} {'compiled us':>12} {'op by op us':>12} {'optax us':>9} "
          f"{'ratio to optax':>15}")  # fmt: skip
    for name, (ours, theirs) in SHAPES.items():
        rows: dict[str, list[float]] = {"ours": [], "old": [], "optax": []}
        for _ in range(args.rounds):
            rows["ours"].append(_per_call(ours, args.calls))
            rows["old"].append(_per_call(_op_by_op(ours), args.calls // 4))
            rows["optax"].append(_per_call(theirs, args.calls))
        ratio = statistics.median(a / b for a, b in zip(rows["ours"], rows["optax"], strict=True))
        medians = {k: statistics.median(v) for k, v in rows.items()}
        print(f"{name:20} {medians['ours']:12.1f} {medians['old']:12.1f} "
              f"{medians['optax']:9.1f} {ratio:15.2f}")  # fmt: skip
    construction()


def construction(n: int = 10_000) -> None:
    scales = {step: 0.9999 for step in range(1, n + 1)}
    schedule = jaxsched.PiecewiseConstant.from_scales(1.0, scales)
    data, text = schedule.to_dict(), str(schedule)
    builds = {
        "from_scales": lambda: jaxsched.PiecewiseConstant.from_scales(1.0, scales),
        "from_dict": lambda: jaxsched.from_dict(data),
        f"parse ({len(text):,} characters)": lambda: jaxsched.parse(text),
    }
    print(f"\nbuilding a {n:,}-boundary PiecewiseConstant, best of 5:")
    for name, build in builds.items():
        best = min(_seconds(build) for _ in range(5))
        print(f"  {name:32} {best * 1e3:8.1f} ms")


def _seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
