"""The learning-rate range test: a ramp (:func:`lr_find`) and constant rates side by side
(:func:`lr_sweep`), each one compiled program, and fastai's suggestion rules on the curve.

Both train a throwaway copy of the parameters: arrays are immutable and nothing is
donated, so the caller's parameters (and any model they were split from) are untouched.

Why ``lax.scan`` over stacked batches rather than a jitted step called from Python: the
whole test is one dispatch (a per-step loop is dominated by dispatch for the small models
a range test is usually run on), the loss function is traced once, and the early stop is
a ``lax.cond`` in the loop, so no update runs after divergence. The price is that the
batches live on the device together: at most ``num_steps`` distinct batches are taken and
cycled, so pass a few (``itertools.islice(loader, 10)``) when batches are large.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from jaxsched.core import _validate as check
from jaxsched.core._optional import optional_import
from jaxsched.core._schedule import Schedule
from jaxsched.optim._inject import inject
from jaxsched.schedules._exponential import ExponentialDecay
from jaxsched.schedules._polynomial import Linear

RAMPS = ("exponential", "linear")
FIND_RULES = ("valley", "steep", "minimum")
SWEEP_RULES = ("best", "largest_stable")
# fastai's trim of the recorded curve before its rules: the first tenth of the planned
# updates (the smoothing has not settled) and the last five recorded (the divergence).
_TAIL = 5
_FACTORY_FIX = (
    "Pass the factory itself, e.g. optax.adam or functools.partial(optax.adamw, weight_decay=1e-4)."
)


# --- fastai's suggestion rules: pure functions of the trimmed (lrs, smoothed losses) ---


def _valley(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, int]:
    """fastai's ``valley``: about halfway down the longest strictly decreasing run.

    ``lds[i]`` is the length of the longest strictly decreasing subsequence ending at
    ``i``; the valley is taken as if that subsequence were contiguous, ending at the first
    index with the largest ``lds``. On a curve that never falls it is the first point. As in
    fastai, when the longest fall is the first two points the index comes out as ``-1`` and
    wraps to the last point.
    """
    n = len(losses)
    lds = np.ones(n, np.int64)
    for i in range(1, n):
        earlier = losses[:i] > losses[i]
        if earlier.any():
            lds[i] = lds[:i][earlier].max() + 1
    max_end = int(np.argmax(lds))
    # fastai sets max_start only when some lds exceeds the first point's 1.
    max_start = max_end - int(lds[max_end]) if lds[max_end] > 1 else 0
    sections = (max_end - max_start) / 3
    index = max_start + int(sections) + int(sections / 2)
    return float(lrs[index]), index % n


def _steep(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, int]:
    """fastai's ``steep``: the left end of the steepest fall of the loss against log(lr)."""
    slopes = np.diff(losses) / np.diff(np.log(lrs))
    index = int(np.argmin(slopes))
    return float(lrs[index]), index


def _minimum(lrs: np.ndarray, losses: np.ndarray) -> tuple[float, int]:
    """fastai's ``minimum``: a tenth of the rate at the lowest loss (the index is the lowest)."""
    index = int(np.argmin(losses))
    return float(lrs[index]) / 10, index


_FIND_RULE_FUNCTIONS: dict[str, Callable[[np.ndarray, np.ndarray], tuple[float, int]]] = {
    "valley": _valley,
    "steep": _steep,
    "minimum": _minimum,
}


def _rule(owner: str, rule: Any, rules: tuple[str, ...]) -> str:
    if not isinstance(rule, str) or rule not in rules:
        raise check.fail(owner, "rule", rule, f"must be one of {rules!r}")
    return rule


def _bounds(owner: str, high: float, ratio: Any) -> tuple[float, float]:
    ratio = check.real(
        owner, "ratio", ratio, minimum=1, fix="Smith's rule of thumb is 3 to 4 (the default 4)."
    )
    return high / ratio, high


def _new_axes(owner: str, ax: Any) -> Any:
    if ax is not None:
        return ax
    pyplot = optional_import("matplotlib.pyplot", owner, "matplotlib", '"jaxsched[plot]"')
    _, ax = pyplot.subplots(figsize=(8, 4.5), layout="constrained")
    return ax


@dataclasses.dataclass(frozen=True, eq=False)
class LRFinderResult:
    """What :func:`lr_find` recorded, and fastai's suggestions on it.

    Attributes:
      lrs: float32, the rate of each update, up to and including the one that stopped
        the test.
      losses: float32, the raw loss of each update (before it, on its batch).
      smoothed: float32, the debiased exponential moving average of ``losses``.
      num_steps: the planned number of updates (the rules skip its first tenth).
      stopped_at: the update at which the smoothed loss diverged (the last recorded), or
        ``None`` when all ``num_steps`` ran.
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    num_steps: int
    stopped_at: int | None

    @property
    def diverged(self) -> bool:
        """Whether the test stopped early on a diverging loss."""
        return self.stopped_at is not None

    def _trimmed(self, owner: str) -> tuple[np.ndarray, np.ndarray]:
        """The rates and smoothed losses the rules see."""
        skip = self.num_steps // 10
        lrs = np.asarray(self.lrs, np.float32)[skip:-_TAIL]
        losses = np.asarray(self.smoothed, np.float32)[skip:-_TAIL]
        # fastai cuts at the first NaN; an inf would poison a slope the same way.
        bad = np.flatnonzero(~np.isfinite(losses))
        if bad.size:
            lrs, losses = lrs[: bad[0]], losses[: bad[0]]
        if lrs.size < 2:
            where = f"stopped at update {self.stopped_at}" if self.diverged else "ran"
            raise ValueError(
                f"{owner}: the recorded curve is too short for the suggestion rules: the test "
                f"{where} of {self.num_steps}, and the rules skip the first num_steps // 10 = "
                f"{skip} updates and the last {_TAIL} (fastai's trim), leaving {lrs.size} "
                f"finite point(s), at least 2 needed. Start lower (min_lr), stop later "
                f"(a larger diverge) or plan more num_steps."
            )
        return lrs, losses

    def suggest(self, rule: str = "valley") -> float:
        r"""The rate that ``rule`` suggests, computed as fastai does on the recorded curve.

        The rules see the smoothed losses from update ``num_steps // 10`` to the fifth
        from last recorded, cut at the first non-finite value:

        - ``"valley"`` (fastai's default): about halfway down the longest strictly
          decreasing run of the loss;
        - ``"steep"``: where :math:`\Delta \text{loss} / \Delta \log \text{lr}` is
          most negative (the left end of that step);
        - ``"minimum"``: a tenth of the rate at the lowest loss.

        Args:
          rule: ``"valley"``, ``"steep"`` or ``"minimum"``.

        Returns:
          The suggested learning rate, a Python float.

        Example:
          >>> import numpy as np
          >>> import jaxsched
          >>> lrs = np.geomspace(1e-4, 1.0, 40, dtype=np.float32)
          >>> loss = (1.0 / (1.0 + lrs / 1e-2) + (lrs / 0.3) ** 2).astype(np.float32)
          >>> result = jaxsched.LRFinderResult(lrs, loss, loss, num_steps=40, stopped_at=None)
          >>> 1e-3 < result.suggest("valley") < 1e-1
          True

        References:
          fastai ``Learner.lr_find`` and ``valley``/``steep``/``minimum``
          (``fastai/callback/schedule.py``).
        """
        owner = "LRFinderResult.suggest"
        rule = _rule(owner, rule, FIND_RULES)
        lrs, losses = self._trimmed(owner)
        return _FIND_RULE_FUNCTIONS[rule](lrs, losses)[0]

    @property
    def suggestions(self) -> dict[str, float]:
        """Every rule's suggestion: ``{"valley": ..., "steep": ..., "minimum": ...}``."""
        return {rule: self.suggest(rule) for rule in FIND_RULES}

    def bounds(self, rule: str = "valley", *, ratio: float = 4.0) -> tuple[float, float]:
        """``(low, high)`` for :class:`jaxsched.Cyclical` or :class:`jaxsched.OneCycle`.

        The convention: ``high`` is the suggestion of ``rule`` (fastai trains its one-cycle
        with ``lr_max`` = the valley suggestion) and ``low = high / ratio`` (Smith's rule of
        thumb: the lower bound of a cyclical rate is a third to a quarter of the upper).
        Use ``Cyclical(low, high, ...)``, or ``OneCycle(high, ...)`` whose own
        ``div_factor`` sets where it starts.

        Args:
          rule: the rule giving ``high`` (see :meth:`suggest`).
          ratio: ``high / low``, at least 1.

        Returns:
          ``(low, high)``.

        Example:
          >>> import numpy as np
          >>> import jaxsched
          >>> lrs = np.geomspace(1e-4, 1.0, 40, dtype=np.float32)
          >>> loss = (1.0 / (1.0 + lrs / 1e-2) + (lrs / 0.3) ** 2).astype(np.float32)
          >>> result = jaxsched.LRFinderResult(lrs, loss, loss, num_steps=40, stopped_at=None)
          >>> low, high = result.bounds("valley")
          >>> high == result.suggest("valley") and low == high / 4
          True
          >>> clr = jaxsched.Cyclical(low, high, step_size_up=500)

        References:
          Smith, *Cyclical Learning Rates for Training Neural Networks*, section 3.3,
          https://arxiv.org/abs/1506.01186.
        """
        owner = "LRFinderResult.bounds"
        high = self.suggest(_rule(owner, rule, FIND_RULES))
        return _bounds(owner, high, ratio)

    def plot(self, ax: Any = None, *, rules: Iterable[str] = FIND_RULES) -> Any:
        """The smoothed (and raw) loss against the rate, each rule's suggestion marked.

        A rule's dashed line is at the rate it suggests and its dot at the point of the
        curve it found (for ``"minimum"``, the lowest loss, ten times the suggestion).

        Args:
          ax: a matplotlib ``Axes``; ``None`` makes a new figure (``plot`` extra).
          rules: the rules to mark; ``()`` for none.

        Returns:
          The matplotlib ``Axes``.

        Example:
          >>> import matplotlib
          >>> matplotlib.use("Agg")
          >>> import numpy as np
          >>> import jaxsched
          >>> lrs = np.geomspace(1e-4, 1.0, 40, dtype=np.float32)
          >>> loss = (1.0 / (1.0 + lrs / 1e-2) + (lrs / 0.3) ** 2).astype(np.float32)
          >>> result = jaxsched.LRFinderResult(lrs, loss, loss, num_steps=40, stopped_at=None)
          >>> ax = result.plot()
          >>> ax.get_xscale()
          'log'
        """
        owner = "LRFinderResult.plot"
        rules = [_rule(owner, rule, FIND_RULES) for rule in rules]
        ax = _new_axes(owner, ax)
        ax.plot(self.lrs, self.losses, color="0.75", linewidth=1, label="loss")
        ax.plot(self.lrs, self.smoothed, label="smoothed loss")
        if rules:
            lrs, losses = self._trimmed(owner)
            colors = ["C1", "C2", "C3"]
            for rule in rules:
                lr, index = _FIND_RULE_FUNCTIONS[rule](lrs, losses)
                color = colors[FIND_RULES.index(rule)]
                ax.axvline(lr, color=color, linestyle="--", label=f"{rule}: {lr:.3g}")
                ax.plot(lrs[index], losses[index], "o", color=color)
        ax.set_xscale("log")
        ax.set_xlabel("learning rate")
        ax.set_ylabel("loss")
        ax.legend(loc="best", fontsize="small")
        return ax


@dataclasses.dataclass(frozen=True, eq=False)
class LRSweepResult:
    """What :func:`lr_sweep` recorded: one training curve per constant rate.

    Attributes:
      lrs: float32, shape ``(K,)``, the rates.
      losses: float32, shape ``(K, num_steps)``, the raw loss of every update of every run.
      final: float32, shape ``(K,)``, each run's mean loss over its last ``average_last``
        updates (``nan`` or ``inf`` for a run that diverged).
    """

    lrs: np.ndarray
    losses: np.ndarray
    final: np.ndarray

    def suggest(self, rule: str = "best") -> float:
        """The rate that ``rule`` picks from the final losses.

        - ``"best"``: the rate with the lowest final loss;
        - ``"largest_stable"``: the largest rate whose final loss is finite and below
          the loss at the first update (the run trained rather than diverged).

        Args:
          rule: ``"best"`` or ``"largest_stable"``.

        Returns:
          The rate, a Python float.

        Example:
          >>> import numpy as np
          >>> import jaxsched
          >>> result = jaxsched.LRSweepResult(
          ...     lrs=np.array([0.01, 0.1, 1.0], np.float32),
          ...     losses=np.array([[1.0, 0.5], [1.0, 0.1], [1.0, 0.9]], np.float32),
          ...     final=np.array([0.5, 0.1, 0.9], np.float32),
          ... )
          >>> result.suggest("best"), result.suggest("largest_stable")
          (0.10000000149011612, 1.0)
        """
        owner = "LRSweepResult.suggest"
        rule = _rule(owner, rule, SWEEP_RULES)
        lrs = np.asarray(self.lrs, np.float32)
        final = np.asarray(self.final, np.float32)
        finite = np.isfinite(final)
        if rule == "best":
            ok = finite
        else:
            ok = finite & (final < np.asarray(self.losses, np.float32)[:, 0])
        if not ok.any():
            raise ValueError(
                f"{owner}: no run qualifies for rule={rule!r}: every one of the {lrs.size} "
                f"rates diverged{'' if rule == 'best' else ' or did not lower the loss'} "
                f"(final losses {final.tolist()}). Sweep lower rates."
            )
        if rule == "best":
            return float(lrs[np.flatnonzero(ok)[np.argmin(final[ok])]])
        return float(np.max(lrs[ok]))

    @property
    def suggestions(self) -> dict[str, float]:
        """Every rule's suggestion: ``{"best": ..., "largest_stable": ...}``."""
        return {rule: self.suggest(rule) for rule in SWEEP_RULES}

    def bounds(self, rule: str = "best", *, ratio: float = 4.0) -> tuple[float, float]:
        """``(low, high)`` for :class:`jaxsched.Cyclical` / :class:`jaxsched.OneCycle`:
        ``high`` = the rate of ``rule``, ``low = high / ratio`` (as
        :meth:`LRFinderResult.bounds`).

        Args:
          rule: ``"best"`` or ``"largest_stable"``.
          ratio: ``high / low``, at least 1.

        Returns:
          ``(low, high)``.

        Example:
          >>> import numpy as np
          >>> import jaxsched
          >>> result = jaxsched.LRSweepResult(
          ...     lrs=np.array([0.01, 0.1, 1.0], np.float32),
          ...     losses=np.array([[1.0, 0.5], [1.0, 0.1], [1.0, 0.9]], np.float32),
          ...     final=np.array([0.5, 0.1, 0.9], np.float32),
          ... )
          >>> result.bounds("largest_stable", ratio=4)
          (0.25, 1.0)
        """
        owner = "LRSweepResult.bounds"
        return _bounds(owner, self.suggest(_rule(owner, rule, SWEEP_RULES)), ratio)

    def plot(self, ax: Any = None, *, rules: Iterable[str] = SWEEP_RULES) -> Any:
        """The final loss against the rate (log scale), each rule's rate marked.

        Args:
          ax: a matplotlib ``Axes``; ``None`` makes a new figure (``plot`` extra).
          rules: the rules to mark; ``()`` for none.

        Returns:
          The matplotlib ``Axes``.
        """
        owner = "LRSweepResult.plot"
        rules = [_rule(owner, rule, SWEEP_RULES) for rule in rules]
        ax = _new_axes(owner, ax)
        ax.plot(self.lrs, self.final, "o-", label="final loss")
        for color, rule in zip(("C1", "C2"), rules, strict=False):
            lr = self.suggest(rule)
            ax.axvline(lr, color=color, linestyle="--", label=f"{rule}: {lr:.3g}")
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (constant)")
        ax.set_ylabel("final loss")
        ax.legend(loc="best", fontsize="small")
        return ax


# --- argument checks shared by both forms ---


def _factory(owner: str, optimizer: Any) -> Callable[..., optax.GradientTransformation]:
    if isinstance(optimizer, optax.GradientTransformation):
        raise check.wrong_type(
            owner,
            "optimizer",
            optimizer,
            "must be an optax factory taking learning_rate, not a built optimizer",
            _FACTORY_FIX,
        )
    if not callable(optimizer):
        raise check.wrong_type(
            owner,
            "optimizer",
            optimizer,
            "must be an optax factory taking learning_rate",
            _FACTORY_FIX,
        )
    return optimizer


def _build(owner: str, optimizer: Callable[..., Any], learning_rate: Any, params: Any) -> Any:
    """``optimizer`` with ``learning_rate`` injected (float32 hyperparameters, as
    :func:`jaxsched.inject` keeps them), checked by tracing its ``init`` once."""
    try:
        tx = inject(optimizer, learning_rate=learning_rate)
        jax.eval_shape(tx.init, params)
    except (TypeError, ValueError, AttributeError) as error:
        raise TypeError(
            f"{owner}: optimizer={optimizer!r} could not be built as "
            f"optimizer(learning_rate=...) and initialized on params: {error} {_FACTORY_FIX}"
        ) from error
    return tx


def _params(owner: str, params: Any) -> Any:
    leaves = jax.tree_util.tree_leaves_with_path(params)
    if not leaves:
        raise check.fail(owner, "params", params, "has no arrays to train")
    for path, leaf in leaves:
        if not jnp.issubdtype(jnp.result_type(leaf), jnp.floating):
            raise TypeError(
                f"{owner}: params must hold floating-point arrays (the parameters trained), got "
                f"dtype {jnp.result_type(leaf)} at params{jax.tree_util.keystr(path)}. Split the "
                f"trainable parameters from the rest (nnx.split(model, nnx.Param, ...)) and close "
                f"over the rest in loss_fn."
            )
    return params


def _stack_batches(owner: str, batches: Any, num_steps: int) -> tuple[Any, int]:
    """At most ``num_steps`` batches, stacked leaf by leaf on a new leading axis."""
    if isinstance(batches, str | bytes) or not isinstance(batches, Iterable):
        raise check.wrong_type(
            owner,
            "batches",
            batches,
            "must be an iterable of batches (a list, a generator, a data loader)",
        )
    taken = list(itertools.islice(iter(batches), num_steps))
    if not taken:
        raise ValueError(
            f"{owner}: batches is empty, got batches={batches!r}; at least one batch is needed "
            f"(fewer than num_steps are cycled). A generator is used up after one pass: "
            f"make a new one for each call."
        )
    first = jax.tree.structure(taken[0])
    shapes = [(jnp.shape(x), jnp.result_type(x)) for x in jax.tree.leaves(taken[0])]
    for k, batch in enumerate(taken[1:], start=1):
        other = [(jnp.shape(x), jnp.result_type(x)) for x in jax.tree.leaves(batch)]
        if jax.tree.structure(batch) != first or other != shapes:
            raise ValueError(
                f"{owner}: every batch must have the structure, shapes and dtypes of the "
                f"first, but batch {k} has {other} where batch 0 has {shapes} (structure "
                f"{jax.tree.structure(batch)} vs {first}). A short last batch is the usual "
                f"cause: drop it (drop_last / drop_remainder=True)."
            )
    stacked = jax.tree.map(lambda *leaves: jnp.stack([jnp.asarray(x) for x in leaves]), *taken)
    return stacked, len(taken)


def _training_inputs(
    owner: str, loss_fn: Any, optimizer: Any, params: Any
) -> tuple[Callable[..., optax.GradientTransformation], Any]:
    """The checked optimizer factory and parameters of a range test."""
    if not callable(loss_fn):
        raise check.wrong_type(
            owner, "loss_fn", loss_fn, "must be a function (params, batch) -> loss"
        )
    return _factory(owner, optimizer), _params(owner, params)


def _train_step(owner: str, loss_fn: Callable[..., Any], tx: Any) -> Callable[..., Any]:
    """One update on one batch: ``(params, state, batch) -> (params, state, loss)``,
    the loss in float32."""
    loss_and_grad = _loss_and_grad(owner, loss_fn)

    def step(params: Any, state: Any, batch: Any) -> tuple[Any, Any, jax.Array]:
        loss, grads = loss_and_grad(params, batch)
        updates, state = tx.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss.astype(jnp.float32)

    return step


def _loss_and_grad(owner: str, loss_fn: Callable[..., Any]) -> Callable[..., Any]:
    def scalar_loss(params: Any, batch: Any) -> jax.Array:
        loss = loss_fn(params, batch)
        if jnp.shape(loss) != () or not jnp.issubdtype(jnp.result_type(loss), jnp.floating):
            raise TypeError(
                f"{owner}: loss_fn must return a floating-point scalar, got shape "
                f"{jnp.shape(loss)} and dtype {jnp.result_type(loss)}. Reduce it, e.g. "
                f"jnp.mean(...)."
            )
        return loss

    return jax.value_and_grad(scalar_loss)


def _batch_at(stacked: Any, step: jax.Array, count: int) -> Any:
    return jax.tree.map(lambda leaves: leaves[step % count], stacked)


def lr_find(
    loss_fn: Callable[[Any, Any], jax.Array],
    params: Any,
    optimizer: Callable[..., optax.GradientTransformation],
    batches: Iterable[Any],
    *,
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    num_steps: int = 100,
    ramp: str = "exponential",
    smoothing: float = 0.98,
    diverge: float | None = 4.0,
) -> LRFinderResult:
    r"""Leslie Smith's learning-rate range test, as fastai runs it, in one compiled loop.

    Trains a copy of ``params`` for up to ``num_steps`` updates while the rate ramps from
    ``min_lr`` towards ``max_lr``; update :math:`i` uses

    .. math::
      \eta_i = \eta_{\min} (\eta_{\max} / \eta_{\min})^{i / N} \ \text{(exponential)},
      \qquad \eta_i = \eta_{\min} + (\eta_{\max} - \eta_{\min})\, i / N \ \text{(linear)}

    so, as in fastai, ``max_lr`` itself is never used. Each raw loss :math:`\ell_i` (of
    the parameters before update :math:`i`, on its batch) is smoothed with bias
    correction,

    .. math:: v_i = \beta v_{i-1} + (1 - \beta)\, \ell_i, \quad
              s_i = v_i / (1 - \beta^{i + 1}), \quad v_{-1} = 0

    and the test stops after the first update with :math:`s_i > d \cdot \min_{j \le i}
    s_j` (or a non-finite :math:`s_i`); that update is the last one recorded. The loop is
    one ``lax.scan`` under one ``jit``: ``loss_fn`` is traced once, and the updates after
    the stop are skipped by a ``lax.cond``. The ratio test assumes a positive loss.

    Args:
      loss_fn: ``loss_fn(params, batch) -> scalar``, pure and jittable.
      params: the parameters (any pytree of float arrays, e.g. the ``nnx.Param`` state
        of ``nnx.split``). They are not modified; a copy is trained.
      optimizer: an optax factory taking ``learning_rate`` (``optax.adam``,
        ``functools.partial(optax.sgd, momentum=0.9)``), built with
        :func:`jaxsched.inject` and the ramp as its ``learning_rate`` (its numbers in
        float32 whatever the parameters' dtype).
      batches: an iterable of batches of equal shapes; the first ``num_steps`` are taken
        and stacked on the device, and fewer are cycled.
      min_lr: :math:`\eta_{\min} > 0`, the rate of update 0.
      max_lr: :math:`\eta_{\max} > \eta_{\min}`, the end of the ramp.
      num_steps: :math:`N \ge 2`, the planned number of updates.
      ramp: ``"exponential"`` (fastai; Lightning's default too) or ``"linear"``.
      smoothing: :math:`0 \le \beta < 1`, the weight of the past in the moving average
        (fastai's 0.98; 0 smooths nothing).
      diverge: :math:`d > 1`, the stop threshold (fastai's and Lightning's 4); ``None``
        runs all ``num_steps``.

    Returns:
      An :class:`LRFinderResult`: ``lrs``, ``losses``, ``smoothed``, ``stopped_at``, and
      fastai's suggestions (``.suggest("valley")``, ``.suggestions``), ``.bounds()`` for a
      cyclical or one-cycle schedule, ``.plot()``.

    Example:
      >>> import jax.numpy as jnp
      >>> import numpy as np
      >>> import optax
      >>> import jaxsched
      >>> x = np.random.default_rng(0).normal(size=(8, 32, 4)).astype(np.float32)
      >>> batches = [(xb, xb @ np.arange(4.0, dtype=np.float32)) for xb in x]
      >>> def loss_fn(w, batch):
      ...     inputs, targets = batch
      ...     return jnp.mean((inputs @ w - targets) ** 2)
      >>> result = jaxsched.lr_find(loss_fn, jnp.zeros(4), optax.sgd, batches, max_lr=10.0)
      >>> result.diverged, 1e-3 < result.suggest("valley") < 1.0
      (True, True)

    References:
      Smith, *Cyclical Learning Rates for Training Neural Networks*, section 3.3,
      https://arxiv.org/abs/1506.01186; fastai ``Learner.lr_find``
      (``fastai/callback/schedule.py``); Lightning ``Tuner.lr_find``.
    """
    owner = "lr_find"
    optimizer, params = _training_inputs(owner, loss_fn, optimizer, params)
    num_steps = check.steps(owner, "num_steps", num_steps)
    if num_steps < 2:
        raise check.fail(owner, "num_steps", num_steps, "must be at least 2", "fastai uses 100.")
    min_lr = check.real(owner, "min_lr", min_lr, minimum=0, exclusive=True)
    max_lr = check.real(owner, "max_lr", max_lr, minimum=0, exclusive=True)
    if np.ndim(min_lr) or np.ndim(max_lr):
        raise check.fail(owner, "min_lr", (min_lr, max_lr), "and max_lr must be single numbers")
    if not max_lr > min_lr:
        raise check.fail(
            owner,
            "max_lr",
            max_lr,
            f"must be larger than min_lr={min_lr}",
            "The ramp goes up, from min_lr to max_lr.",
        )
    ramp = check.choice(owner, "ramp", ramp, RAMPS)
    smoothing = check.real(owner, "smoothing", smoothing, minimum=0)
    if not smoothing < 1:
        raise check.fail(
            owner,
            "smoothing",
            smoothing,
            "must be < 1",
            "fastai's 0.98 averages over about 50 updates.",
        )
    if diverge is not None:
        diverge = check.real(
            owner, "diverge", diverge, minimum=1, exclusive=True, fix="Use None for no early stop."
        )
    stacked, count = _stack_batches(owner, batches, num_steps)

    schedule: Schedule
    if ramp == "exponential":
        # min * (max / min) ** (i / N): fastai's ramp; the cap is never reached.
        schedule = ExponentialDecay(min_lr, num_steps, max_lr / min_lr, end_value=max_lr)
    else:
        # Linear(min_lr, max_lr) interpolates from the end, as optax does, and in float32
        # 10 + (1e-7 - 10) is 0: rising from 0 and adding min_lr starts exactly at min_lr.
        schedule = Linear(0.0, max_lr - min_lr, transition_steps=num_steps) + min_lr
    tx = _build(owner, optimizer, schedule, params)
    train_step = _train_step(owner, loss_fn, tx)
    beta = jnp.float32(smoothing)
    threshold = jnp.float32(jnp.inf if diverge is None else diverge)

    def run(params: Any, stacked: Any) -> tuple[jax.Array, ...]:
        def update(carry: tuple[Any, ...], step: jax.Array) -> tuple[tuple[Any, ...], Any]:
            params, state, average, best, _ = carry
            params, state, loss = train_step(params, state, _batch_at(stacked, step, count))
            average = beta * average + (1 - beta) * loss
            smooth = average / (1 - beta ** (step + 1).astype(jnp.float32))
            best = jnp.minimum(best, smooth)
            stop = ~jnp.isfinite(smooth) | (smooth > threshold * best)
            return (params, state, average, best, stop), (loss, smooth, jnp.bool_(True))

        def skip(carry: tuple[Any, ...], step: jax.Array) -> tuple[tuple[Any, ...], Any]:
            nan = jnp.float32(jnp.nan)
            return carry, (nan, nan, jnp.bool_(False))

        def body(carry: tuple[Any, ...], step: jax.Array) -> tuple[tuple[Any, ...], Any]:
            carry, (loss, smooth, ran) = lax.cond(carry[-1], skip, update, carry, step)
            return carry, (schedule(step), loss, smooth, ran)

        start = (params, tx.init(params), jnp.float32(0), jnp.float32(jnp.inf), jnp.bool_(False))
        end, curves = lax.scan(body, start, jnp.arange(num_steps, dtype=jnp.int32))
        return end[-1], curves

    stopped, curves = jax.jit(run)(params, stacked)
    lrs, losses, smoothed, ran = (np.asarray(curve) for curve in curves)
    recorded = int(ran.sum())
    return LRFinderResult(
        lrs=lrs[:recorded],
        losses=losses[:recorded],
        smoothed=smoothed[:recorded],
        num_steps=num_steps,
        stopped_at=recorded - 1 if bool(stopped) else None,
    )


def lr_sweep(
    loss_fn: Callable[[Any, Any], jax.Array],
    params: Any,
    optimizer: Callable[..., optax.GradientTransformation],
    batches: Iterable[Any],
    lrs: Any,
    *,
    num_steps: int = 200,
    average_last: int | None = None,
) -> LRSweepResult:
    r"""Trains one copy of ``params`` per constant rate, side by side under ``vmap``, in one
    compiled program, and records every run's losses.

    Where :func:`lr_find` ramps one run through the rates (fast, but each rate is seen for
    one update, after the others), this trains :math:`K` runs of ``num_steps`` updates at
    the constant rates ``lrs``, on the same batches in the same order, and compares where
    they end:

    .. math:: \bar\ell_k = \frac{1}{m} \sum_{i = N - m}^{N - 1} \ell_{k, i}

    with :math:`m` = ``average_last``. ``loss_fn`` is traced once and the :math:`K` runs
    compile into one program; each run equals training alone at its rate (up to float
    rounding in the batched arithmetic). Memory grows with :math:`K`: :math:`K` copies of
    the parameters and optimizer state.

    Args:
      loss_fn: ``loss_fn(params, batch) -> scalar``, pure and jittable.
      params: the starting parameters, shared by every run; not modified.
      optimizer: an optax factory taking ``learning_rate``, built with
        :func:`jaxsched.inject` at each rate.
      batches: an iterable of batches of equal shapes; the first ``num_steps`` are taken
        and stacked on the device, and fewer are cycled.
      lrs: the :math:`K \ge 1` positive constant rates, e.g. ``np.geomspace(1e-4, 1, 9)``.
      num_steps: :math:`N \ge 1`, updates per run.
      average_last: :math:`1 \le m \le N`, the updates averaged into the final loss;
        ``None`` means 10, or :math:`N` if fewer.

    Returns:
      An :class:`LRSweepResult`: ``lrs``, ``losses`` of shape ``(K, N)``, ``final``, and
      ``.suggest("best")``, ``.bounds()``, ``.plot()``.

    Example:
      >>> import jax.numpy as jnp
      >>> import numpy as np
      >>> import optax
      >>> import jaxsched
      >>> x = np.random.default_rng(0).normal(size=(4, 32, 4)).astype(np.float32)
      >>> batches = [(xb, xb @ np.arange(4.0, dtype=np.float32)) for xb in x]
      >>> def loss_fn(w, batch):
      ...     inputs, targets = batch
      ...     return jnp.mean((inputs @ w - targets) ** 2)
      >>> rates = [1e-3, 1e-2, 1e-1, 1.0]
      >>> result = jaxsched.lr_sweep(loss_fn, jnp.zeros(4), optax.sgd, batches, rates, num_steps=50)
      >>> result.losses.shape, result.suggest("best")
      ((4, 50), 0.10000000149011612)

    References:
      Smith, *A disciplined approach to neural network hyper-parameters: Part 1*,
      https://arxiv.org/abs/1803.09820.
    """
    owner = "lr_sweep"
    optimizer, params = _training_inputs(owner, loss_fn, optimizer, params)
    if isinstance(lrs, str) or np.ndim(lrs) != 1 or np.size(lrs) == 0:
        raise check.fail(
            owner, "lrs", lrs, "must be a 1-D sequence of rates", "e.g. np.geomspace(1e-4, 1.0, 9)."
        )
    rates = np.asarray(check.real(owner, "lrs", lrs, minimum=0, exclusive=True), np.float32)
    num_steps = check.steps(owner, "num_steps", num_steps, positive=True)
    if average_last is None:
        average_last = min(10, num_steps)
    average_last = check.steps(owner, "average_last", average_last, positive=True)
    if average_last > num_steps:
        raise check.fail(
            owner, "average_last", average_last, f"must be at most num_steps={num_steps}"
        )
    stacked, count = _stack_batches(owner, batches, num_steps)
    _build(owner, optimizer, float(rates[0]), params)

    def train(rate: jax.Array, params: Any, stacked: Any) -> jax.Array:
        tx = inject(optimizer, learning_rate=rate)
        train_step = _train_step(owner, loss_fn, tx)

        def update(carry: tuple[Any, Any], step: jax.Array) -> tuple[tuple[Any, Any], Any]:
            params, state, loss = train_step(*carry, _batch_at(stacked, step, count))
            return (params, state), loss

        start = (params, tx.init(params))
        _, losses = lax.scan(update, start, jnp.arange(num_steps, dtype=jnp.int32))
        return losses

    sweep = jax.jit(jax.vmap(train, in_axes=(0, None, None)))
    losses = np.asarray(sweep(jnp.asarray(rates), params, stacked))
    return LRSweepResult(
        lrs=rates, losses=losses, final=losses[:, -average_last:].mean(axis=1, dtype=np.float32)
    )
