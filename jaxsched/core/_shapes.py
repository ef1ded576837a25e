"""Anneal shapes shared by warmups, cooldowns and warmup-stable-decay."""

from __future__ import annotations

import jax
import jax.numpy as jnp

from jaxsched.core._numerics import ramp

#: How a value travels between two levels: a straight line, half a cosine, or the
#: "1-sqrt" shape of Hägele et al. (fast at first, then slow for a decay; the mirror
#: image for a warmup).
SHAPES = ("linear", "cosine", "1-sqrt")


def fall(shape: str, left: jax.Array) -> jax.Array:
    """The fraction of a decay still to go, from 1 at ``left=1`` to 0 at ``left=0``, with
    ``left = 1 - p`` the fraction of steps still to go (:func:`remaining`).

    ``linear``: ``1 - p``; ``cosine``: ``(1 + cos(pi p)) / 2``; ``1-sqrt``: ``1 - sqrt(p)``,
    each written in ``left`` so that it keeps its relative precision near the end
    (``sin(pi left / 2)**2``; ``left / (1 + sqrt(1 - left))``).
    """
    if shape == "cosine":
        return jnp.sin(0.5 * jnp.pi * left) ** 2
    if shape == "1-sqrt":
        return left / (1 + jnp.sqrt(1 - left))
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
