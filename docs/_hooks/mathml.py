"""Math rendered at build time: arithmatex's TeX becomes MathML, which browsers draw
natively. The site needs no MathJax and no network, and a formula that does not convert
fails the strict build.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

log = logging.getLogger("mkdocs.plugins.jaxsched.mathml")

# arithmatex's "generic" output: \( ... \) in a span, \[ ... \] in a div.
_INLINE = re.compile(r'<span class="arithmatex">\\\((.*?)\\\)</span>', re.S)
_BLOCK = re.compile(r'<div class="arithmatex">\\\[(.*?)\\\]</div>', re.S)


def _convert(tex: str, display: str, page: Any) -> str:
    try:
        from latex2mathml.converter import convert
    except ImportError:
        log.warning(
            "mathml: latex2mathml is not installed (pip install -e '.[docs]'); math is left as TeX."
        )
        return tex
    source = html.unescape(tex).strip()
    try:
        mathml = convert(source, display=display)
    except Exception as error:  # latex2mathml raises many kinds
        log.warning("mathml: %s: cannot convert %r: %s", page.file.src_uri, source, error)
        return html.escape(source)
    # The TeX stays as the accessible and copyable annotation of the formula.
    annotation = f'<annotation encoding="application/x-tex">{html.escape(source)}</annotation>'
    return re.sub(
        r"^(<math[^>]*>)(.*)</math>$",
        lambda m: (
            f"{m.group(1)}<semantics><mrow>{m.group(2)}</mrow>{annotation}</semantics></math>"
        ),
        mathml,
        flags=re.S,
    )


def on_page_content(content: str, *, page: Any, **kwargs: Any) -> str:
    content = _BLOCK.sub(
        lambda m: f'<div class="arithmatex">{_convert(m.group(1), "block", page)}</div>', content
    )
    return _INLINE.sub(
        lambda m: f'<span class="arithmatex">{_convert(m.group(1), "inline", page)}</span>', content
    )
