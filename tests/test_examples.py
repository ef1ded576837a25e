"""Every example in ``examples/`` runs at a small size, and the checks it makes pass.

The examples are scripts, not a package: each is imported from its path and its
``main(argv)`` called in this process (a subprocess would pay JAX's import and start-up
again, about a second each). The examples' own asserts make their points; this file
chooses sizes that keep each to a few seconds.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
from types import ModuleType

import jax
import pytest

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"

# (script, small argv, whether the example runs optax code outside jaxsched.inject).
# optax's own code is not strict-clean (Adam's bias correction, MultiSteps' averaging
# promote int32 with float32): those examples run under JAX's default, "standard"
# promotion, as their users would; the others keep the suite's strict mode.
CASES = [
    ("plain_optax.py", ["--steps", "60", "--examples", "64"], True),
    ("flax_nnx.py", ["--steps", "40", "--batch-size", "32", "--hidden", "16"], False),
    ("flax_linen_trainstate.py", ["--steps", "60"], False),
    ("equinox_mlp.py", ["--steps", "60", "--warmup", "10", "--width", "16"], False),
    ("grad_accumulation.py", ["--microbatches", "120", "--accumulate", "3"], True),
    (
        "per_epoch_staircase.py",
        ["--epochs", "6", "--decay-epochs", "2", "--num-examples", "200"],
        False,
    ),
    ("orbax_resume.py", ["--steps", "30", "--save-at", "12"], False),
    ("log_from_jit.py", ["--steps", "40", "--log-every", "10"], False),
]


def load(script: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    path = EXAMPLES / script
    name = f"examples_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered while it runs, as an import would: dataclasses (a Linen module) look
    # their annotations up in sys.modules.
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return module


def test_every_example_is_run() -> None:
    present = {p.name for p in EXAMPLES.glob("*.py")}
    assert present == {script for script, _, _ in CASES}


@pytest.mark.parametrize(
    ("script", "argv", "uses_plain_optax"), CASES, ids=[c[0].removesuffix(".py") for c in CASES]
)
def test_example_runs(
    script: str,
    argv: list[str],
    uses_plain_optax: bool,
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if script == "orbax_resume.py":
        argv = [*argv, "--dir", str(tmp_path)]
    module = load(script, monkeypatch)
    with jax.numpy_dtype_promotion("standard" if uses_plain_optax else "strict"):
        module.main(argv)
    out = capsys.readouterr().out
    assert out.strip(), f"{script} printed nothing"
    if script == "orbax_resume.py":
        assert any((tmp_path / "checkpoints").iterdir()), "no checkpoint written"
