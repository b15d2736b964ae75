"""Reader of РЦОИ participant protocols (ОГЭ, ЕГЭ, ГВЭ): any table file soko reads.

The same protocol arrives as an Excel workbook (xlsx, xls, ods) with title rows above the
header (sometimes with merged cells, sometimes behind a cover sheet), or as a `;`-separated
text file with decimal commas. All are read by :mod:`soko.readers.sheets` into sheets of
text cells; the protocol is the first sheet with a protocol header, found by its content
below any title rows. Only whole-file problems raise :class:`FileProblem` (unreadable,
empty, no header, missing or merged header columns); everything about values is left to
the contract.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.formats.rcoi_protocol.kinds import RESULT_TYPES, GiaKind
from soko.readers.problems import FileProblem
from soko.readers.sheets import Sheet, column_letter, other_kind, read_sheets

# Russian header -> canonical column (the protocol columns of docs/gia_formats.md).
COMMON_COLUMNS: dict[str, str] = {
    "Код МСУ": "municipality_code",
    "Код ОО": "school_code",
    "Класс": "class_label",
    "Код ППЭ": "exam_point",
    "Аудитория": "room",
    "Фамилия": "surname",
    "Имя": "first_name",
    "Отчество": "patronymic",
    "Номер документа": "document",
    "Код предмета": "subject_code",
    "Дата экзамена": "exam_date",
    "Вариант": "variant",
    "Задания с кратким ответом": "short_answers",
    "Задания с развёрнутым ответом": "long_answers",
    "Первичный балл": "primary_score",
    "Процент выполнения": "percent",
}
OPTIONAL_COLUMNS: dict[str, str] = {"Серия документа": "document_series"}
# Names real exports use for the same column (compared after normalising case, «ё», spaces).
ALIASES: dict[str, str] = {
    "Оценка": "Отметка",
    "Задания с развернутым ответом": "Задания с развёрнутым ответом",
    "Код МО": "Код МСУ",
    "Код АТЕ": "Код МСУ",
    "Балл": "Тестовый балл",
    "Номер паспорта": "Номер документа",
    "Серия паспорта": "Серия документа",
}
HEADER_SCAN_ROWS = 30
HEADER_MIN_KNOWN = 4  # a row with at least this many known column names is the header


class LayoutProblem(FileProblem):
    """A header the file's rows cannot be read by; ``rows_read`` counts the non-blank rows
    under it, so the report shows them as read and rejected rather than never seen."""

    def __init__(self, cause: FileProblem, rows_read: int) -> None:
        Exception.__init__(self, cause.problem.text())
        self.problem = cause.problem
        self.rows_read = rows_read


@dataclass
class Protocol:
    """One protocol read as text: canonical columns, ``source_row`` (1-based, as the user
    sees it), ``merged_cells`` (xlsx: merged ranges covering the row) and ``extra_cells``
    (text: cells beyond the header)."""

    path: Path
    form: str  # "xlsx" | "csv"
    rows: pd.DataFrame
    header_row: int  # 1-based
    columns: dict[str, str]  # canonical -> header as written in the file
    encoding: str | None = None
    delimiter: str | None = None


def _norm(name: str) -> str:
    return " ".join(str(name).replace("ё", "е").replace("Ё", "Е").split()).casefold()


def expected_columns(kind: GiaKind) -> dict[str, str]:
    return {**COMMON_COLUMNS, kind.result_header: kind.result}


def _lookup(kind: GiaKind) -> dict[str, str]:
    """Normalised header text -> canonical column, aliases included."""
    known = {**expected_columns(kind), **OPTIONAL_COLUMNS}
    table = {_norm(ru): canon for ru, canon in known.items()}
    for alias, ru in ALIASES.items():
        if ru in known:
            table[_norm(alias)] = known[ru]
    return table


def _is_header(cells: list[str], lookup: dict[str, str]) -> bool:
    return sum(_norm(c) in lookup for c in cells if c) >= HEADER_MIN_KNOWN


def map_header(path: Path, header: list[str], kind: GiaKind, header_row: int) -> dict[str, int]:
    """Canonical column -> 0-based index; raise for missing, renamed or repeated columns."""
    lookup = _lookup(kind)
    found: dict[str, int] = {}
    unknown: list[str] = []
    written: dict[str, str] = {}
    for j, name in enumerate(header):
        if not name:
            continue
        canon = lookup.get(_norm(name))
        if canon is None:
            unknown.append(name)
            continue
        if canon in found:
            raise FileProblem(
                path,
                "header_unique",
                f"столбец «{name}» повторяется (столбцы {found[canon] + 1} и {j + 1})",
                row=header_row,
            )
        found[canon] = j
        written[canon] = name
    unknown_norm = {_norm(u) for u in unknown}
    for other_header, other_title, other_folder in kind.misfiled:
        if kind.result not in found and _norm(other_header) in unknown_norm:
            raise FileProblem(
                path,
                "procedure_matches",
                f"в файле столбец «{other_header}»: это протокол "
                f"{other_title}, а не {kind.title}; положите его в "
                f"папку {other_folder}",
                row=header_row,
            )
    expected = expected_columns(kind)
    missing = [ru for ru, canon in expected.items() if canon not in found]
    if missing:
        renamed = {}
        for ru in missing:
            close = difflib.get_close_matches(ru, unknown, n=1, cutoff=0.6)
            if close:
                renamed[ru] = close[0]
        if renamed and len(renamed) == len(missing):
            pairs = ", ".join(f"«{got}» вместо «{ru}»" for ru, got in renamed.items())
            raise FileProblem(
                path,
                "column_renamed",
                f"столбцы переименованы: {pairs}; верните названия по docs/gia_formats.md",
                row=header_row,
            )
        listed = ", ".join(f"«{u}»" for u in unknown)
        hint = f" (нераспознанные столбцы: {listed})" if unknown else ""
        raise FileProblem(
            path,
            "required_columns",
            "нет обязательных столбцов: " + ", ".join(f"«{m}»" for m in missing) + hint,
            row=header_row,
        )
    return found


def check_unnamed(
    path: Path,
    header: list[str],
    body: list[list[str]],
    header_row: int,
    name: Callable[[int], str],
) -> int:
    """Raise when a column between named ones has data but no name (nobody can tell what it
    holds); return the header's width up to its last named column."""
    named = [j for j, h in enumerate(header) if h.strip()]
    last = named[-1] if named else -1
    blank = [j for j in range(last) if not header[j].strip()]
    with_data = [j for j in blank if any(j < len(r) and r[j].strip() for r in body)]
    if with_data:
        cells = ", ".join(name(j) for j in with_data)
        raise FileProblem(
            path,
            "header_cells_named",
            f"в строке заголовка пустые ячейки ({cells}) над столбцами с данными: дайте "
            "столбцам названия по docs/gia_formats.md или удалите их",
            row=header_row,
        )
    return last + 1


def _records(
    body: list[list[str]], first_row: int, index: dict[str, int], width: int
) -> list[dict[str, object]]:
    records = []
    for offset, cells in enumerate(body):
        if not any(c.strip() for c in cells):
            continue  # blank separator lines are not participants
        rec: dict[str, object] = {
            canon: (cells[j].strip() if j < len(cells) else "") for canon, j in index.items()
        }
        rec["extra_cells"] = sum(1 for c in cells[width:] if c.strip())
        rec["source_row"] = first_row + offset
        records.append(rec)
    return records


def _frame(
    records: list[dict[str, object]], index: dict[str, int], path: Path, row: int
) -> pd.DataFrame:
    columns = [*index, "extra_cells", "source_row"]
    rows = pd.DataFrame.from_records(records, columns=columns)
    if rows.empty:
        raise FileProblem(path, "file_not_empty", "в файле нет ни одной строки участника", row=row)
    for canon in (*COMMON_COLUMNS.values(), *OPTIONAL_COLUMNS.values(), *RESULT_TYPES):
        if canon not in rows:
            rows[canon] = ""
    rows["source_row"] = rows["source_row"].astype("int64")
    rows["extra_cells"] = rows["extra_cells"].astype("int64")
    return rows


# --- one sheet -----------------------------------------------------------------------------


def _excel_ref(row: int, col: int) -> str:
    return f"{column_letter(col)}{row + 1}"


def _count_rows(body: list[list[str]]) -> int:
    return sum(1 for cells in body if any(c.strip() for c in cells))


def _header_row(sheet: Sheet, lookup: dict[str, str]) -> int | None:
    rows = sheet.rows[:HEADER_SCAN_ROWS]
    return next((i for i, row in enumerate(rows) if _is_header(row, lookup)), None)


def _read_sheet(path: Path, sheet: Sheet, h: int, kind: GiaKind) -> Protocol:
    grid = sheet.rows
    header = [c.strip() for c in grid[h]]
    body = grid[h + 1 :]
    merged = sheet.merged
    in_header = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in merged if r0 <= h <= r1]
    cell = (lambda j: f"№ {j + 1}") if sheet.text else (lambda j: _excel_ref(h, j))
    try:
        if in_header:
            ranges = ", ".join(
                f"{_excel_ref(r0, c0)}:{_excel_ref(r1, c1)}" for r0, c0, r1, c1 in in_header
            )
            raise FileProblem(
                path,
                "header_not_merged",
                f"в строке заголовка объединены ячейки ({ranges}): у каждого столбца должно "
                "быть своё название в одной ячейке",
                row=h + 1,
            )
        width = check_unnamed(path, header, body, h + 1, cell)
        index = map_header(path, header, kind, h + 1)
    except FileProblem as exc:
        raise LayoutProblem(exc, _count_rows(body)) from None
    if sheet.text:
        width = max(width, len(header))
    rows = _frame(_records(body, h + 2, index, width), index, path, h + 2)
    if sheet.text:
        rows["merged_cells"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    else:
        rows["merged_cells"] = _merged_in_rows(rows["source_row"], merged, h)
    return Protocol(
        path=path,
        form="csv" if sheet.text else "xlsx",
        rows=rows,
        header_row=h + 1,
        columns={canon: header[j] for canon, j in index.items()},
        encoding=sheet.encoding,
        delimiter=sheet.delimiter,
    )


def _merged_in_rows(source_row: pd.Series, merged: list, header: int) -> pd.Series:
    """Per data row, the merged ranges covering it (a merged cell hides values of the rows
    below its first one, so those rows cannot be trusted)."""
    covering: dict[int, list[str]] = {}
    for (r0, c0), (r1, c1) in merged:
        if r1 <= header:
            continue  # titles above the header may be merged freely
        ref = f"{_excel_ref(r0, c0)}:{_excel_ref(r1, c1)}"
        for r in range(max(r0, header + 1), r1 + 1):
            covering.setdefault(r + 1, []).append(ref)
    text = source_row.map(lambda r: ", ".join(covering[r]) if r in covering else None)
    return text.astype("string")


# --- why no header -------------------------------------------------------------------------

OTHER_ENCODINGS = (("utf-16", "UTF-16"), ("koi8_r", "KOI8-R"), ("cp866", "CP866 (DOS)"))


def _no_header_message() -> str:
    return (
        "не найдена строка заголовка протокола (со столбцами «Код ОО», «Класс», "
        "«Первичный балл» и другими по docs/gia_formats.md)"
    )


def _diagnose(path: Path, sheets: list[Sheet]) -> FileProblem:
    """Why no header was found: another encoding, an unknown delimiter, a file of another
    kind, or no protocol at all."""
    if sheets[0].text:
        data = path.read_bytes()
        for enc, label in OTHER_ENCODINGS:
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if "Код ОО" in text and "Первичный балл" in text:
                return FileProblem(
                    path,
                    "encoding",
                    f"файл в кодировке {label}; ожидается cp1251 (Windows) или UTF-8: "
                    "пересохраните его в одной из них",
                )
        for i, row in enumerate(sheets[0].rows[:HEADER_SCAN_ROWS]):
            line = " ".join(row)
            if "Код ОО" in line and "Первичный балл" in line:
                return FileProblem(
                    path,
                    "delimiter",
                    "не удалось разделить строку заголовка на столбцы: ожидается разделитель "
                    "«;» (допускаются также табуляция и «,»)",
                    row=i + 1,
                )
    other = other_kind(sheets, "gia")
    if other:
        return FileProblem(path, "kind_matches", f"это не протокол РЦОИ: по содержанию это {other}")
    message = _no_header_message()
    if len(sheets) > 1:
        message += " ни на одном листе (" + ", ".join(f"«{s.name}»" for s in sheets) + ")"
    return FileProblem(path, "header_present", message)


def read_protocol(path: Path, kind: GiaKind) -> Protocol:
    """Read one protocol: the first sheet with a protocol header, whatever the file's format."""
    path = Path(path)
    sheets = read_sheets(path)
    lookup = _lookup(kind)
    for sheet in sheets:
        h = _header_row(sheet, lookup)
        if h is not None:
            return _read_sheet(path, sheet, h, kind)
    raise _diagnose(path, sheets)
