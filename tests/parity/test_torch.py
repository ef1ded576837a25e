"""Live parity with PyTorch 2.13 (CPU) schedulers, on seeded random configurations.

Each scheduler is stepped as in training (``optimizer.step(); scheduler.step()``) and the
learning rate of update ``n`` is ``get_last_lr()`` after ``n`` scheduler steps, which is
jaxsched's ``schedule(n)``. Tolerance 5e-7 * peak; the level gaps make every discrete
decision (interval, stair, cycle) exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import jaxsched as js
from tests.parity.common import assert_close, draws

SEEDS = range(8)


def torch_lrs(make: Callable[[torch.optim.Optimizer], Any], base_lr: float, n: int) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=base_lr, momentum=0.9)
    scheduler = make(optimizer)
    lrs = []
    for _ in range(n):
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return np.asarray(lrs)


@pytest.mark.parametrize("seed", SEEDS)
def test_step_lr(seed: int) -> None:
    rng = draws(seed)
    base, size, gamma = rng.uniform(0.01, 1), int(rng.integers(1, 30)), rng.uniform(0.1, 0.99)
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, size, gamma), base, 200)
    assert_close(js.StepDecay(base, size, gamma), theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_multistep_lr(seed: int) -> None:
    rng = draws(seed)
    base, gamma = rng.uniform(0.01, 1), rng.uniform(0.1, 0.99)
    milestones = sorted(rng.integers(0, 150, size=4).tolist())  # repeats compound, as in torch
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones, gamma), base, 200
    )
    assert_close(js.MultiStepDecay(base, milestones, gamma), theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_exponential_lr(seed: int) -> None:
    rng = draws(seed)
    base, gamma = rng.uniform(0.01, 1), rng.uniform(0.9, 0.999)
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma), base, 300)
    assert_close(js.ExponentialDecay(base, 1, gamma), theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_cosine_annealing_lr_up_to_t_max(seed: int) -> None:
    rng = draws(seed)
    base, t_max = rng.uniform(0.01, 1), int(rng.integers(5, 150))
    eta_min = float(np.float32(base * rng.uniform(0, 0.5)))
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, t_max, eta_min), base, t_max + 1
    )
    assert_close(js.CosineDecay(base, t_max, end_value=eta_min), theirs)


def test_cosine_annealing_lr_rises_past_t_max_where_ours_holds() -> None:
    theirs = torch_lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 10), 1.0, 21)
    ours = np.asarray(js.CosineDecay(1.0, 10)(np.arange(21)))
    assert theirs[20] == pytest.approx(1.0) and ours[20] == 0.0  # documented difference


@pytest.mark.parametrize("seed", SEEDS)
def test_polynomial_lr(seed: int) -> None:
    rng = draws(seed)
    base, total, power = rng.uniform(0.01, 1), int(rng.integers(1, 100)), rng.uniform(0.3, 3)
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.PolynomialLR(o, total, power), base, total + 20
    )
    assert_close(js.Polynomial(base, 0.0, power, total), theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_linear_lr(seed: int) -> None:
    rng = draws(seed)
    base, total = rng.uniform(0.01, 1), int(rng.integers(1, 60))
    start, end = rng.uniform(0.01, 1), rng.uniform(0, 1)
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start, end, total), base, total + 20
    )
    assert_close(js.Linear(base * start, base * end, total), theirs)


@pytest.mark.parametrize("seed", SEEDS)
def test_constant_lr(seed: int) -> None:
    rng = draws(seed)
    base, factor, total = rng.uniform(0.01, 1), rng.uniform(0, 1), int(rng.integers(1, 60))
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.ConstantLR(o, factor, total), base, total + 20
    )
    assert_close(js.PiecewiseConstant([total], [base * factor, base]), theirs)
    # The same, as a constant-factor warmup in front of any schedule.
    assert_close(js.Warmup(js.Constant(base), total, base * factor, shape="constant"), theirs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_lr(seed: int, mode: str) -> None:
    rng = draws(seed)
    base = rng.uniform(0.001, 0.1)
    peak = float(np.float32(base * rng.uniform(2, 20)))
    up, down = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    gamma = rng.uniform(0.99, 0.9999)
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.CyclicLR(
            o, base, peak, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma
        ),
        base,
        400,
    )
    assert_close(js.Cyclical(base, peak, up, down, mode=mode, gamma=gamma), theirs)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("anneal", ["cos", "linear"])
@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_lr(seed: int, anneal: str, three_phase: bool) -> None:
    rng = draws(seed)
    peak, total = rng.uniform(0.01, 1), int(rng.integers(20, 400))
    pct, div, final_div = rng.uniform(0.1, 0.45), rng.uniform(5, 50), rng.uniform(10, 1e4)
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.OneCycleLR(
            o,
            peak,
            total_steps=total,
            pct_start=pct,
            anneal_strategy=anneal,
            div_factor=div,
            final_div_factor=final_div,
            three_phase=three_phase,
        ),
        peak,
        total,
    )
    ours = js.OneCycle(peak, total, pct, anneal, div, final_div, three_phase)
    assert_close(ours, theirs)
    assert ours(total + 50) == ours(total - 1)  # torch raises past the end; we hold


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("t_mult", [1, 2, 3])
def test_cosine_annealing_warm_restarts(seed: int, t_mult: int) -> None:
    rng = draws(seed)
    base, t_0 = rng.uniform(0.01, 1), int(rng.integers(1, 40))
    eta_min = float(np.float32(base * rng.uniform(0, 0.5)))
    theirs = torch_lrs(
        lambda o: torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, t_0, t_mult, eta_min),
        base,
        600,
    )
    assert_close(js.CosineRestarts(base, t_0, float(t_mult), end_value=eta_min), theirs)
