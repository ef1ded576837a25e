"""The docs site builds with ``mkdocs build --strict`` and shows what it promises.

One build (about 20 s) serves every test of the module: the catalogue has a plot of
every public schedule, the API reference has an entry for every name of
``jaxsched.__all__``, math is MathML, and no page loads anything from the network.
"""

from __future__ import annotations

import html
import inspect
import os
import pathlib
import re
import struct
import subprocess
import sys

import pytest

import jaxsched as js
from tests.helpers import ROOT

HOOKS = ROOT / "docs" / "_hooks"

pytest.importorskip("mkdocs")
pytest.importorskip("mkdocstrings")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,  # snippets are embedded by paths from the repository root
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNING" not in output, output
    return site_dir


def public_schedules() -> list[str]:
    """Schedule classes and the factories that build them (they record their call)."""
    names = []
    for name in js.__all__:
        obj = getattr(js, name)
        if inspect.isclass(obj):
            if issubclass(obj, js.Schedule) and obj is not js.Schedule:
                names.append(name)
        elif getattr(obj, "records_call", False):
            names.append(name)
    return names


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_public_schedules_are_found() -> None:
    names = public_schedules()
    assert {"CosineDecay", "Join", "warmup_cosine_decay"} <= set(names)
    assert "Schedule" not in names and "parse" not in names


def test_catalogue_plots_every_public_schedule(site: pathlib.Path) -> None:
    page = (site / "catalogue" / "index.html").read_text()
    for name in public_schedules():
        image = site / "catalogue-plots" / f"{name}.png"
        assert image.is_file(), f"no catalogue plot for {name}"
        width, height = png_size(image.read_bytes())
        assert width > 200 and height > 100, (name, width, height)
        assert f"catalogue-plots/{name}.png" in page, f"the catalogue does not show {name}'s plot"
        # The text form shown is the example's own str(), which parses back.
        assert f'id="{name.lower()}"' in page, f"no catalogue entry for {name}"


def test_catalogue_text_forms_parse_back(site: pathlib.Path) -> None:
    page = (site / "catalogue" / "index.html").read_text()
    blocks = re.findall(r'<div class="highlight"><pre><span></span><code>(.*?)</code>', page, re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", block)).strip() for block in blocks]
    assert len(texts) >= len(public_schedules())
    for text in texts:
        if "FromFunction" in text or "Sum" in text:
            continue  # a function by name parses once registered; `+` is no call
        assert str(js.parse(text)) == text


def test_api_reference_has_every_public_name(site: pathlib.Path) -> None:
    page = (site / "api" / "index.html").read_text()
    missing = [name for name in js.__all__ if f'id="jaxsched.{name}"' not in page]
    assert not missing, f"not in the API reference: {missing}"


def test_math_is_rendered_to_mathml(site: pathlib.Path) -> None:
    pages = {p: p.read_text() for p in site.rglob("*.html")}
    leftover = [
        str(p.relative_to(site))
        for p, text in pages.items()
        if re.search(r'class="arithmatex">\\[(\[]', text)
    ]
    assert not leftover, f"TeX left unconverted on {leftover}"
    api = html.unescape(pages[site / "api" / "index.html"])
    assert api.count("<math") > 50
    # adam_step_size's formula, a block with beta_2 to the power t.
    assert re.search(r'<math[^>]*display="block".*?<msubsup><mi>β</mi><mn>2</mn>', api, re.S)


def test_reference_roles_become_links(site: pathlib.Path) -> None:
    api = (site / "api" / "index.html").read_text()
    assert ":func:`" not in api and ":class:`" not in api and ":math:`" not in api
    assert re.search(r'<a[^>]+href="#jaxsched\.describe"', api)


def test_pages_load_nothing_from_the_network(site: pathlib.Path) -> None:
    remote = re.compile(r'<(?:script|link|img)[^>]+(?:src|href)="(?:https?:)?//', re.I)
    offenders = [
        str(p.relative_to(site)) for p in site.rglob("*.html") if remote.search(p.read_text())
    ]
    assert not offenders, offenders


@pytest.mark.parametrize(
    ("docstring", "expected"),
    [
        (":math:`v(t) = I`", "$v(t) = I$"),
        ("Uses :func:`describe`.", "Uses [`describe`][jaxsched.describe]."),
        ("See :func:`jaxsched.phases`.", "See [`phases`][jaxsched.phases]."),
        (":attr:`~Schedule.horizon`", "[`horizon`][jaxsched.Schedule]"),
        ("An :class:`Unknown` thing", "An `Unknown` thing"),
        ("Example:\n  >>> 1", "Examples:\n  >>> 1"),
        ("Intro.\n\n.. math:: a = b\n\nMore.", "Intro.\n\n\n$$\na = b\n$$\n\nMore."),
        (
            "Intro.\n\n  .. math::\n    a \\\\\n    b\n\n  More.",
            "Intro.\n\n\n  $$\n  a \\\\\n  b\n  $$\n\n  More.",
        ),
    ],
)
def test_docstring_rst_to_markdown(docstring: str, expected: str) -> None:
    sys.path.insert(0, str(HOOKS))
    try:
        from rst_docstrings import rst_to_markdown
    finally:
        sys.path.remove(str(HOOKS))
    assert rst_to_markdown(docstring) == expected
