"""The text form: parse errors with positions, nothing evaluated, bounds, a fuzz, and
functions registered by name. Round trips over every schedule and random nestings are in
test_serialize.py (its ``_round_trip`` parses ``str(schedule)``)."""

from __future__ import annotations

import builtins
import re
from typing import Any

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched as js

WSD = "warmup_stable_decay(1.0, 10, 20, decay_steps=30)"

# (id, text, exception, message pattern): the position is part of the message.
BAD: list[tuple[str, str, type[Exception], str]] = [
    ("empty", "  ", js.ParseError, r"line 1, column 3: expected a schedule, e\.g\."),
    (
        "misspelled",
        "Warmup(CosinDecay(3e-4, 10), 5)",
        js.ParseError,
        r"line 1, column 8: unknown name 'CosinDecay'.*Did you mean 'CosineDecay'",
    ),
    (
        "foreign_argument",
        "CosineDecay(1.0, T_max=100)",
        js.ParseError,
        r"column 18: CosineDecay has no argument 'T_max'\. T_max is the PyTorch name for "
        r"decay_steps",
    ),
    (
        "second_line",
        "Warmup(\n  CosineDecay(1.0, 10),\n  warmup_step=5)",
        js.ParseError,
        r"line 3, column 3: Warmup has no argument 'warmup_step'\. Did you mean 'warmup_steps'",
    ),
    (
        "not_closed",
        "CosineDecay(1.0, decay_steps=2",
        js.ParseError,
        r"column 31: expected ',' or '\)' after an argument of CosineDecay, got the end",
    ),
    ("string_not_closed", "Constant('1)", js.ParseError, r"column 10: this string is not closed"),
    (
        "missing",
        "Linear(1.0, 0.0)",
        js.ParseError,
        r"column 16: Linear is missing 'transition_steps'; it takes Linear\(init_value, "
        r"end_value, transition_steps, transition_begin=0\)",
    ),
    (
        "too_many_positional",
        "Constant(1.0, 2.0)",
        js.ParseError,
        r"column 15: Constant takes 1 positional arguments; name this one",
    ),
    (
        "positional_after_keyword",
        "Linear(init_value=1.0, 0.0, 10)",
        js.ParseError,
        r"column 24: a positional argument cannot follow a keyword argument",
    ),
    ("twice", "Constant(1.0, value=2.0)", js.ParseError, r"column 15: Constant: value is given"),
    (
        "bare_schedule_name",
        "Warmup(Constant, 3)",
        js.ParseError,
        r"column 16: expected '\(' after Constant: a schedule is written as a call",
    ),
    ("not_a_schedule", "[1, 2]", js.ParseError, r"column 1: expected a schedule, got \[1, 2\]"),
    (
        "trailing",
        "Constant(1.0) Constant(2.0)",
        js.ParseError,
        r"column 15: expected the end of the text after the schedule, got 'Constant'",
    ),
    (
        "minus_on_a_schedule",
        "Scale(-Constant(1.0), 2)",
        js.ParseError,
        r"column 8: a minus sign applies to a number, not to 'Constant'",
    ),
    (
        "dict_key_not_string",
        "sgdr([{1: 2}])",
        js.ParseError,
        r"column 8: a dict key must be a string, got 1",
    ),
    ("unknown_escape", r"Constant('\q')", js.ParseError, r"unknown escape \\q"),
    ("huge_int", "Constant(" + "9" * 5000 + ")", js.ParseError, r"the number 9+\.\.\. is too long"),
    (
        "value_refused",
        "Warmup(CosineDecay(1.0, 10), warmup_steps=-3)",
        ValueError,
        r"column 30: Warmup: warmup_steps must be >= 0, got warmup_steps=-3\.\n  .*\n {31}\^",
    ),
    (
        "factory_value_refused",
        WSD.replace("30", "-30"),
        ValueError,
        r"column 34: warmup_stable_decay: decay_steps must be positive",
    ),
    (
        "wrong_kind",
        "Constant('0.1')",
        TypeError,
        r"column 10: Constant: value must be a real number, got value='0\.1'",
    ),
    ("not_text", b"Constant(1.0)", TypeError, r"parse: expected the text as a str, got bytes"),
]


@pytest.mark.parametrize(("text", "error", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_text_says_where_and_what_was_expected(
    text: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match) as raised:
        js.parse(text)
    if error is js.ParseError:
        where = re.match(r"parse: line (\d+), column (\d+)", str(raised.value))
        assert where is not None
        assert (raised.value.line, raised.value.column) == tuple(map(int, where.groups()))


# Python that would do something if it were evaluated: every piece is refused.
NOT_EVALUATED = [
    "__import__('os').system('true')",
    "open('x')",
    "eval('Constant(1.0)')",
    "Constant(1.0).__class__",
    "Constant.__init__",
    "Constant((1).real)",
    "Constant(__builtins__)",
    "Constant([x for x in [1]][0])",
    "Constant(lambda: 1)",
    "Constant(1 if True else 2)",
    "Constant(x := 1)",
    "Constant(*[1.0])",
    "Constant(**{'value': 1.0})",
    "Constant(f'{1}')",
    "Constant(1.0); import os",
    "Constant(2 ** 10)",
    "Constant(1.0)[0]",
    "Constant(1.0)(0)",
    "jaxsched.Constant(1.0)",
    "FromFunction(print)",
]


@pytest.mark.parametrize("text", NOT_EVALUATED)
def test_the_parser_evaluates_nothing(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("parse called eval, exec or compile")

    with monkeypatch.context() as patched, pytest.raises(js.ParseError):
        for name in ("eval", "exec", "compile"):
            patched.setattr(builtins, name, forbidden)
        js.parse(text)
    assert js.parse(WSD) == js.warmup_stable_decay(1.0, 10, 20, decay_steps=30)


def test_length_and_depth_are_bounded() -> None:
    with pytest.raises(js.ParseError, match=r"the text is 10000001 characters long; parse reads"):
        js.parse(" " * 10_000_001)
    nested = "Scale(" * 64 + "Constant(1.0)" + ", 1.0)" * 64
    with pytest.raises(js.ParseError, match=r"column 385: nested more than 64 deep"):
        js.parse(nested)
    assert js.parse(nested.replace("Scale(", "", 1).replace(", 1.0)", "", 1))(0) == 1.0
    with pytest.raises(js.ParseError, match=r"nested more than 64 deep"):
        js.parse("Constant(" + "-" * 10_000 + "1)")


def test_literals_read_as_python_writes_them() -> None:
    text = """
        # a comment, then line breaks and trailing commas
        sgdr(
            [
                {"init_value": 0.0, 'peak_value': 1e-3, "warmup_steps": 1_0, "decay_steps": 90,},
                {"init_value": .0, "peak_value": 5.E-4, "warmup_steps": 0, "decay_steps": 100},
            ],
        )
    """
    cycles = [
        {"init_value": 0.0, "peak_value": 1e-3, "warmup_steps": 10, "decay_steps": 90},
        {"init_value": 0.0, "peak_value": 5e-4, "warmup_steps": 0, "decay_steps": 100},
    ]
    assert js.parse(text) == js.sgdr(cycles)
    escaped = "Warmup(Constant(1.0), 5, shape='\\x63\\u006fs\\U00000069ne')"
    assert js.parse(escaped).shape == "cosine"
    joined = js.parse("Join((Constant(1.0), Constant(-(-2.0))), (5,))")
    assert joined == js.Join([js.Constant(1.0), js.Constant(2.0)], [5])
    assert js.parse("Clip(Constant(1.0), None, (0.5))").max_value == 0.5


TOKENS = [
    *("Constant", "CosineDecay", "Warmup", "sgdr", "Join", "test_halving", "True", "None", "x"),
    *"()[]{},:=-.'\"#+*\n ",
    *("1", "2.5", "1e3", "1_000", "'cos'", "value", "decay_steps", "\\", "é"),
]


@settings(max_examples=4 * settings.default.max_examples)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join) | st.text(max_size=60))
def test_parse_only_raises_the_documented_errors(text: str) -> None:
    try:
        result = js.parse(text)
    except (ValueError, TypeError):
        return
    assert isinstance(result, js.Schedule)


@settings(max_examples=4 * settings.default.max_examples)
@given(st.data())
def test_a_mutated_text_only_raises_the_documented_errors(data: st.DataObject) -> None:
    text = "Warmup(CosineDecay(0.0003, decay_steps=10_000, end_value=1e-5), warmup_steps=1000)"
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 3))
        text = text[:at] + data.draw(st.text("0-9,()=.'e_a[]{}", max_size=3)) + text[at + cut :]
    try:
        js.parse(text)
    except (ValueError, TypeError):
        pass


def _halving(cycle: Any) -> Any:
    return 0.5 ** (cycle - 1.0)


def test_a_registered_function_round_trips_by_name() -> None:
    fn = js.register_function(_halving, name="test_halving")
    assert js.register_function(_halving, name="test_halving") is fn  # registering again is fine
    cyclical = js.Cyclical(0.1, 1.0, 3, scale_fn=_halving, scale_mode="cycle")
    from_function = js.FromFunction(_halving, length=7)
    for schedule in (cyclical, from_function):
        assert js.from_dict(schedule.to_dict()) == schedule
        assert js.parse(str(schedule)) == schedule
    assert str(from_function) == "FromFunction(test_halving, length=7)"
    assert from_function.to_dict()["schedule"]["fn"] == {"function": "test_halving"}
    np.testing.assert_array_equal(js.parse(str(cyclical))(np.arange(20)), cyclical(np.arange(20)))


BAD_REGISTRATIONS: list[tuple[Any, dict, type[Exception], str]] = [
    (lambda c: c, {}, ValueError, r"name must be an identifier, got name='<lambda>'"),
    (_halving, {"name": "not a name"}, ValueError, r"name must be an identifier"),
    (
        _halving,
        {"name": "CosineDecay"},
        ValueError,
        r"name='CosineDecay' is the name of a schedule",
    ),
    (jnp.sqrt, {"name": "test_halving"}, ValueError, r"the name 'test_halving' is taken by"),
    (js.Constant(1.0), {}, TypeError, r"expected a function, got fn=Constant"),
]


@pytest.mark.parametrize(("fn", "kwargs", "error", "match"), BAD_REGISTRATIONS)
def test_bad_registrations_are_refused(fn: Any, kwargs: dict, error: type, match: str) -> None:
    js.register_function(_halving, name="test_halving")
    with pytest.raises(error, match=match):
        js.register_function(fn, **kwargs)


def test_an_unregistered_function_is_named() -> None:
    data = {"format": 1, "schedule": {"type": "FromFunction", "fn": {"function": "test_halvng"}}}
    js.register_function(_halving, name="test_halving")
    with pytest.raises(
        ValueError, match=r"names the function 'test_halvng', which is not registered"
    ):
        js.from_dict(data)
    with pytest.raises(
        js.ParseError, match=r"unknown name 'test_halvng'.*Did you mean 'test_halving'"
    ):
        js.parse("FromFunction(test_halvng)")
    unregistered = js.FromFunction(jnp.cos)
    assert str(unregistered) == repr(unregistered)  # no text form: str is the repr


def test_a_long_schedule_round_trips() -> None:
    # 10,000 boundaries write about 260,000 characters, within parse's bound.
    schedule = js.PiecewiseConstant.from_scales(1.0, {b: 0.9999 for b in range(1, 10_001)})
    assert js.parse(str(schedule)) == schedule
    assert js.from_dict(schedule.to_dict()) == schedule
    assert schedule == js.PiecewiseConstant(range(1, 10_001), 0.9999 ** np.arange(10_001.0))
    scales = {b: 0.5 for b in range(1, 9)} | {5000: -1.0}  # the bad item is named
    with pytest.raises(ValueError, match=r"boundaries_and_scales\[5000\] must be non-negative"):
        js.PiecewiseConstant.from_scales(1.0, scales)
