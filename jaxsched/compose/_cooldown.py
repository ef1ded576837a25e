"""Branching off a running schedule: cooldown, rewarmup, and warmup-stable-decay."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
from jax.typing import ArrayLike

from jaxsched.compose._warmup import Warmup
from jaxsched.core import _validate as check
from jaxsched.core._base import field, records_call
from jaxsched.core._numerics import INT32_MAX, f32, i32, lerp
from jaxsched.core._schedule import Constant, Schedule
from jaxsched.core._shapes import SHAPES, fall, rise
from jaxsched.schedules._cosine import check_one_floor, floor_value


class Cooldown(Schedule):
    r"""Follow ``schedule`` up to ``start_step``, then decay from where it was to ``end_value``.

    With :math:`S` = ``start_step``, :math:`C` = ``cooldown_steps``, :math:`x =
    \mathrm{clip}(t - S, 0, C) / C` (integers) and :math:`h` the shape,

    .. math::
      v(t) = \begin{cases} s(t) & t < S \\ E + (s(S) - E)\, h(x) & t \ge S \end{cases}

    with :math:`h(x) = 1 - x` (``"linear"``), :math:`\tfrac12 (1 + \cos \pi x)`
    (``"cosine"``) or :math:`1 - \sqrt{x}` (``"1-sqrt"``, Hägele et al.). Update
    :math:`S` still uses :math:`s(S)`; :math:`E` is reached at :math:`S + C` and held.
    This is the cooldown of warmup-stable-decay training: branch one off any checkpoint
    of a long run, without knowing the horizon in advance.

    Args:
      schedule: the schedule to branch from (any, e.g. a constant or an rsqrt decay).
      start_step: :math:`S \ge 0`, the absolute update at which the cooldown starts.
      cooldown_steps: :math:`C > 0`.
      end_value: :math:`E`, where the cooldown ends.
      shape: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.

    Returns:
      A schedule value.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.Cooldown(jaxsched.Constant(1.0), start_step=100, cooldown_steps=4)
      >>> s(jnp.array([99, 100, 101, 102, 103, 104, 10**6]))
      Array([1.  , 1.  , 0.75, 0.5 , 0.25, 0.  , 0.  ], dtype=float32)

    References:
      Hägele et al., *Scaling Laws and Compute-Optimal Training Beyond Fixed Training
      Durations*, https://arxiv.org/abs/2405.18392; Hu et al., *MiniCPM*,
      https://arxiv.org/abs/2404.06395.
    """

    schedule: Schedule = field(check.schedule)
    start_step: ArrayLike = field(check.steps)
    cooldown_steps: ArrayLike = field(check.steps, positive=True)
    end_value: ArrayLike = field(check.level, default=0.0)
    shape: str = field(check.choice, static=True, default="linear", options=SHAPES)

    def _value(self, step: jax.Array) -> jax.Array:
        start = i32(self.start_step)
        left = fall(self.shape, step, start, self.cooldown_steps)
        cooled = lerp(f32(self.end_value), self.schedule(start), left)
        return jnp.where(step < start, self.schedule(step), cooled)

    def _horizon(self) -> int | None:
        return int(self.start_step) + int(self.cooldown_steps)


class Rewarmup(Schedule):
    r"""Follow ``before`` up to ``start_step``, warm up again from there, then run ``after``.

    With :math:`S` = ``start_step``, :math:`W` = ``warmup_steps``, :math:`u = t - S` and
    :math:`g` the warmup shape (see :class:`Warmup`),

    .. math::
      v(t) = \begin{cases}
        b(t) & t < S \\
        b(S) + (a(0) - b(S))\, g(u / W) & 0 \le u < W \\
        a(u - W) & u \ge W
      \end{cases}

    The new warmup starts from the value the run had reached, as Levanter's ``rewarmup``
    and open_lm's re-warmed cosine do, so the learning rate never jumps. ``after`` sees
    its own clock, starting at the end of the rewarmup.

    Args:
      before: the schedule run so far.
      after: the schedule to run after the rewarmup (e.g. a new cosine cycle).
      start_step: :math:`S \ge 0`, the absolute update at which the rewarmup starts.
      warmup_steps: :math:`W \ge 0`.
      shape: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.

    Returns:
      A schedule value.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> first = jaxsched.Linear(1.0, 0.2, transition_steps=10)
      >>> s = jaxsched.Rewarmup(first, jaxsched.Constant(1.0), start_step=10, warmup_steps=4)
      >>> s(jnp.array([9, 10, 11, 12, 13, 14]))
      Array([0.28, 0.2 , 0.4 , 0.6 , 0.8 , 1.  ], dtype=float32)

    References:
      Levanter ``OptimizerConfig.rewarmup``; Ibrahim et al., *Simple and Scalable
      Strategies to Continually Pre-train Large Language Models*,
      https://arxiv.org/abs/2403.08763.
    """

    before: Schedule = field(check.schedule)
    after: Schedule = field(check.schedule)
    start_step: ArrayLike = field(check.steps)
    warmup_steps: ArrayLike = field(check.steps)
    shape: str = field(check.choice, static=True, default="linear", options=SHAPES)

    def _value(self, step: jax.Array) -> jax.Array:
        start, length = i32(self.start_step), i32(self.warmup_steps)
        local = step - start
        level = self.before(start)
        frac = rise(self.shape, local, jnp.maximum(length, 1))
        warming = lerp(level, self.after(0), frac)
        value = jnp.where(local < length, warming, self.after(local - length))
        return jnp.where(step < start, self.before(step), value)

    def _horizon(self) -> int | None:
        after = self.after.horizon
        return None if after is None else int(self.start_step) + int(self.warmup_steps) + after


@records_call
@check.factory(
    {
        "Constant": {"value": "peak_value"},
        "Warmup": {"shape": "warmup_shape"},
        "Cooldown": {"cooldown_steps": "decay_steps", "shape": "decay_shape"},
    }
)
def warmup_stable_decay(
    peak_value: ArrayLike,
    warmup_steps: ArrayLike,
    stable_steps: ArrayLike,
    decay_steps: ArrayLike,
    *,
    init_value: ArrayLike = 0.0,
    end_value: ArrayLike | None = None,
    min_ratio: ArrayLike | None = None,
    warmup_shape: str = "linear",
    decay_shape: str = "1-sqrt",
) -> Cooldown:
    r"""Warmup-stable-decay (WSD, "trapezoid"): ramp up, hold the peak, cool down.

    With :math:`W, S, D` the three lengths, :math:`P` the peak, :math:`I` the start and
    :math:`E` the floor:

    .. math::
      v(t) = \begin{cases}
        I + (P - I)\, g(t / W) & t < W \\
        P & W \le t < W + S \\
        E + (P - E)\, h((t - W - S) / D) & W + S \le t < W + S + D \\
        E & t \ge W + S + D
      \end{cases}

    :math:`g` and :math:`h` are the shapes of :class:`Warmup` and :class:`Cooldown`. The
    decay's first update runs at the peak and the floor is reached at :math:`W + S + D`,
    as in Hugging Face's ``get_wsd_schedule`` and timm's ``WSDLRScheduler``. Hugging Face's
    ``min_lr_ratio=m`` is ``init_value=m * peak_value, min_ratio=m`` (its warmup starts at
    the floor); timm's is ``init_value=warmup_lr_init, end_value=lr_min`` with
    ``stable_steps = t_initial - decay_t``. MaxText reaches its floor one update earlier
    (``decay_steps - 1`` here).

    Args:
      peak_value: :math:`P`.
      warmup_steps: :math:`W \ge 0`.
      stable_steps: :math:`S \ge 0`.
      decay_steps: :math:`D > 0`.
      init_value: :math:`I`, where the warmup starts.
      end_value: :math:`E` as a value; mutually exclusive with ``min_ratio``. Neither
        given means 0.
      min_ratio: :math:`E` as a fraction of the peak.
      warmup_shape: ``"linear"``, ``"cosine"`` or ``"1-sqrt"``.
      decay_shape: ``"1-sqrt"`` (the default, which Hägele et al. found best),
        ``"linear"`` or ``"cosine"``.

    Returns:
      ``Cooldown(Warmup(Constant(peak_value), warmup_steps, init_value, shape=warmup_shape),
      warmup_steps + stable_steps, decay_steps, E, decay_shape)``.

    Example:
      >>> import jax.numpy as jnp, jaxsched
      >>> s = jaxsched.warmup_stable_decay(1.0, 2, 3, 4, decay_shape="linear")
      >>> s(jnp.arange(10))
      Array([0.  , 0.5 , 1.  , 1.  , 1.  , 1.  , 0.75, 0.5 , 0.25, 0.  ], dtype=float32)

    References:
      Hägele et al., https://arxiv.org/abs/2405.18392; Hu et al., *MiniCPM*,
      https://arxiv.org/abs/2404.06395; ``transformers.get_wsd_schedule``;
      ``timm.scheduler.WSDLRScheduler``.
    """
    owner = "warmup_stable_decay"
    check_one_floor(owner, min_ratio, end_value, fraction_name="min_ratio")
    warmup_steps = check.steps(owner, "warmup_steps", warmup_steps)
    stable_steps = check.steps(owner, "stable_steps", stable_steps)
    check.choice(owner, "warmup_shape", warmup_shape, SHAPES)
    check.choice(owner, "decay_shape", decay_shape, SHAPES)
    if min_ratio is not None:
        min_ratio = check.real(owner, "min_ratio", min_ratio, minimum=0)
    warmup = Warmup(Constant(peak_value), warmup_steps, init_value, shape=warmup_shape)
    if check.concrete((warmup_steps, stable_steps)):
        start = warmup_steps + stable_steps
        if np.any(np.asarray(start) > INT32_MAX):
            raise check.fail(
                owner,
                "stable_steps",
                stable_steps,
                f"plus warmup_steps={warmup_steps} must be <= 2**31 - 1",
            )
    else:
        start = jnp.asarray(warmup_steps, jnp.int32) + jnp.asarray(stable_steps, jnp.int32)
    floor = floor_value(peak_value, min_ratio, end_value)
    return Cooldown(warmup, start, decay_steps, floor, decay_shape)
