"""Offline HTML pages and site indexes: self-contained, no code, no broken links."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from matplotlib.figure import Figure
from nbformat.v4 import (
    new_code_cell,
    new_markdown_cell,
    new_notebook,
    new_output,
)

from soko.report.html import OfflinePageError, external_resources, render_page
from soko.report.site import PageEntry, write_root_index, write_year_index

BANNER = "Для служебного пользования"


def png_base64() -> str:
    fig = Figure(figsize=(2, 1.5))  # no pyplot: no global state, no GUI backend
    fig.add_subplot().bar(["2", "3", "4", "5"], [5, 30, 45, 20])
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def executed_notebook(path: Path, extra_markdown: str = "") -> Path:
    """A notebook as papermill leaves it, built directly (no kernel needed)."""
    table = pd.DataFrame({"Муниципалитет": ["Город А", "Район Б"], "Средний балл": [14.2, 12.9]})
    png = png_base64()
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Результаты ВПР\n\nДоля отметок «5» выросла." + extra_markdown),
            new_code_cell(
                "year = 2000",
                metadata={"tags": ["parameters"]},
                outputs=[new_output("stream", name="stdout", text="PARAM_DEFAULT_OUTPUT\n")],
            ),
            new_code_cell(
                "year = 2025",
                metadata={"tags": ["injected-parameters"]},
                outputs=[new_output("stream", name="stdout", text="INJECTED_OUTPUT\n")],
            ),
            new_code_cell(
                "SECRET_CODE_LINE = table.to_html()",
                execution_count=3,
                outputs=[
                    new_output(
                        "stream",
                        name="stderr",
                        text="FutureWarning: STDERR_NOISE will change\n",
                    ),
                    new_output(
                        "execute_result",
                        data={"text/html": table.to_html(), "text/plain": str(table)},
                        execution_count=3,
                    ),
                ],
            ),
            new_code_cell(
                "plt.bar(...)",
                execution_count=4,
                outputs=[
                    new_output(
                        "execute_result",
                        data={"text/plain": "<BarContainer object of 4 artists>"},
                        execution_count=4,
                    ),
                    new_output(
                        "execute_result",
                        data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f00>]"},
                        execution_count=4,
                    ),
                    new_output(
                        "display_data",
                        data={"image/png": png, "text/plain": "<Figure size 200x150>"},
                    ),
                    new_output(
                        "display_data",
                        data={"application/javascript": "fetch('https://example.org')"},
                    ),
                ],
            ),
            new_code_cell("print('Итого')", outputs=[new_output("stream", text="Итого: 2\n")]),
            new_code_cell("x = 1", outputs=[]),
        ]
    )
    nbformat.write(nb, path)
    return path


@pytest.fixture
def page(tmp_path: Path) -> str:
    out = tmp_path / "site" / "2025" / "region.html"
    render_page(
        executed_notebook(tmp_path / "executed.ipynb"),
        out,
        title="ВПР-2025: регион <итоги>",
        breadcrumbs=[("Все годы", "../index.html"), ("2025", "index.html")],
        banner=BANNER,
        subtitle="Калужская область",
    )
    return out.read_text(encoding="utf-8")


def test_page_loads_nothing_from_outside(page: str) -> None:
    assert "<script" not in page.lower()
    assert "http://" not in page and "https://" not in page
    assert "<link" not in page.lower()
    assert external_resources(page) == []
    assert "require" not in page.lower() and "mathjax" not in page.lower()


def test_page_shows_outputs_not_code(page: str) -> None:
    assert "SECRET_CODE_LINE" not in page
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "STDERR_NOISE" not in page
    assert "PARAM_DEFAULT_OUTPUT" not in page and "INJECTED_OUTPUT" not in page
    assert "matplotlib.lines" not in page and "BarContainer" not in page
    assert "fetch(" not in page
    assert 'class="dataframe' in page and "Город А" in page and "14.2" in page
    assert "Итого: 2" in page
    assert "Результаты ВПР" in page and "«5»" in page


def test_page_frame(page: str) -> None:
    assert re.search(r'<html lang="ru">', page)
    assert '<meta charset="utf-8"' in page
    assert re.search(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{100,}', page)
    assert page.count(BANNER) == 2  # top and bottom
    assert "Калужская область" in page
    assert "ВПР-2025: регион &lt;итоги&gt;" in page  # escaped
    assert '<a href="../index.html">Все годы</a>' in page
    assert '<a href="index.html">2025</a>' in page
    assert "<style" in page and "--accent" in page  # CSS inlined


def test_no_banner(tmp_path: Path) -> None:
    out = tmp_path / "p.html"
    render_page(
        executed_notebook(tmp_path / "e.ipynb"), out, title="T", breadcrumbs=[], banner=None
    )
    html = out.read_text(encoding="utf-8")
    assert 'class="soko-banner' not in html and "<nav" not in html


def test_remote_image_in_markdown_fails_the_page(tmp_path: Path) -> None:
    nb = executed_notebook(tmp_path / "e.ipynb", "\n\n![герб](https://example.org/gerb.png)")
    out = tmp_path / "p.html"
    with pytest.raises(OfflinePageError, match=r"example\.org"):
        render_page(nb, out, title="T", breadcrumbs=[], banner=None)
    assert not out.exists()


def test_external_resources_detector() -> None:
    assert external_resources('<a href="https://fipi.ru">ФИПИ</a>') == []
    assert external_resources('<img src="data:image/png;base64,AAAA">') == []
    assert external_resources('<script src="require.js"></script>')
    assert external_resources('<link rel="stylesheet" href="x.css">')
    assert external_resources('<img src="fig.png">')
    assert external_resources("<style>@import 'fonts.css';</style>")
    assert external_resources('<div style="background: url(https://x/y.png)"></div>')
    assert external_resources("<p>текст про url(x) и src=y</p>") == []


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def test_year_index_links_built_pages_and_marks_failed(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    year_dir = reports / "2025"
    (year_dir / "mun").mkdir(parents=True)
    (year_dir / "region.html").write_text("<html></html>", encoding="utf-8")
    (year_dir / "mun" / "01.html").write_text("<html></html>", encoding="utf-8")
    pages = [
        PageEntry("Регион", "Калужская область", "region.html"),
        PageEntry("Муниципалитеты", "Город Калуга", "mun/01.html", status="ok"),
        PageEntry("Муниципалитеты", "Район <Б>", "mun/02.html", status="failed", note="ошибка"),
        PageEntry("Муниципалитеты", "Район В", "mun/03.html"),  # "ok" but the file is missing
    ]
    index = write_year_index(year_dir, 2025, pages, title="Оценка качества", banner=BANNER)
    write_root_index(reports, [2024, 2025], "Оценка качества", banner=BANNER)
    html = index.read_text(encoding="utf-8")

    assert index == year_dir / "index.html"
    assert '<html lang="ru">' in html and BANNER in html
    assert "Оценка качества, 2025 год" in html
    assert html.index("Регион") < html.index("Муниципалитеты")
    assert '<a href="region.html">Калужская область</a>' in html
    assert '<a href="mun/01.html">Город Калуга</a>' in html
    assert "mun/02.html" not in html and "mun/03.html" not in html
    assert html.count(">не построено<") == 2
    assert "Район &lt;Б&gt;" in html
    assert "не построено: 2" in html
    assert external_resources(html) == []
    for href in hrefs(html):
        assert (year_dir / href).is_file(), href

    root = (reports / "index.html").read_text(encoding="utf-8")
    assert '<a href="2025/index.html">2025 год</a>' in root
    assert "2024/index.html" not in root and "не построено" in root
    assert root.index("2025") < root.index("2024")
    for href in hrefs(root):
        assert (reports / href).is_file(), href
    assert external_resources(root) == []
