"""Section 4: a sweep of 64 peak learning rates of warmup + cosine, compile included.

Each configuration trains the same linear regression (256 examples, 32 features) with
Adam for a few hundred steps in ``lax.scan`` and returns its final loss. Three ways:
(a) one compile: ``jaxsched.sweep(train)`` (``jit(vmap(train))``) over 64 jaxsched schedules
stacked by ``jaxsched.stack``, through ``jaxsched.inject``; (b) a Python loop building and compiling 64 optimizers with
``optax.warmup_cosine_decay_schedule``; (c) one compile with the peak as a vmapped array
in a hand-written schedule. Every call builds its functions afresh, so every round pays
every compile; cells are the medians of the paired ratios of wall time to (a).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

import jaxsched
from benchmarks._common import Table, interleaved, medians, ratios

FULL = {"configs": 64, "steps": 300, "rounds": 3}
SMOKE = {"configs": 2, "steps": 10, "rounds": 1}


def _data() -> tuple[np.ndarray, np.ndarray]:
    x = np.random.default_rng(0).standard_normal((256, 32), np.float32)
    return x, x @ np.linspace(-1.0, 1.0, 32, dtype=np.float32) + 0.5


def fit(tx: optax.GradientTransformation, steps: int) -> jax.Array:
    """The final loss of ``steps`` Adam updates (traceable: call it under jit)."""
    x, y = _data()
    loss = lambda p: jnp.mean((x @ p["w"] + p["b"] - y) ** 2)  # noqa: E731
    params = {"w": jnp.zeros(32), "b": jnp.zeros(())}

    def body(carry: Any, _: Any) -> tuple[Any, None]:
        params, state = carry
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        return (optax.apply_updates(params, updates), state), None

    (params, _), _ = jax.lax.scan(body, (params, tx.init(params)), None, length=steps)
    return loss(params)


def jaxsched_vmap(peaks: np.ndarray, steps: int) -> jax.Array:
    warmup = steps // 10
    schedules = [jaxsched.warmup_cosine_decay(0.0, float(p), warmup, steps) for p in peaks]

    def train(schedule: jaxsched.Schedule) -> jax.Array:
        return fit(jaxsched.inject(optax.adam, learning_rate=schedule), steps)

    return jaxsched.sweep(train)(jaxsched.stack(schedules))


def optax_loop(peaks: np.ndarray, steps: int) -> jax.Array:
    losses = []
    for p in peaks:
        schedule = optax.warmup_cosine_decay_schedule(0.0, float(p), steps // 10, steps)
        tx = optax.adam(schedule)
        losses.append(jax.jit(lambda tx=tx: fit(tx, steps))())
    return jnp.stack(losses)


def hand_vmap(peaks: np.ndarray, steps: int) -> jax.Array:
    warmup = steps // 10

    def train(peak: jax.Array) -> jax.Array:
        def schedule(count: jax.Array) -> jax.Array:
            t = count.astype(jnp.float32)
            progress = jnp.clip((t - warmup) / (steps - warmup), 0.0, 1.0)
            cosine = 0.5 * peak * (1.0 + jnp.cos(jnp.pi * progress))
            return jnp.where(t < warmup, peak * t / warmup, cosine)

        return fit(optax.adam(schedule), steps)

    return jax.jit(jax.vmap(train))(jnp.asarray(peaks, jnp.float32))


METHODS: dict[str, tuple[Callable[[np.ndarray, int], jax.Array], str]] = {
    "(a) jaxsched: sweep over stacked schedules, inject": (jaxsched_vmap, "1"),
    "(b) optax: Python loop, one optimizer each": (optax_loop, "n"),
    "(c) hand-written: vmap over the peak": (hand_vmap, "1"),
}


def run(smoke: bool) -> list[Table]:
    config = SMOKE if smoke else FULL
    n, steps = config["configs"], config["steps"]
    peaks = np.geomspace(1e-4, 1e-1, n)
    losses: dict[str, np.ndarray] = {}

    def case(name: str, method: Callable[[np.ndarray, int], jax.Array]) -> Callable[[], None]:
        def call() -> None:
            losses[name] = np.asarray(method(peaks, steps))

        return call

    cases = {name: case(name, method) for name, (method, _) in METHODS.items()}
    times = interleaved(cases, config["rounds"], warmup=0)  # every call compiles anyway
    base = next(iter(METHODS))
    cells = ratios(times, base)
    rows = [
        {"method": name, "compiles": n if count == "n" else 1, "wall time / (a)": cells[name]}
        for name, (_, count) in METHODS.items()
    ]
    # Converged losses (1e-11) differ in float32 rounding only: measure against 1e-6 + loss.
    gap = max(
        np.max(np.abs(v - losses[base]) / (1e-6 + np.abs(losses[base]))) for v in losses.values()
    )
    notes = [
        f"{n} peak learning rates from 1e-4 to 1e-1, {steps} Adam steps each; wall time "
        f"includes tracing and compiling. The three ways' final losses agree to {gap:.0e} "
        f"(relative to 1e-6 + the loss)."
    ]
    title = f"Sweep of {n} configurations, warmup + cosine"
    return [Table(title, rows, notes, {k: v for k, v in medians(times).items()})]
