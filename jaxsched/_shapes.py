"""Anneal shapes shared by warmups, cooldowns and warmup-stable-decay."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched._polynomial import ramp

#: How a value travels between two levels: a straight line, half a cosine, or the
#: "1-sqrt" shape of Hägele et al. (fast at first, then slow for a decay; the mirror
#: image for a warmup).
SHAPES = ("linear", "cosine", "1-sqrt")


def fall(shape: str, progress: jax.Array) -> jax.Array:
    """The fraction of a decay still to go, from 1 at ``progress=0`` to 0 at 1.

    ``linear``: ``1 - p``; ``cosine``: ``(1 + cos(pi p)) / 2``; ``1-sqrt``: ``1 - sqrt(p)``.
    """
    if shape == "cosine":
        return 0.5 * (1 + jnp.cos(jnp.pi * progress))
    if shape == "1-sqrt":
        return 1 - jnp.sqrt(progress)
    return 1 - progress


def rise(shape: str, done: jax.Array, length: jax.Array) -> jax.Array:
    """The fraction of a warmup done after ``done`` of ``length`` steps: the decay reversed.

    The 1-sqrt warmup is ``1 - sqrt(1 - u)`` (Hugging Face's ``warmup_type="1-sqrt"``), so
    ``1 - u`` is formed from the integers ``length - done`` rather than by subtracting a
    rounded ``u``.
    """
    if shape == "1-sqrt":
        return fall(shape, ramp(length - jnp.clip(done, 0, length), 0, length))
    progress = ramp(done, 0, length)
    if shape == "cosine":
        return 0.5 * (1 - jnp.cos(jnp.pi * progress))
    return progress
