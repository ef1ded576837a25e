"""The public door: every exported name is documented (the API reference itself is checked by tests/test_docs_build.py)."""

from __future__ import annotations

import inspect

import pytest

import jaxsched as js


@pytest.mark.parametrize("name", js.__all__)
def test_exported_name_is_documented(name: str) -> None:
    obj = getattr(js, name)
    doc = inspect.getdoc(obj)
    assert doc and doc.splitlines()[0].strip(), f"{name} has no summary line"
    is_schedule = inspect.isclass(obj) and issubclass(obj, js.Schedule) and obj is not js.Schedule
    if is_schedule or name in {"phases", "warmup_cosine_decay", "warmup_exponential_decay"}:
        assert ">>> " in doc, f"{name} has no example"
        assert "Returns:" in doc and ("Args:" in doc or "*items" in doc)


def test_everything_public_is_exported() -> None:
    defined_here = {
        name
        for name, obj in vars(js).items()
        if not name.startswith("_") and getattr(obj, "__module__", "").startswith("jaxsched")
    }
    assert defined_here <= set(js.__all__), defined_here - set(js.__all__)
