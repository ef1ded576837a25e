"""jaxsched against values recorded from libraries that do not install in CI.

``tools/record_goldens.py`` recorded them from TensorFlow 2.15 (TF1 functions), TF Addons
0.23, TF Model Garden 2.15, Hugging Face transformers 5.23 and timm 1.0.31 (versions in
each file). Every recorded case is mapped to a jaxsched call here, and every case must be
mapped. Tolerance ``5e-7 * peak``; where a reference departs from jaxsched on purpose the
steps are named and the departure itself is asserted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js
from tests.parity.common import MEASURED

GOLDENS = Path(__file__).parent.parent / "goldens"


def _load(family: str) -> dict[str, Any]:
    return json.loads((GOLDENS / f"{family}.json").read_text())


def _halving(cycle: jnp.ndarray) -> jnp.ndarray:
    return 1 / (2.0 ** (cycle - 1))


def _decay_per_iteration(step: jnp.ndarray) -> jnp.ndarray:
    return 0.99**step


def _tf1(case: str, k: dict) -> js.Schedule:
    if case.startswith("linear_cosine"):
        return js.LinearCosineDecay(
            k["learning_rate"], k["decay_steps"], k["num_periods"], k["alpha"], k["beta"]
        )
    cls = js.NaturalExpDecay if case.startswith("natural_exp") else js.InverseTimeDecay
    return cls(k["learning_rate"], k["decay_steps"], k["decay_rate"], staircase=k["staircase"])


def _tfa(case: str, k: dict) -> js.Schedule:
    low, high, size = k["initial_learning_rate"], k["maximal_learning_rate"], k["step_size"]
    if case == "custom_cycle":
        return js.Cyclical(low, high, size, scale_fn=_halving, scale_mode="cycle")
    if case == "custom_iterations":
        return js.Cyclical(low, high, size, scale_fn=_decay_per_iteration, scale_mode="iterations")
    # The other cases are named after the mode.
    return js.Cyclical(low, high, size, mode=case, gamma=k.get("gamma", 1.0))


def _model_garden(case: str, k: dict) -> js.Schedule:
    if case == "direct_power":
        return js.DirectPowerDecay(k["initial_learning_rate"], k["power"])
    if case.startswith("power_linear"):
        return js.PowerAndLinearDecay(
            k["initial_learning_rate"],
            k["total_decay_steps"],
            k["power"],
            k["linear_decay_fraction"],
            k["offset"],
        )
    if case == "power_offset":
        return js.PowerDecayWithOffset(
            k["initial_learning_rate"], k["power"], k["offset"], k["pre_offset_learning_rate"]
        )
    if case in ("poly_warmup", "linear_warmup_cosine"):
        # Model Garden's after-schedule sees the global step; with offset = warmup_steps
        # it starts where the warmup ends, which is jaxsched's Warmup.
        after = k["after_warmup_lr_sched"]["kwargs"]
        assert after["offset"] == k["warmup_steps"]
        if case == "poly_warmup":
            inner = js.Polynomial(
                after["initial_learning_rate"],
                after["end_learning_rate"],
                after["power"],
                after["decay_steps"],
            )
            return js.Warmup(inner, k["warmup_steps"], power=k["power"])
        inner = js.CosineDecay(after["initial_learning_rate"], after["decay_steps"], after["alpha"])
        return js.Warmup(inner, k["warmup_steps"], k["warmup_learning_rate"])
    if case == "piecewise_offset":
        # Model Garden (as Keras) switches one step after each boundary.
        boundaries = [b + 1 for b in k["boundaries"]]
        return js.Offset(js.PiecewiseConstant(boundaries, k["values"]), k["offset"])
    assert case == "exponential_offset"
    inner = js.ExponentialDecay(
        k["initial_learning_rate"], k["decay_steps"], k["decay_rate"], staircase=k["staircase"]
    )
    return js.Offset(inner, k["offset"])


def _hf(case: str, k: dict, base: float) -> js.Schedule:
    warmup = k.get("num_warmup_steps", 0)
    total = k.get("num_training_steps")
    if case.startswith("wsd"):
        ratio = k["min_lr_ratio"]
        return js.warmup_stable_decay(
            base,
            warmup,
            k["num_stable_steps"],
            k["num_decay_steps"],
            init_value=ratio * base,
            min_ratio=ratio,
            warmup_shape=k["warmup_type"],
            decay_shape=k["decay_type"],
        )
    if case.startswith("inverse_sqrt"):
        timescale = k.get("timescale") or (warmup or 10_000)
        return js.Warmup(js.InverseSqrtDecay(base, timescale), warmup)
    after = {
        "cosine_min_lr": lambda: js.CosineDecay(base, total - warmup, alpha=k.get("min_lr_rate")),
        "linear": lambda: js.Linear(base, 0.0, total - warmup),
        "cosine": lambda: js.CosineDecay(base, total - warmup),
        "polynomial": lambda: js.Polynomial(base, k["lr_end"], k["power"], total - warmup),
        "constant_warmup": lambda: js.Constant(base),
        "hard_restarts": lambda: js.Join(
            [
                js.Restarts(
                    js.CosineDecay(base, cycle := (total - warmup) // k["num_cycles"]), cycle
                ),
                js.Constant(0.0),
            ],
            [total - warmup],
        ),
    }[case]()
    return js.Warmup(after, warmup)


def _timm(case: str, k: dict, base: float) -> js.Schedule:
    if case == "step":
        return js.StepDecay(base, k["decay_t"], k["decay_rate"])
    if case == "multistep":
        # timm applies milestone m from update m - 1 (its "historical convention").
        return js.MultiStepDecay(base, [m - 1 for m in k["decay_t"]], k["decay_rate"])
    if case.startswith("wsd"):
        return js.warmup_stable_decay(
            base,
            k["warmup_t"],
            k["t_initial"] - k["decay_t"],
            k["decay_t"],
            end_value=k["lr_min"],
            decay_shape=k["decay_fn"],
        )
    shape = case.split("_")[0]  # cosine_..., tanh_..., poly_...
    extra = {name: float(k[name]) for name in ("lb", "ub", "power") if name in k}
    cycles = js.DecayCycles(
        base,
        k["t_initial"],
        shape,
        k.get("lr_min", 0.0),
        k.get("cycle_mul", 1.0),
        k.get("cycle_decay", 1.0),
        k.get("cycle_limit", 1),
        k.get("k_decay", 1.0),
        **extra,
    )
    warmup = k.get("warmup_t", 0)
    if not warmup:
        return cycles
    init = k["warmup_lr_init"]
    if k["warmup_prefix"]:
        return js.Warmup(cycles, warmup, init)
    # Without the prefix the cycles run on the global step under the warmup: tanh
    # warms up to its own value at warmup_t, cosine to the base rate.
    if shape == "tanh":
        return js.Warmup(js.Offset(cycles, -warmup), warmup, init)
    return js.Join([js.Linear(init, base, warmup), js.Offset(cycles, -warmup)], [warmup])


BUILDERS: dict[str, Callable[[str, dict, float], js.Schedule]] = {
    "tf1": lambda case, k, base: _tf1(case, k),
    "tfa": lambda case, k, base: _tfa(case, k),
    "model_garden": lambda case, k, base: _model_garden(case, k),
    "hf": _hf,
    "timm": _timm,
}

# (family, case) -> the steps where the reference departs from jaxsched on purpose.
# Each departure is asserted below, so a reference that changes shows up.
DEPARTURES: dict[tuple[str, str], Callable[[np.ndarray], np.ndarray]] = {
    # Model Garden's polynomial warmup uses max(t, 1): update 0 repeats update 1.
    ("model_garden", "poly_warmup"): lambda t: t == 0,
    # Model Garden evaluates the base at negative steps: a staircase then goes above I.
    ("model_garden", "exponential_offset"): lambda t: t < 5,
    # Hugging Face's cosines rise again after num_training_steps; jaxsched holds the floor.
    ("hf", "cosine"): lambda t: t > 40,
    ("hf", "cosine_min_lr"): lambda t: t > 40,
    # timm's float logarithm starts the restart due at 121 one update late.
    ("timm", "cosine_mul3"): lambda t: t == 121,
}


def _golden_cases() -> list[tuple[str, str, dict]]:
    return [
        (family, case, recorded)
        for family in BUILDERS
        for case, recorded in _load(family)["cases"].items()
        if "values" in recorded
    ]


@pytest.mark.parametrize(
    ("family", "case", "recorded"),
    _golden_cases(),
    ids=[f"{f}-{c}" for f, c, _ in _golden_cases()],
)
def test_matches_recorded_values(family: str, case: str, recorded: dict) -> None:
    schedule = BUILDERS[family](case, recorded["kwargs"], recorded.get("base_lr"))
    steps = np.asarray(recorded["steps"])
    expected = np.asarray(recorded["values"], np.float64)
    got = np.asarray(schedule(steps), np.float64)
    departs = DEPARTURES.get((family, case), lambda t: np.zeros_like(t, bool))(steps)
    scale = float(np.max(np.abs(expected))) or 1.0
    gap = np.abs(got - expected)[~departs]
    MEASURED[f"golden {family} {case}"] = float(np.max(gap) / scale)
    np.testing.assert_allclose(got[~departs], expected[~departs], rtol=0, atol=5e-7 * scale)
    # Each departure is real: the reference value differs by far more than rounding.
    assert np.all(np.abs(got - expected)[departs] > 1e-3 * scale)


def test_every_departure_names_a_recorded_case() -> None:
    recorded = {(f, c) for f, c, _ in _golden_cases()}
    assert set(DEPARTURES) <= recorded


def test_timm_restart_is_exact_where_timm_is_late() -> None:
    recorded = _load("timm")["cases"]["cosine_mul3"]
    values = dict(zip(recorded["steps"], recorded["values"], strict=True))
    ours = _timm("cosine_mul3", recorded["kwargs"], recorded["base_lr"])
    # Cycles of 1, 3, 9, 27, 81 updates: the fifth restart is due at 1+3+9+27+81 = 121.
    assert values[121] == 0.0  # timm: the end of the previous cycle
    assert float(ours(121)) == 0.5  # jaxsched: the restart, at the peak


def test_noisy_linear_cosine_matches_tf_statistics() -> None:
    recorded = _load("tf1")["cases"]["noisy_linear_cosine"]
    k = recorded["kwargs"]
    draws = 4000
    batch = jnp.arange(draws)
    for step, mean, std, clean, samples in zip(
        recorded["steps"],
        recorded["mean"],
        recorded["std"],
        recorded["clean"],
        recorded["samples"],
        strict=True,
    ):
        ours = np.asarray(_noisy(k, step, batch))
        # Means agree within 5 standard errors of the difference of two sample means.
        error = 5 * np.sqrt(std**2 / samples + np.var(ours) / draws) + 1e-7
        assert abs(ours.mean() - mean) <= error
        assert abs(ours.std() - std) <= 5 * std / np.sqrt(samples) + 1e-7
        # And the noise-free value is LinearCosineDecay's.
        assert float(_tf1("linear_cosine", k)(step)) == pytest.approx(clean, abs=5e-7)


def _noisy(k: dict, step: int, seeds: jnp.ndarray) -> jnp.ndarray:
    def one(seed: jnp.ndarray) -> jnp.ndarray:
        return js.NoisyLinearCosineDecay(
            k["learning_rate"],
            k["decay_steps"],
            k["initial_variance"],
            k["variance_decay"],
            k["num_periods"],
            k["alpha"],
            k["beta"],
            seed=seed,
        )(step)

    return jax.vmap(one)(seeds)
