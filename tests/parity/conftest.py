"""Writes the measured parity gaps when JAXSCHED_PARITY_REPORT names a file.

    JAXSCHED_PARITY_REPORT=parity.txt python -m pytest tests/parity

gives one line per parity test: the largest |jaxsched - reference| / peak over all its
seeded configurations. docs/parity.md quotes these figures.
"""

from __future__ import annotations

import os
import pathlib

import pytest

from tests.parity.common import MEASURED


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("JAXSCHED_PARITY_REPORT")
    if not target or not MEASURED:
        return
    lines = [f"{name}\t{gap:.1e}" for name, gap in sorted(MEASURED.items())]
    pathlib.Path(target).write_text("\n".join(lines) + "\n")
