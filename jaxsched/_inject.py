"""Building an optax optimizer with scheduled hyperparameters."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxsched import _validate as check
from jaxsched._base import Schedule


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class ScheduledState:
    """Optimizer state of :func:`inject`.

    Attributes:
      inner: optax's own ``InjectStatefulHyperparamsState``; its ``hyperparams`` hold the
        values used by the last update (optax's convention) and its ``count`` the number
        of updates made.
      next_hyperparams: the values the next update will use, for the scheduled
        hyperparameters (a number's next value is its entry in ``inner.hyperparams``).
    """

    inner: Any
    next_hyperparams: dict[str, jax.Array]


def _expects_number(factory: Callable[..., Any], name: str) -> bool:
    """Whether ``name`` takes a number (or a schedule): a callable, a bool or a string there
    can only be a mistake.

    True for ``learning_rate`` and for arguments annotated with a float type (numbers,
    arrays, ``optax.ScalarOrSchedule``); false for arguments that take anything (masks,
    dtypes) or a plain ``bool`` (``nesterov``).
    """
    if name == "learning_rate":
        return True
    try:
        annotation = inspect.signature(factory).parameters[name].annotation
    except (KeyError, TypeError, ValueError):
        return False
    if annotation is inspect.Parameter.empty:
        return False
    text = str(annotation)
    return "float" in text and "Any" not in text


def _is_numeric(value: Any) -> bool:
    if isinstance(value, bool | np.bool_):
        return False
    return isinstance(value, int | float | np.number | np.ndarray | jax.Array)


def _check_names(factory: Callable[..., Any], names: Any) -> None:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return
    for name in names:
        if name not in parameters:
            raise TypeError(
                f"inject: {getattr(factory, '__name__', factory)!s} has no argument {name!r}; "
                f"it takes {', '.join(parameters)}."
            )


def inject(
    optimizer: Callable[..., optax.GradientTransformation],
    /,
    *,
    hyperparam_dtype: Any = jnp.float32,
    **hyperparams: Any,
) -> optax.GradientTransformationExtraArgs:
    """Builds ``optimizer(**hyperparams)`` with its schedules and numbers injected.

    Every jaxsched schedule among ``hyperparams`` is evaluated at the update count on
    each update; every number is stored in the state (so it can be read back or changed
    with ``optax.tree_utils.tree_set``) and must be finite; anything else (masks, modules,
    callables that are not schedules, ``None``, flags, dtype names) is passed to
    ``optimizer`` untouched. A callable, a bool or a string given where ``optimizer`` takes
    a number (``learning_rate=True``, ``b2="0.999"``) raises ``TypeError``.
    Hyperparameters are kept in ``hyperparam_dtype`` (float32) whatever the parameters'
    dtype: optax otherwise follows the parameters and stores e.g. Adam's ``b2 = 0.999``
    as ``1.0`` in bfloat16. The optimizer's own state and updates keep the dtypes they
    would have without injection.

    Read the values back with :func:`jaxsched.lr_applied`, :func:`jaxsched.lr_next`,
    :func:`jaxsched.hyperparam_applied` and :func:`jaxsched.lr_metrics`.

    Args:
      optimizer: an optax optimizer factory such as ``optax.adamw``.
      hyperparam_dtype: dtype of the injected values; ``None`` restores optax's rule
        (the parameters' dtype).
      **hyperparams: keyword arguments of ``optimizer``.

    Returns:
      An ``optax.GradientTransformationExtraArgs`` whose state is a
      :class:`ScheduledState`.

    Example:
      >>> import jaxsched, optax
      >>> lr = jaxsched.warmup_cosine_decay(0.0, 1e-3, warmup_steps=10, decay_steps=100)
      >>> tx = jaxsched.inject(optax.adamw, learning_rate=lr, weight_decay=1e-4)
      >>> params = {"w": jnp.ones(3)}
      >>> state = tx.init(params)
      >>> updates, state = tx.update(params, state, params)
      >>> jaxsched.lr_applied(state), jaxsched.lr_next(state)
      (Array(0., dtype=float32), Array(1.e-04, dtype=float32))

    References:
      ``optax.inject_hyperparams``.
    """
    _check_names(optimizer, hyperparams)
    schedules: dict[str, Schedule] = {}
    static: list[str] = []
    for name, value in hyperparams.items():
        if isinstance(value, Schedule):
            schedules[name] = value
        elif _is_numeric(value):
            check.real("inject", name, value)
        elif callable(value) and _expects_number(optimizer, name):
            raise TypeError(
                f"inject: {name}={value!r} is a plain callable. Only jaxsched schedules are "
                f"injected; wrap it as {name}=jaxsched.FromFunction(fn), or build a "
                f"schedule from jaxsched's catalogue."
            )
        elif isinstance(value, bool | np.bool_ | str) and _expects_number(optimizer, name):
            raise check.wrong_type(
                "inject",
                name,
                value,
                "must be a number or a jaxsched schedule",
                "Write the number itself, e.g. learning_rate=1e-3.",
            )
        else:
            static.append(name)
    inner = optax.inject_hyperparams(
        optimizer, static_args=tuple(static), hyperparam_dtype=hyperparam_dtype
    )(**hyperparams)

    def next_values(count: jax.Array) -> dict[str, jax.Array]:
        return {name: schedule(count) for name, schedule in schedules.items()}

    def init(params: Any) -> ScheduledState:
        state = inner.init(params)
        return ScheduledState(state, next_values(state.count))

    def update(updates: Any, state: ScheduledState, params: Any = None, **extra: Any) -> Any:
        # optax mixes the float32 hyperparameters with the inner state's own dtypes;
        # that is its designed behaviour, so run it under standard promotion even when
        # the caller's code is strict.
        with jax.numpy_dtype_promotion("standard"):
            new_updates, new_inner = inner.update(updates, state.inner, params, **extra)
        new_inner = new_inner._replace(
            inner_state=_cast_like(new_inner.inner_state, state.inner.inner_state)
        )
        new_updates = _cast_like(new_updates, updates)
        return new_updates, ScheduledState(new_inner, next_values(new_inner.count))

    return optax.GradientTransformationExtraArgs(init, update)


def _cast_like(new: Any, old: Any) -> Any:
    """``new`` with each array leaf cast to the dtype of the matching leaf of ``old``."""

    def cast(n: Any, o: Any) -> Any:
        if hasattr(n, "astype") and hasattr(o, "dtype") and n.dtype != o.dtype:
            return n.astype(o.dtype)
        return n

    return jax.tree.map(cast, new, old)
