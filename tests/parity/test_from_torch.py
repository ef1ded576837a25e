"""from_torch against live PyTorch 2.13: every converted class on seeded random
configurations, two parameter groups, momentum, part-way schedulers, and the errors.

The reference is the scheduler itself, stepped as in training after it was converted:
the rate of update ``k`` is ``get_last_lr()`` after ``k`` steps. Tolerance 5e-7 * peak;
the level gaps make every discrete decision exact.
"""

from __future__ import annotations

import copy
import functools
import json
import pathlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import jaxsched as js
from tests.parity.common import Float32Draws, assert_close, draws

L = torch.optim.lr_scheduler
SEEDS = range(4)
STEPS = 400


def _optimizer(rng: Float32Draws, kind: str = "sgd") -> torch.optim.Optimizer:
    groups = [
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": rng.uniform(0.01, 1)},
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": rng.uniform(0.01, 1)},
    ]
    if kind == "adam":
        return torch.optim.Adam(groups)
    return torch.optim.SGD(groups, momentum=0.9)


def _milestones(rng: Float32Draws, count: int, high: int) -> list[int]:
    return sorted(rng.integers(1, high, size=count).tolist())


# (id, scheduler from an optimizer and random draws): the classes from_torch converts.
MAKERS: list[tuple[str, Callable[[Any, Float32Draws], Any]]] = [
    ("step", lambda o, r: L.StepLR(o, int(r.integers(1, 40)), r.uniform(0.1, 0.99))),
    ("multistep", lambda o, r: L.MultiStepLR(o, _milestones(r, 4, 300), r.uniform(0.1, 0.99))),
    (
        "constant",
        lambda o, r: L.ConstantLR(o, r.uniform(0.05, 1), int(r.integers(0, 50))),
    ),
    (
        "linear",
        lambda o, r: L.LinearLR(
            o, r.uniform(0.05, 1), r.uniform(0, 1), total_iters=int(r.integers(0, 100))
        ),
    ),
    ("exponential", lambda o, r: L.ExponentialLR(o, r.uniform(0.95, 0.999))),
    (
        "polynomial",
        lambda o, r: L.PolynomialLR(o, int(r.integers(1, 300)), r.uniform(0.3, 3)),
    ),
    (
        "cosine",  # past T_max too, where PyTorch's cosine rises again
        lambda o, r: L.CosineAnnealingLR(o, int(r.integers(1, 150)), r.uniform(0, 0.01)),
    ),
    (
        "warm_restarts",
        lambda o, r: L.CosineAnnealingWarmRestarts(
            o, int(r.integers(1, 40)), int(r.integers(1, 4)), r.uniform(0, 0.01)
        ),
    ),
    (
        "cyclic",
        lambda o, r: L.CyclicLR(
            o,
            [r.uniform(0.001, 0.01), r.uniform(0.001, 0.01)],
            [r.uniform(0.1, 1), r.uniform(0.1, 1)],
            int(r.integers(1, 40)),
            int(r.integers(1, 40)),
            mode=["triangular", "triangular2", "exp_range"][int(r.integers(0, 3))],
            gamma=r.uniform(0.99, 1),
        ),
    ),
    (
        "onecycle",
        lambda o, r: L.OneCycleLR(
            o,
            [r.uniform(0.1, 1), r.uniform(0.1, 1)],
            total_steps=STEPS,
            pct_start=float(r.uniform(0.05, 0.45)),
            anneal_strategy=["cos", "linear"][int(r.integers(0, 2))],
            div_factor=r.uniform(5, 50),
            final_div_factor=r.uniform(10, 1e4),
            three_phase=bool(r.integers(0, 2)),
        ),
    ),
    (
        "sequential",
        lambda o, r: L.SequentialLR(
            o,
            [
                L.LinearLR(o, r.uniform(0.05, 1), total_iters=int(r.integers(1, 30))),
                L.CosineAnnealingLR(o, int(r.integers(1, 200)), r.uniform(0, 0.01)),
                L.StepLR(o, int(r.integers(1, 40)), r.uniform(0.1, 0.99)),
            ],
            milestones=[m := int(r.integers(1, 60)), m + int(r.integers(1, 200))],
        ),
    ),
    (
        "chained",
        lambda o, r: L.ChainedScheduler(
            [
                L.LinearLR(o, r.uniform(0.05, 1), total_iters=int(r.integers(1, 30))),
                L.ExponentialLR(o, r.uniform(0.99, 0.999)),
                L.MultiStepLR(o, _milestones(r, 3, 300), r.uniform(0.1, 0.99)),
            ]
        ),
    ),
]


def _rates(scheduler: Any, steps: int, momentum: bool = False) -> np.ndarray:
    """What PyTorch sets for updates 0 .. steps - 1, per group: rates or momenta."""
    optimizer = scheduler.optimizer
    seen = []
    for _ in range(steps):
        if momentum:
            seen.append(
                [g["betas"][0] if "betas" in g else g["momentum"] for g in optimizer.param_groups]
            )
        else:
            seen.append(scheduler.get_last_lr())
        optimizer.step()
        scheduler.step()
    return np.asarray(seen, np.float64).T


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", [m[0] for m in MAKERS])
def test_every_class_converts_value_for_value(name: str, seed: int) -> None:
    scheduler = dict(MAKERS)[name](_optimizer(draws(seed)), draws(seed + 100))
    before = copy.deepcopy(scheduler.state_dict())
    converted = [js.from_torch(scheduler, group=g) for g in (0, 1)]
    assert repr(scheduler.state_dict()) == repr(before)  # read, not stepped
    for schedule, theirs in zip(converted, _rates(scheduler, STEPS), strict=True):
        assert_close(schedule, theirs, label=f"from_torch {type(scheduler).__name__}")


LONG_RUN = 10**6
CHECKPOINTS = np.unique(np.geomspace(1, LONG_RUN - 1, 300).astype(np.int64))


@pytest.mark.parametrize(
    "make",
    [
        lambda o: L.ExponentialLR(o, 0.99999),
        lambda o: L.CyclicLR(o, 0.001, 0.1, 2000, mode="exp_range", gamma=0.99999),
        lambda o: L.ChainedScheduler(
            [L.ExponentialLR(o, 0.999995), L.MultiStepLR(o, [300_000, 700_000], 0.3)]
        ),
    ],
    ids=["ExponentialLR", "CyclicLR-exp_range", "ChainedScheduler"],
)
def test_long_runs_match_pytorch_within_2e_6_of_the_peak(make: Callable) -> None:
    # PyTorch raises its float64 rates to the power of the step; a float32 rate would be
    # 5e-4 of the peak off after 1e6 updates (issue 19). Stepped live, read at checkpoints.
    scheduler = make(_sgd())
    schedule = js.from_torch(scheduler)
    theirs, seen = [], set(CHECKPOINTS.tolist())
    scheduler.optimizer.step()  # once: PyTorch warns when the scheduler steps first
    for t in range(LONG_RUN):
        if t in seen:
            theirs.append(scheduler.get_last_lr()[0])
        scheduler.step()
    theirs = np.asarray(theirs, np.float64)
    got = np.asarray(schedule(CHECKPOINTS.astype(np.int32)), np.float64)
    peak = float(np.max(theirs))
    assert np.max(np.abs(got - theirs)) <= 2e-6 * peak, np.max(np.abs(got - theirs)) / peak


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", ["cyclic", "onecycle"])
def test_momentum_converts_for_sgd_and_adam_beta1(name: str, kind: str) -> None:
    make = dict(MAKERS)[name]
    for seed in SEEDS:
        scheduler = make(_optimizer(draws(seed), kind), draws(seed + 100))
        converted = [js.from_torch(scheduler, group=g, momentum=True) for g in (0, 1)]
        for schedule, theirs in zip(converted, _rates(scheduler, STEPS, True), strict=True):
            assert_close(schedule, theirs, label=f"from_torch {type(scheduler).__name__} momentum")


def test_a_scheduler_part_way_converts_to_the_whole_run() -> None:
    make = dict(MAKERS)["sequential"]
    fresh = make(_optimizer(draws(0)), draws(100))
    whole = _rates(fresh, STEPS)[0]
    scheduler = make(_optimizer(draws(0)), draws(100))
    _rates(scheduler, 37)
    with pytest.warns(js.ResumeWarning, match=r"stepped 37 times.*Offset\(schedule, -37\)"):
        schedule = js.from_torch(scheduler, group=0)
    assert_close(schedule, whole)
    assert_close(js.Offset(schedule, -37), whole[37:])  # a fresh optax state resumes there


def test_equal_groups_need_no_group() -> None:
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))] * 1, lr=0.5)
    optimizer.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.5})
    assert js.from_torch(L.StepLR(optimizer, 10)) == js.StepDecay(0.5, 10, 0.1)


class _MyStepLR(L.StepLR):
    pass


def _sgd(lr: float = 0.1) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)


BAD: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("not_a_scheduler", lambda: js.from_torch(_sgd()), TypeError, r"expected a torch\.optim\.lr"),
    (
        "plateau",
        lambda: js.from_torch(L.ReduceLROnPlateau(_sgd())),
        ValueError,
        r"ReduceLROnPlateau follows a validation metric, not the update count",
    ),
    (
        "lambda",
        lambda: js.from_torch(L.LambdaLR(_sgd(), lambda t: 0.9**t)),
        ValueError,
        r"this LambdaLR runs a Python function of your own.*jaxsched\.FromFunction",
    ),
    (
        "multiplicative",
        lambda: js.from_torch(L.MultiplicativeLR(_sgd(), lambda t: 0.9)),
        ValueError,
        r"this MultiplicativeLR runs a Python function",
    ),
    (
        "subclass",
        lambda: js.from_torch(_MyStepLR(_sgd(), 10)),
        ValueError,
        r"_MyStepLR is not a scheduler jaxsched converts \(a subclass may change the rule\)",
    ),
    (
        "group_out_of_range",
        lambda: js.from_torch(L.StepLR(_sgd(), 10), group=1),
        ValueError,
        r"group must be an int in \[0, 0\] \(the optimizer has 1 parameter groups\), got group=1",
    ),
    (
        "groups_differ",
        lambda: js.from_torch(L.StepLR(_optimizer(draws(0)), 10)),
        ValueError,
        r"2 parameter groups have different learning rate schedules; convert one at a time",
    ),
    (
        "no_momentum_here",
        lambda: js.from_torch(L.StepLR(_sgd(), 10), momentum=True),
        ValueError,
        r"StepLR does not schedule momentum",
    ),
    (
        "momentum_off",
        lambda: js.from_torch(L.OneCycleLR(_sgd(), 1.0, 100, cycle_momentum=False), momentum=True),
        ValueError,
        r"this OneCycleLR has cycle_momentum=False",
    ),
    (
        "fractional_cycle",
        lambda: js.from_torch(L.CyclicLR(_sgd(), 0.01, 0.1, step_size_up=2.5)),
        ValueError,
        r"CyclicLR's step sizes \(2\.5, 2\.5\) are not whole numbers of updates",
    ),
    (
        "constant_factor_zero",
        lambda: js.from_torch(L.ConstantLR(_sgd(), factor=0.0, total_iters=4)),
        ValueError,
        r"ConstantLR with factor=0 divides by zero at total_iters=4",
    ),
    (
        "chain_of_cosine",
        lambda: js.from_torch(
            L.ChainedScheduler([L.CosineAnnealingLR(o := _sgd(), 10), L.ExponentialLR(o, 0.9)])
        ),
        ValueError,
        r"in a ChainedScheduler, CosineAnnealingLR sets the rate from its own formula",
    ),
    (
        "chain_in_sequence",
        lambda: js.from_torch(
            L.SequentialLR(
                o := _sgd(),
                [L.StepLR(o, 5), L.ChainedScheduler([L.ExponentialLR(o, 0.9)])],
                milestones=[10],
            )
        ),
        ValueError,
        r"SequentialLR starts a ChainedScheduler at its milestone with _update_lr\(0\)",
    ),
    (
        "growth_refused",
        lambda: js.from_torch(L.ExponentialLR(_sgd(), 1.1)),
        ValueError,
        r"from_torch: ExponentialLR \(parameter group 0\): ExponentialDecay: .*",
    ),
    (
        "scale_fn_not_jittable",
        lambda: js.from_torch(
            L.CyclicLR(_sgd(), 0.01, 0.1, 5, scale_fn=lambda x: 1.0 if x < 3 else 0.5)
        ),
        ValueError,
        r"CyclicLR's scale_fn .* does not run on a JAX array",
    ),
]


@pytest.mark.filterwarnings("ignore:.*lr_scheduler.step\\(\\)` before `optimizer.step\\(\\)")
@pytest.mark.parametrize(("make", "error", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_what_does_not_convert_says_why(
    make: Callable[[], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make()


def test_a_jittable_scale_fn_is_kept() -> None:
    def halving(cycle: Any) -> Any:
        return 0.5 ** (cycle - 1.0)

    scheduler = L.CyclicLR(_sgd(), 0.01, 0.1, 5, scale_fn=halving, scale_mode="cycle")
    schedule = js.from_torch(scheduler)
    assert schedule.scale_fn is halving
    assert_close(schedule, _rates(scheduler, 100)[0])


HF = json.loads((pathlib.Path(__file__).parent.parent / "goldens" / "hf.json").read_text())


def _stand_in(name: str) -> Callable[..., float]:
    """A function that goes by a transformers name: from_torch reads the name and the
    keywords, never calls it (the LambdaLR does, once, at construction)."""

    def fn(step: int, **keywords: Any) -> float:
        return 1.0

    fn.__module__, fn.__name__, fn.__qualname__ = "transformers.optimization", name, name
    return fn


@pytest.mark.parametrize("case", sorted(HF["cases"]))
def test_hugging_face_lambdas_convert_to_the_recorded_values(case: str) -> None:
    recorded = HF["cases"][case]
    # The partial transformers built, as recorded: its function's name and its keywords.
    function = recorded["function"]
    stand_in = _stand_in(function["function"])
    stand_in.__module__ = function["module"]
    fn = functools.partial(stand_in, **function["keywords"])
    scheduler = L.LambdaLR(_sgd(recorded["base_lr"]), fn)
    steps = np.asarray(recorded["steps"])
    # Every recorded step, after the end of the run too (Hugging Face's cosines rise again).
    label = f"from_torch Hugging Face {recorded['reference'].split('.')[-1]}"
    assert_close(js.from_torch(scheduler), np.asarray(recorded["values"]), steps, label=label)


def test_hugging_face_cycles_that_split_updates_are_refused() -> None:
    fn = functools.partial(
        _stand_in("_get_cosine_with_hard_restarts_schedule_with_warmup_lr_lambda"),
        num_warmup_steps=5,
        num_training_steps=40,
        num_cycles=2,
    )
    with pytest.raises(ValueError, match=r"decay length / num_cycles = 17\.5, not a whole number"):
        js.from_torch(L.LambdaLR(_sgd(), fn))


def test_to_torch_drives_pytorch_with_the_schedule(tmp_path: pathlib.Path) -> None:
    rng = draws(0)
    optimizer = _optimizer(rng)
    schedules = [
        js.warmup_cosine_decay(0.0, rng.uniform(0.1, 1), warmup_steps=10, decay_steps=200),
        js.Cyclical(0.01, 0.1, 7, mode="triangular2"),
    ]
    scheduler = js.to_torch(schedules, optimizer)
    assert [js.from_torch(scheduler, group=g) for g in (0, 1)] == schedules
    rates = _rates(scheduler, 250)
    for schedule, theirs in zip(schedules, rates, strict=True):
        assert_close(schedule, theirs)  # evaluated under jit, one step at a time
    # The state is plain data: a weights_only load restores it into a new scheduler.
    torch.save(scheduler.state_dict(), tmp_path / "scheduler.pt")
    state = torch.load(tmp_path / "scheduler.pt", weights_only=True)
    restored = js.to_torch(js.Constant(1.0), _optimizer(draws(0)))
    restored.load_state_dict(state)
    assert restored.schedules == schedules and restored.last_epoch == 250
    restored.step()
    assert restored.get_last_lr()[1] == pytest.approx(float(schedules[1](251)), rel=1e-6)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: js.to_torch(js.Constant(1.0), "sgd"), r"optimizer must be a torch\.optim"),
        (
            lambda: js.to_torch([js.Constant(1.0)] * 2, _sgd()),
            r"schedule must be a jaxsched schedule or one per parameter group \(1\)",
        ),
        (lambda: js.to_torch(0.1, _sgd()), r"schedule must be a jaxsched schedule"),
    ],
)
def test_to_torch_refuses_what_it_cannot_drive(call: Callable[[], Any], match: str) -> None:
    with pytest.raises(TypeError, match=match):
        call()


def test_a_hugging_face_function_without_a_reference_is_named() -> None:
    name = "_get_cosine_with_min_lr_schedule_with_warmup_lr_rate_lambda"
    scheduler = L.LambdaLR(_sgd(), functools.partial(_stand_in(name), num_warmup_steps=5))
    with pytest.raises(ValueError, match=rf"Hugging Face's '{name}' is not converted"):
        js.from_torch(scheduler)
