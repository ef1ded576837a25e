"""Section 5: calls from Python: one scalar ``schedule(step)``, and a whole curve.

The scalar call is what a plot, a log line or a PyTorch-style loop makes: jaxsched's call
(one compiled function, cached per schedule structure), optax's schedule called eagerly
and jitted, PyTorch's ``scheduler.step()`` and a Keras 3 schedule (JAX backend) called
the same way; each result is waited for. The curve is ``schedule(np.arange(10**6))``
(what ``preview`` will do): optax's closure called on the array, optax's
``jit(vmap(schedule))``, ``scheduler.step()`` as many times, and Keras'
``jit(vmap(schedule))``. Cells are jaxsched's time divided by the other's (below 1: jaxsched is faster),
medians of paired ratios.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import numpy as np
import optax

import jaxsched as js
from benchmarks._common import Table, interleaved, medians, ratios

os.environ.setdefault("KERAS_BACKEND", "jax")  # before keras is imported

BUDGET = 0.05  # seconds per scalar case and round
FULL = {"calls": 200, "curve": 1_000_000, "rounds": 7, "curve rounds": 3}
SMOKE = {"calls": 2, "curve": 100, "rounds": 1, "curve rounds": 1}
SMOKE_SHAPES = ("warmup_cosine_decay",)
T, W = 100_000, 1_000


def shapes() -> dict[str, tuple[js.Schedule, Callable, Callable, Callable]]:
    """Each shape: jaxsched, optax, a PyTorch scheduler factory (of an optimizer), Keras."""
    import keras
    import torch

    lr_scheduler, schedules = torch.optim.lr_scheduler, keras.optimizers.schedules
    milestones = [30_000, 60_000, 90_000]
    return {
        "warmup_cosine_decay": (
            js.warmup_cosine_decay(0.0, 1e-3, W, T),
            optax.warmup_cosine_decay_schedule(0.0, 1e-3, W, T),
            lambda opt: lr_scheduler.SequentialLR(
                opt,
                [
                    lr_scheduler.LinearLR(opt, 1e-9, 1.0, total_iters=W),
                    lr_scheduler.CosineAnnealingLR(opt, T - W),
                ],
                milestones=[W],
            ),
            schedules.CosineDecay(0.0, T - W, warmup_target=1e-3, warmup_steps=W),
        ),
        "CosineDecay": (
            js.CosineDecay(1e-3, T),
            optax.cosine_decay_schedule(1e-3, T),
            lambda opt: lr_scheduler.CosineAnnealingLR(opt, T),
            schedules.CosineDecay(1e-3, T),
        ),
        "StepDecay": (
            js.StepDecay(1e-3, W, 0.5),
            optax.exponential_decay(1e-3, W, 0.5, staircase=True),
            lambda opt: lr_scheduler.StepLR(opt, W, 0.5),
            schedules.ExponentialDecay(1e-3, W, 0.5, staircase=True),
        ),
        "MultiStepDecay, 3 milestones": (
            js.MultiStepDecay(1e-3, milestones, 0.1),
            optax.piecewise_constant_schedule(1e-3, dict.fromkeys(milestones, 0.1)),
            lambda opt: lr_scheduler.MultiStepLR(opt, milestones, 0.1),
            schedules.PiecewiseConstantDecay(milestones, [1e-3, 1e-4, 1e-5, 1e-6]),
        ),
        "CosineRestarts(t_mul=2)": (
            js.CosineRestarts(1e-3, W, t_mul=2.0),
            optax.sgdr_schedule(
                [
                    dict(init_value=1e-3, peak_value=1e-3, warmup_steps=0, decay_steps=W * 2**k)
                    for k in range(10)
                ]
            ),
            lambda opt: lr_scheduler.CosineAnnealingWarmRestarts(opt, W, 2),
            schedules.CosineDecayRestarts(1e-3, W, t_mul=2.0),
        ),
    }


def _scheduler(factory: Callable) -> Any:
    import torch

    # No optimizer.step() (its first call imports torch._dynamo, seconds): silence the
    # warning about a scheduler stepping first instead.
    warnings.filterwarnings("ignore", r"Detected call of `lr_scheduler\.step\(\)` before")
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1e-3)
    return factory(optimizer)


def _scalar(one: Callable[[int], Any], most: int) -> tuple[Callable[[], None], int]:
    """A case making scalar calls, each waited for (a log line reads the value), and how
    many: ``most``, or fewer for a slow call, so that a case takes about ``BUDGET``."""
    jax.block_until_ready(one(0))  # compile, warm up
    start = time.perf_counter()
    jax.block_until_ready(one(1))
    count = max(1, min(most, int(BUDGET / (time.perf_counter() - start))))

    def case() -> None:
        for step in range(count):
            jax.block_until_ready(one(step))

    return case, count


def _torch_curve(factory: Callable, n: int) -> Callable[[], list[float]]:
    def case() -> list[float]:
        scheduler, curve = _scheduler(factory), []
        for _ in range(n):
            curve.append(scheduler.get_last_lr()[0])
            scheduler.step()
        return curve

    return case


def run(smoke: bool) -> list[Table]:
    config = SMOKE if smoke else FULL
    steps = np.arange(config["curve"])
    rows, seconds = [], {}
    for name, (ours, theirs, torch_factory, keras_schedule) in shapes().items():
        if smoke and name not in SMOKE_SHAPES:
            continue
        scheduler = _scheduler(torch_factory)
        scalar = {
            "jaxsched": ours,
            "optax eager": theirs,
            "optax jit": jax.jit(theirs),
            "torch step()": lambda step, s=scheduler: s.step(),
            "keras": keras_schedule,
        }
        made = {k: _scalar(one, config["calls"]) for k, one in scalar.items()}
        curve = {
            "jaxsched": partial(ours, steps),
            "optax eager": partial(theirs, steps),
            "optax jit": partial(jax.jit(jax.vmap(theirs)), steps),
            "torch step()": _torch_curve(torch_factory, config["curve"]),
            "keras": partial(jax.jit(jax.vmap(keras_schedule)), steps),
        }
        kinds = {
            "scalar call": ({k: case for k, (case, _) in made.items()}, config["rounds"]),
            f"curve, {config['curve']:,} steps": (curve, config["curve rounds"]),
        }
        counts = {k: count for k, (_, count) in made.items()}
        for kind, (cases, rounds) in kinds.items():
            times = interleaved(cases, rounds)
            if kind == "scalar call":  # per call
                times = {k: [t / counts[k] for t in v] for k, v in times.items()}
            row: dict[str, Any] = {"shape": name, "call": kind}
            for other in list(cases)[1:]:
                row[f"jaxsched / {other}"] = ratios(times, other)["jaxsched"]
            rows.append(row)
            seconds |= {f"{name} / {kind} / {k}": v for k, v in medians(times).items()}
    notes = [
        "Cells: jaxsched's time / the other's (below 1: jaxsched is faster). Scalar: up to "
        f"{config['calls']} calls per case and round (fewer for a slow call), per call. "
        "optax jit: jit(schedule) for the scalar call, jit(vmap(schedule)) for the curve. "
        "keras: its eager call for the scalar, jit(vmap(schedule)) for the curve (its "
        "CosineDecay with warmup branches with a scalar cond: it cannot take an array). "
        "PyTorch has no whole-curve call: its curve is get_last_lr() and step(), per step."
    ]
    return [Table("Calls from Python", rows, notes, seconds)]
