"""The objectivity template runs on synthetic derived tables: the region page, a
municipality with a marked school, one without, a year without markers and a year the
screen has no results for.

tests/test_build.py runs it on the small demo once the tables are registered; this test pins
the edge cases the demo does not have, without the demo's cost.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soko.config import vpr_scale
from soko.objectivity.evidence_tables import objectivity_evidence
from soko.objectivity.markers import federal_table
from soko.objectivity.settings import SIGNALS
from soko.pipeline.notebooks import execute_notebook
from tests.notebook_text import notebook_text

pytestmark = pytest.mark.notebooks
TEMPLATE = Path(__file__).resolve().parent.parent / "notebooks" / "objectivity.ipynb"
SCHOOLS = {"A": ("01", 14), "B": ("01", 12), "C": ("02", 11)}  # school: (municipality, n)
NAMES = {"01": "Первый район", "02": "Второй район"}


def _canonical(year: int) -> dict[str, pd.DataFrame]:
    """One work, «ru 4» of ``year``: three tasks (Б, Б, П), marks from the config scale."""
    rng = np.random.default_rng(year)
    scale = vpr_scale(year, "ru", 4)
    assert scale is not None
    rows, scores = [], []
    for school, (mun, n) in SCHOOLS.items():
        for i in range(n):
            parts = (int(rng.integers(3, 11)), int(rng.integers(2, 9)), int(rng.integers(0, 7)))
            total = sum(parts)
            mark = scale.mark(total)
            journal = min(5, mark + int(rng.integers(0, 2)))
            code = f"{school}{i:02d}"
            rows.append((year, "ru", 4, school, mun, code, "4А", 1, total, mark, journal))
            scores += [(year, "ru", 4, school, code, str(t + 1), s) for t, s in enumerate(parts)]
    results = pd.DataFrame(
        rows,
        columns=[
            "year",
            "subject",
            "grade",
            "school_code",
            "municipality_code",
            "participant_code",
            "class_label",
            "variant",
            "primary_score",
            "mark",
            "journal_mark",
        ],
    )
    task_scores = pd.DataFrame(
        scores,
        columns=["year", "subject", "grade", "school_code", "participant_code", "task", "score"],
    )
    tasks = pd.DataFrame(
        {
            "year": year,
            "subject": "ru",
            "grade": 4,
            "task": ["1", "2", "3"],
            "task_order": [1, 2, 3],
            "max_score": [10, 8, 6],
            "level": ["Б", "Б", "П"],
        }
    )
    return {"vpr_results": results, "vpr_task_scores": task_scores, "vpr_tasks": tasks}


def _signals(year: int, marked: set[str]) -> pd.DataFrame:
    rows = []
    for school, (mun, n) in SCHOOLS.items():
        z = dict.fromkeys((f"{s}_z" for s in SIGNALS), 0.1)
        hit = school in marked
        z["bunching_z"] = 3.2 if hit else 0.4
        rows.append(
            {
                "municipality_code": mun,
                "municipality_name": NAMES[mun],
                "school_code": school,
                "school_name": f"Школа {school}",
                "year": year,
                "subject": "ru",
                "grade": 4,
                "n": n,
                **z,
                "index_z": 2.6 if hit else 0.3,
                "marker": int(hit),
                "evidence": "На порогах отметок и на балл выше — 9 из 11 участников …"
                if hit
                else "",
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("objectivity_processed")
    derived = root / "derived"
    derived.mkdir()
    # the screen has 2025 (no markers) and 2026 (school A marked); ВПР also has 2024
    signals = pd.concat([_signals(2025, set()), _signals(2026, {"A"})], ignore_index=True)
    canonical = {
        name: pd.concat([_canonical(2025)[name], _canonical(2026)[name]], ignore_index=True)
        for name in ("vpr_results", "vpr_task_scores", "vpr_tasks")
    }
    evidence = objectivity_evidence(signals, **canonical)
    signals.to_parquet(derived / "objectivity_signals.parquet", index=False)
    federal_table(signals).to_parquet(derived / "objectivity_markers.parquet", index=False)
    evidence.to_parquet(derived / "objectivity_evidence.parquet", index=False)
    marks = pd.DataFrame({"year": [2024, 2025, 2026], "level": "region", "unit_code": "99"})
    marks.to_parquet(derived / "vpr_marks.parquet", index=False)
    return root


_outputs = notebook_text


@pytest.mark.parametrize(
    ("params", "charts", "expect"),
    [
        ({}, 1, ["Таблица в форме федеральных перечней", "Школа A", "у 1 школы из 3"]),
        ({"municipality": "01"}, 3, ["Обоснование по школам", "Школа A", "«3»"]),
        ({"municipality": "02"}, 1, ["нет ни одной работы с признаком"]),
        ({"year": 2025}, 1, ["ни у одной школы признаков нет", "нет ни одной работы"]),
        ({"year": 2024}, 1, ["За 2024 год оценки объективности нет (есть за 2025–2026)"]),
    ],
)
def test_page_runs(
    processed: Path, tmp_path: Path, params: dict, charts: int, expect: list[str]
) -> None:
    out = tmp_path / "page.ipynb"
    execute_notebook(TEMPLATE, out, {"processed_dir": str(processed), **params})
    text = _outputs(out)
    for phrase in expect:
        assert phrase in text, phrase
    assert "основание проверить, а не вывод" in text
    assert out.read_text(encoding="utf-8").count('"image/png"') == charts
    assert "A00" not in text  # no participant code reaches the page
    if params.get("year") == 2024:  # nothing is listed for a year the screen did not judge
        assert "Работы с признаками" not in text and "федеральных перечней" not in text
