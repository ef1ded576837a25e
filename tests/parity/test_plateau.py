"""Reduce-on-plateau against PyTorch's ReduceLROnPlateau and Keras' callback, live.

Seeded metric sequences (noisy descents with plateaus, ties and spikes) are reported to
both, one report per "epoch"; the rates must agree to float32 rounding after every
report and the cuts must happen at exactly the same reports.
"""

from __future__ import annotations

import os
import types

import jax.numpy as jnp
import numpy as np
import optax
import pytest
import torch

import jaxsched as js
from tests.parity.common import MEASURED

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras

BASE = 0.1  # exact in float32 (0.1 is not, and PyTorch keeps it in float64)
BASE = float(np.float32(BASE))


def metrics(seed: int, n: int = 60) -> list[float]:
    """A loss that falls, stalls, ties exactly and spikes: every branch of the rules."""
    rng = np.random.default_rng(seed)
    level, out = 1.0, []
    for _ in range(n):
        kind = rng.integers(0, 4)
        if kind == 0:
            level *= float(rng.uniform(0.8, 0.99))  # better
        elif kind == 1:
            level *= float(rng.uniform(0.99995, 1.00005))  # within a rel threshold of 1e-4
        elif kind == 2:
            level *= float(rng.uniform(1.0, 1.2))  # worse
        out.append(float(np.float32(level)))  # what a float32 loss reports
    return out


def ours(rule: js.ReduceOnPlateau, sequence: list[float]) -> np.ndarray:
    tx = js.inject(optax.sgd, learning_rate=BASE, plateau=rule)
    state = tx.init({"w": jnp.zeros(2)})
    rates = []
    for metric in sequence:
        state = js.report_metric(state, metric)
        rates.append(BASE * float(state.factor("learning_rate", applied=False)))
    return np.asarray(rates)


def torch_rates(options: dict, sequence: list[float]) -> np.ndarray:
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    rates = []
    for metric in sequence:
        scheduler.step(metric)
        rates.append(optimizer.param_groups[0]["lr"])
    return np.asarray(rates)


def keras_rates(options: dict, sequence: list[float]) -> np.ndarray:
    callback = keras.callbacks.ReduceLROnPlateau(monitor="val_loss", **options)
    model = types.SimpleNamespace(optimizer=types.SimpleNamespace(learning_rate=BASE))
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, metric in enumerate(sequence):
        callback.on_epoch_end(epoch, {"val_loss": metric})
        rates.append(float(model.optimizer.learning_rate))
    return np.asarray(rates)


def compare(got: np.ndarray, want: np.ndarray, name: str) -> None:
    # Cuts at the same reports, exactly; rates within 5e-7 of the peak (each cut by a
    # factor such as 0.3, inexact in float32, adds its rounding).
    changes = lambda r: np.flatnonzero(np.diff(np.concatenate([[BASE], r])))  # noqa: E731
    assert changes(want).size, "the sequence makes no cut: it tests nothing"
    np.testing.assert_array_equal(changes(got), changes(want))
    np.testing.assert_allclose(got, want, rtol=0, atol=5e-7 * BASE)
    gap = float(np.max(np.abs(got - want)) / BASE)
    MEASURED[name] = max(MEASURED.get(name, 0.0), gap)


TORCH = [
    {},
    {"factor": 0.5, "patience": 2},
    {"factor": 0.5, "patience": 0, "cooldown": 2},
    {"mode": "max", "factor": 0.3, "patience": 1},
    {"threshold_mode": "abs", "threshold": 0.01, "patience": 3},
    {"mode": "max", "threshold_mode": "abs", "threshold": 0.0, "patience": 1, "cooldown": 1},
    {"factor": 0.1, "patience": 1, "min_lr": 1e-4},
    {"factor": 0.9, "patience": 0, "eps": 1e-3},
]


@pytest.mark.parametrize("options", TORCH, ids=[str(o) for o in TORCH])
@pytest.mark.parametrize("seed", range(4))
def test_matches_pytorch_report_for_report(options: dict, seed: int) -> None:
    sequence = metrics(seed)
    if options.get("mode") == "max":
        sequence = [-m for m in sequence]
    got = ours(js.ReduceOnPlateau(**options), sequence)
    compare(got, torch_rates(options, sequence), "ReduceOnPlateau vs torch")


KERAS = [
    {},
    {"factor": 0.5, "patience": 2},
    {"factor": 0.5, "patience": 1, "cooldown": 2},
    {"mode": "max", "factor": 0.3, "patience": 1, "min_delta": 0.0},
    {"factor": 0.2, "patience": 1, "min_lr": 2e-3},
]


@pytest.mark.parametrize("options", KERAS, ids=[str(o) for o in KERAS])
@pytest.mark.parametrize("seed", range(4))
def test_matches_keras_report_for_report(options: dict, seed: int) -> None:
    sequence = metrics(seed)
    if options.get("mode") == "max":
        sequence = [-m for m in sequence]
    got = ours(js.ReduceOnPlateau.keras(**options), sequence)
    compare(got, keras_rates(options, sequence), "ReduceOnPlateau.keras vs keras")
