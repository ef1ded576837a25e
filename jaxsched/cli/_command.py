"""The ``jaxsched`` command: ``demo``, ``describe``, ``plot`` and ``convert``.

A thin layer over the public functions. A SPEC argument is a schedule's text form
(:func:`jaxsched.parse`) or a ``.json``/``.yaml``/``.yml`` file (:func:`jaxsched.load_schedule`).
A user's mistake ends in one line, ``jaxsched: error: ...``, and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from jaxsched.cli._demo import (
    DEFAULT_EPOCHS,
    DEFAULT_OUTPUT,
    DEFAULT_SCHEDULE,
    PRESETS,
    RATE,
    run_demo,
)
from jaxsched.core._optional import optional_import
from jaxsched.core._schedule import Constant, Schedule
from jaxsched.io._serialize import save_schedule
from jaxsched.io._spec import FILE_SUFFIXES, read_schedule
from jaxsched.io.convert._keras import from_keras
from jaxsched.view._horizon import check_horizon
from jaxsched.view._plot import plot
from jaxsched.view._preview import describe

_YAML_INSTALL = '"jaxsched[yaml]"'

_SPEC_HELP = (
    'a schedule: its text form, e.g. "ExponentialDecay(1e-3, transition_steps=160, '
    'decay_rate=0.7, staircase=True)", or a .json/.yaml file written by save_schedule'
)

_EPILOG = """\
examples:
  jaxsched demo
  jaxsched demo --schedule cosine --epochs 30
  jaxsched describe "ExponentialDecay(1e-3, 25, 0.95, staircase=True)" --epochs 50 --steps-per-epoch 32
  jaxsched plot "CosineDecay(1e-3, 1000)" lr.yaml --steps 1000 -o lr.png
  jaxsched convert keras_schedule.json -o lr.yaml

Lengths are in optimizer updates; --steps-per-epoch adds epochs to tables and plots
(jaxsched.steps_per_epoch(num_examples, batch_size) computes it).
"""


def _run_length(args: argparse.Namespace, command: str, *, required: bool) -> int | None:
    """The run's updates from ``--steps``, or ``--epochs`` times ``--steps-per-epoch``."""
    if args.epochs is not None:
        if args.steps is not None:
            raise ValueError(
                f"{command}: give --steps or --epochs, not both (got --steps "
                f"{args.steps} and --epochs {args.epochs})."
            )
        if args.steps_per_epoch is None:
            raise ValueError(
                f"{command}: --epochs {args.epochs} needs --steps-per-epoch to count "
                f"updates; or give --steps."
            )
        return args.epochs * args.steps_per_epoch
    if required and args.steps is None:
        raise ValueError(
            f"{command}: say how long the run is: --steps N (updates), or --epochs E "
            f"with --steps-per-epoch S."
        )
    return args.steps


def _describe(args: argparse.Namespace) -> int:
    schedule = read_schedule(args.spec)
    total = _run_length(args, "describe", required=False)
    description = describe(schedule, total, args.steps_per_epoch)
    notes: list[str] = []
    if total is not None:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            check_horizon(schedule, total, steps_per_epoch=args.steps_per_epoch)
        notes = [str(warning.message) for warning in caught]
    if args.json:
        data = {
            "schedule": description.schedule,
            "total_steps": description.total_steps,
            "steps_per_epoch": description.steps_per_epoch,
            "phases": description.to_dicts(),
            "not_reached": [
                {"start": start, "shape": shape, "start_value": value}
                for start, shape, value in description.unreached
            ],
            "warnings": notes,
        }
        print(json.dumps(data, indent=2))
    else:
        print(description)
        for note in notes:
            print(f"Warning: {note}")
    return 0


def _plot(args: argparse.Namespace) -> int:
    schedules = [read_schedule(spec) for spec in args.spec]
    total = _run_length(args, "plot", required=True)
    if args.label is not None and len(args.label) != len(schedules):
        raise ValueError(
            f"plot: give one --label per SPEC ({len(schedules)}), got "
            f"{len(args.label)}: {args.label!r}."
        )
    output = pathlib.Path(args.output)
    if not output.parent.is_dir():
        raise FileNotFoundError(
            f"plot: -o {args.output!r}: the folder {str(output.parent)!r} does not exist."
        )
    figure_module = optional_import("matplotlib.figure", "plot", "matplotlib", '"jaxsched[plot]"')
    # A bare Figure draws with Agg: no display needed, pyplot's state untouched.
    figure = figure_module.Figure(figsize=(9, 5), layout="constrained")
    plot(
        *schedules,
        total_steps=total,
        ax=figure.subplots(),
        log=args.log,
        steps_per_epoch=args.steps_per_epoch,
        labels=args.label,
    )
    try:
        figure.savefig(output, dpi=args.dpi)
    except ValueError as error:  # matplotlib's: an image format it does not write
        raise ValueError(f"plot: -o {args.output!r}: {error}") from None
    print(f"Wrote {output}")
    return 0


def _keras_config(data: Any) -> Any:
    """The schedule config inside a file: a Model Garden experiment's or Keras optimizer's."""
    if not isinstance(data, Mapping):
        return data
    trainer = data.get("trainer")
    if isinstance(trainer, Mapping) and isinstance(trainer.get("optimizer_config"), Mapping):
        return trainer["optimizer_config"]
    if isinstance(data.get("optimizer_config"), Mapping):
        return data["optimizer_config"]
    config = data.get("config")
    if "class_name" in data and isinstance(config, Mapping) and "learning_rate" in config:
        rate = config["learning_rate"]  # a serialized Keras optimizer
        return rate if isinstance(rate, Mapping) else Constant(rate)
    return data


def _read_config(path: str) -> Any:
    file = pathlib.Path(path)
    suffix = file.suffix.lower()
    if suffix not in FILE_SUFFIXES:
        raise ValueError(
            f"convert: FILE {path!r} must end in .json, .yaml or .yml (the suffix says its format)."
        )
    if not file.is_file():
        raise FileNotFoundError(f"convert: no file {path!r}.")
    text = file.read_text()
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"convert: {path!r} is not valid JSON: {error}") from None
    yaml = optional_import("yaml", "convert", "PyYAML for YAML files", _YAML_INSTALL)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"convert: {path!r} is not valid YAML: {error}") from None


def _convert(args: argparse.Namespace) -> int:
    config = _keras_config(_read_config(args.file))
    try:
        schedule = config if isinstance(config, Schedule) else from_keras(config)
    except (ValueError, TypeError) as error:
        kind = ValueError if isinstance(error, ValueError) else TypeError
        raise kind(f"convert: {args.file!r}: {error}") from None
    if args.output is not None:
        save_schedule(schedule, args.output)
    if args.json:
        print(json.dumps(schedule.to_dict(), indent=2))
    else:
        print("text form:")
        print(f"  {schedule}")
        print("dict form:")
        print(json.dumps(schedule.to_dict(), indent=2))
    if args.output is not None:
        print(f"Wrote {args.output}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _demo(args: argparse.Namespace) -> int:
    run_demo(
        args.epochs,
        args.schedule,
        constant=args.constant,
        seed=args.seed,
        output=None if args.no_plot else args.output,
        progress=not args.no_progress,
        quiet=args.quiet,
    )
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return value


def _natural(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text!r}")
    return value


def _add_run_length(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--steps", type=_positive, metavar="N", help="the run's length in optimizer updates"
    )
    parser.add_argument(
        "--epochs", type=_positive, metavar="E", help="the run's length in epochs (with -s)"
    )
    parser.add_argument(
        "-s",
        "--steps-per-epoch",
        type=_positive,
        metavar="S",
        help="optimizer updates per epoch: adds epochs to the output",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jaxsched",
        description="Look at learning-rate schedules before training, convert Keras configs, "
        "and run the demo.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    names = "\n".join(f"  {name:10} {about}" for name, about in PRESETS.items())
    demo = commands.add_parser(
        "demo",
        help="train a small model with a constant rate and with a schedule: table and plot "
        "(needs jaxsched[demo])",
        description="""\
Trains a small Flax NNX model twice with Adam, with a constant learning rate and with
a schedule, on the problem of a Keras report in which a staircase decayed long before
the epoch it was meant for: y = x^2 + noise, 1000 examples in batches of 32 (32 updates
per epoch), an MLP with tanh and dropout. Both runs start from the same weights and see
the same batches, so they agree until their rates differ.

Prints the schedule's phases, a progress bar per run, and a table of each epoch's loss
and the learning rate read from the optimizer state; writes one PNG with the learning
rate over updates (epochs on a second axis) and both runs' loss per epoch.""",
        epilog=f"schedule names:\n{names}\n\n"
        f'Or a text form, e.g. --schedule "CosineDecay({RATE:g}, decay_steps=1600)", or a '
        ".json/.yaml file.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--schedule",
        default=DEFAULT_SCHEDULE,
        metavar="SPEC",
        help=f"a name below, a text form or a .json/.yaml file (default: {DEFAULT_SCHEDULE})",
    )
    demo.add_argument(
        "--epochs",
        type=_positive,
        default=DEFAULT_EPOCHS,
        help=f"epochs per run (default: {DEFAULT_EPOCHS})",
    )
    demo.add_argument(
        "--constant",
        type=float,
        metavar="RATE",
        help="the constant run's rate (default: the schedule's first rate, so that the runs "
        "agree until the schedule first changes it)",
    )
    demo.add_argument("--seed", type=_natural, default=0, help="random seed (default: 0)")
    demo.add_argument(
        "-o",
        "--output",
        default=DEFAULT_OUTPUT,
        metavar="PNG",
        help=f"where to write the plot (default: {DEFAULT_OUTPUT})",
    )
    demo.add_argument("--no-plot", action="store_true", help="write no plot")
    demo.add_argument("--no-progress", action="store_true", help="no progress bars")
    demo.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    demo.set_defaults(run=_demo)

    describe_ = commands.add_parser(
        "describe",
        help="a table of a schedule's phases, in updates and epochs",
        description="Prints a table of the schedule's phases: where each starts and ends "
        "(in updates, and in epochs with --steps-per-epoch), its first and last values, "
        "and how many stairs or cycles it has and how long they are. With a run length, "
        "phases past the run are listed as not reached and the horizon check's warnings "
        "are printed.",
    )
    describe_.add_argument("spec", metavar="SPEC", help=_SPEC_HELP)
    _add_run_length(describe_)
    describe_.add_argument("--json", action="store_true", help="print the table as JSON")
    describe_.set_defaults(run=_describe)

    plot = commands.add_parser(
        "plot",
        help="plot schedules to an image (needs jaxsched[plot])",
        description="Draws one or more schedules over a run on one axes, phase boundaries "
        "marked, epochs on a second axis with --steps-per-epoch. The suffix of -o picks the "
        "format (.png, .svg, .pdf).",
    )
    plot.add_argument("spec", metavar="SPEC", nargs="+", help=_SPEC_HELP)
    _add_run_length(plot)
    plot.add_argument(
        "-o", "--output", default="schedule.png", help="the image (default: schedule.png)"
    )
    plot.add_argument("--log", action="store_true", help="a logarithmic value axis")
    plot.add_argument(
        "--label",
        action="append",
        help="a legend label, once per SPEC in order (default: the text forms)",
    )
    plot.add_argument("--dpi", type=_positive, default=120, help="resolution (default: 120)")
    plot.set_defaults(run=_plot)

    convert = commands.add_parser(
        "convert",
        help="a Keras / Model Garden schedule config to jaxsched's text and dict forms",
        description="Reads a .json/.yaml file holding a Keras 3 or tf.keras schedule config "
        "(what keras.optimizers.schedules.serialize(...) gives, or a serialized optimizer "
        "whose learning_rate is one), TF Addons' cyclical ones, or a TF Model Garden "
        "optimization config (its learning_rate and warmup, also found under "
        "trainer.optimizer_config of an experiment file), and prints the equivalent "
        "jaxsched schedule's text form and dict form. The file is parsed, never evaluated.",
    )
    convert.add_argument("file", metavar="FILE", help="the config, .json, .yaml or .yml")
    convert.add_argument("--json", action="store_true", help="print only the dict form")
    convert.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="also save the schedule (.json/.yaml), to give as SPEC or to load_schedule",
    )
    convert.set_defaults(run=_convert)
    return parser


def _one_line(error: BaseException) -> str:
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.strerror}: {error.filename!r}"
    text = " ".join(str(error).split())
    return text.removeprefix("jaxsched ")  # "jaxsched: error: jaxsched demo: ..." says it twice


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``jaxsched`` command with ``argv`` (default: the process's); the exit status.

    Args:
      argv: the arguments after ``jaxsched``.

    Returns:
      0 on success, 2 on a usage error or bad input (after one line on stderr).

    Example:
      >>> from jaxsched.cli._command import main
      >>> main(["describe", "warmup_cosine_decay(0.0, 1e-3, warmup_steps=32, decay_steps=320)",
      ...       "--epochs", "10", "--steps-per-epoch", "32"])
      warmup_cosine_decay(0.0, peak_value=0.001, warmup_steps=32, decay_steps=320)
      over 320 updates (10 epochs of 32 updates)
      updates   epochs  first value  last value  shape
      0 - 31    0 - 1   0            0.0009688   linear warmup
      32 - 319  1 - 10  0.001        2.974e-08   cosine
      Not reached in this run: hold at 0 from update 320.
      0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2, already reported)
        return exit_.code if isinstance(exit_.code, int) else 2
    try:
        return args.run(args)
    except (ValueError, TypeError, ImportError, OSError) as error:
        print(f"jaxsched: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("jaxsched: interrupted", file=sys.stderr)
        return 130
