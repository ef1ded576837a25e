"""Writes the API reference from ``jaxsched.__all__`` at build time.

The page lists every public name, grouped as the comments in ``jaxsched/__init__.py``
group ``__all__``, with a summary table (each docstring's first line) and the full entry
rendered by mkdocstrings. A name added to ``__all__`` appears here with no edit to the
docs; the marker below in ``docs/api.md`` says where.
"""

from __future__ import annotations

import inspect
import io
import pathlib
import sys
import tokenize
from typing import Any

sys.path.insert(0, str(pathlib.Path(__file__).parent))

from rst_docstrings import rst_to_markdown

MARKER = "<!-- api-reference -->"
API_PAGE = "api.md"


def groups() -> list[tuple[str, list[str]]]:
    """``__all__`` as ``(group comment, names)`` pairs, in the order of ``__init__.py``."""
    import jaxsched

    source = pathlib.Path(jaxsched.__file__).read_text()
    found: list[tuple[str, list[str]]] = []
    inside = False
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string == "__all__":
            inside = True
        elif inside and token.type == tokenize.COMMENT:
            found.append((token.string.lstrip("# ").strip(), []))
        elif inside and token.type == tokenize.STRING:
            if not found:
                found.append(("other", []))
            found[-1][1].append(token.string.strip("\"'"))
        elif inside and token.type == tokenize.OP and token.string == "]":
            break
    listed = {name for _, names in found for name in names}
    # __all__ built some other way than a literal list still gets every name a page.
    missing = [name for name in jaxsched.__all__ if name not in listed]
    if missing:
        found.append(("other", missing))
    return [(title, names) for title, names in found if names]


def summary(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    first = doc.strip().split("\n\n", 1)[0]
    return rst_to_markdown(" ".join(first.split())).replace("|", "\\|")


def reference_markdown() -> str:
    import jaxsched

    lines: list[str] = []
    for title, names in groups():
        lines += [f"## {title[:1].upper()}{title[1:]}", "", "| name | what it is |", "|---|---|"]
        lines += [
            f"| [`{name}`][jaxsched.{name}] | {summary(getattr(jaxsched, name))} |"
            for name in names
        ]
        lines.append("")
        for name in names:
            lines += [f"::: jaxsched.{name}", ""]
    return "\n".join(lines)


def on_page_markdown(markdown: str, *, page: Any, **kwargs: Any) -> str:
    if page.file.src_uri != API_PAGE:
        return markdown
    if MARKER not in markdown:
        raise ValueError(
            f"docs/{API_PAGE} lost its marker {MARKER}: put it back where the reference goes."
        )
    return markdown.replace(MARKER, reference_markdown())
