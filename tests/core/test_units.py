"""Units: epochs, fractions and microbatches in updates; the horizon a schedule has."""

from __future__ import annotations

import jaxsched as js


def test_conversions() -> None:
    assert js.epochs_to_updates(25, 390) == 9750
    assert js.epochs_to_updates(0.5, 391, rounding="floor") == 195
    assert js.epochs_to_updates(0.5, 391, rounding="ceil") == 196
    assert js.fraction_to_updates(0.05, 20_000) == 1000
    assert js.fraction_to_updates(0.333, 100, rounding="round") == 33
    assert js.microbatches_to_updates(8000, 4) == 2000
    assert isinstance(js.epochs_to_updates(2.0, 10), int)


def test_seed_000_staircase_every_25_epochs_not_25_steps() -> None:
    # Keras decayed every 25 *updates*; converting the unit makes the intent exact.
    steps_per_epoch = 32
    s = js.ExponentialDecay(1e-3, js.epochs_to_updates(25, steps_per_epoch), 0.95, staircase=True)
    assert s(25 * steps_per_epoch - 1) == s(0)
    assert s(25 * steps_per_epoch) < s(0)


def test_horizons() -> None:
    assert js.Constant(1.0).horizon == 0
    assert js.Linear(0.0, 1.0, 10, 5).horizon == 15
    assert js.MultiStepDecay(1.0, [10, 30]).horizon == 30
    assert js.PiecewiseConstant([], [1.0]).horizon == 0
    assert js.Warmup(js.CosineDecay(1.0, 90), 10).horizon == 100
    assert js.Warmup(js.StepDecay(1.0, 10), 10).horizon is None
    assert (js.Linear(0.0, 1.0, 10) * js.CosineDecay(1.0, 50)).horizon == 50
    assert js.FromFunction(abs, length=7).horizon == 7
