"""Contracts: every bad input is rejected with file, row, column and rule; nothing is lost."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soko.cli import main
from soko.pipeline.ingest import ingest
from tests.fisoko_files import MUN1, good_row, write_registry, write_vpr


@pytest.fixture()
def raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    write_registry(raw)
    return raw


def _run(raw: Path, tmp_path: Path):
    report = ingest(raw, tmp_path / "processed")
    vpr = [f for f in report.files if f.kind == "vpr"]
    return report, vpr


def _rules(file_report) -> set[tuple[int | None, str]]:
    return {(p.row, p.rule) for p in file_report.problems}


def test_clean_file_is_accepted_whole(raw: Path, tmp_path: Path) -> None:
    write_vpr(
        raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002", scores=(4, 4, 4, 2, 1))]
    )
    report, (f,) = _run(raw, tmp_path)
    assert report.ok, report.summary_ru()
    assert (f.rows_read, f.rows_accepted) == (2, 2)
    results = pd.read_parquet(tmp_path / "processed" / "vpr_results.parquet")
    assert results["primary_score"].tolist() == [10, 15]
    assert results["mark"].tolist() == [4, 5]
    assert set(results["municipality_code"]) == {"01"}
    assert (results["year"].iloc[0], results["subject"].iloc[0], results["grade"].iloc[0]) == (
        2026,
        "ma",
        4,
    )
    tasks = pd.read_parquet(tmp_path / "processed" / "vpr_tasks.parquet")
    assert tasks["level"].tolist() == ["Б", "Б", "Б", "П", "П"]
    assert tasks["max_score"].sum() == 20


@pytest.mark.parametrize(
    ("row", "column", "rule"),
    [
        (good_row("10002", school="edu999999"), "ОО", "school_code_known"),
        (good_row("10002", school="школа1"), "ОО", "school_code_format"),
        (good_row("10002", scores=(4, 3, 2, 1, 5)), "5 (4б)", "task_score_within_max"),
        (good_row("10002", scores=(4, 3, 2, 1, "abc")), "5 (4б)", "task_score_format"),
        (
            ["edu990001", MUN1, "x", "10009", "4А", 1, 4, 3, 2, 1, 0, 12, 4, 4],
            "Первичный балл",
            "primary_score_is_task_sum",
        ),
        (
            ["edu990001", MUN1, "x", "10009", "4А", 1, 4, 3, 2, 1, 0, 10, 3, 4],
            "Отметка",
            "mark_matches_scale",
        ),
        (
            ["edu990001", MUN1, "x", "10009", "4А", 1, 4, 3, 2, 1, 0, 10, 4, 7],
            "Отметка по журналу",
            "journal_mark_format",
        ),
        (
            ["edu990001", "Другой район", "x", "10009", "4А", 1, 4, 3, 2, 1, 0, 10, 4, 4],
            "Муниципалитет",
            "municipality_matches_registry",
        ),
        (
            ["edu990001", MUN1, "x", "10009", "5А", 1, 4, 3, 2, 1, 0, 10, 4, 4],
            "Класс",
            "class_matches_grade",
        ),
    ],
)
def test_bad_row_is_rejected_and_named(
    raw: Path, tmp_path: Path, row: list, column: str, rule: str
) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), row, good_row("10003")])
    report, (f,) = _run(raw, tmp_path)
    assert not report.ok
    assert (f.rows_read, f.rows_accepted, f.rows_rejected) == (3, 2, 1)
    problem = next(p for p in f.problems if p.rule == rule)
    assert (problem.row, problem.column) == (11, column)  # header is row 9, the bad row is 11
    text = problem.text()
    assert "vpr/a.xlsx" in text and "строка 11" in text and f"«{column}»" in text and rule in text
    results = pd.read_parquet(tmp_path / "processed" / "vpr_results.parquet")
    assert sorted(results["source_row"]) == [10, 12]


def test_duplicate_participant_rejects_both_rows(raw: Path, tmp_path: Path) -> None:
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10001"), good_row("10002")])
    _, (f,) = _run(raw, tmp_path)
    assert _rules(f) == {(10, "participant_unique"), (11, "participant_unique")}
    assert f.rows_accepted == 1


def test_missing_column_rejects_file_but_not_others(raw: Path, tmp_path: Path) -> None:
    from tests.fisoko_files import HEADER, MA4_TASKS

    header = [*HEADER, *(t for t, _ in MA4_TASKS), "Первичный балл", "Отметка"]
    write_vpr(raw / "vpr" / "bad.xlsx", [good_row("10001")[:-1]], header=header)
    write_vpr(raw / "vpr" / "good.xlsx", [good_row("10001")], title="ВПР 2025 Математика 4 класс")
    report, files = _run(raw, tmp_path)
    bad, good = files
    assert bad.rows_accepted == 0 and bad.problems[0].rule == "required_columns"
    assert "«Отметка по журналу»" in bad.problems[0].message
    assert good.ok and good.rows_accepted == 1
    assert "отклонено" in report.summary_ru()


def test_empty_and_foreign_files_are_reported(raw: Path, tmp_path: Path) -> None:
    (raw / "vpr").mkdir(parents=True, exist_ok=True)
    (raw / "vpr" / "empty.xlsx").write_bytes(b"")
    write_vpr(raw / "vpr" / "nohdr.xlsx", [["просто", "таблица"]], header=["Имя", "Балл"])
    _, files = _run(raw, tmp_path)
    rules = {f.file: f.problems[0].rule for f in files}
    assert rules == {"vpr/empty.xlsx": "file_not_empty", "vpr/nohdr.xlsx": "header_present"}


def test_task_maxima_must_match_scale(raw: Path, tmp_path: Path) -> None:
    tasks = [("1 (4б)", "Б"), ("2 (4б)", "Б"), ("3 (4б)", "Б"), ("4 (4б)", "П"), ("5 (3б)", "П")]
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001")], tasks=tasks)
    _, (f,) = _run(raw, tmp_path)
    assert f.problems[0].rule == "task_max_sum" and f.rows_read == 1 and f.rows_accepted == 0


def test_two_files_of_one_work_are_combined(raw: Path, tmp_path: Path) -> None:
    """Issue 11: a second file of the same work is no longer rejected for its name."""
    write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001")])
    write_vpr(raw / "vpr" / "b.xlsx", [good_row("10002")])
    _, (a, b) = _run(raw, tmp_path)
    assert a.ok and b.ok and (a.rows_accepted, b.rows_accepted) == (1, 1)
    results = pd.read_parquet(tmp_path / "processed" / "vpr_results.parquet")
    assert sorted(results["participant_code"]) == ["10001", "10002"]
    tasks = pd.read_parquet(tmp_path / "processed" / "vpr_tasks.parquet")
    assert len(tasks) == 5  # the work's tasks once, not once per file


def test_registry_in_utf8_with_commas_is_explained(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    path = raw / "registry" / "r.csv"
    path.parent.mkdir(parents=True)
    path.write_text("Код ОО,Наименование ОО\nedu990001,Школа\n", encoding="utf-8")
    report = ingest(raw, tmp_path / "p")
    (f,) = report.files
    assert f.problems[0].rule == "required_columns" and "разделитель" in f.problems[0].message
    assert (f.rows_read, f.rows_accepted) == (1, 0)  # the row is read and rejected, not lost


def test_registry_row_rules(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_registry(
        raw,
        [
            f"edu990001;Школа 1;01;{MUN1};СОШ;Город",
            f"edu990001;Школа 1 дубль;01;{MUN1};СОШ;Город",
            f"edu990003;Школа 3;77;{MUN1};СОШ;Город",
            f"edu990004;Школа 4;01;{MUN1};Академия;Город",
            f"edu990005;Школа 5;01;{MUN1};СОШ;Хутор",
            f"edu990006;Школа 6;01;{MUN1};СОШ;Село",
        ],
    )
    (f,) = ingest(raw, tmp_path / "p").files
    assert {(p.row, p.rule) for p in f.problems} == {
        (2, "school_code_unique"),
        (3, "school_code_unique"),
        (4, "municipality_code_known"),
        (5, "kind_known"),
        (6, "locality_known"),
    }
    assert (f.rows_read, f.rows_accepted) == (6, 1)


def test_context_decimal_point_and_unknown_school(raw: Path, tmp_path: Path) -> None:
    ctx = raw / "context" / "kontekst_oo_2026.csv"
    ctx.parent.mkdir(parents=True)
    ctx.write_bytes(
        "Код ОО;Год;Численность обучающихся;ИСБШ\r\n"
        "edu990001;2026;400;-0,43\r\n"
        "edu990002;2026;300;0.5\r\n"
        "edu990777;2026;300;0,5\r\n".encode("cp1251")
    )
    report = ingest(raw, tmp_path / "p")
    f = next(f for f in report.files if f.kind == "context")
    assert {(p.row, p.rule) for p in f.problems} == {(3, "isbs_format"), (4, "school_code_known")}
    ctx_table = pd.read_parquet(tmp_path / "p" / "school_context.parquet")
    assert ctx_table["isbs"].tolist() == [-0.43]


def test_validate_command_exit_codes(raw: Path, tmp_path: Path, capsys) -> None:
    good = write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001")])
    bad = write_vpr(raw / "vpr" / "b.xlsx", [good_row("10001", school="edu999999")])
    args = ["--raw", str(raw), "--processed", str(tmp_path / "none")]
    assert main(["validate", str(good), *args]) == 0
    assert main(["validate", str(bad), *args]) == 1
    out = capsys.readouterr().out
    assert "school_code_known" in out and "строка 10" in out


def test_extra_title_rows_are_skipped(raw: Path, tmp_path: Path) -> None:
    """An export with more rows above the header is read the same; row numbers stay true."""
    import openpyxl

    path = write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001"), good_row("10002")])
    wb = openpyxl.load_workbook(path)
    wb.worksheets[0].insert_rows(1, amount=2)
    wb.worksheets[0].cell(1, 1).value = "Выгрузка ФИС ОКО от 20.05.2026"
    wb.save(path)
    _, (f,) = _run(raw, tmp_path)
    assert f.ok and (f.rows_read, f.rows_accepted) == (2, 2)
    results = pd.read_parquet(tmp_path / "processed" / "vpr_results.parquet")
    assert sorted(results["source_row"]) == [12, 13]


def test_merged_header_cells_are_reported(raw: Path, tmp_path: Path) -> None:
    """Merging «Отметка» and «Отметка по журналу» leaves one of them without a name."""
    import openpyxl

    path = write_vpr(raw / "vpr" / "a.xlsx", [good_row("10001")])
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    last = ws.max_column
    ws.merge_cells(start_row=9, start_column=last - 1, end_row=9, end_column=last)
    wb.save(path)
    _, (f,) = _run(raw, tmp_path)
    assert (f.rows_read, f.rows_accepted) == (1, 0)
    assert f.problems[0].rule == "required_columns"
    assert "«Отметка по журналу»" in f.problems[0].message
