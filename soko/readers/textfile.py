"""Read a `;`-separated text export whose header may sit below title rows.

Study and survey exports often start with a title («Анкетирование обучающихся, 2026») and
come in whatever encoding the office's software used. This reader finds the header by a
marker column, skips title rows (they are not data, so nothing is lost), and names a wrong
encoding as such instead of reporting mojibake column names as missing. Cells stay text:
typing is the contract's job. (Used by the PISA-model and survey ingest alike.)
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from soko.readers.delimited import DELIMITERS, TextTable, decode
from soko.readers.problems import FileProblem

MAX_TITLE_ROWS = 10
# Encodings a Russian office file may come in besides cp1251 / UTF-8 (which are accepted).
_FOREIGN_ENCODINGS = (("utf-16", "UTF-16"), ("koi8-r", "KOI8-R"), ("cp866", "CP866 (DOS)"))


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


def read_text_table(path: Path, required: Sequence[str], marker: str = "Код ОО") -> TextTable:
    """Header (the first line with ``marker`` among the first lines) + rows, all text.

    Raises :class:`FileProblem` for an empty file, a wrong encoding, no header, missing or
    repeated columns, or no data rows. ``rows`` has the header's columns, ``__extra_cells``
    (cells beyond the header: a wrong delimiter or decimal mark) and ``source_row`` (the
    1-based line number in the file).
    """
    path = Path(path)
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise FileProblem(
            path, "encoding", "файл в кодировке UTF-16: сохраните его в cp1251 или UTF-8"
        )
    text, encoding = decode(path)
    lines = text.splitlines()
    candidates = [i for i, line in enumerate(lines) if line.strip()][: MAX_TITLE_ROWS + 1]
    header_line = next((i for i in candidates if marker in lines[i]), None)
    if header_line is None:
        foreign = _foreign_encoding(data, marker)
        if foreign:
            raise FileProblem(
                path,
                "encoding",
                f"файл, по-видимому, в кодировке {foreign}; сохраните его в cp1251 или UTF-8",
            )
        raise FileProblem(
            path,
            "header_present",
            f"не найдена строка заголовка со столбцом «{marker}» (в первых "
            f"{MAX_TITLE_ROWS + 1} непустых строках)",
            row=1,
        )
    first = lines[header_line]
    delimiter = max(DELIMITERS, key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    width = len(header)
    cells: list[list[str]] = []
    extra: list[int] = []
    line_no: list[int] = []
    body = io.StringIO("\n".join(lines[header_line + 1 :]))
    for offset, row in enumerate(csv.reader(body, delimiter=delimiter)):
        if not any(c.strip() for c in row):
            continue
        row = [c.strip() for c in row]
        extra.append(max(0, len(row) - width))
        cells.append((row + [""] * width)[:width])
        line_no.append(header_line + 2 + offset)
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
            row=header_line + 1,
        )
    missing = [c for c in required if c not in header]
    if missing:
        hint = ""
        if delimiter != ";":
            hint = f" (разделитель определён как «{delimiter}»; ожидается «;»)"
        raise TableProblem(
            len(rows),
            path,
            "required_columns",
            "нет обязательных столбцов: " + ", ".join(f"«{m}»" for m in missing) + hint,
            row=header_line + 1,
        )
    rows["__extra_cells"] = pd.array(extra, dtype="int64")
    rows["source_row"] = pd.array(line_no, dtype="int64")
    return TextTable(path=path, encoding=encoding, delimiter=delimiter, rows=rows)
