"""The catalogue page: every public schedule with its summary, a plot and its text form.

The plots are drawn at build time (matplotlib, Agg) with ``jaxsched.plot`` and go into the
built site only. Every public schedule must have an example in ``SECTIONS``: a schedule
class or factory added to ``jaxsched.__all__`` without one fails the strict build, with
the name to add.
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import logging
import pathlib
import sys
from collections.abc import Callable
from typing import Any

import jax.numpy as jnp

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from rst_docstrings import rst_to_markdown

MARKER = "<!-- catalogue -->"
PAGE = "catalogue.md"
PLOTS = "catalogue-plots"
RUN = 1_000  # updates plotted, unless an entry says otherwise

log = logging.getLogger("mkdocs.plugins.jaxsched.catalogue")


def inverse_sqrt_step(step: Any) -> Any:
    """A jittable function of the step, for the ``FromFunction`` example."""
    return 1e-3 / jnp.sqrt(1.0 + step.astype(jnp.float32) / 50.0)


@dataclasses.dataclass(frozen=True)
class Entry:
    name: str
    build: Callable[[Any], Any]  # jaxsched -> the example schedule
    steps: int = RUN
    steps_per_epoch: int | None = None
    note: str = ""


# Every example fits the same 1000-update run, so the plots compare at a glance.
SECTIONS: list[tuple[str, str, list[Entry]]] = [
    (
        "Decays",
        "One shape from a start value to a floor (or forever), then hold.",
        [
            Entry("Constant", lambda js: js.Constant(1e-3)),
            Entry("Linear", lambda js: js.Linear(1e-3, 1e-4, transition_steps=800)),
            Entry(
                "Polynomial", lambda js: js.Polynomial(1e-3, 1e-5, power=2.0, transition_steps=800)
            ),
            Entry(
                "ExponentialDecay",
                lambda js: js.ExponentialDecay(1e-3, 100, 0.7, staircase=True, end_value=1e-4),
                note="`staircase=True` flips at every multiple of `transition_steps`, exactly.",
            ),
            Entry(
                "NaturalExpDecay",
                lambda js: js.NaturalExpDecay(1e-3, decay_steps=200, decay_rate=0.5),
            ),
            Entry(
                "InverseTimeDecay",
                lambda js: js.InverseTimeDecay(1e-3, decay_steps=100, decay_rate=0.5),
            ),
            Entry("CosineDecay", lambda js: js.CosineDecay(1e-3, decay_steps=800, alpha=0.1)),
            Entry("LinearCosineDecay", lambda js: js.LinearCosineDecay(1e-3, 800, num_periods=3.0)),
            Entry(
                "NoisyLinearCosineDecay",
                lambda js: js.NoisyLinearCosineDecay(1e-3, 800, initial_variance=1e-7, seed=1),
                note="The noise is drawn from `seed` and the step: the same step gives the same value.",
            ),
            Entry("InverseSqrtDecay", lambda js: js.InverseSqrtDecay(1e-3, timescale=50)),
            Entry("Noam", lambda js: js.Noam(512, warmup_steps=100)),
            Entry("DirectPowerDecay", lambda js: js.DirectPowerDecay(1e-3, power=-0.5)),
            Entry("PowerAndLinearDecay", lambda js: js.PowerAndLinearDecay(1e-3, 1000, -0.5, 0.2)),
            Entry(
                "PowerDecayWithOffset",
                lambda js: js.PowerDecayWithOffset(1e-2, -0.5, offset=200, pre_offset_value=1e-3),
            ),
        ],
    ),
    (
        "Steps and pieces",
        "Values that jump at given updates, or interpolate between given points.",
        [
            Entry(
                "PiecewiseConstant", lambda js: js.PiecewiseConstant([300, 700], [1e-3, 3e-4, 1e-4])
            ),
            Entry(
                "PiecewiseInterpolate",
                lambda js: js.PiecewiseInterpolate([0, 200, 900], [1e-4, 1e-3, 1e-5], "cosine"),
            ),
            Entry("StepDecay", lambda js: js.StepDecay(1e-3, step_size=250, gamma=0.5)),
            Entry(
                "MultiStepDecay",
                lambda js: js.MultiStepDecay(1e-3, milestones=[500, 750], gamma=0.1),
            ),
        ],
    ),
    (
        "Warmup, warmup-stable-decay, cooldown",
        "A ramp in front of any schedule, and the modern long-run shapes.",
        [
            Entry("Warmup", lambda js: js.Warmup(js.CosineDecay(1e-3, 900), warmup_steps=100)),
            Entry(
                "warmup_cosine_decay",
                lambda js: js.warmup_cosine_decay(0.0, 1e-3, warmup_steps=100, decay_steps=1000),
                note="optax's arguments: `decay_steps` is the whole length, warmup included.",
            ),
            Entry(
                "warmup_exponential_decay",
                lambda js: js.warmup_exponential_decay(
                    0.0, 1e-3, 100, transition_steps=100, decay_rate=0.7
                ),
            ),
            Entry(
                "warmup_stable_decay",
                lambda js: js.warmup_stable_decay(1e-3, 100, 700, 200, min_ratio=0.1),
            ),
            Entry(
                "Cooldown",
                lambda js: js.Cooldown(
                    js.InverseSqrtDecay(1e-3, 50), start_step=700, cooldown_steps=300
                ),
                note="Branched off a run with no fixed end, at any update.",
            ),
            Entry(
                "Rewarmup",
                lambda js: js.Rewarmup(
                    js.CosineDecay(1e-3, 500),
                    js.CosineDecay(5e-4, 400),
                    start_step=500,
                    warmup_steps=100,
                ),
            ),
        ],
    ),
    (
        "Cycles and restarts",
        "Cyclical rates, one-cycles and warm restarts.",
        [
            Entry(
                "Cyclical", lambda js: js.Cyclical(1e-4, 1e-3, step_size_up=100, mode="triangular2")
            ),
            Entry("OneCycle", lambda js: js.OneCycle(1e-3, total_steps=1000)),
            Entry(
                "OneCycleMomentum",
                lambda js: js.OneCycleMomentum(0.85, 0.95, total_steps=1000),
                note="The momentum (or Adam's `b1`) that goes with `OneCycle`, for `inject`.",
            ),
            Entry("linear_onecycle", lambda js: js.linear_onecycle(1000, 1e-3)),
            Entry("cosine_onecycle", lambda js: js.cosine_onecycle(1000, 1e-3)),
            Entry("CosineRestarts", lambda js: js.CosineRestarts(1e-3, 100, t_mul=2.0, m_mul=0.8)),
            Entry(
                "DecayCycles",
                lambda js: js.DecayCycles(
                    1e-3, 200, "cosine", 1e-5, cycle_mul=1.5, cycle_decay=0.7
                ),
            ),
            Entry("tanh_decay", lambda js: js.tanh_decay(1e-3, 1000, end_value=1e-5)),
            Entry(
                "sgdr",
                lambda js: js.sgdr(
                    [
                        {
                            "init_value": 0.0,
                            "peak_value": 1e-3,
                            "warmup_steps": 50,
                            "decay_steps": 500,
                        }
                    ]
                    * 2
                ),
            ),
            Entry(
                "Restarts", lambda js: js.Restarts(js.Linear(1e-3, 0.0, 250), period=250, decay=0.7)
            ),
        ],
    ),
    (
        "Composition",
        "Schedules built from schedules. Composed schedules are schedules: they nest, save and `vmap` alike.",
        [
            Entry(
                "Join",
                lambda js: js.Join(
                    [js.Constant(1e-3), js.Linear(1e-3, 0.0, 400)], boundaries=[600]
                ),
                note="Absolute boundaries, exactly `optax.join_schedules`; each part on its own clock.",
            ),
            Entry(
                "phases",
                lambda js: js.phases(
                    js.Linear(0.0, 1e-3, transition_steps=100),
                    (js.Constant(1e-3), 600),
                    js.CosineDecay(1e-3, decay_steps=300),
                ),
                note="Phases by length; the boundaries are computed for you.",
            ),
            Entry(
                "Product",
                lambda js: js.Product([js.CosineDecay(1e-3, 1000), js.Cyclical(0.5, 1.0, 100)]),
                note="`a * b` builds it.",
            ),
            Entry(
                "Scale",
                lambda js: js.Scale(js.CosineDecay(1.0, 1000), 1e-3),
                note="`1e-3 * a` builds it.",
            ),
            Entry(
                "Sum",
                lambda js: js.Constant(1e-4) + js.CosineDecay(9e-4, 1000),
                note="`a + b` builds it.",
            ),
            Entry("Offset", lambda js: js.Offset(js.CosineDecay(1e-3, 600), offset=300)),
            Entry(
                "Clip",
                lambda js: js.Clip(js.InverseSqrtDecay(2e-3, 20), max_value=1e-3, min_value=3e-4),
            ),
            Entry("Hold", lambda js: js.Hold(js.Linear(1e-3, 0.0, 1000), length=600)),
            Entry(
                "PerEpoch",
                lambda js: js.PerEpoch(
                    js.StepDecay(1e-3, step_size=2, gamma=0.7), steps_per_epoch=100
                ),
                steps_per_epoch=100,
                note="A schedule written in epochs, changing only at epoch boundaries.",
            ),
            Entry("FromFunction", lambda js: js.FromFunction(inverse_sqrt_step)),
        ],
    ),
]


def public_schedules() -> list[str]:
    """The schedule classes and factories of ``jaxsched.__all__`` (``phases`` included)."""
    import jaxsched as js

    names = []
    for name in js.__all__:
        obj = getattr(js, name)
        is_class = inspect.isclass(obj) and issubclass(obj, js.Schedule) and obj is not js.Schedule
        if is_class or getattr(obj, "records_call", False) or name == "phases":
            names.append(name)
    return names


def _entries() -> list[tuple[str, str, list[Entry]]]:
    """``SECTIONS`` less the names not (yet) public; warns for public ones left out."""
    import jaxsched as js

    public = set(js.__all__)
    shown = [
        (title, text, [e for e in entries if e.name in public]) for title, text, entries in SECTIONS
    ]
    covered = {e.name for _, _, entries in shown for e in entries}
    for name in public_schedules():
        if name not in covered:
            log.warning(
                "catalogue: jaxsched.%s has no example; add an Entry for it to SECTIONS in "
                "docs/_hooks/catalogue.py.",
                name,
            )
    return shown


def _png(entry: Entry, schedule: Any) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    import jaxsched as js

    fig, ax = plt.subplots(figsize=(7.5, 2.6), dpi=80, layout="constrained")
    try:
        js.plot(
            schedule,
            total_steps=entry.steps,
            ax=ax,
            labels=[entry.name],
            steps_per_epoch=entry.steps_per_epoch,
        )
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        ax.grid(alpha=0.3)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


_built: dict[str, Any] = {}


def on_files(files: Any, *, config: Any) -> Any:
    from mkdocs.structure.files import File

    import jaxsched as js

    _built.clear()
    for _, _, entries in _entries():
        for entry in entries:
            schedule = entry.build(js)
            _built[entry.name] = schedule
            files.append(
                File.generated(config, f"{PLOTS}/{entry.name}.png", content=_png(entry, schedule))
            )
    return files


def _summary(name: str) -> str:
    import jaxsched as js

    doc = inspect.getdoc(getattr(js, name)) or ""
    return rst_to_markdown(" ".join(doc.strip().split("\n\n", 1)[0].split()))


def page_markdown() -> str:
    lines: list[str] = []
    for title, text, entries in _entries():
        lines += [f"## {title}", "", text, ""]
        for entry in entries:
            schedule = _built[entry.name]
            lines += [
                f"### {entry.name}",
                "",
                f"{_summary(entry.name)} [Reference][jaxsched.{entry.name}].",
                "",
                f"![{entry.name} over {entry.steps} updates]({PLOTS}/{entry.name}.png){{ loading=lazy }}",
                "",
                "```text",
                str(schedule),
                "```",
                "",
            ]
            if entry.note:
                lines += [entry.note, ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, *, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri != PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(
            f"docs/{PAGE} lost its marker {MARKER}: put it back where the catalogue goes."
        )
    return markdown.replace(MARKER, page_markdown())
