"""Reader for per-student task workbooks: ФИС ОКО «Индивидуальные результаты» (ВПР, НИКО)
and the region's own diagnostic works (РПР).

The export is a report, not a table: title and metadata rows, a row of task levels (Б/П),
then the header and one row per participant. This module finds those parts by their
content, not by fixed positions, because real exports shift rows between years. What the
title starts with and what the columns are called is a :class:`WorkbookLayout` (ВПР's by
default), so a procedure with the same shape needs configuration, not another reader. It
only parses; whether the values are acceptable is the contract's job (``soko.contracts``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from soko.config import MarkScale, load_yaml
from soko.paths import config_dir
from soko.readers.grid import read_grid
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
MISSING_MARKS = frozenset({"X", "Х", "-", "НЕТ ОТМЕТКИ", ""})  # Latin X and Cyrillic Х
# Canonical columns a layout must name; the others a region's file may not have at all.
REQUIRED_COLUMNS = frozenset(
    {"school_code", "participant_code", "class_label", "primary_score", "mark"}
)
_HEADER_MIN_MATCH = 3  # a row naming this many layout columns is the header even if one is renamed
_TASK = re.compile(
    r"^\s*(?P<label>[0-9]+(?:[.,][0-9]+)?(?:\s*К\s*[0-9]+)?)\s*\(\s*(?P<max>\d+)\s*б\s*\)\s*$"
)


@lru_cache(maxsize=16)
def _scales_config(name: str, directory: Path) -> dict[str, Any]:
    return load_yaml(name, directory)


@dataclass(frozen=True)
class WorkbookLayout:
    """How one procedure's per-student workbook is titled and headed, and where its scales are.

    The defaults are ФИС ОКО's ВПР export. ``columns`` maps the file's header to the
    canonical column; every column it names is required in a file, canonical columns it
    leaves out (``municipality_name``, ``school_name``, ``variant``, ``journal_mark``) are
    simply absent. ``scales_file`` (in ``config/``) holds ``subjects`` and ``scales`` in the
    format of ``config/vpr_scales.yml``; ``layout_file`` is where a region set the layout.
    """

    procedure: str = "vpr"
    title: str = "ВПР"
    columns: Mapping[str, str] = field(default_factory=lambda: dict(FIXED_COLUMNS))
    scales_file: str = "vpr_scales.yml"
    layout_file: str | None = None  # None: the built-in ФИС ОКО layout

    def __post_init__(self) -> None:
        named = list(self.columns.values())
        unknown = sorted(set(named) - set(FIXED_COLUMNS.values()))
        twice = sorted({c for c in named if named.count(c) > 1})
        missing = sorted(REQUIRED_COLUMNS - set(named))
        if unknown or twice or missing:
            raise ValueError(
                f"layout of {self.procedure}: unknown columns {unknown}, named twice {twice}, "
                f"required but not named {missing}"
            )

    @cached_property
    def headers(self) -> dict[str, str]:
        """Canonical column -> the file's header."""
        return {canon: header for header, canon in self.columns.items()}

    @property
    def absent(self) -> frozenset[str]:
        """Canonical columns this layout's files do not have."""
        return frozenset(FIXED_COLUMNS.values()) - set(self.columns.values())

    @cached_property
    def title_pattern(self) -> re.Pattern[str]:
        return re.compile(
            rf"{re.escape(self.title)}\s+(?P<year>\d{{4}})\s+(?P<subject>.+?)\s+"
            r"(?P<grade>\d{1,2})\s+класс",
            re.I,
        )

    def file_column(self, vpr_header: str | None) -> str | None:
        """This layout's name for a column the contracts call by its ВПР header."""
        canon = FIXED_COLUMNS.get(vpr_header or "")
        return self.headers.get(canon, vpr_header) if canon else vpr_header

    def _config(self, directory: Path | None) -> dict[str, Any]:
        return _scales_config(self.scales_file, (directory or config_dir()).resolve())

    def subjects(self, directory: Path | None = None) -> dict[str, str]:
        """Subject code -> Russian subject name."""
        return dict(self._config(directory)["subjects"])

    def subject_code(self, name: str, directory: Path | None = None) -> str | None:
        wanted = name.strip().lower()
        found = [c for c, t in self.subjects(directory).items() if t.lower() == wanted]
        return found[0] if found else None

    def works(self, year: int, directory: Path | None = None) -> list[tuple[str, int]]:
        """(subject, grade) of every work with a scale in ``year``, in config order."""
        scales = self._config(directory)["scales"].get(int(year)) or {}
        return [(str(k), int(g)) for k, grades in scales.items() for g in grades]

    def scale(
        self, year: int, subject: str, grade: int, directory: Path | None = None
    ) -> MarkScale | None:
        """The year's scale, or None when the config has none (the file is then rejected)."""
        try:
            entry = self._config(directory)["scales"][int(year)][subject][int(grade)]
        except KeyError:
            return None
        return MarkScale(max_score=int(entry["max"]), thresholds=tuple(entry["marks"]))  # type: ignore[arg-type]


VPR_LAYOUT = WorkbookLayout()


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
    layout: WorkbookLayout = VPR_LAYOUT


def _find_header(grid: list[list[str]], path: Path, layout: WorkbookLayout) -> int:
    """The row with the participant column or, failing that, with three of the layout's
    headers (so a renamed column is reported by name, not as an unrecognisable file)."""
    marker = layout.headers["participant_code"]
    for i, row in enumerate(grid):
        if marker in row:
            return i
    need = min(_HEADER_MIN_MATCH, len(layout.columns))
    for i, row in enumerate(grid):
        if len(set(row) & set(layout.columns)) >= need:
            return i
    source = (
        f"по образцу config/{layout.layout_file}"
        if layout.layout_file
        else "«Индивидуальные результаты» ФИС ОКО"
    )
    raise FileProblem(
        path,
        "header_present",
        f"не найдена строка заголовка со столбцом «{marker}»: файл не похож на выгрузку {source}",
    )


def _metadata(grid: list[list[str]], header: int, layout: WorkbookLayout) -> dict[str, str]:
    meta: dict[str, str] = {}
    for row in grid[:header]:
        cells = [c for c in row if c]
        if not cells:
            continue
        m = layout.title_pattern.search(cells[0])
        if m and "title" not in meta:
            meta["title"] = cells[0]
            meta.update({k: v for k, v in m.groupdict().items()})
        if cells[0].endswith(":") and len(cells) > 1:
            meta[cells[0].rstrip(":").strip()] = cells[1]
    return meta


def read_vpr_workbook(path: Path, layout: WorkbookLayout = VPR_LAYOUT) -> VprFile:
    """Parse one workbook; raise FileProblem when the file as a whole cannot be used.

    Once the header is found, the rows below it count as read even if the file is then
    rejected, so that a bad header shows up as rejected rows, not as rows never seen.
    """
    path = Path(path)
    grid = read_grid(path)
    if not any(any(c for c in row) for row in grid):
        raise FileProblem(path, "file_not_empty", "файл пустой")
    h = _find_header(grid, path, layout)
    try:
        return _parse_from_header(path, grid, h, layout)
    except FileProblem as exc:
        exc.rows_read = sum(1 for row in grid[h + 1 :] if any(row))
        raise


def _parse_from_header(
    path: Path, grid: list[list[str]], h: int, layout: WorkbookLayout
) -> VprFile:
    header = grid[h]
    levels = grid[h - 1] if h > 0 else []
    meta = _metadata(grid, h, layout)

    if "title" not in meta:
        raise FileProblem(
            path,
            "title_present",
            f"не найдена строка названия вида «{layout.title} 2026 Русский язык 4 класс»: "
            "не определить год, предмет и класс",
            row=1,
        )
    subject_name = meta.get("Предмет", meta["subject"]).strip()
    subject = layout.subject_code(subject_name)
    if subject is None:
        raise FileProblem(
            path,
            "subject_known",
            f"предмет «{subject_name}» не описан в config/{layout.scales_file}",
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
        if name in layout.columns:
            if layout.columns[name] in fixed_index:
                raise FileProblem(path, "header_unique", f"столбец «{name}» повторяется", row=h + 1)
            fixed_index[layout.columns[name]] = j
            continue
        m = _TASK.match(name)
        if m:
            label = re.sub(r"\s+", "", m["label"]).replace(",", ".")
            level = levels[j].strip() if j < len(levels) and levels[j].strip() else None
            tasks.append(TaskColumn(name, label, int(m["max"]), level, j))
        else:
            extra.append(name)

    missing = [ru for ru, canon in layout.columns.items() if canon not in fixed_index]
    if missing:
        where = f"; названия столбцов задаёт config/{layout.layout_file}"
        raise FileProblem(
            path,
            "required_columns",
            "нет обязательных столбцов: "
            + ", ".join(f"«{m}»" for m in missing)
            + (f" (в заголовке есть нераспознанные: {', '.join(extra)})" if extra else "")
            + (where if layout.layout_file else ""),
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
        rec = dict.fromkeys(layout.absent, "")
        rec.update({canon: (row[j] if j < len(row) else "") for canon, j in fixed_index.items()})
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
        layout=layout,
    )
