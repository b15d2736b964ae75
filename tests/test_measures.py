"""The register of measures: configuration, the demo's register through ingest, the derived
tables (register with names, effects' columns, the ШНОР roadmap by hand), the pages' prose
and chart, and the pages themselves on the small demo region."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from soko import derive
from soko.paths import notebooks_dir
from soko.pipeline.notebooks import execute_notebook
from soko.procedures.measures import charts, commentary
from soko.procedures.measures.settings import MeasuresFile, measures_settings
from soko.procedures.measures.tables import (
    EFFECT_COLUMNS,
    IN_LIST,
    LEFT,
    REGISTER_COLUMNS,
    ROADMAP_COLUMNS,
    register_table,
    roadmap_table,
)
from soko.settings.loading import validate
from tests.conftest import SmallRegion
from tests.notebook_text import notebook_images, notebook_text

CONFIG = Path(__file__).resolve().parents[1] / "config" / "measures.yml"


# --- configuration --------------------------------------------------------------------------


def test_shipped_config_is_valid() -> None:
    settings = measures_settings()
    assert {k.code for k in settings.kinds} >= {"shnor_support", "teacher_training"}
    assert settings.kind("teacher_training").outcome.by_register
    assert settings.kind("cross_check").outcome.indicator == "objectivity"


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            lambda t: t.replace(
                "outcome: {indicator: objectivity}",
                "outcome: {indicator: objectivity, procedure: vpr, subjects: [ru]}",
            ),
            "либо procedure",
        ),
        (lambda t: t.replace("code: curator_school", "code: shnor_support"), "повторяется"),
        (
            lambda t: t.replace("level: municipality", "level: region"),
            "measures → kinds → 3 → level: допустимые значения",
        ),
        (lambda t: t.replace("neighbours: 3", "neighbours: 0"), "neighbours"),
    ],
)  # fmt: skip
def test_bad_config_names_key_in_russian(tmp_path: Path, edit, words: str) -> None:
    path = tmp_path / "measures.yml"
    path.write_text(edit(CONFIG.read_text(encoding="utf-8")), encoding="utf-8")
    model, problems = validate(path, MeasuresFile)
    assert model is None and problems
    text = "\n".join(p.text() if hasattr(p, "text") else str(p) for p in problems)
    assert words in text, text


# --- the demo's register through ingest --------------------------------------------------------


@pytest.fixture(scope="module")
def processed(small_region: SmallRegion) -> Path:
    return small_region.processed


def test_demo_register_ingests_clean(small_region: SmallRegion) -> None:
    files = [f for f in small_region.report.files if f.kind == "measures"]
    assert files and all(not f.problems and f.rows_rejected == 0 for f in files)
    # the staffing demo adds its own register files (kadrovye_mery_*): not this demo's truth
    files = [f for f in files if "/reestr_mer_" in f.file]
    truth = json.loads((small_region.truth / "truth.json").read_text(encoding="utf-8"))
    measures = pd.read_parquet(small_region.processed / "measures.parquet")
    measures = measures[measures["source_file"].str.contains("/reestr_mer_", regex=False)]
    assert len(measures) == truth["measures_register"]["rows"] == sum(f.rows_read for f in files)
    planted = {s for m in truth["measures"] for s in m["schools"]}
    assert set(measures["school_code"].dropna()) == planted


def test_measure_register_has_names_and_columns(processed: Path) -> None:
    reg = derive.load("measure_register", processed)
    assert list(reg.columns) == list(REGISTER_COLUMNS)
    assert (reg["year"] == reg["start_year"]).all()
    school_rows = reg[reg["school_code"].notna()]
    assert school_rows["school_name"].notna().all()
    assert reg["kind_name"].notna().all() and reg["municipality_name"].notna().all()


def test_measure_effects_columns_for_other_pages(processed: Path) -> None:
    eff = derive.load("measure_effects", processed)
    assert list(eff.columns) == list(EFFECT_COLUMNS)
    assert set(eff["level"]) <= {"region", "municipality"}
    assert eff["verdict"].str.len().gt(20).all()
    estimated = eff[eff["effect"].notna()]
    assert (estimated["ci_low"] <= estimated["effect"]).all()
    assert (estimated["effect"] <= estimated["ci_high"]).all()


def test_roadmap_columns(processed: Path) -> None:
    road = derive.load("shnor_roadmap", processed)
    assert list(road.columns) == list(ROADMAP_COLUMNS)
    classes = derive.load("school_classes", processed)
    shnor = classes[classes["class"] == "shnor"]
    listed = road[road["status"] == IN_LIST]
    assert set(zip(listed["year"], listed["school_code"], strict=True)) == set(
        zip(shnor["year"], shnor["school_code"], strict=True)
    )


# --- tables by hand ---------------------------------------------------------------------------

SCHOOLS = pd.DataFrame(
    {
        "school_code": ["edu1", "edu2", "edu3"],
        "school_name": ["Школа 1", "Школа 2", "Школа 3"],
        "municipality_code": ["01", "01", "02"],
        "municipality_name": ["Город", "Город", "Район"],
        "kind": ["СОШ", "СОШ", "ООШ"],
        "locality": ["Город", "Город", "Село"],
    }
)
MEASURES = pd.DataFrame(
    {
        "year": [2025, 2025, 2026],
        "municipality_code": ["01", "02", "01"],
        "school_code": ["edu1", pd.NA, "edu2"],
        "kind": ["shnor_support", "cross_check", "teacher_training"],
        "subject": [pd.NA, pd.NA, "ma"],
        "start_year": [2025, 2025, 2026],
        "end_year": pd.array([pd.NA, pd.NA, 2026], dtype="Int64"),
        "addressee": ["Школа", "МОУО", "Учителя"],
        "document": ["Приказ № 1", "Приказ № 2", "Приказ № 3"],
        "source_file": "f.xlsx",
        "source_row": [8, 9, 10],
    }
)


def _classes(rows: list[tuple[int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"year": [y for y, _ in rows], "school_code": [s for _, s in rows], "class": "shnor"}
    )


def test_register_table_by_hand() -> None:
    reg = register_table(MEASURES, SCHOOLS, measures_settings())
    assert reg["school_name"].tolist() == ["Школа 1", pd.NA, "Школа 2"]
    assert reg["municipality_name"].tolist() == ["Город", "Район", "Город"]
    assert reg["level"].tolist() == ["school", "municipality", "school"]
    assert reg["subject_name"].tolist()[2] == "Математика"


def test_roadmap_by_hand() -> None:
    reg = register_table(MEASURES, SCHOOLS, measures_settings())
    # edu1: ШНОР 2024–2025, leaves in 2026; edu2: ШНОР 2025–2026; edu3: ШНОР 2026 only
    classes = _classes(
        [(2024, "edu1"), (2025, "edu1"), (2025, "edu2"), (2026, "edu2"), (2026, "edu3")]
    )
    road = roadmap_table(classes, reg, SCHOOLS).set_index(["year", "school_code"])
    assert road.loc[(2024, "edu1"), "measures"] == "мер в реестре нет"  # before its start
    assert road.loc[(2025, "edu1"), "n_measures"] == 1
    assert road.loc[(2025, "edu1"), "years_in_list"] == "2024, 2025"
    assert road.loc[(2026, "edu1"), "status"] == LEFT
    assert road.loc[(2026, "edu2"), "status"] == IN_LIST
    assert road.loc[(2025, "edu2"), "n_measures"] == 0  # its training starts in 2026
    assert "Курсы" in road.loc[(2026, "edu2"), "measures"]
    # edu3's municipality (02) cross-checks its works: a municipality-wide measure counts
    assert road.loc[(2026, "edu3"), "n_measures"] == 1
    assert (2026, "edu1") in road.index and (2024, "edu2") not in road.index


# --- prose and chart --------------------------------------------------------------------------


def _effects() -> pd.DataFrame:
    rows = [
        ("shnor_support", "Программа ШНОР", "ma", "Математика", 12, 6.0, 2.0, 10.0, 8.0),
        ("curator_school", "Куратор", "ru", "Русский язык", 8, 0.5, -3.0, 4.0, 2.5),
        ("teacher_training", "Курсы", "ma", "Математика", 2, float("nan"), float("nan"),
         float("nan"), float("nan")),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows,
        columns=[
            "kind", "kind_name", "subject", "subject_name", "n_treated", "effect", "ci_low",
            "ci_high", "naive_change",
        ],
    )  # fmt: skip
    return frame.assign(level="region", unit_code="")


def test_effects_summary_names_each_verdict() -> None:
    text = commentary.effects_summary(_effects())
    found, none = text.split("Измеримого эффекта нет:")
    assert "«Программа ШНОР» (Математика): +6,0 п.п. (от 2,0 до 10,0" in found
    assert "«до — после» было бы +8,0" in found
    assert "«Куратор» (Русский язык): +0,5 п.п., интервал от −3,0 до 4,0" in none
    assert "Слишком мало школ для оценки: «Курсы» (Математика)" in none


def test_register_and_roadmap_prose() -> None:
    reg = register_table(MEASURES, SCHOOLS, measures_settings())
    text = commentary.register_summary(reg, 2025)
    assert text.startswith("В реестре в регионе 2 меры, начатых до 2025 года")
    assert "адресованы 1 школе и 1 — муниципалитету в целом" in text
    assert "нет ни одной меры" in commentary.register_summary(reg, 2024)
    road = roadmap_table(_classes([(2025, "edu1"), (2025, "edu2"), (2026, "edu2")]), reg, SCHOOLS)
    text = commentary.roadmap_summary(road, 2026)
    assert "в списке ШНОР 1 школа (1 — не первый год)" in text
    assert "Вышли из списка 1 школа, из них с мерами в реестре — 1" in text
    assert "мер в реестре нет" not in text  # edu2 has its training from 2026


def test_method_note_follows_config() -> None:
    text = commentary.method_note(measures_settings())
    eff = measures_settings().effectiveness
    assert f"изменение у {eff.matching.neighbours} сопоставимых школ" in text
    assert "возвращается к среднему" in text


def test_forest_draws_a_line_per_row() -> None:
    fig = charts.effects_forest(_effects())
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == 3
    assert any("мало школ" in t.get_text() for t in ax.texts)


# --- pages ------------------------------------------------------------------------------------


@pytest.mark.notebooks
@pytest.mark.parametrize(
    ("template", "params"),
    [("measures_region.ipynb", {}), ("measures_municipality.ipynb", {"municipality": "01"})],
)
def test_pages_run_with_a_table_under_the_chart(
    processed: Path, tmp_path: Path, template: str, params: dict
) -> None:
    out = tmp_path / template
    execute_notebook(
        notebooks_dir() / template,
        out,
        {"processed_dir": str(processed), **params},
        cwd=notebooks_dir(),
    )
    html, images = notebook_text(out), notebook_images(out)
    assert html.count("soko-download") >= 3  # register, effects, roadmap tables downloadable
    assert "Вид меры" in html and "Годы в списке ШНОР" in html
    assert "Как измеряется эффект" in html
    assert images >= 1  # the effects chart
