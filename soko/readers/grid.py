"""A spreadsheet's first sheet as a grid of text (python-calamine: xlsx, xls, ods; fast).

Readers of every format start here, so a cell's text is the same whatever the procedure.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from python_calamine import CalamineWorkbook

from soko.readers.problems import FileProblem


def _cell_text(value: object) -> str:
    """Calamine gives floats for numbers; write whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value).replace(".", ",")
    return str(value).strip()


def read_grid(path: Path) -> list[list[str]]:
    """The first sheet as text, row i being Excel row i+1 (empty leading rows kept)."""
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    except Exception as exc:
        raise FileProblem(
            path, "file_readable", f"файл не читается как книга Excel ({type(exc).__name__}: {exc})"
        ) from exc
    return _text_rows(sheet.iter_rows())


def _text_rows(rows: Iterable[list[object]]) -> list[list[str]]:
    """Rows of cells as text, row by row (the sheet's Python values are never all held at
    once) and each distinct text kept once: a region's workbook repeats its municipality,
    school and scores on every row, and one string object per cell was most of its size."""
    seen: dict[str, str] = {}
    return [[seen.setdefault(s, s) for s in map(_cell_text, row)] for row in rows]
