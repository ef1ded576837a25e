"""Reduce-on-plateau composed with any schedule: a factor in the optimizer state.

The learning rate in use is ``schedule(count) * factor``. The factor starts at 1 and is
cut when a metric reported with :func:`jaxsched.report_metric` stops improving, by PyTorch's
``ReduceLROnPlateau`` rules (or Keras', on request). It lives in the state of
:func:`jaxsched.inject` in float32, next to the injected hyperparameters, so it is saved
and restored with the optimizer state, and the read-out functions include it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from jaxsched.core import _validate as check

MODES = ("min", "max")
THRESHOLD_MODES = ("rel", "abs")
CONVENTIONS = ("torch", "keras")


@dataclasses.dataclass(frozen=True)
class ReduceOnPlateau:
    r"""Cut the learning rate when a reported metric stops improving (PyTorch's rules).

    Pass it to :func:`jaxsched.inject` as ``plateau=``; report the metric with
    :func:`jaxsched.report_metric` at your own cadence (each epoch's validation loss, say). The
    rate in use is :math:`s(t) \cdot F`, with the factor :math:`F` held in the optimizer
    state in float32.

    Each report of a metric :math:`m` (PyTorch ``ReduceLROnPlateau.step``):

    1. better: :math:`m < b (1 - \theta)` (``mode="min"``, ``threshold_mode="rel"``),
       :math:`m < b - \theta` (``"abs"``), or :math:`m > b (1 + \theta)`, :math:`m > b +
       \theta` for ``mode="max"``; then :math:`b = m` and the bad count is 0, else it
       grows by one. :math:`b` starts at :math:`\pm\infty`.
    2. In cooldown, the cooldown counter drops by one and the bad count is 0.
    3. More than ``patience`` bad reports in a row: with the rate :math:`r = s(t) F` at
       the current update, :math:`r' = \max(r \cdot \text{factor}, \text{min\_lr})`; if
       :math:`r - r' > \epsilon` the factor becomes :math:`r' / s(t)` (that is
       :math:`F \cdot \text{factor}` unless ``min_lr`` stops it). The cooldown starts
       and the bad count is 0.

    ``ReduceOnPlateau.keras(...)`` follows Keras' callback instead: an absolute
    ``min_delta``, a cut on the ``patience``-th bad report (not the one after), the
    cooldown counted down before the test, and no cut once the rate is at ``min_lr``.

    Args:
      mode: ``"min"`` (a loss) or ``"max"`` (an accuracy).
      factor: the cut, in ``(0, 1)``.
      patience: bad reports tolerated before a cut (PyTorch: cut on the next one).
      threshold: how much better counts as better.
      threshold_mode: ``"rel"`` (a fraction of the best) or ``"abs"``.
      cooldown: reports after a cut during which bad reports are not counted.
      min_lr: the rate a cut never goes below (checked when cutting, as PyTorch does).
      eps: a cut smaller than this is skipped.
      start_step: reports made before this update are ignored, so that no cut happens
        during a warmup; the factor stays 1 until then.
      hyperparam: the injected hyperparameter the factor scales.

    Returns:
      A rule to pass to :func:`jaxsched.inject`.

    Example:
      >>> import jax.numpy as jnp, jaxsched, optax
      >>> rule = jaxsched.ReduceOnPlateau(factor=0.5, patience=1)
      >>> tx = jaxsched.inject(optax.sgd, learning_rate=0.1, plateau=rule)
      >>> params = {"w": jnp.ones(2)}
      >>> state = tx.init(params)
      >>> for loss in [1.0, 1.0, 1.0]:  # no improvement after the first
      ...     state = jaxsched.report_metric(state, loss)
      >>> jaxsched.lr_next(state)
      Array(0.05, dtype=float32)

    References:
      PyTorch ``torch.optim.lr_scheduler.ReduceLROnPlateau``; Keras
      ``keras.callbacks.ReduceLROnPlateau``.
    """

    mode: str = "min"
    factor: float = 0.1
    patience: int = 10
    threshold: float = 1e-4
    threshold_mode: str = "rel"
    cooldown: int = 0
    min_lr: float = 0.0
    eps: float = 1e-8
    start_step: int = 0
    hyperparam: str = "learning_rate"
    convention: str = "torch"

    def __post_init__(self) -> None:
        owner = "ReduceOnPlateau"
        check.choice(owner, "mode", self.mode, MODES)
        check.choice(owner, "threshold_mode", self.threshold_mode, THRESHOLD_MODES)
        check.choice(owner, "convention", self.convention, CONVENTIONS)
        for name in ("patience", "cooldown", "start_step"):
            object.__setattr__(self, name, check.steps(owner, name, getattr(self, name)))
        factor = check.real(owner, "factor", self.factor, minimum=0, exclusive=True, maximum=1)
        if factor == 1:
            raise check.fail(
                owner, "factor", factor, "must be below 1", "A cut of 1 changes nothing."
            )
        object.__setattr__(self, "factor", factor)
        for name in ("threshold", "min_lr", "eps"):
            object.__setattr__(self, name, check.real(owner, name, getattr(self, name), minimum=0))
        if not isinstance(self.hyperparam, str):
            raise check.wrong_type(owner, "hyperparam", self.hyperparam, "must be a name")

    @classmethod
    def keras(
        cls,
        factor: float = 0.1,
        patience: int = 10,
        mode: str = "min",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        *,
        start_step: int = 0,
        hyperparam: str = "learning_rate",
    ) -> ReduceOnPlateau:
        """Keras' ``ReduceLROnPlateau`` callback, with its argument names and rules.

        Args:
          factor, patience, mode, min_delta, cooldown, min_lr: as in Keras (``mode``
            ``"min"`` or ``"max"``; Keras' ``"auto"`` guesses from the metric's name).
          start_step, hyperparam: as in :class:`ReduceOnPlateau`.

        Returns:
          A :class:`ReduceOnPlateau` with ``convention="keras"``.
        """
        return cls(
            mode=mode,
            factor=factor,
            patience=patience,
            threshold=min_delta,
            threshold_mode="abs",
            cooldown=cooldown,
            min_lr=min_lr,
            eps=0.0,
            start_step=start_step,
            hyperparam=hyperparam,
            convention="keras",
        )

    def init(self) -> PlateauState:
        """The state before any report: factor 1, best :math:`\\pm\\infty`."""
        f32, i32 = jnp.float32, jnp.int32
        worst = np.inf if self.mode == "min" else -np.inf
        return PlateauState(
            factor=jnp.ones((), f32),
            factor_applied=jnp.ones((), f32),
            best=jnp.asarray(worst, f32),
            bad=jnp.zeros((), i32),
            cooldown=jnp.zeros((), i32),
            reports=jnp.zeros((), i32),
            rule=self,
        )


# Not frozen, like ScheduledState: it is rebuilt on every jitted step.
@dataclasses.dataclass
class PlateauState:
    """What reduce-on-plateau keeps in the optimizer state (all scalars).

    Attributes:
      factor: the factor the next update uses (float32).
      factor_applied: the factor the last update used.
      best: the best metric reported so far.
      bad: reports in a row that were not better.
      cooldown: reports left in the cooldown.
      reports: reports counted (those before ``start_step`` are not).
      rule: the :class:`ReduceOnPlateau` (static).
    """

    factor: jax.Array
    factor_applied: jax.Array
    best: jax.Array
    bad: jax.Array
    cooldown: jax.Array
    reports: jax.Array
    rule: ReduceOnPlateau = dataclasses.field(repr=False)


jax.tree_util.register_dataclass(
    PlateauState,
    data_fields=["factor", "factor_applied", "best", "bad", "cooldown", "reports"],
    meta_fields=["rule"],
)


def _better(rule: ReduceOnPlateau, metric: jax.Array, best: jax.Array) -> jax.Array:
    theta = jnp.float32(rule.threshold)
    if rule.mode == "min":
        bar = best * (1 - theta) if rule.threshold_mode == "rel" else best - theta
        return metric < bar
    bar = best * (1 + theta) if rule.threshold_mode == "rel" else best + theta
    return metric > bar


def _cut(rule: ReduceOnPlateau, p: PlateauState, base: jax.Array) -> tuple[jax.Array, jax.Array]:
    """The factor after a cut at a base rate ``base``, and whether the rate changes."""
    rate = base * p.factor
    cut = rate * jnp.float32(rule.factor)
    floored = cut < jnp.float32(rule.min_lr)
    new_rate = jnp.where(floored, jnp.float32(rule.min_lr), cut)
    # Unless min_lr stops it, the factor is multiplied: exact, whatever the base.
    factor = jnp.where(floored & (base > 0), new_rate / base, p.factor * jnp.float32(rule.factor))
    if rule.convention == "keras":
        changes = rate > jnp.float32(rule.min_lr)
    else:
        changes = rate - new_rate > jnp.float32(rule.eps)
    return factor, changes


def step(p: PlateauState, metric: Any, base: jax.Array, count: jax.Array) -> PlateauState:
    """``p`` after one report of ``metric``, with ``base`` the schedule's value at update
    ``count`` (the rate before the factor)."""
    rule = p.rule
    m = jnp.asarray(metric, jnp.float32)
    base = jnp.asarray(base, jnp.float32)
    better = _better(rule, m, p.best)
    if rule.convention == "torch":
        bad = jnp.where(better, 0, p.bad + 1)
        in_cooldown = p.cooldown > 0
        cooldown = jnp.where(in_cooldown, p.cooldown - 1, p.cooldown)
        bad = jnp.where(in_cooldown, 0, bad)
        cut = bad > rule.patience
        factor, changes = _cut(rule, p, base)
        factor = jnp.where(cut & changes, factor, p.factor)
        reset = cut
    else:
        better = better | (p.reports == 0)  # Keras' first report is always an improvement
        in_cooldown = p.cooldown > 0
        cooldown = jnp.where(in_cooldown, p.cooldown - 1, p.cooldown)
        bad = jnp.where(in_cooldown, 0, p.bad)
        still = cooldown > 0
        bad = jnp.where(better, 0, jnp.where(still, bad, bad + 1))
        cut = ~better & ~still & (bad >= rule.patience)
        factor, changes = _cut(rule, p, base)
        reset = cut & changes
        factor = jnp.where(reset, factor, p.factor)
    counted = count >= rule.start_step
    new = PlateauState(
        factor=factor,
        factor_applied=p.factor_applied,
        best=jnp.where(better, m, p.best),
        bad=jnp.where(reset, 0, bad).astype(jnp.int32),
        cooldown=jnp.where(reset, rule.cooldown, cooldown).astype(jnp.int32),
        reports=p.reports + 1,
        rule=rule,
    )
    return jax.tree.map(lambda n, o: jnp.where(counted, n, o), new, p)
