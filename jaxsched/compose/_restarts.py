"""Warm restarts: SGDR (Keras, PyTorch), timm's decay cycles, optax's list, and restarts of any schedule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.compose._join import Join, phases
from jaxsched.compose._warmup import warmup_cosine_decay
from jaxsched.core import _validate as check
from jaxsched.core._base import field, records_call
from jaxsched.core._cycles import cycle_start, growing_cycles
from jaxsched.core._exact import exact_fractional_power, exact_power
from jaxsched.core._numerics import f32, i32, lerp, saturate, times_power
from jaxsched.core._schedule import Schedule
from jaxsched.schedules._cosine import check_one_floor, floor_value


def _growth(factor: jax.Array) -> jax.Array:
    """A factor per cycle above 1 as it is, others as a harmless 2 (for the growth
    branch, which ``where`` discards for them: its gradient must not be NaN)."""
    return jnp.where(factor > 1, factor, 2.0)


class CosineRestarts(Schedule):
    r"""Cosine decay with warm restarts (SGDR), cycles growing by ``t_mul``.

    Cycle :math:`i` lasts :math:`F t^{i}` updates (:math:`t` = ``t_mul``). With
    :math:`x \in [0, 1)` the position in the current cycle and :math:`E` the floor,

    .. math:: v = E + (I - E)\, m^{i}\, \tfrac12 (1 + \cos \pi x)

    so ``m_mul`` (:math:`m`) scales the amplitude, not the floor, as in Keras (growing
    peaks, ``m_mul > 1``, saturate at the largest float32 instead of reaching inf). Cycle
    :math:`i` starts at the first update at or after
    :math:`S_i = F (t^i - 1) / (t - 1)`, decided exactly: from integers when ``t_mul`` is a
    whole number, and in double-float32 arithmetic when it is fractional (see
    ``docs/concepts/values.md``). Keras and TF invert the cycle lengths with a float32
    logarithm and, for ``t_mul=2``, take restarts 13 and 15 for the last step of the
    previous cycle (the value is the floor instead of the peak); jaxsched does not.

    Args:
      init_value: :math:`I`, the first peak.
      first_decay_steps: :math:`F > 0`, the length of the first cycle.
      t_mul: :math:`t \ge 1`, how much longer each cycle is than the last (PyTorch's
        ``T_mult``; Keras' ``t_mul``).
      m_mul: :math:`m > 0`, the factor of each peak's height over the floor from the
        last; above 1 the peaks grow, and a value past the largest float32 is that.
      alpha: the floor as a fraction of ``init_value`` (Keras); mutually exclusive with
        ``end_value``. Neither given means a floor of 0.
      end_value: the floor as an absolute value (PyTorch's ``eta_min``).

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.CosineRestarts(1.0, first_decay_steps=10, t_mul=2.0)
      >>> s(0), s(5), s(10), s(20), s(30)
      (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32), Array(1., dtype=float32))

    References:
      Loshchilov & Hutter, *SGDR*, https://arxiv.org/abs/1608.03983;
      ``keras.optimizers.schedules.CosineDecayRestarts``;
      ``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts``.
    """

    init_value: ArrayLike = field(check.level)
    first_decay_steps: ArrayLike = field(check.steps, positive=True)
    t_mul: ArrayLike = field(check.real, default=2.0, minimum=1)
    m_mul: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)
    alpha: ArrayLike | None = field(check.real, default=None, minimum=0)
    end_value: ArrayLike | None = field(check.level, default=None)

    def _check(self) -> None:
        check_one_floor("CosineRestarts", self.alpha, self.end_value)

    def _value(self, step: jax.Array) -> jax.Array:
        index, _, left = growing_cycles(step, self.first_decay_steps, self.t_mul)
        init = f32(self.init_value)
        floor = floor_value(init, self.alpha, self.end_value)
        m, count = f32(self.m_mul), index.astype(jnp.float32)
        shape = jnp.sin(0.5 * jnp.pi * left) ** 2  # (1 + cos(pi x)) / 2, no cancellation
        # As written while peaks shrink; growing heights over the floor saturate.
        shrinking = lerp(floor, init, exact_power(self.m_mul, index, shrinking=True) * shape)
        half = 0.5 * floor
        height = times_power((0.5 * init - half) * shape, _growth(m), count)
        return jnp.where(m > 1, saturate(2 * (half + height)), shrinking)

    def _horizon(self) -> int | None:
        return None


class Restarts(Schedule):
    r"""Any schedule restarted every ``period`` updates, each restart scaled by ``decay``.

    .. math:: v(t) = d^{\lfloor t / P \rfloor}\, s(t \bmod P)

    The cycle index and position are integers. For cycles that grow, see
    :class:`CosineRestarts`; for a list of different cycles, :func:`phases` or
    :func:`sgdr`.

    Args:
      schedule: the schedule each cycle replays from its step 0.
      period: :math:`P > 0`.
      decay: :math:`d > 0`, the factor applied once per completed cycle (above 1 a
        growth, saturated at the largest float32).

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Restarts(jaxsched.Linear(1.0, 0.0, 10), period=10, decay=0.5)
      >>> s(0), s(5), s(10), s(25)
      (Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0.5, dtype=float32), Array(0.125, dtype=float32))
    """

    schedule: Schedule = field(check.schedule)
    period: ArrayLike = field(check.steps, positive=True)
    decay: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)

    def _value(self, step: jax.Array) -> jax.Array:
        period = i32(self.period)
        cycles = step // period
        value, decay = self.schedule(step % period), f32(self.decay)
        shrunk = exact_power(self.decay, cycles, shrinking=True) * value
        grown = times_power(value, _growth(decay), cycles.astype(jnp.float32))
        return jnp.where(decay > 1, grown, shrunk)

    def _horizon(self) -> int | None:
        return None


CYCLE_SHAPES = ("cosine", "tanh", "poly")


def _unit_decay(cycles: DecayCycles, x: jax.Array, left: jax.Array) -> jax.Array:
    """The shape of one cycle at the position ``x`` warped as ``x**k``, from (about) 1 at
    ``x=0`` towards 0 at ``x=1``, with ``left = 1 - x`` from integers (or double-float).

    Each shape is written in ``1 - x**k`` (taken from whichever of ``x`` and ``left`` is
    the smaller, so that it keeps its relative precision) where it goes to 0:
    ``sin(pi (1 - w) / 2)**2`` for the cosine, ``(1 - w)**p`` for the polynomial and
    ``1 / (1 + exp(2 z))`` for ``(1 - tanh z) / 2``.
    """
    k = f32(cycles.k_decay)
    warped = jnp.where(k == 1, x, exact_fractional_power(x, cycles.k_decay))
    near_end = jnp.where(x < 0.5, 0.5, left)  # no log(0) in the branch not taken
    rest = jnp.where(
        k == 1, left, jnp.where(x < 0.5, 1 - warped, -jnp.expm1(k * jnp.log1p(-near_end)))
    )
    if cycles.shape == "tanh":
        lower, upper = f32(cycles.lb), f32(cycles.ub)
        return jax.nn.sigmoid(-2 * (upper - (upper - lower) * rest))  # z: exact at the end
    if cycles.shape == "poly":
        return exact_fractional_power(rest, cycles.power)
    return jnp.sin(0.5 * jnp.pi * rest) ** 2


class DecayCycles(Schedule):
    r"""timm's decay cycles: cosine, tanh or polynomial, restarted with longer, lower cycles.

    Cycle :math:`i` lasts :math:`F m^{i}` updates and peaks at :math:`I d^{i}`; with
    :math:`x \in [0, 1)` the position in the cycle, warped as :math:`x^{k}` (k-decay),
    and :math:`E` the floor,

    .. math:: v = E + (I d^{i} - E)\, h(x^{k})

    with :math:`h(x) = \tfrac12 (1 + \cos \pi x)` (``"cosine"``),
    :math:`\tfrac12 (1 - \tanh(l (1 - x) + u x))` (``"tanh"``) or :math:`(1 - x)^{p}`
    (``"poly"``). After ``cycle_limit`` cycles the value is :math:`E`. Same values as
    timm's ``CosineLRScheduler``, ``TanhLRScheduler`` and ``PolyLRScheduler`` (with
    ``t_in_epochs=False``), except at restarts: timm finds the cycle index with a float
    logarithm and, for ``cycle_mul=3``, starts the cycle due at update 121 one update
    late; here every cycle starts exactly at the first update at or after
    :math:`F (m^i - 1) / (m - 1)`, for a whole or a fractional ``cycle_mul``. Unlike timm,
    ``cycle_limit`` defaults to no limit (timm's default 1 means no restart: use
    :class:`CosineDecay` or :func:`tanh_decay` for that). The tanh shape never reaches 0,
    so its value drops to :math:`E` when the last cycle ends, as in timm.

    Args:
      init_value: :math:`I`, the first peak.
      cycle_steps: :math:`F > 0`, the first cycle's length (timm's ``t_initial``).
      shape: ``"cosine"``, ``"tanh"`` or ``"poly"``.
      end_value: :math:`E` (timm's ``lr_min``).
      cycle_mul: :math:`m \ge 1`.
      cycle_decay: :math:`d > 0`, the peak's factor per cycle (above 1 the peaks grow,
        saturated at the largest float32).
      cycle_limit: the number of cycles, or ``None`` for no limit.
      k_decay: :math:`k > 0` (Zhang & Li, *k-decay*).
      power: :math:`p > 0`, for ``"poly"`` only (timm's default 0.5).
      lb: :math:`l`, for ``"tanh"`` only (default -7).
      ub: :math:`u > l`, for ``"tanh"`` only (default 3).

    Returns:
      A schedule value.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.DecayCycles(1.0, cycle_steps=4, cycle_mul=2.0, cycle_decay=0.5,
      ...                          cycle_limit=3)
      >>> s(jnp.array([0, 4, 12, 28]))
      Array([1.  , 0.5 , 0.25, 0.  ], dtype=float32)

    References:
      Loshchilov & Hutter, *SGDR*, https://arxiv.org/abs/1608.03983; Zhang & Li,
      *k-decay*, https://arxiv.org/abs/2004.05909; ``timm.scheduler.CosineLRScheduler``,
      ``TanhLRScheduler``, ``PolyLRScheduler``.
    """

    init_value: ArrayLike = field(check.level)
    cycle_steps: ArrayLike = field(check.steps, positive=True)
    shape: str = field(check.choice, static=True, default="cosine", options=CYCLE_SHAPES)
    end_value: ArrayLike = field(check.level, default=0.0)
    cycle_mul: ArrayLike = field(check.real, default=1.0, minimum=1)
    cycle_decay: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)
    cycle_limit: ArrayLike | None = field(check.steps, default=None, positive=True)
    k_decay: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)
    power: ArrayLike | None = field(check.real, default=None, minimum=0, exclusive=True)
    lb: ArrayLike | None = field(check.real, default=None)
    ub: ArrayLike | None = field(check.real, default=None)

    def __post_init__(self) -> None:
        for name, owner_shape in (("power", "poly"), ("lb", "tanh"), ("ub", "tanh")):
            if getattr(self, name) is not None and self.shape != owner_shape:
                raise check.fail(
                    "DecayCycles",
                    name,
                    getattr(self, name),
                    f'applies to shape="{owner_shape}" only',
                    f'Drop it, or use shape="{owner_shape}" (got shape={self.shape!r}).',
                )
        defaults = {"poly": {"power": 0.5}, "tanh": {"lb": -7.0, "ub": 3.0}}
        for name, value in defaults.get(self.shape, {}).items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, value)
        super().__post_init__()

    def _check(self) -> None:
        if self.shape == "tanh" and check.concrete((self.lb, self.ub)):
            check.real("DecayCycles", "ub", self.ub, minimum=self.lb, exclusive=True)

    def _value(self, step: jax.Array) -> jax.Array:
        index, position, left = growing_cycles(step, self.cycle_steps, self.cycle_mul)
        end = f32(self.end_value)
        init, d, count = f32(self.init_value), f32(self.cycle_decay), index.astype(jnp.float32)
        shape = _unit_decay(self, position, left)
        shrinking = lerp(end, init * exact_power(self.cycle_decay, index, shrinking=True), shape)
        # A growing peak saturates after the shape has scaled it, not before.
        growing = saturate(end - end * shape + times_power(init * shape, _growth(d), count))
        value = jnp.where(d > 1, growing, shrinking)
        if self.cycle_limit is None:
            return value
        return jnp.where(index >= i32(self.cycle_limit), end, value)

    def _horizon(self) -> int | None:
        if self.cycle_limit is None:
            return None
        return cycle_start(int(self.cycle_steps), float(self.cycle_mul), int(self.cycle_limit))


@records_call
@check.factory({"DecayCycles": {"cycle_steps": "decay_steps"}})
def tanh_decay(
    init_value: ArrayLike,
    decay_steps: ArrayLike,
    end_value: ArrayLike = 0.0,
    lb: ArrayLike = -7.0,
    ub: ArrayLike = 3.0,
) -> DecayCycles:
    r"""timm's tanh decay over one cycle, then ``end_value``.

    .. math::
      v(t) = E + (I - E)\, \tfrac12 \left(1 - \tanh\left(l (1 - t/D) + u\, t/D\right)\right)
      \quad (t < D), \qquad v(t) = E \quad (t \ge D)

    At :math:`t = 0` the value is about :math:`0.99999917\, I` with the defaults, not
    :math:`I` (as in timm), and it drops to :math:`E` at :math:`D`.

    Args:
      init_value: :math:`I`.
      decay_steps: :math:`D > 0` (timm's ``t_initial``).
      end_value: :math:`E` (timm's ``lr_min``).
      lb: :math:`l`, the lower bound of the tanh argument.
      ub: :math:`u > l`, the upper bound.

    Returns:
      ``DecayCycles(init_value, decay_steps, "tanh", end_value, cycle_limit=1, lb=lb,
      ub=ub)``.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.tanh_decay(1.0, decay_steps=100)
      >>> s(70), s(100)
      (Array(0.5, dtype=float32), Array(0., dtype=float32))

    References:
      Hsueh et al., *Stochastic Gradient Descent with Hyperbolic-Tangent Decay*,
      https://arxiv.org/abs/1806.01593; ``timm.scheduler.TanhLRScheduler``.
    """
    return DecayCycles(init_value, decay_steps, "tanh", end_value, cycle_limit=1, lb=lb, ub=ub)


@records_call
def sgdr(cycles: Iterable[Mapping[str, Any]]) -> Join:
    r"""optax's SGDR: a sequence of warmup + cosine cycles, each given as keyword arguments.

    Each dict holds the arguments of :func:`jaxsched.warmup_cosine_decay`
    (``init_value``, ``peak_value``, ``warmup_steps``, ``decay_steps``, ``end_value``,
    ``exponent``); cycle :math:`i` runs for its ``decay_steps`` (warmup included) on its own
    clock, and the last holds its end value. Same values as ``optax.sgdr_schedule``.

    Args:
      cycles: one dict per cycle.

    Returns:
      A :class:`Join` of ``warmup_cosine_decay`` cycles.

    Example:
      >>> import jaxsched
      >>> cycle = dict(init_value=0.0, peak_value=1.0, warmup_steps=5, decay_steps=50)
      >>> s = jaxsched.sgdr([cycle, cycle])
      >>> s.boundaries.tolist(), s(5), s(55)
      ([50], Array(1., dtype=float32), Array(1., dtype=float32))
    """
    cycles = list(cycles)
    if not cycles:
        raise ValueError("sgdr: needs at least one cycle, got none.")
    built = []
    for i, kwargs in enumerate(cycles):
        if not isinstance(kwargs, Mapping):
            raise TypeError(
                f"sgdr: cycle {i} must be a dict of warmup_cosine_decay arguments, got {kwargs!r}."
            )
        with check.reported_as("sgdr", lambda owner, name, i=i: f"cycles[{i}][{name!r}]"):
            built.append(warmup_cosine_decay(**kwargs))
    return phases(*built)
