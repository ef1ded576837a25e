"""Argument names from other libraries, and what jaxsched calls them.

A user coming from Keras or PyTorch writes ``ExponentialDecay(decay_steps=...)`` or
``CosineDecay(T_max=...)``. Instead of Python's bare "unexpected keyword argument",
every constructor, factory, :func:`jaxsched.from_dict` and :func:`jaxsched.parse` say
which jaxsched argument that is. The table is data: a foreign name maps to the library
that uses it and the jaxsched arguments it may stand for, first match wins.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Collection, Mapping
from typing import Any

_KERAS = "Keras"
_TORCH = "PyTorch"
_TFA = "TF Addons"

#: foreign name -> (library, the jaxsched arguments it may be, in order of preference)
FOREIGN: dict[str, tuple[str, tuple[str, ...]]] = {
    # Keras 3, tf.keras, TF1, Model Garden
    "initial_learning_rate": (_KERAS, ("init_value", "peak_value", "value")),
    "learning_rate": (_KERAS, ("init_value", "peak_value", "value")),
    "decay_steps": (_KERAS, ("transition_steps", "cycle_steps", "total_steps")),
    "end_learning_rate": (_KERAS, ("end_value",)),
    "warmup_target": (_KERAS, ("peak_value",)),
    "first_decay_steps": (_KERAS, ("cycle_steps",)),
    "total_decay_steps": ("Model Garden", ("decay_steps", "transition_steps")),
    # TF Addons
    "maximal_learning_rate": (_TFA, ("peak_value",)),
    "step_size": (_TFA, ("step_size_up",)),
    # PyTorch and Hugging Face
    "base_lr": (_TORCH, ("init_value",)),
    "max_lr": (_TORCH, ("peak_value",)),
    "eta_min": (_TORCH, ("end_value", "alpha")),
    "T_max": (_TORCH, ("decay_steps", "transition_steps", "total_steps")),
    "T_0": (_TORCH, ("first_decay_steps", "cycle_steps")),
    "T_mult": (_TORCH, ("t_mul", "cycle_mul")),
    "gamma": (_TORCH, ("decay_rate", "cycle_decay")),
    "milestones": (_TORCH, ("boundaries",)),
    "total_iters": (_TORCH, ("transition_steps", "decay_steps", "total_steps")),
    "anneal_strategy": (_TORCH, ("anneal",)),
    "num_warmup_steps": ("Hugging Face", ("warmup_steps",)),
    "num_training_steps": ("Hugging Face", ("decay_steps", "total_steps")),
    "decay_rate": (_KERAS, ("gamma", "cycle_decay")),
}

#: foreign names with no jaxsched argument: what to do instead
ADVICE: dict[str, str] = {
    "name": "jaxsched schedules take no name; drop it.",
    "verbose": "jaxsched schedules take no verbose flag; drop it.",
    "last_epoch": (
        "A schedule is a pure function of the update count: to resume, call it with the "
        "count reached (or wrap it, jaxsched.Offset(schedule, steps_done))."
    ),
    "optimizer": (
        "A schedule is a value, not bound to an optimizer: pass it to the optimizer "
        "(optax.adam(schedule)) or use jaxsched.inject."
    ),
    "warmup_steps": (
        "Warmup is a wrapper here: jaxsched.Warmup(schedule, warmup_steps=...), or "
        "warmup_cosine_decay / warmup_exponential_decay / warmup_stable_decay."
    ),
    "boundaries_and_scales": (
        "PiecewiseConstant takes the values themselves: PiecewiseConstant(boundaries, "
        "values), each value the product of the scales so far."
    ),
    "start_factor": "LinearLR's factors are values here: Linear(init_value, end_value, ...).",
    "end_factor": "LinearLR's factors are values here: Linear(init_value, end_value, ...).",
    "factor": "ConstantLR's factor is a value here: PiecewiseConstant([n], [lr * factor, lr]).",
    "epochs": "Give the total number of updates: total_steps = epochs * steps_per_epoch.",
    "steps_per_epoch": (
        "Give the total number of updates (total_steps), or wrap a per-epoch schedule in "
        "jaxsched.PerEpoch(schedule, steps_per_epoch)."
    ),
    "cycle_momentum": (
        "Momentum is a schedule of its own here; give it to jaxsched.inject (e.g. b1=...)."
    ),
}


def unknown_argument(owner: str, name: str, accepted: Collection[str]) -> str:
    """The message for ``owner`` given the argument ``name`` it does not take.

    Names the jaxsched argument when ``name`` is another library's name for one of
    ``accepted``, gives advice where there is no such argument, and otherwise suggests
    the closest accepted names.
    """
    message = f"{owner} has no argument {name!r}."
    library, candidates = FOREIGN.get(name, ("", ()))
    match = next((c for c in candidates if c in accepted), None)
    if match is not None:
        message += (
            f" {name} is the {library} name for {match}; see docs/parity.md for how the values map."
        )
    elif name in ADVICE:
        message += f" {ADVICE[name]}"
    else:
        message += did_you_mean(name, accepted)
    return f"{message} It takes {', '.join(accepted) or 'no arguments'}."


def did_you_mean(name: str, choices: Collection[str]) -> str:
    """`` Did you mean 'a' or 'b'?`` for the choices closest to ``name``, or ``""``.

    A choice that ``name`` begins (``peak`` for ``peak_value``) counts as close.
    """
    begun = [c for c in choices if len(name) >= 3 and c.startswith(name)]
    close = begun[:3] or difflib.get_close_matches(name, list(choices), n=3)
    return f" Did you mean {' or '.join(map(repr, close))}?" if close else ""


def check_call(
    owner: str, signature: inspect.Signature, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> inspect.BoundArguments:
    """The arguments of ``owner(*args, **kwargs)`` bound to their names, or a ``TypeError``
    in the house style where they cannot bind."""
    parameters = signature.parameters
    accepted = [n for n, p in parameters.items() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        for name in kwargs:
            if name not in parameters:
                raise TypeError(unknown_argument(owner, name, accepted))
    try:
        return signature.bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"{owner}: {error}; it takes {written(owner, signature)}.") from None


def written(owner: str, signature: inspect.Signature) -> str:
    """``owner(a, b, c=1.0)``: the call as a user writes it, without annotations."""
    plain = signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=inspect.Signature.empty,
    )
    return f"{owner}{plain}"
