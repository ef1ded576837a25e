"""Prints the lowest versions pyproject.toml supports, as pins for pip: ``jax==0.6.0`` ...

    python .ci/floor.py   # one requirement per line

The floor is read from the ``>=`` bounds of the runtime dependencies and of Flax (the
``demo`` extra), so the versions tested are the versions stated; a dependency without a
``>=`` bound is an error here, not an untested floor.
"""

from __future__ import annotations

import pathlib
import re
import tomllib

# The packages whose oldest release the floor environment runs.
FLOORED = ("jax", "jaxlib", "optax", "numpy", "flax")


def floor_pins(pyproject: pathlib.Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = project["dependencies"] + project["optional-dependencies"]["demo"]
    bounds: dict[str, str] = {}
    for requirement in requirements:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9][0-9.]*)", requirement.replace(" ", ""))
        if match is not None:
            bounds[match.group(1).lower()] = match.group(2)
    missing = [name for name in FLOORED if name not in bounds]
    if missing:
        raise SystemExit(f"pyproject.toml states no '>=' floor for {', '.join(missing)}")
    return [f"{name}=={bounds[name]}" for name in FLOORED]


if __name__ == "__main__":
    print("\n".join(floor_pins(pathlib.Path(__file__).resolve().parent.parent / "pyproject.toml")))
