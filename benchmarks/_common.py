"""The one timing helper every section uses, and the table every section returns."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import jax


@dataclasses.dataclass
class Table:
    """Rows of one table: text and integer cells are labels (the same in every run), float
    cells are measured (a pinned run gives a second value for each)."""

    title: str
    rows: list[dict[str, Any]]
    notes: list[str] = dataclasses.field(default_factory=list)
    seconds: dict[str, float] = dataclasses.field(default_factory=dict)  # medians, JSON only


def interleaved(
    cases: Mapping[str, Callable[[], Any]], rounds: int, warmup: int = 1
) -> dict[str, list[float]]:
    """Seconds of each call of each case, ``rounds`` times, after ``warmup`` untimed calls.

    A round calls every case once (A, B, C, then B, C, A: the first case moves on by one
    each round, so that no case always comes first) and waits for the result with
    ``jax.block_until_ready``, so that noise on a shared machine hits all cases alike and
    ratios can be taken round by round.
    """
    names = list(cases)
    for _ in range(warmup):
        for name in names:
            jax.block_until_ready(cases[name]())
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            jax.block_until_ready(cases[name]())
            times[name].append(time.perf_counter() - start)
    return times


def ratios(times: Mapping[str, list[float]], base: str) -> dict[str, float]:
    """The median over rounds of each case's time divided by ``base``'s in the same round."""
    return {
        name: statistics.median(a / b for a, b in zip(seconds, times[base], strict=True))
        for name, seconds in times.items()
    }


def medians(times: Mapping[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(seconds) for name, seconds in times.items()}


def equations(jaxpr: Any) -> int:
    """Equations of a jaxpr, those of the jaxprs inside it (loops, calls) included."""
    count = 0
    for eqn in jaxpr.eqns:
        count += 1
        for param in eqn.params.values():
            for sub in param if isinstance(param, list | tuple) else [param]:
                inner = getattr(sub, "jaxpr", sub)
                if hasattr(inner, "eqns"):
                    count += equations(inner)
    return count
