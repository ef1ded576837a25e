"""A jaxsched schedule as a Keras 3 ``LearningRateSchedule``: :func:`to_keras`."""

from __future__ import annotations

from typing import Any

import jax.numpy as jnp
import numpy as np

from jaxsched.core import _validate as check
from jaxsched.core._numerics import INT32_MAX
from jaxsched.core._schedule import Schedule
from jaxsched.io._serialize import from_dict
from jaxsched.io.convert._keras_classes import import_keras

#: The class to_keras makes, once Keras has been imported: {"class": KerasSchedule}.
_KERAS_CLASS: dict[str, type] = {}


def keras_schedule_class() -> type:
    """The Keras ``LearningRateSchedule`` subclass :func:`to_keras` makes, registered.

    Made on the first call (which imports Keras) and registered with Keras as
    ``"jaxsched>KerasSchedule"``. Keras finds a registered class only once its code has
    run, so in a fresh process a saved model that uses a :func:`to_keras` schedule loads
    after this has been called (or any :func:`to_keras`); before, ``load_model`` raises
    a TypeError naming ``jaxsched>KerasSchedule``.

    Returns:
      The class; ``KerasSchedule(schedule)`` is ``to_keras(schedule)``.

    Example:
      >>> import os
      >>> _ = os.environ.setdefault("KERAS_BACKEND", "jax")
      >>> import keras, jaxsched
      >>> cls = jaxsched.keras_schedule_class()  # then keras.saving.load_model(...)
      >>> keras.saving.get_registered_object("jaxsched>KerasSchedule") is cls
      True
    """
    if "class" in _KERAS_CLASS:
        return _KERAS_CLASS["class"]
    keras = import_keras("to_keras")
    backend = keras.backend.backend()
    compute = _jax_value if backend == "jax" else _eager_value
    if backend == "torch":
        import torch

        # Under compile(jit_compile=True) torch.compile would trace into JAX and fail:
        # the schedule runs outside the graph instead (a graph break).
        compute = torch.compiler.disable(_eager_value)

    @keras.saving.register_keras_serializable(package="jaxsched")
    class KerasSchedule(keras.optimizers.schedules.LearningRateSchedule):
        """A Keras learning-rate schedule whose values are a jaxsched schedule's.

        ``schedule`` is the jaxsched schedule; ``get_config()`` is its dict form
        (``schedule.to_dict()``).
        """

        def __init__(self, schedule: Schedule) -> None:
            super().__init__()
            self.schedule = check.schedule("to_keras", "schedule", schedule)

        def __call__(self, step: Any) -> Any:
            return compute(keras, self.schedule, step)

        def get_config(self) -> dict[str, Any]:
            return self.schedule.to_dict()

        @classmethod
        def from_config(cls, config: dict[str, Any]) -> KerasSchedule:
            return cls(from_dict(config))

        def __repr__(self) -> str:
            return f"to_keras({self.schedule!r})"

    _KERAS_CLASS["class"] = KerasSchedule
    return KerasSchedule


# A float step is rounded and clamped below 2**31 in float32 before the integer cast:
# float32(2**31 - 1) is 2**31, which would wrap.
_FLOAT_STEP_MAX = float(np.nextafter(np.float32(INT32_MAX), np.float32(0)))


def _jax_value(keras: Any, schedule: Schedule, step: Any) -> Any:
    """``schedule(step)`` under the JAX backend: eagerly, or traced inside fit's ``jit``."""
    step = jnp.asarray(keras.ops.convert_to_tensor(step))
    if jnp.issubdtype(step.dtype, jnp.floating):
        step = jnp.clip(jnp.round(step), 0, _FLOAT_STEP_MAX).astype(jnp.int32)
    return schedule(step)


def _eager_value(keras: Any, schedule: Schedule, step: Any) -> Any:
    """``schedule(step)`` through NumPy, for the backends other than JAX."""
    try:
        tensor = keras.ops.convert_to_tensor(step)
        detach = getattr(tensor, "detach", None)
        # torch's own conversion: np.array on a torch tensor warns on NumPy 2.
        array = np.asarray(
            detach().cpu().numpy() if callable(detach) else keras.ops.convert_to_numpy(tensor)
        )
    except Exception as error:
        raise TypeError(
            f"to_keras: under the {keras.backend.backend()} backend the step must be "
            f"concrete (eager), got {step!r}. jaxsched computes in JAX: use the JAX "
            f"backend, or run Keras eagerly (model.compile(..., run_eagerly=True))."
        ) from error
    if np.issubdtype(array.dtype, np.floating):
        array = np.clip(np.round(array), 0, _FLOAT_STEP_MAX).astype(np.int64)
    return keras.ops.convert_to_tensor(np.asarray(schedule(array)))


def to_keras(schedule: Schedule) -> Any:
    """A Keras 3 ``LearningRateSchedule`` with the values of a jaxsched schedule.

    One definition serves both: ``keras.optimizers.SGD(learning_rate=to_keras(s))`` uses
    ``s(n)`` for update ``n`` (Keras passes ``optimizer.iterations``; a float step is
    rounded to the nearest integer). A jaxsched schedule given to a Keras optimizer
    directly fails inside ``fit`` (Keras does not know it as a schedule): wrap it.

    ``get_config()`` is ``schedule.to_dict()`` and ``from_config`` reads it back with
    :func:`jaxsched.from_dict`; the class is registered with Keras as
    ``"jaxsched>KerasSchedule"``, so ``keras.optimizers.schedules.serialize`` /
    ``deserialize`` and saving a model round-trip (a schedule holding an unregistered
    Python function has no dict form: it trains, but ``get_config`` and saving raise).
    In a fresh process, call :func:`keras_schedule_class` (or any ``to_keras``) before
    loading such a model. :func:`from_keras` on the result gives ``schedule`` back.

    Backends: JAX (tested) computes on the step's own array, eagerly and inside the
    ``jit`` that ``fit`` compiles. PyTorch (tested, CPU) converts the step through NumPy
    and returns a tensor. Keras trains eagerly there by default; under
    ``jit_compile=True`` the schedule runs outside the ``torch.compile`` graph (a graph
    break; checked by hand, not in the test suite, as compiling takes seconds).
    TensorFlow is not tested (not installed here) and only partly supported: the same
    NumPy path can only work eagerly (``run_eagerly=True``); inside a ``tf.function``
    (``fit``'s default there) the step is symbolic and the call raises a TypeError
    saying so.

    Args:
      schedule: a jaxsched schedule.

    Returns:
      A ``keras.optimizers.schedules.LearningRateSchedule`` (the class is
      :func:`keras_schedule_class`); its ``schedule`` attribute is ``schedule``.

    Raises:
      TypeError: ``schedule`` is not a jaxsched schedule.
      ImportError: Keras 3 is not installed.

    Example:
      >>> import os
      >>> _ = os.environ.setdefault("KERAS_BACKEND", "jax")
      >>> import keras, jaxsched
      >>> s = jaxsched.Warmup(jaxsched.CosineDecay(1e-3, decay_steps=900), warmup_steps=100)
      >>> lr = jaxsched.to_keras(s)
      >>> float(lr(50)), float(lr(100))
      (0.0005000000237487257, 0.0010000000474974513)
      >>> optimizer = keras.optimizers.SGD(learning_rate=lr)
      >>> config = keras.optimizers.schedules.serialize(lr)
      >>> config["registered_name"], config["config"] == s.to_dict()
      ('jaxsched>KerasSchedule', True)
      >>> keras.optimizers.schedules.deserialize(config).schedule == s
      True
    """
    return keras_schedule_class()(schedule)
