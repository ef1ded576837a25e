"""Anneal shapes shared by warmups, cooldowns and warmup-stable-decay."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from jaxsched.core._exact import remaining
from jaxsched.core._numerics import ramp

#: How a value travels between two levels: a straight line, half a cosine, or the
#: "1-sqrt" shape of Hägele et al. (fast at first, then slow for a decay; the mirror
#: image for a warmup).
SHAPES = ("linear", "cosine", "1-sqrt")


def fall(shape: str, step: jax.Array, begin: Any, length: Any) -> jax.Array:
    """The fraction of a decay from ``begin`` over ``length`` steps still to go at ``step``:
    1 before it, 0 after it.

    ``linear``: ``1 - p``; ``cosine``: ``(1 + cos(pi p)) / 2``; ``1-sqrt``: ``1 - sqrt(p)``,
    for ``p`` the fraction done. Each is written in ``left = 1 - p`` and ``p``, both formed
    from integers (:func:`~jaxsched.core._exact.remaining`, :func:`ramp`), so that it keeps
    its relative precision at both ends: ``sin(pi left / 2)**2`` and
    ``left / (1 + sqrt(p))``.
    """
    left = remaining(step, begin, length)
    if shape == "cosine":
        return jnp.sin(0.5 * jnp.pi * left) ** 2
    if shape == "1-sqrt":
        return left / (1 + jnp.sqrt(ramp(step, begin, length)))
    return left


def rise(shape: str, done: jax.Array, length: jax.Array) -> jax.Array:
    """The fraction of a warmup done after ``done`` of ``length`` steps: the decay reversed.

    Written so that a first step far from the end still gives a non-zero fraction in
    float32: the cosine rise ``(1 - cos(pi u)) / 2`` is computed as ``sin(pi u / 2)**2``
    (``cos`` rounds to 1 for ``u`` below about ``2e-4``), and the 1-sqrt rise
    ``1 - sqrt(1 - u)`` (Hugging Face's ``warmup_type="1-sqrt"``) as
    ``u / (1 + sqrt(1 - u))``, with ``1 - u`` formed from the integers ``length - done``.
    """
    progress = ramp(done, 0, length)
    if shape == "1-sqrt":
        left = ramp(length - jnp.clip(done, 0, length), 0, length)
        return progress / (1 + jnp.sqrt(left))
    if shape == "cosine":
        return jnp.sin(0.5 * jnp.pi * progress) ** 2
    return progress
