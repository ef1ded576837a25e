"""``jaxsched demo`` at a small size: its numbers, its table and its plot.

The demo is run twice, once through the command line (what the README's first command
does, progress bars on) and once through ``run_demo``, with the same arguments: the
numbers the first prints must be the second's, to the digit.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import re
import warnings
from typing import Any

import matplotlib.image
import numpy as np
import pytest

import jaxsched as js
from jaxsched.cli import _demo
from jaxsched.cli._command import main

# A stair at every epoch boundary, so that three epochs show two changes of the rate.
PER_EPOCH = js.steps_per_epoch(_demo.NUM_EXAMPLES, _demo.BATCH_SIZE)
SCHEDULE = f"ExponentialDecay(0.03, transition_steps={PER_EPOCH}, decay_rate=0.5, staircase=True)"
EPOCHS = 3
UPDATES = EPOCHS * PER_EPOCH
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, str, pathlib.Path]:
    """The command line's demo: its exit status, what it printed, its plot."""
    png = tmp_path_factory.mktemp("demo") / "demo.png"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(["demo", "--epochs", f"{EPOCHS}", "--schedule", SCHEDULE, "-o", str(png)])
    return status, printed.getvalue(), png


@pytest.fixture(scope="module")
def result() -> tuple[_demo.DemoResult, str]:
    """``run_demo`` with the command line's arguments, quiet: the result, what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        found = _demo.run_demo(EPOCHS, SCHEDULE, output=None, progress=False, quiet=True)
    return found, printed.getvalue()


def test_rates_read_from_the_optimizer_state_are_the_schedules(result: Any) -> None:
    found, _ = result
    schedule = js.parse(SCHEDULE)
    assert found.scheduled.schedule == schedule and found.scheduled.learning_rate.shape == (
        UPDATES,
    )
    np.testing.assert_allclose(
        found.scheduled.learning_rate, js.preview(schedule, UPDATES), rtol=1e-6
    )
    # The constant run uses the schedule's first rate, at every update.
    assert np.all(found.constant.learning_rate == js.preview(schedule, 1)[0])
    for run in (found.constant, found.scheduled):
        np.testing.assert_array_equal(run.update_count, np.arange(1, UPDATES + 1))


def test_runs_agree_until_their_rates_differ_and_loss_decreases(result: Any) -> None:
    found, _ = result
    constant, scheduled = found.constant, found.scheduled
    # Same weights, batches and dropout masks: the first epoch (the same rate) is the
    # same to the bit; the next ones, at half and a quarter of the rate, are not.
    assert constant.epoch_loss[0] == scheduled.epoch_loss[0]
    assert constant.fit_loss[0] == scheduled.fit_loss[0]
    assert np.all(constant.epoch_loss[1:] != scheduled.epoch_loss[1:])
    for run in (constant, scheduled):
        assert run.epoch_loss.shape == run.fit_loss.shape == (EPOCHS,)
        assert run.epoch_loss[-1] < run.epoch_loss[0] and run.fit_loss[-1] < run.fit_loss[0]


def test_quiet_prints_nothing(result: Any) -> None:
    assert result[1] == ""


def test_command_line_prints_the_phases_the_table_and_the_checks(
    shown: tuple[int, str, pathlib.Path], result: Any
) -> None:
    status, out, _ = shown
    found, _ = result
    assert status == 0
    assert str(js.describe(js.parse(SCHEDULE), UPDATES, PER_EPOCH)) in out
    rows = {
        int(cells[0]): cells[1:]
        for cells in (line.split() for line in out.splitlines())
        if len(cells) == 7 and cells[0].isdigit()
    }
    assert sorted(rows) == list(range(1, EPOCHS + 1))
    for epoch, cells in rows.items():
        rates = slice((epoch - 1) * PER_EPOCH, epoch * PER_EPOCH)
        expected = []
        for run in (found.constant, found.scheduled):
            # One rate per epoch here: every stair is an epoch long.
            (rate,) = set(run.learning_rate[rates].tolist())
            expected += [
                f"{run.epoch_loss[epoch - 1]:.4f}",
                f"{run.fit_loss[epoch - 1]:.4f}",
                f"{rate:.3g}",
            ]
        assert cells == expected, epoch
    for run in ("constant", "schedule"):
        assert f"{run}: the {UPDATES} rates read from the optimizer state are schedule(0)" in out
    assert re.search(f"differ from update {PER_EPOCH}, in epoch 2 .* epoch 1 are identical", out)


def test_command_line_writes_the_plot(shown: tuple[int, str, pathlib.Path]) -> None:
    _, out, png = shown
    assert png.read_bytes()[: len(PNG_MAGIC)] == PNG_MAGIC
    height, width, _ = matplotlib.image.imread(png).shape
    assert height > 0.5 * width  # two panels, one above the other
    assert f"Wrote {png}" in out


def test_default_schedule_is_a_visible_staircase_of_whole_epochs() -> None:
    total = _demo.DEFAULT_EPOCHS * PER_EPOCH
    schedule, _ = _demo._presets(_demo.DEFAULT_EPOCHS, PER_EPOCH)[_demo.DEFAULT_SCHEDULE]
    (phase,) = js.describe(schedule, total, PER_EPOCH)
    assert phase.period_kind == "stair" and phase.period % PER_EPOCH == 0
    assert phase.periods >= 4 and phase.last_value < 0.1 * phase.start_value
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        js.check_horizon(schedule, total, steps_per_epoch=PER_EPOCH)


def test_seed_schedule_is_the_reports_staircase_in_updates() -> None:
    total = _demo.DEFAULT_EPOCHS * PER_EPOCH
    schedule, _ = _demo._presets(_demo.DEFAULT_EPOCHS, PER_EPOCH)["seed"]
    assert js.describe(schedule, total, PER_EPOCH)[0].period == 25
    with pytest.warns(js.HorizonWarning, match="was 25 meant in epochs"):
        js.check_horizon(schedule, total, steps_per_epoch=PER_EPOCH)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (js.ExponentialDecay(0.03, 10, 0.5), 0.03),
        # A warmup from 0 would give a constant run of 0: its peak instead.
        (js.warmup_cosine_decay(0.0, 2e-3, warmup_steps=10, decay_steps=100), 2e-3),
    ],
)
def test_constant_run_rate(schedule: js.Schedule, expected: float) -> None:
    rate = _demo._first_rate(schedule, 100)
    assert rate == expected and np.float32(rate) == js.preview(schedule, 100).max()
