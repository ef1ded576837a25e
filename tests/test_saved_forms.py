"""Configs written by jaxsched 0.1.0 (the dict and the text form) still load, to the bit.

The fixture was recorded by ``tools/record_forms.py`` with 0.1.0, before the package
moved into subpackages; a later change that alters what these forms mean fails here.
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
    for loaded in (from_dict, parsed):
        np.testing.assert_array_equal(np.asarray(loaded(steps)), expected, strict=True)
    # Written again, they are what 0.1.0 wrote: a config saved today loads in 0.1.0 too.
    assert from_dict.to_dict() == entry["dict"]
    assert str(parsed) == entry["text"]
