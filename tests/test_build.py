"""The whole build on the small demo: every template runs, pages are offline and private.

Every template in pipelines/pages.yml runs through the same papermill path as production, and
a cell that raises fails the test. What an analyst's «Run all» with default parameters shows
is checked cell by cell against tests/reference/ by nbval (tests/reference/conftest.py).
"""

from __future__ import annotations

import base64
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from soko.build import plan
from soko.pages import load_pages
from soko.report.html import external_resources
from tests.conftest import SmallRegion

pytestmark = pytest.mark.notebooks
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.fixture(scope="module")
def built(small_build: Path) -> Path:
    """The session's build of the small region (tests/conftest.py)."""
    return small_build


def test_every_declared_page_is_built_and_linked(small_region: SmallRegion, built: Path) -> None:
    year_dir = built / "2026"
    index = (year_dir / "index.html").read_text(encoding="utf-8")
    munis = sorted(
        pd.read_parquet(small_region.processed / "schools.parquet")["municipality_code"].unique()
    )
    expected = ["vpr_region.html", *(f"vpr_municipality_{m}.html" for m in munis)]
    for page in expected:
        assert (year_dir / page).is_file(), page
        assert f'href="{page}"' in index
    assert "не построено" not in index
    assert (built / "index.html").is_file()


def test_pages_are_offline_russian_without_code(built: Path) -> None:
    for page in (built / "2026").glob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert external_resources(html) == [], page.name
        assert 'lang="ru"' in html
        assert "Для служебного пользования" in html
        assert "import " not in html and "nb.context" not in html  # no code cells
        assert "Traceback" not in html
        if page.name != "index.html":
            assert "data:image/png;base64" in html  # charts embedded


def test_no_student_records_reach_the_pages(small_region: SmallRegion, built: Path) -> None:
    """Participant codes never appear in a rendered page; small groups are shown as «<5»."""
    results = pd.read_parquet(small_region.processed / "vpr_results.parquet")
    codes = set(results["participant_code"])
    for page in (built / "2026").glob("*.html"):
        html = re.sub(
            r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page.read_text(encoding="utf-8")
        )
        # a downloadable table (soko.page.download_link) is checked as the CSV it carries: its
        # base64 text can hold five digits in a row by chance
        html = re.sub(
            r"data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)",
            lambda m: base64.b64decode(m.group(1)).decode("utf-8-sig"),
            html,
        )
        # the footer's file digests are hexadecimal and can hold five digits in a row too
        html = re.sub(r"<code>[0-9a-f]{12,64}</code>", "", html)
        numbers = set(re.findall(r"(?<![\d,.])\d{5}(?![\d,])", html))
        assert not (numbers & codes), page.name


def test_a_failing_page_does_not_stop_the_others(small_region: SmallRegion, tmp_path: Path) -> None:
    """A missing template and a template whose jupytext pair disagrees each fail their page
    (the latter before a kernel starts, saying how to fix it); the other pages build."""
    pages = tmp_path / "pages.yml"
    _, specs = load_pages()
    unsynced = tmp_path / "unsynced" / "vpr_region.ipynb"
    unsynced.parent.mkdir()
    shutil.copy(NOTEBOOKS / "vpr_region.ipynb", unsynced)
    script = (NOTEBOOKS / "vpr_region.py").read_text(encoding="utf-8")
    unsynced.with_suffix(".py").write_text(
        script.replace("## Муниципалитеты", "## Районы"), "utf-8"
    )
    pages.write_text(
        "title: Тест\npages:\n"
        "  - {id: broken, template: does_not_exist.ipynb, title: Сломанная, section: Регион,"
        " scope: region, reads: []}\n"
        f"  - {{id: unsynced, template: {unsynced}, title: Несверенная, section: Регион,"
        " scope: region, reads: []}\n"
        "  - {id: vpr_region, template: vpr_region.ipynb, title: Регион, section: Регион,"
        " scope: region, reads: [vpr_marks, vpr_tasks, vpr_journal, vpr_scores]}\n",
        encoding="utf-8",
    )
    from soko.build import write_indexes
    from soko.pipeline.graph import run_graph

    bp = plan(2026, small_region.processed, tmp_path / "reports", pages=pages)
    result = run_graph(bp.graph, jobs=1)
    assert result.status("notebook:broken") == "failed"
    assert result.status("render:broken") == "skipped"
    assert result.status("notebook:unsynced") == "failed"
    first_line = result.tasks["notebook:unsynced"].error.splitlines()[0]
    assert f"jupytext --sync {unsynced}" in first_line and "«## Районы»" in first_line
    executed = small_region.processed / "notebooks" / "2026" / "unsynced.ipynb"
    assert not executed.exists()  # refused before a kernel ran
    assert result.status("render:vpr_region") == "ok"
    index = write_indexes(bp, result, tmp_path / "reports").read_text(encoding="utf-8")
    assert "не построено" in index and 'href="vpr_region.html"' in index
    assert specs  # the real declaration still parses
