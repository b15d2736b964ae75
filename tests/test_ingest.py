"""Ingest of a whole region: nothing lost, bad rows set aside, good rows flow on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd

from soko.cli import main
from soko.pipeline.derived import derive_table
from soko.pipeline.ingest import ingest
from soko.registry import derived_tables
from tests.conftest import SmallRegion


def _count_rows(report) -> tuple[int, int, int]:
    read = sum(f.rows_read for f in report.files)
    acc = sum(f.rows_accepted for f in report.files)
    rej = sum(f.rows_rejected for f in report.files)
    return read, acc, rej


def test_demo_region_is_clean_and_complete(small_region: SmallRegion) -> None:
    report = small_region.report
    assert report.ok, report.summary_ru()
    read, acc, rej = _count_rows(report)
    assert read == acc and rej == 0
    results = pd.read_parquet(small_region.processed / "vpr_results.parquet")
    vpr_rows = sum(f.rows_read for f in report.files if f.kind == "vpr")
    assert len(results) == vpr_rows
    scores = pd.read_parquet(small_region.processed / "vpr_task_scores.parquet")
    tasks = pd.read_parquet(small_region.processed / "vpr_tasks.parquet")
    per_work = tasks.groupby(["year", "subject", "grade"]).size().rename("n_tasks")
    expected = results.groupby(["year", "subject", "grade"]).size().mul(per_work).sum()
    assert len(scores) == expected
    # the truth is never in data/raw, and ingest never writes personal or truth files
    assert not any("truth" in p.name for p in small_region.raw.rglob("*"))


def _tamper(raw: Path) -> tuple[str, set[int]]:
    """Break three rows of one workbook in three different ways; return file and rows."""
    path = sorted((raw / "vpr").rglob("*.xlsx"))[0]
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header_row = next(r for r in range(1, 30) if ws.cell(r, 4).value == "Код участника")
    headers = [c.value for c in ws[header_row]]
    col = {name: i + 1 for i, name in enumerate(headers)}
    first = header_row + 1
    ws.cell(first, col["ОО"]).value = "edu000000"  # unknown school
    ws.cell(first + 1, col["Первичный балл"]).value = 999  # over max, not the sum
    ws.cell(first + 2, col["Отметка по журналу"]).value = "отл"  # bad journal mark
    wb.save(path)
    return path.relative_to(raw).as_posix(), {first, first + 1, first + 2}


def test_bad_rows_are_set_aside_and_accounted(small_region: SmallRegion, tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(small_region.raw, raw)
    name, bad_rows = _tamper(raw)
    processed = tmp_path / "processed"
    report = ingest(raw, processed)

    assert not report.ok
    read, acc, rej = _count_rows(report)
    assert read == _count_rows(small_region.report)[0]
    assert (acc + rej, rej) == (read, 3)
    (broken,) = [f for f in report.files if not f.ok]
    assert broken.file == name
    assert {p.row for p in broken.problems} == bad_rows
    assert {p.rule for p in broken.problems} >= {
        "school_code_known",
        "primary_score_range",
        "primary_score_is_task_sum",
        "journal_mark_format",
    }
    results = pd.read_parquet(processed / "vpr_results.parquet")
    assert len(results) == acc - sum(f.rows_accepted for f in report.files if f.kind != "vpr")
    assert not results[results["source_file"] == name]["source_row"].isin(bad_rows).any()

    problems = pd.read_csv(processed / "rejected" / "problems.csv", sep=";", encoding="utf-8-sig")
    assert set(problems["Строка"]) == bad_rows and set(problems["Файл"]) == {name}
    saved = json.loads((processed / "ingest_report.json").read_text(encoding="utf-8"))
    assert saved["ok"] is False
    assert sum(f["rows_rejected"] for f in saved["files"]) == 3


def test_ingest_command_exits_nonzero_with_summary(
    small_region: SmallRegion, tmp_path: Path, capsys
) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(small_region.raw, raw)
    _tamper(raw)
    code = main(["ingest", "--raw", str(raw), "--processed", str(tmp_path / "p")])
    out = capsys.readouterr().out
    assert code == 1
    assert "отклонено: 3" in out and "Файлов с ошибками: 1" in out


def test_same_inputs_give_the_same_tables(small_region: SmallRegion, tmp_path: Path) -> None:

    processed = tmp_path / "again"
    ingest(small_region.raw, processed)
    for spec in derived_tables():  # a build may have derived every procedure's tables
        derive_table(spec.name, processed)
    for path in sorted(small_region.processed.rglob("*.parquet")):
        twin = processed / path.relative_to(small_region.processed)
        pd.testing.assert_frame_equal(pd.read_parquet(path), pd.read_parquet(twin))
        assert path.read_bytes() == twin.read_bytes(), path.name


def test_validate_recognises_every_kind_of_demo_file(small_region: SmallRegion, capsys) -> None:
    """`soko validate` on one file of each kind in the demo: right kind found, file clean."""
    from soko.pipeline.ingest import detect_kind
    from soko.registry import discover

    folders = {"registry": "registry", "context": "context", "vpr": "vpr"}
    folders.update({p.ingester.folder: p.code for p in discover()})
    checked = set()
    for folder, kind in folders.items():
        files = sorted(p for p in (small_region.raw / folder).rglob("*") if p.is_file())
        if not files:
            continue
        first = files[0]
        assert detect_kind(first, small_region.raw) == kind, first
        args = ["validate", str(first), "--raw", str(small_region.raw)]
        assert main([*args, "--processed", str(small_region.processed)]) == 0, first
        checked.add(kind)
    assert {"registry", "context", "vpr"} <= checked
    assert "Ошибок нет." in capsys.readouterr().out
