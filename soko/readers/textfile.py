"""A table with a header row, from any table file: registries, context, study and survey files.

Study and survey exports often start with a title («Анкетирование обучающихся, 2026»), come
in whatever encoding the office's software used, and are as often saved from Excel as
`.xlsx` as they are exported as `;`-text. This reader takes the sheets of
:mod:`soko.readers.sheets` (every format alike), finds the header by a marker column on
whichever sheet has it, skips title rows (they are not data, so nothing is lost), and names
a wrong encoding as such instead of reporting mojibake column names as missing. Cells stay
text: typing is the contract's job. (Used by the registry, context, PISA-model and survey
ingest alike.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.readers.problems import FileProblem
from soko.readers.sheets import Sheet, other_kind, read_sheets

MAX_TITLE_ROWS = 10
# Encodings a Russian office file may come in besides cp1251 / UTF-8 (which are accepted).
_FOREIGN_ENCODINGS = (("utf-16", "UTF-16"), ("koi8-r", "KOI8-R"), ("cp866", "CP866 (DOS)"))


@dataclass
class TextTable:
    path: Path
    encoding: str | None  # None for a workbook
    delimiter: str | None  # None for a workbook
    rows: pd.DataFrame  # header names as in the file; all str; `source_row` (1-based row)
    sheet: str = ""  # the sheet the table was found on (the file name for text)
    header_row: int = 0  # 1-based


class TableProblem(FileProblem):
    """A file fault found after its rows were read: they count as read (and rejected)."""

    def __init__(self, rows_read: int, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.rows_read = rows_read


def rows_read(exc: FileProblem) -> int:
    """Rows the file had when a file rule rejected it (0 when they could not be read)."""
    return getattr(exc, "rows_read", 0)


def _foreign_encoding(data: bytes, marker: str) -> str | None:
    for codec, name in _FOREIGN_ENCODINGS:
        try:
            if marker in data.decode(codec):
                return name
        except UnicodeDecodeError:
            continue
    return None


def _header_in(sheet: Sheet, marker: str) -> int | None:
    """0-based index of the header row: the first of the first non-blank rows with a cell
    containing ``marker``."""
    filled = [i for i, row in enumerate(sheet.rows) if any(row)][: MAX_TITLE_ROWS + 1]
    return next((i for i in filled if any(marker in c for c in sheet.rows[i])), None)


def _no_header(path: Path, sheets: list[Sheet], marker: str, expected: str) -> FileProblem:
    if sheets[0].text:
        foreign = _foreign_encoding(path.read_bytes(), marker)
        if foreign:
            return FileProblem(
                path,
                "encoding",
                f"файл, по-видимому, в кодировке {foreign}; сохраните его в cp1251 или UTF-8",
            )
    other = other_kind(sheets, expected)
    if other:
        return FileProblem(
            path, "kind_matches", f"не найден столбец «{marker}»: по содержанию это {other}"
        )
    where = "" if len(sheets) == 1 else f" ни на одном из листов ({len(sheets)})"
    return FileProblem(
        path,
        "header_present",
        f"не найдена строка заголовка со столбцом «{marker}»{where} (в первых "
        f"{MAX_TITLE_ROWS + 1} непустых строках)",
        row=1,
    )


def read_text_table(
    path: Path,
    required: Sequence[str],
    marker: str = "Код ОО",
    *,
    first_row_header: bool = False,
    expected: str = "",
) -> TextTable:
    """Header (the first row with ``marker`` among the first rows of a sheet) + rows, all text.

    Raises :class:`FileProblem` for an unreadable or empty file, a wrong encoding, no header,
    missing or repeated columns, or no data rows. ``rows`` has the header's columns,
    ``__extra_cells`` (cells beyond the header: a wrong delimiter or decimal mark) and
    ``source_row`` (the 1-based row in the file). ``first_row_header``: without the marker,
    take the first non-blank row as the header (and report its missing columns).
    ``expected``: the kind the caller reads (see :func:`soko.readers.sheets.other_kind`),
    so that a file of another kind is named as such.
    """
    path = Path(path)
    sheets = read_sheets(path)
    found = next(((s, h) for s in sheets if (h := _header_in(s, marker)) is not None), None)
    if found is None:
        first = next((s for s in sheets if any(any(r) for r in s.rows)), None)
        if first is None:
            raise FileProblem(path, "file_not_empty", "файл пустой")
        if not first_row_header or other_kind(sheets, expected):
            raise _no_header(path, sheets, marker, expected)
        found = (first, next(i for i, r in enumerate(first.rows) if any(r)))
    sheet, h = found
    header = [c.strip() for c in sheet.rows[h]]
    if not sheet.text:
        while header and not header[-1]:
            header.pop()
    width = len(header)
    cells: list[list[str]] = []
    extra: list[int] = []
    line_no: list[int] = []
    for i in range(h + 1, len(sheet.rows)):
        row = sheet.rows[i]
        if not any(row):
            continue
        tail = row[width:]
        extra.append(len(tail) if sheet.text else sum(1 for c in tail if c))
        cells.append((row + [""] * width)[:width])
        line_no.append(i + 1)
    if not cells:
        raise FileProblem(path, "file_not_empty", "в файле нет ни одной строки данных")
    rows = pd.DataFrame(cells, columns=header, dtype="str")
    repeated = [name for name, k in Counter(header).items() if k > 1 and name]
    if repeated:
        raise TableProblem(
            len(rows),
            path,
            "columns_unique",
            "столбцы повторяются в заголовке: " + ", ".join(f"«{r}»" for r in repeated),
            row=h + 1,
        )
    missing = [c for c in required if c not in header]
    if missing:
        hint = ""
        if sheet.text and (sheet.delimiter != ";" or width == 1):
            hint = f" (разделитель столбцов определён как «{sheet.delimiter}»)"
        raise TableProblem(
            len(rows),
            path,
            "required_columns",
            "нет обязательных столбцов: " + ", ".join(f"«{m}»" for m in missing) + hint,
            row=h + 1,
        )
    rows["__extra_cells"] = pd.array(extra, dtype="int64")
    rows["source_row"] = pd.array(line_no, dtype="int64")
    return TextTable(
        path=path,
        encoding=sheet.encoding,
        delimiter=sheet.delimiter,
        rows=rows,
        sheet=sheet.name,
        header_row=h + 1,
    )
