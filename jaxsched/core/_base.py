"""The machinery under every schedule: a frozen dataclass registered as a JAX pytree.

:class:`ScheduleBase` is what makes a schedule a value; :class:`jaxsched.Schedule`, the
class users subclass, adds what needs the classes built on it (the arithmetic operators,
the dict and the text form) in ``jaxsched.core._schedule``. A subclass declares its fields
like a dataclass; numeric hyperparameters become pytree leaves (so a schedule can cross
``jit``, be ``vmap``-ed over, or be differentiated with respect to its hyperparameters)
and fields made with ``field(static=True)`` become part of the tree structure (shape
choices such as ``staircase``).

Unflattening (what JAX does inside ``jit``/``vmap``) bypasses ``__init__`` on purpose:
the leaves may then be tracers or placeholders, and validation only ever runs on the
concrete values a user passed to the constructor.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import Callable
from typing import Any, dataclass_transform

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _exact as exact
from jaxsched.core._names import check_call
from jaxsched.core._numerics import INT32_MAX

_STATIC = "jaxsched.static"
# What a call from Python keeps on the schedule (never pickled): its tree structure and
# leaves on the device, and for steps from _WHOLE_CURVE_FROM on, a function compiled for it.
_ON_DEVICE = "_on_device"
_WHOLE_CURVE = "_whole_curve"
_CACHES = (_ON_DEVICE, _WHOLE_CURVE)
_WHOLE_CURVE_FROM = 2**16
_CHECK = "jaxsched.check"


def field(
    check: Callable[..., Any] | None = None,
    *,
    static: bool = False,
    default: Any = dataclasses.MISSING,
    **options: Any,
) -> Any:
    """A schedule field: how it is checked at construction, and whether it is static.

    ``check(owner, name, value, **options)`` returns the value in canonical form or
    raises (see ``jaxsched.core._validate``). A field whose default is ``None`` is optional:
    ``None`` is not checked. ``static`` fields are part of the tree structure, not leaves.
    """
    metadata = {_STATIC: static, _CHECK: (check, options)}
    return dataclasses.field(default=default, metadata=metadata)


def records_call(factory: Callable[..., Any]) -> Callable[..., Any]:
    """Decorates a factory so that the schedule it returns remembers the call.

    :meth:`Schedule.to_dict` then writes the factory and its arguments as they were
    given (``warmup_cosine_decay(..., decay_steps=10_000)``), not the schedule it built.
    The record is not part of the value: equality, hashing and ``jit`` ignore it, and a
    schedule rebuilt by JAX (after ``jit`` or ``tree.map``) writes what it is built of.
    """
    signature = inspect.signature(factory)

    @functools.wraps(factory)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = check_call(factory.__name__, signature, args, kwargs).arguments
        schedule = factory(*args, **kwargs)
        object.__setattr__(schedule, "_made_by", (factory.__name__, dict(call)))
        return schedule

    wrapper.records_call = True  # type: ignore[attr-defined]
    return wrapper


def _check_arguments(cls: type) -> None:
    """Wraps the generated ``__init__`` so that a call that cannot bind says why in our
    terms (a Keras or PyTorch argument name gets the jaxsched one)."""
    init = cls.__init__  # type: ignore[misc]
    signature = inspect.signature(cls)

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        check_call(cls.__name__, signature, args, kwargs)
        init(self, *args, **kwargs)

    cls.__init__ = __init__  # type: ignore[misc]


def as_step(step: ArrayLike) -> Any:
    """Returns ``step`` as int32 clamped to ``[0, 2**31 - 1]``: a NumPy scalar or array for
    Python and NumPy integers, a JAX array (or tracer) otherwise.

    Integers only: a float step would make every staircase and boundary decision
    depend on float rounding, which is exactly what jaxsched promises not to do.
    """
    if isinstance(step, bool) or isinstance(step, np.bool_):
        raise TypeError(f"A schedule step must be an integer, got the bool {step!r}.")
    if isinstance(step, int | np.integer):
        # A host scalar: a transfer to the device would be most of a call from Python.
        return np.int32(min(max(int(step), 0), INT32_MAX))
    dtype = getattr(step, "dtype", None)
    if dtype is None:
        step = np.asarray(step)
        dtype = step.dtype
    if not jnp.issubdtype(dtype, jnp.integer):
        raise TypeError(
            f"A schedule step must be an integer count of optimizer updates, got dtype "
            f"{dtype}. Pass the update counter itself (e.g. state.step), not a float."
        )
    if isinstance(step, np.ndarray):
        # On the host, handed to the compiled function as is: a range check and a cast
        # cost less than a clip, and jit moves a NumPy array faster than jnp.asarray.
        if step.size and (step.min() < 0 or step.max() > INT32_MAX):
            step = np.clip(step, 0, INT32_MAX)
        return step.astype(np.int32, copy=False)
    # Clamp in the step's own dtype before narrowing it: an int64 step below -2**31 would
    # otherwise wrap to a large positive int32.
    high = min(int(jnp.iinfo(dtype).max), INT32_MAX)
    step = jnp.clip(step, jnp.asarray(0, dtype), jnp.asarray(high, dtype))
    return step.astype(jnp.int32)


@functools.partial(jax.jit, static_argnums=(0, 1))
def _evaluate_compiled(
    treedef: Any, layout: exact.Layout, leaves: list[jax.Array], flat: jax.Array, step: jax.Array
) -> jax.Array:
    with exact.replaying(exact.unpacked(layout, flat)):
        return jax.tree_util.tree_unflatten(treedef, leaves)._evaluate(step)


# Structures (and step shapes) that ask for no float64 constant: no need to look again.
_NO_CONSTANTS: set[tuple[Any, tuple[int, ...]]] = set()
_NOTHING = np.zeros(0, np.float32)


def _host_constants(form: Any, treedef: Any, shape: tuple[int, ...]) -> tuple[Any, Any]:
    """The float64 constants ``form`` asks for with concrete leaves, at steps of ``shape``
    (a batched join asks once per member, or once per step; see ``_exact``), packed."""
    if (treedef, shape) in _NO_CONSTANTS:
        return (), _NOTHING
    with exact.recording() as record:
        jax.eval_shape(form._evaluate, jax.ShapeDtypeStruct(shape, jnp.int32))
    layout, flat = exact.packed(record)
    if not layout:
        _NO_CONSTANTS.add((treedef, shape))
        return (), _NOTHING
    return layout, jax.device_put(flat)


def _leaf_key(leaf: Any) -> Any:
    """A leaf as the numbers a schedule computes with, whatever holds them.

    A Python float, a NumPy scalar and a device array (what ``jit`` or ``device_put``
    hands back) of the same float32 value give the same key; integers compare as such.
    """
    if isinstance(leaf, jax.core.Tracer):
        return ("tracer", id(leaf))
    array = np.asarray(leaf)
    if jnp.issubdtype(array.dtype, jnp.floating):
        array = array.astype(np.float32).astype(np.float64)
    elif jnp.issubdtype(array.dtype, jnp.integer):
        array = array.astype(np.int64)
    return (array.dtype.kind, array.shape, tuple(array.ravel().tolist()))


def _format_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return repr(value.tolist())
    if isinstance(value, jax.Array) and not isinstance(value, jax.core.Tracer):
        return f"Array({np.asarray(value).tolist()!r}, dtype={value.dtype})"
    return repr(value)


# Tells type checkers what __init_subclass__ makes of a subclass: a frozen dataclass.
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class ScheduleBase:
    """A pure function of the update count, held as a frozen dataclass pytree.

    ``schedule(step)`` takes a Python int, an integer array of any shape or a traced
    integer, and returns a strongly typed float32 array of the same shape. Steps are
    clamped to ``[0, 2**31 - 1]``; update ``n`` (0-based) uses ``schedule(n)``. A call from
    Python with concrete values runs one compiled function, cached per schedule structure
    and step shape; inside ``jit``, ``vmap`` or ``grad`` the schedule is traced as usual.

    Every subclass but those declared with ``abstract=True`` becomes a frozen dataclass
    registered as a pytree; see :class:`jaxsched.Schedule` for what a subclass implements.
    """

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        dataclasses.dataclass(frozen=True, eq=False, repr=False)(cls)
        _check_arguments(cls)
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        data = tuple(f.name for f in fields if not f.metadata.get(_STATIC))
        meta = tuple(f.name for f in fields if f.metadata.get(_STATIC))

        def flatten_with_keys(obj: ScheduleBase) -> tuple[list[tuple[Any, Any]], tuple[Any, ...]]:
            children = [(jax.tree_util.GetAttrKey(n), getattr(obj, n)) for n in data]
            return children, tuple(getattr(obj, n) for n in meta)

        def flatten(obj: ScheduleBase) -> tuple[list[Any], tuple[Any, ...]]:
            return [getattr(obj, n) for n in data], tuple(getattr(obj, n) for n in meta)

        def unflatten(aux: tuple[Any, ...], children: Any) -> ScheduleBase:
            obj = object.__new__(cls)
            for name, value in zip(data, children, strict=True):
                object.__setattr__(obj, name, value)
            for name, value in zip(meta, aux, strict=True):
                object.__setattr__(obj, name, value)
            return obj

        jax.tree_util.register_pytree_with_keys(cls, flatten_with_keys, unflatten, flatten)

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            check, options = f.metadata.get(_CHECK, (None, {}))
            value = getattr(self, f.name)
            if check is None or (value is None and f.default is None):
                continue
            object.__setattr__(self, f.name, check(owner, f.name, value, **options))
        self._check()

    def _check(self) -> None:
        """Checks across fields, run after each field passed its own check."""

    def __call__(self, step: ArrayLike) -> jax.Array:
        t = as_step(step)
        if isinstance(t, jax.core.Tracer) or exact.in_use():
            return self._evaluate(jnp.asarray(t))
        # A call from Python (a plot, a log line, a PyTorch-style loop) runs one compiled
        # function, cached per schedule structure and step shape, not op by op. The leaves
        # are put on the device once per schedule: converting Python numbers on every
        # call would be half its cost.
        compiled = self.__dict__.get(_ON_DEVICE)
        if compiled is None:
            form = self._called_form()
            leaves, treedef = jax.tree_util.tree_flatten(form)
            if not any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
                leaves = jax.device_put(leaves)
            # Inside a trace (a schedule calling another at a fixed step) device_put is
            # staged too: trace the call as usual and keep nothing.
            if any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
                return self._evaluate(jnp.asarray(t))
            # The compiled function takes the leaves as arguments, so what the schedule
            # computes from them in float64 is computed from the form as built and passed
            # along, per step shape.
            compiled = (treedef, leaves, form, {})
            object.__setattr__(self, _ON_DEVICE, compiled)
        if np.size(t) >= _WHOLE_CURVE_FROM:
            return self._curve(t)
        treedef, leaves, form, constants = compiled
        shape = np.shape(t)
        packed = constants.get(shape)
        if packed is None:
            packed = constants[shape] = _host_constants(form, treedef, shape)
        return _evaluate_compiled(treedef, packed[0], leaves, packed[1], t)

    def _curve(self, steps: Any) -> jax.Array:
        """The schedule at ``steps`` (int32, on the host), compiled for this schedule with
        its numbers as constants that XLA folds (a power of 1 is dropped, a table
        precomputed): up to 3x faster per step than numbers passed as arguments, and the
        values a training step that closes over the schedule computes."""
        whole = self.__dict__.get(_WHOLE_CURVE)
        if whole is None:
            whole = jax.jit(self._evaluate)
            object.__setattr__(self, _WHOLE_CURVE, whole)
        return whole(steps)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in _CACHES}

    def _called_form(self) -> Any:
        """The pytree a call from Python compiles, with its leaves as arguments: the
        schedule itself, or an equivalent with fewer leaves (a long join, stacked). It
        has the schedule's ``_evaluate``."""
        return self

    def _evaluate(self, step: jax.Array) -> jax.Array:
        return jnp.asarray(self._value(step), jnp.float32)

    def _value(self, step: jax.Array) -> jax.Array:
        raise NotImplementedError

    def _horizon(self) -> int | None:
        raise NotImplementedError

    @property
    def horizon(self) -> int | None:
        """The first step from which the value no longer changes, or ``None``.

        ``None`` means the schedule keeps changing for ever (an exponential decay with
        no floor, say). Composite schedules add up their parts' horizons. Needs
        concrete hyperparameters.
        """
        for leaf in jax.tree_util.tree_leaves(self):
            if isinstance(leaf, jax.core.Tracer):
                raise TypeError(
                    f"{type(self).__name__}.horizon needs concrete hyperparameters, got {leaf!r}."
                )
        return self._horizon()

    def _key(self) -> tuple[Any, ...]:
        leaves, treedef = jax.tree_util.tree_flatten(self)
        return (treedef, tuple(_leaf_key(leaf) for leaf in leaves))

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, ScheduleBase)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        parts = (
            f"{f.name}={_format_value(getattr(self, f.name))}"
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        )
        return f"{type(self).__name__}({', '.join(parts)})"

    def __float__(self) -> float:
        raise TypeError(
            f"{type(self).__name__} is a schedule, not a number: call it with a step, "
            f"e.g. schedule(0) or schedule(state.step)."
        )

    __int__ = __float__
