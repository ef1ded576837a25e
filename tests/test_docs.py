"""Every Python snippet in docs/ runs as written (each page in one namespace, in order).

Pages are found recursively. A block that embeds a file with ``--8<--`` (an example script
shown on a how-to page) is skipped here: the script is run by its own test.
"""

from __future__ import annotations

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).parent.parent / "docs"
BLOCK = re.compile(r"^```python\n(.*?)^```", flags=re.S | re.M)


def runnable_blocks(text: str) -> list[str]:
    return [block for block in BLOCK.findall(text) if "--8<--" not in block]


PAGES = sorted(p for p in DOCS.rglob("*.md") if runnable_blocks(p.read_text()))


def test_pages_are_found_in_subfolders() -> None:
    folders = {page.parent for page in PAGES}
    assert DOCS in folders and len(folders) > 1, folders


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(DOCS)) for p in PAGES])
def test_doc_snippets_run(
    page: pathlib.Path, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Snippets that save a file or a plot write into a fresh folder, never the checkout.
    monkeypatch.chdir(tmp_path)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = runnable_blocks(page.read_text())
    namespace: dict = {}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"{page.relative_to(DOCS)} snippet {i}", "exec"), namespace)
    finally:
        plt.close("all")


def test_embedded_blocks_are_skipped() -> None:
    text = '```python\n--8<-- "examples/plain_optax.py"\n```\n\n```python\nx = 1\n```\n'
    assert runnable_blocks(text) == ["x = 1\n"]
