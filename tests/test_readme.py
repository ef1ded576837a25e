"""The README's Python examples run as written."""

from __future__ import annotations

import pathlib
import re
import warnings

import jaxsched as js

README = (pathlib.Path(__file__).parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_examples_run() -> None:
    assert len(BLOCKS) >= 2
    namespace: dict = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for block in BLOCKS:
            exec(compile(block, "README.md", "exec"), namespace)
    assert not caught, [str(w.message) for w in caught]  # the horizon check is quiet
    state = namespace["state"]
    assert js.lr_applied(state) == namespace["lr"](0)
    assert js.lr_next(state) == namespace["lr"](1)
