"""The value-added template runs on synthetic derived tables: region, municipality, a year
whose pairs have no previous year, and a year without any analysis.

tests/test_build.py runs it on the small demo once the real tables are built; this test
pins the edge cases the demo does not have, without the demo's cost.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from soko.pipeline.notebooks import execute_notebook
from tests import va_frames
from tests.notebook_text import notebook_text

pytestmark = pytest.mark.notebooks
TEMPLATE = Path(__file__).resolve().parent.parent / "notebooks" / "value_added.ipynb"


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("va_processed")
    schools = va_frames.schools_frame(18, 3)
    analyses = (("rpr", "student", "ru", 8), ("vpr", "school", "ma", 8))
    va_frames.write_tables(root, schools, (2025, 2026), analyses, pooled_grades=True)
    # the page context reads the years of ВПР from vpr_marks
    marks = pd.DataFrame({"year": [2024, 2025, 2026], "level": "region", "unit_code": "99"})
    marks.to_parquet(root / "derived" / "vpr_marks.parquet", index=False)
    return root


_outputs = notebook_text


@pytest.mark.parametrize(
    ("params", "expect"),
    [
        ({}, ["РПР, русский язык: 7 кл. (2025) → 8 кл. (2026)", "Муниципалитет", "сохранилась"]),
        ({"municipality": "03"}, ["Калиновский муниципальный округ: "]),
        ({"year": 2025}, ["изменения за год не определяются", "сравнить не с чем"]),
        ({"year": 2024}, ["За 2024 год оценок добавленной ценности нет"]),
    ],
)
def test_page_runs(processed: Path, tmp_path: Path, params: dict, expect: list[str]) -> None:
    out = tmp_path / "page.ipynb"
    execute_notebook(TEMPLATE, out, {"processed_dir": str(processed), **params})
    text = _outputs(out)
    for phrase in expect:
        assert phrase in text, phrase
    assert "школ" in text and "Правило." in text
    charts = out.read_text(encoding="utf-8").count('"image/png"')
    assert charts == (0 if params.get("year") == 2024 else 6)  # 3 charts × 2 analyses
    if "municipality" in params:  # tables list only the municipality's schools: № 3, 6, ...
        numbers = [int(n) for n in re.findall(r"Школа № (\d+)", text)]
        assert numbers and all(n % 3 == 0 for n in numbers)
