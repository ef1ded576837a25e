"""Our docstrings are Google style with a few reStructuredText constructs; this turns those
into Markdown the site renders, at build time, without touching the source.

- ``.. math::`` blocks become ``$$ ... $$`` and ``:math:`x``` roles ``$x$`` (arithmatex,
  then ``mathml.py`` turns both into MathML);
- ``:func:``, ``:class:``, ``:meth:``, ``:attr:``... roles naming a public jaxsched object
  become cross-references to its entry in the API reference, any other name plain code.

Used as a griffe extension by mkdocstrings (``mkdocs.yml``), and imported by the other
hooks for the summaries they print.
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
import types
from typing import Any

import griffe

_ROLE = re.compile(r":(?:func|class|meth|attr|data|obj|exc|mod):`(~?)([^`]+)`")
_MATH_ROLE = re.compile(r":math:`([^`]+)`")
_MATH_DIRECTIVE = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<rest>.*)$")
# griffe reads "Examples:" as code and prose; "Example:" would be a plain admonition.
_EXAMPLE_TITLE = re.compile(r"^([ \t]*)Example:[ \t]*$", re.M)


def _public_names() -> frozenset[str]:
    import jaxsched

    return frozenset(jaxsched.__all__)


def _role(match: re.Match[str], public: frozenset[str]) -> str:
    short, target = match.group(1), match.group(2).strip()
    if target.startswith("jaxsched."):
        target = target[len("jaxsched.") :]
    # ``~Schedule.horizon`` shows ``horizon`` in Sphinx; keep that reading.
    text = target.rsplit(".", 1)[-1] if short else target
    head = target.split(".", 1)[0]
    if head not in public:
        return f"`{text}`"
    # A member's own anchor exists only if it is rendered; its class's always does.
    return f"[`{text}`][jaxsched.{head}]"


def _math_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = _MATH_DIRECTIVE.match(lines[i])
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent = match.group("indent")
        body = [match.group("rest")] if match.group("rest").strip() else []
        i += 1
        block: list[str] = []
        while i < len(lines) and (
            not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > len(indent)
        ):
            block.append(lines[i])
            i += 1
        while block and not block[-1].strip():
            block.pop()
        body += textwrap.dedent("\n".join(block)).splitlines()
        # Arithmatex reads a block only when it stands as its own paragraph.
        out += ["", f"{indent}$$", *(f"{indent}{line}" for line in body), f"{indent}$$", ""]
    return "\n".join(out)


def rst_to_markdown(text: str) -> str:
    """Our docstring text with its reStructuredText math and roles in Markdown."""
    public = _public_names()
    text = _math_blocks(text)
    text = _EXAMPLE_TITLE.sub(r"\1Examples:", text)
    text = _MATH_ROLE.sub(lambda m: f"${m.group(1).strip()}$", text)
    return _ROLE.sub(lambda m: _role(m, public), text)


def _written_annotations(obj: griffe.Object) -> None:
    """Parameter types as the source writes them (``ArrayLike``), not as inspection
    expands them (``Union``)."""
    try:
        live = inspect.signature(griffe.dynamic_import(obj.path))
    except (ImportError, TypeError, ValueError):
        return
    for parameter in obj.parameters:
        written = live.parameters.get(parameter.name)
        if written is not None and isinstance(written.annotation, str):
            parameter.annotation = written.annotation


def _back_where_defined() -> None:
    """Gives the public objects (and their methods) the module they are defined in again.

    ``jaxsched/__init__.py`` names itself their module, so that pickles name public paths;
    griffe, which follows ``__module__`` to tell a definition from an alias, would then
    take each class for an alias of itself. A function knows its module by its globals.
    """
    import jaxsched

    for name in jaxsched.__all__:
        obj = getattr(jaxsched, name)
        members = vars(obj).values() if isinstance(obj, type) else ()
        functions = [getattr(m, "__func__", m) for m in members]
        functions = [f for f in functions if isinstance(f, types.FunctionType)]
        if isinstance(obj, types.FunctionType):
            obj.__module__ = obj.__globals__["__name__"]
        elif functions:  # a dataclass's generated methods have their class's globals too
            obj.__module__ = functions[0].__globals__["__name__"]
        for function in functions:
            function.__module__ = function.__globals__["__name__"]


class RstToMarkdown(griffe.Extension):
    """Rewrites every docstring of the loaded package before mkdocstrings parses it."""

    def __init__(self) -> None:
        super().__init__()
        # The reference is built by inspecting the live package (its constructors are
        # generated at import), which imports every submodule: ``jaxsched.__main__``
        # would run the command line. An empty stand-in is imported instead.
        sys.modules.setdefault("jaxsched.__main__", types.ModuleType("jaxsched.__main__"))
        _back_where_defined()

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
        if obj.is_class or obj.is_function:
            _written_annotations(obj)
        if obj.is_class:
            # A schedule's fields are its constructor's arguments, documented under
            # "Args": listed again as attributes they would only repeat them.
            arguments = {parameter.name for parameter in obj.parameters}
            for name in [n for n, m in obj.members.items() if m.is_attribute and n in arguments]:
                del obj.members[name]
