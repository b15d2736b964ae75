"""Writers of one table in every format a region receives it in, for the reading tests.

A fixture is first written by the usual builders (``tests/fisoko_files.py``,
``tests/gia_files.py``) as xlsx, then its cells are rewritten as ``.ods`` (the OpenDocument
XML zipped by hand: no extra dependency), as delimited text, or into a sheet behind a cover
sheet. ``.xls`` cannot be written without a package soko does not need (xlwt), so the
``.xls`` fixtures are committed under ``tests/data/`` (made once by
``tests/data/make_fixtures.py``, which says how).
"""

from __future__ import annotations

import csv
import io
import shutil
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import xlsxwriter
from python_calamine import CalamineWorkbook

DATA = Path(__file__).parent / "data"
Cell = str | int | float
Grid = list[list[Cell]]
_END = "</table:table-cell>"


def grid_of(path: Path, sheet: int = 0) -> Grid:
    """The cells of an xlsx sheet as written (numbers stay numbers)."""
    book = CalamineWorkbook.from_path(str(path))
    rows = book.get_sheet_by_index(sheet).to_python(skip_empty_area=False)
    return [[("" if v is None else v) for v in row] for row in rows]


def _number(v: Cell) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def write_xlsx_sheets(path: Path, sheets: list[tuple[str, Grid]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, grid in sheets:
        ws = wb.add_worksheet(name)
        for i, row in enumerate(grid):
            for j, v in enumerate(row):
                if v != "":
                    ws.write(i, j, v)
    wb.close()
    return path


def _ods_cell(v: Cell) -> str:
    if v == "":
        return "<table:table-cell/>"
    if _number(v):
        return (
            f'<table:table-cell office:value-type="float" office:value="{v}">'
            f"<text:p>{v}</text:p></table:table-cell>"
        )
    text = escape(str(v))
    return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p>' + _END


def write_ods(path: Path, sheets: list[tuple[str, Grid]]) -> Path:
    """An OpenDocument spreadsheet (what LibreOffice saves), written as its XML."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            "<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>"
            for row in grid
        )
        + "</table:table>"
        for name, grid in sheets
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f"{tables}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def _text(v: Cell) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).replace(".", ",") if isinstance(v, float) else str(v)


def write_text(
    path: Path,
    grid: Grid,
    *,
    encoding: str = "cp1251",
    delimiter: str = ";",
) -> Path:
    """Delimited text as office programs save it (fields with the delimiter or quotes are
    quoted; numbers with a decimal comma)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in grid:
        writer.writerow([_text(v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def copy_fixture(name: str, dest: Path) -> Path:
    """A committed binary fixture from tests/data/, copied to ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / name, dest)
    return dest
