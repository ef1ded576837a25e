"""The benchmark suite still runs: ``python -m benchmarks --smoke`` exits 0 and prints
every section. No timing is asserted (a smoke run measures nothing)."""

from __future__ import annotations

import subprocess
import sys

from benchmarks import SECTIONS
from tests.helpers import ROOT, public_schedule_classes


def test_smoke_run_prints_every_section() -> None:
    # A child process: the suite runs with its own warning filters and JAX settings.
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for heading in SECTIONS.values():
        assert f"## {heading}" in result.stdout, result.stdout[-4000:]


def test_curves_cover_every_schedule_class() -> None:
    from benchmarks.curves import catalogue

    classes = public_schedule_classes()
    timed = {type(ours).__name__ for ours, _ in catalogue().values()}
    assert classes <= timed, sorted(classes - timed)
