"""Configs written by jaxsched 0.1.0 (the dict and the text form) still load, to the bit.

The fixture was recorded by ``tools/record_forms.py`` with 0.1.0, before the package
moved into subpackages; a later change that alters what these forms mean fails here.
The bits are those of the JAX and backend that recorded them; on another JAX (the floor
environment of ``.ci/run``) XLA may round an operation differently, and the values are
held to 2 float32 ulps of the peak instead (measured at JAX 0.6.0: 1.5e-7 of the peak).
"""

from __future__ import annotations

import json
import pathlib

import jax
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
    same_xla = (_SAVED["jax"], _SAVED["backend"]) == (jax.__version__, jax.default_backend())
    for loaded in (from_dict, parsed):
        values = np.asarray(loaded(steps))
        if same_xla:
            np.testing.assert_array_equal(values, expected, strict=True)
        else:
            assert (values.dtype, values.shape) == (expected.dtype, expected.shape)
            peak_ulp = np.spacing(np.abs(expected).max())
            np.testing.assert_allclose(values, expected, rtol=0, atol=2 * peak_ulp)
    # Written again, they are what 0.1.0 wrote: a config saved today loads in 0.1.0 too.
    assert from_dict.to_dict() == entry["dict"]
    assert str(parsed) == entry["text"]
