"""The PISA-model region template runs on the small demo region, for the latest study year
by default and for an earlier one, and shows no student-level row."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.test_survey_pages import _run, processed  # noqa: F401 - the fixture

pytestmark = pytest.mark.notebooks


def test_pisa_region_page(processed: Path, tmp_path: Path) -> None:  # noqa: F811
    text = _run("pisa_region.ipynb", tmp_path, processed_dir=str(processed))
    assert "В 2026 году в исследовании участвовали" in text  # the latest study year
    assert "доверительный интервал" in text and "представляет регион" in text
    students = pd.read_parquet(processed / "pisa_students.parquet")
    assert not any(sid in text for sid in students["student_id"].head(50))
    text_2024 = _run(
        "pisa_region.ipynb", tmp_path / "y2024", year=2024, processed_dir=str(processed)
    )
    assert "В 2024 году" in text_2024 and "проводится впервые" in text_2024


def test_municipality_page_text_gives_estimates_only_for_a_large_sample() -> None:
    import pandas as pd

    from soko.formats.replicate_study.commentary import municipality_page_text

    munis = pd.DataFrame(
        {
            "year": [2026, 2026, 2026],
            "unit_code": ["01", "01", "02"],
            "n": [120, 120, 41],
            "n_schools": [6, 6, 3],
            "reliable": [True, True, False],
        }
    )
    big = municipality_page_text(munis, "01", "Город", 2026)
    assert big.startswith("Город: в выборке 2026 года 6 школ и 120 обучающихся.")
    assert "достаточно для оценок" in big
    small = municipality_page_text(munis, "02", "Район", 2026)
    assert "3 школы и 41 обучающийся" in small and "результаты региона в целом" in small
    assert "ни одна школа" in municipality_page_text(munis, "03", "Село", 2026)
