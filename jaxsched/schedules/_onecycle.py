"""PyTorch's one-cycle policy (``OneCycleLR``)."""

from __future__ import annotations

import itertools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _doublefloat as df
from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._exact import host_constant
from jaxsched.core._numerics import f32
from jaxsched.core._schedule import Schedule

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


def check_phases(
    owner: str, total_steps: ArrayLike, pct_start: ArrayLike, three_phase: bool
) -> None:
    """Every phase has a length (PyTorch divides by zero where one has none): the ends are
    PyTorch's float steps ``pT - 1`` (and ``2pT - 2``), then ``T - 1``."""
    if not check.concrete((total_steps, pct_start)):
        return
    up, last = float(pct_start) * int(total_steps) - 1, int(total_steps) - 1.0
    ends = [up, 2 * up, last] if three_phase else [up, last]
    if any(b <= a for a, b in itertools.pairwise([0.0, *ends])):
        raise ValueError(
            f"{owner}: total_steps={total_steps} with pct_start={pct_start} gives phase ends "
            f"{ends}, so a phase has no length (PyTorch divides by zero there). Use more "
            f"steps or another pct_start."
        )


def _phase_ends(pct: Any, total: Any, three_phase: bool) -> list[Any]:
    """PyTorch's phase ends, fractional steps (NumPy float64 or JAX float32)."""
    up = pct * total - 1
    return [up, 2 * up, total - 1] if three_phase else [up, total - 1]


def anneal_phases(
    cycle: OneCycle | OneCycleMomentum, step: jax.Array, origin: jax.Array, targets: list
) -> jax.Array:
    """From ``origin`` through ``targets``, one per phase, then hold the last.

    The phase ends are fractional steps: in float64 on the host where ``pct_start`` and
    ``total_steps`` are concrete, and the gaps ``t - begin`` and ``end - t`` in
    double-float from the integer ``t``, so that each anneal keeps its relative precision
    at both ends however long the run (``t`` itself is no float32 past ``2**24``).
    """
    ends = host_constant(
        lambda pct, total: np.stack(_phase_ends(pct, total, cycle.three_phase)),
        cycle.pct_start,
        cycle.total_steps,
    )
    if ends is None:
        total = f32(cycle.total_steps)
        ends_f32 = jnp.stack(_phase_ends(f32(cycle.pct_start), total, cycle.three_phase))
        ends = (ends_f32, jnp.zeros_like(ends_f32))
    t = df.from_int(step)
    minus_t = (-t[0], -t[1])
    value = targets[-1]  # past the last phase: hold it
    begin: df.DoubleFloat = (jnp.zeros(()), jnp.zeros(()))
    pieces = []
    for i, target in enumerate(targets):
        end = (ends[0][i], ends[1][i])
        width = df.add(end, (-begin[0], -begin[1]))
        to_go = df.add(end, minus_t)
        done = df.add(begin, minus_t)
        left = jnp.clip((to_go[0] + to_go[1]) / (width[0] + width[1]), 0.0, 1.0)
        q = jnp.clip(-(done[0] + done[1]) / (width[0] + width[1]), 0.0, 1.0)
        # Both ends set, not divided: XLA may divide by a reciprocal and land an ulp off.
        q, left = jnp.where(left <= 0, 1.0, q), jnp.where(q <= 0, 1.0, left)
        pieces.append((to_go[0] + to_go[1] >= 0, _anneal(cycle.anneal, origin, target, q, left)))
        begin, origin = end, target
    for within, piece in reversed(pieces):
        value = jnp.where(within, piece, value)
    return value


def _anneal(
    anneal: str, start: jax.Array, end: jax.Array, done: jax.Array, left: jax.Array
) -> jax.Array:
    """From ``start`` to ``end``, ``done`` and ``left`` the fractions done and to go."""
    if anneal == "cos":  # (1 +- cos(pi done)) / 2 as sin**2: no cancellation at either end
        left, done = jnp.sin(0.5 * jnp.pi * left) ** 2, jnp.sin(0.5 * jnp.pi * done) ** 2
    # Exact at both ends, and a hold (OneCycleMomentum's last phase) holds exactly.
    return jnp.where(start == end, start, start * left + end * done)


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
        check_phases("OneCycle", self.total_steps, self.pct_start, self.three_phase)

    def _value(self, step: jax.Array) -> jax.Array:
        peak = f32(self.peak_value)
        start = peak / f32(self.div_factor)
        floor = start / f32(self.final_div_factor)
        targets = [peak, start, floor] if self.three_phase else [peak, floor]
        return anneal_phases(self, step, start, targets)

    def _horizon(self) -> int | None:
        return int(self.total_steps) - 1


class OneCycleMomentum(Schedule):
    r"""The momentum of PyTorch's one-cycle: down while the rate rises, and back up.

    On the phases of :class:`OneCycle` (same ``total_steps``, ``pct_start``, ``anneal``,
    ``three_phase``), the value anneals from :math:`M` = ``max_value`` to :math:`B` =
    ``base_value`` in the first phase and back to :math:`M` in the second, where it stays
    (through the third phase, if any). For ``SGD`` it is the momentum, for ``Adam`` the
    ``b1``; give it to :func:`jaxsched.inject` beside the learning rate.

    Args:
      base_value: :math:`B`, the low point, at the rate's peak (``base_momentum``).
      max_value: :math:`M`, the start and the end (``max_momentum``).
      total_steps: :math:`T`, as in :class:`OneCycle`.
      pct_start: :math:`p`, as in :class:`OneCycle`.
      anneal: ``"cos"`` or ``"linear"``.
      three_phase: use the three-phase variant.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> b1 = jaxsched.OneCycleMomentum(0.85, 0.95, total_steps=100)
      >>> b1(0), b1(29), b1(99)
      (Array(0.95, dtype=float32), Array(0.85, dtype=float32), Array(0.95, dtype=float32))

    References:
      Smith, *A disciplined approach to neural network hyper-parameters*,
      https://arxiv.org/abs/1803.09820; ``torch.optim.lr_scheduler.OneCycleLR``.
    """

    base_value: ArrayLike = field(check.level)
    max_value: ArrayLike = field(check.level)
    total_steps: ArrayLike = field(check.steps, positive=True)
    pct_start: ArrayLike = field(check.real, default=0.3, minimum=0, exclusive=True, maximum=1)
    anneal: str = field(check.choice, static=True, default="cos", options=ANNEALS)
    three_phase: bool = field(check.flag, static=True, default=False)

    def _check(self) -> None:
        check_phases("OneCycleMomentum", self.total_steps, self.pct_start, self.three_phase)

    def _value(self, step: jax.Array) -> jax.Array:
        low, high = f32(self.base_value), f32(self.max_value)
        targets = [low, high, high] if self.three_phase else [low, high]
        return anneal_phases(self, step, high, targets)

    def _horizon(self) -> int | None:
        return int(self.total_steps) - 1
