"""ГИА pages: commentary on hand-made rows, suppression in rendered tables, and the
templates run through the production papermill path on the small demo region."""

from __future__ import annotations

import json
import re
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from soko.formats.rcoi_protocol import commentary, pages
from soko.formats.rcoi_protocol.labels import rename
from soko.pipeline.derived import derive_table
from soko.pipeline.notebooks import execute_notebook
from soko.procedures.ege import KIND as EGE
from soko.procedures.oge import KIND as OGE
from soko.registry import discover
from tests.conftest import SmallRegion

matplotlib.use("Agg")
NB = "\u00a0"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def _oge(rows: list[tuple]) -> pd.DataFrame:
    cols = ["year", "subject", "label", "n", "share_mark2", "success_rate", "quality_rate",
            "n_condition_failed", "share_condition_failed"]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def test_oge_summary_compares_with_the_region_and_skips_small_groups() -> None:
    unit = _oge(
        [
            (2026, "ru", "Русский язык", 40, 0.10, 0.90, 0.50, 0, 0.0),
            (2026, "ma", "Математика", 60, 0.05, 0.95, 0.70, 3, 0.05),
            (2026, "hi", "История", 3, 0.67, 0.33, 0.00, 0, 0.0),  # under 5: never named
            (2025, "ru", "Русский язык", 40, 0.50, 0.50, 0.10, 0, 0.0),  # another year
        ]
    )
    region = _oge(
        [
            (2026, "ru", "Русский язык", 400, 0.12, 0.88, 0.60, 0, 0.0),
            (2026, "ma", "Математика", 500, 0.06, 0.94, 0.65, 10, 0.02),
        ]
    )
    text = commentary.marks_summary(OGE, unit, region, "Район", 2026)
    assert text.startswith("Район, ОГЭ-2026: 100 результатов по 2 предметам.")
    assert f"Русский язык — 90,0{NB}% (регион 88,0{NB}%)" in text
    assert f"Математика — 95,0{NB}% (регион 94,0{NB}%)" in text
    assert f"Больше всего отметок «2» — Русский язык: 10,0{NB}%" in text
    assert f"Математика: 5,0{NB}% участников набрали баллы на «3»" in text
    assert "История" not in text
    small = commentary.marks_summary(OGE, unit[unit["n"] < 5], None, "Район", 2026)
    assert "не менее 5" in small and "%" not in small


def test_ege_summary_minimums_and_high_scorers() -> None:
    unit = pd.DataFrame(
        {
            "year": [2026, 2026, 2026],
            "subject": ["ru", "ob", "hi"],
            "label": ["Русский язык", "Обществознание", "История"],
            "n": [50, 30, 4],
            "mean_test_score": [70.26, 55.0, 90.0],
            "n_below_min": [0, 6, 1],
            "share_below_min": [0.0, 0.2, 0.25],
            "n_high": [10, 2, 4],
            "n_100": [1, 0, 1],
        }
    )
    text = commentary.scores_summary(EGE, unit, None, "Регион", 2026)
    assert "Регион, ЕГЭ-2026: 80 результатов по 2 предметам." in text
    assert "Средний тестовый балл: Русский язык — 70,3, Обществознание — 55,0." in text
    assert f"Не набрали минимального балла: Обществознание — 20,0{NB}%." in text
    assert f"(81–100) — 12 (15,0{NB}% всех результатов), из них 100 баллов — 1." in text
    assert "История" not in text


def test_dynamics_summary_names_the_worst_change() -> None:
    unit = pd.DataFrame(
        {
            "year": [2026, 2026, 2026],
            "subject": ["ru", "ma", "ob"],
            "label": ["Русский язык", "Математика", "Обществознание"],
            "n": [50, 40, 30],
            "prev_year": [2025, 2025, pd.NA],
            "n_prev": [45, 3, pd.NA],  # maths: last year's group was too small to compare
            "mean_test_score_change": [-4.25, -20.0, 1.0],
        }
    )
    text = commentary.dynamics_summary(unit, 2026, "mean_test_score", "средний балл")
    assert text == (
        "Изменение за год (средний балл): рост по 0, снижение по 1 из 1 предмета. "
        "Наибольшее ухудшение — Русский язык: -4,3 (с 2025 года)."
    )
    shares = unit.assign(share_below_min_change=[0.1, 0.5, -0.1]).drop(
        columns="mean_test_score_change"
    )
    text = commentary.dynamics_summary(
        shares, 2026, "share_below_min", "доля", higher_is_better=False
    )
    assert f"Русский язык: +10,0{NB}п.{NB}п." in text
    none = commentary.dynamics_summary(unit[unit["subject"] == "ob"], 2026, "mean_test_score", "x")
    assert none.startswith("Сравнение с прошлыми годами невозможно")


def test_tables_are_suppressed_and_labelled(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    monkeypatch.setattr(pages, "display", lambda obj: shown.append(obj.data))
    table = pd.DataFrame(
        {
            "label": ["Русский язык", "История"],
            "subject": ["ru", "hi"],
            "n": [20, 3],
            "mean_test_score": [64.25, 99.0],
            "share_below_min": [0.05, 0.0],
        }
    )
    page = pages.GiaPage(ctx=None, kind=EGE, table=table)  # type: ignore[arg-type]
    pages.show(page, table, ["label", "n", "mean_test_score", "share_below_min"])
    html = shown[0]
    assert "Средний тестовый балл" in html and "Ниже минимального балла, %" in html
    assert "64,3" in html and f"5,0{NB}%" in html
    assert "История" in html and "99,0" not in html and "&lt;5" in html
    renamed = rename(pd.DataFrame(columns=["share_band5", "share_high_change"]), EGE)
    assert list(renamed.columns) == [
        "81–100 баллов, %",
        "Высокобалльники (81–100): изменение, п. п.",
    ]


# --- the templates ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def derived(small_region: SmallRegion) -> Path:
    for proc in discover():
        if proc.code in ("oge", "ege"):
            for spec in proc.derived:
                derive_table(spec.name, small_region.processed)
    return small_region.processed


def _outputs(path: Path) -> tuple[str, list[str]]:
    book = json.loads(path.read_text(encoding="utf-8"))
    errors = [
        o["evalue"]
        for c in book["cells"]
        for o in c.get("outputs", [])
        if o["output_type"] == "error"
    ]
    return path.read_text(encoding="utf-8"), errors


@pytest.mark.notebooks
@pytest.mark.parametrize("procedure", ["oge", "ege"])
@pytest.mark.parametrize(
    ("template", "extra"),
    [("gia_region.ipynb", {}), ("gia_municipality.ipynb", {"municipality": "02"})],
)
def test_templates_render_for_each_procedure(
    derived: Path, small_region: SmallRegion, tmp_path: Path, procedure: str, template: str,
    extra: dict[str, str],
) -> None:  # fmt: skip
    out = tmp_path / template
    params = {"procedure": procedure, "year": 2026, "processed_dir": str(derived), **extra}
    execute_notebook(NOTEBOOKS / template, out, params, cwd=NOTEBOOKS)
    text, errors = _outputs(out)
    assert not errors, errors
    assert text.count("image/png") >= 4
    assert ("ОГЭ-2026" if procedure == "oge" else "ЕГЭ-2026") in text
    if "municipality" in extra:
        assert "г. Новоберёзовск" in text and "регион" in text
    # no student rows: no pseudonymous id and no raw answer string reaches the page
    results = pd.read_parquet(derived / f"{procedure}_results.parquet")
    visible = re.sub(r'"image/png": "[^"]*"', "", text)
    assert not any(pid in visible for pid in results["participant_id"].unique())
    assert not any(a in visible for a in results["long_answers"].unique() if len(a) > 12)


@pytest.mark.notebooks
@pytest.mark.parametrize("template", ["gia_region.ipynb", "gia_municipality.ipynb"])
def test_templates_run_by_hand_with_default_parameters(
    derived: Path, tmp_path: Path, template: str
) -> None:
    """What an analyst does in JupyterLab: no parameters injected, «Run all» (ОГЭ, last year,
    first municipality)."""
    out = tmp_path / template
    execute_notebook(NOTEBOOKS / template, out, {}, env={"SOKO_PROCESSED": str(derived)})
    text, errors = _outputs(out)
    assert not errors, errors
    assert "ОГЭ-2026" in text and "image/png" in text
