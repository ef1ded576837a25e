#!/usr/bin/env python
"""Record golden learning-rate values from the real reference libraries.

The reference libraries (TensorFlow 2.15 with TF-Addons and Model Garden,
PyTorch with Hugging Face transformers and timm) cannot be installed in CI,
so their outputs are recorded once, with this script, into
``tests/goldens/<family>.json``. Every value is computed by calling the
library itself; no schedule formula is re-implemented here.

Families and the interpreter they need (see tools/README.md):

* ``tf1``, ``tfa``, ``model_garden``, ``model_garden_config``, ``tf_keras``: the
  TensorFlow environment (tools/requirements-tf.txt);
* ``hf``, ``timm``: the PyTorch environment (tools/requirements-torch.txt).

Usage::

    python tools/record_goldens.py --family tf1 --family tfa --out tests/goldens
    python tools/record_goldens.py --family all --out tests/goldens

``all`` records every family whose library imports in the running
interpreter and skips the others with a message.

Step convention: ``values[i]`` is the learning rate that the reference uses
for optimizer update number ``steps[i]``, counted from 0 (update 0 is the
first update). Values are stored as ``float(np.float32(v))``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import sys
import types
from importlib import metadata

# Keep the recording light on a small shared machine, and CPU only. These
# must be set before TensorFlow / PyTorch are imported.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")
os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

FAMILIES = ("tf1", "tfa", "model_garden", "model_garden_config", "tf_keras", "hf", "timm")
RECORDED_BY = "tools/record_goldens.py"


# --------------------------------------------------------------------------
# helpers


def r(*parts):
    """Concatenate ranges / lists of ints into one sorted list of steps."""
    out = []
    for p in parts:
        if isinstance(p, int):
            out.append(p)
        else:
            out.extend(p)
    return out


def f32(v) -> float:
    x = float(np.float32(v))
    if not math.isfinite(x):
        raise ValueError(f"non-finite value {v!r}")
    return x


def json_safe(obj, where="value"):
    """``obj`` if it is plain JSON data (dicts with string keys, lists, strings, finite
    numbers, bools, None), else TypeError. Tuples are refused: Keras writes a lambda as
    a tuple holding its marshalled bytecode, which is not data."""
    if obj is None or isinstance(obj, bool | str):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise TypeError(f"{where}: non-finite {obj!r}")
        return obj
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"{where}: non-string key {k!r}")
            out[k] = json_safe(v, f"{where}.{k}")
        return out
    if isinstance(obj, list):
        return [json_safe(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    raise TypeError(f"{where}: {type(obj).__name__} {obj!r} is not JSON data")


def serialized(tf, schedule):
    """``tf.keras.optimizers.schedules.serialize(schedule)`` (Keras 2.15's form), checked
    to be plain JSON data (TypeError otherwise)."""
    return json_safe(tf.keras.optimizers.schedules.serialize(schedule), "serialize()")


def versions(*dists):
    return {d: metadata.version(d) for d in dists}


def header(library_versions, **extra):
    h = {
        "recorded_by": RECORDED_BY,
        "python": platform.python_version(),
        "library_versions": library_versions,
    }
    h.update(extra)
    return h


def case(reference, kwargs, base_lr, steps, **data):
    c = {"reference": reference, "kwargs": kwargs, "base_lr": base_lr, "steps": list(steps)}
    c.update(data)
    return c


def write_json(path, head, cases):
    """Compact JSON: header keys one per line, one case per line."""
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}: {json.dumps(v, allow_nan=False)},")
    lines.append('"cases": {')
    items = list(cases.items())
    for i, (cid, c) in enumerate(items):
        sep = "," if i < len(items) - 1 else ""
        lines.append(
            f"{json.dumps(cid)}: {json.dumps(c, allow_nan=False, separators=(',', ':'))}{sep}"
        )
    lines.append("}")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # sanity: it parses
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)
    print(f"wrote {path}: {len(cases)} cases")


# --------------------------------------------------------------------------
# TensorFlow families


def _tf():
    import tensorflow as tf

    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    return tf


def record_tf1():
    """tf.compat.v1.train decay functions, evaluated eagerly.

    In eager mode each function returns a zero-argument callable; the
    learning rate for update t is that callable evaluated with
    global_step = t (the value of the global step when update t runs).
    """
    tf = _tf()
    train = tf.compat.v1.train
    cases = {}

    def run(fn_name, kwargs, steps):
        fn = getattr(train, fn_name)
        vals = []
        for t in steps:
            out = fn(global_step=tf.constant(t, tf.int64), **kwargs)
            out = out() if callable(out) else out
            vals.append(f32(out.numpy()))
        return case(f"tf.compat.v1.train.{fn_name}", kwargs, None, steps, values=vals)

    cases["linear_cosine_a"] = run(
        "linear_cosine_decay",
        dict(learning_rate=1.0, decay_steps=50, num_periods=0.5, alpha=0.0, beta=0.001),
        r(range(56), 1000, 2**20),
    )
    cases["linear_cosine_b"] = run(
        "linear_cosine_decay",
        dict(learning_rate=0.3, decay_steps=40, num_periods=2.0, alpha=0.1, beta=0.01),
        r(range(46)),
    )
    cases["linear_cosine_c"] = run(
        "linear_cosine_decay",
        dict(learning_rate=2.0, decay_steps=7, num_periods=1.5, alpha=0.25, beta=0.0),
        r(range(13)),
    )

    # Noisy: N draws per step from the real op; population statistics.
    tf.random.set_seed(0)
    n = 4000
    shared = dict(learning_rate=1.0, decay_steps=100, num_periods=0.5, alpha=0.0, beta=0.001)
    noisy_kwargs = dict(
        learning_rate=1.0,
        decay_steps=100,
        initial_variance=1.0,
        variance_decay=0.55,
        num_periods=0.5,
        alpha=0.0,
        beta=0.001,
    )
    steps = [0, 5, 30, 99, 100, 150]
    means, stds, samples, clean = [], [], [], []
    for t in steps:
        fn = train.noisy_linear_cosine_decay(global_step=tf.constant(t, tf.int64), **noisy_kwargs)
        draws = np.array([fn().numpy() for _ in range(n)], dtype=np.float64)
        if not np.all(np.isfinite(draws)):
            raise ValueError("non-finite noisy draw")
        means.append(float(draws.mean()))
        stds.append(float(draws.std(ddof=0)))
        samples.append(n)
        c = train.linear_cosine_decay(global_step=tf.constant(t, tf.int64), **shared)
        clean.append(f32(c().numpy()))
    cases["noisy_linear_cosine"] = case(
        "tf.compat.v1.train.noisy_linear_cosine_decay",
        noisy_kwargs,
        None,
        steps,
        mean=means,
        std=stds,
        samples=samples,
        clean=clean,
    )

    for stair in (False, True):
        sfx = "_stair" if stair else ""
        cases["natural_exp" + sfx] = run(
            "natural_exp_decay",
            dict(learning_rate=0.5, decay_steps=10, decay_rate=0.3, staircase=stair),
            r(range(101), 1000),
        )
    for stair in (False, True):
        sfx = "_stair" if stair else ""
        cases["inverse_time" + sfx] = run(
            "inverse_time_decay",
            dict(learning_rate=0.5, decay_steps=10, decay_rate=0.3, staircase=stair),
            r(range(101)),
        )

    head = header(
        {"tensorflow": tf.__version__} | versions("tensorflow-cpu"),
        step_convention="global_step=tf.constant(t, tf.int64), eager callable evaluated",
        noisy_stats="mean/std are float64 population statistics of float32 draws; "
        "tf.random.set_seed(0) once before the noisy case",
    )
    return head, cases


# TF-Addons scale functions, written once as source text so that the text
# recorded in the golden file is exactly the function that was used.
def _halving(x):
    return 1 / (2.0 ** (x - 1))


def _decay_per_iteration(x):
    return 0.99**x


# The scale functions, and the text recorded for them in the goldens.
TFA_CUSTOM_CYCLE_FN = (_halving, "lambda x: 1 / (2.0 ** (x - 1))")
TFA_CUSTOM_ITER_FN = (_decay_per_iteration, "lambda x: 0.99 ** x")


def record_tfa():
    """TF-Addons cyclical schedules.

    The step is passed as float32: this is what the Keras legacy optimizers
    pass (tf.cast(iterations, var_dtype)); with an integer step the
    'iterations' scale mode feeds the integer step into scale_fn and fails.
    """
    tf = _tf()
    import tensorflow_addons as tfa

    opt = tfa.optimizers
    cases = {}

    def run(cls_name, kwargs, steps, fn_kwargs=None):
        cls = getattr(opt, cls_name)
        ctor = dict(kwargs)
        for k, (fn, src) in (fn_kwargs or {}).items():
            ctor[k] = fn
            kwargs = dict(kwargs, **{k: src})
        sched = cls(**ctor)
        vals = [f32(sched(tf.constant(t, tf.float32)).numpy()) for t in steps]
        extra = {}
        try:
            extra["serialized"] = serialized(tf, sched)
        except (TypeError, ValueError, OSError) as error:
            # A scale_fn Keras cannot write as data (a lambda: marshalled bytecode, or
            # no source at all): record what identifies the class and the function.
            extra["serialized"] = None
            extra["serialize_error"] = f"{type(error).__name__}: {error}"
            extra["class_name"] = cls_name
            extra["registered_name"] = tf.keras.utils.get_registered_name(cls)
            extra["module"] = cls.__module__
            extra["config_keys"] = sorted(sched.get_config())
        for k, (fn, _) in (fn_kwargs or {}).items():
            extra[f"{k}_name"] = fn.__name__
            extra["serialized_note"] = (
                f"{k} is a Python function: serialize() names it only "
                f"({k}_name; Keras writes module 'builtins'), its code is not data. "
                f"kwargs['{k}'] has its source text."
            )
        return case(
            f"tensorflow_addons.optimizers.{cls_name}", kwargs, None, steps, values=vals, **extra
        )

    cases["triangular"] = run(
        "TriangularCyclicalLearningRate",
        dict(initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=5),
        r(range(41)),
    )
    cases["triangular2"] = run(
        "Triangular2CyclicalLearningRate",
        dict(initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=4),
        r(range(51)),
    )
    cases["exp_range"] = run(
        "ExponentialCyclicalLearningRate",
        dict(initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=5, gamma=0.97),
        r(range(51)),
    )
    cases["custom_cycle"] = run(
        "CyclicalLearningRate",
        dict(initial_learning_rate=0.1, maximal_learning_rate=1.0, step_size=3, scale_mode="cycle"),
        r(range(41)),
        fn_kwargs={"scale_fn": TFA_CUSTOM_CYCLE_FN},
    )
    cases["custom_iterations"] = run(
        "CyclicalLearningRate",
        dict(
            initial_learning_rate=0.1,
            maximal_learning_rate=1.0,
            step_size=3,
            scale_mode="iterations",
        ),
        r(range(41)),
        fn_kwargs={"scale_fn": TFA_CUSTOM_ITER_FN},
    )
    head = header(
        {"tensorflow": tf.__version__} | versions("tensorflow-cpu", "tensorflow-addons", "keras"),
        step_convention="sched(tf.constant(t, tf.float32))",
    )
    return head, cases


def record_model_garden():
    """official.modeling.optimization.lr_schedule (tf-models-official)."""
    tf = _tf()
    from official.modeling.optimization import lr_schedule as lrs

    mod = "official.modeling.optimization.lr_schedule"
    cases = {}

    def build(spec):
        """spec: {"class": name, "kwargs": {...}}; nested specs are built first."""
        kw = {
            k: build(v) if isinstance(v, dict) and "class" in v else v
            for k, v in spec["kwargs"].items()
        }
        return getattr(lrs, spec["class"].rsplit(".", 1)[-1])(**kw)

    def spec(cls_name, **kwargs):
        return {"class": f"{mod}.{cls_name}", "kwargs": kwargs}

    def run(s, steps):
        sched = build(s)
        vals = []
        for t in steps:
            v32 = sched(tf.constant(t, tf.int32)).numpy()
            # Cross-check: a float32 step gives the same value (not recorded).
            vf = sched(tf.constant(t, tf.float32)).numpy()
            if not (np.float32(v32) == np.float32(vf)):
                print(
                    f"  note: {s['class']} step {t}: int32 {v32!r} != float32 {vf!r}",
                    file=sys.stderr,
                )
            vals.append(f32(v32))
        return case(
            s["class"], s["kwargs"], None, steps, values=vals, serialized=serialized(tf, sched)
        )

    cases["direct_power"] = run(
        spec("DirectPowerDecay", initial_learning_rate=1.0, power=-0.5),
        [0, 1, 2, 3, 10, 100, 1000, 1000000],
    )
    power_linear = dict(
        initial_learning_rate=1.0,
        total_decay_steps=100,
        power=-0.5,
        linear_decay_fraction=0.1,
        offset=0,
    )
    cases["power_linear"] = run(spec("PowerAndLinearDecay", **power_linear), r(range(111)))
    cases["power_linear_offset"] = run(
        spec("PowerAndLinearDecay", **power_linear | {"offset": 10}), r(range(121))
    )
    cases["power_linear_nofrac"] = run(
        spec("PowerAndLinearDecay", **power_linear | {"linear_decay_fraction": 0.0}),
        r(range(111)),
    )
    cases["power_offset"] = run(
        spec(
            "PowerDecayWithOffset",
            initial_learning_rate=1.0,
            power=-0.5,
            offset=10,
            pre_offset_learning_rate=0.7,
        ),
        r(range(41), 1000),
    )
    cases["poly_warmup"] = run(
        spec(
            "PolynomialWarmUp",
            after_warmup_lr_sched=spec(
                "PolynomialDecayWithOffset",
                offset=10,
                initial_learning_rate=1.0,
                decay_steps=50,
                end_learning_rate=0.01,
                power=1.0,
            ),
            warmup_steps=10,
            power=2.0,
        ),
        r(range(71)),
    )
    cases["linear_warmup_cosine"] = run(
        spec(
            "LinearWarmup",
            after_warmup_lr_sched=spec(
                "CosineDecayWithOffset",
                offset=10,
                initial_learning_rate=1.0,
                decay_steps=50,
                alpha=0.1,
            ),
            warmup_steps=10,
            warmup_learning_rate=0.0,
        ),
        r(range(71)),
    )
    cases["piecewise_offset"] = run(
        spec(
            "PiecewiseConstantDecayWithOffset",
            offset=10,
            boundaries=[10, 20],
            values=[1.0, 0.5, 0.1],
        ),
        r(range(46)),
    )
    cases["exponential_offset"] = run(
        spec(
            "ExponentialDecayWithOffset",
            offset=5,
            initial_learning_rate=1.0,
            decay_steps=10,
            decay_rate=0.5,
            staircase=True,
        ),
        r(range(51)),
    )
    head = header(
        {"tensorflow": tf.__version__} | versions("tensorflow-cpu", "tf-models-official", "keras"),
        step_convention="sched(tf.constant(t, tf.int32)); a float32 step was checked to give the same values",
        serialized_note="serialized is tf.keras.optimizers.schedules.serialize(schedule). "
        "Model Garden's *WithOffset classes inherit the Keras get_config, which has no "
        "'offset', and LinearWarmup / PolynomialWarmUp write the after_warmup_lr_sched as "
        "its bare get_config() (no class name, no offset): kwargs has what was passed.",
    )
    return head, cases


def int32_values(tf, sched, steps, label):
    """``sched(tf.constant(t, tf.int32))`` for each step (Model Garden's convention),
    with a float32 step checked to give the same value (a mismatch is printed)."""
    vals = []
    for t in steps:
        v32 = sched(tf.constant(t, tf.int32))
        v32 = v32.numpy() if hasattr(v32, "numpy") else v32
        vf = sched(tf.constant(t, tf.float32))
        vf = vf.numpy() if hasattr(vf, "numpy") else vf
        if not (np.float32(v32) == np.float32(vf)):
            print(f"  note: {label} step {t}: int32 {v32!r} != float32 {vf!r}", file=sys.stderr)
        vals.append(f32(v32))
    return vals


def record_tf_keras():
    """tf.keras 2.15 (Keras 2) schedules: serialize() output and values."""
    tf = _tf()
    sch = tf.keras.optimizers.schedules
    cases = {}

    def run(cls_name, kwargs, steps):
        sched = getattr(sch, cls_name)(**kwargs)
        vals = int32_values(tf, sched, steps, cls_name)
        return case(
            f"tf.keras.optimizers.schedules.{cls_name}",
            kwargs,
            None,
            steps,
            values=vals,
            serialized=serialized(tf, sched),
        )

    cases["exponential"] = run(
        "ExponentialDecay",
        dict(initial_learning_rate=0.5, decay_steps=10, decay_rate=0.7),
        r(range(61), 1000, 2**20),
    )
    cases["exponential_staircase"] = run(
        "ExponentialDecay",
        dict(initial_learning_rate=0.5, decay_steps=7, decay_rate=0.6, staircase=True),
        r(range(51)),
    )
    cases["piecewise"] = run(
        "PiecewiseConstantDecay",
        dict(boundaries=[10, 25], values=[1.0, 0.5, 0.1]),
        r(range(41)),
    )
    cases["piecewise_early"] = run(
        "PiecewiseConstantDecay",
        dict(boundaries=[0, 3, 4], values=[0.3, 0.2, 0.1, 0.05]),
        r(range(11)),
    )
    cases["polynomial"] = run(
        "PolynomialDecay",
        dict(initial_learning_rate=1.0, decay_steps=30, end_learning_rate=0.01, power=2.0),
        r(range(46), 1000),
    )
    cases["polynomial_cycle"] = run(
        "PolynomialDecay",
        dict(
            initial_learning_rate=1.0,
            decay_steps=10,
            end_learning_rate=0.1,
            power=0.5,
            cycle=True,
        ),
        r(range(46)),
    )
    cases["inverse_time"] = run(
        "InverseTimeDecay",
        dict(initial_learning_rate=0.5, decay_steps=10, decay_rate=0.3),
        r(range(61), 1000),
    )
    cases["inverse_time_staircase"] = run(
        "InverseTimeDecay",
        dict(initial_learning_rate=0.5, decay_steps=6, decay_rate=1.5, staircase=True),
        r(range(41)),
    )
    cases["cosine"] = run(
        "CosineDecay",
        dict(initial_learning_rate=1.0, decay_steps=40, alpha=0.1),
        r(range(51), 1000),
    )
    cases["cosine_warmup"] = run(
        "CosineDecay",
        dict(
            initial_learning_rate=0.0,
            decay_steps=40,
            alpha=0.1,
            warmup_target=1.0,
            warmup_steps=10,
        ),
        r(range(61)),
    )
    cases["cosine_warmup_from"] = run(
        "CosineDecay",
        dict(initial_learning_rate=0.1, decay_steps=30, warmup_target=0.5, warmup_steps=5),
        r(range(41)),
    )
    cases["cosine_target_without_steps"] = run(
        "CosineDecay",
        dict(initial_learning_rate=0.1, decay_steps=30, warmup_target=0.5, warmup_steps=0),
        r(range(36)),
    )
    cases["cosine_restarts"] = run(
        "CosineDecayRestarts",
        dict(initial_learning_rate=1.0, first_decay_steps=5, t_mul=2.0, m_mul=0.8, alpha=0.1),
        r(range(81)),
    )
    cases["cosine_restarts_t_mul_1"] = run(
        "CosineDecayRestarts",
        dict(initial_learning_rate=0.5, first_decay_steps=8, t_mul=1.0, m_mul=1.0),
        r(range(41)),
    )
    head = header(
        {"tensorflow": tf.__version__} | versions("tensorflow-cpu", "keras"),
        step_convention="sched(tf.constant(t, tf.int32)); a float32 step was checked to give the same values",
        serialized_note="serialized is tf.keras.optimizers.schedules.serialize(schedule)",
    )
    return head, cases


def record_model_garden_config():
    """Model Garden OptimizationConfig dicts, as users write them in YAML, built with
    ``OptimizerFactory(OptimizationConfig(d)).build_learning_rate()``."""
    tf = _tf()
    from official.modeling.optimization import lr_schedule, optimizer_factory
    from official.modeling.optimization.configs import optimization_config

    cases = {}
    sgd = {"type": "sgd", "sgd": {"momentum": 0.9}}

    def run(learning_rate, warmup, steps, optimizer=sgd, **more):
        d = {"optimizer": optimizer, **more, "learning_rate": learning_rate}
        if warmup is not None:
            d["warmup"] = warmup
        given = json.loads(json.dumps(d))  # what is recorded is exactly what was given
        factory = optimizer_factory.OptimizerFactory(optimization_config.OptimizationConfig(d))
        lr = factory.build_learning_rate()
        if d != given:
            raise ValueError(f"OptimizationConfig changed the dict it was given: {d}")
        is_schedule = isinstance(lr, tf.keras.optimizers.schedules.LearningRateSchedule)
        vals = int32_values(tf, lr, steps, learning_rate["type"])
        return case(
            "official.modeling.optimization.optimizer_factory.OptimizerFactory("
            "OptimizationConfig(kwargs)).build_learning_rate()",
            given,
            None,
            steps,
            values=vals,
            built=f"{type(lr).__module__}.{type(lr).__qualname__}",
            serialized=serialized(tf, lr) if is_schedule else None,
        )

    def lr(kind, **config):
        return {"type": kind, kind: config}

    def linear(steps, init=0.0):
        return {"type": "linear", "linear": {"warmup_steps": steps, "warmup_learning_rate": init}}

    def poly(steps, power):
        return {"type": "polynomial", "polynomial": {"warmup_steps": steps, "power": power}}

    cases["cosine_linear_warmup"] = run(
        lr("cosine", initial_learning_rate=1.0, decay_steps=50, alpha=0.1),
        linear(10, 0.01),
        r(range(61)),
    )
    cases["cosine_offset_linear_warmup"] = run(
        lr("cosine", initial_learning_rate=1.0, decay_steps=50, alpha=0.1, offset=10),
        linear(10),
        r(range(71)),
    )
    cases["stepwise_polynomial_warmup"] = run(
        lr("stepwise", boundaries=[20, 40], values=[1.0, 0.5, 0.1]),
        poly(10, 2.0),
        r(range(51)),
    )
    cases["exponential_staircase_adamw_ema"] = run(
        lr(
            "exponential", initial_learning_rate=1.0, decay_steps=10, decay_rate=0.5, staircase=True
        ),
        None,
        r(range(51)),
        optimizer={"type": "adamw", "adamw": {"weight_decay_rate": 0.01}},
        ema={"average_decay": 0.999},
    )
    cases["exponential_offset_linear_warmup"] = run(
        lr("exponential", initial_learning_rate=0.8, decay_steps=5, decay_rate=0.9, offset=5),
        linear(5, 0.1),
        r(range(41)),
    )
    cases["polynomial_polynomial_warmup"] = run(
        lr(
            "polynomial",
            initial_learning_rate=1.0,
            decay_steps=40,
            end_learning_rate=0.01,
            power=2.0,
        ),
        poly(8, 1.0),
        r(range(51)),
    )
    cases["polynomial_cycle"] = run(
        lr(
            "polynomial",
            initial_learning_rate=0.5,
            decay_steps=10,
            end_learning_rate=0.05,
            cycle=True,
        ),
        None,
        r(range(46)),
    )
    cases["power_linear_warmup"] = run(
        lr("power", initial_learning_rate=1.0, power=-0.5),
        linear(10),
        r(range(41), 1000),
    )
    cases["power_linear_polynomial_warmup"] = run(
        lr(
            "power_linear",
            initial_learning_rate=1.0,
            total_decay_steps=100,
            power=-0.5,
            linear_decay_fraction=0.1,
        ),
        poly(10, 1.0),
        r(range(111)),
    )
    cases["power_with_offset"] = run(
        lr(
            "power_with_offset",
            initial_learning_rate=1.0,
            power=-0.5,
            offset=10,
            pre_offset_learning_rate=0.5,
        ),
        None,
        r(range(41), 1000),
    )
    cases["constant_linear_warmup"] = run(
        lr("constant", learning_rate=0.3),
        linear(5),
        r(range(11)),
    )
    head = header(
        {"tensorflow": tf.__version__} | versions("tensorflow-cpu", "tf-models-official", "keras"),
        step_convention="sched(tf.constant(t, tf.int32)); a float32 step was checked to give the same values",
        config_note="kwargs is the dict given to OptimizationConfig, exactly as given; "
        "serialized is tf.keras.optimizers.schedules.serialize of what build_learning_rate "
        "returned (null where that is a float)",
        learning_rate_types=sorted(optimizer_factory.LR_CLS),
        warmup_types=sorted(optimizer_factory.WARMUP_CLS),
        learning_rate_classes={k: v.__name__ for k, v in optimizer_factory.LR_CLS.items()},
        model_garden_lr_module=lr_schedule.__name__,
    )
    return head, cases


# --------------------------------------------------------------------------
# PyTorch families

BASE_LR = 0.5


def _sgd(torch, lr):
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr)


def lambda_as_data(scheduler):
    """A LambdaLR's function as data: its name, module and (for a partial) keywords."""
    (fn,) = scheduler.lr_lambdas
    inner = fn.func if hasattr(fn, "func") else fn
    if getattr(fn, "args", ()):
        raise ValueError(f"positional arguments bound in {fn!r}")
    return {
        "function": inner.__name__,
        "module": inner.__module__,
        "keywords": json_safe(dict(getattr(fn, "keywords", {})), "keywords"),
    }


def record_hf():
    """transformers.optimization schedules driven by a real training loop.

    For t = 0..max(steps): read the lr that update t uses, then
    optimizer.step(); scheduler.step().
    """
    import torch
    import transformers
    from transformers import optimization as hfo

    torch.set_num_threads(1)
    cases = {}

    def run(fn_name, kwargs, steps):
        opt = _sgd(torch, BASE_LR)
        sched = getattr(hfo, fn_name)(opt, **kwargs)
        want = set(steps)
        got = {}
        for t in range(max(steps) + 1):
            if t in want:
                got[t] = opt.param_groups[0]["lr"]
            opt.step()
            sched.step()
        vals = [f32(got[t]) for t in steps]
        return case(
            f"transformers.optimization.{fn_name}",
            kwargs,
            BASE_LR,
            steps,
            values=vals,
            function=lambda_as_data(sched),
        )

    for w in ("linear", "cosine", "1-sqrt"):
        for d in ("linear", "cosine", "1-sqrt"):
            for m in (0.0, 0.1):
                cases[f"wsd_{w}_{d}_{m}"] = run(
                    "get_wsd_schedule",
                    dict(
                        num_warmup_steps=4,
                        num_decay_steps=6,
                        num_stable_steps=5,
                        warmup_type=w,
                        decay_type=d,
                        min_lr_ratio=m,
                    ),
                    r(range(21)),
                )
    big = r(range(61), 1000, 100000)
    cases["inverse_sqrt_w10"] = run("get_inverse_sqrt_schedule", dict(num_warmup_steps=10), big)
    cases["inverse_sqrt_w10_t25"] = run(
        "get_inverse_sqrt_schedule", dict(num_warmup_steps=10, timescale=25), big
    )
    cases["inverse_sqrt_w0"] = run("get_inverse_sqrt_schedule", dict(num_warmup_steps=0), big)
    cases["cosine_min_lr"] = run(
        "get_cosine_with_min_lr_schedule_with_warmup",
        dict(num_warmup_steps=5, num_training_steps=40, min_lr_rate=0.1),
        r(range(46)),
    )
    cases["linear"] = run(
        "get_linear_schedule_with_warmup",
        dict(num_warmup_steps=5, num_training_steps=40),
        r(range(46)),
    )
    cases["cosine"] = run(
        "get_cosine_schedule_with_warmup",
        dict(num_warmup_steps=5, num_training_steps=40),
        r(range(46)),
    )
    cases["polynomial"] = run(
        "get_polynomial_decay_schedule_with_warmup",
        dict(num_warmup_steps=5, num_training_steps=40, lr_end=1e-3, power=2.0),
        r(range(46)),
    )
    cases["constant_warmup"] = run(
        "get_constant_schedule_with_warmup", dict(num_warmup_steps=5), r(range(11))
    )
    cases["hard_restarts"] = run(
        "get_cosine_with_hard_restarts_schedule_with_warmup",
        dict(num_warmup_steps=5, num_training_steps=45, num_cycles=2),
        r(range(51)),
    )

    head = header(
        {"torch": torch.__version__, "transformers": transformers.__version__},
        step_convention="SGD(lr=base_lr); for each t: read param_groups[0]['lr'], "
        "then optimizer.step(); scheduler.step()",
    )
    return head, cases


def _import_timm_scheduler():
    """Import timm.scheduler, working around a missing torchvision.

    `import timm.scheduler` first runs timm/__init__.py, which imports
    timm.layers and timm.models; timm.layers imports torchvision, which has no
    CPU build in our environment. The scheduler sub-package itself imports
    only torch and its own modules. If the normal import fails for that
    reason, register an empty package shell for `timm` (pointing at the
    installed timm directory, so no file is copied or changed) and import
    `timm.scheduler` from the installed files unchanged. Returns the module
    and a note describing how it was imported.
    """
    try:
        import timm.scheduler as ts

        return ts, "plain import"
    except ModuleNotFoundError as e:
        if e.name is None or not e.name.startswith("torchvision"):
            raise
        for k in [k for k in sys.modules if k == "timm" or k.startswith("timm.")]:
            del sys.modules[k]
    spec = importlib.util.find_spec("timm")  # locates the package, runs nothing
    pkg = types.ModuleType("timm")
    pkg.__path__ = list(spec.submodule_search_locations)
    pkg.__file__ = spec.origin
    pkg.__spec__ = spec
    sys.modules["timm"] = pkg
    import timm.scheduler as ts

    return ts, (
        "timm/__init__.py skipped (it imports timm.layers -> torchvision, absent on CPU); "
        "timm.scheduler imported unchanged from the installed package"
    )


def record_timm():
    """timm.scheduler, stepped per update (t_in_epochs=False), noise off.

    For each t: scheduler.step_update(t); read param_groups[0]['lr'].
    """
    import torch

    torch.set_num_threads(1)
    ts, how = _import_timm_scheduler()
    cases = {}

    def run(cls_name, kwargs, steps):
        opt = _sgd(torch, BASE_LR)
        sched = getattr(ts, cls_name)(opt, t_in_epochs=False, noise_range_t=None, **kwargs)
        vals = []
        for t in steps:
            sched.step_update(t)
            vals.append(f32(opt.param_groups[0]["lr"]))
        return case(f"timm.scheduler.{cls_name}", kwargs, BASE_LR, steps, values=vals)

    cases["cosine_decay_cycles"] = run(
        "CosineLRScheduler",
        dict(t_initial=10, lr_min=0.01, cycle_mul=1.0, cycle_decay=0.5, cycle_limit=3),
        r(range(41)),
    )
    cases["cosine_mul2"] = run(
        "CosineLRScheduler",
        dict(t_initial=4, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3),
        r(range(41)),
    )
    cases["cosine_mul1.5_k0.5"] = run(
        "CosineLRScheduler",
        dict(t_initial=6, lr_min=0.05, cycle_mul=1.5, cycle_decay=0.8, cycle_limit=4, k_decay=0.5),
        r(range(61)),
    )
    cases["cosine_k2"] = run("CosineLRScheduler", dict(t_initial=10, k_decay=2.0), r(range(16)))
    cases["cosine_warmup_prefix"] = run(
        "CosineLRScheduler",
        dict(t_initial=20, warmup_t=5, warmup_lr_init=0.01, warmup_prefix=True),
        r(range(31)),
    )
    cases["cosine_warmup_overlay"] = run(
        "CosineLRScheduler",
        dict(t_initial=20, warmup_t=5, warmup_lr_init=0.01, warmup_prefix=False),
        r(range(31)),
    )
    cases["cosine_mul3"] = run(
        "CosineLRScheduler",
        dict(t_initial=1, cycle_mul=3.0, cycle_limit=10),
        r(range(51), range(110, 131)),
    )
    cases["tanh"] = run(
        "TanhLRScheduler", dict(t_initial=20, lb=-7, ub=3, lr_min=0.01), r(range(26))
    )
    cases["tanh_cycles"] = run(
        "TanhLRScheduler",
        dict(t_initial=8, lb=-5, ub=4, cycle_mul=2.0, cycle_decay=0.7, cycle_limit=3),
        r(range(61)),
    )
    cases["tanh_warmup_overlay"] = run(
        "TanhLRScheduler",
        dict(t_initial=20, warmup_t=4, warmup_lr_init=0.0, warmup_prefix=False),
        r(range(26)),
    )
    cases["poly"] = run("PolyLRScheduler", dict(t_initial=20, power=0.5, lr_min=0.01), r(range(26)))
    cases["poly_cycles"] = run(
        "PolyLRScheduler",
        dict(t_initial=5, power=2.0, cycle_mul=2.0, cycle_decay=0.5, cycle_limit=3, k_decay=1.5),
        r(range(41)),
    )
    for fn in ("linear", "1-sqrt", "cosine"):
        cases[f"wsd_{fn}"] = run(
            "WSDLRScheduler",
            dict(t_initial=10, decay_t=4, warmup_t=2, decay_fn=fn, lr_min=0.01),
            r(range(16)),
        )
    cases["step"] = run("StepLRScheduler", dict(decay_t=5, decay_rate=0.5), r(range(31)))
    cases["multistep"] = run(
        "MultiStepLRScheduler", dict(decay_t=[5, 12, 20], decay_rate=0.5), r(range(31))
    )

    head = header(
        {"torch": torch.__version__, "timm": metadata.version("timm")},
        step_convention="SGD(lr=base_lr); scheduler(t_in_epochs=False, noise_range_t=None); "
        "for each t: scheduler.step_update(t), read param_groups[0]['lr']",
        timm_import=how,
    )
    return head, cases


RECORDERS = {
    "tf1": record_tf1,
    "tfa": record_tfa,
    "model_garden": record_model_garden,
    "model_garden_config": record_model_garden_config,
    "tf_keras": record_tf_keras,
    "hf": record_hf,
    "timm": record_timm,
}

# Top-level modules each family needs; used by `--family all`.
NEEDS = {
    "tf1": ("tensorflow",),
    "tfa": ("tensorflow", "tensorflow_addons"),
    "model_garden": ("tensorflow", "official"),
    "model_garden_config": ("tensorflow", "official"),
    "tf_keras": ("tensorflow",),
    "hf": ("torch", "transformers"),
    "timm": ("torch", "timm"),
}


def available(family):
    return all(importlib.util.find_spec(m) is not None for m in NEEDS[family])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--family",
        action="append",
        choices=(*FAMILIES, "all"),
        required=True,
        help="family to record; repeatable; 'all' = every family importable here",
    )
    p.add_argument("--out", default=os.path.join("tests", "goldens"), help="output directory")
    args = p.parse_args(argv)

    fams = []
    for f in args.family:
        if f == "all":
            for g in FAMILIES:
                if available(g):
                    fams.append(g)
                else:
                    print(
                        f"skip {g}: {', '.join(NEEDS[g])} not all importable here", file=sys.stderr
                    )
        else:
            fams.append(f)
    fams = list(dict.fromkeys(fams))
    if not fams:
        p.error("no family to record")
    for f in fams:
        print(f"recording {f} ...")
        head, cases = RECORDERS[f]()
        write_json(os.path.join(args.out, f"{f}.json"), head, cases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
