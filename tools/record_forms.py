"""Records the dict and text forms of one schedule of every kind, with their values.

The file it writes, ``tests/io/fixtures/forms-0.1.0.json``, was made with jaxsched 0.1.0
(commit 3adb771) before the package moved into subpackages; ``tests/io/test_saved_forms.py``
loads every entry with the current jaxsched and checks that the values are the same to
the bit. Run it again only to record the forms of a new release into a new file:

    python tools/record_forms.py tests/io/fixtures/forms-<version>.json
"""

from __future__ import annotations

import json
import pathlib
import sys

import jax
import numpy as np

import jaxsched as js

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from tests.helpers import EXAMPLES

STEPS = [*range(0, 65), 99, 100, 101, 1000, 10_000, 123_456, 2**24 + 1, 2**31 - 1]

# Beyond one instance of every class: factory calls (written as the call) and nestings.
MORE = {
    "warmup_cosine_decay": js.warmup_cosine_decay(0.0, 3e-4, 10, 50, end_value=1e-5),
    "warmup_exponential_decay": js.warmup_exponential_decay(0.0, 1.0, 5, 10, 0.5),
    "cosine_onecycle": js.cosine_onecycle(40, 1.0, pct_start=0.25),
    "phases": js.phases(js.Linear(0.0, 1.0, 8), (js.Constant(1.0), 5), js.CosineDecay(1.0, 20)),
    "nested": js.Clip(
        js.Restarts(js.Warmup(js.CosineDecay(1.0, 9) * js.Constant(0.5), 3), period=12) + 0.01,
        max_value=0.4,
    ),
    "long_piecewise": js.PiecewiseConstant(
        list(range(3, 300, 3)), [1.0 / (1 + k) for k in range(100)]
    ),
}


def main(path: str) -> None:
    entries = []
    for name, schedule in {**EXAMPLES, **MORE}.items():
        try:
            form = schedule.to_dict()
        except TypeError:  # holds an unregistered function: no dict or text form
            continue
        values = np.asarray(schedule(np.asarray(STEPS, np.int32)), np.float32)
        entries.append(
            {
                "name": name,
                "dict": form,
                "text": str(schedule),
                "steps": STEPS,
                "values": [float(v) for v in values],
            }
        )
    # Bits are XLA's: another JAX, or another backend, may round an op differently.
    document = {
        "jaxsched": js.__version__,
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "entries": entries,
    }
    pathlib.Path(path).write_text(json.dumps(document, indent=1) + "\n")
    print(f"{len(entries)} schedules written to {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/io/fixtures/forms-0.1.0.json")
