"""Doctest namespace, strict JAX, and the Hypothesis profiles of the test suite."""

import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import settings

jax.config.update("jax_numpy_dtype_promotion", "strict")
jax.config.update("jax_numpy_rank_promotion", "raise")

# "ci" (the default) is deterministic and sized to keep the property tests under a
# minute; "release" draws fresh examples, twenty times as many:
#   HYPOTHESIS_PROFILE=release python -m pytest tests/test_promises.py
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True)
settings.register_profile("release", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict) -> None:
    doctest_namespace.update(jax=jax, jnp=jnp, np=np)
