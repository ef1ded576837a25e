"""Warm restarts: SGDR (Keras, PyTorch), optax's list of cycles, and restarts of any schedule."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
from jax.typing import ArrayLike

from jaxsched import _validate as check
from jaxsched._base import INT32_MAX, Schedule, f32, field, i32
from jaxsched._cosine import check_one_floor, floor_value
from jaxsched._join import Join, phases
from jaxsched._warmup import warmup_cosine_decay


def _integer_growth_cycle(step: jax.Array, first: jax.Array, mult: jax.Array) -> tuple:
    """Cycle index and start for lengths ``first * mult**i`` with an integer ``mult >= 2``.

    Cycle ``i`` starts at ``first * (1 + mult + ... + mult**(i-1))``, a multiple of
    ``first``; so step ``t`` is in cycle ``i`` iff ``t // first >= that sum / first``. The
    sums are built in saturating int32 (at most 31 terms before passing ``2**31``), so the
    index is exact at every restart up to ``2**31 - 1``.
    """
    whole = step // first
    total = jnp.zeros_like(whole)
    index = jnp.zeros_like(whole)
    limit = (INT32_MAX - 1) // jnp.maximum(mult, 1)
    for _ in range(31):
        following = jnp.where(total > limit, INT32_MAX, total * mult + 1)
        reached = following <= whole
        index = index + reached.astype(jnp.int32)
        total = jnp.where(reached, following, total)
    return index, step - first * total


class CosineRestarts(Schedule):
    r"""Cosine decay with warm restarts (SGDR), cycles growing by ``t_mul``.

    Cycle :math:`i` lasts :math:`F t^{i}` updates (:math:`t` = ``t_mul``). With
    :math:`x \in [0, 1)` the position in the current cycle and :math:`E` the floor,

    .. math:: v = E + (I - E)\, m^{i}\, \tfrac12 (1 + \cos \pi x)

    so ``m_mul`` (:math:`m`) shrinks the amplitude, not the floor, as in Keras. The cycle
    index is computed from integers when ``t_mul`` is a whole number: Keras and TF invert
    the cycle lengths with a float32 logarithm and, for ``t_mul=2``, take restarts 13 and
    15 for the last step of the previous cycle (the value is the floor instead of the
    peak); jaxsched does not. For a fractional ``t_mul`` the restarts fall between steps
    and the index is found in float32 and corrected against the cycle starts.

    Args:
      init_value: :math:`I`, the first peak.
      first_decay_steps: :math:`F > 0`, the length of the first cycle.
      t_mul: :math:`t \ge 1`, how much longer each cycle is than the last (PyTorch's
        ``T_mult``; Keras' ``t_mul``).
      m_mul: :math:`m > 0`, how much lower each peak is than the last.
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

    init_value: ArrayLike = field(check.real)
    first_decay_steps: ArrayLike = field(check.steps, positive=True)
    t_mul: ArrayLike = field(check.real, default=2.0, minimum=1)
    m_mul: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True)
    alpha: ArrayLike | None = field(check.real, default=None)
    end_value: ArrayLike | None = field(check.real, default=None)

    def _check(self) -> None:
        check_one_floor("CosineRestarts", self.alpha, self.end_value)

    def _cycle(self, step: jax.Array) -> tuple[jax.Array, jax.Array]:
        """The cycle index (float32) and the position in it, in [0, 1)."""
        first = i32(self.first_decay_steps)
        growth = f32(self.t_mul)
        # t_mul == 1: plain periods.
        periodic = (
            (step // first).astype(jnp.float32),
            (step % first).astype(jnp.float32) / first.astype(jnp.float32),
        )
        # A whole t_mul >= 2: exact integer cycle starts.
        mult = jnp.round(growth).astype(jnp.int32)
        index, offset = _integer_growth_cycle(step, first, mult)
        index_f = index.astype(jnp.float32)
        length = first.astype(jnp.float32) * growth**index_f
        whole = (index_f, jnp.minimum(offset.astype(jnp.float32) / length, 1.0))
        # A fractional t_mul: Keras' logarithm, then one correction either way.
        t, first_f = step.astype(jnp.float32), first.astype(jnp.float32)
        guess = jnp.floor(jnp.log1p(t / first_f * (growth - 1)) / jnp.log(growth))

        def start(i: jax.Array) -> jax.Array:
            return first_f * (growth**i - 1) / (growth - 1)

        guess = jnp.where(t < start(guess), guess - 1, guess)
        guess = jnp.where(t >= start(guess + 1), guess + 1, guess)
        fractional = (guess, jnp.clip((t - start(guess)) / (first_f * growth**guess), 0.0, 1.0))
        is_one, is_whole = growth == 1, growth == jnp.round(growth)
        return tuple(
            jnp.where(is_one, a, jnp.where(is_whole, b, c))
            for a, b, c in zip(periodic, whole, fractional, strict=True)
        )

    def _value(self, step: jax.Array) -> jax.Array:
        index, position = self._cycle(step)
        init = f32(self.init_value)
        floor = floor_value(init, self.alpha, self.end_value)
        amplitude = f32(self.m_mul) ** index
        return floor + (init - floor) * amplitude * 0.5 * (1 + jnp.cos(jnp.pi * position))

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
      decay: :math:`d > 0`, the factor applied once per completed cycle.

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
    decay: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True, maximum=1)

    def _value(self, step: jax.Array) -> jax.Array:
        period = i32(self.period)
        cycles = (step // period).astype(jnp.float32)
        return f32(self.decay) ** cycles * self.schedule(step % period)

    def _horizon(self) -> int | None:
        return None


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
        built.append(warmup_cosine_decay(**kwargs))
    return phases(*built)
