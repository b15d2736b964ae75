"""Reader for ФИС ОКО «Индивидуальные результаты» ВПР workbooks.

The export is a report, not a table: title and metadata rows, a row of task levels (Б/П),
then the header and one row per participant. This module finds those parts by their
content, not by fixed positions, because real exports shift rows between years. It only
parses; whether the values are acceptable is the contract's job (``soko.contracts``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

from soko.config import vpr_subject_code
from soko.readers.problems import FileProblem

# Russian header -> canonical column of the staging table.
FIXED_COLUMNS: dict[str, str] = {
    "ОО": "school_code",
    "Муниципалитет": "municipality_name",
    "Название ОО": "school_name",
    "Код участника": "participant_code",
    "Класс": "class_label",
    "Вариант": "variant",
    "Первичный балл": "primary_score",
    "Отметка": "mark",
    "Отметка по журналу": "journal_mark",
}
HEADER_MARKER = "Код участника"
MISSING_MARKS = frozenset({"X", "Х", "-", "НЕТ ОТМЕТКИ", ""})  # Latin X and Cyrillic Х

_TITLE = re.compile(r"ВПР\s+(?P<year>\d{4})\s+(?P<subject>.+?)\s+(?P<grade>\d{1,2})\s+класс", re.I)
_TASK = re.compile(
    r"^\s*(?P<label>[0-9]+(?:[.,][0-9]+)?(?:\s*К\s*[0-9]+)?)\s*\(\s*(?P<max>\d+)\s*б\s*\)\s*$"
)


@dataclass(frozen=True)
class TaskColumn:
    header: str  # as in the file, e.g. "9.1 (1б)"
    task: str  # "9.1"
    max_score: int
    level: str | None  # "Б", "П" or None when the level row has nothing above it
    column_index: int  # 0-based column in the sheet


@dataclass
class VprFile:
    """One parsed workbook: its metadata, task columns and raw data rows (strings)."""

    path: Path
    year: int
    subject: str  # code from config (ru, ma, ...)
    subject_name: str
    grade: int
    max_score: int | None
    tasks: list[TaskColumn]
    rows: pd.DataFrame  # canonical fixed columns + one column per task label; all str; `source_row`
    header_row: int  # 1-based Excel row of the header
    extra_columns: list[str] = field(default_factory=list)


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
    return [[_cell_text(v) for v in row] for row in sheet.to_python(skip_empty_area=False)]


def _find_header(grid: list[list[str]], path: Path) -> int:
    for i, row in enumerate(grid):
        if HEADER_MARKER in row:
            return i
    raise FileProblem(
        path,
        "header_present",
        f"не найдена строка заголовка со столбцом «{HEADER_MARKER}»: "
        "файл не похож на выгрузку «Индивидуальные результаты» ФИС ОКО",
    )


def _metadata(grid: list[list[str]], header: int) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in grid[:header]:
        cells = [c for c in row if c]
        if not cells:
            continue
        m = _TITLE.search(cells[0])
        if m and "title" not in meta:
            meta["title"] = cells[0]
            meta.update({k: v for k, v in m.groupdict().items()})
        if cells[0].endswith(":") and len(cells) > 1:
            meta[cells[0].rstrip(":").strip()] = cells[1]
    return meta


def read_vpr_workbook(path: Path) -> VprFile:
    """Parse one workbook; raise FileProblem when the file as a whole cannot be used."""
    path = Path(path)
    grid = read_grid(path)
    if not any(any(c for c in row) for row in grid):
        raise FileProblem(path, "file_not_empty", "файл пустой")
    h = _find_header(grid, path)
    header = grid[h]
    levels = grid[h - 1] if h > 0 else []
    meta = _metadata(grid, h)

    if "title" not in meta:
        raise FileProblem(
            path,
            "title_present",
            "не найдена строка названия вида «ВПР 2026 Русский язык 4 класс»: "
            "не определить год, предмет и класс",
            row=1,
        )
    subject_name = meta.get("Предмет", meta["subject"]).strip()
    subject = vpr_subject_code(subject_name)
    if subject is None:
        raise FileProblem(
            path,
            "subject_known",
            f"предмет «{subject_name}» не описан в config/vpr_scales.yml",
            row=1,
        )
    max_text = meta.get("Максимальный первичный балл", "")
    max_score = int(max_text) if max_text.isdigit() else None

    tasks: list[TaskColumn] = []
    fixed_index: dict[str, int] = {}
    extra: list[str] = []
    for j, name in enumerate(header):
        if not name:
            continue
        if name in FIXED_COLUMNS:
            if FIXED_COLUMNS[name] in fixed_index:
                raise FileProblem(path, "header_unique", f"столбец «{name}» повторяется", row=h + 1)
            fixed_index[FIXED_COLUMNS[name]] = j
            continue
        m = _TASK.match(name)
        if m:
            label = re.sub(r"\s+", "", m["label"]).replace(",", ".")
            level = levels[j].strip() if j < len(levels) and levels[j].strip() else None
            tasks.append(TaskColumn(name, label, int(m["max"]), level, j))
        else:
            extra.append(name)

    missing = [ru for ru, canon in FIXED_COLUMNS.items() if canon not in fixed_index]
    if missing:
        raise FileProblem(
            path,
            "required_columns",
            "нет обязательных столбцов: "
            + ", ".join(f"«{m}»" for m in missing)
            + (f" (в заголовке есть нераспознанные: {', '.join(extra)})" if extra else ""),
            row=h + 1,
        )
    if not tasks:
        raise FileProblem(path, "task_columns", "нет столбцов заданий вида «1 (2б)»", row=h + 1)
    labels = [t.task for t in tasks]
    if len(set(labels)) != len(labels):
        raise FileProblem(
            path, "header_unique", "номера заданий в заголовке повторяются", row=h + 1
        )

    body = grid[h + 1 :]
    records: list[dict[str, str]] = []
    for i, row in enumerate(body):
        if not any(row):
            continue  # blank separator lines are not participants
        rec = {canon: (row[j] if j < len(row) else "") for canon, j in fixed_index.items()}
        for t in tasks:
            rec[t.task] = row[t.column_index] if t.column_index < len(row) else ""
        rec["source_row"] = h + 2 + i  # 1-based Excel row
        records.append(rec)
    columns = [*FIXED_COLUMNS.values(), *labels, "source_row"]
    rows = pd.DataFrame.from_records(records, columns=columns)
    if rows.empty:
        raise FileProblem(
            path, "file_not_empty", "в файле нет ни одной строки участника", row=h + 2
        )
    rows["source_row"] = rows["source_row"].astype("int64")

    return VprFile(
        path=path,
        year=int(meta["year"]),
        subject=subject,
        subject_name=subject_name,
        grade=int(meta["grade"]),
        max_score=max_score,
        tasks=tasks,
        rows=rows,
        header_row=h + 1,
        extra_columns=extra,
    )
