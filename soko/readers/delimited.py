"""Reader for the `;`-separated text files registries arrive as (usually cp1251).

Encoding and delimiter are detected, not assumed: an office that saves the file in UTF-8 or
with commas should not have to resend it. Everything is read as text; typing is the
contract's job, so a bad cell becomes a reported row, not a crash.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.readers.problems import FileProblem

ENCODINGS = ("utf-8-sig", "cp1251")
DELIMITERS = (";", "\t", ",")


@dataclass
class TextTable:
    path: Path
    encoding: str
    delimiter: str
    rows: pd.DataFrame  # header names as in the file; all str; `source_row` (1-based line)


def decode(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    if not data.strip():
        raise FileProblem(path, "file_not_empty", "файл пустой")
    for enc in ENCODINGS:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise FileProblem(
        path, "encoding", "не удалось определить кодировку (ожидается cp1251 или UTF-8)"
    )


def read_delimited(path: Path, required: list[str]) -> TextTable:
    """Read a header + rows text file; the header must contain every name in ``required``."""
    path = Path(path)
    text, encoding = decode(path)
    lines = text.splitlines()
    header_line = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_line is None:
        raise FileProblem(path, "file_not_empty", "файл пустой")
    first = lines[header_line]
    delimiter = max(DELIMITERS, key=first.count)
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))]
    missing = [c for c in required if c not in header]
    if missing:
        hint = ""
        if delimiter != ";" or len(header) == 1:
            hint = f" (разделитель определён как «{delimiter}»; ожидается «;»)"
        problem = FileProblem(
            path,
            "required_columns",
            "нет обязательных столбцов: " + ", ".join(f"«{m}»" for m in missing) + hint,
            row=header_line + 1,
        )
        problem.rows_read = sum(1 for line in lines[header_line + 1 :] if line.strip())
        raise problem
    records = []
    reader = csv.reader(io.StringIO("\n".join(lines[header_line + 1 :])), delimiter=delimiter)
    for offset, cells in enumerate(reader):
        if not any(c.strip() for c in cells):
            continue
        cells = [c.strip() for c in cells]
        rec = {name: (cells[j] if j < len(cells) else "") for j, name in enumerate(header)}
        rec["__extra_cells"] = str(max(0, len(cells) - len(header)))
        rec["source_row"] = header_line + 2 + offset
        records.append(rec)
    rows = pd.DataFrame.from_records(records, columns=[*header, "__extra_cells", "source_row"])
    if rows.empty:
        raise FileProblem(path, "file_not_empty", "в файле нет ни одной строки данных")
    rows["source_row"] = rows["source_row"].astype("int64")
    return TextTable(path=path, encoding=encoding, delimiter=delimiter, rows=rows)
