"""The PISA-model student file's contract: every kind of bad input, with small fixture files.

Row faults are planted one per row in a single file (one validation pass, as in ingest);
file faults each get their own file. Every file must account for all its rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from soko.file_report import FileReport
from soko.formats.replicate_study.ingest import ingest_pisa
from soko.formats.replicate_study.settings import pisa_settings
from soko.formats.replicate_study.staging import required_headers

SETTINGS = pisa_settings()
HEADER = required_headers(SETTINGS)
SCHOOLS = pd.DataFrame(
    {
        "school_code": ["edu990001", "edu990002"],
        "school_name": ["Школа 1", "Школа 2"],
        "municipality_code": ["01", "02"],
        "municipality_name": ["г. Озёрск-на-Вельме", "г. Новоберёзовск"],
        "kind": ["СОШ", "СОШ"],
        "locality": ["Город", "Село"],
    }
)


def good_row(student: str, school: str = "edu990001", **cells: str) -> dict[str, str]:
    row = {h: "" for h in HEADER}
    row.update({"Год": "2026", "Код ОО": school, "Код участника": student, "Класс": "9"})
    row.update({"Пол": "Ж", "ESCS": "-0,412", "W_FSTUWT": "12,5"})
    for r, h in enumerate(SETTINGS.replicate_headers()):
        row[h] = "18,75" if r % 2 else "6,25"
    for d in SETTINGS.domains:
        for m, h in enumerate(SETTINGS.pv_headers(d)):
            row[h] = f"{450 + m},125"
    row.update(cells)
    return row


def write(
    path: Path,
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    encoding: str = "cp1251",
    delimiter: str = ";",
    title: tuple[str, ...] = (),
) -> Path:
    header = header or HEADER
    lines = [*title, delimiter.join(header)]
    lines += [delimiter.join(r.get(h, "") for h in header) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def run(raw: Path, *paths: Path) -> list[FileReport]:
    result = ingest_pisa(list(paths), raw, SCHOOLS)
    for rep in result.reports:
        assert rep.rows_accepted + rep.rows_rejected == rep.rows_read
    return result.reports


BAD_ROWS: list[tuple[dict[str, str], str | None, str]] = [
    (good_row("102", school="edu999999"), "Код ОО", "school_code_known"),
    (good_row("103", school="школа"), "Код ОО", "school_code_format"),
    (good_row("104", **{"PV3MATH": "451.125"}), "PV3MATH", "decimal_comma"),
    (good_row("105", **{"W_FSTURWT7": "inf"}), "W_FSTURWT7", "number_format"),
    (good_row("106", **{"PV1SCIE": ""}), "PV1SCIE", "number_format"),
    (good_row("107", **{"W_FSTUWT": "0"}), "W_FSTUWT", "weight_positive"),
    (good_row("108", **{"W_FSTURWT80": "-1,5"}), "W_FSTURWT80", "replicate_weight_positive"),
    (good_row("109", **{"PV10READ": "1200,5"}), "PV10READ", "pv_range"),
    (good_row("110", **{"PV2MATH": "-3,0"}), "PV2MATH", "pv_range"),
    (good_row("111", ESCS="9,1"), "ESCS", "escs_range"),
    (good_row("112", Пол="ж/м"), "Пол", "gender_known"),
    (good_row("113", Класс="5"), "Класс", "grade_range"),
    (good_row("114", Год="26"), "Год", "year_format"),
    (good_row("115", ESCS="0.5"), "ESCS", "decimal_comma"),
]


@pytest.fixture(scope="module")
def row_faults(tmp_path_factory: pytest.TempPathFactory) -> FileReport:
    raw = tmp_path_factory.mktemp("pisa_rows")
    rows = [good_row("101"), *(r for r, _, _ in BAD_ROWS), good_row("116", ESCS="")]
    rows += [good_row("117"), good_row("117")]  # duplicated student
    (rep,) = run(raw, write(raw / "pisa" / "2026" / "rows.csv", rows))
    return rep


def test_row_faults_are_accounted(row_faults: FileReport) -> None:
    # rows 2 (good), 3-16 (one fault each), 17 (no ESCS: allowed), 18-19 (duplicates)
    assert row_faults.rows_read == 18
    assert row_faults.rows_accepted == 2
    rejected = {p.row for p in row_faults.problems}
    assert rejected == set(range(3, 17)) | {18, 19}


@pytest.mark.parametrize(("offset", "case"), list(enumerate(BAD_ROWS)))
def test_each_row_fault_names_row_column_and_rule(
    row_faults: FileReport, offset: int, case: tuple[dict[str, str], str, str]
) -> None:
    _, column, rule = case
    line = 3 + offset
    mine = [p for p in row_faults.problems if p.row == line]
    assert (column, rule) in {(p.column, p.rule) for p in mine}, mine
    text = next(p for p in mine if p.rule == rule).text()
    assert f"строка {line}" in text and "pisa/2026/rows.csv" in text and f"«{column}»" in text


def test_duplicated_student_rejects_every_copy(row_faults: FileReport) -> None:
    dup = {p.row for p in row_faults.problems if p.rule == "student_unique"}
    assert dup == {18, 19}


def test_clean_file_and_title_rows(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pisa" / "2026" / "a.csv",
        [good_row("1"), good_row("2", school="edu990002", Пол="М")],
        title=("Региональная оценка по модели PISA, 2026", ""),
    )
    result = ingest_pisa([path], tmp_path, SCHOOLS)
    (rep,) = result.reports
    assert rep.ok and (rep.rows_read, rep.rows_accepted) == (2, 2)
    (table,) = result.tables["pisa_students"]
    assert table["source_row"].tolist() == [4, 5]  # the file's own line numbers
    assert table["municipality_code"].tolist() == ["01", "02"]
    assert table["w_fsturwt2"].tolist() == [18.75, 18.75]
    assert table["pv3read"].tolist() == [452.125, 452.125]
    assert table["escs"].iloc[0] == pytest.approx(-0.412)


@pytest.mark.parametrize(
    ("kind", "rule"),
    [
        ("empty", "file_not_empty"),
        ("header_only", "file_not_empty"),
        ("utf16", "encoding"),
        ("koi8", "encoding"),
        ("missing_column", "required_columns"),
        ("renamed_column", "required_columns"),
        ("no_header", "header_present"),
        ("extra_replicate", "design_columns"),
        ("repeated_column", "columns_unique"),
    ],
)
def test_file_faults_reject_the_file_with_a_reason(tmp_path: Path, kind: str, rule: str) -> None:
    path = tmp_path / "pisa" / "2026" / f"{kind}.csv"
    rows = [good_row("1"), good_row("2")]
    if kind == "empty":
        path.parent.mkdir(parents=True)
        path.write_bytes(b"")
    elif kind == "header_only":
        write(path, [])
    elif kind == "utf16":
        write(path, rows, encoding="utf-16")
    elif kind == "koi8":
        write(path, rows, encoding="koi8_r")
    elif kind == "missing_column":
        write(path, rows, header=[h for h in HEADER if h != "PV7SCIE"])
    elif kind == "renamed_column":
        write(path, rows, header=["Гендер" if h == "Пол" else h for h in HEADER])
    elif kind == "no_header":
        write(path, rows, header=["Школа", "Ученик"])
    elif kind == "extra_replicate":
        write(path, [{**r, "W_FSTURWT81": "1,0"} for r in rows], header=[*HEADER, "W_FSTURWT81"])
    elif kind == "repeated_column":
        write(path, rows, header=[*HEADER, "ESCS"])
    (rep,) = run(tmp_path, path)
    assert rep.rows_accepted == 0 and len(rep.problems) == 1
    problem = rep.problems[0]
    assert problem.rule == rule and problem.file == f"pisa/2026/{kind}.csv"
    if kind == "missing_column":
        assert "«PV7SCIE»" in problem.message
    if kind == "renamed_column":
        assert "«Пол»" in problem.message
    if kind in ("missing_column", "renamed_column", "extra_replicate", "repeated_column"):
        assert rep.rows_read == 2  # the rows were read, and all are rejected with the file


def test_wrong_delimiter_rows_are_rejected_not_lost(tmp_path: Path) -> None:
    """A comma-separated export with decimal commas splits numbers into extra cells."""
    path = write(
        tmp_path / "pisa" / "2026" / "comma.csv", [good_row("1"), good_row("2")], delimiter=","
    )
    (rep,) = run(tmp_path, path)
    assert rep.rows_read == 2 and rep.rows_accepted == 0
    assert {p.rule for p in rep.problems} >= {"no_extra_cells"}


def test_a_bad_file_does_not_stop_the_good_one(tmp_path: Path) -> None:
    bad = tmp_path / "pisa" / "2024" / "bad.csv"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"   \r\n")
    good = write(tmp_path / "pisa" / "2026" / "good.csv", [good_row("1")])
    result = ingest_pisa([bad, good], tmp_path, SCHOOLS)
    assert [r.rows_accepted for r in result.reports] == [0, 1]
    assert sum(len(t) for t in result.tables["pisa_students"]) == 1
