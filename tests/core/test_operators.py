"""Arithmetic on schedules (``+``, ``-``, unary ``-``, ``/`` by a number), and the mode a
``Cyclical`` with a custom ``scale_fn`` shows."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxsched as js
from tests.helpers import INT32_MAX

A = js.CosineDecay(1.0, 100, end_value=0.05)
B = js.Linear(0.0, 0.7, 30, transition_begin=5)
C = js.Linear(0.3, 0.01, 70, transition_begin=3)

# Enough steps for a call from Python to take the whole-curve path (numbers as constants,
# which XLA folds), then the boundaries and the end of the range.
STEPS = np.concatenate([np.arange(2**16 + 64), [2**24, 2**30, INT32_MAX]])
SMALL = STEPS[:2000]


def _f32(x: Any) -> np.ndarray:
    """Rounds a float64 result to float32: one correctly rounded float32 operation, since
    float64 holds the exact result of a float32 +, - or / closely enough."""
    return np.asarray(x, np.float64).astype(np.float32).astype(np.float64)


def _c(x: float) -> float:
    return float(np.float32(x))


# (id, schedule, reference from the float64 values of A, B, C): every operation rounded
# to float32 in turn, as the schedule computes it.
OPERATIONS: list[tuple[str, js.Schedule, Callable[..., np.ndarray]]] = [
    ("a + b", A + B, lambda a, b, c: _f32(a + b)),
    ("a + number", A + 0.1, lambda a, b, c: _f32(a + _c(0.1))),
    ("number + a", 0.1 + A, lambda a, b, c: _f32(_c(0.1) + a)),
    ("a + int", A + 2, lambda a, b, c: _f32(a + 2)),
    ("a + numpy", A + np.float32(0.25), lambda a, b, c: _f32(a + 0.25)),
    ("a - b", A - B, lambda a, b, c: _f32(a - b)),
    ("a - number", A - 0.1, lambda a, b, c: _f32(a - _c(0.1))),
    ("a - negative", A - (-0.1), lambda a, b, c: _f32(a + _c(0.1))),
    ("number - a", 0.3 - A, lambda a, b, c: _f32(_c(0.3) - a)),
    ("-a", -A, lambda a, b, c: -a),
    ("a / 3", A / 3, lambda a, b, c: _f32(a / 3)),
    ("a / 0.1", A / 0.1, lambda a, b, c: _f32(a / _c(0.1))),
    ("a / -7", A / -7, lambda a, b, c: _f32(a / -7)),
    ("a + b + c", A + B + C, lambda a, b, c: _f32(_f32(a + b) + c)),
    ("a - b - c", A - B - C, lambda a, b, c: _f32(_f32(a - b) - c)),
    ("a - (b + c)", A - (B + C), lambda a, b, c: _f32(a - _f32(b + c))),
    ("(a + b) / 7 - c", (A + B) / 7 - C, lambda a, b, c: _f32(_f32(_f32(a + b) / 7) - c)),
    ("2 * a / 3", 2 * A / 3, lambda a, b, c: _f32(_f32(2 * a) / 3)),
    ("a * b + c", A * B + C, lambda a, b, c: _f32(_f32(a * b) + c)),
]


def _eager(schedule: js.Schedule, steps: np.ndarray) -> jax.Array:
    return schedule(steps)


def _jit_closed_over(schedule: js.Schedule, steps: np.ndarray) -> jax.Array:
    return jax.jit(schedule)(steps)


def _jit_argument(schedule: js.Schedule, steps: np.ndarray) -> jax.Array:
    return jax.jit(lambda s, t: s(t))(schedule, steps)


def _vmap(schedule: js.Schedule, steps: np.ndarray) -> jax.Array:
    return jax.jit(jax.vmap(schedule))(jnp.asarray(steps, jnp.int32))


CALLS = {
    "eager_small": (_eager, SMALL),
    "eager_whole_curve": (_eager, STEPS),
    "jit_closed_over": (_jit_closed_over, STEPS),
    "jit_argument": (_jit_argument, STEPS),
    "vmap": (_vmap, STEPS),
}


@pytest.mark.parametrize("call", CALLS.values(), ids=CALLS.keys())
@pytest.mark.parametrize(
    ("schedule", "reference"), [c[1:] for c in OPERATIONS], ids=[c[0] for c in OPERATIONS]
)
def test_operations_are_float32_arithmetic_on_the_terms(
    schedule: js.Schedule, reference: Callable[..., np.ndarray], call: tuple
) -> None:
    how, steps = call
    got = np.asarray(how(schedule, steps))
    assert got.dtype == np.float32 and np.all(np.isfinite(got))
    # The terms are computed in the same kind of call, so that only the operation is tested.
    a, b, c = (np.asarray(how(s, steps), np.float64) for s in (A, B, C))
    expected = reference(a, b, c)
    # XLA may fold constant terms or divide by a reciprocal: an ulp, within 5e-7 * peak.
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-7 * np.max(np.abs(expected)))


def test_the_operators_build_flat_sums_and_scales() -> None:
    assert (A + B + C).schedules == (A, B, C)
    assert (A + (B + C)).schedules == (A, B, C)
    assert A - B == js.Sum([A, js.Scale(B, -1.0)])
    assert A - (B + C) == js.Sum([A, js.Scale(js.Sum([B, C]), -1.0)])
    assert A + 0.1 == js.Sum([A, js.Constant(0.1)])
    assert A - 0.1 == A + (-0.1) == js.Sum([A, js.Scale(js.Constant(0.1), -1.0)])
    assert -A == js.Scale(A, -1.0)
    assert A / 4 == js.Scale(A, divisor=4.0)
    assert A / 4 != A * 0.25  # computed another way, even where the values agree
    assert sum([A, B, C]) == js.Sum([js.Constant(0.0), A, B, C])


def test_a_batch_of_numbers_with_mixed_signs_is_added() -> None:
    offsets = np.array([0.25, -0.5])
    s = A + offsets
    assert s == js.Sum([A, js.Scale(js.Constant(1.0), offsets)])
    expected = np.float32(A(50)) + offsets.astype(np.float32)
    for copy in (s, js.parse(str(s)), js.from_dict(s.to_dict())):
        assert copy == s
        np.testing.assert_allclose(np.asarray(copy(50)), expected, rtol=2e-7)


def test_numbers_may_be_traced() -> None:
    levels = js.PiecewiseConstant([10, 30], [0.7, 0.3, 0.11])  # values exact in any call
    steps = np.arange(50)

    @jax.jit
    def shifted(offset: jax.Array, divisor: jax.Array) -> jax.Array:
        return ((levels - offset) / divisor)(steps)

    got = np.asarray(shifted(jnp.float32(0.1), jnp.float32(3.0)))
    expected = (np.asarray(levels(steps)) - np.float32(0.1)) / np.float32(3)
    np.testing.assert_allclose(got, expected, rtol=2e-7)


def test_gradients_with_respect_to_the_numbers() -> None:
    value = 0.7 * float(A(40))
    d_offset = jax.grad(lambda c: (A + js.Scale(js.Constant(1.0), c))(40))(0.2)
    d_divisor = jax.grad(lambda d: js.Scale(A, factor=0.7, divisor=d)(40))(2.0)
    np.testing.assert_allclose(float(d_offset), 1.0)
    np.testing.assert_allclose(float(d_divisor), -value / 4.0, rtol=1e-6)


@pytest.mark.parametrize(
    ("schedule", "horizon"),
    [(A + B, 100), (A - 0.1, 100), (B / 3, 35), (A + js.InverseSqrtDecay(1.0, 4), None)],
)
def test_the_horizon_of_a_sum_is_its_last_term_to_settle(
    schedule: js.Schedule, horizon: int | None
) -> None:
    assert schedule.horizon == horizon
    if horizon is not None:
        assert schedule(horizon) == schedule(INT32_MAX)


ROUND_TRIPS = {
    "sum": A + B - 0.1,
    "number_first": 0.3 - A,
    "negated": -(A + B),
    "divided": (A + B) / 7,
    "scaled_and_divided": js.Scale(A, factor=2.0, divisor=3.0),
    "nested": js.Warmup(A / 2 + C, 10) - js.Clip(B, max_value=0.5),
}


@pytest.mark.parametrize("schedule", ROUND_TRIPS.values(), ids=ROUND_TRIPS.keys())
def test_text_dict_and_pickle_give_the_schedule_back(schedule: js.Schedule) -> None:
    text = str(schedule)
    data = json.loads(json.dumps(schedule.to_dict()))
    copies = (js.parse(text), js.from_dict(data), pickle.loads(pickle.dumps(schedule)))
    for copy in copies:
        assert copy == schedule and str(copy) == text
        np.testing.assert_array_equal(np.asarray(copy(SMALL)), np.asarray(schedule(SMALL)))


def test_the_text_form_writes_the_classes() -> None:
    assert str(A / 2 - 0.1) == (
        "Sum([Scale(CosineDecay(1.0, decay_steps=100, end_value=0.05), divisor=2.0), "
        "Scale(Constant(0.1), factor=-1.0)])"
    )


def test_a_sum_of_huge_terms_stays_finite_at_every_step() -> None:
    big = js.Constant(1e38)
    values = np.asarray((big + big - big / 0.5 + 1e38)(STEPS))
    assert np.all(np.isfinite(values)) and np.all(values == np.float32(1e38))


def _identity(t: jax.Array) -> jax.Array:
    return t


ERRORS: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("divide_by_zero", lambda: A / 0, ValueError, r"^CosineDecay / 0: division by zero;"),
    (
        "divide_by_float32_zero",
        lambda: A / 1e-46,
        ValueError,
        r"^CosineDecay / 1e-46: division by zero \(zero in float32\)",
    ),
    (
        "divide_by_inf",
        lambda: A / float("inf"),
        ValueError,
        r"^CosineDecay / inf: a schedule divides by a number finite in float32 .*got inf",
    ),
    (
        "divide_by_nan",
        lambda: A / np.float32("nan"),
        ValueError,
        # NumPy 2 writes the number as np.float32(nan), NumPy 1 as nan.
        r"^CosineDecay / (np\.float32\()?nan\)?: a schedule divides by a number finite",
    ),
    ("add_inf", lambda: A + float("-inf"), ValueError, r"^CosineDecay \+ -inf: .*got -inf"),
    ("add_beyond_float32", lambda: 1e39 - A, ValueError, r"^1e\+39 - CosineDecay: .*1e\+39"),
    (
        "number_by_schedule",
        lambda: 1.0 / A,
        TypeError,
        r"^1\.0 / CosineDecay: a number divided by a schedule is not supported; .*FromFunction",
    ),
    (
        "schedule_by_schedule",
        lambda: A / B,
        TypeError,
        r"^CosineDecay / Linear: a schedule divided by a schedule is not supported;",
    ),
    (
        "add_str",
        lambda: A + "0.1",
        TypeError,
        r"^CosineDecay \+ '0\.1': a schedule adds a number or another schedule, not a str\.$",
    ),
    ("add_bool", lambda: True + A, TypeError, r"^True \+ CosineDecay: .* not a bool"),
    ("subtract_none", lambda: A - None, TypeError, r"^CosineDecay - None: .* not a NoneType"),
    ("divide_by_bool", lambda: A / np.bool_(True), TypeError, r"divides by a number .* bool"),
    (
        "add_function",
        lambda: A + _identity,
        TypeError,
        r"not a function\. Wrap a function of the step: jaxsched\.FromFunction\(fn\)",
    ),
    ("add_complex", lambda: A + 1j, TypeError, r"not a complex"),
    ("add_str_array", lambda: A + np.array(["x"]), TypeError, r"not a ndarray of <U1"),
    ("multiply_str", lambda: A * "2", TypeError, r"^CosineDecay \* '2': a schedule multiplies"),
    (
        "scale_divisor_zero",
        lambda: js.Scale(A, divisor=0.0),
        ValueError,
        r"^Scale: divisor must be non-zero, got divisor=0\.0\. A schedule divides by a finite",
    ),
    (
        "scale_divisor_float32_zero",
        lambda: js.Scale(A, divisor=1e-46),
        ValueError,
        r"^Scale: divisor must be non-zero in float32, got divisor=1e-46",
    ),
    ("sum_of_one", lambda: js.Sum([A]), ValueError, r"^Sum: schedules needs at least 2"),
    (
        "parse_plus",
        lambda: js.parse("CosineDecay(1.0, 100) + 0.1"),
        js.ParseError,
        r"column 23: unexpected '\+': the text form has no operators: write a \+ b - c as "
        r"Sum\(\[a, b, Scale\(c, factor=-1\.0\)\]\)",
    ),
    (
        "parse_minus",
        lambda: js.parse("CosineDecay(1.0, 100) - 0.1"),
        js.ParseError,
        r"got '-'\. The text form has no operators: .* a / 2 as Scale\(a, divisor=2\.0\)",
    ),
    (
        "sum_of_a_number",
        lambda: js.Sum([A, 0.1]),
        TypeError,
        r"^Sum: schedules\[1\] must be a jaxsched schedule, got schedules\[1\]=0\.1",
    ),
]


@pytest.mark.parametrize(
    ("build", "kind", "match"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_bad_operands_are_refused_with_the_operator(
    build: Callable[[], Any], kind: type[Exception], match: str
) -> None:
    with pytest.raises(kind, match=match):
        build()


def _thirds(cycle: jax.Array) -> jax.Array:
    return (1.0 / 3.0) ** (cycle - 1.0)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_a_cyclical_with_a_scale_fn_shows_the_custom_mode(mode: str) -> None:
    js.register_function(_thirds, name="test_operators_thirds")
    s = js.Cyclical(0.1, 1.0, 5, mode=mode, scale_fn=_thirds)
    assert s.mode == "custom"
    assert "mode='custom'" in repr(s) and "mode='custom'" in str(s)
    assert mode not in repr(s).replace("scale_mode", "")
    for copy in (js.parse(str(s)), js.from_dict(s.to_dict())):
        assert copy == s and copy.mode == "custom"
    # The mode given does not change the values: the function decides, of the cycle number
    # as before (of the step for "exp_range", whose default scale_mode is kept).
    steps = np.arange(40)
    by = "iterations" if mode == "exp_range" else "cycle"
    assert s.scale_mode == (by if mode == "exp_range" else None)
    expected = js.Cyclical(0.1, 1.0, 5, scale_fn=_thirds, scale_mode=by)(steps)
    np.testing.assert_array_equal(np.asarray(s(steps)), np.asarray(expected))


def test_the_named_modes_are_shown_as_given() -> None:
    s = js.Cyclical(0.1, 1.0, 5, mode="triangular2")
    assert s.mode == "triangular2" and "mode='triangular2'" in str(s)
    assert "mode=" not in str(js.Cyclical(0.1, 1.0, 5))


def test_the_custom_mode_needs_a_scale_fn() -> None:
    with pytest.raises(ValueError, match=r"^Cyclical: mode needs a scale_fn, got mode='custom'"):
        js.Cyclical(0.1, 1.0, 5, mode="custom")
