"""The rating page: its texts and chart from soko.ratings.report, and the template run on
rating tables computed from synthetic results (region and municipality)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from soko.pipeline.notebooks import execute_notebook
from soko.ratings import load_settings
from soko.ratings import report as rr
from soko.ratings.tables import rating_table
from tests.notebook_text import notebook_text

TEMPLATE = Path(__file__).resolve().parent.parent / "notebooks" / "ratings_region.ipynb"


def frames(n_schools: int = 12, seed: int = 5) -> dict[str, pd.DataFrame]:
    """ВПР and ОГЭ results of schools with spread-out levels, in three municipalities."""
    rng = np.random.default_rng(seed)
    codes = [f"s{i:02d}" for i in range(n_schools)]
    munis = [f"{i % 3 + 1:02d}" for i in range(n_schools)]
    schools = pd.DataFrame(
        {
            "school_code": codes,
            "school_name": [f"Школа № {i}" for i in range(n_schools)],
            "municipality_code": munis,
            "municipality_name": [f"Округ {m}" for m in munis],
        }
    )
    vpr, oge = [], []
    for i, (code, muni) in enumerate(zip(codes, munis, strict=True)):
        for subject in ("ru", "ma"):
            for grade in (5, 6):
                score = np.clip(rng.normal(8 + i * 1.5, 5, 25).round(), 0, 30).astype(int)
                vpr.append(
                    pd.DataFrame(
                        {"year": 2026, "subject": subject, "grade": grade, "school_code": code,
                         "municipality_code": muni,
                         "participant_code": [f"{code}{subject}{grade}{k}" for k in range(25)],
                         "primary_score": pd.array(score, dtype="Int64"),
                         "mark": pd.array(np.digitize(score, [8, 15, 22]) + 2, dtype="Int64")}
                    )
                )  # fmt: skip
            marks = np.clip(rng.normal(3 + i * 0.15, 0.7, 15).round(), 2, 5).astype(int)
            oge.append(
                pd.DataFrame(
                    {"year": 2026, "subject": subject, "grade": 9, "school_code": code,
                     "municipality_code": muni,
                     "participant_id": [f"{code}{subject}{k}" for k in range(15)],
                     "primary_score": pd.array(marks * 5, dtype="Int64"),
                     "max_primary_score": pd.array([30] * 15, dtype="Int64"),
                     "mark": pd.array(marks, dtype="Int64")}
                )
            )  # fmt: skip
    tasks = pd.DataFrame(
        [{"year": 2026, "subject": s, "grade": g, "task": "1", "task_order": 1, "max_score": 30,
          "level": "базовый"} for s in ("ru", "ma") for g in (5, 6)]
    )  # fmt: skip
    return {
        "vpr_results": pd.concat(vpr, ignore_index=True),
        "vpr_tasks": tasks,
        "oge_results": pd.concat(oge, ignore_index=True),
        "ege_results": pd.DataFrame(),
        "schools": schools,
        "va_schools": pd.DataFrame(),
    }


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    f = frames()
    return {level: rating_table(level, **f) for level in ("schools", "municipalities")}


def test_rule_text_is_the_configuration_in_force() -> None:
    settings = load_settings()
    text = rr.rule_text(settings, "schools")
    total = sum(c.weight for c in settings.schools.components)
    for c in settings.schools.components:
        assert f"{c.title} ({rr.SOURCE_NAMES[c.source]}): вес {c.weight / total:.0%}" in text
    assert "меньше — лучше" in text and f"{settings.bootstrap.replicates} бутстреп" in text
    heavier = settings.schools.components[0].model_copy(update={"weight": 3 * total})
    changed = settings.model_copy(
        update={"schools": settings.schools.model_copy(update={"components": [heavier]})}
    )
    assert "вес 100%" in rr.rule_text(changed, "schools")


def test_summary_and_table(tables: dict[str, pd.DataFrame]) -> None:
    rows = rr.year_rows(tables["schools"], 2026)
    text = rr.summary(rows, "schools", "Регион", 2026)
    assert "оценено школ — 12" in text and "групп" in text
    shown = rr.table_for_page(rows, load_settings(), "schools")
    assert list(shown.columns[:5]) == ["Место", "Интервал места", "Группа", "Код", "Название"]
    assert shown["Место"].iloc[0] == "1"
    assert re.fullmatch(r"\d+–\d+", shown["Интервал места"].iloc[0])
    assert shown["ЕГЭ: средний тестовый балл (русский язык, математика)"].eq("—").all()
    assert re.fullmatch(r"\d+,\d %", shown.iloc[0, 7])  # ВПР score share as a percentage
    mine = rr.year_rows(tables["schools"], 2026, "02")
    assert set(mine["municipality_code"]) == {"02"} and len(mine) == 4


def test_caterpillar_highlights_a_municipality(tables: dict[str, pd.DataFrame]) -> None:
    rows = rr.year_rows(tables["schools"], 2026)
    fig = rr.caterpillar(rows, "schools", highlight="03", title="t")
    colours = fig.axes[0].collections[0].get_colors()
    grey = sum(1 for c in colours if np.allclose(c[:3], [0xC8 / 255, 0xCC / 255, 0xD0 / 255]))
    assert grey == 8  # the 8 schools of the two other municipalities
    assert len(fig.axes[0].get_yticklabels()) == 12


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory, tables: dict[str, pd.DataFrame]) -> Path:
    root = tmp_path_factory.mktemp("ratings_processed")
    (root / "derived").mkdir()
    tables["schools"].to_parquet(root / "derived" / "rating_schools.parquet", index=False)
    tables["municipalities"].to_parquet(
        root / "derived" / "rating_municipalities.parquet", index=False
    )
    marks = pd.DataFrame({"year": [2026], "level": "region", "unit_code": "99"})
    marks.to_parquet(root / "derived" / "vpr_marks.parquet", index=False)
    return root


@pytest.mark.notebooks
@pytest.mark.parametrize("municipality", [None, "02"])
def test_page_runs(processed: Path, tmp_path: Path, municipality: str | None) -> None:
    out = tmp_path / "page.ipynb"
    params = {"processed_dir": str(processed)}
    if municipality:
        params["municipality"] = municipality
    execute_notebook(TEMPLATE, out, params)
    text = notebook_text(out)
    assert "не различимы" in text or "место" in text
    assert "перекрываются" in text and "Действующее правило" in text
    assert out.read_text(encoding="utf-8").count('"image/png"') == 2
    assert text.count("data:text/csv") == 2
    if municipality:
        listed = set(re.findall(r"Школа № (\d+)", text.split("Рейтинг муниципалитетов")[0]))
        assert listed and all(int(n) % 3 == 1 for n in listed)
