"""Warmup in front of any schedule, and the usual warmup + decay pairs."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched.core import _validate as check
from jaxsched.core._base import field, records_call
from jaxsched.core._exact import exact_fractional_power
from jaxsched.core._numerics import add_steps, f32, i32, lerp
from jaxsched.core._schedule import Schedule
from jaxsched.core._shapes import SHAPES, rise
from jaxsched.schedules._cosine import CosineDecay
from jaxsched.schedules._exponential import ExponentialDecay

WARMUP_STARTS = ("zero", "first_step")
WARMUP_SHAPES = (*SHAPES, "constant")


class Warmup(Schedule):
    r"""A ramp from ``init_value`` up to where ``schedule`` starts, then ``schedule``.

    With :math:`W` = ``warmup_steps``, :math:`P = s(0)` the value ``schedule`` starts
    from, :math:`u = t / W` (``start="zero"``) or :math:`(t + 1) / (W + 1)`
    (``start="first_step"``) and :math:`g` the shape,

    .. math::
      v(t) = \begin{cases}
        I + (P - I)\, g(u)^{p} & t < W \\
        s(t - W) & t \ge W
      \end{cases}

    with :math:`g(u) = u` (``"linear"``), :math:`\tfrac12 (1 - \cos \pi u)`
    (``"cosine"``), :math:`1 - \sqrt{1 - u}` (``"1-sqrt"``) or :math:`0`
    (``"constant"``: hold ``init_value`` for :math:`W` updates, then jump, as PyTorch's
    ``ConstantLR``). ``power`` :math:`p` makes a polynomial warmup (Model Garden's
    ``PolynomialWarmUp``).

    ``schedule`` sees the step relative to the end of the warmup, as a phase of
    :func:`jaxsched.phases` would: give it its own length, never subtract the warmup.
    With ``start="zero"`` (optax's and most libraries' choice) update 0 uses
    ``init_value``; with ``init_value=0`` that update changes nothing under SGD (Adam's
    moments still advance). ``start="first_step"`` counts update 0 as the first step of
    the ramp so every update gets a non-zero rate, and still reaches :math:`P` exactly at
    update :math:`W`: the first fraction :math:`g(1 / (W + 1))` is computed without
    cancellation, so it is non-zero in float32 for every ramp shape and every
    :math:`W \le 2^{31} - 1` (for a peak :math:`P \ge 10^{-8}`). A ``power`` :math:`p`
    raises it to :math:`g^{p}`, which can round to 0 for a large :math:`p` and a long
    warmup. ``warmup_steps=0`` is allowed and gives ``schedule`` itself.

    Args:
      schedule: the schedule that follows the warmup.
      warmup_steps: :math:`W \ge 0`.
      init_value: :math:`I`, where the ramp starts (PyTorch ``ConstantLR``/``LinearLR``:
        ``start_factor * base_lr``; timm: ``warmup_lr_init``).
      start: ``"zero"`` or ``"first_step"``, as above.
      shape: ``"linear"``, ``"cosine"``, ``"1-sqrt"`` or ``"constant"``.
      power: :math:`p > 0`, applied to the shape.

    Returns:
      A schedule value.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.Warmup(jaxsched.Constant(1.0), warmup_steps=4)
      >>> s(jnp.arange(6))
      Array([0.  , 0.25, 0.5 , 0.75, 1.  , 1.  ], dtype=float32)
      >>> s = jaxsched.Warmup(jaxsched.Constant(1.0), warmup_steps=4, start="first_step")
      >>> s(jnp.arange(6))
      Array([0.2, 0.4, 0.6, 0.8, 1. , 1. ], dtype=float32)
      >>> s = jaxsched.Warmup(jaxsched.Constant(1.0), 4, init_value=0.1, shape="constant")
      >>> s(jnp.arange(6))
      Array([0.1, 0.1, 0.1, 0.1, 1. , 1. ], dtype=float32)

    References:
      Goyal et al., *Accurate, Large Minibatch SGD*, https://arxiv.org/abs/1706.02677;
      ``torch.optim.lr_scheduler.ConstantLR``, ``LinearLR``; Model Garden
      ``lr_schedule.PolynomialWarmUp``; ``transformers.get_wsd_schedule``.
    """

    schedule: Schedule = field(check.schedule)
    warmup_steps: ArrayLike = field(check.steps)
    init_value: ArrayLike = field(check.level, default=0.0)
    start: str = field(check.choice, static=True, default="zero", options=WARMUP_STARTS)
    shape: str = field(check.choice, static=True, default="linear", options=WARMUP_SHAPES)
    power: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)

    def _value(self, step: jax.Array) -> jax.Array:
        length = i32(self.warmup_steps)
        if self.start == "first_step":
            # Saturating: for a warmup of 2**31 - 1 updates, W / (W + 1) is 1 in float32.
            done, total = jnp.minimum(step, length - 1) + 1, add_steps(length, 1)
        else:
            done, total = step, jnp.maximum(length, 1)
        if self.shape == "constant":
            frac = jnp.zeros_like(step, jnp.float32)
        else:
            frac = rise(self.shape, done, total)
        power = f32(self.power)
        frac = jnp.where(power == 1, frac, exact_fractional_power(frac, self.power))
        ramp = lerp(f32(self.init_value), self.schedule(0), frac)
        return jnp.where(step < length, ramp, self.schedule(step - length))

    def _horizon(self) -> int | None:
        after = self.schedule.horizon
        return None if after is None else int(self.warmup_steps) + after


def _check_start(owner: str, start: Any) -> str:
    return check.choice(owner, "start", start, WARMUP_STARTS)


@records_call
@check.factory({"CosineDecay": {"init_value": "peak_value"}})
def warmup_cosine_decay(
    init_value: ArrayLike,
    peak_value: ArrayLike,
    warmup_steps: ArrayLike,
    decay_steps: ArrayLike,
    end_value: ArrayLike = 0.0,
    exponent: ArrayLike = 1.0,
    *,
    start: str = "zero",
) -> Warmup:
    r"""Linear warmup to ``peak_value``, then cosine decay to ``end_value``.

    Same arguments and values as ``optax.warmup_cosine_decay_schedule``: ``decay_steps``
    is the **total** length, warmup included, so the cosine lasts
    ``decay_steps - warmup_steps`` updates and ``end_value`` is reached at update
    ``decay_steps``. Built as ``Warmup(CosineDecay(...))``, which is what you get back.
    Unlike optax, ``end_value`` is always absolute (optax ignores it when
    ``peak_value == 0``).

    Args:
      init_value: where the warmup starts.
      peak_value: where the warmup ends and the cosine starts.
      warmup_steps: length of the warmup, ``>= 0``.
      decay_steps: total length, ``> warmup_steps``.
      end_value: the value from ``decay_steps`` on.
      exponent: the cosine factor's exponent.
      start: ``"zero"`` or ``"first_step"`` (see :class:`Warmup`).

    Returns:
      ``Warmup(CosineDecay(peak_value, decay_steps - warmup_steps, end_value=end_value,
      exponent=exponent), warmup_steps, init_value, start)``.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.warmup_cosine_decay(0.0, 1.0, warmup_steps=10, decay_steps=110)
      >>> s(5), s(10), s(60), s(110)
      (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32), Array(0., dtype=float32))
    """
    owner = "warmup_cosine_decay"
    warmup_steps = check.steps(owner, "warmup_steps", warmup_steps)
    decay_steps = check.steps(owner, "decay_steps", decay_steps, positive=True)
    if check.concrete((warmup_steps, decay_steps)) and decay_steps <= warmup_steps:
        raise check.fail(
            owner,
            "decay_steps",
            decay_steps,
            f"must be greater than warmup_steps={warmup_steps}",
            "decay_steps is the total length, warmup included.",
        )
    cosine = CosineDecay(
        peak_value, decay_steps - warmup_steps, end_value=end_value, exponent=exponent
    )
    return Warmup(cosine, warmup_steps, init_value, _check_start(owner, start))


@records_call
@check.factory({"ExponentialDecay": {"init_value": "peak_value"}})
def warmup_exponential_decay(
    init_value: ArrayLike,
    peak_value: ArrayLike,
    warmup_steps: ArrayLike,
    transition_steps: ArrayLike,
    decay_rate: ArrayLike,
    transition_begin: ArrayLike = 0,
    staircase: bool = False,
    end_value: ArrayLike | None = None,
    *,
    start: str = "zero",
) -> Warmup:
    r"""Linear warmup to ``peak_value``, then exponential decay.

    Same arguments and values as ``optax.warmup_exponential_decay_schedule``:
    ``transition_begin`` counts from the end of the warmup, so the decay starts at update
    ``warmup_steps + transition_begin``.

    Args:
      init_value: where the warmup starts.
      peak_value: where the warmup ends and the decay starts.
      warmup_steps: length of the warmup, ``>= 0``.
      transition_steps, decay_rate, transition_begin, staircase, end_value: as in
        :class:`ExponentialDecay`.
      start: ``"zero"`` or ``"first_step"`` (see :class:`Warmup`).

    Returns:
      ``Warmup(ExponentialDecay(peak_value, ...), warmup_steps, init_value, start)``.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.warmup_exponential_decay(0.0, 1.0, 10, transition_steps=10, decay_rate=0.5)
      >>> s(5), s(10), s(20)
      (Array(0.5, dtype=float32), Array(1., dtype=float32), Array(0.5, dtype=float32))
    """
    decay = ExponentialDecay(
        peak_value, transition_steps, decay_rate, transition_begin, staircase, end_value
    )
    start = _check_start("warmup_exponential_decay", start)
    return Warmup(decay, warmup_steps, init_value, start)
