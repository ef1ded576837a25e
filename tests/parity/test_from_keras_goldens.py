"""``from_keras`` on configs recorded from TF Addons, TF Model Garden and tf.keras 2.15.

``tools/record_goldens.py`` recorded, for each schedule, what
``tf.keras.optimizers.schedules.serialize`` gives (``serialized``) and the values the
library uses; for Model Garden's ``OptimizationConfig`` dicts (family
``model_garden_config``) the dict as given and what ``build_learning_rate()`` made of it.
Every recorded config converts to a schedule with the recorded values, tolerance
``5e-7 * peak``, except the departures of docs/parity.md, asserted where they happen
(``DEPARTURES`` of test_goldens.py). Model Garden's serialized configs lose their offsets;
that loss is asserted too, and the offsets the recording passed (``kwargs``) restore them.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

import jaxsched as js
from jaxsched import from_keras
from tests.parity.common import assert_close
from tests.parity.test_goldens import DEPARTURES, _decay_per_iteration, _halving, _load

FAMILIES = ("tfa", "model_garden", "model_garden_config", "tf_keras")
RECORDED = {family: _load(family) for family in FAMILIES}

# TF Addons' scale functions, by the name serialize() writes: the JAX forms of the
# recorded functions (their source text is in each case's kwargs).
SCALE_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "_halving": _halving,
    "_decay_per_iteration": _decay_per_iteration,
}

# Model Garden's classes built by wrapping a Keras class: get_config() has no offset.
WRAPPED = ("PiecewiseConstantDecayWithOffset", "PolynomialDecayWithOffset",
           "ExponentialDecayWithOffset", "CosineDecayWithOffset")  # fmt: skip


def _never(t: np.ndarray) -> np.ndarray:
    return np.zeros_like(t, bool)


def _departs(family: str, case: str, recorded: dict) -> Callable[[np.ndarray], np.ndarray]:
    """Where the reference departs on purpose: test_goldens' table, and Model Garden's
    polynomial warmup (update 0 repeats update 1) wherever a recorded config uses it."""
    if (
        family == "model_garden_config"
        and (recorded["kwargs"].get("warmup") or {}).get("type") == "polynomial"
    ):
        return DEPARTURES[("model_garden", "poly_warmup")]
    return DEPARTURES.get((family, case), _never)


def _label(family: str, recorded: dict) -> str:
    if family == "model_garden_config":
        config = recorded["kwargs"]
        warmup = (config.get("warmup") or {}).get("type")
        after = f" + {warmup} warmup" if warmup else ""
        return f"from_keras OptimizationConfig {config['learning_rate']['type']}{after}"
    serialized = recorded["serialized"]
    return f"from_keras {serialized['registered_name'] or serialized['class_name']}"


def _short(qualified: str) -> str:
    return qualified.rsplit(".", 1)[-1]


def _lost_offsets(recorded: dict) -> bool:
    """Whether Model Garden's serialize() dropped a non-zero offset of this case."""
    kwargs = recorded["kwargs"]
    if _short(recorded["reference"]) in WRAPPED and kwargs.get("offset"):
        return True
    after = kwargs.get("after_warmup_lr_sched")
    return (
        isinstance(after, dict)
        and _short(after["class"]) in WRAPPED
        and bool(after["kwargs"].get("offset"))
    )


def _with_offsets(recorded: dict) -> dict:
    """The recorded serialized config with the offsets the recording passed put back."""
    config = copy.deepcopy(recorded["serialized"])
    kwargs = recorded["kwargs"]
    if _short(recorded["reference"]) in WRAPPED:
        config["config"]["offset"] = kwargs["offset"]
    after = kwargs.get("after_warmup_lr_sched")
    if isinstance(after, dict) and _short(after["class"]) in WRAPPED:
        config["config"]["after_warmup_lr_sched"] = {
            "class_name": _short(after["class"]),
            "config": {
                **config["config"]["after_warmup_lr_sched"],
                "offset": after["kwargs"]["offset"],
            },
        }
    return config


def _source(family: str, recorded: dict) -> Any:
    """What from_keras is given: the OptimizationConfig dict, else the serialized config
    (a TF Addons scale_fn, serialized by name, replaced by its JAX form)."""
    if family == "model_garden_config":
        return recorded["kwargs"]
    if family == "model_garden" and _lost_offsets(recorded):
        return _with_offsets(recorded)
    config = recorded["serialized"]
    if "scale_fn_name" in recorded:
        config = copy.deepcopy(config)
        config["config"]["scale_fn"] = SCALE_FUNCTIONS[recorded["scale_fn_name"]]
    return config


CASES = [(family, case) for family in FAMILIES for case in RECORDED[family]["cases"]]


@pytest.mark.parametrize(("family", "case"), CASES, ids=[f"{f}-{c}" for f, c in CASES])
def test_recorded_config_converts_to_the_recorded_values(family: str, case: str) -> None:
    recorded = RECORDED[family]["cases"][case]
    steps = np.asarray(recorded["steps"])
    values = np.asarray(recorded["values"], np.float64)
    ours = from_keras(_source(family, recorded))
    departs = _departs(family, case, recorded)(steps)
    assert_close(ours, values[~departs], steps[~departs], label=_label(family, recorded))
    if not departs.any():
        return
    # Each departure is real: the reference differs by far more than rounding there.
    gap = np.abs(np.asarray(ours(steps), np.float64) - values)
    assert np.all(gap[departs] > 1e-3 * np.max(np.abs(values)))


SERIALIZED_CONFIGS = [
    case for case, recorded in RECORDED["model_garden_config"]["cases"].items()
    if recorded["serialized"] is not None
]  # fmt: skip


@pytest.mark.parametrize("case", SERIALIZED_CONFIGS)
def test_what_an_optimization_config_builds_serializes_to_the_same_schedule(case: str) -> None:
    header = RECORDED["model_garden_config"]
    recorded = header["cases"][case]
    learning_rate = recorded["kwargs"]["learning_rate"]
    kind = learning_rate["type"]
    lost = header["learning_rate_classes"].get(kind) in WRAPPED and bool(
        (learning_rate.get(kind) or {}).get("offset")
    )
    from_dict, from_serialized = from_keras(recorded["kwargs"]), from_keras(recorded["serialized"])
    # Where Model Garden's serialize() dropped the offset the config converts with 0.
    assert (from_serialized != from_dict) if lost else (from_serialized == from_dict)


LOST = [case for case, r in RECORDED["model_garden"]["cases"].items() if _lost_offsets(r)]


@pytest.mark.parametrize("case", LOST)
def test_model_garden_serialized_configs_lose_their_offsets(case: str) -> None:
    recorded = RECORDED["model_garden"]["cases"][case]
    assert "offset" not in str(recorded["serialized"]["config"])
    steps = np.asarray(recorded["steps"])
    values = np.asarray(recorded["values"], np.float64)
    as_recorded = from_keras(recorded["serialized"])
    # As Model Garden's own from_config would: the offset taken for 0.
    assert as_recorded == from_keras(_with_offsets(_zero_offsets(recorded)))
    gap = np.abs(np.asarray(as_recorded(steps), np.float64) - values)
    assert np.max(gap) > 1e-2 * np.max(np.abs(values))


def _zero_offsets(recorded: dict) -> dict:
    zeroed = copy.deepcopy(recorded)
    zeroed["kwargs"]["offset"] = 0
    if isinstance(zeroed["kwargs"].get("after_warmup_lr_sched"), dict):
        zeroed["kwargs"]["after_warmup_lr_sched"]["kwargs"]["offset"] = 0
    return zeroed


def test_every_new_class_has_a_recorded_config() -> None:
    from jaxsched.io.convert._keras import CONVERTERS

    seen = {
        r["serialized"]["registered_name"] or r["serialized"]["class_name"]
        for family in ("tfa", "model_garden", "tf_keras")
        for r in RECORDED[family]["cases"].values()
    }
    # Under a warmup and built by an OptimizationConfig (never serialized at the top).
    seen |= {"PolynomialDecayWithOffset", "CosineDecayWithOffset"}
    seen |= {_short(r["built"]) for r in RECORDED["model_garden_config"]["cases"].values()}
    assert set(CONVERTERS) - seen == {"jaxsched>KerasSchedule"}


def test_every_optimization_config_type_that_maps_is_recorded() -> None:
    from jaxsched.io.convert._model_garden import MODEL_GARDEN_LR_TYPES, MODEL_GARDEN_WARMUP_TYPES

    header = RECORDED["model_garden_config"]
    assert sorted(MODEL_GARDEN_LR_TYPES) == sorted([*header["learning_rate_types"], "constant"])
    assert sorted(MODEL_GARDEN_WARMUP_TYPES) == header["warmup_types"]
    configs = [r["kwargs"] for r in header["cases"].values()]
    assert {c["learning_rate"]["type"] for c in configs} == set(MODEL_GARDEN_LR_TYPES) - {
        "step_cosine_with_offset"
    }
    assert {(c.get("warmup") or {}).get("type") for c in configs} == {None, "linear", "polynomial"}


def test_tfa_scale_functions_serialize_by_name_only() -> None:
    for case in ("custom_cycle", "custom_iterations"):
        recorded = RECORDED["tfa"]["cases"][case]
        scale_fn = recorded["serialized"]["config"]["scale_fn"]
        assert scale_fn["config"] == recorded["scale_fn_name"]
        with pytest.raises(
            TypeError,
            match=r"^from_keras: Addons>CyclicalLearningRate's scale_fn must be a jittable",
        ):
            from_keras(recorded["serialized"])  # fmt: skip


# The object path, on stand-ins of Model Garden's classes (TensorFlow does not install
# here): the offsets get_config() drops are read from the object.

MODEL_GARDEN = "official.modeling.optimization.lr_schedule"


class CosineDecayWithOffset(keras.optimizers.schedules.CosineDecay):
    def __init__(self, offset: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._offset = offset


class LinearWarmup(keras.optimizers.schedules.LearningRateSchedule):
    def __init__(self, after: Any, warmup_steps: int, warmup_learning_rate: float) -> None:
        self._after_warmup_lr_sched = after
        self._warmup_steps, self._init_warmup_lr = warmup_steps, warmup_learning_rate

    def get_config(self) -> dict[str, Any]:
        return {
            "after_warmup_lr_sched": self._after_warmup_lr_sched.get_config(),
            "warmup_steps": self._warmup_steps,
            "warmup_learning_rate": self._init_warmup_lr,
            "name": None,
        }


CosineDecayWithOffset.__module__ = LinearWarmup.__module__ = MODEL_GARDEN


def test_a_model_garden_object_keeps_the_offsets_its_config_drops() -> None:
    after = CosineDecayWithOffset(offset=10, initial_learning_rate=1.0, decay_steps=50)
    assert "offset" not in after.get_config()
    assert from_keras(after) == js.Offset(js.CosineDecay(1.0, 50, alpha=0.0), 10)
    warmup = LinearWarmup(after, 10, 0.0)
    assert from_keras(warmup) == js.Warmup(js.CosineDecay(1.0, 50, alpha=0.0), 10, 0.0)
    config = {"class_name": "LinearWarmup", "module": MODEL_GARDEN, "config": warmup.get_config()}
    assert from_keras(config) == js.Warmup(
        js.Offset(js.CosineDecay(1.0, 50, alpha=0.0), -10), 10, 0.0
    )


# Errors ----------------------------------------------------------------------------------


def _optimization(learning_rate: Any, warmup: Any = None, **more: Any) -> dict[str, Any]:
    config = {"optimizer": {"type": "sgd"}, "learning_rate": learning_rate, **more}
    return config if warmup is None else {**config, "warmup": warmup}


COSINE = {"type": "cosine", "cosine": {"initial_learning_rate": 1.0, "decay_steps": 10}}


def _warmup_config(after: Any) -> dict[str, Any]:
    return {
        "class_name": "LinearWarmup",
        "module": MODEL_GARDEN,
        "config": {"after_warmup_lr_sched": after, "warmup_steps": 5, "warmup_learning_rate": 0.0},
    }


BAD = [
    (_optimization({"type": "cosin"}), ValueError, r"^from_keras: unknown learning_rate type 'cosin'\. Did you mean 'cosine'\? Model Garden's learning_rate types: 'constant', 'stepwise'"),
    (_optimization({"type": "cosine", "cosine": {**COSINE["cosine"], "warmup_target": 1.0}}), ValueError, r"^from_keras: the learning_rate type 'cosine' has no key 'warmup_target'\. It takes 'name', 'initial_learning_rate', 'decay_steps', 'alpha', 'offset'"),
    (_optimization({"type": "cosine", "cosine": {"initial_learning_rate": 1.0}}), ValueError, r"^from_keras: the learning_rate type 'cosine' needs 'decay_steps'; Model Garden has no default"),
    (_optimization({"cosine": COSINE["cosine"]}), ValueError, r"^from_keras: the OptimizationConfig's learning_rate has no 'type'"),
    (_optimization({"type": "cosine", "cosinus": {}}), ValueError, r"^from_keras: the OptimizationConfig's learning_rate has no key 'cosinus'\. Did you mean 'cosine'"),
    (_optimization("cosine"), TypeError, r"^from_keras: the OptimizationConfig's learning_rate must be a dict"),
    (_optimization(COSINE, {"type": "cosine", "cosine": {}}), ValueError, r"^from_keras: unknown warmup type 'cosine'\. Model Garden's warmup types: 'linear', 'polynomial'"),
    (_optimization(COSINE, {"type": "linear", "linear": {"warmup_learning_rate": 0.1}}), ValueError, r"^from_keras: the warmup type 'linear' needs 'warmup_steps'"),
    (_optimization(COSINE, {"type": "linear", "linear": {"warmup_steps": 5, "power": 2.0}}), ValueError, r"^from_keras: the warmup type 'linear' has no key 'power'\. It takes 'name', 'warmup_learning_rate', 'warmup_steps'"),
    (_optimization(COSINE, warmpu={}), ValueError, r"^from_keras: a Model Garden OptimizationConfig has no key 'warmpu'\. Did you mean 'warmup'"),
    (_optimization({"type": "step_cosine_with_offset", "step_cosine_with_offset": {"boundaries": [0, 10], "values": [1.0, 0.5]}}), ValueError, r"^from_keras: Model Garden's StepCosineDecayWithOffset is not offered.*PiecewiseInterpolate"),
    (_optimization({"type": "power_with_offset", "power_with_offset": {"initial_learning_rate": 1.0, "offset": 10}}), ValueError, r"^from_keras: PowerDecayWithOffset needs pre_offset_learning_rate.*1e6, would be the learning rate of updates 0 to 10: give"),
    ({"class_name": "TriangularCyclicalLearningRate", "registered_name": "Addons>TriangularCyclicalLearningRate", "module": "keras.optimizers.schedules", "config": {"initial_learning_rate": 0.1, "maximal_learning_rate": 1.0, "step_size": 5}}, ValueError, r"^from_keras: the class 'Addons>TriangularCyclicalLearningRate' comes from module 'keras.optimizers.schedules', not from tensorflow_addons"),
    ({"class_name": "Addons>ExponentialCyclicalLearningRate", "config": {"initial_learning_rate": 0.1, "maximal_learning_rate": 1.0, "step_size": 5, "gama": 0.9}}, ValueError, r"^from_keras: Addons>ExponentialCyclicalLearningRate has no config key 'gama'\. Did you mean 'gamma'"),
    ({"class_name": "Addons>CyclicalLearningRate", "config": {"initial_learning_rate": 0.1, "maximal_learning_rate": 1.0, "step_size": 5, "scale_fn": "_halving"}}, TypeError, r"^from_keras: Addons>CyclicalLearningRate's scale_fn must be a jittable Python function.*got scale_fn='_halving'"),
    ({"class_name": "Addons>TriangularCyclicalLearningRate", "config": {"initial_learning_rate": 0.1, "maximal_learning_rate": 1.0, "step_size": 2.5}}, TypeError, r"^Cyclical: step_size_up must be an integer"),
    ({"class_name": "StepCosineDecayWithOffset", "module": MODEL_GARDEN, "config": {"boundaries": [0, 10], "values": [1.0, 0.5], "offset": 0}}, ValueError, r"^from_keras: Model Garden's StepCosineDecayWithOffset is not offered"),
    (_warmup_config({"initial_learning_rate": 1.0, "decay_steps": 10}), ValueError, r"^from_keras: LinearWarmup's after_warmup_lr_sched is a config without its class, with the keys \['decay_steps', 'initial_learning_rate'\], and it fits PolynomialDecayWithOffset and CosineDecayWithOffset\. Give it as \{'class_name'"),
    (_warmup_config({"learning_rate": 1.0}), ValueError, r"^from_keras: LinearWarmup's after_warmup_lr_sched is a config without its class.*it is none of the classes Model Garden puts there"),
    (_warmup_config({"boundaries": [0, 10], "values": [1.0, 0.5], "offset": 0, "name": None}), ValueError, r"^from_keras: Model Garden's StepCosineDecayWithOffset is not offered"),
    (_warmup_config("cosine"), TypeError, r"^from_keras: LinearWarmup's after_warmup_lr_sched must be a schedule, its config or a number, got a builtins\.str"),
    ({**_warmup_config(0.5), "module": "my_project.schedules"}, ValueError, r"^from_keras: the class 'LinearWarmup' comes from module 'my_project\.schedules', not from official"),
    ({"class_name": "PowerDecayWithOffset", "config": {"initial_learning_rate": 1.0, "power": 1.5, "offset": 0, "pre_offset_learning_rate": 1.0}}, ValueError, r"^PowerDecayWithOffset: power must be <= 1"),
]  # fmt: skip


@pytest.mark.parametrize(("given", "error", "match"), BAD)
def test_bad_input_names_what_was_expected(given: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        from_keras(given)


def test_keys_model_garden_leaves_out_take_its_defaults() -> None:
    # staircase None (the config default) is continuous, as in Keras; power -0.5 is the
    # config's default, not the class's 1.0; no warmup type is no warmup.
    exponential = {"type": "exponential", "exponential": {"initial_learning_rate": 1.0, "decay_steps": 10, "decay_rate": 0.5}}  # fmt: skip
    assert from_keras(_optimization(exponential, {"type": None})) == js.ExponentialDecay(
        1.0, 10, 0.5, staircase=False
    )
    power = {"type": "power", "power": {"initial_learning_rate": 1.0}}
    assert from_keras(_optimization(power)) == js.DirectPowerDecay(1.0, -0.5)
    assert from_keras(_optimization({"type": "constant"})) == js.Constant(0.1)
    # Another type's config (as OptimizationConfig.as_dict() writes them all) is not read.
    assert from_keras(_optimization({**COSINE, "stepwise": {"boundaries": None}})) == (
        js.CosineDecay(1.0, 10, alpha=0.0)
    )
