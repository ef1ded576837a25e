"""The LR range test (``lr_find``) and its parallel form (``lr_sweep``).

The known truth is plain SGD on a quadratic ``0.5 (w - w*)^T A (w - w*)``: with the
eigenvalues of ``A`` in ``[mu, L]``, a constant rate converges iff it is below ``2/L``,
``1/L`` removes the stiffest direction in one update, and the fastest contraction is at
``2/(L + mu)``, between the two. The suggestion rules are checked against fastai's,
written out again below from the reference text.
"""

from __future__ import annotations

import functools
import itertools

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import optax
import pytest

import jaxsched as js

matplotlib.use("Agg")

L = 10.0  # the largest eigenvalue: 1/L = 0.1 is the known good rate, 2/L = 0.2 the edge


def quadratic(seed: int, *, noise: float, kappa: float = 2.0, dim: int = 8, count: int = 100):
    """A loss with eigenvalues in [L / kappa, L] and batches that are noisy targets."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    a = ((q * np.geomspace(L / kappa, L, dim)) @ q.T).astype(np.float32)
    target = rng.normal(size=dim).astype(np.float32)
    batches = [target + noise * rng.normal(size=dim).astype(np.float32) for _ in range(count)]

    def loss_fn(w: jax.Array, batch: jax.Array) -> jax.Array:
        error = w - batch
        return 0.5 * error @ (a @ error)

    return loss_fn, jnp.zeros(dim, jnp.float32), batches


# --- fastai's rules, written again from the reference (fastai/callback/schedule.py) ---


def fastai_trim(lrs, losses, num_it):
    lrs, losses = np.asarray(lrs)[num_it // 10 : -5], np.asarray(losses)[num_it // 10 : -5]
    nan = np.flatnonzero(np.isnan(losses))
    if nan.size:
        lrs, losses = lrs[: nan[0]], losses[: nan[0]]
    return lrs, losses


def fastai_valley(lrs, losses):
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(0, i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    return float(lrs[max_start + int(sections) + int(sections / 2)])


def fastai_steep(lrs, losses):
    # fastai divides float32 tensors: Δloss / Δ(natural log lr), then takes the first argmin.
    lrs, losses = np.float32(lrs), np.float32(losses)
    grads = (losses[1:] - losses[:-1]) / (np.log(lrs[1:]) - np.log(lrs[:-1]))
    return float(lrs[int(np.argmin(grads))])


def fastai_minimum(lrs, losses):
    return float(lrs[int(np.argmin(losses))]) / 10


FASTAI = {"valley": fastai_valley, "steep": fastai_steep, "minimum": fastai_minimum}


def debiased_ema(losses, beta):
    average, out = 0.0, []
    for i, loss in enumerate(np.float64(losses)):
        average = beta * average + (1 - beta) * loss
        out.append(average / (1 - beta ** (i + 1)))
    return np.array(out)


# --- the ramp, the smoothing and the stop ---


@pytest.mark.parametrize(
    ("ramp", "expected"),
    [
        # fastai: min * (max / min) ** (i / N); max itself is never used.
        ("exponential", lambda i, lo, hi, n: lo * (hi / lo) ** (i / n)),
        ("linear", lambda i, lo, hi, n: lo + (hi - lo) * i / n),
    ],
)
def test_ramp_smoothing_and_stop_follow_fastai(ramp, expected) -> None:
    loss_fn, w, batches = quadratic(0, noise=0.05)
    lo, hi, n = 1e-4, 10.0, 60
    result = js.lr_find(
        loss_fn, w, optax.sgd, batches, min_lr=lo, max_lr=hi, num_steps=n, ramp=ramp
    )
    steps = np.arange(len(result.lrs))
    np.testing.assert_allclose(result.lrs, expected(steps, lo, hi, n), rtol=1e-5)
    np.testing.assert_allclose(result.smoothed, debiased_ema(result.losses, 0.98), rtol=1e-5)
    # Rates up to 10 = 100/L diverge: the curve ends at the first update whose smoothed
    # loss exceeds 4 times the best so far, and that update is recorded.
    best = np.minimum.accumulate(result.smoothed)
    over = np.flatnonzero(result.smoothed > 4 * best)
    assert result.diverged and over.tolist() == [result.stopped_at]
    assert result.stopped_at == len(result.lrs) - 1 < n - 1


def test_without_early_stop_every_update_runs_until_the_loss_is_not_finite() -> None:
    loss_fn, w, batches = quadratic(1, noise=0.0)
    calm = js.lr_find(loss_fn, w, optax.sgd, batches, max_lr=0.1, num_steps=30, diverge=None)
    assert calm.stopped_at is None and not calm.diverged and len(calm.lrs) == 30
    # Past 2/L the loss grows until it overflows: a non-finite loss always stops the test.
    wild = js.lr_find(loss_fn, w, optax.sgd, batches, min_lr=1.0, max_lr=1e3, diverge=None)
    assert wild.diverged and not np.isfinite(wild.smoothed[-1])
    assert np.all(np.isfinite(wild.smoothed[:-1]))


def test_batches_are_cycled_in_order() -> None:
    rng = np.random.default_rng(2)
    batches = [rng.normal(size=4).astype(np.float32) for _ in range(3)]
    result = js.lr_find(
        lambda w, b: jnp.sum((w - b) ** 2),
        jnp.zeros(4),
        optax.sgd,
        iter(batches),  # a one-pass iterator is fine: it is read once
        min_lr=1e-9,
        max_lr=1e-8,  # too small to move w: each loss is that of its batch at w = 0
        num_steps=10,
        smoothing=0.0,
        diverge=None,
    )
    expected = [float(np.sum(batches[i % 3] ** 2)) for i in range(10)]
    np.testing.assert_allclose(result.losses, expected, rtol=1e-5)
    np.testing.assert_array_equal(result.smoothed, result.losses)


# --- against the known rate ---


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_suggestions_against_the_known_rate(seed: int) -> None:
    """fastai's defaults (1e-7 to 10 in 100 updates, beta 0.98, stop at 4x) on the quadratic.

    The EMA (about 50 updates of memory) makes the smoothed loss keep falling after the raw
    loss has collapsed near 1/L, so its minimum comes only when divergence past 2/L has
    grown the raw loss back above it: a few 1.2x ramp steps past 2/L, within [1/L, 5/L].
    Hence ``minimum`` (a tenth of that) lies in [1/(10 L), 1/(2 L)]: a factor 10 below the
    known rate at most. ``steep`` is the update after the raw collapse, at or below 1/L,
    within a factor 10 with this little noise. ``valley`` is half way (in updates, so
    geometrically in rate) down the longest fall, which starts where the slowest ramp steps
    first move the loss: below 1/L, within a factor 100.
    """
    loss_fn, w, batches = quadratic(seed, noise=0.05)
    result = js.lr_find(loss_fn, w, optax.sgd, batches)
    known = 1 / L
    assert result.diverged
    assert known / 10 <= result.suggest("minimum") <= known / 2
    assert known / 10 <= result.suggest("steep") <= known
    assert known / 100 <= result.suggest("valley") <= known


def test_sweep_finds_the_best_constant_rate() -> None:
    """Without noise the best constant rate is 2/(L + mu) = 1.33/L, between 1/L and the
    edge 2/L; the grid steps by sqrt(2), so its best point lies in [1/L, 2/L) and its largest
    stable point within a factor sqrt(2) below 2/L."""
    loss_fn, w, batches = quadratic(0, noise=0.0, count=1)
    rates = np.geomspace(0.3, 0.3 * 2**4.5, 10) / L  # 0.3/L ... 6.8/L, ratio sqrt(2)
    result = js.lr_sweep(loss_fn, w, optax.sgd, batches, rates, num_steps=100)
    assert 1 / L <= result.suggest("best") < 2 / L
    assert 2 / L / np.sqrt(2) <= result.suggest("largest_stable") < 2 / L
    assert not np.all(np.isfinite(result.final))  # the grid reaches past the edge


# --- one compile, the caller's parameters untouched ---


def test_one_trace_and_the_callers_params_are_untouched() -> None:
    traces = []

    def loss_fn(params, batch):
        traces.append(1)
        return jnp.mean((batch @ params["w"] + params["b"] + params["c"] - 1.0) ** 2)

    # A Python float and a weakly typed array among the leaves: the update returns them
    # strongly typed, which must not make scan trace its body twice.
    params = {"w": jnp.full((3,), 0.5), "b": jnp.asarray(0.0), "c": 0.0}
    before = jax.tree.map(np.array, params)
    batches = [np.ones((5, 3), np.float32) * k for k in range(4)]

    js.lr_find(loss_fn, params, optax.adam, batches, num_steps=40)
    assert len(traces) == 1
    js.lr_sweep(loss_fn, params, optax.adam, batches, [1e-3, 1e-2, 1e-1], num_steps=20)
    assert len(traces) == 2

    arrays = {"w": params["w"], "b": params["b"]}
    for name, leaf in arrays.items():
        assert not leaf.is_deleted()
        np.testing.assert_array_equal(leaf, before[name])
    assert params["c"] == 0.0
    # The buffers are still the caller's to donate to their own training step.
    step = jax.jit(lambda p: jax.tree.map(lambda x: x + 1, p), donate_argnums=0)
    np.testing.assert_array_equal(step(arrays)["w"], before["w"] + 1)


def test_sweep_equals_separate_runs() -> None:
    loss_fn, w, batches = quadratic(3, noise=0.1, count=7)
    rates = [1e-3, 3e-2, 0.3]
    steps = 25
    result = js.lr_sweep(loss_fn, w, optax.adam, batches, rates, num_steps=steps, average_last=5)
    for k, rate in enumerate(rates):
        tx = js.inject(optax.adam, learning_rate=rate)
        params, state = w, tx.init(w)
        losses = []
        for batch in itertools.islice(itertools.cycle(batches), steps):
            loss, grads = jax.value_and_grad(loss_fn)(params, batch)
            updates, state = tx.update(grads, state, params)
            params = optax.apply_updates(params, updates)
            losses.append(float(loss))
        np.testing.assert_allclose(result.losses[k], losses, rtol=2e-5, atol=1e-6)
        np.testing.assert_allclose(result.final[k], np.mean(losses[-5:]), rtol=2e-5, atol=1e-6)
    # By default the last 10 updates are averaged, or all of them when there are fewer.
    short = js.lr_sweep(loss_fn, w, optax.adam, batches, rates, num_steps=4)
    np.testing.assert_allclose(short.final, short.losses.mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(short.losses, result.losses[:, :4], rtol=1e-6)


# --- the rules against fastai's on recorded curves ---


def recorded_curves():
    """Curves as lr_find records them (lrs, smoothed, planned updates)."""
    curves = {}
    for seed, noise in [(4, 0.05), (5, 0.3), (6, 1.0)]:
        loss_fn, w, batches = quadratic(seed, noise=noise)
        result = js.lr_find(loss_fn, w, optax.sgd, batches)
        curves[f"quadratic noise={noise}"] = (result.lrs, result.smoothed, 100)
    rng = np.random.default_rng(7)
    for k in range(4):
        # fastai's shape: flat, a sigmoid fall, a blow-up, with multiplicative noise.
        n = 100
        lrs = np.float32(1e-7 * (10 / 1e-7) ** (np.arange(n) / n))
        fall = 1 / (1 + (lrs / 10 ** rng.uniform(-4, -2)) ** 1.5)
        raw = (0.2 + 2 * fall + (lrs / 10 ** rng.uniform(-1.5, -0.5)) ** 3) * np.exp(
            rng.normal(0, 0.1 * k, n)
        )
        stop = n - rng.integers(0, 20)
        curves[f"synthetic {k}"] = (lrs[:stop], np.float32(debiased_ema(raw, 0.98))[:stop], n)
    lrs = np.float32(np.geomspace(1e-5, 1.0, 50))
    curves["never falls"] = (lrs, np.float32(1 + lrs), 50)
    # Trimmed, it falls once and then only rises: fastai's valley index is -1, the last rate.
    rises = np.float32(1 + lrs)
    rises[6] = 0.5
    curves["one fall then rises (valley wraps to the last rate)"] = (lrs, rises, 50)
    curves["ties"] = (lrs, np.float32(np.repeat([3.0, 2.0, 2.0, 1.0, 1.0], 10)), 50)
    with_nan = np.float32(1 / (1 + lrs * 100) + lrs)
    with_nan[30] = np.nan
    curves["nan inside"] = (lrs, with_nan, 50)
    return curves


CURVES = recorded_curves()


@pytest.mark.parametrize("rule", sorted(FASTAI))
@pytest.mark.parametrize("name", sorted(CURVES))
def test_rules_match_fastai(name: str, rule: str) -> None:
    lrs, smoothed, num_it = CURVES[name]
    result = js.LRFinderResult(lrs, smoothed, smoothed, num_steps=num_it, stopped_at=None)
    assert result.suggest(rule) == FASTAI[rule](*fastai_trim(lrs, smoothed, num_it))
    assert result.suggestions[rule] == result.suggest(rule)


def test_rule_cut_at_an_inf_as_at_a_nan() -> None:
    # fastai cuts at the first NaN; an inf would make every later slope meaningless too.
    lrs = np.float32(np.geomspace(1e-5, 1.0, 50))
    losses = np.float32(1 / (1 + lrs * 100) + lrs)
    with_inf, with_nan = losses.copy(), losses.copy()
    with_inf[35], with_nan[35] = np.inf, np.nan
    for rule in FASTAI:
        inf = js.LRFinderResult(lrs, with_inf, with_inf, num_steps=50, stopped_at=None)
        nan = js.LRFinderResult(lrs, with_nan, with_nan, num_steps=50, stopped_at=None)
        assert inf.suggest(rule) == nan.suggest(rule)


# --- bounds and plots ---


def test_bounds_feed_cyclical_and_one_cycle() -> None:
    loss_fn, w, batches = quadratic(0, noise=0.05)
    result = js.lr_find(loss_fn, w, optax.sgd, batches)
    low, high = result.bounds()
    assert (low, high) == (result.suggest("valley") / 4, result.suggest("valley"))
    assert result.bounds("minimum", ratio=3) == (
        result.suggest("minimum") / 3,
        result.suggest("minimum"),
    )
    cyclical = js.Cyclical(low, high, step_size_up=10)
    np.testing.assert_allclose([cyclical(0), cyclical(10)], [low, high], rtol=1e-6)
    one_cycle = js.OneCycle(high, total_steps=100)
    np.testing.assert_allclose(js.preview(one_cycle, 100).max(), high, rtol=1e-6)

    sweep = js.LRSweepResult(
        lrs=np.float32([0.01, 0.1, 1.0]),
        losses=np.float32([[2.0, 1.0], [2.0, 0.5], [2.0, 3.0]]),
        final=np.float32([1.0, 0.5, 3.0]),
    )
    assert sweep.bounds() == (sweep.suggest("best") / 4, sweep.suggest("best"))
    assert sweep.suggestions == {
        "best": float(np.float32(0.1)),
        "largest_stable": sweep.suggest("best"),
    }


def test_plots_mark_each_suggestion() -> None:
    import matplotlib.pyplot as plt

    loss_fn, w, batches = quadratic(0, noise=0.05)
    result = js.lr_find(loss_fn, w, optax.sgd, batches)
    ax = result.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    for rule, lr in result.suggestions.items():
        assert f"{rule}: {lr:.3g}" in labels
    assert ax.get_xscale() == "log"
    sweep = js.lr_sweep(loss_fn, w, optax.sgd, batches[:4], [0.01, 0.1, 1.0], num_steps=20)
    _, ax = plt.subplots()
    assert sweep.plot(ax=ax, rules=["best"]) is ax
    assert f"best: {sweep.suggest('best'):.3g}" in [line.get_label() for line in ax.get_lines()]
    plt.close("all")


# --- bad input ---


def _quadratic_call(function, **changes):
    loss_fn, w, batches = quadratic(0, noise=0.0, count=2)
    arguments = {"loss_fn": loss_fn, "params": w, "optimizer": optax.sgd, "batches": batches}
    if function is js.lr_sweep:
        arguments["lrs"] = [0.01, 0.1]
    arguments.update(changes)
    return functools.partial(function, **arguments)


BAD_INPUTS = [
    (
        js.lr_find,
        {"num_steps": 1},
        ValueError,
        r"lr_find: num_steps must be at least 2, got num_steps=1",
    ),
    (
        js.lr_find,
        {"min_lr": 1.0, "max_lr": 1.0},
        ValueError,
        r"lr_find: max_lr must be larger than min_lr=1.0, got max_lr=1.0",
    ),
    (js.lr_find, {"min_lr": 0.0}, ValueError, r"lr_find: min_lr must be positive, got min_lr=0.0"),
    (
        js.lr_find,
        {"max_lr": -1.0},
        ValueError,
        r"lr_find: max_lr must be positive, got max_lr=-1.0",
    ),
    (
        js.lr_find,
        {"ramp": "cosine"},
        ValueError,
        r"lr_find: ramp must be one of \('exponential', 'linear'\), got ramp='cosine'",
    ),
    (
        js.lr_find,
        {"smoothing": 1.0},
        ValueError,
        r"lr_find: smoothing must be < 1, got smoothing=1.0",
    ),
    (
        js.lr_find,
        {"diverge": 1.0},
        ValueError,
        r"lr_find: diverge must be > 1, got diverge=1.0. Use None",
    ),
    (js.lr_find, {"batches": []}, ValueError, r"lr_find: batches is empty, got batches=\[\]"),
    (
        js.lr_find,
        {"batches": 3},
        TypeError,
        r"lr_find: batches must be an iterable of batches.*got batches=3",
    ),
    (
        js.lr_find,
        {"batches": [np.zeros(8), np.zeros(4)]},
        ValueError,
        r"lr_find: every batch must have .* batch 1 has \[\(\(4,\).*drop_last",
    ),
    (
        js.lr_find,
        {"optimizer": optax.sgd(0.1)},
        TypeError,
        r"lr_find: optimizer must be an optax factory taking learning_rate, not a built optimizer.*optax.adam",
    ),
    (
        js.lr_find,
        {"optimizer": "adam"},
        TypeError,
        r"lr_find: optimizer must be an optax factory.*got optimizer='adam'",
    ),
    (
        js.lr_find,
        {"optimizer": lambda lr: optax.sgd(lr)},
        TypeError,
        r"lr_find: optimizer=.* could not be built as optimizer\(learning_rate=...\)",
    ),
    (
        js.lr_find,
        {"optimizer": lambda learning_rate: 3},
        TypeError,
        r"lr_find: optimizer=.* could not be built as optimizer\(learning_rate=...\) and initialized on params",
    ),
    (
        js.lr_find,
        {"params": {}},
        ValueError,
        r"lr_find: params has no arrays to train, got params=\{\}",
    ),
    (
        js.lr_find,
        {"params": jnp.zeros(8, jnp.int32)},
        TypeError,
        r"lr_find: params must hold floating-point arrays.*int32 at params\.",
    ),
    (
        js.lr_find,
        {"loss_fn": lambda w, b: w * b},
        TypeError,
        r"lr_find: loss_fn must return a floating-point scalar, got shape \(8,\)",
    ),
    (js.lr_find, {"loss_fn": None}, TypeError, r"lr_find: loss_fn must be a function"),
    (
        js.lr_sweep,
        {"lrs": []},
        ValueError,
        r"lr_sweep: lrs must be a 1-D sequence of rates, got lrs=\[\]",
    ),
    (
        js.lr_sweep,
        {"lrs": [0.1, 0.0]},
        ValueError,
        r"lr_sweep: lrs must be positive, got lrs=\[0.1, 0.0\]",
    ),
    (
        js.lr_sweep,
        {"lrs": 0.1},
        ValueError,
        r"lr_sweep: lrs must be a 1-D sequence of rates, got lrs=0.1",
    ),
    (
        js.lr_sweep,
        {"num_steps": 0},
        ValueError,
        r"lr_sweep: num_steps must be positive, got num_steps=0",
    ),
    (
        js.lr_sweep,
        {"num_steps": 5, "average_last": 6},
        ValueError,
        r"lr_sweep: average_last must be at most num_steps=5, got average_last=6",
    ),
    (js.lr_sweep, {"batches": iter(())}, ValueError, r"lr_sweep: batches is empty"),
]


@pytest.mark.parametrize(
    ("function", "changes", "error", "match"),
    BAD_INPUTS,
    ids=[f"{f.__name__}-{'-'.join(c)}-{i}" for i, (f, c, _, _) in enumerate(BAD_INPUTS)],
)
def test_bad_input_is_named(function, changes, error, match) -> None:
    with pytest.raises(error, match=match):
        _quadratic_call(function, **changes)()


def test_bad_rules_and_short_curves_are_named() -> None:
    lrs = np.float32(np.geomspace(1e-5, 1.0, 50))
    result = js.LRFinderResult(lrs, lrs, lrs, num_steps=50, stopped_at=None)
    with pytest.raises(
        ValueError,
        match=r"LRFinderResult.suggest: rule must be one of \('valley', 'steep', 'minimum'\), got rule='best'",
    ):
        result.suggest("best")
    with pytest.raises(ValueError, match=r"LRFinderResult.plot: rule must be one of"):
        result.plot(rules=["slide"])
    with pytest.raises(
        ValueError, match=r"LRFinderResult.bounds: ratio must be >= 1, got ratio=0.5"
    ):
        result.bounds(ratio=0.5)
    short = js.LRFinderResult(lrs[:10], lrs[:10], lrs[:10], num_steps=50, stopped_at=9)
    with pytest.raises(
        ValueError,
        match=r"LRFinderResult.suggest: the recorded curve is too short .* stopped at update 9 of 50, .* skip the first num_steps // 10 = 5 .* Start lower \(min_lr\)",
    ):
        short.suggest("valley")
    sweep = js.LRSweepResult(
        np.float32([0.1, 1.0]), np.float32([[1.0, 2.0], [1.0, np.nan]]), np.float32([2.0, np.nan])
    )
    with pytest.raises(
        ValueError,
        match=r"LRSweepResult.suggest: rule must be one of \('best', 'largest_stable'\), got rule='valley'",
    ):
        sweep.suggest("valley")
    with pytest.raises(
        ValueError,
        match=r"LRSweepResult.suggest: no run qualifies for rule='largest_stable'.*Sweep lower rates",
    ):
        sweep.suggest("largest_stable")
