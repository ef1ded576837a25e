"""The ``jaxsched`` command line: ``describe``, ``plot``, ``convert``, errors and help.

Each command runs in-process through ``main(argv)``; its output is checked against the
library functions it is a thin layer over. ``demo`` is tested in ``test_demo.py``.
"""

from __future__ import annotations

import json
import pathlib
import re
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
import yaml

import jaxsched as js
from jaxsched.cli._command import main
from tests.helpers import ROOT

# Seed 000's Keras staircase, meant as "x0.95 every 25 epochs", counted in updates.
SEED = "ExponentialDecay(1e-3, 25, 0.95, staircase=True)"
PER_EPOCH = js.steps_per_epoch(1000, 32)
EPOCHS = 50
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

KERAS_CONFIG = {
    "module": "keras.optimizers.schedules",
    "class_name": "ExponentialDecay",
    "config": {
        "initial_learning_rate": 0.001,
        "decay_steps": 25,
        "decay_rate": 0.95,
        "staircase": True,
        "name": "ExponentialDecay",
    },
    "registered_name": None,
}
MODEL_GARDEN_EXPERIMENT = """\
trainer:
  train_steps: 10000
  optimizer_config:
    optimizer: {type: sgd, sgd: {momentum: 0.9}}
    learning_rate:
      type: cosine
      cosine: {initial_learning_rate: 0.1, decay_steps: 10000}
    warmup:
      type: linear
      linear: {warmup_steps: 500, warmup_learning_rate: 0.0}
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_describe_shows_the_seed_staircase_in_epochs(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["describe", SEED, "--epochs", f"{EPOCHS}", "--steps-per-epoch", f"{PER_EPOCH}"]
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    table = js.describe(js.parse(SEED), EPOCHS * PER_EPOCH, PER_EPOCH)
    assert out.startswith(str(table) + "\n")
    assert f"stairs of 25 updates = {25 / PER_EPOCH:.2f} epochs" in out
    # The horizon check's warning follows the table: 25 looks like epochs counted as updates.
    assert "Warning: exponential staircase: a stair every 25 updates" in out
    assert f"epochs_to_updates(25, steps_per_epoch={PER_EPOCH})" in out


def test_the_command_line_page_shows_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    shown = re.findall(r"```bash\n(jaxsched describe .*?)\n```\n\n```text\n(.*?)```", page, re.S)
    assert shown, "docs/cli.md shows no describe output"
    for command, output in shown:
        argv = [arg.strip('"') for arg in re.findall(r'"[^"]*"|\S+', command)][1:]
        status, out, _ = run(argv, capsys)
        assert (status, out) == (0, output)


def test_describe_json_is_the_description_data(capsys: pytest.CaptureFixture[str]) -> None:
    spec = "warmup_cosine_decay(0.0, 1e-3, warmup_steps=100, decay_steps=1000)"
    status, out, _ = run(["describe", spec, "--steps", "500", "--json"], capsys)
    assert status == 0
    data = json.loads(out)
    table = js.describe(js.parse(spec), 500)
    assert data["phases"] == table.to_dicts()
    assert data["schedule"] == table.schedule and data["total_steps"] == 500
    assert [row["start"] for row in data["not_reached"]] == [s for s, _, _ in table.unreached]
    assert len(data["warnings"]) == 1 and "2x longer than the run" in data["warnings"][0]


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_spec_file_reads_like_the_text_form(
    suffix: str, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"lr{suffix}"
    js.save_schedule(js.parse(SEED), path)
    assert (
        run(["describe", str(path), "--steps", "100"], capsys)[:2]
        == run(["describe", SEED, "--steps", "100"], capsys)[:2]
    )


@pytest.mark.parametrize("log", [False, True])
def test_plot_writes_an_image_of_several_schedules(
    log: bool, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "lr.yaml"
    js.save_schedule(js.warmup_cosine_decay(0.0, 1e-3, 10, decay_steps=100), file)
    out_png = tmp_path / "plot.png"
    argv = ["plot", SEED, str(file), "--steps", "100", "-s", "10", "-o", str(out_png)]
    argv += ["--label", "seed", "--label", "cosine"] + (["--log"] if log else [])
    status, out, err = run(argv, capsys)
    assert (status, err) == (0, "")
    assert out == f"Wrote {out_png}\n"
    assert out_png.read_bytes()[: len(PNG_MAGIC)] == PNG_MAGIC


def test_convert_prints_both_forms_and_saves(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "keras.json"
    config.write_text(json.dumps(KERAS_CONFIG))
    saved = tmp_path / "ours.yaml"
    status, out, _ = run(["convert", str(config), "-o", str(saved)], capsys)
    assert status == 0
    expected = js.from_keras(KERAS_CONFIG)
    lines = out.splitlines()
    assert lines[:3] == ["text form:", f"  {expected}", "dict form:"]
    assert js.parse(lines[1].strip()) == expected
    dict_form = out[out.index("{") : out.rindex("}") + 1]
    assert json.loads(dict_form) == expected.to_dict()
    assert js.load_schedule(saved) == expected
    status, out, _ = run(["convert", str(config), "--json"], capsys)
    assert json.loads(out) == expected.to_dict()


@pytest.mark.parametrize(
    ("name", "text", "inner"),
    [
        # A Model Garden experiment holds its OptimizationConfig under trainer.
        (
            "experiment.yaml",
            MODEL_GARDEN_EXPERIMENT,
            lambda data: data["trainer"]["optimizer_config"],
        ),
        # A serialized Keras optimizer holds its schedule as its learning_rate.
        (
            "adam.json",
            json.dumps({"class_name": "Adam", "config": {"learning_rate": KERAS_CONFIG}}),
            lambda data: data["config"]["learning_rate"],
        ),
    ],
)
def test_convert_finds_the_schedule_inside_a_larger_config(
    name: str,
    text: str,
    inner: Callable[[Any], Any],
    tmp_path: pathlib.Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / name
    path.write_text(text)
    status, out, _ = run(["convert", str(path), "--json"], capsys)
    assert status == 0
    expected = js.from_keras(inner(yaml.safe_load(text)))
    assert js.from_dict(json.loads(out)) == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["describe", "Foo(1)"], r"SPEC 'Foo\(1\)': parse: line 1, column 1: unknown name 'Foo'"),
        (["describe", "ExponentialDecay(1e-3, 25"], r"column 26: expected ',' or '\)'"),
        (["describe", "ExponentialDecay(-1, 25, 0.9)"], r"init_value must be non-negative"),
        (["describe", "missing.yaml"], r"SPEC: no file 'missing.yaml'"),
        (["describe", "notes.txt"], r"'notes.txt' is a file but not \.json, \.yaml or \.yml"),
        (["describe", SEED, "--epochs", "5"], r"--epochs 5 needs --steps-per-epoch"),
        (["describe", SEED, "--steps", "9", "--epochs", "5", "-s", "2"], r"not both"),
        (["plot", SEED], r"plot: say how long the run is: --steps N"),
        (["plot", SEED, "--steps", "9", "--label", "a", "--label", "b"], r"one --label per SPEC"),
        (["plot", SEED, "--steps", "9", "-o", "lr.xyz"], r"-o 'lr.xyz': Format 'xyz'"),
        (["plot", SEED, "--steps", "9", "-o", "no/lr.png"], r"the folder 'no' does not exist"),
        (["convert", "unknown.json"], r"convert: 'unknown.json': from_keras: unknown .*'Foo'"),
        (["convert", "broken.json"], r"convert: 'broken.json' is not valid JSON"),
        (["convert", "notes.txt"], r"FILE 'notes.txt' must end in \.json, \.yaml or \.yml"),
        (["convert", "missing.yaml"], r"convert: no file 'missing.yaml'"),
        (["demo", "--schedule", "cosin"], r"unknown schedule name 'cosin'. Did you mean 'cosine'"),
        (["demo", "--constant", "-1"], r"demo: constant must be non-negative, got constant=-1"),
        (["demo", "-o", "no/demo.png"], r"output='no/demo.png': the folder 'no' does not exist"),
    ],
)
def test_a_mistake_is_one_line_and_status_2(
    argv: list[str],
    message: str,
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    pathlib.Path("notes.txt").write_text("not a schedule")
    pathlib.Path("broken.json").write_text("{oops")
    pathlib.Path("unknown.json").write_text('{"class_name": "Foo", "config": {}}')
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("jaxsched: error: "), err
    assert re.search(message, err), err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["describe"],
        ["describe", SEED, "--steps", "0"],
        ["plot", SEED, "--steps", "ten"],
        ["demo", "--epochs", "-3"],
    ],
)
def test_usage_errors_exit_2_with_usage(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err.startswith("usage: jaxsched") and "error: " in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], ["demo", "describe", "plot", "convert", "examples:"]),
        (["demo"], ["--schedule", "--epochs", "staircase", "cosine", "seed", "optimizer state"]),
        (["describe"], ["SPEC", "--steps", "--epochs", "--steps-per-epoch", "--json"]),
        (["plot"], ["SPEC", "--steps", "--log", "--label", "-o OUTPUT"]),
        (["convert"], ["FILE", "Keras", "Model Garden", "never evaluated"]),
    ],
)
def test_help(argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run([*argv, "--help"], capsys)
    assert (status, err) == (0, "")
    assert out.startswith(f"usage: jaxsched {' '.join(argv)}".rstrip())
    flowing = " ".join(out.split())  # argparse wraps to the terminal's width
    missing = [words for words in expected if words not in flowing]
    assert not missing, out


@pytest.mark.parametrize(
    ("argv", "module", "install"),
    [
        (["plot", SEED, "--steps", "9"], "matplotlib.figure", '"jaxsched[plot]"'),
        (["demo"], "flax.nnx", '"jaxsched[demo]"'),
        (["demo"], "rich.console", '"jaxsched[demo]"'),
    ],
)
def test_a_missing_extra_names_its_install(
    argv: list[str],
    module: str,
    install: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import blocked, as if not installed
    status, out, err = run(argv, capsys)
    assert (status, out) == (2, "")
    assert err.startswith("jaxsched: error: ") and err.count("\n") == 1
    assert f"pip install {install}" in err


def test_describe_and_convert_need_no_extras(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for module in ("matplotlib", "rich", "flax", "yaml"):
        monkeypatch.setitem(sys.modules, module, None)
    config = tmp_path / "keras.json"
    config.write_text(json.dumps(KERAS_CONFIG))
    assert run(["convert", str(config)], capsys)[0] == 0
    assert run(["describe", SEED, "--epochs", "2", "-s", "32"], capsys)[0] == 0


def test_console_script_and_python_m() -> None:
    script = pathlib.Path(sys.executable).with_name("jaxsched")
    commands = [[sys.executable, "-m", "jaxsched"]]
    if script.exists():  # installed with pip install -e .
        commands.append([str(script)])
    for command in commands:
        shown = subprocess.run([*command, "--help"], capture_output=True, text=True, check=False)
        assert shown.returncode == 0 and shown.stdout.startswith("usage: jaxsched"), shown
    failed = subprocess.run(
        [sys.executable, "-m", "jaxsched", "describe", "Foo(1)"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("jaxsched: error: ") and failed.stderr.count("\n") == 1
