"""Cyclical learning rates (Smith 2015): triangular, triangular2, exp_range, custom."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.core import _exact as exact
from jaxsched.core import _validate as check
from jaxsched.core._base import field
from jaxsched.core._numerics import INT32_MAX, add_steps, f32, i32, lerp
from jaxsched.core._schedule import Schedule

CYCLICAL_MODES = ("triangular", "triangular2", "exp_range")
#: The mode of a Cyclical whose amplitude a ``scale_fn`` gives, whatever mode was passed.
CUSTOM = "custom"
SCALE_MODES = ("cycle", "iterations")


def _scale_function(owner: str, name: str, value: Any) -> Callable[[jax.Array], Any]:
    if isinstance(value, Schedule) or not callable(value):
        raise check.wrong_type(owner, name, value, "must be a function or None")
    return value


def _mode(owner: str, name: str, value: Any) -> str:
    # "custom" is what a schedule with a scale_fn shows and reads back; the choice a user
    # makes is among the named modes.
    if isinstance(value, str) and value == CUSTOM:
        return CUSTOM
    return check.choice(owner, name, value, CYCLICAL_MODES)


class Cyclical(Schedule):
    r"""A triangular wave between ``init_value`` and ``peak_value``, with a shrinking amplitude.

    With :math:`C = u + d` (up and down lengths), the cycle number
    :math:`k = \lfloor t / C \rfloor + 1` and the position :math:`r = t \bmod C`, both in
    integers,

    .. math::
      v(t) = I + (M - I)\, w(t)\, g(a), \qquad
      w(t) = \begin{cases} r / u & r \le u \\ (C - r) / d & r > u \end{cases}

    where :math:`g` is the amplitude scale, evaluated at :math:`a = k` (``scale_mode=
    "cycle"``) or :math:`a = t` (``"iterations"``): :math:`1` for ``"triangular"``,
    :math:`2^{1-k}` for ``"triangular2"``, :math:`\gamma^{t}` for ``"exp_range"``, or
    ``scale_fn(a)``. The value is ``init_value`` at every multiple of :math:`C` and peaks
    at :math:`kC + u`. Same values as PyTorch's ``CyclicLR`` (which allows different up and
    down lengths) and TF Addons' ``CyclicalLearningRate`` family (``step_size`` is both).

    Args:
      init_value: :math:`I`, the low end (PyTorch ``base_lr``, TF Addons
        ``initial_learning_rate``).
      peak_value: :math:`M`, the high end (``max_lr``, ``maximal_learning_rate``).
      step_size_up: :math:`u > 0`, updates from the low end to the peak.
      step_size_down: :math:`d > 0`, updates from the peak back down; ``None`` means
        ``step_size_up``.
      mode: ``"triangular"``, ``"triangular2"`` or ``"exp_range"``. With a ``scale_fn``
        the mode is ``"custom"`` whatever was passed, so the ``repr``, the text form and
        equality say that the function decides (``"exp_range"``'s ``"iterations"``
        default is kept as the ``scale_mode``); ``"custom"`` needs a ``scale_fn``.
      gamma: :math:`0 < \gamma \le 1`, the base of ``"exp_range"``.
      scale_fn: a jittable function of the float32 cycle number or step, returning the
        amplitude scale; part of the tree structure (compared by identity).
      scale_mode: ``"cycle"`` or ``"iterations"``: what :math:`g` is a function of. The
        default is ``"iterations"`` for ``"exp_range"`` and ``"cycle"`` otherwise, as in
        PyTorch.

    Returns:
      A schedule value.

    Example:
      >>> import jaxsched
      >>> s = jaxsched.Cyclical(0.1, 1.0, step_size_up=10, mode="triangular2")
      >>> s(0), s(10), s(20), s(25), s(30)
      (Array(0.1, dtype=float32), Array(1., dtype=float32), Array(0.1, dtype=float32), Array(0.325, dtype=float32), Array(0.55, dtype=float32))
      >>> def thirds(cycle):
      ...     return (1.0 / 3.0) ** (cycle - 1.0)
      >>> jaxsched.Cyclical(0.1, 1.0, step_size_up=10, mode="triangular2", scale_fn=thirds).mode
      'custom'

    References:
      Smith, *Cyclical Learning Rates for Training Neural Networks*,
      https://arxiv.org/abs/1506.01186; ``torch.optim.lr_scheduler.CyclicLR``;
      ``tfa.optimizers.CyclicalLearningRate``.
    """

    init_value: ArrayLike = field(check.level)
    peak_value: ArrayLike = field(check.level)
    step_size_up: ArrayLike = field(check.steps, positive=True)
    step_size_down: ArrayLike | None = field(check.steps, default=None, positive=True)
    mode: str = field(_mode, static=True, default="triangular")
    gamma: ArrayLike = field(check.real, default=1.0, minimum=0, exclusive=True, maximum=1)
    scale_fn: Callable[[jax.Array], Any] | None = field(_scale_function, static=True, default=None)
    scale_mode: str | None = field(check.choice, static=True, default=None, options=SCALE_MODES)

    def _check(self) -> None:
        if self.scale_fn is not None and self.mode != CUSTOM:
            if self.scale_mode is None and self.mode == "exp_range":
                object.__setattr__(self, "scale_mode", "iterations")
            object.__setattr__(self, "mode", CUSTOM)
        if self.mode == CUSTOM and self.scale_fn is None:
            raise check.fail(
                "Cyclical",
                "mode",
                self.mode,
                "needs a scale_fn",
                "Pass scale_fn=..., or a named mode: 'triangular', 'triangular2' or 'exp_range'.",
            )
        up, down = self.step_size_up, self.step_size_down
        if (
            down is not None
            and check.concrete((up, down))
            and np.any(up + np.asarray(down) > INT32_MAX)
        ):
            raise check.fail(
                "Cyclical",
                "step_size_down",
                down,
                f"plus step_size_up={up} must be <= 2**31 - 1",
                "A cycle longer than the longest run never repeats: use a one-cycle.",
            )
        if down is None and check.concrete(up) and np.any(2 * np.asarray(up) > INT32_MAX):
            raise check.fail(
                "Cyclical",
                "step_size_up",
                up,
                "must be <= 2**30 - 1 when step_size_down is not given (the cycle is twice as long)",
            )

    def _value(self, step: jax.Array) -> jax.Array:
        up = i32(self.step_size_up)
        down = up if self.step_size_down is None else i32(self.step_size_down)
        period = add_steps(up, down)
        position = step % period
        cycles = step // period + 1
        cycle = cycles.astype(jnp.float32)
        rising = position.astype(jnp.float32) / up.astype(jnp.float32)
        falling = (period - position).astype(jnp.float32) / down.astype(jnp.float32)
        # The peak is set, not divided: XLA's division by a reciprocal may miss it by an ulp.
        wave = jnp.where(position == up, 1.0, jnp.where(position < up, rising, falling))
        scale_mode = self.scale_mode or ("iterations" if self.mode == "exp_range" else "cycle")
        argument = cycle if scale_mode == "cycle" else step.astype(jnp.float32)
        if self.scale_fn is not None:
            scale = jnp.asarray(self.scale_fn(argument)).astype(jnp.float32)
        elif self.mode == "triangular2":
            scale = 0.5 ** (argument - 1)
        elif self.mode == "exp_range":
            scale = exact.exact_power(self.gamma, cycles if scale_mode == "cycle" else step)
        else:
            scale = jnp.ones_like(argument)
        return lerp(f32(self.init_value), f32(self.peak_value), wave * scale)

    def _horizon(self) -> int | None:
        return None
