"""Configs written by jaxsched 0.1.0 (the dict and the text form) still load, with the
same values.

The fixture was recorded by ``tools/record_forms.py`` with 0.1.0, before the package
moved into subpackages; a later change that alters what these forms mean fails here.
Values are held to the parity tolerance, ``5e-7`` of the peak, as against a reference
library. The bits moved twice, each time on purpose: on another JAX (the floor environment of ``.ci/run``) XLA may round an
operation differently (measured at JAX 0.6.0: 1.5e-7 of the peak), and since the
precision contract (SPEC 3.3) the schedules compute from the hyperparameters as written
and from the integer count of steps left, which moved most of 0.1.0's values by up to an
ulp towards the float64 formula (``tests/schedules/test_precision.py`` holds them to it).
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest

import jaxsched as js

_SAVED = json.loads((pathlib.Path(__file__).parent / "fixtures" / "forms-0.1.0.json").read_text())
_ENTRIES = {entry["name"]: entry for entry in _SAVED["entries"]}


@pytest.mark.parametrize("name", sorted(_ENTRIES))
def test_forms_written_by_0_1_0_load_with_the_same_values(name: str) -> None:
    entry = _ENTRIES[name]
    from_dict, parsed = js.from_dict(entry["dict"]), js.parse(entry["text"])
    assert from_dict == parsed
    steps = np.asarray(entry["steps"], np.int32)
    expected = np.asarray(entry["values"], np.float32)
    peak = float(np.abs(expected).max())
    for loaded in (from_dict, parsed):
        values = np.asarray(loaded(steps))
        assert (values.dtype, values.shape) == (expected.dtype, expected.shape)
        np.testing.assert_allclose(values, expected, rtol=0, atol=5e-7 * peak)
    # Written again, they are what 0.1.0 wrote: a config saved today loads in 0.1.0 too.
    assert from_dict.to_dict() == entry["dict"]
    assert str(parsed) == entry["text"]
