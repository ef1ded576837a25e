"""Building an optax optimizer with scheduled hyperparameters, keeping only what cannot be
recomputed in its state."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxsched.core import _validate as check
from jaxsched.core._base import _leaf_key
from jaxsched.core._names import did_you_mean
from jaxsched.core._schedule import Schedule
from jaxsched.optim._plateau import PlateauState, ReduceOnPlateau


@dataclasses.dataclass(frozen=True, eq=False)
class _Plan:
    """What an injected state knows without storing it: the static part of its tree.

    It holds the schedules with concrete hyperparameters and the numbers kept as
    compile-time constants. JAX hashes and compares it on every jitted call that takes the
    state, so the hash is computed once and equality first checks identity.
    """

    names: tuple[str, ...]  # every numeric hyperparameter, in the optimizer's order
    schedules: tuple[tuple[str, Schedule], ...]
    constants: tuple[tuple[str, Any], ...]
    dtype: Any  # the hyperparameters' dtype; None until init resolves optax's rule
    # Whether constants go to the optimizer as the numbers given: with parameters in the
    # hyperparameter dtype that computes the same, and keeps what optax computes in Python
    # exact (``1 - b2`` is 0.001, not the 0.00099999 of a float32 ``b2``).
    as_given: bool = False
    # The optimizer factory and the flags passed through to it (``nesterov=True``): the
    # read-out tells Adam from NAdam, Lion or SGD by them.
    factory: Any = None
    flags: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        constants = tuple((n, _leaf_key(v)) for n, v in self.constants)
        key = (
            self.names,
            self.schedules,
            constants,
            str(self.dtype),
            self.as_given,
            self.factory,
            self.flags,
        )
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_hash", hash(key))

    def __hash__(self) -> int:
        return self._hash  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt, not restored: a string's hash differs from one process to the next.
        fields = (
            self.names,
            self.schedules,
            self.constants,
            self.dtype,
            self.as_given,
            _by_reference(self.factory),
            self.flags,
        )
        # Named through the public ScheduledState, so a pickle names public paths only.
        return (ScheduledState._rebuilt_plan, fields)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, _Plan):
            return NotImplemented
        return self._hash == other._hash and self._key == other._key  # type: ignore[attr-defined]


def _by_reference(factory: Any) -> Any:
    """``factory`` if pickle can name it, else ``None``: a lambda or a local function is
    not picklable, and the read-out then models it as a custom factory."""
    name = getattr(getattr(factory, "func", factory), "__qualname__", "")
    return None if "<" in name else factory


class ScheduledValues(dict):
    """``ScheduledState.scheduled_values``: the scheduled hyperparameters as the last update
    used them. A dict, so that ``optax.tree_utils.tree_get`` finds them; ``tree_set``
    builds a plain dict in its place, which the next update refuses (a schedule would
    overwrite the number set, silently)."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScheduledState._rebuilt_values, (dict(self),))


class TracedSchedules(Mapping):
    """``ScheduledState.traced_schedules``: a read-only mapping, not a dict, so that
    ``optax.tree_utils.tree_get(state, "learning_rate")`` finds the value in
    ``scheduled_values`` and not the schedule as well."""

    def __init__(self, schedules: Mapping[str, Schedule]) -> None:
        self._schedules = dict(schedules)

    def __getitem__(self, name: str) -> Schedule:
        return self._schedules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._schedules)

    def __len__(self) -> int:
        return len(self._schedules)

    def __repr__(self) -> str:
        return f"TracedSchedules({self._schedules!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScheduledState._rebuilt_traced, (self._schedules,))


def _register_mapping(cls: type, rebuild: Callable[[dict[str, Any]], Any]) -> None:
    """Flattened as a dict (children under their ``DictKey``), unflattened as ``cls``."""
    jax.tree_util.register_pytree_with_keys(
        cls,
        lambda d: ([(jax.tree_util.DictKey(k), d[k]) for k in sorted(d)], tuple(sorted(d))),
        lambda keys, values: rebuild(dict(zip(keys, values, strict=True))),
    )


_register_mapping(ScheduledValues, ScheduledValues)
_register_mapping(TracedSchedules, TracedSchedules)


# Not frozen: JAX rebuilds the state on every jitted step, and a frozen dataclass' __init__
# costs a microsecond more of it. Treat it as immutable all the same (dataclasses.replace).
@dataclasses.dataclass
class ScheduledState:
    """Optimizer state of :func:`inject`: the update count, the inner state, and the
    numbers you asked to change.

    Schedules and constant numbers are not stored: they are part of the state's tree
    structure (so they cost no memory, no transfer and no per-step work) and the read-out
    functions recompute any value from them and the count.

    Attributes:
      count: the number of updates made (int32).
      inner_state: the state of the optimizer being injected into.
      hyperparams: the changeable numbers (by default, those passed to :func:`inject`),
        in the hyperparameter dtype; change one with ``optax.tree_utils.tree_set``.
      scheduled_values: the scheduled hyperparameters as the last update used them
        (update 0's values before any update, as optax's ``hyperparams`` show them), with
        the reduce-on-plateau factor applied: what
        ``optax.tree_utils.tree_get(state, "learning_rate")`` finds. Read only: a
        schedule sets them, and ``tree_set`` on one raises at the next update.
      traced_schedules: schedules whose hyperparameters were traced when the optimizer
        was built (a ``vmap`` over schedules): their leaves travel in the state.
      plateau: the reduce-on-plateau factor and counters (:class:`PlateauState`), or
        ``None`` without ``plateau=``.
    """

    count: jax.Array
    inner_state: Any
    hyperparams: dict[str, jax.Array]
    scheduled_values: ScheduledValues
    traced_schedules: TracedSchedules
    plan: _Plan = dataclasses.field(repr=False)
    plateau: PlateauState | None = None

    @staticmethod
    def _rebuilt_plan(*fields: Any) -> _Plan:
        """The static part of a state, unpickled (see ``_Plan.__reduce__``)."""
        return _Plan(*fields)

    @staticmethod
    def _rebuilt_values(values: dict[str, Any]) -> ScheduledValues:
        """``scheduled_values``, unpickled through this public class."""
        return ScheduledValues(values)

    @staticmethod
    def _rebuilt_traced(schedules: dict[str, Schedule]) -> TracedSchedules:
        """``traced_schedules``, unpickled through this public class."""
        return TracedSchedules(schedules)

    def __setstate__(self, saved: dict[str, Any]) -> None:
        self.__dict__.update(saved)
        if "scheduled_values" in saved:
            return
        # Pickled by jaxsched 0.2: the values of the last update, recomputed as it used them.
        self.traced_schedules = TracedSchedules(self.traced_schedules)
        last = jnp.maximum(self.count - 1, 0)
        names = [n for n, _ in self.plan.schedules] + list(self.traced_schedules)
        values = {n: self.value(n, last) for n in names}
        if self.plateau is not None and self.plateau.rule.hyperparam in values:
            name = self.plateau.rule.hyperparam
            values[name] = values[name] * self.plateau.factor_applied.astype(values[name].dtype)
        self.scheduled_values = ScheduledValues(values)

    @property
    def names(self) -> tuple[str, ...]:
        """Every injected hyperparameter: scheduled, changeable or constant."""
        return self.plan.names

    def value(self, name: str, count: Any) -> jax.Array:
        """Hyperparameter ``name`` as update ``count`` uses it, in the hyperparameter dtype."""
        if name in self.hyperparams:
            return jnp.asarray(self.hyperparams[name])
        schedule = self.traced_schedules.get(name) or dict(self.plan.schedules).get(name)
        if schedule is not None:
            return _convert(schedule(count), self.plan.dtype)
        return jnp.asarray(_convert_number(dict(self.plan.constants)[name], self.plan.dtype))

    def values(self, count: Any) -> dict[str, jax.Array]:
        """Every injected hyperparameter as update ``count`` uses it."""
        return {name: self.value(name, count) for name in self.names}

    def factor(self, name: str, *, applied: bool) -> jax.Array:
        """The factor the state multiplies hyperparameter ``name`` by (a reduce-on-plateau
        cut of the learning rate), float32: as the last update used it (``applied``) or as
        the next will. 1 for a hyperparameter no factor scales."""
        if self.plateau is None or name != self.plateau.rule.hyperparam:
            return jnp.ones((), jnp.float32)
        return self.plateau.factor_applied if applied else self.plateau.factor

    @property
    def next_hyperparams(self) -> dict[str, jax.Array]:
        """The values the next update will use, for the scheduled hyperparameters."""
        scheduled = {**dict(self.plan.schedules), **self.traced_schedules}
        return {name: self.value(name, self.count) for name in self.names if name in scheduled}

    @property
    def inner(self) -> optax.InjectStatefulHyperparamsState:
        """The state in ``optax.inject_hyperparams``' shape, recomputed: ``hyperparams``
        hold the values of the last update (of update 0 before any), as optax shows them.

        Setting one of them, optax's way to change a hyperparameter by hand
        (``state.inner.hyperparams["max_norm"] = 3.0``), sets the stored number the next
        update uses; a hyperparameter that is not stored (a schedule, a constant) raises
        ``TypeError`` saying how to store it."""
        last = jnp.maximum(self.count - 1, 0)
        return optax.InjectStatefulHyperparamsState(
            count=self.count,
            hyperparams=InnerHyperparams(self.values(last), self),
            hyperparams_states={},
            inner_state=self.inner_state,
        )


jax.tree_util.register_dataclass(
    ScheduledState,
    data_fields=[
        "count",
        "inner_state",
        "hyperparams",
        "scheduled_values",
        "traced_schedules",
        "plateau",
    ],
    meta_fields=["plan"],
)


class InnerHyperparams(dict):
    """``ScheduledState.inner.hyperparams``: the values of the last update, where setting
    a stored one changes the number the next update uses (as in optax's state)."""

    def __init__(self, values: Mapping[str, Any], state: ScheduledState) -> None:
        super().__init__(values)
        self._state = state

    def __setitem__(self, name: str, value: Any) -> None:
        stored = self._state.hyperparams
        if name not in stored:
            what = "not a hyperparameter of this optimizer" if name not in self else "not stored"
            raise TypeError(
                f"inject: {name!r} is {what}: a schedule or a constant number is part of "
                f"the state's structure, and writing here would change nothing. Store it "
                f"with jaxsched.inject(..., changeable=[{name!r}]) (with a number, not a "
                f"schedule), then set it with optax.tree_utils.tree_set(state, {name}=value) "
                f"or here. Stored: {sorted(stored)}."
            )
        # In the stored number's dtype, as tree_set keeps it: a retrace would follow a
        # change of dtype, and the hyperparameter dtype is what the state promises.
        stored[name] = jnp.asarray(value, jnp.result_type(stored[name]))
        super().__setitem__(name, stored[name])

    def update(self, *args: Any, **kwargs: Any) -> None:
        for name, value in dict(*args, **kwargs).items():
            self[name] = value

    def _read_only(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(
            "inject: the hyperparameters of ScheduledState.inner can be set, not removed."
        )

    __delitem__ = pop = popitem = clear = setdefault = __ior__ = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        # A pickle holds the values as a plain dict: it names no private path, and the
        # write-through belongs to a live state, not to a saved one.
        return (dict, (dict(self),))


# A dict to JAX and optax.tree_utils; unflattened, a plain dict.
_register_mapping(InnerHyperparams, dict)


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
    """Whether ``value`` is a hyperparameter: a Python int or float, or a NumPy or JAX
    number or array of an integer or floating dtype. Anything else (a PRNG key, a bool
    array, a string) goes to the optimizer untouched."""
    if isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, int | float):
        return True
    if not isinstance(value, np.number | np.ndarray | jax.Array):
        return False
    dtype = value.dtype
    if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
        return False
    return bool(jnp.issubdtype(dtype, jnp.integer) or jnp.issubdtype(dtype, jnp.floating))


def _parameters(factory: Callable[..., Any]) -> Mapping[str, inspect.Parameter] | None:
    try:
        return inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return None


def _check_names(factory: Callable[..., Any], names: Iterable[str], what: str) -> None:
    parameters = _parameters(factory)
    if parameters is None or any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return
    for name in names:
        if name not in parameters:
            raise TypeError(
                f"inject: {getattr(factory, '__name__', factory)!s} has no argument {name!r}"
                f"{what}; it takes {', '.join(parameters)}."
            )


def _defaults(factory: Callable[..., Any]) -> dict[str, Any]:
    """The optimizer's numeric defaults (``b1``, ``eps``...): read back as constants."""
    parameters = _parameters(factory) or {}
    return {
        name: p.default
        for name, p in parameters.items()
        if p.default is not inspect.Parameter.empty and _is_numeric(p.default)
    }


def _convert(value: Any, dtype: Any) -> Any:
    """A floating value in ``dtype``; integers unchanged."""
    if dtype is None or not jnp.issubdtype(jnp.result_type(value), jnp.floating):
        return value
    if isinstance(value, jax.Array):
        return value.astype(dtype)
    return np.asarray(value, dtype)


def _typed(value: Any) -> bool:
    """Whether ``value`` is a JAX array with a dtype of its own (not weakly typed)."""
    return isinstance(value, jax.Array) and not getattr(value, "weak_type", False)


def _convert_number(value: Any, dtype: Any) -> Any:
    """A number as the optimizer gets it (optax's ``_convert_floats``): a JAX array with a
    dtype of its own keeps it, a Python number or NumPy value goes to ``dtype``."""
    return value if _typed(value) else _convert(value, dtype)


def _changeable(
    names: Iterable[str], numbers: dict[str, Any], defaults: dict[str, Any]
) -> set[str]:
    if isinstance(names, str):
        names = (names,)
    stored = set(names)
    known = numbers.keys() | defaults.keys()
    for name in sorted(stored - known):
        raise ValueError(
            f"inject: changeable includes {name!r}, which is not a number of this "
            f"optimizer; its numbers are {sorted(known)}.{did_you_mean(name, known)} A "
            f"schedule is not stored: it changes with the update count by itself."
        )
    return stored


def _is_float(x: Any) -> bool:
    return hasattr(x, "dtype") and jnp.issubdtype(x.dtype, jnp.floating)


def _traced(value: Any) -> bool:
    return any(isinstance(x, jax.core.Tracer) for x in jax.tree_util.tree_leaves(value))


def inject(
    optimizer: Callable[..., optax.GradientTransformation],
    /,
    *,
    hyperparam_dtype: Any = jnp.float32,
    changeable: Iterable[str] | None = None,
    plateau: ReduceOnPlateau | None = None,
    **hyperparams: Any,
) -> optax.GradientTransformationExtraArgs:
    """Builds ``optimizer(**hyperparams)`` with its schedules evaluated at every update.

    Every jaxsched schedule among ``hyperparams`` is evaluated once per update, at the
    update count. The state keeps only the count, the optimizer's own state and the
    numbers you may want to change: by default those you pass (read them back, or change
    one with ``optax.tree_utils.tree_set``). Schedules and the optimizer's numeric
    defaults you do not pass (Adam's ``b1``, ``b2``, ``eps``, ``eps_root``) are kept as
    compile-time constants in the state's tree structure, so injection costs what a
    schedule passed to optax directly costs, and the read-out functions still report them.

    A number is a Python int or float, or a NumPy or JAX number or array of an integer or
    floating dtype. Anything that is neither a schedule nor a number (PRNG keys, masks,
    modules, callables that are not schedules, ``None``, flags, dtype names) is passed to
    ``optimizer`` untouched, as optax does. A
    callable, a bool or a string given where ``optimizer`` takes a number
    (``learning_rate=True``, ``b2="0.999"``) raises ``TypeError``; numbers must be finite.
    Hyperparameters are kept in ``hyperparam_dtype`` (float32) whatever the parameters'
    dtype: optax otherwise follows the parameters and stores e.g. Adam's ``b2 = 0.999``
    as ``1.0`` in bfloat16. A JAX array with a dtype of its own
    (``jnp.asarray(0.95, jnp.bfloat16)``) keeps it, as in optax. The optimizer's own state
    and updates keep the dtypes they would have without injection.

    Read the values back with :func:`jaxsched.lr_applied`, :func:`jaxsched.lr_next`,
    :func:`jaxsched.hyperparam_applied` and :func:`jaxsched.lr_metrics`.

    Args:
      optimizer: an optax optimizer factory such as ``optax.adamw``.
      hyperparam_dtype: dtype of the injected values; ``None`` is optax's rule (the
        parameters' dtype, for Python numbers and schedules).
      changeable: the numbers stored in the state, so that they can be changed during
        training; default: the numbers passed in ``hyperparams``. ``()`` keeps every
        number a constant; naming a default (``changeable=("b2",)``) stores it too.
      plateau: a :class:`ReduceOnPlateau` rule: its factor, in the state, multiplies the
        learning rate (``plateau.hyperparam``), and :func:`report_metric` drives it.
      **hyperparams: keyword arguments of ``optimizer``.

    Returns:
      An ``optax.GradientTransformationExtraArgs`` whose state is a
      :class:`ScheduledState`.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
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
    _check_names(optimizer, hyperparams, "")
    schedules: dict[str, Schedule] = {}
    numbers: dict[str, Any] = {}
    passed_through: dict[str, Any] = {}
    for name, value in hyperparams.items():
        if isinstance(value, Schedule):
            schedules[name] = value
        elif _is_numeric(value):
            check.real("inject", name, value)
            numbers[name] = value  # as given: a Python float keeps its precision
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
            passed_through[name] = value
    defaults = {k: v for k, v in _defaults(optimizer).items() if k not in hyperparams}
    stored = set(numbers) if changeable is None else _changeable(changeable, numbers, defaults)
    numbers = {**defaults, **numbers}
    # A traced value cannot be a compile-time constant: it travels in the state.
    stored |= {name for name, value in numbers.items() if _traced(value)}
    traced = {name: s for name, s in schedules.items() if _traced(s)}
    if plateau is not None:
        if not isinstance(plateau, ReduceOnPlateau):
            raise TypeError(
                f"inject: plateau must be a jaxsched.ReduceOnPlateau(...), got {plateau!r}."
            )
        if plateau.hyperparam not in schedules and plateau.hyperparam not in numbers:
            known = sorted(schedules.keys() | numbers.keys())
            raise ValueError(
                f"inject: plateau scales {plateau.hyperparam!r}, which is not a number or "
                f"schedule of this optimizer; it has {known}."
                f"{did_you_mean(plateau.hyperparam, known)}"
            )
    order = list(_parameters(optimizer) or hyperparams)
    names = tuple(n for n in [*order, *hyperparams] if n in numbers or n in schedules)
    plan = _Plan(
        names=tuple(dict.fromkeys(names)),
        schedules=tuple((n, s) for n, s in schedules.items() if n not in traced),
        constants=tuple((n, v) for n, v in numbers.items() if n not in stored),
        dtype=hyperparam_dtype,
        factory=optimizer,
        flags=tuple(
            sorted((n, v) for n, v in passed_through.items() if isinstance(v, bool | str | None))
        ),
    )

    def arguments(state: ScheduledState) -> dict[str, Any]:
        """The numbers the optimizer is built with for update ``state.count``."""
        dtype = None if state.plan.as_given else state.plan.dtype
        values = {n: _convert_number(v, dtype) for n, v in state.plan.constants}
        values |= {n: state.value(n, state.count) for n in state.names if n not in values}
        if state.plateau is not None:
            name = state.plateau.rule.hyperparam
            value = values[name]
            value = value if _typed(value) else jnp.asarray(value, state.plan.dtype)
            values[name] = value * state.plateau.factor.astype(value.dtype)
        return values

    def build(values: dict[str, Any]) -> optax.GradientTransformationExtraArgs:
        return optax.with_extra_args_support(optimizer(**passed_through, **values))

    def scheduled(state: ScheduledState, values: dict[str, Any]) -> ScheduledValues:
        names = [n for n, _ in state.plan.schedules] + list(state.traced_schedules)
        return ScheduledValues({n: jnp.asarray(values[n]) for n in names})

    def init(params: Any) -> ScheduledState:
        dtype = hyperparam_dtype
        if dtype is None:
            dtype = optax.tree.dtype(params, "highest")
        kinds = {jnp.dtype(x.dtype) for x in jax.tree.leaves(params) if _is_float(x)}
        as_given = hyperparam_dtype is None or kinds <= {jnp.dtype(dtype)}
        state_plan = dataclasses.replace(plan, dtype=dtype, as_given=as_given)
        state = ScheduledState(
            count=jnp.zeros([], jnp.int32),
            inner_state=None,
            hyperparams={
                n: jnp.asarray(_convert_number(numbers[n], dtype)) for n in numbers if n in stored
            },
            scheduled_values=ScheduledValues(),
            traced_schedules=TracedSchedules(traced),
            plan=state_plan,
            plateau=None if plateau is None else plateau.init(),
        )
        values = arguments(state)
        return dataclasses.replace(
            state,
            inner_state=build(values).init(params),
            scheduled_values=scheduled(state, values),
        )

    def update(updates: Any, state: ScheduledState, params: Any = None, **extra: Any) -> Any:
        # The float32 hyperparameters meet the inner state's own dtypes here; that is
        # optax's designed behaviour, so run it under standard promotion even when the
        # caller's code is strict, and cast back so that scan carries keep their dtypes.
        if not isinstance(state.scheduled_values, ScheduledValues):
            names = sorted(state.scheduled_values)
            raise TypeError(
                f"inject: the state's scheduled_values were replaced (by "
                f"optax.tree_utils.tree_set?), but {names} are schedules: the next update "
                f"would overwrite them, and the numbers set would change nothing. To set a "
                f"hyperparameter by hand, pass it as a number with "
                f"jaxsched.inject(..., changeable=[...]) and tree_set that; to change a "
                f"schedule, build the optimizer with the new one."
            )
        values = arguments(state)
        with jax.numpy_dtype_promotion("standard"):
            new_updates, new_inner = build(values).update(
                updates, state.inner_state, params, **extra
            )
        applied = state.plateau
        if applied is not None:
            applied = dataclasses.replace(applied, factor_applied=applied.factor)
        return _cast_like(new_updates, updates), dataclasses.replace(
            state,
            count=optax.safe_increment(state.count),
            inner_state=_cast_like(new_inner, state.inner_state),
            scheduled_values=scheduled(state, values),
            plateau=applied,
        )

    return optax.GradientTransformationExtraArgs(init, update)


def _cast_like(new: Any, old: Any) -> Any:
    """``new`` with each array leaf cast to the dtype of the matching leaf of ``old``."""

    def cast(n: Any, o: Any) -> Any:
        if hasattr(n, "astype") and hasattr(o, "dtype") and n.dtype != o.dtype:
            return n.astype(o.dtype)
        return n

    return jax.tree.map(cast, new, old)
