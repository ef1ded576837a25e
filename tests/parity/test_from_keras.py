"""``from_keras`` against live Keras 3 (JAX backend), and ``to_keras`` inside Keras.

Each covered class is drawn on seeded random configurations; the Keras object, its
``serialize`` output (also through JSON), tf.keras' legacy ``{"class_name", "config"}``
form and the bare ``get_config()`` all convert to the schedule docs/parity.md gives, whose
values match Keras' at steps on both sides of every boundary (tolerance 5e-7 * peak, as
in test_keras.py; level gaps make the discrete decisions exact).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
import pathlib
import subprocess
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")

import jax
import jax.numpy as jnp
import keras
import numpy as np
import pytest

import jaxsched as js
from jaxsched import from_keras, to_keras
from jaxsched.io.convert._keras import CONVERTERS
from jaxsched.io.convert._keras_classes import KERAS_MODULES
from tests.parity.common import Float32Draws, assert_close, draws

schedules = keras.optimizers.schedules
ROOT = pathlib.Path(__file__).resolve().parents[2]


def keras_lrs(schedule: Any, steps: np.ndarray, one_by_one: bool) -> np.ndarray:
    """Keras' values, eagerly: on the step array, or one step at a time where Keras
    branches with ``ops.cond`` or (staircase) flips stairs late on arrays; see
    test_keras.py."""
    if one_by_one:
        return np.asarray([float(schedule(int(t))) for t in steps])
    return np.asarray(schedule(np.asarray(steps, np.int32)), np.float64)


def pad(array: np.ndarray) -> np.ndarray:
    """``array`` repeated at its end to a multiple of 64 entries: every new length of step
    array compiles the schedule (and Keras' ops) again."""
    return np.pad(array, (0, -len(array) % 64), mode="edge")


def near(*points: float) -> list[int]:
    return [int(p) + d for p in points for d in (-1, 0, 1) if int(p) + d >= 0]


@dataclasses.dataclass(frozen=True)
class Case:
    """One Keras class (or one of its regimes): how to draw its arguments, the jaxsched
    schedule docs/parity.md maps it to, and its boundaries."""

    keras_class: str
    draw: Callable[[Float32Draws], dict[str, Any]]
    ours: Callable[[dict[str, Any]], js.Schedule]
    boundaries: Callable[[dict[str, Any]], list[float]]
    one_by_one: bool = False
    seeds: int = 4

    def steps(self, kwargs: dict[str, Any]) -> np.ndarray:
        points = near(*self.boundaries(kwargs))
        if self.one_by_one:  # Keras is slow one step at a time: a sparse sample
            steps = np.unique([0, 1, 2, *points, 1000])
        else:
            steps = np.unique(np.concatenate([np.arange(120), points, [1000, 4000, 2**22 - 1]]))
        return steps


def _decay(rng: Float32Draws, rates: tuple[float, float], staircase: bool) -> dict[str, Any]:
    return {
        "initial_learning_rate": rng.uniform(0.01, 1),
        "decay_steps": int(rng.integers(1, 50)),
        "decay_rate": rng.uniform(*rates),
        "staircase": staircase,
    }


def _exponential(kw: dict[str, Any]) -> js.Schedule:
    return js.ExponentialDecay(
        kw["initial_learning_rate"], kw["decay_steps"], kw["decay_rate"], staircase=kw["staircase"]
    )


def _inverse_time(kw: dict[str, Any]) -> js.Schedule:
    return js.InverseTimeDecay(
        kw["initial_learning_rate"], kw["decay_steps"], kw["decay_rate"], staircase=kw["staircase"]
    )


def _decay_boundaries(kw: dict[str, Any]) -> list[float]:
    return [kw["decay_steps"] * k for k in (1, 2, 3, 7)]


def _polynomial_draw(rng: Float32Draws, cycle: bool) -> dict[str, Any]:
    init = rng.uniform(0.01, 1)
    return {
        "initial_learning_rate": init,
        "decay_steps": int(rng.integers(1, 60)),
        "end_learning_rate": float(np.float32(init * rng.uniform(0, 0.5))),
        "power": rng.uniform(0.3, 3),
        "cycle": cycle,
    }


def _cosine_draw(rng: Float32Draws, target: bool, warmup: tuple[int, int]) -> dict[str, Any]:
    return {
        "initial_learning_rate": rng.uniform(0, 0.01) if target else rng.uniform(0.01, 1),
        "decay_steps": int(rng.integers(1, 200)),
        "alpha": rng.uniform(0, 0.5),
        "warmup_target": rng.uniform(0.1, 1) if target else None,
        "warmup_steps": int(rng.integers(*warmup)),
    }


def _restarts_draw(rng: Float32Draws, t_mul: float) -> dict[str, Any]:
    return {
        "initial_learning_rate": rng.uniform(0.01, 1),
        "first_decay_steps": int(rng.integers(1, 40)),
        "t_mul": t_mul,
        "m_mul": rng.uniform(0.5, 1),
        "alpha": rng.uniform(0, 0.5),
    }


def _restarts_boundaries(kw: dict[str, Any]) -> list[float]:
    starts = np.cumsum([kw["first_decay_steps"] * kw["t_mul"] ** k for k in range(12)])
    return [s for s in starts if s < 4000]


def _piecewise_draw(rng: Float32Draws) -> dict[str, Any]:
    boundaries = sorted(set(rng.integers(0, 100, size=4).tolist()))
    return {
        "boundaries": boundaries,
        "values": [rng.uniform(0.01, 1) for _ in range(len(boundaries) + 1)],
    }


CASES = {
    "exponential": Case(
        "ExponentialDecay", lambda r: _decay(r, (0.3, 0.99), False), _exponential, _decay_boundaries
    ),
    "exponential_staircase": Case(
        "ExponentialDecay",
        lambda r: _decay(r, (0.3, 0.99), True),
        _exponential,
        _decay_boundaries,
        one_by_one=True,
    ),
    "inverse_time": Case(
        "InverseTimeDecay", lambda r: _decay(r, (0.1, 3.0), False), _inverse_time, _decay_boundaries
    ),
    "inverse_time_staircase": Case(
        "InverseTimeDecay",
        lambda r: _decay(r, (0.1, 3.0), True),
        _inverse_time,
        _decay_boundaries,
        one_by_one=True,
    ),
    **{
        f"polynomial{'_cycle' if cycle else ''}": Case(
            "PolynomialDecay",
            lambda r, cycle=cycle: _polynomial_draw(r, cycle),
            lambda kw: js.Polynomial(
                kw["initial_learning_rate"],
                kw["end_learning_rate"],
                kw["power"],
                kw["decay_steps"],
                cycle=kw["cycle"],
            ),
            lambda kw: [kw["decay_steps"] * k for k in (1, 2, 3)],
        )
        for cycle in (False, True)
    },
    "cosine": Case(
        "CosineDecay",
        lambda r: _cosine_draw(r, target=False, warmup=(0, 1)),
        lambda kw: js.CosineDecay(
            kw["initial_learning_rate"], kw["decay_steps"], alpha=kw["alpha"]
        ),
        lambda kw: [kw["decay_steps"]],
    ),
    # Keras ignores warmup_steps when warmup_target is None.
    "cosine_steps_without_target": Case(
        "CosineDecay",
        lambda r: _cosine_draw(r, target=False, warmup=(1, 50)),
        lambda kw: js.CosineDecay(
            kw["initial_learning_rate"], kw["decay_steps"], alpha=kw["alpha"]
        ),
        lambda kw: [kw["warmup_steps"], kw["decay_steps"], kw["decay_steps"] + kw["warmup_steps"]],
    ),
    "cosine_warmup": Case(
        "CosineDecay",
        lambda r: _cosine_draw(r, target=True, warmup=(1, 50)),
        lambda kw: js.Warmup(
            js.CosineDecay(kw["warmup_target"], kw["decay_steps"], alpha=kw["alpha"]),
            kw["warmup_steps"],
            init_value=kw["initial_learning_rate"],
        ),
        lambda kw: [kw["warmup_steps"], kw["warmup_steps"] + kw["decay_steps"]],
        one_by_one=True,
        seeds=2,
    ),
    # A target with no warmup: Keras decays from the target at once.
    "cosine_target_without_steps": Case(
        "CosineDecay",
        lambda r: _cosine_draw(r, target=True, warmup=(0, 1)),
        lambda kw: js.CosineDecay(kw["warmup_target"], kw["decay_steps"], alpha=kw["alpha"]),
        lambda kw: [kw["decay_steps"]],
        one_by_one=True,
        seeds=2,
    ),
    "piecewise_constant": Case(
        "PiecewiseConstantDecay",
        _piecewise_draw,
        lambda kw: js.PiecewiseConstant([b + 1 for b in kw["boundaries"]], kw["values"]),
        lambda kw: kw["boundaries"],
    ),
    **{
        f"cosine_restarts_t_mul_{t_mul:g}": Case(
            "CosineDecayRestarts",
            lambda r, t_mul=t_mul: _restarts_draw(r, t_mul),
            lambda kw: js.CosineRestarts(
                kw["initial_learning_rate"],
                kw["first_decay_steps"],
                kw["t_mul"],
                kw["m_mul"],
                alpha=kw["alpha"],
            ),
            _restarts_boundaries,
            seeds=2,
        )
        for t_mul in (1.0, 2.0, 3.0, 1.5)
    },
}

RUNS = [(name, seed) for name, case in CASES.items() for seed in range(case.seeds)]


def forms(obj: Any) -> dict[str, tuple[Any, str | None]]:
    """Every way from_keras takes a Keras schedule: (argument, class_name)."""
    serialized = schedules.serialize(obj)
    name = type(obj).__name__
    return {
        "object": (obj, None),
        "serialize": (serialized, None),
        "json": (json.loads(json.dumps(serialized)), None),
        "legacy": ({"class_name": name, "config": obj.get_config()}, None),
        "get_config": (obj.get_config(), name),
        # What TF1's tf.compat.v1.train.*_decay returns eagerly: the class, step bound.
        "tf1_function": (functools.partial(obj, 0), None),
    }


def test_every_keras_class_is_covered() -> None:
    covered = {case.keras_class for case in CASES.values()}
    # Keras' own classes; TF Addons' and Model Garden's are test_from_keras_goldens.py's.
    assert covered == {key for key, row in CONVERTERS.items() if row.modules == KERAS_MODULES}


@pytest.mark.parametrize(("name", "seed"), RUNS, ids=[f"{n}-{s}" for n, s in RUNS])
def test_matches_live_keras(name: str, seed: int) -> None:
    case = CASES[name]
    kwargs = case.draw(draws(seed))
    theirs = getattr(schedules, case.keras_class)(**kwargs)
    steps = case.steps(kwargs)
    if case.one_by_one:
        values = pad(keras_lrs(theirs, steps, one_by_one=True))
        steps = pad(steps)
    else:
        steps = pad(steps)
        values = keras_lrs(theirs, steps, one_by_one=False)
    expected = case.ours(kwargs)
    for form, (given, class_name) in forms(theirs).items():
        ours = from_keras(given, class_name)
        assert ours == expected, form
        assert_close(ours, values, steps)
    assert js.from_dict(json.loads(json.dumps(ours.to_dict()))) == expected


def test_keras_restarts_13_and_15_stay_exact_after_conversion() -> None:
    theirs = schedules.CosineDecayRestarts(1.0, 1, t_mul=2.0)
    ours = from_keras(theirs)
    for k in (13, 15):
        assert float(theirs(2**k - 1)) == 0.0  # Keras: the floor, one cycle early
        assert ours(2**k - 1) == 1.0


@pytest.mark.parametrize(
    "kind",
    [
        pytest.param(np.float32, id="numpy"),
        pytest.param(lambda v: jnp.asarray(v, jnp.float32), id="jax"),
        pytest.param(lambda v: keras.Variable(v, dtype="float32"), id="keras_variable"),
    ],
)
def test_numbers_of_any_kind_become_python_numbers(kind: Callable[[float], Any]) -> None:
    theirs = schedules.CosineDecay(
        kind(0.125), np.int64(40), alpha=kind(0.25), warmup_target=kind(0.5), warmup_steps=10
    )
    ours = from_keras(theirs)
    assert ours == js.Warmup(js.CosineDecay(0.5, 40, alpha=0.25), 10, init_value=0.125)
    assert all(type(leaf) in (int, float) for leaf in jax.tree.leaves(ours)), jax.tree.leaves(ours)
    steps = np.asarray([0, 5, 10, 30, 50, 60])
    assert_close(ours, keras_lrs(theirs, steps, one_by_one=True), steps)


def test_serialized_arrays_are_read() -> None:
    theirs = schedules.PiecewiseConstantDecay(
        np.asarray([10, 20]), np.asarray([1.0, 0.5, 0.25], np.float32)
    )
    serialized = schedules.serialize(theirs)
    assert serialized["config"]["boundaries"]["class_name"] == "__numpy__"
    expected = js.PiecewiseConstant([11, 21], [1.0, 0.5, 0.25])
    assert from_keras(serialized) == from_keras(theirs) == expected


def test_a_dict_converts_without_importing_keras() -> None:
    script = (
        "import sys\n"
        "from jaxsched.io.convert._keras import from_keras\n"
        "s = from_keras({'class_name': 'ExponentialDecay', 'config': {"
        "'initial_learning_rate': 0.1, 'decay_steps': 10, 'decay_rate': 0.5}})\n"
        "assert s(10) == s(0) / 2, s\n"
        "assert 'keras' not in sys.modules, 'keras was imported'\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env=env, timeout=120)


class _NotKeras:
    def get_config(self) -> dict[str, Any]:
        return {}


def test_a_missing_keras_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keras", None)
    with pytest.raises(ImportError, match="from_keras needs Keras 3: pip install keras"):
        from_keras(_NotKeras())


class MyCosine(schedules.CosineDecay):
    pass


def _cosine_config(**config: Any) -> dict[str, Any]:
    return {"class_name": "CosineDecay", "config": config}


BAD = [
    ({"class_name": "Foo", "config": {}}, None, ValueError, r"^from_keras: unknown schedule class 'Foo'\..*Known: .*CosineDecayRestarts"),
    ({"class_name": "CosineDecy", "config": {}}, None, ValueError, "Did you mean 'CosineDecay'"),
    (MyCosine(0.1, 10), None, ValueError, "unknown schedule class 'MyCosine'"),
    (_cosine_config(initial_learning_rate=0.1, decay_steps=10, warmup=5), None, ValueError, "CosineDecay has no config key 'warmup'. Did you mean 'warmup_target' or 'warmup_steps'"),
    (_cosine_config(initial_learning_rate=0.1), None, ValueError, r"the CosineDecay config is missing 'decay_steps'; got the keys \['initial_learning_rate'\]"),
    ({"class_name": "CosineDecay", "config": [0.1, 10]}, None, TypeError, "the config of CosineDecay must be a dict"),
    ({"initial_learning_rate": 0.1, "decay_steps": 10}, None, ValueError, "or a get_config\\(\\) dict passed with class_name='...'; got a dict with keys"),
    ({**_cosine_config(), "extra": 1}, None, ValueError, "got also 'extra'"),
    ({"module": "my_project.schedules", **_cosine_config(initial_learning_rate=0.1, decay_steps=10)}, None, ValueError, "comes from module 'my_project.schedules', not from keras or tf_keras or tensorflow"),
    ({"initial_learning_rate": 0.1, "decay_steps": 10}, 7, TypeError, "class_name must be a Keras class name"),
    (_cosine_config(initial_learning_rate=0.1, decay_steps=10), "CosineDecay", TypeError, "pass the dict alone"),
    (schedules.CosineDecay(0.1, 10), "CosineDecay", TypeError, "class_name is for a bare get_config"),
    (0.1, None, TypeError, r"got the number 0.1. For a constant learning rate use jaxsched.Constant\(0.1\)"),
    ("CosineDecay", None, TypeError, "expected a Keras LearningRateSchedule.*got a builtins.str"),
    (keras.layers.Dense(1), None, TypeError, "is not a learning-rate schedule"),
    # Keras takes them; the jaxsched constructors do not, and say why.
    (schedules.ExponentialDecay(0.1, 10, -0.5), None, ValueError, "^ExponentialDecay: decay_rate must be positive"),
    (schedules.ExponentialDecay(0.1, 10, 1.5), None, ValueError, "Set end_value to cap it"),
    (schedules.CosineDecay(0.1, 10.5), None, TypeError, "^CosineDecay: decay_steps must be an integer"),
    (schedules.PiecewiseConstantDecay([20, 10], [1.0, 0.5, 0.1]), None, ValueError, r"^from_keras: PiecewiseConstantDecay: boundaries must be strictly increasing, got boundaries=\[20, 10\]"),
    (_cosine_config(initial_learning_rate=0.1, decay_steps=10, warmup_target=1.0, warmup_steps=-5), None, ValueError, "^Warmup: warmup_steps must be >= 0"),
]  # fmt: skip


@pytest.mark.parametrize(("given", "class_name", "error", "match"), BAD)
def test_bad_input_says_what_was_expected(
    given: Any, class_name: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        from_keras(given, class_name)


# to_keras ------------------------------------------------------------------------------

SCHEDULE = js.Warmup(js.CosineDecay(0.1, decay_steps=20, alpha=0.1), warmup_steps=5)


def test_to_keras_values_are_the_schedule_s() -> None:
    lr = to_keras(SCHEDULE)
    assert isinstance(lr, schedules.LearningRateSchedule)
    assert lr.schedule is SCHEDULE
    steps = np.arange(30)
    expected = np.asarray(SCHEDULE(steps))
    for given in (steps, steps.astype(np.int64), jnp.asarray(steps), steps.astype(np.float32)):
        np.testing.assert_array_equal(np.asarray(lr(given)), expected)
    assert float(lr(keras.Variable(7, dtype="int32", trainable=False))) == float(SCHEDULE(7))
    assert float(jax.jit(lr)(jnp.int32(3))) == float(SCHEDULE(3))


def test_to_keras_serializes_and_round_trips() -> None:
    lr = to_keras(SCHEDULE)
    config = schedules.serialize(lr)
    assert config["registered_name"] == "jaxsched>KerasSchedule"
    assert config["config"] == SCHEDULE.to_dict()
    loaded = schedules.deserialize(json.loads(json.dumps(config)))
    assert type(loaded) is type(lr) and loaded.schedule == SCHEDULE
    assert from_keras(config) == SCHEDULE
    assert from_keras(lr) is SCHEDULE


def test_to_keras_refuses_what_is_not_a_schedule() -> None:
    with pytest.raises(TypeError, match=r"^to_keras: schedule must be a jaxsched schedule"):
        to_keras(schedules.CosineDecay(0.1, 10))


def _fit(lr: Any, updates: int) -> keras.Model:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    x, y = np.ones((2 * updates, 3), np.float32), np.ones((2 * updates, 1), np.float32)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    return model


# Keras' saving converts its own variables with np.array, which NumPy 2 warns about.
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)
def test_to_keras_trains_saves_and_loads(tmp_path: pathlib.Path) -> None:
    updates = 7
    model = _fit(to_keras(SCHEDULE), updates)
    optimizer = model.optimizer
    assert int(optimizer.iterations) == updates
    assert float(optimizer.learning_rate) == float(SCHEDULE(updates))
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path).optimizer
    assert loaded._learning_rate.schedule == SCHEDULE
    assert float(loaded.learning_rate) == float(SCHEDULE(updates))


def test_to_keras_trains_under_the_torch_backend() -> None:
    script = (
        "import warnings; warnings.simplefilter('error')\n"
        "import keras, numpy as np, jaxsched as js\n"
        "from jaxsched.io.convert._to_keras import to_keras\n"
        "assert keras.backend.backend() == 'torch'\n"
        "s = js.Warmup(js.CosineDecay(0.1, decay_steps=20, alpha=0.1), warmup_steps=5)\n"
        "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, use_bias=False)])\n"
        "model.compile(optimizer=keras.optimizers.SGD(learning_rate=to_keras(s)), loss='mse')\n"
        "model.fit(np.ones((14, 3), np.float32), np.ones((14, 1), np.float32), batch_size=2,"
        " verbose=0)\n"
        "assert int(model.optimizer.iterations) == 7\n"
        "assert float(model.optimizer.learning_rate) == float(s(7))\n"
        "assert type(to_keras(s)(3)).__module__ == 'torch'\n"
    )
    env = {**os.environ, "KERAS_BACKEND": "torch"}
    subprocess.run([sys.executable, "-c", script], check=True, cwd=ROOT, env=env, timeout=120)
