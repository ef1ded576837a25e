"""Long compositions: graph size and compile time against the number of phases.

Run: python benchmarks/bench_composition.py [--counts 10 100 1000 10000] [--optax-up-to N]

For ``n`` cosine phases of 100 updates each, ``phases(*[(CosineDecay(0.99**i, 100), 100)
...])`` against the equivalent ``optax.join_schedules``, and a mixed row (linear, constant
and cosine phases in turn: three structures). Each row gives the jaxpr's equations (those
in loops and calls included) and the seconds of ``jax.jit(f).lower(step).compile()`` for
a fresh function closing over the schedule, and the first call from Python (which
compiles too). optax unrolls one ``where`` per phase: it is skipped above
``--optax-up-to`` phases (default 1000), where it takes minutes.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import optax

import jaxsched
from benchmarks._common import equations as count_equations


def _measure(schedule: Callable[[Any], Any]) -> tuple[int, float]:
    step = jnp.int32(5)
    with jax.numpy_dtype_promotion("standard"):  # optax's own code is not strict-clean
        equations = count_equations(jax.make_jaxpr(lambda t: schedule(t))(step).jaxpr)
        start = time.perf_counter()
        jax.jit(lambda t: schedule(t)).lower(step).compile()
    return equations, time.perf_counter() - start


def _first_call(schedule: Callable[[Any], Any]) -> float:
    start = time.perf_counter()
    jax.block_until_ready(schedule(5))
    return time.perf_counter() - start


def _cosines(n: int) -> tuple[jaxsched.Schedule, Callable[[Any], Any]]:
    ours = jaxsched.phases(*[(jaxsched.CosineDecay(0.99**i, 100), 100) for i in range(n)])
    theirs = optax.join_schedules(
        [optax.cosine_decay_schedule(0.99**i, 100) for i in range(n)],
        [100 * (i + 1) for i in range(n - 1)],
    )
    return ours, theirs


def _mixed(n: int) -> jaxsched.Schedule:
    kinds = [
        lambda i: jaxsched.Linear(0.0, 0.99**i, 100),
        lambda i: jaxsched.Constant(0.99**i),
        lambda i: jaxsched.CosineDecay(0.99**i, 100),
    ]
    return jaxsched.phases(*[(kinds[i % 3](i), 100) for i in range(n)])


def rows(counts: list[int], optax_up_to: int = 1000) -> list[dict[str, Any]]:
    """One dict per schedule and phase count: ``name``, ``phases``, ``equations``,
    ``compile_s`` and ``first_call_s`` (``None`` where not measured)."""
    table = []
    for n in counts:
        ours, theirs = _cosines(n)
        for name, schedule in (("jaxsched cosine", ours), ("jaxsched mixed", _mixed(n))):
            equations, seconds = _measure(schedule)
            table.append(
                dict(
                    name=name,
                    phases=n,
                    equations=equations,
                    compile_s=seconds,
                    first_call_s=_first_call(schedule),
                )
            )
        row: dict[str, Any] = dict(
            name="optax cosine", phases=n, equations=None, compile_s=None, first_call_s=None
        )
        if n <= optax_up_to:
            row["equations"], row["compile_s"] = _measure(theirs)
        table.append(row)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100, 1000, 10_000])
    parser.add_argument("--optax-up-to", type=int, default=1000)
    args = parser.parse_args()
    print(f"jax {jax.__version__}, optax {optax.__version__}, {jax.devices()[0].platform}")
    print(f"{'schedule':16} {'phases':>7} {'equations':>10} {'compile s':>10} {'first call s':>13}")
    for row in rows(args.counts, args.optax_up_to):
        if row["equations"] is None:
            print(f"{row['name']:16} {row['phases']:7} {'skipped (above --optax-up-to)':>35}")
            continue
        call = "" if row["first_call_s"] is None else f"{row['first_call_s']:13.3f}"
        print(
            f"{row['name']:16} {row['phases']:7} {row['equations']:10} "
            f"{row['compile_s']:10.3f} {call}"
        )


if __name__ == "__main__":
    main()
