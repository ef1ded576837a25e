"""Strict JAX, self-contained docstring examples and the Hypothesis profiles of the tests."""

import os

import jax
import pytest
from hypothesis import settings

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")

# "ci" (the default) is deterministic and sized to keep the property tests under a
# minute; "release" draws fresh examples, twenty times as many:
#   HYPOTHESIS_PROFILE=release python -m pytest tests/schedules/test_promises.py
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("release", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _doctest_sees_only_its_imports(request: pytest.FixtureRequest) -> None:
    """A docstring example runs as if pasted into a fresh interpreter: doctest would
    otherwise run it in the globals of its module, where ``jnp`` and ``np`` are imported,
    and an example that forgets to import them would pass here and fail for a user."""
    example = getattr(request.node, "dtest", None)
    if example is not None:
        name = example.globs.get("__name__")
        example.globs.clear()
        example.globs["__name__"] = name
