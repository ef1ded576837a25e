"""Section 3: whole curves, ``jit(vmap(schedule))(arange(10**7))``, for the whole catalogue.

Each shape is timed interleaved with the floor, a jitted ``steps.astype(float32) * 1.0``
over the same int32 array, and with optax's equivalent where optax has one. Cells are
medians of paired ratios. Lengths are set so that the curve crosses every phase.
"""

from __future__ import annotations

from collections.abc import Callable

import jax
import jax.numpy as jnp
import optax

import jaxsched as js
from benchmarks._common import Table, interleaved, medians, ratios

T = 5_000_000  # the schedules' length: half of the curve
W = T // 100  # warmup
FULL = {"steps": 10_000_000, "rounds": 5}
SMOKE = {"steps": 10_000, "rounds": 1}
SMOKE_SHAPES = ("warmup_cosine_decay", "DecayCycles(cycle_mul=1.5)")


def inverse_step(t: jax.Array) -> jax.Array:
    return 1.0 / (1.0 + t.astype(jnp.float32))


def catalogue() -> dict[str, tuple[js.Schedule, Callable | None]]:
    """Every public schedule class and factory of jaxsched, with optax's equivalent."""
    few = {T // 10 * (i + 1) // 2: 0.7 for i in range(10)}
    many = {T // 1000 * (i + 1): 0.999 for i in range(1000)}
    restarts = [
        dict(init_value=1.0, peak_value=1.0, warmup_steps=0, decay_steps=T // 100 * 2**k)
        for k in range(12)
    ]
    cycles = [dict(init_value=0.0, peak_value=1.0, warmup_steps=W, decay_steps=T // 2)] * 2
    wsd = [T // 100, T // 2, T // 5]
    interp_steps, interp_values = [0, W, T // 2, T], [0.1, 1.0, 0.5, 0.01]
    cosine = js.CosineDecay(1.0, T)
    return {
        "Constant": (js.Constant(1.0), optax.constant_schedule(1.0)),
        "Linear": (js.Linear(1.0, 0.0, T), optax.linear_schedule(1.0, 0.0, T)),
        "Polynomial": (
            js.Polynomial(1.0, 0.1, 2.0, T),
            optax.polynomial_schedule(1.0, 0.1, 2.0, T),
        ),
        "Polynomial(cycle=True)": (js.Polynomial(1.0, 0.1, 2.0, T // 7, cycle=True), None),
        "ExponentialDecay": (
            js.ExponentialDecay(1.0, T // 10, 0.5, end_value=0.01),
            optax.exponential_decay(1.0, T // 10, 0.5, end_value=0.01),
        ),
        "ExponentialDecay(staircase=True)": (
            js.ExponentialDecay(1.0, T // 10, 0.5, staircase=True),
            optax.exponential_decay(1.0, T // 10, 0.5, staircase=True),
        ),
        "NaturalExpDecay": (js.NaturalExpDecay(1.0, T // 10, 0.3), None),
        "InverseTimeDecay(staircase=True)": (
            js.InverseTimeDecay(1.0, T // 10, 0.5, staircase=True),
            None,
        ),
        "CosineDecay": (
            js.CosineDecay(1.0, T, alpha=0.1),
            optax.cosine_decay_schedule(1.0, T, alpha=0.1),
        ),
        "LinearCosineDecay": (js.LinearCosineDecay(1.0, T, num_periods=1.5), None),
        "NoisyLinearCosineDecay": (js.NoisyLinearCosineDecay(1.0, T, seed=3), None),
        "InverseSqrtDecay": (js.InverseSqrtDecay(1.0, W), None),
        "Noam": (js.Noam(512, W), None),
        "DirectPowerDecay": (js.DirectPowerDecay(1.0, -0.5), None),
        "PowerAndLinearDecay": (js.PowerAndLinearDecay(1.0, T, -0.5, 0.2), None),
        "PowerDecayWithOffset": (js.PowerDecayWithOffset(1.0, -0.5, W, 0.5), None),
        "PiecewiseConstant, 10 boundaries": (
            js.PiecewiseConstant.from_scales(1.0, few),
            optax.piecewise_constant_schedule(1.0, few),
        ),
        # optax's 1000 unrolled wheres: not timed (one call took 64x jaxsched's, by hand).
        "PiecewiseConstant, 1000 boundaries": (js.PiecewiseConstant.from_scales(1.0, many), None),
        "PiecewiseInterpolate(cosine)": (
            js.PiecewiseInterpolate(interp_steps, interp_values, "cosine"),
            optax.piecewise_interpolate_schedule("cosine", 0.1, {W: 10.0, T // 2: 0.5, T: 0.02}),
        ),
        "linear_onecycle": (js.linear_onecycle(T, 1.0), optax.linear_onecycle_schedule(T, 1.0)),
        "cosine_onecycle": (js.cosine_onecycle(T, 1.0), optax.cosine_onecycle_schedule(T, 1.0)),
        "StepDecay": (
            js.StepDecay(1.0, T // 10, 0.5),
            optax.exponential_decay(1.0, T // 10, 0.5, staircase=True),
        ),
        "MultiStepDecay, 10 milestones": (js.MultiStepDecay(1.0, list(few), 0.7), None),
        "Cyclical(triangular2)": (js.Cyclical(0.1, 1.0, T // 20, mode="triangular2"), None),
        "Cyclical(scale_fn)": (js.Cyclical(0.1, 1.0, T // 20, scale_fn=inverse_step), None),
        "OneCycle(three_phase)": (js.OneCycle(1.0, T, three_phase=True), None),
        "OneCycleMomentum": (js.OneCycleMomentum(0.85, 0.95, T), None),
        "CosineRestarts(t_mul=2)": (
            js.CosineRestarts(1.0, T // 100, t_mul=2.0),
            optax.sgdr_schedule(restarts),
        ),
        "DecayCycles(cycle_mul=1.5)": (
            js.DecayCycles(1.0, T // 100, cycle_mul=1.5, cycle_decay=0.5),
            None,
        ),
        "tanh_decay": (js.tanh_decay(1.0, T), None),
        "sgdr, 2 cycles": (js.sgdr(cycles), optax.sgdr_schedule(cycles)),
        "Restarts(Linear)": (js.Restarts(js.Linear(1.0, 0.0, T // 10), T // 10, 0.8), None),
        "Warmup(CosineDecay, 1-sqrt)": (js.Warmup(cosine, W, shape="1-sqrt"), None),
        "warmup_cosine_decay": (
            js.warmup_cosine_decay(0.0, 1.0, W, T),
            optax.warmup_cosine_decay_schedule(0.0, 1.0, W, T),
        ),
        "warmup_exponential_decay": (
            js.warmup_exponential_decay(0.0, 1.0, W, T // 10, 0.5),
            optax.warmup_exponential_decay_schedule(0.0, 1.0, W, T // 10, 0.5),
        ),
        "warmup_stable_decay": (
            js.warmup_stable_decay(1.0, *wsd, decay_shape="linear"),
            optax.join_schedules(
                [
                    optax.linear_schedule(0.0, 1.0, wsd[0]),
                    optax.constant_schedule(1.0),
                    optax.linear_schedule(1.0, 0.0, wsd[2]),
                ],
                [wsd[0], wsd[0] + wsd[1]],
            ),
        ),
        "Cooldown(InverseSqrtDecay)": (
            js.Cooldown(js.InverseSqrtDecay(1.0, W), T // 2, T // 5, shape="1-sqrt"),
            None,
        ),
        "Rewarmup": (js.Rewarmup(cosine, js.CosineDecay(0.8, T), T // 2, W), None),
        "phases(Linear, CosineDecay)": (
            js.phases((js.Linear(0.0, 1.0, W), W), cosine),
            optax.join_schedules(
                [optax.linear_schedule(0.0, 1.0, W), optax.cosine_decay_schedule(1.0, T)], [W]
            ),
        ),
        "Product": (js.Product([cosine, js.Linear(0.0, 1.0, W)]), None),
        "Scale": (0.5 * cosine, None),
        "Sum": (cosine + js.Linear(0.0, 1.0, W), None),
        "Offset": (js.Offset(cosine, W), None),
        "Clip": (js.Clip(cosine, 0.1, 0.9), None),
        "Hold": (js.Hold(cosine, W), None),
        "PerEpoch(StepDecay)": (js.PerEpoch(js.StepDecay(1.0, 30, 0.5), 10_000), None),
        "FromFunction": (js.FromFunction(inverse_step), None),
    }


def run(smoke: bool) -> list[Table]:
    config = SMOKE if smoke else FULL
    steps = jnp.arange(config["steps"], dtype=jnp.int32)
    floor = jax.jit(lambda t: t.astype(jnp.float32) * 1.0)
    rows, seconds = [], {}
    for name, (ours, theirs) in catalogue().items():
        if smoke and name not in SMOKE_SHAPES:
            continue
        fns = {"floor": floor, "jaxsched": jax.jit(jax.vmap(ours))}
        if theirs is not None:
            fns["optax"] = jax.jit(jax.vmap(theirs))
        times = interleaved({k: (lambda f=f: f(steps)) for k, f in fns.items()}, config["rounds"])
        cells = ratios(times, "floor")
        row = {"shape": name, "jaxsched / floor": cells["jaxsched"]}
        row["optax / floor"] = cells.get("optax")
        if theirs is not None:
            row["jaxsched / optax"] = ratios(times, "optax")["jaxsched"]
        else:
            row["jaxsched / optax"] = None
        rows.append(row)
        seconds |= {f"{name} / {k}": v for k, v in medians(times).items()}
    title = f"Whole curves, jit(vmap(schedule)) over {config['steps']:,} int32 steps"
    note = "floor: jit(lambda t: t.astype(float32) * 1.0) over the same steps."
    return [Table(title, rows, [note], seconds)]
