"""Section 1: the cost of a learning-rate schedule in an Adam training step.

The parameters are four arrays (two matrices, two vectors) of 100k or 10M floats in all;
the loss is ``|p|^2 / 2``, so the gradient is the parameters and the step is almost all
optimizer: the hardest case for a schedule. Each learning rate runs the same step, jitted
with the parameters and state donated, in a Python loop and inside ``lax.scan``, timed
interleaved with the constant ``optax.adam(1e-3)``; the cells are medians of the paired
ratios to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched
from benchmarks._common import Table, interleaved, medians, ratios

LR, WARMUP, TOTAL = 1e-3, 1_000, 100_000
CONSTANT = "constant optax.adam(1e-3)"
AGAIN = "the same, again (A/A: the noise)"


def shapes() -> dict[str, tuple[jaxsched.Schedule, Callable | None]]:
    """Each shape as jaxsched writes it and optax's equivalent (``None``: optax has none)."""
    scales = {TOTAL // 10 * (i + 1) // 2: 0.7 for i in range(10)}
    cycles = [
        dict(init_value=LR, peak_value=LR, warmup_steps=0, decay_steps=1_000 * 2**k)
        for k in range(8)
    ]
    stable = TOTAL - WARMUP - TOTAL // 5
    return {
        "warmup_cosine_decay": (
            jaxsched.warmup_cosine_decay(0.0, LR, WARMUP, TOTAL),
            optax.warmup_cosine_decay_schedule(0.0, LR, WARMUP, TOTAL),
        ),
        "PiecewiseConstant, 10 boundaries": (
            jaxsched.PiecewiseConstant.from_scales(LR, scales),
            optax.piecewise_constant_schedule(LR, scales),
        ),
        "CosineRestarts(t_mul=2)": (
            jaxsched.CosineRestarts(LR, 1_000, t_mul=2.0),
            optax.sgdr_schedule(cycles),
        ),
        "DecayCycles(cycle_mul=1.5)": (
            jaxsched.DecayCycles(LR, 1_000, cycle_mul=1.5, cycle_decay=0.5),
            None,
        ),
        "warmup_stable_decay": (
            jaxsched.warmup_stable_decay(LR, WARMUP, stable, TOTAL // 5, decay_shape="linear"),
            optax.join_schedules(
                [
                    optax.linear_schedule(0.0, LR, WARMUP),
                    optax.constant_schedule(LR),
                    optax.linear_schedule(LR, 0.0, TOTAL // 5),
                ],
                [WARMUP, WARMUP + stable],
            ),
        ),
    }


# Each learning rate as a function of (jaxsched's schedule, optax's); None: not available.
RATES: dict[str, Callable[[Any, Any], optax.GradientTransformation | None]] = {
    "optax.adam(optax schedule)": lambda ours, theirs: theirs and optax.adam(theirs),
    "optax.adam(jaxsched schedule)": lambda ours, theirs: optax.adam(ours),
    "jaxsched.inject(optax.adam)": lambda ours, theirs: jaxsched.inject(
        optax.adam, learning_rate=ours
    ),
    "optax.inject_hyperparams(optax.adam)": lambda ours, theirs: (
        theirs and optax.inject_hyperparams(optax.adam)(learning_rate=theirs)
    ),
}

# size label: (parameters, steps per timed sample, rounds)
FULL = {"100k": (100_000, 100, 31), "10M": (10_000_000, 5, 11)}
SMOKE = {"1k": (1_000, 3, 1)}
SMOKE_SHAPES = ("warmup_cosine_decay",)


def parameters(n: int) -> dict[str, jax.Array]:
    """About ``n`` floats in two matrices and two vectors."""
    r = max(4, round(math.sqrt(n / 8)))
    c = max(1, (n - r) // (2 * r + 1))
    rng = np.random.default_rng(0)
    shapes = {"w1": (r, c), "b1": (c,), "w2": (c, r), "b2": (r,)}
    return {k: jnp.asarray(rng.standard_normal(v, np.float32)) for k, v in shapes.items()}


def _step(tx: optax.GradientTransformation) -> Callable:
    def step(params: Any, state: Any) -> tuple[Any, Any]:
        grads = jax.grad(lambda p: sum(jnp.sum(x * x) for x in jax.tree.leaves(p)) / 2)(params)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state

    return step


def runner(tx: optax.GradientTransformation, params: Any, mode: str, k: int) -> Callable:
    """A call that makes ``k`` steps, in a Python loop or in one ``lax.scan``."""
    step = _step(tx)
    carry = [jax.tree.map(jnp.copy, params), tx.init(params)]
    if mode == "loop":
        jitted = jax.jit(step, donate_argnums=(0, 1))

        def run() -> Any:
            for _ in range(k):
                carry[:] = jitted(*carry)
            return carry[0]

        return run

    def many(params: Any, state: Any) -> tuple[Any, Any]:
        body = lambda c, _: (step(*c), None)  # noqa: E731
        return jax.lax.scan(body, (params, state), None, length=k)[0]

    jitted = jax.jit(many, donate_argnums=(0, 1))

    def run() -> Any:
        carry[:] = jitted(*carry)
        return carry[0]

    return run


def run(smoke: bool) -> list[Table]:
    sizes = SMOKE if smoke else FULL
    table = {k: v for k, v in shapes().items() if not smoke or k in SMOKE_SHAPES}
    optimizers = {
        (shape, rate): make(ours, theirs)
        for shape, (ours, theirs) in table.items()
        for rate, make in RATES.items()
    }
    optimizers = {key: tx for key, tx in optimizers.items() if tx is not None}
    constant = optax.adam(LR)
    rows = {("", CONSTANT): {"schedule": "(none)", "learning rate": CONSTANT}}
    rows[("", AGAIN)] = {"schedule": "(none)", "learning rate": AGAIN}
    rows |= {key: {"schedule": key[0], "learning rate": key[1]} for key in optimizers}
    seconds: dict[str, float] = {}
    counts = []
    for size, (n, k, rounds) in sizes.items():
        params = parameters(n)
        counts.append(f"{size} = {sum(x.size for x in jax.tree.leaves(params)):,}")
        rows[("", CONSTANT)]["leaves"] = len(jax.tree.leaves(constant.init(params)))
        rows[("", AGAIN)]["leaves"] = rows[("", CONSTANT)]["leaves"]
        for key, tx in optimizers.items():
            rows[key]["leaves"] = len(jax.tree.leaves(tx.init(params)))
        for mode in ("loop", "scan"):
            column = f"{size} {mode}"
            rows[("", CONSTANT)][column] = 1.0
            base = runner(constant, params, mode, k)
            for i, shape in enumerate(table):  # one group per shape, each with the constant
                cases = {CONSTANT: base}
                if i == 0:  # a second constant, in the first group only: the machine's noise
                    cases[AGAIN] = runner(constant, params, mode, k)
                cases |= {
                    rate: runner(tx, params, mode, k)
                    for (s, rate), tx in optimizers.items()
                    if s == shape
                }
                times = interleaved(cases, rounds)
                for rate, ratio in ratios(times, CONSTANT).items():
                    if rate != CONSTANT:
                        rows[("", rate) if rate == AGAIN else (shape, rate)][column] = ratio
                for rate, median in medians(times).items():
                    seconds[f"{column} / {shape} / {rate}"] = median / k
                del cases, times
    note = (
        f"Parameters: {', '.join(counts)}. Cells: step time / constant step time, median "
        f"of paired ratios; leaves: len(jax.tree.leaves(state))."
    )
    return [Table("Training step, optax.adam", list(rows.values()), [note], seconds)]


def goals(tables: list[Table]) -> list[str]:
    """Issue 9's goals: inject within 2% of a constant pinned; leaves within 2 of optax's."""
    rows = tables[0].rows
    inject = [r for r in rows if r["learning rate"] == "jaxsched.inject(optax.adam)"]
    lines = []
    noise = next(r for r in rows if r["learning rate"] == AGAIN)
    for key in [c for c in rows[0] if c.endswith(("loop", "scan", "pinned"))]:
        worst = max(inject, key=lambda r: r[key])
        verdict = "met" if worst[key] <= 1.02 else "missed"
        lines.append(
            f"goal inject <= 1.02 x constant, {key}: worst {worst[key]:.3f} "
            f"({worst['schedule']}): {verdict}; A/A noise {noise[key]:.3f}"
        )
    direct = {
        r["schedule"]: r["leaves"] for r in rows if r["learning rate"].startswith("optax.adam(")
    }
    extra = max(r["leaves"] - direct[r["schedule"]] for r in inject)
    verdict = "met" if extra <= 2 else "missed"
    lines.append(f"goal leaves <= optax.adam(schedule) + 2: inject has +{extra}: {verdict}")
    return lines
