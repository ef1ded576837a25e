"""Section 2: graph size and compile time against the number of boundaries and of phases.

A piecewise-constant schedule with n boundaries: optax unrolls one ``where`` per boundary,
jaxsched counts or searches sorted boundaries. Compile seconds are XLA's (``.compile()`` of
a fresh lowering of ``jit(schedule)`` at a scalar step), medians of interleaved rounds.
The phases rows come from ``benchmarks/bench_composition.py`` (``Join`` and ``phases``
against ``optax.join_schedules``).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

import jaxsched
from benchmarks._common import Table, interleaved, medians

FULL = {"boundaries": (10, 100, 1000), "phases": (10, 100, 1000), "rounds": 3}
SMOKE = {"boundaries": (3, 10), "phases": (2, 3), "rounds": 1}


def _compile(fn: Callable) -> Callable[[], None]:
    """A call that compiles a fresh copy of ``fn`` (a new function, so no cache hit)."""
    step = jnp.asarray(7, jnp.int32)

    def compile_once() -> None:
        jax.jit(lambda t: fn(t)).lower(step).compile()

    return compile_once


def boundaries(counts: tuple[int, ...], rounds: int) -> Table:
    rows, seconds = [], {}
    step = jnp.asarray(7, jnp.int32)
    for n in counts:
        scales = {10 * (i + 1): 0.99 for i in range(n)}
        fns = {
            "optax": optax.piecewise_constant_schedule(1.0, scales),
            "jaxsched": jaxsched.PiecewiseConstant.from_scales(1.0, scales),
        }
        row: dict = {"boundaries": n}
        for name, fn in fns.items():
            row[f"{name} eqns"] = len(jax.make_jaxpr(fn)(step).eqns)
        times = medians(interleaved({k: _compile(f) for k, f in fns.items()}, rounds, warmup=0))
        for name, median in times.items():
            row[f"{name} compile s"] = median
            seconds[f"{n} / {name} compile"] = median
        rows.append(row)
    note = "compile s: seconds to trace, lower and compile jit(schedule) at a scalar step."
    return Table("PiecewiseConstant vs optax.piecewise_constant_schedule", rows, [note], seconds)


def phases(counts: tuple[int, ...]) -> Table:
    title = "Join / phases vs optax.join_schedules (benchmarks/bench_composition.py)"
    try:
        from benchmarks import bench_composition

        rows = [{k: _plain(v) for k, v in row.items()} for row in bench_composition.rows(counts)]
    except Exception as error:  # written at the same time by someone else: tolerate it
        return Table(title, [], [f"not available: {type(error).__name__}: {error}"])
    return Table(title, rows)


def _plain(value: object) -> object:
    """A JSON-safe cell: numpy scalars become int or float."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return str(value)


def run(smoke: bool) -> list[Table]:
    config = SMOKE if smoke else FULL
    return [boundaries(config["boundaries"], config["rounds"]), phases(config["phases"])]
