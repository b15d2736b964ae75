"""The one reading layer (soko/readers/sheets.py): formats, delimiters, row numbers, first
bytes, and the kind `soko validate` sees in xls/ods/csv files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from soko.pipeline.ingest import detect_kind, validate_file
from soko.readers.problems import FileProblem
from soko.readers.sheets import column_letter, detect_delimiter, read_sheets, sniff
from tests.catalogue.cases_readers import VPR_ROWS
from tests.fisoko_files import write_vpr
from tests.table_files import DATA, copy_fixture, grid_of, write_ods, write_text


@pytest.mark.parametrize(
    ("index", "letters"), [(0, "A"), (9, "J"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")]
)
def test_column_letters_are_excel_s(index: int, letters: str) -> None:
    assert column_letter(index) == letters


@pytest.mark.parametrize(
    ("lines", "delimiter"),
    [
        (["Анкетирование обучающихся, 2026", "Код ОО;ИСБШ;Доля", "edu1;0,42;1,5"], ";"),
        (["Код ОО,Год,ИСБШ", 'edu1,2026,"0,42"', "edu2,2026,1"], ","),
        (["Код ОО\tГод", "edu1\t2026"], "\t"),
        (["Код ОО;Год", "edu1;2026,5", "edu2;2026,1", "edu3;7"], ";"),
    ],
)
def test_the_delimiter_is_the_one_that_splits_lines_evenly(
    lines: list[str], delimiter: str
) -> None:
    assert detect_delimiter(lines) == delimiter


def test_a_quoted_cell_across_lines_keeps_later_row_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('Код ОО;Примечание\nedu1;"две\nстроки"\nedu2;x\n', encoding="utf-8")
    (sheet,) = read_sheets(path)
    assert sheet.rows[1] == ["edu1", "две\nстроки"]
    assert sheet.rows[3] == ["edu2", "x"]  # line 4 of the file is row 4


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_encodings_give_the_same_cells(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("Код ОО;Наименование ОО\nedu1;МБОУ «Школа» № 1\n".encode(encoding))
    (sheet,) = read_sheets(path)
    assert sheet.rows == [["Код ОО", "Наименование ОО"], ["edu1", "МБОУ «Школа» № 1"]]


def test_every_workbook_format_gives_the_same_cells(tmp_path: Path) -> None:
    xlsx = write_vpr(tmp_path / "a.xlsx", VPR_ROWS)
    grid = grid_of(xlsx)
    ods = write_ods(tmp_path / "a.ods", [("Результаты", grid)])
    csv = write_text(tmp_path / "a.csv", grid)
    xls = copy_fixture("vpr_ma4_2026.xls", tmp_path / "a.xls")
    cells = [read_sheets(p)[0].rows for p in (xlsx, ods, csv, xls)]
    width = max(len(r) for r in cells[0])
    padded = [[(r + [""] * width)[:width] for r in c if any(r)] for c in cells]
    assert padded[0] == padded[1] == padded[2] == padded[3]
    assert padded[0][9][:2] == ["edu990001", "г. Озёрск-на-Вельме"]


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "empty"),
        (b"  \r\n", "empty"),
        (b"PK\x03\x04rest", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "ole"),
        (b"%PDF-1.7", "pdf"),
        (b"\xef\xbb\xbf<html><table>", "html"),
        ("Код ОО;Год".encode("utf-16"), "utf16"),
        ("Код ОО;Год".encode("cp1251"), "text"),
        (b"\x00\x01\x02\x03\xff\xfe\x00\x00" * 64, "binary"),
    ],
)
def test_first_bytes_say_what_a_file_is(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_validate_recognises_xls_ods_and_csv_by_content(tmp_path: Path) -> None:
    """Outside data/raw the kind comes from the cells, whatever the format."""
    grid = grid_of(write_vpr(tmp_path / "src.xlsx", VPR_ROWS))
    files = {
        "vpr": [
            copy_fixture("vpr_ma4_2026.xls", tmp_path / "x" / "a.xls"),
            write_ods(tmp_path / "x" / "a.ods", [("Лист1", grid)]),
            write_text(tmp_path / "x" / "a.csv", grid),
        ],
        "oge": [copy_fixture("oge_2026.xls", tmp_path / "x" / "p.xls")],
    }
    for kind, paths in files.items():
        for path in paths:
            assert detect_kind(path) == kind, path.name


def test_validate_names_the_real_problem_of_an_unreadable_file(tmp_path: Path) -> None:
    """Not «could not determine the kind»: the file is empty, and that is what it is told."""
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"")
    rep = validate_file(path, None, tmp_path / "raw", tmp_path / "processed")
    assert [p.rule for p in rep.problems] == ["file_not_empty"]
    assert "пустой" in rep.problems[0].message


def test_a_damaged_xls_does_not_stop_the_process(tmp_path: Path) -> None:
    """Zeroed sectors made calamine allocate without end and abort the interpreter; the
    check runs in a child process so that a regression fails this test, not the run."""
    data = (DATA / "vpr_ma4_2026.xls").read_bytes()
    path = tmp_path / "damaged.xls"
    path.write_bytes(data[:1024] + bytes(len(data) - 1024))
    code = (
        "import sys; from pathlib import Path\n"
        "from soko.readers.sheets import read_sheets\n"
        "from soko.readers.problems import FileProblem\n"
        "try:\n    read_sheets(Path(sys.argv[1]))\n"
        "except FileProblem as exc:\n    print(exc.problem.rule)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "file_readable"


def test_a_workbook_without_cells_is_empty(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "a.ods", [("Лист1", [])])
    with pytest.raises(FileProblem) as err:
        read_sheets(path)
    assert err.value.problem.rule == "file_not_empty"
