"""The dict form: round trips over every schedule and nestings, errors, a fuzz of from_dict."""

from __future__ import annotations

import json
import pathlib
import pickle
import sys
from typing import Any

import cloudpickle
import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import jaxsched as js
from tests.helpers import EXAMPLES
from tests.strategies import Case, cases

STEPS = np.array([0, 1, 2, 3, 5, 8, 13, 21, 34, 1000, 2**31 - 1])
HOLDS_A_FUNCTION = {"cyclical_custom", "from_function"}
SERIALIZABLE = {k: s for k, s in EXAMPLES.items() if k not in HOLDS_A_FUNCTION}


def _round_trip(schedule: js.Schedule) -> js.Schedule:
    """Dict through JSON, the text form, pickle and cloudpickle: each gives back an equal
    schedule with identical values; the dict and the text are stable."""
    data = schedule.to_dict()
    restored = js.from_dict(json.loads(json.dumps(data)))
    text = str(schedule)
    parsed = js.parse(text)
    assert str(parsed) == text and parsed.to_dict() == data
    assert restored.to_dict() == data
    for copy in (restored, parsed, pickle.loads(pickle.dumps(schedule))):
        assert type(copy) is type(schedule)
        assert copy == schedule and hash(copy) == hash(schedule)
        np.testing.assert_array_equal(np.asarray(copy(STEPS)), np.asarray(schedule(STEPS)))
    return restored


@pytest.mark.parametrize("schedule", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_every_schedule_survives_cloudpickle(schedule: js.Schedule) -> None:
    copy = cloudpickle.loads(cloudpickle.dumps(schedule))
    assert copy == schedule
    np.testing.assert_array_equal(np.asarray(copy(STEPS)), np.asarray(schedule(STEPS)))


@pytest.mark.parametrize("schedule", SERIALIZABLE.values(), ids=SERIALIZABLE.keys())
def test_every_schedule_round_trips_through_json(schedule: js.Schedule) -> None:
    _round_trip(schedule)


@settings(max_examples=settings.default.max_examples)
@given(cases)
def test_nestings_round_trip(case: Case) -> None:
    try:
        case.schedule.to_dict()
    except TypeError as error:  # a custom scale function somewhere in the nesting
        assert "holds the Python function" in str(error) and "scale_fn" in str(error)
        return
    _round_trip(case.schedule)


@pytest.mark.parametrize("name", sorted(HOLDS_A_FUNCTION))
def test_a_python_function_is_refused_with_what_to_use(name: str) -> None:
    with pytest.raises(TypeError, match=r"holds the Python function .* Use .* instead"):
        EXAMPLES[name].to_dict()


GOOD = js.Warmup(js.CosineDecay(1.0, 100), 10).to_dict()


def _with(schedule_node: Any, **top: Any) -> dict:
    return {"format": 1, "schedule": schedule_node, **top}


BAD: list[tuple[str, Any, type[Exception], str]] = [
    ("not_a_dict", [1, 2], TypeError, r"from_dict: expected a dict, got list"),
    ("no_format", {"schedule": GOOD["schedule"]}, ValueError, r"expected the keys 'format'"),
    ("extra_key", _with(GOOD["schedule"], note="x"), ValueError, r"expected the keys"),
    (
        "newer_format",
        {"format": 2, "schedule": GOOD["schedule"]},
        ValueError,
        r"format 2 was written by a newer jaxsched; this one reads format 1",
    ),
    ("bool_format", {"format": True, "schedule": {}}, ValueError, r"format must be a positive int"),
    (
        "misspelled_type",
        _with({"type": "CosineDecy", "init_value": 1.0, "decay_steps": 10}),
        ValueError,
        r"schedule\.type='CosineDecy' is not a known schedule\. Did you mean 'CosineDecay'",
    ),
    ("type_not_str", _with({"type": 3}), ValueError, r"type=3 is not a known schedule"),
    ("node_not_dict", _with("Constant(1.0)"), TypeError, r"must be a schedule node"),
    (
        "unknown_field",
        _with({"type": "Constant", "value": 1.0, "decay_steps": 10}),
        ValueError,
        r"schedule: Constant has no argument 'decay_steps'\. It takes value",
    ),
    (
        "missing_field",
        _with({"type": "CosineDecay", "init_value": 1.0}),
        ValueError,
        r"schedule \(CosineDecay\) is missing 'decay_steps'",
    ),
    (
        "nested_missing_field",
        _with({"type": "Warmup", "schedule": {"type": "Linear"}, "warmup_steps": 3}),
        ValueError,
        r"schedule\.schedule \(Linear\) is missing 'init_value', 'end_value', 'transition_steps'",
    ),
    (
        "wrong_kind",
        _with({"type": "Constant", "value": "0.1"}),
        TypeError,
        r"Constant: value must be a real number, got value='0\.1'",
    ),
    (
        "invalid_value",
        _with({"type": "Linear", "init_value": 1.0, "end_value": 0.0, "transition_steps": 0}),
        ValueError,
        r"Linear: transition_steps must be positive",
    ),
]


@pytest.mark.parametrize(("data", "error", "match"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_dicts_raise_a_clear_error(data: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        js.from_dict(data)


def test_an_unregistered_class_is_named() -> None:
    class Unregistered(js.Schedule):
        value: float

        def _value(self, step: Any) -> Any:
            return step * 0.0 + self.value

        def _horizon(self) -> int | None:
            return 0

    with pytest.raises(
        TypeError, match=r"Unregistered, which is not registered.*register_schedule"
    ):
        Unregistered(1.0).to_dict()
    with pytest.raises(ValueError, match=r"the name 'Constant' is taken"):
        js.register_schedule(type("Constant", (js.Schedule,), {"__annotations__": {}}))
    with pytest.raises(TypeError, match=r"expected a subclass of jaxsched\.Schedule"):
        js.register_schedule(dict)  # type: ignore[arg-type]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutations(draw: st.DrawFn) -> Any:
    """A valid dict with one field replaced, dropped or added, or arbitrary JSON."""
    node = json.loads(json.dumps(draw(st.sampled_from(list(SERIALIZABLE.values()))).to_dict()))
    inner = node["schedule"]
    key = draw(st.sampled_from(sorted(inner)))
    action = draw(st.sampled_from(["replace", "drop", "add", "json"]))
    if action == "replace":
        inner[key] = draw(_json)
    elif action == "drop":
        del inner[key]
    elif action == "add":
        inner[draw(st.text(max_size=8))] = draw(_json)
    else:
        return draw(_json)
    return node


@settings(max_examples=4 * settings.default.max_examples)
@given(st.composite(_mutations)())
def test_from_dict_only_raises_the_documented_errors(data: Any) -> None:
    try:
        result = js.from_dict(data)
    except (ValueError, TypeError):
        return
    assert isinstance(result, js.Schedule)


def test_a_class_defined_again_replaces_itself() -> None:
    for value in (1.0, 2.0):  # as a notebook cell run twice defines the class twice

        @js.register_schedule
        class Redefined(js.Schedule):
            level: float

            def _value(self, step: Any) -> Any:
                return step * 0.0 + self.level

            def _horizon(self) -> int | None:
                return 0

        assert js.from_dict(Redefined(value).to_dict()) == Redefined(value)


FACTORY_CALLS = [
    (
        "warmup_cosine_decay",
        {"init_value": 0.0, "peak_value": 3e-4, "warmup_steps": 1000, "decay_steps": 10_000},
    ),
    (
        "warmup_exponential_decay",
        {
            "init_value": 0.0,
            "peak_value": 1.0,
            "warmup_steps": 5,
            "transition_steps": 10,
            "decay_rate": 0.5,
            "start": "first_step",
        },
    ),
    (
        "warmup_stable_decay",
        {
            "peak_value": 1.0,
            "warmup_steps": 2,
            "stable_steps": 3,
            "decay_steps": 4,
            "min_ratio": 0.1,
        },
    ),
    ("tanh_decay", {"init_value": 1.0, "decay_steps": 100}),
    (
        "sgdr",
        {
            "cycles": [{"init_value": 0.0, "peak_value": 1.0, "warmup_steps": 2, "decay_steps": 9}]
            * 2
        },
    ),
    ("linear_onecycle", {"transition_steps": 100, "peak_value": 1.0, "pct_start": 0.25}),
    ("cosine_onecycle", {"transition_steps": 100, "peak_value": 1.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), FACTORY_CALLS, ids=[c[0] for c in FACTORY_CALLS])
def test_a_factory_is_written_as_it_was_called(name: str, kwargs: dict) -> None:
    schedule = getattr(js, name)(**kwargs)
    assert schedule.to_dict() == {"format": 1, "schedule": {"type": name, **kwargs}}
    restored = _round_trip(js.Scale(schedule, 0.5))  # nested too
    assert restored.schedule.to_dict() == schedule.to_dict()
    # JAX rebuilds pytrees without the record: what was built is written, and loads equal.
    rebuilt = jax.tree.map(lambda x: x, schedule)
    assert rebuilt.to_dict()["schedule"]["type"] == type(schedule).__name__
    assert js.from_dict(rebuilt.to_dict()) == schedule


def test_a_factory_with_a_wrong_argument_is_named() -> None:
    data = {"format": 1, "schedule": {"type": "warmup_cosine_decay", "peak": 1.0}}
    with pytest.raises(
        ValueError,
        match=r"warmup_cosine_decay has no argument 'peak'\. Did you mean 'peak_value'\?",
    ):
        js.from_dict(data)
    data["schedule"] = {
        "type": "warmup_cosine_decay",
        "init_value": 0.0,
        "peak_value": 1.0,
        "warmup_steps": 10,
        "decay_steps": 5,
    }
    with pytest.raises(
        ValueError, match=r"warmup_cosine_decay: decay_steps must be greater than warmup_steps=10"
    ):
        js.from_dict(data)


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
@pytest.mark.parametrize("name", ["wsd", "sgdr", "join", "piecewise", "cyclical"])
def test_files_round_trip(tmp_path: pathlib.Path, suffix: str, name: str) -> None:
    path = tmp_path / f"schedule{suffix}"
    js.save_schedule(EXAMPLES[name], path)
    restored = js.load_schedule(path)
    assert restored == EXAMPLES[name] and restored.to_dict() == EXAMPLES[name].to_dict()


FILE_ERRORS = [
    (
        "lr.txt",
        "{}",
        ValueError,
        r"load_schedule: path='.*lr\.txt' must end in \.json, \.yaml or \.yml",
    ),
    (
        "lr.json",
        '{"format": 1, "schedule": ',
        ValueError,
        r"is not valid json: Expecting value: line 1 column 27",
    ),
    ("lr.yaml", "format: [1\n", ValueError, r"(?s)is not valid yaml: .*line 2, column 1"),
    (
        "lr.yaml",
        "!!python/object/apply:os.system ['echo no']\n",
        ValueError,
        r"is not valid yaml: could not determine a constructor",
    ),
    ("lr.yaml", "- 1\n- 2\n", TypeError, r"from_dict: expected a dict, got list"),
]


@pytest.mark.parametrize(
    ("name", "text", "error", "match"),
    FILE_ERRORS,
    ids=["suffix", "json_syntax", "yaml_syntax", "yaml_python_tag", "not_a_dict"],
)
def test_bad_files_raise_a_clear_error(
    tmp_path: pathlib.Path, name: str, text: str, error: type[Exception], match: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(error, match=match):
        js.load_schedule(path)


def test_yaml_without_pyyaml_names_the_extra(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ImportError, match=r"pip install 'jaxsched\[yaml\]'"):
        js.save_schedule(EXAMPLES["constant"], tmp_path / "lr.yaml")
