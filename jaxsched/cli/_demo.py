"""``jaxsched demo``: seed 000's regression, trained with a constant rate and with a schedule.

The problem is the one of the Keras report in which ``ExponentialDecay(decay_steps=25,
staircase=True)`` decayed long before epoch 25: ``x`` uniform in [0, 2], ``y = x**2`` plus
Gaussian noise, 1000 examples in batches of 32, an MLP with tanh and dropout, Adam. Both
runs start from the same weights and see the same batches and dropout masks, so they
agree for exactly as long as their learning rates do. Every learning rate shown is read
back from the optimizer state, not recomputed. Flax, matplotlib and rich are the ``demo``
extra.
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
import time
import warnings
from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from jaxsched.core import _validate as check
from jaxsched.core._names import did_you_mean
from jaxsched.core._optional import optional_import
from jaxsched.core._schedule import Constant, Schedule
from jaxsched.core._units import epochs_to_updates, steps_per_epoch
from jaxsched.io._spec import read_schedule
from jaxsched.optim._inject import inject
from jaxsched.optim._readout import lr_applied, update_count
from jaxsched.schedules._cosine import CosineDecay
from jaxsched.schedules._exponential import ExponentialDecay
from jaxsched.view._horizon import check_horizon
from jaxsched.view._plot import plot
from jaxsched.view._preview import describe, preview

NUM_EXAMPLES = 1000
BATCH_SIZE = 32
NOISE = 0.05
HIDDEN = 10
DROPOUT = 0.2
RATE = 0.03
DEFAULT_EPOCHS = 50
DEFAULT_SCHEDULE = "staircase"
DEFAULT_OUTPUT = "jaxsched_demo.png"
_INSTALL = '"jaxsched[demo]"'


def _presets(epochs: int, per_epoch: int) -> dict[str, tuple[Schedule, str]]:
    """The schedules ``--schedule`` knows by name, sized for a run of ``epochs``."""
    return {
        "staircase": (
            ExponentialDecay(
                RATE, epochs_to_updates(10, steps_per_epoch=per_epoch), 0.5, staircase=True
            ),
            f"{RATE:g}, halved every 10 epochs",
        ),
        "cosine": (
            CosineDecay(RATE, epochs * per_epoch, alpha=0.01),
            f"cosine decay from {RATE:g} to 1% of it over the run",
        ),
        "seed": (
            ExponentialDecay(1e-3, 25, 0.95, staircase=True),
            "seed 000's Keras schedule, meant as x0.95 every 25 epochs: a stair every 25 "
            "updates instead",
        ),
    }


#: ``--schedule`` names and what they are, for the command line's help.
PRESETS = {
    name: about
    for name, (_, about) in _presets(
        DEFAULT_EPOCHS, steps_per_epoch(NUM_EXAMPLES, BATCH_SIZE)
    ).items()
}


@dataclasses.dataclass(frozen=True)
class Run:
    """One training run of the demo.

    Attributes:
      name: ``"constant"`` or the schedule's name (or ``"schedule"``).
      schedule: the learning-rate schedule.
      epoch_loss: the mean squared error over each epoch's examples, with dropout on, as
        trained (shape ``(epochs,)``).
      fit_loss: the mean squared error over all examples after each epoch, dropout off.
      learning_rate: the rate each update used, read from the optimizer state after it
        (shape ``(epochs * steps_per_epoch,)``).
      update_count: the optimizer's update count after each update.
    """

    name: str
    schedule: Schedule
    epoch_loss: np.ndarray
    fit_loss: np.ndarray
    learning_rate: np.ndarray
    update_count: np.ndarray


@dataclasses.dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` did: the two runs, the run's size, the plot's path, the time."""

    constant: Run
    scheduled: Run
    epochs: int
    steps_per_epoch: int
    output: pathlib.Path | None
    seconds: float


def run_demo(
    epochs: int = DEFAULT_EPOCHS,
    schedule: Schedule | str = DEFAULT_SCHEDULE,
    *,
    constant: float | None = None,
    seed: int = 0,
    output: str | pathlib.Path | None = DEFAULT_OUTPUT,
    progress: bool = True,
    quiet: bool = False,
) -> DemoResult:
    """Trains seed 000's model with a constant rate and with ``schedule``, and reports.

    Prints what the schedule does over the run (:func:`jaxsched.describe`), shows a
    progress bar per run, then a table of each epoch's loss and the learning rate read
    from the optimizer state, and writes one PNG: the learning rate over updates (epochs
    on a second axis) above both runs' loss per epoch.

    Args:
      epochs: epochs per run, of ``steps_per_epoch(1000, 32) = 32`` updates each.
      schedule: a schedule; or one of the names ``"staircase"`` (the default: 0.03,
        halved every 10 epochs), ``"cosine"`` and ``"seed"`` (the Keras report's
        staircase, a stair every 25 updates); or a text form or ``.json``/``.yaml`` file
        as on the command line.
      constant: the constant run's rate. ``None``: the schedule's first rate (its
        largest in the run if that is 0, as for a warmup from 0), so that the runs
        agree until the schedule first changes the rate.
      seed: seeds the data, the weights, the dropout masks and the shuffling.
      output: where to write the PNG (``None``: no plot).
      progress: show a progress bar per run.
      quiet: print nothing.

    Returns:
      A :class:`DemoResult`.

    Example:
      >>> from jaxsched.cli._demo import run_demo
      >>> result = run_demo(epochs=2, schedule="seed", output=None, quiet=True)
      >>> result.constant.learning_rate[[0, 24, 25]]  # read from the optimizer state
      array([0.001, 0.001, 0.001], dtype=float32)
      >>> result.scheduled.learning_rate[[0, 24, 25]]  # the seed's stair after 25 updates
      array([0.001  , 0.001  , 0.00095], dtype=float32)
      >>> bool(result.scheduled.fit_loss[-1] < result.scheduled.fit_loss[0])
      True
    """
    owner = "jaxsched demo"
    epochs = check.steps(owner, "epochs", epochs, positive=True)
    seed = check.steps(owner, "seed", seed)
    if constant is not None:
        constant = check.level(owner, "constant", constant)
    nnx = optional_import("flax.nnx", owner, "Flax", _INSTALL)
    console_module = optional_import("rich.console", owner, "rich", _INSTALL)
    if output is not None:
        optional_import("matplotlib", owner, "matplotlib", _INSTALL)
        output = pathlib.Path(output)
        if not output.parent.is_dir():  # found now, not after the training
            raise FileNotFoundError(
                f"{owner}: output={str(output)!r}: the folder {str(output.parent)!r} does not "
                f"exist; create it or write the plot elsewhere."
            )
    started = time.perf_counter()
    per_epoch = steps_per_epoch(NUM_EXAMPLES, BATCH_SIZE)
    name, schedule, about = _resolve(schedule, epochs, per_epoch)
    if constant is None:
        constant = _first_rate(schedule, epochs * per_epoch)
    console = console_module.Console(highlight=False, quiet=quiet)

    _header(console, name, schedule, about, Constant(constant), epochs, per_epoch)
    data = _data(seed, epochs, per_epoch)
    with _Progress(console, progress and not quiet) as bars:
        runs = [
            _train(nnx, label, s, data, seed, bars.reporter(label, epochs))
            for label, s in (("constant", Constant(constant)), (name, schedule))
        ]
    result = DemoResult(*runs, epochs, per_epoch, None, 0.0)
    _table(console, result)
    _summary(console, result)
    if output is not None:
        _figure(result, output)
        console.print(
            f"Wrote {output}: the learning rates over updates and both runs' losses.",
            markup=False,
        )
    seconds = time.perf_counter() - started
    console.print(f"Done in {seconds:.1f} s.")
    return dataclasses.replace(result, output=output, seconds=seconds)


def _resolve(schedule: Schedule | str, epochs: int, per_epoch: int) -> tuple[str, Schedule, str]:
    """The run's name, its schedule and what the schedule is, from a name, text or file."""
    if isinstance(schedule, Schedule):
        return "schedule", schedule, ""
    if not isinstance(schedule, str):
        raise TypeError(
            f"jaxsched demo: schedule must be a jaxsched schedule, one of the names "
            f"{', '.join(PRESETS)}, a text form or a .json/.yaml file, got "
            f"schedule={schedule!r}."
        )
    presets = _presets(epochs, per_epoch)
    if schedule in presets:
        return schedule, *presets[schedule]
    if schedule.isidentifier():  # a name, never a text form (which is a call)
        raise ValueError(
            f"jaxsched demo: unknown schedule name {schedule!r}.{did_you_mean(schedule, presets)} "
            f"The names are {', '.join(presets)}; or give a text form such as "
            f'"CosineDecay({RATE:g}, decay_steps={epochs * per_epoch})", or a .json/.yaml file.'
        )
    return "schedule", read_schedule(schedule, "jaxsched demo: schedule"), ""


def _first_rate(schedule: Schedule, total_steps: int) -> float:
    """The schedule's first rate, or its largest in the run if it starts at 0."""
    rates = preview(schedule, total_steps)
    # str() of a float32 is its shortest decimal, which gives the same float32 back.
    return float(str(rates[0] if rates[0] > 0 else rates.max()))


@dataclasses.dataclass(frozen=True)
class _Data:
    x: np.ndarray  # (examples, 1)
    y: np.ndarray  # (examples, 1)
    orders: np.ndarray  # (epochs, updates per epoch * batch): each epoch's shuffle, padded
    mask: np.ndarray  # (updates per epoch, batch): 1 for an example, 0 for padding


def _data(seed: int, epochs: int, per_epoch: int) -> _Data:
    """Seed 000's data set, and every epoch's shuffle (the same for both runs)."""
    rng = np.random.default_rng(seed)
    x = 2 * rng.random((NUM_EXAMPLES, 1))
    y = rng.normal(x**2, NOISE)
    # The last batch is partial (1000 = 31 * 32 + 8). Padding it to a full batch with
    # masked examples keeps one shape, so a whole epoch compiles as one scan.
    padded = per_epoch * BATCH_SIZE
    orders = np.zeros((epochs, padded), np.int32)
    for epoch in range(epochs):
        orders[epoch, :NUM_EXAMPLES] = rng.permutation(NUM_EXAMPLES)
    mask = (np.arange(padded) < NUM_EXAMPLES).astype(np.float32).reshape(per_epoch, BATCH_SIZE)
    return _Data(x.astype(np.float32), y.astype(np.float32), orders, mask)


def _model(nnx: Any, seed: int) -> Any:
    """Seed 000's MLP: 1 -> 10 -> 10 -> 1, tanh, dropout 0.2 after each hidden layer."""
    rngs = nnx.Rngs(params=seed, dropout=seed + 1)
    return nnx.Sequential(
        nnx.Linear(1, HIDDEN, rngs=rngs),
        nnx.tanh,
        nnx.Dropout(DROPOUT, rngs=rngs),
        nnx.Linear(HIDDEN, HIDDEN, rngs=rngs),
        nnx.tanh,
        nnx.Dropout(DROPOUT, rngs=rngs),
        nnx.Linear(HIDDEN, 1, rngs=rngs),
    )


def _epoch(
    nnx: Any,
    graphdef: Any,
    state: Any,
    x: jax.Array,
    y: jax.Array,
    order: jax.Array,
    mask: jax.Array,
) -> tuple[Any, jax.Array, jax.Array, jax.Array, jax.Array]:
    """One epoch of updates.

    Returns the new state, the epoch's loss (dropout on), the fit after it (dropout off),
    and the rate each update used and the update count after it, read from the state.
    """
    batches = (x[order].reshape(*mask.shape, 1), y[order].reshape(*mask.shape, 1), mask)

    def update(state: Any, batch: tuple[jax.Array, ...]) -> tuple[Any, tuple[jax.Array, ...]]:
        inputs, targets, weights = batch
        model, optimizer = nnx.merge(graphdef, state)

        def loss(model: Any) -> jax.Array:
            errors = (model(inputs) - targets)[:, 0]
            return jnp.sum(weights * errors**2) / jnp.sum(weights)

        value, grads = nnx.value_and_grad(loss)(model)
        optimizer.update(model, grads)
        # Read back from the state the update just changed: the rate it used, its count.
        read = (lr_applied(optimizer), update_count(optimizer))
        return nnx.state((model, optimizer)), (value * jnp.sum(weights), *read)

    state, (sums, rates, counts) = jax.lax.scan(update, state, batches)
    model, _ = nnx.merge(graphdef, state)
    model.eval()  # dropout off: the fit itself, on every example
    fit = jnp.mean((model(x) - y) ** 2)
    return state, jnp.sum(sums) / jnp.sum(mask), fit, rates, counts


def _train(
    nnx: Any,
    name: str,
    schedule: Schedule,
    data: _Data,
    seed: int,
    report: Callable[[int, float], None],
) -> Run:
    model = _model(nnx, seed)
    optimizer = nnx.Optimizer(model, inject(optax.adam, learning_rate=schedule), wrt=nnx.Param)
    graphdef, state = nnx.split((model, optimizer))
    epoch = jax.jit(functools.partial(_epoch, nnx, graphdef))
    x, y, mask = jnp.asarray(data.x), jnp.asarray(data.y), jnp.asarray(data.mask)
    losses, fits, rates, counts = [], [], [], []
    report(0, float("nan"))
    for number, order in enumerate(data.orders, start=1):
        state, loss, fit, rate, count = epoch(state, x, y, jnp.asarray(order), mask)
        losses.append(float(loss))
        fits.append(float(fit))
        rates.append(np.asarray(rate))
        counts.append(np.asarray(count))
        report(number, losses[-1])
    return Run(
        name,
        schedule,
        np.asarray(losses),
        np.asarray(fits),
        np.concatenate(rates),
        np.concatenate(counts),
    )


def _header(
    console: Any,
    name: str,
    schedule: Schedule,
    about: str,
    constant: Schedule,
    epochs: int,
    per_epoch: int,
) -> None:
    say = functools.partial(console.print, markup=False, soft_wrap=True)
    total = epochs * per_epoch
    say(
        f"jaxsched demo: y = x^2 + noise, {NUM_EXAMPLES} examples in batches of {BATCH_SIZE} "
        f"({per_epoch} updates per epoch), an MLP with tanh and dropout, Adam (the problem of "
        f"a Keras report whose staircase decayed long before the epoch it was meant for); "
        f"{epochs} epochs = {total} updates per run."
    )
    say(f"Run 1, constant: {constant}")
    say(f"Run 2, {name}{f' ({about})' if about else ''}:")
    say(str(describe(schedule, total, per_epoch)))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_horizon(schedule, total, steps_per_epoch=per_epoch)
    for warning in caught:
        say(f"Warning: {warning.message}")
    say(
        f"Another schedule: --schedule with a name ({', '.join(PRESETS)}), a text form "
        f'such as "CosineDecay({RATE:g}, decay_steps={total})", or a .json/.yaml file.'
    )


class _Progress:
    """A rich progress bar per run, or nothing."""

    def __init__(self, console: Any, show: bool) -> None:
        self._bar = None
        self._tasks: dict[str, Any] = {}
        if show:
            progress = optional_import("rich.progress", "jaxsched demo", "rich", _INSTALL)
            self._bar = progress.Progress(
                progress.TextColumn("{task.description:>12}"),
                progress.BarColumn(),
                progress.MofNCompleteColumn(),
                progress.TextColumn("epochs  loss {task.fields[loss]}"),
                progress.TimeElapsedColumn(),
                console=console,
            )

    def __enter__(self) -> _Progress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def reporter(self, name: str, epochs: int) -> Callable[[int, float], None]:
        def report(epoch: int, loss: float) -> None:
            if self._bar is None:
                return
            if name not in self._tasks:
                self._tasks[name] = self._bar.add_task(name, total=epochs, loss="")
            shown = "(compiling)" if np.isnan(loss) else f"{loss:.4f}"
            self._bar.update(self._tasks[name], completed=epoch, loss=shown)

        return report


def _rates(rates: np.ndarray) -> str:
    """An epoch's learning rates: one value, or the first and last when it changed."""
    first, last = rates[0], rates[-1]
    return f"{first:.3g}" if np.all(rates == first) else f"{first:.3g}->{last:.3g}"


def _table(console: Any, result: DemoResult) -> None:
    rich_table = optional_import("rich.table", "jaxsched demo", "rich", _INSTALL)
    rich_box = optional_import("rich.box", "jaxsched demo", "rich", _INSTALL)
    runs = (result.constant, result.scheduled)
    table = rich_table.Table(box=rich_box.SIMPLE_HEAD)
    table.add_column("\nepoch", justify="right")
    for run in runs:
        table.add_column(f"{run.name}\nloss", justify="right")
        table.add_column("\nfit", justify="right")
        table.add_column("\nlr", justify="right")
    per_epoch = result.steps_per_epoch
    for epoch in range(result.epochs):
        updates = slice(epoch * per_epoch, (epoch + 1) * per_epoch)
        cells = [f"{epoch + 1}"]
        for run in runs:
            cells += [
                f"{run.epoch_loss[epoch]:.4f}",
                f"{run.fit_loss[epoch]:.4f}",
                _rates(run.learning_rate[updates]),
            ]
        table.add_row(*cells)
    console.print(table)
    console.print(
        "loss: mean squared error during the epoch, dropout on; fit: after it, dropout off, "
        "all examples; lr: the learning rate read from the optimizer state (first->last when "
        "it changed within the epoch).",
        markup=False,
        soft_wrap=True,
    )


def _summary(console: Any, result: DemoResult) -> None:
    say = functools.partial(console.print, markup=False, soft_wrap=True)
    constant, scheduled = result.constant, result.scheduled
    per_epoch = result.steps_per_epoch
    total = result.epochs * per_epoch
    for run in (constant, scheduled):
        expected = preview(run.schedule, total)
        worst = float(np.max(np.abs(run.learning_rate - expected)) / np.max(expected))
        # The compiled update and the host-side curve may round the last bit differently.
        verdict = "are" if worst <= 1e-6 else "are NOT"
        say(
            f"{run.name}: the {total} rates read from the optimizer state {verdict} "
            f"schedule(0), ..., schedule({total - 1}) (largest difference {worst:.1e} of "
            f"the peak)."
        )
    differ = np.flatnonzero(constant.learning_rate != scheduled.learning_rate)
    if differ.size == 0:
        say("Both runs used the same learning rate throughout.")
        return
    first = int(differ[0])
    epoch = first // per_epoch
    where = f"update {first}, in epoch {epoch + 1} ({first / per_epoch:.2f} epochs in)"
    if epoch == 0:
        say(f"The runs' learning rates differ from {where}.")
        return
    same = np.array_equal(constant.epoch_loss[:epoch], scheduled.epoch_loss[:epoch])
    epochs = "epoch 1" if epoch == 1 else f"epochs 1-{epoch}"
    say(
        f"The runs' learning rates differ from {where}; before it both used the same rate, "
        f"and their losses in {epochs} are {'identical' if same else 'NOT identical'}."
    )


def _figure(result: DemoResult, path: pathlib.Path) -> None:
    """The learning rates over updates above both runs' loss per epoch, as a PNG."""
    figure_module = optional_import("matplotlib.figure", "jaxsched demo", "matplotlib", _INSTALL)
    # A bare Figure draws with Agg and leaves pyplot and the user's backend alone.
    figure = figure_module.Figure(figsize=(9, 8), layout="constrained")
    top, bottom = figure.subplots(2, 1)
    runs = (result.constant, result.scheduled)
    per_epoch, epochs = result.steps_per_epoch, result.epochs
    plot(
        *(run.schedule for run in runs),
        total_steps=epochs * per_epoch,
        ax=top,
        steps_per_epoch=per_epoch,
        labels=[f"{run.name}: {run.schedule}" for run in runs],
    )
    colors = [line.get_color() for line in top.get_lines() if not line.get_label().startswith("_")]
    ends = np.arange(1, epochs + 1) * per_epoch - 1
    for run, color in zip(runs, colors, strict=True):
        top.plot(
            ends,
            run.learning_rate[ends],
            linestyle="none",
            marker="o",
            markersize=4,
            markerfacecolor="none",
            color=color,
            label=f"{run.name}, read from the optimizer state (each epoch's last update)",
        )
    every = max(1, epochs // 100)
    for epoch in range(every, epochs, every):
        top.axvline(epoch * per_epoch, color="0.9", linewidth=0.6, zorder=0)
    top.set_ylabel("learning rate")
    top.set_title("Learning rate of each update (grey: epoch boundaries)", loc="left")
    # Just under the top line: there the constant run's rate is, and a decay is not yet.
    top.legend(loc="upper right", bbox_to_anchor=(1, 0.93), fontsize="small")

    numbers = np.arange(1, epochs + 1)
    for run, color in zip(runs, colors, strict=True):
        bottom.plot(numbers, run.fit_loss, color=color, marker=".", label=f"{run.name}: fit")
        bottom.plot(
            numbers,
            run.epoch_loss,
            color=color,
            linestyle=":",
            alpha=0.7,
            label=f"{run.name}: loss while training (dropout on)",
        )
    parted = np.flatnonzero(runs[0].learning_rate != runs[1].learning_rate)
    if parted.size:
        bottom.axvline(
            parted[0] / per_epoch, color="0.5", linestyle="--", label="the rates first differ"
        )
    bottom.set_yscale("log")
    bottom.set_xlim(0, epochs)
    bottom.set_xlabel("epoch")
    bottom.set_ylabel("mean squared error")
    bottom.set_title(
        "Loss of each epoch: the fit after it (dropout off, all examples) and the loss "
        "while training",
        loc="left",
    )
    bottom.grid(alpha=0.3)
    bottom.legend(loc="upper right", fontsize="small")
    figure.savefig(path, dpi=110)
