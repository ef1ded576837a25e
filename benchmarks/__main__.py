"""python -m benchmarks: every section, free and pinned to one core, as one set of tables.

Options: ``--smoke`` (tiny sizes, one round, the pinned run on one section only: checks
that everything runs, measures nothing), ``--section NAME`` (repeatable), ``--json PATH``
(the tables as JSON), ``--no-pin`` (skip the pinned run), ``--core N`` (the core to pin
to; default: the last).

The free run happens in this process. Then the same sections run again in a child process
that binds itself to one core before it imports JAX (XLA sizes its thread pool at
start-up). Measured cells show ``free / pinned``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "jax")  # before anything imports keras
PIN = "BENCHMARKS_PIN_TO_CORE"  # set by the parent for the pinned child
if PIN in os.environ:  # before JAX is imported (no fork-time hook: the parent has threads)
    os.sched_setaffinity(0, {int(os.environ.pop(PIN))})

from benchmarks import SECTIONS  # noqa: E402
from benchmarks._common import Table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def measure(names: list[str], smoke: bool, label: str) -> dict[str, list[Table]]:
    tables = {}
    for name in names:
        start = time.perf_counter()
        tables[name] = importlib.import_module(f"benchmarks.{name}").run(smoke)
        print(f"[{label}] {name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return tables


def start_pinned(names: list[str], smoke: bool, core: int, path: Path) -> subprocess.Popen:
    """The same sections in a child process that binds itself to ``core`` first thing."""
    command = [sys.executable, "-m", "benchmarks", "--child", "--json", str(path)]
    command += [f"--section={name}" for name in names] + ["--smoke"] * smoke
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, PIN: str(core)})


def finish_pinned(child: subprocess.Popen, path: Path) -> dict[str, list[Table]]:
    if child.wait() != 0:
        raise SystemExit(f"the pinned run failed with exit status {child.returncode}")
    result = json.loads(path.read_text())
    if len(result["affinity"]) != 1:
        raise SystemExit(f"the pinned run ran on cores {result['affinity']}")
    sections = result["sections"]
    return {name: [Table(**t) for t in tables] for name, tables in sections.items()}


def merge(free: list[Table], pinned: list[Table]) -> list[Table]:
    """Each measured (float) cell of ``free`` gets its pinned twin, ``<column> pinned``."""
    for table, other in zip(free, pinned, strict=True):
        measured = {k for row in table.rows for k, v in row.items() if isinstance(v, float)}
        for row, twin in zip(table.rows, other.rows, strict=True):
            for key in [k for k in row if k in measured]:
                row[f"{key} pinned"] = twin.get(key)
        table.seconds = {**table.seconds, **{f"{k} pinned": v for k, v in other.seconds.items()}}
    return free


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.0f}" if abs(value) >= 100 else f"{value:#.3g}"
    return str(value)


def markdown(table: Table) -> str:
    """The table as Markdown; a measured column shows ``free / pinned`` when pinned ran."""
    columns = [k for k in dict.fromkeys(k for row in table.rows for k in row)]
    shown = [k for k in columns if not k.endswith(" pinned")]
    header = [f"{k} (free / pinned)" if f"{k} pinned" in columns else k for k in shown]
    lines = [header, ["---"] * len(shown)]
    for row in table.rows:
        cells = []
        for key in shown:
            cell = _cell(row.get(key))
            if f"{key} pinned" in columns:
                cell = f"{cell} / {_cell(row.get(f'{key} pinned'))}"
            cells.append(cell)
        lines.append(cells)
    widths = [max(len(line[i]) for line in lines) for i in range(len(shown))]
    lines[1] = ["-" * w for w in widths]
    return "\n".join(
        "| " + " | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) + " |"
        for line in lines
    )


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    if Path("/proc/cpuinfo").exists():
        names = [line for line in Path("/proc/cpuinfo").read_text().splitlines()]
        cpu = next((n.split(":", 1)[1].strip() for n in names if n.startswith("model name")), cpu)
    versions = {"python": platform.python_version()}
    for package in ("jax", "jaxlib", "optax", "numpy", "torch", "keras"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "date": datetime.date.today().isoformat(),
        "versions": versions,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--section", action="append", choices=list(SECTIONS), metavar="NAME")
    parser.add_argument("--json", type=Path, metavar="PATH", help="write the tables as JSON")
    parser.add_argument("--no-pin", action="store_true", help="skip the pinned run")
    parser.add_argument("--core", type=int, help="core of the pinned run (default: last)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.section or list(SECTIONS)
    core = None
    if not args.child and not args.no_pin:
        if hasattr(os, "sched_setaffinity"):
            core = max(os.sched_getaffinity(0)) if args.core is None else args.core
        else:
            print("no os.sched_setaffinity here: the pinned run is skipped", file=sys.stderr)
    # A smoke run measures nothing: it starts the pinned child at once, alongside, on the
    # cheapest section only (the child runs the same code as this process).
    pin = names if not args.smoke else [n for n in names if n == "graph"] or names[:1]
    with tempfile.TemporaryDirectory() as folder:
        path, child = Path(folder) / "pinned.json", None
        if core is not None and args.smoke:
            child = start_pinned(pin, args.smoke, core, path)
        tables = measure(names, args.smoke, "pinned" if args.child else "free")
        if core is not None:
            child = child or start_pinned(pin, args.smoke, core, path)
            for name, other in finish_pinned(child, path).items():
                merge(tables[name], other)
    info = machine() | {"smoke": args.smoke, "pinned core": core}
    if args.json:
        sections = {n: [dataclasses.asdict(t) for t in ts] for n, ts in tables.items()}
        args.json.write_text(json.dumps(info | {"sections": sections}, indent=1) + "\n")
    if args.child:
        return
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items())
    print(f"{info['cpu']}, {info['cores']} cores; {versions}; {info['date']}")
    print("cells: medians over interleaved rounds (of paired ratios, or of seconds)", end="")
    print(f"; free / pinned to core {core}" if core is not None else "; free only")
    if args.smoke:
        print("SMOKE RUN: tiny sizes, one round; the numbers mean nothing")
    for name in names:
        print(f"\n## {SECTIONS[name]}")
        for table in tables[name]:
            print(f"\n### {table.title}\n")
            print(markdown(table) if table.rows else "(no rows)")
            for note in table.notes:
                print(f"\n{note}")
        goals = getattr(importlib.import_module(f"benchmarks.{name}"), "goals", None)
        if goals is not None:
            print("\n" + "\n".join(goals(tables[name])))


if __name__ == "__main__":
    main()
