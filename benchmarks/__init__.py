"""The benchmark suite: ``python -m benchmarks [--smoke] [--section NAME] [--json PATH]``.

Every section measures ratios side by side in one process, interleaved, after a warm-up,
then again in a child process pinned to one core; see docs/performance.md.
"""

# name for --section: the heading printed for it (benchmarks.<name> has run(smoke)).
SECTIONS = {
    "training": "1. Training step",
    "graph": "2. Graph size and compile time",
    "curves": "3. Whole curves",
    "sweep": "4. A 64-configuration sweep",
    "calls": "5. Calls from Python",
}
