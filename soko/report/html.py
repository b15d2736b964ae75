"""Executed notebook -> one self-contained, offline HTML page.

Reviewers often read the reports in closed government networks, and nbconvert's default
page loads require.js and MathJax from public CDNs. Our own template (``templates/soko``)
emits no scripts and no remote resources, inlines its CSS, and images are already base64
PNG, so each page is a single file that opens anywhere. The finished page is checked for
remote or external loads before it is written: a notebook that would break offline reading
fails its page instead of shipping.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from soko.report.manifest import footer_tables

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_NAME = "soko"
CSS_PATH = TEMPLATES_DIR / TEMPLATE_NAME / "static" / "soko.css"

#: Cells that are plumbing, not content: papermill parameters and authors' opt-outs.
DROP_CELL_TAGS = frozenset({"parameters", "injected-parameters", "remove-cell", "remove_cell"})
DROP_OUTPUT_TAGS = frozenset({"remove-output", "remove_output"})
#: Output types a static page cannot use (they need a live kernel or JavaScript).
DROP_MIMETYPES = frozenset(
    {
        "application/javascript",
        "application/vnd.jupyter.widget-view+json",
        "application/vnd.jupyter.widget-state+json",
    }
)
#: ``<BarContainer object of 4 artists>``, ``[<matplotlib.lines.Line2D at 0x7f…>]``,
#: ``<Axes: xlabel='балл'>``, ``Text(0.5, 1.0, '…')``: the value of a plotting call left as a
#: cell's last line. Default object reprs mean nothing to a reader, so they are dropped.
_OBJECT_REPR = re.compile(r"^\s*[\[(]?\s*(<[A-Za-z_][\w.]*[\s:]|Text\()")


class OfflinePageError(ValueError):
    """The rendered page would load something from outside itself."""


def clean_notebook(nb: Any) -> Any:
    """Copy of ``nb`` with only what a reader should see: no parameter cells, no stderr
    (warnings), no bare object reprs, no script outputs, no empty code cells."""
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & DROP_CELL_TAGS:
            continue
        if cell.cell_type == "code":
            if tags & DROP_OUTPUT_TAGS:
                cell.outputs = []
            cell.outputs = [o for o in (_clean_output(o) for o in cell.outputs) if o is not None]
            if not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("widgets", None)
    return nb


def _clean_output(output: Any) -> Any | None:
    kind = output.get("output_type")
    if kind == "stream":
        return output if output.get("name") == "stdout" and output.get("text") else None
    if kind in ("display_data", "execute_result"):
        data = {k: v for k, v in output.get("data", {}).items() if k not in DROP_MIMETYPES}
        if not data:
            return None
        if (
            kind == "execute_result"
            and set(data) == {"text/plain"}
            and _OBJECT_REPR.match(_text(data["text/plain"]))
        ):
            return None
        output["data"] = data
    return output


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


_TAG_PATTERNS = (
    re.compile(r"<script\b[^>]*\bsrc\s*=[^>]*>", re.I),
    re.compile(r"<link\b[^>]*>", re.I),
    re.compile(r"<(?:iframe|frame|embed|object)\b[^>]*>", re.I),
    re.compile(
        r"""<[a-z][^>]*?\s(?:src|srcset|poster|background)\s*=\s*(?!["']?\s*data:)[^\s>]*""",
        re.I,
    ),
)
_CSS_BLOCKS = re.compile(r"<style\b[^>]*>(.*?)</style>|\sstyle\s*=\s*\"([^\"]*)\"", re.I | re.S)
_CSS_LOADS = re.compile(r"""url\(\s*["']?\s*(?!data:|#)[^)\s"']+|@import\b[^;]*""", re.I)


def external_resources(html: str) -> list[str]:
    """Snippets of ``html`` that would load something not embedded in the page.

    Links (``<a href>``) are navigation, not loads, and are allowed; data URIs are allowed.
    """
    found = [m.group(0)[:200] for p in _TAG_PATTERNS for m in p.finditer(html)]
    for block in _CSS_BLOCKS.finditer(html):
        css = block.group(1) or block.group(2) or ""
        found.extend(m.group(0)[:200] for m in _CSS_LOADS.finditer(css))
    return found


@lru_cache(maxsize=1)
def _css() -> str:
    return CSS_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _exporter() -> Any:
    """One exporter per process: building its Jinja environment costs more than a render."""
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,  # markdown images of local files become data URIs
    )


def render_page(
    executed: Path,
    out_html: Path,
    *,
    title: str,
    breadcrumbs: list[tuple[str, str]],
    banner: str | None,
    subtitle: str | None = None,
    footer: str | None = None,
    provenance: Mapping[str, str] | None = None,
    reads: Mapping[str, str | os.PathLike[str]] | None = None,
) -> None:
    """Render the executed notebook ``executed`` to the single-file page ``out_html``.

    ``breadcrumbs`` are (label, href relative to the page) links shown before the title;
    ``banner`` (e.g. «Для служебного пользования») is shown at the top and bottom;
    ``subtitle`` (e.g. the region) above the title; ``footer`` as a closing note. Raises
    ``OfflinePageError`` if the notebook's outputs would make the page load anything remote.

    ``provenance`` (:func:`soko.report.manifest.footer_facts`: date, commit, versions) adds
    the folded «О сборке» block to the footer; ``reads`` (table -> file, the page's declared
    reads) lists each table there with the short hash of its file, computed here, when the
    page is rendered: the tables are written by the same build.
    """
    import nbformat

    executed = Path(executed)
    out_html = Path(out_html)
    nb = clean_notebook(nbformat.read(executed, as_version=4))
    page_title = f"{title} — {subtitle}" if subtitle else title
    resources = {
        "metadata": {"name": title, "path": str(executed.parent)},
        "soko": {
            "title": title,
            "subtitle": subtitle,
            "page_title": page_title,
            "breadcrumbs": [(str(label), str(href)) for label, href in breadcrumbs],
            "banner": banner,
            "footer": footer,
            "provenance": _provenance(provenance, reads),
            "css": _css(),
        },
    }
    html, _ = _exporter().from_notebook_node(nb, resources=resources)
    problems = external_resources(html)
    if problems:
        raise OfflinePageError(
            f"страница «{title}» загружала бы внешние ресурсы: " + "; ".join(problems[:5])
        )
    write_text_atomic(out_html, html)


def _provenance(
    facts: Mapping[str, str] | None, reads: Mapping[str, str | os.PathLike[str]] | None
) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {**facts, "tables": footer_tables(reads or {})}


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a failed build never leaves half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
