"""Bad inputs: each raises at construction, naming the function, argument and value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js

C = js.Constant(1.0)

# (id, constructor call, exception, message pattern)
BAD: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    (
        "restarts_shrinking",
        lambda: js.CosineRestarts(1.0, 10, t_mul=0.5),
        ValueError,
        r"CosineRestarts: t_mul must be >= 1, got t_mul=0\.5",
    ),
    (
        "restarts_both_floors",
        lambda: js.CosineRestarts(1.0, 10, alpha=0.1, end_value=0.1),
        ValueError,
        r"CosineRestarts: end_value cannot be combined with alpha=0\.1",
    ),
    (
        "restarts_zero_period",
        lambda: js.Restarts(js.Constant(1.0), 0),
        ValueError,
        r"Restarts: period must be positive, got period=0",
    ),
    ("sgdr_empty", lambda: js.sgdr([]), ValueError, r"sgdr: needs at least one cycle"),
    (
        "sgdr_not_dict",
        lambda: js.sgdr([(0.0, 1.0, 5, 50)]),
        TypeError,
        r"sgdr: cycle 0 must be a dict of warmup_cosine_decay arguments",
    ),
    (
        "cyclical_zero_up",
        lambda: js.Cyclical(0.1, 1.0, 0),
        ValueError,
        r"Cyclical: step_size_up must be positive, got step_size_up=0",
    ),
    (
        "cyclical_growth",
        lambda: js.Cyclical(0.1, 1.0, 5, mode="exp_range", gamma=1.5),
        ValueError,
        r"Cyclical: gamma must be <= 1, got gamma=1\.5",
    ),
    (
        "cyclical_mode",
        lambda: js.Cyclical(0.1, 1.0, 5, mode="sine"),
        ValueError,
        r"Cyclical: mode must be one of \('triangular', 'triangular2', 'exp_range'\), "
        r"got mode='sine'",
    ),
    (
        "cyclical_scale_fn",
        lambda: js.Cyclical(0.1, 1.0, 5, scale_fn=0.3),
        TypeError,
        r"Cyclical: scale_fn must be a function or None, got scale_fn=0\.3",
    ),
    (
        "cyclical_scale_mode",
        lambda: js.Cyclical(0.1, 1.0, 5, scale_mode="epoch"),
        ValueError,
        r"Cyclical: scale_mode must be one of \('cycle', 'iterations'\)",
    ),
    (
        "interpolate_empty",
        lambda: js.PiecewiseInterpolate([], []),
        ValueError,
        r"PiecewiseInterpolate: steps must not be empty",
    ),
    (
        "interpolate_lengths",
        lambda: js.PiecewiseInterpolate([0, 10], [1.0]),
        ValueError,
        r"PiecewiseInterpolate: values must have one entry per step \(2\), got values=\[1\.0\]",
    ),
    (
        "interpolate_unsorted",
        lambda: js.PiecewiseInterpolate([10, 0], [1.0, 0.0]),
        ValueError,
        r"PiecewiseInterpolate: steps must be strictly increasing",
    ),
    (
        "interpolate_kind",
        lambda: js.PiecewiseInterpolate([0, 1], [1.0, 0.0], "cubic"),
        ValueError,
        r"PiecewiseInterpolate: interpolation must be one of \('linear', 'cosine'\)",
    ),
    (
        "onecycle_collide",
        lambda: js.linear_onecycle(3, 1.0),
        ValueError,
        r"linear_onecycle: the phases fall on steps \[0, 0, 2, 3\], so one has zero length",
    ),
    (
        "cosine_onecycle_collide",
        lambda: js.cosine_onecycle(1, 1.0),
        ValueError,
        r"cosine_onecycle: the phases fall on steps \[0, 0, 1\]",
    ),
    (
        "torch_onecycle_short",
        lambda: js.OneCycle(1.0, 2),
        ValueError,
        r"OneCycle: total_steps=2 with pct_start=0\.3 gives phase ends .* so a phase has no "
        r"length",
    ),
    (
        "torch_onecycle_pct",
        lambda: js.OneCycle(1.0, 100, pct_start=0.0),
        ValueError,
        r"OneCycle: pct_start must be positive",
    ),
    (
        "polynomial_cycle_flag",
        lambda: js.Polynomial(1.0, 0.0, 1.0, 10, cycle=1),
        TypeError,
        r"Polynomial: cycle must be True or False, got cycle=1",
    ),
    (
        "constant_nan",
        lambda: js.Constant(float("nan")),
        ValueError,
        r"Constant: value must be finite, got value=nan",
    ),
    (
        "constant_str",
        lambda: js.Constant("0.1"),
        TypeError,
        r"Constant: value must be a real number, got value='0.1'",
    ),
    ("constant_bool", lambda: js.Constant(True), TypeError, r"value must be a real number"),
    (
        "linear_zero_steps",
        lambda: js.Linear(1.0, 0.0, 0),
        ValueError,
        r"Linear: transition_steps must be positive, got transition_steps=0\. .*Constant",
    ),
    (
        "linear_float_steps",
        lambda: js.Linear(1.0, 0.0, 10.5),
        TypeError,
        r"Linear: transition_steps must be an integer number of optimizer updates, "
        r"got transition_steps=10\.5.*epochs_to_updates",
    ),
    (
        "linear_negative_begin",
        lambda: js.Linear(1.0, 0.0, 10, -1),
        ValueError,
        r"Linear: transition_begin must be >= 0, got transition_begin=-1",
    ),
    (
        "linear_huge_steps",
        lambda: js.Linear(1.0, 0.0, 2**31),
        ValueError,
        r"transition_steps must be <= 2\*\*31 - 1",
    ),
    (
        "polynomial_zero_power",
        lambda: js.Polynomial(1.0, 0.0, 0.0, 10),
        ValueError,
        r"Polynomial: power must be positive, got power=0\.0",
    ),
    (
        "exponential_zero_rate",
        lambda: js.ExponentialDecay(1.0, 10, 0.0),
        ValueError,
        r"ExponentialDecay: decay_rate must be positive, got decay_rate=0\.0",
    ),
    (
        "exponential_growth_no_cap",
        lambda: js.ExponentialDecay(1.0, 10, 1.5),
        ValueError,
        r"ExponentialDecay: decay_rate above 1 grows without bound.*Set end_value",
    ),
    (
        "exponential_staircase_str",
        lambda: js.ExponentialDecay(1.0, 10, 0.5, staircase="yes"),
        TypeError,
        r"ExponentialDecay: staircase must be True or False, got staircase='yes'",
    ),
    (
        "exponential_zero_steps",
        lambda: js.ExponentialDecay(1.0, 0, 0.5),
        ValueError,
        r"transition_steps must be positive, got transition_steps=0",
    ),
    (
        "natural_exp_negative_rate",
        lambda: js.NaturalExpDecay(1.0, 10, -0.1),
        ValueError,
        r"NaturalExpDecay: decay_rate must be non-negative, got decay_rate=-0\.1",
    ),
    (
        "inverse_time_zero_steps",
        lambda: js.InverseTimeDecay(1.0, 0, 0.1),
        ValueError,
        r"InverseTimeDecay: decay_steps must be positive",
    ),
    (
        "cosine_zero_steps",
        lambda: js.CosineDecay(1.0, 0),
        ValueError,
        r"CosineDecay: decay_steps must be positive, got decay_steps=0",
    ),
    (
        "cosine_alpha_and_end",
        lambda: js.CosineDecay(1.0, 10, alpha=0.1, end_value=0.1),
        ValueError,
        r"CosineDecay: end_value cannot be combined with alpha=0\.1",
    ),
    (
        "cosine_zero_exponent",
        lambda: js.CosineDecay(1.0, 10, exponent=0),
        ValueError,
        r"exponent must be positive",
    ),
    (
        "piecewise_unsorted",
        lambda: js.PiecewiseConstant([20, 10], [1.0, 0.5, 0.1]),
        ValueError,
        r"PiecewiseConstant: boundaries must be strictly increasing, got boundaries=\[20, 10\]",
    ),
    (
        "piecewise_repeated",
        lambda: js.PiecewiseConstant([10, 10], [1.0, 0.5, 0.1]),
        ValueError,
        r"strictly increasing",
    ),
    (
        "piecewise_lengths",
        lambda: js.PiecewiseConstant([10, 20], [1.0, 0.5]),
        ValueError,
        r"PiecewiseConstant: values must have one more entry than boundaries \(2\), "
        r"got values=\[1\.0, 0\.5\]",
    ),
    (
        "piecewise_negative_boundary",
        lambda: js.PiecewiseConstant([-1], [1.0, 0.5]),
        ValueError,
        r"boundaries must be >= 0",
    ),
    (
        "piecewise_2d",
        lambda: js.PiecewiseConstant([[1, 2]], [1.0, 0.5, 0.1]),
        ValueError,
        r"boundaries must be a 1-D sequence",
    ),
    (
        "scales_negative",
        lambda: js.PiecewiseConstant.from_scales(1.0, {10: -0.1}),
        ValueError,
        r"PiecewiseConstant\.from_scales: boundaries_and_scales\[10\] must be non-negative",
    ),
    (
        "scales_not_dict",
        lambda: js.PiecewiseConstant.from_scales(1.0, [(10, 0.1)]),
        TypeError,
        r"boundaries_and_scales must be a dict",
    ),
    (
        "step_zero_size",
        lambda: js.StepDecay(1.0, 0),
        ValueError,
        r"StepDecay: step_size must be positive, got step_size=0",
    ),
    (
        "step_growth",
        lambda: js.StepDecay(1.0, 10, gamma=2.0),
        ValueError,
        r"StepDecay: gamma must be <= 1, got gamma=2\.0\. A gamma above 1",
    ),
    (
        "multistep_unsorted",
        lambda: js.MultiStepDecay(1.0, [30, 10]),
        ValueError,
        r"MultiStepDecay: milestones must be sorted in increasing order, got milestones=\[30, 10\]",
    ),
    (
        "warmup_bad_start",
        lambda: js.Warmup(C, 10, start="one"),
        ValueError,
        r"Warmup: start must be one of \('zero', 'first_step'\), got start='one'",
    ),
    (
        "warmup_lambda",
        lambda: js.Warmup(lambda t: 1.0, 10),
        TypeError,
        r"Warmup: schedule must be a jaxsched schedule, got the plain callable.*FromFunction",
    ),
    (
        "warmup_negative",
        lambda: js.Warmup(C, -1),
        ValueError,
        r"Warmup: warmup_steps must be >= 0, got warmup_steps=-1",
    ),
    (
        "warmup_cosine_too_short",
        lambda: js.warmup_cosine_decay(0.0, 1.0, 100, 100),
        ValueError,
        r"warmup_cosine_decay: decay_steps must be greater than warmup_steps=100, got "
        r"decay_steps=100\. decay_steps is the total length",
    ),
    (
        "warmup_exponential_start",
        lambda: js.warmup_exponential_decay(0.0, 1.0, 5, 10, 0.5, start="late"),
        ValueError,
        r"warmup_exponential_decay: start must be one of",
    ),
    (
        "join_counts",
        lambda: js.Join([C, C], [5, 10]),
        ValueError,
        r"Join: boundaries must have one entry fewer than schedules \(2\), got boundaries=\[5, 10\]",
    ),
    (
        "join_unsorted",
        lambda: js.Join([C, C, C], [10, 5]),
        ValueError,
        r"Join: boundaries must be sorted in increasing order",
    ),
    ("join_single", lambda: js.Join(C, []), TypeError, r"Join: schedules must be a list"),
    (
        "join_empty",
        lambda: js.Join([], []),
        ValueError,
        r"Join: schedules needs at least 1 schedule, got schedules=\[\]",
    ),
    (
        "join_float",
        lambda: js.Join([C, 0.1], [5]),
        TypeError,
        r"Join: schedules\[1\] must be a jaxsched schedule, got schedules\[1\]=0\.1",
    ),
    ("phases_none", lambda: js.phases(), ValueError, r"phases: needs at least one phase"),
    (
        "phases_no_length",
        lambda: js.phases(C, C),
        ValueError,
        r"phases: phase 0 \(Constant\) has no length of its own \(horizon=0\)\. "
        r"Give it one: \(Constant\(\.\.\.\), length\)",
    ),
    (
        "phases_open_ended",
        lambda: js.phases(js.ExponentialDecay(1.0, 5, 0.5), C),
        ValueError,
        r"phase 0 \(ExponentialDecay\) has no length of its own \(horizon=None\)",
    ),
    (
        "phases_bad_pair",
        lambda: js.phases((C, 5, 6)),
        TypeError,
        r"phases: phase 0 must be a schedule or a \(schedule, length\) pair",
    ),
    (
        "phases_negative",
        lambda: js.phases((C, -5), C),
        ValueError,
        r"phases: phase 0 length must be >= 0",
    ),
    (
        "product_one",
        lambda: js.Product([C]),
        ValueError,
        r"Product: schedules needs at least 2 schedules",
    ),
    (
        "scale_inf",
        lambda: js.Scale(C, float("inf")),
        ValueError,
        r"Scale: factor must be finite, got factor=inf",
    ),
    ("clip_nothing", lambda: js.Clip(C), ValueError, r"Clip: min_value or max_value must be given"),
    (
        "clip_inverted",
        lambda: js.Clip(C, min_value=0.5, max_value=0.1),
        ValueError,
        r"Clip: max_value must be >= 0\.5, got max_value=0\.1",
    ),
    ("offset_float", lambda: js.Offset(C, 2.5), TypeError, r"Offset: offset must be an integer"),
    ("hold_negative", lambda: js.Hold(C, -1), ValueError, r"Hold: length must be >= 0"),
    (
        "from_function_not_callable",
        lambda: js.FromFunction(0.1),
        TypeError,
        r"FromFunction: fn must be a plain function of the step, got fn=0\.1",
    ),
    (
        "from_function_schedule",
        lambda: js.FromFunction(C),
        TypeError,
        r"FromFunction: fn must be a plain function",
    ),
    (
        "batched_with_one_bad",
        lambda: js.Constant(np.array([0.1, np.inf])),
        ValueError,
        r"value must be finite, got value=\[0\.1, inf\]",
    ),
    (
        "epochs_fraction",
        lambda: js.epochs_to_updates(0.5, 391),
        ValueError,
        r"epochs_to_updates: epochs=0\.5 x steps_per_epoch=391 is 195\.5 updates, not a whole "
        r"number\. Say how to round it: rounding='floor', 'ceil' or 'round'",
    ),
    (
        "epochs_bad_rounding",
        lambda: js.epochs_to_updates(0.5, 391, rounding="up"),
        ValueError,
        r"epochs_to_updates: rounding must be one of \('floor', 'ceil', 'round'\)",
    ),
    (
        "fraction_above_one",
        lambda: js.fraction_to_updates(1.5, 100),
        ValueError,
        r"fraction_to_updates: fraction must be <= 1, got fraction=1\.5",
    ),
    (
        "microbatches_uneven",
        lambda: js.microbatches_to_updates(10, 4),
        ValueError,
        r"microbatches_to_updates: microbatches=10 / accumulation_steps=4 is 2\.5 updates",
    ),
    (
        "horizon_zero_run",
        lambda: js.check_horizon(C, 0),
        ValueError,
        r"check_horizon: planned_updates must be positive",
    ),
    (
        "warmup_unknown_shape",
        lambda: js.Warmup(C, 5, shape="exp"),
        ValueError,
        r"Warmup: shape must be one of .*got shape='exp'",
    ),
    (
        "warmup_zero_power",
        lambda: js.Warmup(C, 5, power=0.0),
        ValueError,
        r"Warmup: power must be positive, got power=0\.0",
    ),
    (
        "cooldown_zero_length",
        lambda: js.Cooldown(C, 10, 0),
        ValueError,
        r"Cooldown: cooldown_steps must be positive, got cooldown_steps=0",
    ),
    (
        "cooldown_float_start",
        lambda: js.Cooldown(C, 10.5, 5),
        TypeError,
        r"Cooldown: start_step must be an integer number of optimizer updates, got start_step=10\.5",
    ),
    (
        "rewarmup_plain_callable",
        lambda: js.Rewarmup(C, lambda t: 1.0, 10, 5),
        TypeError,
        r"Rewarmup: after must be a jaxsched schedule.*FromFunction",
    ),
    (
        "wsd_both_floors",
        lambda: js.warmup_stable_decay(1.0, 2, 3, 4, end_value=0.1, min_ratio=0.1),
        ValueError,
        r"warmup_stable_decay: end_value cannot be combined with min_ratio=0\.1",
    ),
    (
        "wsd_unknown_decay_shape",
        lambda: js.warmup_stable_decay(1.0, 2, 3, 4, decay_shape="sqrt"),
        ValueError,
        r"warmup_stable_decay: decay_shape must be one of .*got decay_shape='sqrt'",
    ),
    (
        "wsd_zero_decay",
        lambda: js.warmup_stable_decay(1.0, 2, 3, 0),
        ValueError,
        r"warmup_stable_decay: decay_steps must be positive, got decay_steps=0",
    ),
    (
        "wsd_too_long",
        lambda: js.warmup_stable_decay(1.0, 2**31 - 1, 3, 4),
        ValueError,
        r"warmup_stable_decay: stable_steps plus warmup_steps=2147483647 must be <= 2\*\*31 - 1",
    ),
    (
        "linear_cosine_zero_periods",
        lambda: js.LinearCosineDecay(1.0, 10, num_periods=0.0),
        ValueError,
        r"LinearCosineDecay: num_periods must be positive, got num_periods=0\.0",
    ),
    (
        "noisy_negative_variance",
        lambda: js.NoisyLinearCosineDecay(1.0, 10, initial_variance=-1.0),
        ValueError,
        r"NoisyLinearCosineDecay: initial_variance must be non-negative",
    ),
    (
        "noisy_float_seed",
        lambda: js.NoisyLinearCosineDecay(1.0, 10, seed=0.5),
        TypeError,
        r"NoisyLinearCosineDecay: seed must be an integer seed, got seed=0\.5",
    ),
    (
        "noisy_huge_seed",
        lambda: js.NoisyLinearCosineDecay(1.0, 10, seed=2**40),
        ValueError,
        r"NoisyLinearCosineDecay: seed must fit in int32",
    ),
    (
        "inverse_sqrt_zero_timescale",
        lambda: js.InverseSqrtDecay(1.0, 0.0),
        ValueError,
        r"InverseSqrtDecay: timescale must be positive, got timescale=0\.0",
    ),
    (
        "noam_zero_warmup",
        lambda: js.Noam(512, 0),
        ValueError,
        r"Noam: warmup_steps must be positive, got warmup_steps=0",
    ),
    (
        "power_growing",
        lambda: js.DirectPowerDecay(1.0, 2.0),
        ValueError,
        r"DirectPowerDecay: power must be <= 1, got power=2\.0\. A power above 1 overflows",
    ),
    (
        "power_linear_fraction",
        lambda: js.PowerAndLinearDecay(1.0, 100, -0.5, linear_decay_fraction=1.5),
        ValueError,
        r"PowerAndLinearDecay: linear_decay_fraction must be <= 1, got linear_decay_fraction=1\.5",
    ),
    (
        "power_offset_negative",
        lambda: js.PowerDecayWithOffset(1.0, -0.5, offset=-1, pre_offset_value=1.0),
        ValueError,
        r"PowerDecayWithOffset: offset must be >= 0, got offset=-1",
    ),
    (
        "cycles_power_for_cosine",
        lambda: js.DecayCycles(1.0, 10, power=2.0),
        ValueError,
        r'DecayCycles: power applies to shape="poly" only, got power=2\.0',
    ),
    (
        "cycles_shrinking",
        lambda: js.DecayCycles(1.0, 10, cycle_mul=0.5),
        ValueError,
        r"DecayCycles: cycle_mul must be >= 1, got cycle_mul=0\.5",
    ),
    (
        "cycles_zero_limit",
        lambda: js.DecayCycles(1.0, 10, cycle_limit=0),
        ValueError,
        r"DecayCycles: cycle_limit must be positive, got cycle_limit=0",
    ),
    (
        "tanh_bounds_reversed",
        lambda: js.tanh_decay(1.0, 10, lb=3.0, ub=-7.0),
        ValueError,
        r"tanh_decay: ub must be > 3\.0, got ub=-7\.0",
    ),
    (
        "per_epoch_zero",
        lambda: js.PerEpoch(C, 0),
        ValueError,
        r"PerEpoch: steps_per_epoch must be positive, got steps_per_epoch=0",
    ),
]

# Factories name themselves and the argument as the user wrote it, never the inner class.
FACTORY_ERRORS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    (
        "wsd_peak_negative",
        lambda: js.warmup_stable_decay(-1.0, 2, 3, 4),
        ValueError,
        r"warmup_stable_decay: peak_value must be non-negative, got peak_value=-1\.0",
    ),
    (
        "wsd_warmup_shape",
        lambda: js.warmup_stable_decay(1.0, 2, 3, 4, warmup_shape="exp"),
        ValueError,
        r"warmup_stable_decay: warmup_shape must be one of",
    ),
    (
        "tanh_zero_length",
        lambda: js.tanh_decay(1.0, 0),
        ValueError,
        r"tanh_decay: decay_steps must be positive, got decay_steps=0",
    ),
    (
        "phases_too_long",
        lambda: js.phases((C, 2**30), (C, 2**30), C),
        ValueError,
        r"phases: the phases before the last add up to 2147483648 updates, more than "
        r"2\*\*31 - 1",
    ),
    (
        "warmup_cosine_peak_nan",
        lambda: js.warmup_cosine_decay(0.0, float("nan"), 10, 100),
        ValueError,
        r"warmup_cosine_decay: peak_value must be finite, got peak_value=nan",
    ),
    (
        "warmup_cosine_exponent",
        lambda: js.warmup_cosine_decay(0.0, 1.0, 10, 100, exponent=0.0),
        ValueError,
        r"warmup_cosine_decay: exponent must be positive",
    ),
    (
        "warmup_exponential_peak",
        lambda: js.warmup_exponential_decay(0.0, "1", 10, 100, 0.5),
        TypeError,
        r"warmup_exponential_decay: peak_value must be a real number, got peak_value='1'",
    ),
    (
        "warmup_exponential_init",
        lambda: js.warmup_exponential_decay(-0.1, 1.0, 10, 100, 0.5),
        ValueError,
        r"warmup_exponential_decay: init_value must be non-negative",
    ),
    (
        "sgdr_bad_cycle",
        lambda: js.sgdr(
            [
                dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=50),
                dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=5),
            ]
        ),
        ValueError,
        r"sgdr: cycles\[1\]\['decay_steps'\] must be greater than warmup_steps=5",
    ),
    (
        "linear_onecycle_zero_div",
        lambda: js.linear_onecycle(100, 1.0, div_factor=0.0),
        ValueError,
        r"linear_onecycle: div_factor must be positive, got div_factor=0\.0",
    ),
    (
        "cosine_onecycle_str_div",
        lambda: js.cosine_onecycle(100, 1.0, final_div_factor="10"),
        TypeError,
        r"cosine_onecycle: final_div_factor must be a real number, got final_div_factor='10'",
    ),
    (
        "onecycle_negative_div",
        lambda: js.OneCycle(1.0, 100, div_factor=-25.0),
        ValueError,
        r"OneCycle: div_factor must be positive, got div_factor=-25\.0",
    ),
    (
        "onecycle_floor_overflow",
        lambda: js.OneCycle(1e30, 100, div_factor=1e-10),
        ValueError,
        r"OneCycle: the start peak_value / div_factor is 1e\+40, beyond float32",
    ),
    (
        "scales_init_negative",
        lambda: js.PiecewiseConstant.from_scales(-1.0, {10: 0.1}),
        ValueError,
        r"PiecewiseConstant\.from_scales: init_value must be non-negative",
    ),
    (
        "multiply_by_string",
        lambda: C * "2",
        TypeError,
        r"Constant \* '2': a schedule multiplies with a number or another schedule, not a str",
    ),
    (
        "string_times_schedule",
        lambda: "2" * C,
        TypeError,
        r"'2' \* Constant: a schedule multiplies with a number or another schedule, not a str",
    ),
    (
        "multiply_by_bool",
        lambda: C * True,
        TypeError,
        r"not a bool",
    ),
]

# Values that are finite as float64 but not as float32, sums of lengths past 2**31 - 1,
# growth that reaches inf, and negative values: refused where they are written.
RANGE_ERRORS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    (
        "constant_beyond_float32",
        lambda: js.Constant(1e39),
        ValueError,
        r"Constant: value must be finite in float32 \(at most 3\.402823e\+38\), got value=1e\+39",
    ),
    (
        "linear_negative_end",
        lambda: js.Linear(3e38, -3e38, 10),
        ValueError,
        r"Linear: end_value must be non-negative, got end_value=-3e\+38\. .*-1\.0 \* schedule",
    ),
    (
        "timescale_zero_in_float32",
        lambda: js.InverseSqrtDecay(1.0, 1e-46),
        ValueError,
        r"InverseSqrtDecay: timescale must be positive in float32, got timescale=1e-46",
    ),
    (
        "restarts_peaks_not_positive",
        lambda: js.CosineRestarts(1.0, 10, m_mul=0.0),
        ValueError,
        r"CosineRestarts: m_mul must be positive, got m_mul=0\.0",
    ),
    (
        "cyclical_cycle_too_long",
        lambda: js.Cyclical(0.1, 1.0, step_size_up=2**30, step_size_down=2**30),
        ValueError,
        r"Cyclical: step_size_down plus step_size_up=1073741824 must be <= 2\*\*31 - 1",
    ),
    (
        "cyclical_implicit_cycle_too_long",
        lambda: js.Cyclical(0.1, 1.0, step_size_up=2**30),
        ValueError,
        r"Cyclical: step_size_up must be <= 2\*\*30 - 1 when step_size_down is not given",
    ),
    (
        "cosine_negative_alpha",
        lambda: js.CosineDecay(1.0, 10, alpha=-0.1),
        ValueError,
        r"CosineDecay: alpha must be non-negative",
    ),
    (
        "clip_negative",
        lambda: js.Clip(C, min_value=-1.0),
        ValueError,
        r"Clip: min_value must be non-negative",
    ),
    (
        "multistep_overflow",
        lambda: js.MultiStepDecay(1.0, [10, 20, 30], gamma=1e20),
        ValueError,
        r"MultiStepDecay: init_value \* gamma \*\* len\(milestones\) is 1e\+60, beyond float32",
    ),
    (
        "power_growth_overflow",
        lambda: js.DirectPowerDecay(1e35, 0.5),
        ValueError,
        r"DirectPowerDecay: init_value \* \(2\*\*31 - 1\)\*\*power is .*, beyond float32",
    ),
    (
        "linear_cosine_overflow",
        lambda: js.LinearCosineDecay(3e38, 10, alpha=1.0),
        ValueError,
        r"LinearCosineDecay: init_value \* \(1 \+ alpha \+ beta\) is .*, beyond float32",
    ),
    (
        "piecewise_negative_value",
        lambda: js.PiecewiseConstant([10], [1.0, -0.1]),
        ValueError,
        r"PiecewiseConstant: values must be non-negative, got values=\[1\.0, -0\.1\]",
    ),
]


def _foreign(
    make: Callable[[], Any], owner: str, name: str, library: str, ours: str
) -> tuple[str, Callable, type, str]:
    return (
        f"{owner}_{name}",
        make,
        TypeError,
        rf"{owner} has no argument '{name}'\. {name} is the {library} name for {ours}\b",
    )


# Other libraries' argument names get the jaxsched one, in the constructors themselves.
NAME_ERRORS = [
    _foreign(
        lambda: js.ExponentialDecay(1.0, decay_steps=10, decay_rate=0.5),
        "ExponentialDecay",
        "decay_steps",
        "Keras",
        "transition_steps",
    ),
    _foreign(
        lambda: js.CosineDecay(initial_learning_rate=1.0, decay_steps=9),
        "CosineDecay",
        "initial_learning_rate",
        "Keras",
        "init_value",
    ),
    _foreign(
        lambda: js.Polynomial(1.0, end_learning_rate=0.0, power=2.0, transition_steps=9),
        "Polynomial",
        "end_learning_rate",
        "Keras",
        "end_value",
    ),
    _foreign(
        lambda: js.warmup_cosine_decay(0.0, warmup_target=1.0, warmup_steps=1, decay_steps=9),
        "warmup_cosine_decay",
        "warmup_target",
        "Keras",
        "peak_value",
    ),
    _foreign(
        lambda: js.StepDecay(1.0, 10, decay_rate=0.5), "StepDecay", "decay_rate", "Keras", "gamma"
    ),
    _foreign(
        lambda: js.CosineRestarts(1.0, T_0=10),
        "CosineRestarts",
        "T_0",
        "PyTorch",
        "first_decay_steps",
    ),
    _foreign(
        lambda: js.DecayCycles(1.0, T_0=10, T_mult=2),
        "DecayCycles",
        "T_0",
        "PyTorch",
        "cycle_steps",
    ),
    _foreign(
        lambda: js.Cyclical(1e-3, maximal_learning_rate=1e-2, step_size=5),
        "Cyclical",
        "maximal_learning_rate",
        "TF Addons",
        "peak_value",
    ),
    _foreign(
        lambda: js.Cyclical(1e-3, 1e-2, step_size=5),
        "Cyclical",
        "step_size",
        "TF Addons",
        "step_size_up",
    ),
    _foreign(
        lambda: js.Cyclical(base_lr=1e-3, max_lr=1e-2, step_size_up=5),
        "Cyclical",
        "base_lr",
        "PyTorch",
        "init_value",
    ),
    _foreign(
        lambda: js.CosineDecay(1.0, T_max=10), "CosineDecay", "T_max", "PyTorch", "decay_steps"
    ),
    _foreign(
        lambda: js.CosineDecay(1.0, 10, eta_min=0.1),
        "CosineDecay",
        "eta_min",
        "PyTorch",
        "end_value",
    ),
    _foreign(
        lambda: js.ExponentialDecay(1.0, 1, gamma=0.9),
        "ExponentialDecay",
        "gamma",
        "PyTorch",
        "decay_rate",
    ),
    _foreign(
        lambda: js.PiecewiseConstant(milestones=[3], values=[1.0, 0.1]),
        "PiecewiseConstant",
        "milestones",
        "PyTorch",
        "boundaries",
    ),
    _foreign(
        lambda: js.OneCycle(max_lr=1.0, total_steps=100),
        "OneCycle",
        "max_lr",
        "PyTorch",
        "peak_value",
    ),
    _foreign(
        lambda: js.OneCycle(1.0, 100, anneal_strategy="linear"),
        "OneCycle",
        "anneal_strategy",
        "PyTorch",
        "anneal",
    ),
    _foreign(
        lambda: js.warmup_cosine_decay(0.0, 1.0, num_warmup_steps=10, decay_steps=99),
        "warmup_cosine_decay",
        "num_warmup_steps",
        "Hugging Face",
        "warmup_steps",
    ),
    (
        "warmup_is_a_wrapper",
        lambda: js.CosineDecay(1.0, 10, warmup_steps=3),
        TypeError,
        r"CosineDecay has no argument 'warmup_steps'\. Warmup is a wrapper here: "
        r"jaxsched\.Warmup\(schedule, warmup_steps=\.\.\.\)",
    ),
    ("keras_name", lambda: js.Constant(1.0, name="lr"), TypeError, r"take no name; drop it"),
    ("last_epoch", lambda: js.StepDecay(1.0, 10, last_epoch=4), TypeError, r"to resume, call it"),
    ("misspelled", lambda: js.Warmup(C, warmup_step=3), TypeError, r"Did you mean 'warmup_steps'"),
    (
        "missing_argument",
        lambda: js.CosineDecay(1.0),
        TypeError,
        r"CosineDecay: missing a required argument: 'decay_steps'; it takes CosineDecay\(init_value, "
        r"decay_steps, alpha=None, end_value=None, exponent=1\.0\)",
    ),
    (
        "too_many_arguments",
        lambda: js.warmup_stable_decay(1.0, 1, 2, 3, 0.0),
        TypeError,
        r"warmup_stable_decay: too many positional arguments; it takes warmup_stable_decay\("
        r"peak_value, warmup_steps, stable_steps, decay_steps, \*, init_value=0\.0",
    ),
]

BAD += FACTORY_ERRORS + RANGE_ERRORS + NAME_ERRORS


@pytest.mark.parametrize(("make", "error", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_raises_a_clear_error(
    make: Callable[[], Any], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        make()


def test_zero_warmup_is_allowed_and_is_the_schedule_itself() -> None:
    inner = js.CosineDecay(1.0, 10)
    steps = np.arange(15)
    np.testing.assert_array_equal(np.asarray(js.Warmup(inner, 0)(steps)), np.asarray(inner(steps)))


def test_traced_hyperparameters_skip_the_value_checks() -> None:
    # Inside jit the values are unknown: construction must not fail or branch on them.
    @jax.jit
    def build(steps: jax.Array, rate: jax.Array) -> jax.Array:
        return js.ExponentialDecay(1.0, steps, rate)(10)

    assert build(jnp.asarray(10), jnp.asarray(0.5)) == np.float32(0.5)


def test_nothing_returns_nan_or_inf_for_tiny_horizons() -> None:
    steps = np.array([0, 1, 2, 3, 5, 2**31 - 1])
    for n in range(1, 6):
        for schedule in (
            js.Linear(0.0, 1.0, n),
            js.Polynomial(1.0, 0.0, 0.5, n),
            js.CosineDecay(1.0, n, exponent=0.5),
            js.StepDecay(1.0, n, 0.5),
            js.warmup_cosine_decay(0.0, 1.0, n - 1, n),
            js.Warmup(js.Linear(1.0, 0.0, n), n, start="first_step"),
            js.ExponentialDecay(1.0, n, 0.5),
            js.InverseTimeDecay(1.0, n, 2.0),
            js.ExponentialDecay(0.0, n, 2.0, end_value=1.0),
        ):
            for values in (schedule(steps), jax.jit(schedule)(steps)):
                assert np.all(np.isfinite(np.asarray(values))), schedule
