"""Piecewise-constant schedules: by values, by scales, every k updates, at milestones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _exact as exact
from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import f32, i32
from jaxsched.core._schedule import Schedule

#: Up to this many boundaries every one is compared with the step, beyond a sorted search.
#: On a 1e7-step curve (CPU, python -m benchmarks --section curves) comparing all is 2x the copy
#: floor up to 32 boundaries and 77x at 64; the search is 12-17x throughout.
_COMPARE_ALL_UP_TO = 32


def intervals_passed(step: jax.Array, boundaries: Any) -> jax.Array:
    """How many boundaries ``b`` satisfy ``b <= step`` (an exact integer comparison).

    A comparison with every boundary when there are few, else a sorted search: either way
    the graph size and compile time do not grow with the number of boundaries (optax's
    ``piecewise_constant_schedule`` unrolls one ``where`` per boundary).
    """
    boundaries = i32(boundaries)
    if boundaries.shape[-1] <= _COMPARE_ALL_UP_TO:
        # Few boundaries: compare with each, which vectorizes; a search gathers per element.
        passed = step[..., None] >= boundaries.reshape((1,) * step.ndim + (-1,))
        return jnp.sum(passed, axis=-1, dtype=jnp.int32)
    return jnp.searchsorted(boundaries, step, side="right").astype(jnp.int32)


def lookup(table: jax.Array, index: jax.Array) -> jax.Array:
    """``table[index]`` for an in-range index: one select per entry for a short table
    (which vectorizes, where a gather runs per element), a gather beyond.

    The graph grows with the table up to ``_COMPARE_ALL_UP_TO + 1`` entries: for tables
    a user writes by hand (PiecewiseInterpolate's knots, a one-cycle's three or four).
    """
    if table.ndim != 1 or table.shape[0] > _COMPARE_ALL_UP_TO + 1:
        return table[index]
    value = jnp.broadcast_to(table[0], index.shape)
    for k in range(1, table.shape[0]):
        value = jnp.where(index == k, table[k], value)
    return value


def scaled_levels(
    owner: str, init_value: ArrayLike, boundaries_and_scales: Mapping[int, ArrayLike]
) -> tuple[list[int], Any]:
    """optax's ``{boundary: scale}`` as sorted boundaries and the levels between them.

    ``levels[0] = init_value`` holds before the first boundary and
    ``levels[j] = init_value * scale_1 * ... * scale_j`` after boundary ``j``; computed in
    float64 when concrete, with ``jnp`` when a value is traced.
    """
    if not isinstance(boundaries_and_scales, Mapping):
        raise TypeError(
            f"{owner}: boundaries_and_scales must be a dict {{step: scale}}, "
            f"got boundaries_and_scales={boundaries_and_scales!r}."
        )
    init_value = check.level(owner, "init_value", init_value)
    items = sorted(boundaries_and_scales.items())
    keys, scales = [b for b, _ in items], [s for _, s in items]
    try:  # all at once: thousands of items are checked in milliseconds
        if not keys or not check.concrete((keys, scales)):
            raise ValueError
        boundaries = np.asarray(check.steps(owner, "boundaries_and_scales key", keys)).tolist()
        scales = list(np.asarray(check.real(owner, "scales", scales, minimum=0), np.float64))
    except (ValueError, TypeError):  # one by one, for the message that names the item
        boundaries = [check.steps(owner, "boundaries_and_scales key", b) for b in keys]
        scales = [
            check.real(owner, f"boundaries_and_scales[{b}]", s, minimum=0)
            for b, s in zip(keys, scales, strict=True)
        ]
    if check.concrete((init_value, scales)):
        levels = init_value * np.cumprod([1.0, *scales])
        check.representable(owner, "the largest level", float(np.max(np.abs(levels))))
        return boundaries, levels
    return boundaries, f32(init_value) * jnp.cumprod(f32(jnp.stack([1.0, *scales])))


class PiecewiseConstant(Schedule):
    r"""Constant values between boundaries.

    .. math:: v(t) = v_i \quad\text{for } b_{i-1} \le t < b_i \quad (b_{-1} = 0, b_n = \infty)

    The value switches **at** step :math:`b_i` (optax's convention: update :math:`b_i`
    already uses :math:`v_{i+1}`). Keras' ``PiecewiseConstantDecay`` and TF1's
    ``piecewise_constant`` switch one step later, at :math:`b_i + 1`. Build it from
    multiplicative scales with :meth:`from_scales`.

    Args:
      boundaries: strictly increasing steps :math:`b_0 < \dots < b_{n-1}`.
      values: the :math:`n + 1` values :math:`v_0, \dots, v_n`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.PiecewiseConstant(boundaries=[10, 20], values=[1.0, 0.1, 0.01])
      >>> s(9), s(10), s(20)
      (Array(1., dtype=float32), Array(0.1, dtype=float32), Array(0.01, dtype=float32))

    References:
      ``optax.piecewise_constant_schedule``; ``keras.optimizers.schedules.PiecewiseConstantDecay``.
    """

    boundaries: Sequence[int] | jax.Array = field(check.step_sequence, strict=True)
    values: Sequence[float] | jax.Array = field(check.level_sequence)

    def _check(self) -> None:
        if check.concrete((self.boundaries, self.values)) and (
            len(self.values) != len(self.boundaries) + 1
        ):
            raise check.fail(
                "PiecewiseConstant",
                "values",
                self.values,
                f"must have one more entry than boundaries ({len(self.boundaries)})",
                "values[i] holds before boundaries[i]; the last value holds after the last "
                "boundary.",
            )

    @classmethod
    def from_scales(
        cls, init_value: ArrayLike, boundaries_and_scales: Mapping[int, ArrayLike]
    ) -> PiecewiseConstant:
        r"""Build it from ``init_value`` and multiplicative scales (optax's form).

        .. math:: v(t) = I \prod_{b \le t} s_b

        Example:
          >>> import jaxsched
          >>> s = jaxsched.PiecewiseConstant.from_scales(1.0, {10: 0.1, 20: 0.5})
          >>> s(10), s(20)
          (Array(0.1, dtype=float32), Array(0.05, dtype=float32))
        """
        boundaries, values = scaled_levels(
            "PiecewiseConstant.from_scales", init_value, boundaries_and_scales
        )
        return cls(boundaries, values)

    def _value(self, step: jax.Array) -> jax.Array:
        return f32(self.values)[intervals_passed(step, self.boundaries)]

    def _horizon(self) -> int | None:
        return int(self.boundaries[-1]) if len(self.boundaries) else 0


class StepDecay(Schedule):
    r"""Multiply by ``gamma`` every ``step_size`` updates (PyTorch ``StepLR``).

    .. math:: v(t) = I \cdot \gamma^{\lfloor t / k \rfloor}

    The index is integer division, exact at every step. Equal to
    ``ExponentialDecay(I, k, gamma, staircase=True)``, spelled the PyTorch way.

    Args:
      init_value: :math:`I`, the value for the first ``step_size`` updates.
      step_size: :math:`k > 0`.
      gamma: :math:`0 \le \gamma \le 1`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.StepDecay(1.0, step_size=30, gamma=0.1)
      >>> s(29), s(30)
      (Array(1., dtype=float32), Array(0.1, dtype=float32))

    References:
      ``torch.optim.lr_scheduler.StepLR``.
    """

    init_value: ArrayLike = field(check.level)
    step_size: ArrayLike = field(check.steps, positive=True)
    gamma: ArrayLike = field(
        check.real,
        default=0.1,
        minimum=0,
        maximum=1,
        fix="A gamma above 1 grows without bound; use ExponentialDecay with end_value.",
    )

    def _value(self, step: jax.Array) -> jax.Array:
        return f32(self.init_value) * exact.exact_power(self.gamma, step // i32(self.step_size))

    def _horizon(self) -> int | None:
        return None


class MultiStepDecay(Schedule):
    r"""Multiply by ``gamma`` at each milestone (PyTorch ``MultiStepLR``).

    .. math:: v(t) = I \cdot \gamma^{\#\{m \in M : m \le t\}}

    Milestone :math:`m` first applies at update :math:`m` (as in PyTorch and optax; timm
    applies it one update earlier). A repeated milestone applies ``gamma`` once per
    repeat, as PyTorch's ``Counter`` does.

    Args:
      init_value: :math:`I`, the value before the first milestone.
      milestones: non-decreasing steps.
      gamma: :math:`\gamma \ge 0`.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.MultiStepDecay(1.0, milestones=[30, 80], gamma=0.1)
      >>> s(29), s(30), s(80)
      (Array(1., dtype=float32), Array(0.1, dtype=float32), Array(0.01, dtype=float32))

    References:
      ``torch.optim.lr_scheduler.MultiStepLR``.
    """

    init_value: ArrayLike = field(check.level)
    milestones: Sequence[int] | jax.Array = field(check.step_sequence, strict=False)
    gamma: ArrayLike = field(check.real, default=0.1, minimum=0)

    def _check(self) -> None:
        if check.concrete((self.init_value, self.milestones, self.gamma)):
            last = check.largest(self.init_value) * check.largest(self.gamma) ** len(
                self.milestones
            )
            check.representable("MultiStepDecay", "init_value * gamma ** len(milestones)", last)

    def _value(self, step: jax.Array) -> jax.Array:
        count = intervals_passed(step, self.milestones)
        return f32(self.init_value) * exact.exact_power(self.gamma, count)

    def _horizon(self) -> int | None:
        return int(self.milestones[-1]) if len(self.milestones) else 0
