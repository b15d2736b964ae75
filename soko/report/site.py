"""Site indexes: ``reports/index.html`` (years) and ``reports/<year>/index.html`` (pages).

Same frame and inlined CSS as the notebook pages, so the whole ``reports/`` folder can be
copied to a share or a USB stick and read offline. An index never links to a page that is
not there: failed pages, and pages whose file is missing, are listed as «не построено».
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from soko.report.html import CSS_PATH, TEMPLATE_NAME, TEMPLATES_DIR, write_text_atomic


@dataclass(frozen=True)
class PageEntry:
    """One page of a year's site.

    ``href`` is relative to the year folder (``region.html``, ``mun/12.html``). ``status``
    ``None`` or ``"ok"`` means built; anything else (``"failed"``, ``"skipped"``, …) lists
    the page as «не построено» without a link, as does a missing target file. ``reason`` says
    why a page was not built («не удалось вычислить таблицу va_schools — …»), shown after
    «не построено». ``note`` is an optional short remark shown next to the entry.
    """

    section: str
    label: str
    href: str
    status: str | None = None
    note: str | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status in (None, "ok")


@lru_cache(maxsize=1)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR / TEMPLATE_NAME)),
        autoescape=True,
        trim_blocks=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _render(template: str, **context: Any) -> str:
    import markupsafe

    css = markupsafe.Markup(CSS_PATH.read_text(encoding="utf-8"))
    return _environment().get_template(template).render(css=css, **context)


def _target_exists(base: Path, href: str) -> bool:
    """Whether a relative link from ``base`` points to an existing file.

    Links with a scheme or an absolute path cannot be checked offline and are trusted.
    """
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith("/"):
        return True
    if not parts.path:
        return True
    return (base / unquote(parts.path)).is_file()


def _sections(pages: Iterable[PageEntry], year_dir: Path) -> list[tuple[str, list[dict]]]:
    """Group pages by section, keeping first-appearance order of sections and pages."""
    grouped: dict[str, list[dict]] = {}
    for page in pages:
        built = page.ok and _target_exists(year_dir, page.href)
        grouped.setdefault(page.section, []).append(
            {
                "label": page.label,
                "href": page.href,
                "built": built,
                "note": page.note,
                "reason": None if built else page.reason,
            }
        )
    return list(grouped.items())


def write_year_index(
    year_dir: Path,
    year: int,
    pages: list[PageEntry],
    *,
    title: str,
    banner: str | None,
    subtitle: str | None = None,
    root_href: str | None = "../index.html",
    provenance: Mapping[str, str] | None = None,
) -> Path:
    """Write ``year_dir/index.html`` listing ``pages``; return its path.

    ``title`` is the site title (the page heading is «<title>, <year> год»); ``root_href``
    is the breadcrumb back to the list of years (``None`` to omit it); ``provenance``
    (:func:`soko.report.manifest.footer_facts`) the «О сборке» block of the footer.
    """
    year_dir = Path(year_dir)
    sections = _sections(pages, year_dir)
    total = sum(len(entries) for _, entries in sections)
    missing = sum(1 for _, entries in sections for e in entries if not e["built"])
    heading = f"{title}, {year} год"
    html = _render(
        "year_index.html.j2",
        page_title=f"{heading} — {subtitle}" if subtitle else heading,
        heading=heading,
        subtitle=subtitle,
        breadcrumbs=[("Все годы", root_href)] if root_href else [],
        banner=banner,
        sections=sections,
        total=total,
        missing=missing,
        provenance=provenance,
    )
    out = year_dir / "index.html"
    write_text_atomic(out, html)
    return out


def write_root_index(
    reports_dir: Path,
    years: list[int],
    title: str,
    *,
    banner: str | None = None,
    subtitle: str | None = None,
    provenance: Mapping[str, str] | None = None,
) -> Path:
    """Write ``reports_dir/index.html`` listing ``years`` (newest first); return its path.

    A year whose ``<year>/index.html`` does not exist is listed as «не построено»;
    ``provenance`` is the «О сборке» block of the footer (of the latest build).
    """
    reports_dir = Path(reports_dir)
    entries = [
        {
            "year": year,
            "href": f"{year}/index.html",
            "built": (reports_dir / str(year) / "index.html").is_file(),
        }
        for year in sorted(set(years), reverse=True)
    ]
    html = _render(
        "root_index.html.j2",
        page_title=f"{title} — {subtitle}" if subtitle else title,
        heading=title,
        subtitle=subtitle,
        banner=banner,
        years=entries,
        provenance=provenance,
    )
    out = reports_dir / "index.html"
    write_text_atomic(out, html)
    return out
