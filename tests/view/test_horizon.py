"""The horizon check: a run's length against the schedule's, in the user's units."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import jaxsched as js


@pytest.mark.parametrize(
    ("planned", "pattern"),
    [
        (2500, r"4x longer than the run.*gradient accumulation of 4"),
        (100_000, r"run is 10x longer than the schedule.*epochs"),
        (7000, r"its last part is never reached"),
        (9_998, r"its last part is never reached"),
        (10_002, r"the value holds for the last 2 updates"),
    ],
)
def test_check_horizon_warns(planned: int, pattern: str) -> None:
    s = js.warmup_cosine_decay(0.0, 1e-3, 100, decay_steps=10_000)
    with pytest.warns(js.HorizonWarning, match=pattern) as caught:
        report = js.check_horizon(s, planned)
    assert report.horizon == 10_000
    assert report.warnings == (str(caught[0].message),)


@pytest.mark.parametrize("planned", [500, 501])
def test_the_end_of_a_run_is_either_convention(planned: int) -> None:
    # decay_steps=N: the N updates stop one short of the end value; N - 1: the last uses it.
    s = js.CosineDecay(1.0, 500, end_value=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = js.check_horizon(s, planned)
    assert report.horizon == 500
    assert (report.last_value == np.float32(0.1)) == (planned == 501)
    assert f"at update {planned - 1}" in str(report)


def test_check_horizon_speaks_for_schedules_without_a_horizon() -> None:
    s = js.CosineRestarts(1.0, first_decay_steps=64, t_mul=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 64 updates = 2 epochs; 50 epochs: not a fraction
        report = js.check_horizon(s, 50 * 32, steps_per_epoch=32)
    assert report.horizon is None and report.warnings == ()
    assert str(report).splitlines() == [
        f"The run's 1600 updates (50 epochs) go from 1 at update 0 to {float(s(1599)):.4g} at update 1599.",
        "The schedule has no horizon: it keeps changing.",
        "cosine restarts: 25 cycles of 64 updates = 2 epochs.",
    ]
    with pytest.warns(js.HorizonWarning, match=r"a cycle every 10 updates.*run of 50 epochs"):
        js.check_horizon(js.CosineRestarts(1.0, 10, t_mul=1.0), 50 * 32, steps_per_epoch=32)
    # Stairs of 2 epochs in a run of 100 epochs of 5 updates: 10 divides 100, but it was
    # converted from epochs already.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        js.check_horizon(js.StepDecay(1.0, js.epochs_to_updates(2, 5)), 100 * 5, steps_per_epoch=5)
