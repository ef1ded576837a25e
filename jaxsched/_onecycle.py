"""PyTorch's one-cycle policy (``OneCycleLR``)."""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched import _validate as check
from jaxsched._base import Schedule, f32, field

ANNEALS = ("cos", "linear")


def check_onecycle_levels(
    owner: str, peak: ArrayLike, div: ArrayLike, final_div: ArrayLike
) -> None:
    """The start ``peak / div`` and the floor ``start / final_div`` are finite in float32."""
    if check.concrete((peak, div, final_div)):
        start = np.max(np.asarray(peak, np.float64) / np.asarray(div, np.float64))
        check.representable(owner, "the start peak_value / div_factor", float(start))
        floor = start / np.min(np.asarray(final_div, np.float64))
        check.representable(
            owner, "the floor peak_value / (div_factor * final_div_factor)", float(floor)
        )


class OneCycle(Schedule):
    r"""PyTorch's one-cycle: warm up to ``peak_value``, anneal to a tiny floor (and back).

    With :math:`T` = ``total_steps``, :math:`p` = ``pct_start``, start
    :math:`I = P/\delta` and floor :math:`m = I/\phi`, the phases end at the (float)
    steps PyTorch uses:

    - two phases: :math:`e_1 = pT - 1` (:math:`I \to P`), :math:`e_2 = T - 1`
      (:math:`P \to m`);
    - three phases: :math:`e_1 = pT - 1` (:math:`I \to P`), :math:`e_2 = 2pT - 2`
      (:math:`P \to I`), :math:`e_3 = T - 1` (:math:`I \to m`).

    Within a phase from :math:`e_{i-1}` to :math:`e_i` (:math:`e_0 = 0`),
    :math:`q = (t - e_{i-1}) / (e_i - e_{i-1})` and the value anneals from :math:`a` to
    :math:`b` as :math:`b + \tfrac12 (a - b)(1 + \cos \pi q)` (``"cos"``) or
    :math:`a (1 - q) + b q` (``"linear"``). The peak is at update :math:`pT - 1` and the floor
    is reached at :math:`T - 1`, one update earlier than optax's one-cycles
    (:func:`jaxsched.cosine_onecycle`). PyTorch raises past :math:`T`; jaxsched holds the
    floor. Momentum cycling is a schedule of its own (inject it as ``b1``/``momentum``).

    Args:
      peak_value: :math:`P` (``max_lr``).
      total_steps: :math:`T`, the number of updates in the cycle.
      pct_start: :math:`p`, the fraction of the cycle spent rising.
      anneal: ``"cos"`` or ``"linear"`` (``anneal_strategy``).
      div_factor: :math:`\delta`.
      final_div_factor: :math:`\phi`.
      three_phase: use the three-phase variant.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.OneCycle(1.0, total_steps=100)
      >>> s(0), s(29), s(99)
      (Array(0.04, dtype=float32), Array(1., dtype=float32), Array(4.e-06, dtype=float32))

    References:
      Smith & Topin, *Super-Convergence*, https://arxiv.org/abs/1708.07120;
      ``torch.optim.lr_scheduler.OneCycleLR``.
    """

    peak_value: ArrayLike = field(check.level)
    total_steps: ArrayLike = field(check.steps, positive=True)
    pct_start: ArrayLike = field(check.real, default=0.3, minimum=0, exclusive=True, maximum=1)
    anneal: str = field(check.choice, static=True, default="cos", options=ANNEALS)
    div_factor: ArrayLike = field(check.real, default=25.0, minimum=0, exclusive=True)
    final_div_factor: ArrayLike = field(check.real, default=1e4, minimum=0, exclusive=True)
    three_phase: bool = field(check.flag, static=True, default=False)

    def _check(self) -> None:
        check_onecycle_levels("OneCycle", self.peak_value, self.div_factor, self.final_div_factor)
        if not check.concrete((self.total_steps, self.pct_start)):
            return
        ends = self._phase_ends_float()
        if any(b <= a for a, b in itertools.pairwise([0.0, *ends])):
            raise ValueError(
                f"OneCycle: total_steps={self.total_steps} with pct_start={self.pct_start} "
                f"gives phase ends {ends}, so a phase has no length (PyTorch divides by zero "
                f"there). Use more steps or another pct_start."
            )

    def _phase_ends_float(self) -> list[float]:
        up = float(self.pct_start) * int(self.total_steps) - 1
        last = int(self.total_steps) - 1.0
        return [up, 2 * up, last] if self.three_phase else [up, last]

    def _anneal(self, start: jax.Array, end: jax.Array, q: jax.Array) -> jax.Array:
        if self.anneal == "cos":
            return end + (start - end) * 0.5 * (1 + jnp.cos(jnp.pi * q))
        return start * (1 - q) + end * q  # exact at both ends, unlike start + (end - start) * q

    def _value(self, step: jax.Array) -> jax.Array:
        total = f32(self.total_steps)
        peak = f32(self.peak_value)
        start = peak / f32(self.div_factor)
        floor = start / f32(self.final_div_factor)
        up = f32(self.pct_start) * total - 1
        if self.three_phase:
            ends = [up, 2 * up, total - 1]
            targets = [peak, start, floor]
        else:
            ends = [up, total - 1]
            targets = [peak, floor]
        t = step.astype(jnp.float32)
        value = targets[-1]  # past the last phase: hold the floor
        begin, origin = jnp.zeros(()), start
        pieces = []
        for end, target in zip(ends, targets, strict=True):
            # At the end exactly 1: XLA's division by a reciprocal may land an ulp short.
            q = jnp.where(t >= end, 1.0, jnp.clip((t - begin) / (end - begin), 0.0, 1.0))
            pieces.append((end, self._anneal(origin, target, q)))
            begin, origin = end, target
        for end, piece in reversed(pieces):
            value = jnp.where(t <= end, piece, value)
        return value

    def _horizon(self) -> int | None:
        return int(self.total_steps) - 1
