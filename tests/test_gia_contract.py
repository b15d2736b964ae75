"""ГИА contracts: every bad input a real protocol can have, in both forms (xlsx and csv), is
rejected with file, row, column, rule and a Russian message; nothing is lost
(accepted + rejected = read); good rows of the same file flow on."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from soko.formats.rcoi_protocol.ingest import ingest_gia
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.procedures.ege import KIND as EGE
from soko.procedures.oge import KIND as OGE
from tests.gia_files import (
    EGE_HEADER,
    OGE_HEADER,
    SCHOOLS,
    ege_row,
    oge_row,
    write_csv,
    write_empty_xlsx,
    write_xlsx,
)

FORMS = ("csv", "xlsx")


@pytest.fixture(autouse=True)
def _salt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOKO_PSEUDONYM_SALT_FILE", str(tmp_path / "salt"))


def _write(form: str, path: Path, rows: list[dict[str, str]], header=OGE_HEADER, **kw) -> Path:
    if form == "csv":
        return write_csv(path.with_suffix(".csv"), rows, header, **kw)
    return write_xlsx(path.with_suffix(".xlsx"), rows, header, **kw)


def _ingest(tmp_path: Path, paths: list[Path], kind: GiaKind = OGE):
    result = ingest_gia(kind, sorted(paths), tmp_path, SCHOOLS)
    for rep in result.reports:  # the accounting every test relies on
        assert rep.rows_read == rep.rows_accepted + rep.rows_rejected
        assert rep.rows_accepted >= 0
        for p in rep.problems:
            assert p.file == rep.file and p.rule and p.message
    tables = result.tables[kind.table]
    accepted = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    # rows written = accepted − identical copies of rows taken from another file
    assert len(accepted) == sum(r.rows_accepted - len(r.duplicates) for r in result.reports)
    return result.reports, accepted


def _rules(report) -> set[tuple[int | None, str | None, str]]:
    return {(p.row, p.column, p.rule) for p in report.problems}


# The header is row 4 in xlsx (two titles and a blank row above it), row 1 in csv.
def _first_row(form: str) -> int:
    return 5 if form == "xlsx" else 2


@pytest.mark.parametrize("form", FORMS)
def test_clean_protocols_are_accepted_whole(tmp_path: Path, form: str) -> None:
    path = _write(form, tmp_path / "gia" / "oge" / "p", [oge_row(0), oge_row(1)])
    (rep,), rows = _ingest(tmp_path, [path])
    assert rep.ok, [p.text() for p in rep.problems]
    assert (rep.rows_read, rep.rows_accepted) == (2, 2)
    assert rows["primary_score"].tolist() == [16, 16]
    assert rows["mark"].tolist() == [4, 4]
    assert rows["max_primary_score"].tolist() == [31, 31]
    assert set(rows["subject"]) == {"ma"} and set(rows["year"]) == {2026}
    assert set(rows["grade"]) == {9} and set(rows["municipality_code"]) == {"01"}
    assert rows["exam_date"].iloc[0] == "2026-05-29"
    assert rows["source_row"].tolist() == [_first_row(form), _first_row(form) + 1]
    assert rows["participant_id"].str.fullmatch(r"[0-9a-f]{20}").all()
    assert rows["participant_id"].nunique() == 2


def test_ege_protocol_is_accepted_with_test_scores(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "e.xlsx", [ege_row(0), ege_row(1)], EGE_HEADER, titles=("Протокол ЕГЭ",)
    )
    (rep,), rows = _ingest(tmp_path, [path], EGE)
    assert rep.ok, [p.text() for p in rep.problems]
    assert rows["test_score"].tolist() == [69, 69]
    assert set(rows["grade"]) == {11} and set(rows["subject"]) == {"ru"}


def test_excel_numbers_and_dates_read_as_text(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "n.xlsx", [oge_row(0), oge_row(1)], numbers=True)
    (rep,), rows = _ingest(tmp_path, [path])
    assert rep.ok, [p.text() for p in rep.problems]
    assert rows["variant"].tolist() == [301, 301]


# --- encoding, delimiter, decimal mark ------------------------------------------------------


def test_utf8_and_cp1251_are_both_detected(tmp_path: Path) -> None:
    a = write_csv(tmp_path / "a.csv", [oge_row(0)], encoding="cp1251")
    b = write_csv(tmp_path / "b.csv", [oge_row(1)], encoding="utf-8-sig")
    reps, rows = _ingest(tmp_path, [a, b])
    assert all(r.ok for r in reps) and len(rows) == 2


@pytest.mark.parametrize(("encoding", "label"), [("utf-16", "UTF-16"), ("koi8_r", "KOI8-R")])
def test_wrong_encoding_rejects_the_file(tmp_path: Path, encoding: str, label: str) -> None:
    path = write_csv(tmp_path / "x.csv", [oge_row(0)], encoding=encoding)
    (rep,), rows = _ingest(tmp_path, [path])
    assert rows.empty and rep.rows_accepted == 0
    (p,) = rep.problems
    assert p.rule == "encoding" and label in p.message and "cp1251" in p.message


@pytest.mark.parametrize("delimiter", ["\t", ","])
def test_tab_and_comma_delimiters_are_detected(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "d.csv", [oge_row(0), oge_row(1)], delimiter=delimiter)
    (rep,), rows = _ingest(tmp_path, [path])
    assert rep.ok, [p.text() for p in rep.problems]
    assert len(rows) == 2


def test_unknown_delimiter_rejects_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [oge_row(0)], delimiter="|", quote=False)
    (rep,), _ = _ingest(tmp_path, [path])
    assert [(p.row, p.rule) for p in rep.problems] == [(1, "delimiter")]
    assert rep.rows_accepted == 0


def test_decimal_comma_in_a_comma_delimited_file_splits_the_row(tmp_path: Path) -> None:
    """Unquoted «51,6» in a «,»-file shifts the cells: the row is rejected, not misread."""
    good = write_csv(tmp_path / "good.csv", [oge_row(0)], delimiter=",")  # «"51,6"» quoted
    bad = ",".join(oge_row(1)[h] for h in OGE_HEADER)  # 51,6 unquoted
    path = tmp_path / "c.csv"
    path.write_bytes(good.read_bytes() + (bad + "\r\n").encode("cp1251"))
    good.unlink()
    (rep,), accepted = _ingest(tmp_path, [path])
    assert (3, None, "extra_cells") in _rules(rep)
    assert {p.row for p in rep.problems} == {3}
    assert (rep.rows_read, rep.rows_accepted) == (2, 1)
    assert len(accepted) == 1


def test_decimal_point_file_is_detected_and_a_mixed_row_rejected(tmp_path: Path) -> None:
    rows = [
        oge_row(0, **{"Процент выполнения": "51.6"}),
        oge_row(1, **{"Процент выполнения": "51.6"}),
        oge_row(2, **{"Процент выполнения": "51,6"}),
    ]
    path = write_csv(tmp_path / "p.csv", rows)
    (rep,), accepted = _ingest(tmp_path, [path])
    (p,) = rep.problems
    assert (p.row, p.column, p.rule) == (4, "Процент выполнения", "decimal_mark")
    assert p.value == "значение 51,6, разделитель в файле ."
    assert len(accepted) == 2


def test_percent_must_match_the_primary_score(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [oge_row(0, **{"Процент выполнения": "61,6"})])
    (rep,), _ = _ingest(tmp_path, [path])
    assert _rules(rep) == {(2, "Процент выполнения", "percent_matches_primary")}


# --- layout: title rows, merged cells, columns ------------------------------------------------


def test_extra_title_rows_are_skipped_in_both_forms(tmp_path: Path) -> None:
    titles = ("РЦОИ Приозёрной области", "Протокол результатов ОГЭ", "Математика, 29.05.2026")
    x = write_xlsx(tmp_path / "x.xlsx", [oge_row(0)], titles=titles)
    c = write_csv(tmp_path / "c.csv", [oge_row(1)], title_lines=(*titles, ""))
    reps, rows = _ingest(tmp_path, [x, c])
    assert all(r.ok for r in reps), [p.text() for r in reps for p in r.problems]
    by_file = dict(zip(rows["source_file"], rows["source_row"], strict=True))
    assert by_file == {"x.xlsx": 6, "c.csv": 6}  # header on row 5 in both


@pytest.mark.parametrize("form", FORMS)
def test_no_header_row_rejects_the_file(tmp_path: Path, form: str) -> None:
    header = ["Колонка " + str(i) for i in range(len(OGE_HEADER))]
    path = _write(form, tmp_path / "h", [oge_row(0)], header)
    (rep,), _ = _ingest(tmp_path, [path])
    assert [p.rule for p in rep.problems] == ["header_present"]


def test_merged_header_cells_reject_the_file(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "m.xlsx", [oge_row(0), oge_row(1)], merge_header=(12, 13))
    (rep,), _ = _ingest(tmp_path, [path])
    (p,) = rep.problems
    assert (p.row, p.rule) == (4, "header_not_merged")
    assert "M4:N4" in p.message
    assert (rep.rows_read, rep.rows_accepted) == (2, 0)  # read, and rejected with the file


def test_merged_data_cells_reject_the_rows_they_cover(tmp_path: Path) -> None:
    rows = [oge_row(0), oge_row(1), oge_row(2), oge_row(3)]
    path = write_xlsx(tmp_path / "m.xlsx", rows, merge_data_column=(1, 0, 2))  # «Код ОО»
    (rep,), accepted = _ingest(tmp_path, [path])
    merged = {p.row for p in rep.problems if p.rule == "cells_not_merged"}
    assert merged == {5, 6, 7}
    assert next(p.value for p in rep.problems if p.rule == "cells_not_merged") == "B5:B7"
    assert (rep.rows_read, rep.rows_accepted) == (4, 1)
    assert accepted["source_row"].tolist() == [8]


@pytest.mark.parametrize("form", FORMS)
def test_missing_column_rejects_the_file(tmp_path: Path, form: str) -> None:
    header = [h for h in OGE_HEADER if h != "Первичный балл"]
    path = _write(form, tmp_path / "c", [oge_row(0)], header)
    (rep,), _ = _ingest(tmp_path, [path])
    (p,) = rep.problems
    assert p.rule == "required_columns" and "«Первичный балл»" in p.message
    assert p.row == (4 if form == "xlsx" else 1)


@pytest.mark.parametrize("form", FORMS)
def test_renamed_column_is_named_in_the_message(tmp_path: Path, form: str) -> None:
    header = ["Перв. балл" if h == "Первичный балл" else h for h in OGE_HEADER]
    row = oge_row(0, **{"Перв. балл": "16"})
    path = _write(form, tmp_path / "r", [row], header)
    (rep,), _ = _ingest(tmp_path, [path])
    (p,) = rep.problems
    assert p.rule == "column_renamed"
    assert "«Перв. балл» вместо «Первичный балл»" in p.message


def test_aliases_real_exports_use_are_accepted(tmp_path: Path) -> None:
    header = ["Оценка" if h == "Отметка" else h for h in OGE_HEADER]
    header = ["Код МО" if h == "Код МСУ" else h for h in header]
    row = oge_row(0, **{"Оценка": "4", "Код МО": "01"})
    (rep,), rows = _ingest(tmp_path, [write_csv(tmp_path / "a.csv", [row], header)])
    assert rep.ok, [p.text() for p in rep.problems]
    assert rows["mark"].tolist() == [4]


def test_a_protocol_of_the_other_procedure_is_rejected(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [ege_row(0)], EGE_HEADER)
    (rep,), _ = _ingest(tmp_path, [path], OGE)
    (p,) = rep.problems
    assert p.rule == "procedure_matches" and "ЕГЭ" in p.message


@pytest.mark.parametrize("form", FORMS)
def test_empty_header_cell_over_data_rejects_the_file(tmp_path: Path, form: str) -> None:
    header = [*OGE_HEADER[:3], "", *OGE_HEADER[3:]]
    rows = [{**oge_row(0), "": "что-то"}, oge_row(1)]
    path = _write(form, tmp_path / "e", rows, header)
    (rep,), accepted = _ingest(tmp_path, [path])
    (p,) = rep.problems
    assert p.rule == "header_cells_named"
    assert ("D4" if form == "xlsx" else "№ 4") in p.message
    assert (rep.rows_read, rep.rows_accepted) == (2, 0) and accepted.empty


def test_unnamed_empty_column_and_notes_beyond_the_header(tmp_path: Path) -> None:
    """A blank column with no data is harmless; a note right of the table rejects its row."""
    header = [*OGE_HEADER[:3], "", *OGE_HEADER[3:]]
    rows = [oge_row(0), oge_row(1)]
    path = write_xlsx(tmp_path / "n.xlsx", rows, header)
    book = openpyxl.load_workbook(path)
    book.active.cell(row=6, column=len(header) + 2, value="исправлено вручную")
    book.save(path)
    (rep,), accepted = _ingest(tmp_path, [path])
    assert [(p.row, p.rule) for p in rep.problems] == [(6, "extra_cells")]
    assert accepted["source_row"].tolist() == [5]


def test_repeated_column_rejects_the_file(tmp_path: Path) -> None:
    header = [*OGE_HEADER, "Отметка"]
    (rep,), _ = _ingest(tmp_path, [write_csv(tmp_path / "r.csv", [oge_row(0)], header)])
    assert [p.rule for p in rep.problems] == ["header_unique"]


# --- empty files ----------------------------------------------------------------------------


def _zero_bytes(folder: Path) -> Path:
    path = folder / "a.csv"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    "make",
    [
        _zero_bytes,
        lambda d: write_csv(d / "b.csv", []),
        lambda d: write_empty_xlsx(d / "c.xlsx"),
        lambda d: write_empty_xlsx(d / "d.xlsx", OGE_HEADER),
    ],
    ids=["csv-0-bytes", "csv-header-only", "xlsx-empty", "xlsx-header-only"],
)
def test_empty_files_are_reported(tmp_path: Path, make) -> None:
    path = make(tmp_path)
    (rep,), rows = _ingest(tmp_path, [path])
    assert [p.rule for p in rep.problems] == ["file_not_empty"]
    assert (rep.rows_read, rep.rows_accepted) == (0, 0) and rows.empty


# --- rows -------------------------------------------------------------------------------------

BAD_ROWS = [
    (dict(**{"Код ОО": "edu999999"}), "Код ОО", "school_code_known"),
    (dict(**{"Код ОО": "школа 1"}), "Код ОО", "school_code_format"),
    (dict(**{"Код МСУ": "02"}), "Код МСУ", "municipality_matches_registry"),
    (dict(**{"Класс": "11А"}), "Класс", "class_matches_grade"),
    (dict(**{"Код предмета": "99"}), "Код предмета", "subject_known"),
    (dict(**{"Дата экзамена": "29.05.2030"}), "Дата экзамена", "scale_known"),
    (dict(**{"Дата экзамена": "2026-05-29"}), "Дата экзамена", "exam_date_format"),
    (dict(**{"Вариант": "30a"}), "Вариант", "variant_format"),
    (dict(**{"Код ППЭ": "ППЭ-1"}), "Код ППЭ", "exam_point_format"),
    # scores over the task maximum: a short-answer digit, «3(2)», a wrong «(max)»
    (
        dict(**{"Задания с кратким ответом": "+" * 9 + "2" + "-" * 9, "Первичный балл": "17"}),
        "Задания с кратким ответом",
        "task_score_within_max",
    ),
    (
        dict(**{"Задания с развёрнутым ответом": "3(2)2(2)0(2)1(2)1(2)0(2)"}),
        "Задания с развёрнутым ответом",
        "long_task_score_within_max",
    ),
    (
        dict(**{"Задания с развёрнутым ответом": "2(3)2(2)0(2)1(2)1(2)0(2)"}),
        "Задания с развёрнутым ответом",
        "long_task_max_matches_scale",
    ),
    (
        dict(**{"Задания с кратким ответом": "+" * 10 + "x" * 9}),
        "Задания с кратким ответом",
        "short_answers_format",
    ),
    (
        dict(**{"Задания с кратким ответом": "+" * 10 + "-" * 8}),
        "Задания с кратким ответом",
        "short_answers_count",
    ),
    (
        dict(**{"Задания с развёрнутым ответом": "2;2;0;1;1;0"}),
        "Задания с развёрнутым ответом",
        "long_answers_format",
    ),
    (
        dict(**{"Задания с развёрнутым ответом": "2(2)2(2)0(2)1(2)1(2)"}),
        "Задания с развёрнутым ответом",
        "long_answers_count",
    ),
    (dict(**{"Первичный балл": "17"}), "Первичный балл", "primary_score_is_task_sum"),
    (dict(**{"Первичный балл": "шестнадцать"}), "Первичный балл", "primary_score_format"),
    (dict(**{"Отметка": "5"}), "Отметка", "mark_matches_scale"),
    (dict(**{"Отметка": "отл"}), "Отметка", "mark_format"),
    (dict(**{"Фамилия": ""}), "Фамилия, Имя, Номер документа", "person_present"),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("change", "column", "rule"), BAD_ROWS, ids=[r[2] for r in BAD_ROWS])
def test_each_bad_row_is_rejected_alone(
    tmp_path: Path, form: str, change: dict[str, str], column: str, rule: str
) -> None:
    rows = [oge_row(0), oge_row(1, **change), oge_row(2)]
    path = _write(form, tmp_path / "gia" / "oge" / "p", rows)
    (rep,), accepted = _ingest(tmp_path, [path])
    bad_row = _first_row(form) + 1
    assert (bad_row, column, rule) in _rules(rep), [p.text() for p in rep.problems]
    assert {p.row for p in rep.problems} == {bad_row}
    assert (rep.rows_read, rep.rows_accepted, rep.rows_rejected) == (3, 2, 1)
    assert bad_row not in set(accepted["source_row"])
    text = next(p for p in rep.problems if p.rule == rule).text()
    assert f"файл {rep.file}" in text and f"строка {bad_row}" in text and "правило" in text


def test_primary_score_over_the_maximum(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "p.csv", [oge_row(0, **{"Первичный балл": "32"})])
    (rep,), _ = _ingest(tmp_path, [path])
    assert (2, "Первичный балл", "primary_score_range") in _rules(rep)


def test_geometry_condition_decides_the_mark(tmp_path: Path) -> None:
    """20 primary points reach «4», but with 1 point in geometry the scale gives «2»."""
    geometry_one = {
        "Задания с кратким ответом": "+" * 15 + "-" * 4,  # task 15 right: 1 geometry point
        "Задания с развёрнутым ответом": "2(2)2(2)1(2)0(2)0(2)0(2)",  # 20-22: not geometry
        "Первичный балл": "20",
        "Процент выполнения": "64,5",
    }
    rows = [
        oge_row(0, **geometry_one, **{"Отметка": "4"}),  # wrong: ignores the condition
        oge_row(1, **geometry_one, **{"Отметка": "2"}),  # right
    ]
    (rep,), accepted = _ingest(tmp_path, [write_csv(tmp_path / "g.csv", rows)])
    (p,) = rep.problems
    assert (p.row, p.rule) == (2, "mark_matches_scale")
    assert p.value == "отметка 4, первичный балл 20, по шкале 2 (геометрия: 1, нужно не менее 2)"
    assert accepted["mark"].tolist() == [2]


def test_ege_test_score_must_follow_the_table(tmp_path: Path) -> None:
    rows = [ege_row(0), ege_row(1, **{"Тестовый балл": "70"})]
    (rep,), _ = _ingest(tmp_path, [write_csv(tmp_path / "e.csv", rows, EGE_HEADER)], EGE)
    (p,) = rep.problems
    assert (p.row, p.column, p.rule) == (3, "Тестовый балл", "test_score_matches_scale")
    assert p.value == "тестовый балл 70, первичный балл 32, по таблице 69"


# --- duplicates -------------------------------------------------------------------------------


def test_duplicate_in_one_file_rejects_both(tmp_path: Path) -> None:
    """A protocol that lists a participant twice is wrong whatever its rows say: both rows
    are rejected, each naming the other (issue 11: never keep one by position)."""
    rows = [oge_row(0), oge_row(1), oge_row(0)]
    (rep,), accepted = _ingest(tmp_path, [write_csv(tmp_path / "d.csv", rows)])
    assert [(p.row, p.rule, p.value) for p in rep.problems] == [
        (2, "participant_unique", "строка 4 файла d.csv"),
        (4, "participant_unique", "строка 2 файла d.csv"),
    ]
    assert accepted["source_row"].tolist() == [3]


def test_duplicate_across_files_and_forms_ignores_case_yo_and_spaces(tmp_path: Path) -> None:
    first = write_xlsx(tmp_path / "a.xlsx", [oge_row(0, **{"Имя": "Пётр"})])
    again = oge_row(0, **{"Имя": "ПЕТР ", "Фамилия": "БЕРЕСТОВ", "Номер документа": "0026001000"})
    second = write_csv(tmp_path / "b.csv", [again, oge_row(5)])
    (rep_a, rep_b), accepted = _ingest(tmp_path, [first, second])
    # the same person's same result in two protocols: one row, the copy noted
    assert rep_a.ok and rep_b.ok and rep_b.rows_accepted == 2
    assert [(d.row, d.other_file, d.other_row) for d in rep_b.duplicates] == [(2, "a.xlsx", 5)]
    assert len(accepted) == 2


def test_same_participant_with_other_results_in_two_files_rejects_both(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", [oge_row(0), oge_row(1)])
    other = oge_row(0, **{"Вариант": "9"})
    second = write_csv(tmp_path / "b.csv", [other])
    (rep_a, rep_b), accepted = _ingest(tmp_path, [first, second])
    assert [(p.row, p.rule, p.value) for p in rep_a.problems] == [
        (2, "participant_unique", "строка 2 файла b.csv")
    ]
    assert [(p.row, p.rule, p.value) for p in rep_b.problems] == [
        (2, "participant_unique", "строка 2 файла a.csv")
    ]
    assert accepted["source_row"].tolist() == [3]


def test_same_participant_in_two_subjects_is_not_a_duplicate(tmp_path: Path) -> None:
    ru = {
        "Код предмета": "1",
        "Задания с кратким ответом": "+" * 11,
        "Задания с развёрнутым ответом": "3(3)2(2)2(2)2(2)2(2)2(2)2(2)2(2)2(2)2(2)1(1)",
        "Первичный балл": "33",
        "Процент выполнения": "100,0",
        "Отметка": "5",
    }
    rows = [oge_row(0), oge_row(0, **ru)]
    (rep,), accepted = _ingest(tmp_path, [write_csv(tmp_path / "s.csv", rows)])
    assert rep.ok, [p.text() for p in rep.problems]
    assert accepted["participant_id"].nunique() == 1
    assert sorted(accepted["subject"]) == ["ma", "ru"]


def test_many_problems_in_many_files_lose_no_row(tmp_path: Path) -> None:
    """A mixed bag across forms: per file, accepted + rejected = read, one pass over all."""
    files = [
        write_csv(tmp_path / "1.csv", [oge_row(0), oge_row(1, **{"Код ОО": "edu000000"})]),
        write_xlsx(tmp_path / "2.xlsx", [oge_row(2), oge_row(3, **{"Отметка": "3"})]),
        write_csv(tmp_path / "3.csv", [], OGE_HEADER),
        write_xlsx(tmp_path / "4.xlsx", [oge_row(4)], merge_header=(0, 1)),
        write_csv(tmp_path / "5.csv", [oge_row(6), oge_row(6), oge_row(7)]),
    ]
    reps, accepted = _ingest(tmp_path, files)
    summary = {r.file: (r.rows_read, r.rows_accepted) for r in reps}
    assert summary == {
        "1.csv": (2, 1),
        "2.xlsx": (2, 1),
        "3.csv": (0, 0),
        "4.xlsx": (1, 0),
        "5.csv": (3, 1),  # the repeated participant: both rows rejected
    }
    assert len(accepted) == 3
