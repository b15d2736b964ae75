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
from soko.readers.problems import FileProblem
from soko.readers.sheets import Sheet, column_letter, other_kind, read_sheets

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
# A task not done, as exports and hand edits write it: Latin X and Cyrillic Х in either case,
# a hyphen, an en or em dash, or nothing.
MISSING_MARKS = frozenset({"X", "Х", "x", "х", "-", "–", "—", "НЕТ ОТМЕТКИ", ""})
# Canonical columns a layout must name; the others a region's file may not have at all.
REQUIRED_COLUMNS = frozenset(
    {"school_code", "participant_code", "class_label", "primary_score", "mark"}
)
_HEADER_MIN_MATCH = 3  # a row naming this many layout columns is the header even if one is renamed
# A task header: «9.1 (1б)», «9,1(1 б)», «10К1 (2Б)», «10K1 (2б)» (Latin K), «3 (2 балла)».
_TASK = re.compile(
    r"^\s*(?P<label>[0-9]+(?:\s*[.,]\s*[0-9]+)?(?:\s*[КK]\s*[0-9]+)?)\s*"
    r"\(\s*(?P<max>\d+)\s*(?:б|b)(?:алл(?:а|ов)?)?\.?\s*\)\s*$",
    re.IGNORECASE,
)
# What was meant as a task header but is not one of the forms above (reported by cell).
_TASK_LIKE = re.compile(r"^\s*\d|\(\s*\d+\s*[бb]", re.IGNORECASE)


def task_label(text: str) -> str:
    """The canonical task number: no spaces, a dot, Cyrillic capital К («10 k1» → «10К1»)."""
    return re.sub(r"\s+", "", text).replace(",", ".").upper().replace("K", "К")


def _norm(name: str) -> str:
    """A header compared without case, «ё» or extra spaces."""
    return " ".join(str(name).replace("ё", "е").replace("Ё", "Е").split()).casefold()


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


def _header_row(rows: list[list[str]], layout: WorkbookLayout) -> int | None:
    """The row with the participant column or, failing that, with three of the layout's
    headers (so a renamed column is reported by name, not as an unrecognisable file)."""
    marker = _norm(layout.headers["participant_code"])
    for i, row in enumerate(rows):
        if any(_norm(c) == marker for c in row if c):
            return i
    known = {_norm(c) for c in layout.columns}
    need = min(_HEADER_MIN_MATCH, len(layout.columns))
    for i, row in enumerate(rows):
        if len({_norm(c) for c in row if c} & known) >= need:
            return i
    return None


def _not_results(path: Path, sheets: list[Sheet], layout: WorkbookLayout) -> FileProblem:
    """Why no sheet holds the results: a file of another kind, or nothing recognisable."""
    marker = layout.headers["participant_code"]
    other = other_kind(sheets, "workbook")
    if other:
        return FileProblem(
            path,
            "kind_matches",
            f"это не «Индивидуальные результаты» {layout.title}: нет столбца «{marker}», "
            f"по содержанию это {other}",
        )
    source = (
        f"по образцу config/{layout.layout_file}"
        if layout.layout_file
        else "«Индивидуальные результаты» ФИС ОКО"
    )
    names = ", ".join(f"«{s.name}»" for s in sheets)
    where = f" ни на одном листе ({names})" if len(sheets) > 1 else ""
    return FileProblem(
        path,
        "header_present",
        f"не найдена строка заголовка со столбцом «{marker}»{where}: файл не похож на "
        f"выгрузку {source}",
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
    """Parse one workbook (any table format); raise FileProblem when the file as a whole
    cannot be used.

    The results sheet is the first one with the participant header, wherever it is (a cover
    sheet may come first, a summary after); the title may be above its header or on another
    sheet. Once the header is found, the rows below it count as read even if the file is then
    rejected, so that a bad header shows up as rejected rows, not as rows never seen.
    """
    path = Path(path)
    sheets = read_sheets(path)
    found = next(((s, h) for s in sheets if (h := _header_row(s.rows, layout)) is not None), None)
    if found is None:
        raise _not_results(path, sheets, layout)
    sheet, h = found
    meta = _metadata(sheet.rows, h, layout)
    if "title" not in meta:  # on a cover sheet
        for other in sheets:
            cover = _metadata(other.rows, len(other.rows), layout)
            if "title" in cover:
                meta = {**cover, **meta}
                break
    try:
        return _parse_from_header(path, sheet, h, meta, layout)
    except FileProblem as exc:
        exc.rows_read = sum(1 for row in sheet.rows[h + 1 :] if any(row))
        raise


def _parse_from_header(
    path: Path, sheet: Sheet, h: int, meta: dict[str, str], layout: WorkbookLayout
) -> VprFile:
    grid = sheet.rows
    header = grid[h]
    levels = grid[h - 1] if h > 0 else []
    lookup = {_norm(name): canon for name, canon in layout.columns.items()}

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
    not_tasks: list[int] = []
    for j, name in enumerate(header):
        if not name:
            continue
        canon = lookup.get(_norm(name))
        if canon is not None:
            if canon in fixed_index:
                raise FileProblem(
                    path,
                    "header_unique",
                    f"столбец «{name}» повторяется ({sheet.cell_name(fixed_index[canon])} "
                    f"и столбец {column_letter(j)})",
                    row=h + 1,
                    column=name,
                )
            fixed_index[canon] = j
            continue
        m = _TASK.match(name)
        if m:
            level = levels[j].strip() if j < len(levels) and levels[j].strip() else None
            tasks.append(TaskColumn(name, task_label(m["label"]), int(m["max"]), level, j))
        elif _TASK_LIKE.search(name):
            not_tasks.append(j)
        else:
            extra.append(name)
    if not_tasks:
        cells = "; ".join(f"{sheet.cell_name(j)}: «{header[j]}»" for j in not_tasks)
        raise FileProblem(
            path,
            "task_header",
            f"заголовок задания не распознан ({cells}): ожидается номер задания и "
            "максимальный балл в скобках, например «9.1 (1б)» или «10К1 (2б)»",
            row=h + 1,
            column=header[not_tasks[0]],
        )

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
        listed = ", ".join(f"«{e}»" for e in extra)
        raise FileProblem(
            path,
            "task_columns",
            "нет столбцов заданий вида «1 (2б)»"
            + (f" (в заголовке есть нераспознанные столбцы: {listed})" if extra else ""),
            row=h + 1,
        )
    labels = [t.task for t in tasks]
    twice = sorted({t for t in labels if labels.count(t) > 1})
    if twice:
        cells = "; ".join(
            f"{sheet.cell_name(t.column_index)}: «{t.header}»" for t in tasks if t.task in twice
        )
        raise FileProblem(
            path,
            "header_unique",
            f"номера заданий в заголовке повторяются ({cells})",
            row=h + 1,
            column=next(t.header for t in tasks if t.task in twice),
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
