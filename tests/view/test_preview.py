"""Looking before training: ``preview``, ``describe`` and ``plot``.

The phase table is found from a schedule's structure, so it is checked against the
curve: every phase tiles the run, holds and constants do not move, and a staircase
changes exactly at its stairs.
"""

from __future__ import annotations

import itertools
import json

import jax
import matplotlib
import numpy as np
import pytest

import jaxsched as js
from tests.helpers import EXAMPLES

matplotlib.use("Agg")

RUN = 400


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_phases_tile_the_run_and_agree_with_the_curve(name: str) -> None:
    s = EXAMPLES[name]
    curve = js.preview(s, RUN)
    phases = list(js.describe(s, RUN, steps_per_epoch=8))
    assert phases[0].start == 0 and phases[-1].end == RUN
    assert all(a.end == b.start for a, b in itertools.pairwise(phases))
    for phase in phases:
        piece = curve[phase.start : phase.end]
        # Values at a few steps and a whole curve compile apart: an ulp may differ.
        np.testing.assert_allclose([phase.start_value, phase.last_value], piece[[0, -1]], rtol=3e-7)
        assert (phase.start_epoch, phase.end_epoch) == (phase.start / 8, phase.end / 8)
        if phase.shape in ("constant", "hold"):
            assert np.all(piece == piece[0]), phase
        if phase.period_kind == "stair":
            changes = np.flatnonzero(np.diff(piece)) + 1 + phase.start
            assert np.all(np.diff(changes) % phase.period == 0), (phase, changes)


@pytest.mark.parametrize(
    ("schedule", "total", "expected"),
    [
        (
            js.warmup_cosine_decay(0.0, 1.0, warmup_steps=10, decay_steps=100),
            150,
            [(0, 10, "linear warmup"), (10, 100, "cosine"), (100, 150, "hold")],
        ),
        (
            js.phases((js.Constant(1.0), 30), js.Linear(1.0, 0.0, 20)),
            60,
            [(0, 30, "constant"), (30, 50, "linear"), (50, 60, "hold")],
        ),
        (
            # PyTorch's three phases: up to p T - 1 = 29, down to 2 (p T - 1) = 58, anneal.
            js.OneCycle(1.0, 100, three_phase=True),
            100,
            [(0, 30, "cosine rise"), (30, 59, "cosine fall"), (59, 100, "cosine anneal")],
        ),
        (
            js.Cooldown(js.InverseSqrtDecay(1.0, 10), start_step=40, cooldown_steps=10),
            80,
            [(0, 40, "inverse sqrt"), (40, 50, "linear cooldown"), (50, 80, "hold")],
        ),
        (
            js.Linear(0.0, 1.0, 10) * js.CosineDecay(1.0, 30),
            40,
            [(0, 10, "linear × cosine"), (10, 30, "hold × cosine"), (30, 40, "hold × hold")],
        ),
        (
            js.Offset(js.MultiStepDecay(1.0, [5, 15]), 10),
            30,
            [(0, 10, "constant"), (10, 15, "constant"), (15, 25, "constant"), (25, 30, "constant")],
        ),
        (js.Constant(3.0), 10, [(0, 10, "constant")]),
    ],
)
def test_describe_walks_compositions(schedule: js.Schedule, total: int, expected: list) -> None:
    assert [(p.start, p.end, p.shape) for p in js.describe(schedule, total)] == expected


def test_seed_000_staircase_decays_every_0_78_epochs() -> None:
    # Keras ExponentialDecay(1e-3, decay_steps=25, 0.95, staircase=True), 1000 examples
    # in batches of 32 for 50 epochs: meant every 25 epochs, it decays every 25 updates.
    s = js.ExponentialDecay(1e-3, 25, 0.95, staircase=True)
    per_epoch = js.steps_per_epoch(1000, 32)
    (phase,) = js.describe(s, 50 * per_epoch, steps_per_epoch=per_epoch)
    assert (phase.period_kind, phase.periods, phase.period) == ("stair", 64, 25)
    table = str(js.describe(s, 50 * per_epoch, steps_per_epoch=per_epoch))
    assert "64 stairs of 25 updates = 0.78 epochs" in table
    assert "One phase" in table
    with pytest.warns(
        js.HorizonWarning, match=r"epochs_to_updates\(25, steps_per_epoch=32\) = 800"
    ):
        report = js.check_horizon(s, 50 * per_epoch, steps_per_epoch=per_epoch)
    assert report.horizon is None and report.periods == (phase,)
    assert report.last_value == pytest.approx(1e-3 * 0.95**63, rel=1e-6)


def test_growing_cycles_are_counted_where_they_start() -> None:
    s = js.CosineRestarts(1.0, 100, t_mul=2.0)  # cycles start at 0, 100, 300, 700, 1500
    curve = js.preview(s, 1600)
    (phase,) = js.describe(s, 1600)
    assert (phase.periods, phase.period, phase.period_growth) == (5, 100, 2.0)
    assert np.all(curve[[100, 300, 700, 1500]] == 1.0)
    assert js.describe(s, 1500)[0].periods == 4


def test_without_a_run_length_the_last_phase_runs_on() -> None:
    d = js.describe(js.warmup_cosine_decay(0.0, 1.0, 10, decay_steps=100))
    assert [(p.start, p.end) for p in d] == [(0, 10), (10, 100), (100, None)]
    assert d[-1].last_value is None and d[-1].start_value == 0.0
    assert "One phase: the schedule has no phase boundary." in str(js.describe(js.Constant(1.0)))


def test_unreached_phases_and_data() -> None:
    d = js.describe(js.warmup_cosine_decay(0.0, 1.0, 10, decay_steps=100), total_steps=50)
    assert d.unreached == ((100, "hold", 0.0),)
    assert "Not reached in this run: hold at 0 from update 100." in str(d)
    rows = json.loads(json.dumps(d.to_dicts()))
    assert rows[1] == {
        "start": 10,
        "end": 50,
        "shape": "cosine",
        "start_value": 1.0,
        "last_value": pytest.approx(float(js.CosineDecay(1.0, 90)(39))),
        "start_epoch": None,
        "end_epoch": None,
        "period_kind": None,
        "periods": None,
        "period": None,
        "period_growth": None,
    }


def test_preview_is_one_call_of_the_schedule() -> None:
    s = js.sgdr([{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 3, "decay_steps": 20}] * 40)
    curve = js.preview(s, 1000)
    assert curve.dtype == np.float32 and curve.shape == (1000,)
    np.testing.assert_array_equal(curve[::97], [float(s(n)) for n in range(0, 1000, 97)])


def test_plot_draws_each_schedule_with_its_phases_and_epochs() -> None:
    warmup = js.warmup_cosine_decay(0.0, 1.0, warmup_steps=10, decay_steps=100)
    stairs = js.StepDecay(1.0, 30, 0.5)
    ax = js.plot(warmup, stairs, total_steps=120, steps_per_epoch=20, log=True)
    curves = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in curves] == [str(warmup), str(stairs)]
    np.testing.assert_array_equal(curves[0].get_ydata(), js.preview(warmup, 120))
    marks = sorted(line.get_xdata()[0] for line in ax.get_lines() if line not in curves)
    assert marks == [10, 100]  # the warmup's phases; a staircase is one phase
    assert ax.get_yscale() == "log"
    assert len(ax.child_axes) == 1  # the epoch axis
    matplotlib.pyplot.close("all")


def test_plot_thins_a_long_curve_but_keeps_phase_starts() -> None:
    s = js.phases((js.Constant(1.0), 1_234_567), js.Constant(0.5))
    ax = js.plot(s, total_steps=2_000_000, labels=["two levels"], boundaries=False)
    (line,) = ax.get_lines()
    x = line.get_xdata()
    assert len(x) < 100_010 and {1_234_566, 1_234_567} <= set(x.tolist())
    assert line.get_label() == "two levels"
    matplotlib.pyplot.close("all")


def test_plot_without_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "matplotlib.pyplot", None)
    with pytest.raises(
        ImportError, match=r"plot needs matplotlib: pip install \"jaxsched\[plot\]\""
    ):
        js.plot(js.Constant(1.0), total_steps=10)


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: js.preview(js.Constant(1.0), 0),
            ValueError,
            r"preview: total_steps must be positive",
        ),
        (
            lambda: js.preview(lambda t: t, 10),
            TypeError,
            r"preview: schedule must be a jaxsched schedule.*FromFunction",
        ),
        (
            lambda: js.describe(js.Constant(1.0), 10, steps_per_epoch=0),
            ValueError,
            r"describe: steps_per_epoch must be positive",
        ),
        (
            lambda: js.describe(js.Constant(1.0), 2.5),
            TypeError,
            r"describe: total_steps must be an integer",
        ),
        (lambda: js.plot(total_steps=10), TypeError, r"plot: give at least one schedule"),
        (
            lambda: js.plot(js.Constant(1.0), total_steps=10, labels="a"),
            ValueError,
            r"plot: labels must be a list of one label per schedule \(1\), got labels='a'",
        ),
        (
            lambda: js.plot(js.Constant(1.0), 10, total_steps=10),
            TypeError,
            r"plot: schedules\[1\] must be a jaxsched schedule",
        ),
        (
            lambda: js.steps_per_epoch(0, 32),
            ValueError,
            r"steps_per_epoch: num_examples must be positive",
        ),
        (
            lambda: js.steps_per_epoch(10, 32, drop_remainder=True),
            ValueError,
            r"batch_size is larger than num_examples=10.*drop_remainder=False",
        ),
        (
            lambda: js.steps_per_epoch(10, 3, drop_remainder=1),
            TypeError,
            r"drop_remainder must be True or False",
        ),
    ],
)
def test_bad_input(call, error: type[Exception], pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        call()


def test_traced_schedules_are_refused_with_a_reason() -> None:
    @jax.jit
    def inside(peak: jax.Array) -> jax.Array:
        js.describe(js.Constant(peak), 10)
        return peak

    with pytest.raises(
        TypeError, match=r"describe: schedule has traced hyperparameters.*outside jit"
    ):
        inside(1.0)


@pytest.mark.parametrize(
    ("examples", "batch", "drop", "expected"),
    [
        (1000, 32, False, 32),
        (1000, 32, True, 31),
        (1024, 32, False, 32),
        (1024, 32, True, 32),
        (5, 8, False, 1),
    ],
)
def test_steps_per_epoch(examples: int, batch: int, drop: bool, expected: int) -> None:
    assert js.steps_per_epoch(examples, batch, drop_remainder=drop) == expected
