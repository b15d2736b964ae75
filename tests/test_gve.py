"""ГВЭ (grades 9 and 11, marks from config/gve_scales.yml) on the shared РЦОИ protocol format:
demo → ingest, marks by hand, a bad file, the derived marks table, the config model, pages."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.ingest import ingest_gia
from soko.paths import config_dir
from soko.pipeline.notebooks import execute_notebook
from soko.procedures.gve import KIND, PROCEDURE
from soko.procedures.gve.config import GveScalesFile
from soko.registry import discover
from tests.conftest import SmallRegion
from tests.notebook_text import notebook_text

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
CYRILLIC = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")


def _config() -> dict:
    return yaml.safe_load((config_dir() / "gve_scales.yml").read_text(encoding="utf-8"))


def test_the_procedure_is_discovered_with_its_config_model() -> None:
    assert PROCEDURE in discover()
    assert PROCEDURE.ingester.folder == "gia/gve" and PROCEDURE.title_words == ("ГВЭ",)
    assert [s.name for s in PROCEDURE.derived] == ["gve_marks", "gve_scores"]
    assert PROCEDURE.config_schemas == {"gve_scales.yml": GveScalesFile}
    GveScalesFile.model_validate(_config())
    assert scales.check_config((KIND,)) == []


def test_demo_writes_gve_protocols_and_they_ingest_clean(small_region: SmallRegion) -> None:
    files = sorted((small_region.raw / "gia" / "gve").rglob("gve_*"))
    years = {int(p.parent.name) for p in files}
    assert years == {2024, 2025, 2026}
    assert {p.stem.rsplit("_", 1)[-1] for p in files} == {"9", "11"}
    assert {p.suffix for p in files} == {".csv", ".xlsx"}
    reports = [f for f in small_region.report.files if f.kind == "gve"]
    assert len(reports) == len(files)
    assert all(r.rows_read == r.rows_accepted > 0 and not r.problems for r in reports)
    gve = pd.read_parquet(small_region.processed / "gve_results.parquet")
    assert len(gve) == sum(r.rows_read for r in reports)
    assert set(gve["grade"]) == {9, 11} and set(gve["subject"]) == {"ru", "ma"}
    assert (gve["class_label"].str.extract(r"^(\d+)")[0].astype(int) == gve["grade"]).all()
    oge = pd.read_parquet(small_region.processed / "oge_results.parquet")
    assert len(gve[gve["grade"] == 9]) < 0.2 * len(oge)  # a small share of the cohort


@pytest.mark.parametrize(
    ("year", "grade", "subject", "primary", "marks"),
    [
        # 2026 ГВЭ-9 mathematics: «3» from 6, «4» from 10, «5» from 13 (max 16)
        (2026, 9, "ma", [0, 5, 6, 9, 10, 12, 13, 16], [2, 2, 3, 3, 4, 4, 5, 5]),
        # 2025 ГВЭ-9 mathematics: «4» from 9 (the 2026 scale moved it to 10)
        (2025, 9, "ma", [8, 9, 10], [3, 4, 4]),
        # ГВЭ-11 Russian: 10 / 15 / 20 of 24
        (2026, 11, "ru", [9, 10, 14, 15, 19, 20, 24], [2, 3, 3, 4, 4, 5, 5]),
    ],
)
def test_marks_by_hand(year: int, grade: int, subject: str, primary: list, marks: list) -> None:
    sc = scales.scale(KIND, year, subject, grade)
    assert sc is not None and sc.grade == grade
    entry = _config()["gve"]["scales"][year][grade][subject]
    assert sc.max_score == entry["max"] and sc.marks == tuple(entry["marks"])
    assert sc.marks_for(np.array(primary, dtype=float)).tolist() == marks


def test_demo_marks_follow_the_configured_scale(small_region: SmallRegion) -> None:
    gve = pd.read_parquet(small_region.processed / "gve_results.parquet")
    cfg = _config()["gve"]["scales"]
    for row in gve.head(40).itertuples():
        t3, t4, t5 = cfg[row.year][row.grade][row.subject]["marks"]
        p = row.primary_score
        assert row.mark == (5 if p >= t5 else 4 if p >= t4 else 3 if p >= t3 else 2)
        assert row.max_primary_score == cfg[row.year][row.grade][row.subject]["max"]


def test_a_bad_file_rejects_bad_rows_and_keeps_good_ones(
    small_region: SmallRegion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOKO_PSEUDONYM_SALT_FILE", str(tmp_path / "salt"))
    source = next((small_region.raw / "gia" / "gve").rglob("*.csv"))
    with source.open(encoding="cp1251", newline="") as fh:
        header, *rows = list(csv.reader(fh, delimiter=";"))
    assert len(rows) >= 4
    col = {name: i for i, name in enumerate(header)}
    rows = [list(r) for r in rows]
    rows[1][col["Первичный балл"]] = "99"  # above the maximum
    rows[2][col["Код ОО"]] = "edu99999"  # not in the registry
    rows[3][col["Код предмета"]] = "1"  # ОГЭ's Russian: not a ГВЭ subject
    bad = tmp_path / "gia" / "gve" / "2026" / "bad.csv"
    bad.parent.mkdir(parents=True)
    with bad.open("w", encoding="cp1251", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
    schools = pd.read_parquet(small_region.processed / "schools.parquet")
    result = ingest_gia(KIND, [bad], tmp_path, schools)
    (rep,) = result.reports
    assert rep.file == "gia/gve/2026/bad.csv" and rep.kind == "gve"
    assert rep.rows_read == len(rows) and rep.rows_accepted == len(rows) - 3
    found = {(p.row, p.column, p.rule) for p in rep.problems}
    assert (3, "Первичный балл", "primary_score_range") in found
    assert (4, "Код ОО", "school_code_known") in found
    assert (5, "Код предмета", "subject_known") in found
    assert {p.row for p in rep.problems} == {3, 4, 5}  # the header is row 1
    for p in rep.problems:
        assert p.file == rep.file and set(p.message.lower()) & CYRILLIC
    subject = next(p for p in rep.problems if p.rule == "subject_known")
    assert "ГВЭ" in subject.message and "gve_scales.yml" in subject.message
    accepted = pd.concat(result.tables["gve_results"], ignore_index=True)
    assert len(accepted) == len(rows) - 3 and 3 not in set(accepted["source_row"])


def test_region_share_of_twos_is_a_hand_count(small_region: SmallRegion) -> None:
    gve = pd.read_parquet(small_region.processed / "gve_results.parquet")
    marks = pd.read_parquet(small_region.processed / "derived" / "gve_marks.parquet")
    region = marks[marks["level"] == "region"]
    assert len(region) == len(gve.groupby(["year", "subject", "grade"]))
    for row in region.itertuples():
        rows = gve[(gve["year"] == row.year) & (gve["subject"] == row.subject)]
        rows = rows[rows["grade"] == row.grade]
        assert row.n == len(rows)
        assert row.share_mark2 == pytest.approx((rows["mark"] == 2).sum() / len(rows))


def test_unordered_thresholds_fail_the_config_model_in_russian() -> None:
    raw = _config()
    raw["gve"]["scales"][2026][9]["ma"] = {**raw["gve"]["scales"][2026][9]["ma"]}
    raw["gve"]["scales"][2026][9]["ma"]["marks"] = [6, 13, 10]
    with pytest.raises(ValidationError) as err:
        GveScalesFile.model_validate(raw)
    (e,) = err.value.errors()
    assert e["loc"] == ("gve", "scales", 2026, 9, "ma")
    assert "границы отметок «3», «4», «5» должны строго возрастать" in e["msg"]
    assert "gve.scales.2026.9.ma" in str(err.value)


def test_config_model_forbids_extra_keys_and_a_maximum_below_five() -> None:
    raw = _config()
    raw["gve"]["scales"][2025][11]["ru"] = {**raw["gve"]["scales"][2025][11]["ru"], "min": 3}
    with pytest.raises(ValidationError, match="min"):
        GveScalesFile.model_validate(raw)
    raw = _config()
    entry = raw["gve"]["scales"][2024][11]["ma"] = {**raw["gve"]["scales"][2024][11]["ma"]}
    entry["marks"] = [7, 11, 19]  # max 18
    with pytest.raises(ValidationError, match="меньше границы отметки «5»"):
        GveScalesFile.model_validate(raw)


@pytest.mark.notebooks
@pytest.mark.parametrize(
    ("template", "extra"),
    [("gia_region.ipynb", {}), ("gia_municipality.ipynb", {"municipality": "02"})],
)
def test_gve_pages_run(
    small_region: SmallRegion, tmp_path: Path, template: str, extra: dict[str, str]
) -> None:
    out = tmp_path / template
    params = {"procedure": "gve", "year": 2026, "processed_dir": str(small_region.processed)}
    execute_notebook(NOTEBOOKS / template, out, {**params, **extra}, cwd=NOTEBOOKS)
    shown = notebook_text(out)  # refuses error outputs
    assert "ГВЭ-2026" in shown and "9 класс" in shown and "11 класс" in shown
    text = out.read_text(encoding="utf-8")
    results = pd.read_parquet(small_region.processed / "gve_results.parquet")
    assert not any(pid in text for pid in results["participant_id"].unique())
