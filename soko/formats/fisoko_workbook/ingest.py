"""Ingest of ФИС ОКО workbooks (ВПР, НИКО, РПР), one work (year × subject × grade) at a time.

File rules per file; the files of one work combined into one set of rows (identical copies
kept once, conflicting rows rejected both); row rules in one contract pass per batch of
works; canonical rows for what passed. Memory is bounded by the batch, not the region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from soko.contracts.registry_periods import rows_year_problems
from soko.contracts.suites import validate_frame
from soko.file_report import (
    Combined,
    FileReport,
    apply_problems,
    combine_rows,
    display_name,
    file_problem,
    note_copies,
    spread_to_copies,
)
from soko.formats.fisoko_workbook.reader import (
    VPR_LAYOUT,
    VprFile,
    WorkbookLayout,
    read_vpr_workbook,
)
from soko.formats.fisoko_workbook.staging import (
    require_scale,
    row_signature,
    vpr_results_staging,
    vpr_task_staging,
)
from soko.indicators.levels import PARTICIPANT_KEYS
from soko.readers.problems import FileProblem, Problem
from soko.school_registry import by_year

# The contract's participant key (expectations/vpr_results.json, rule participant_unique):
# the key every later step joins on.
PARTICIPANT_KEY: tuple[str, ...] = PARTICIPANT_KEYS


@dataclass
class VprTables:
    results: list[pd.DataFrame] = field(default_factory=list)
    task_scores: list[pd.DataFrame] = field(default_factory=list)
    tasks: list[pd.DataFrame] = field(default_factory=list)


def _check_structure(vpr: VprFile) -> None:
    """File-level rules the row suites cannot see: scale exists, task maxima add up."""
    scale = require_scale(vpr)
    total = sum(t.max_score for t in vpr.tasks)
    if total != scale.max_score:
        raise FileProblem(
            vpr.path,
            "task_max_sum",
            f"сумма максимальных баллов заданий в заголовке ({total}) не равна максимальному "
            f"первичному баллу по шкале ({scale.max_score})",
            row=vpr.header_row,
        )
    if vpr.max_score is not None and vpr.max_score != scale.max_score:
        raise FileProblem(
            vpr.path,
            "max_score_matches_scale",
            f"максимальный первичный балл в файле ({vpr.max_score}) не совпадает со шкалой "
            f"({scale.max_score})",
            row=4,
        )


@dataclass
class _Staged:
    report: FileReport
    vpr: VprFile
    results: pd.DataFrame
    tasks_long: pd.DataFrame


@dataclass
class _Work:
    """The staged files of one work (year × subject × grade), combined into one set of rows."""

    files: list[_Staged]
    combined: Combined


Work = tuple[int, str, int]  # year, subject code, grade

# Rows held in memory at once: a batch of works is validated together (GX costs ~0.5 s per
# validation whatever its size, so not per file) and released before the next batch.
BATCH_ROWS = 40_000
# Workbooks read in the first pass (to learn their work) are kept for the second up to this
# many rows in all; beyond it they are read again, so memory stays bounded.
HELD_ROWS = 40_000


def _tasks_text(vpr: VprFile) -> str:
    return ", ".join(f"{t.task} ({t.max_score}б)" for t in vpr.tasks)


def _check_same_tasks(vpr: VprFile, first: _Staged) -> None:
    """The works' task headers in several files of one work must agree: the same tasks,
    the same maxima, else their rows cannot be one set."""
    mine = {t.task: t.max_score for t in vpr.tasks}
    theirs = {t.task: t.max_score for t in first.vpr.tasks}
    if mine != theirs:
        raise FileProblem(
            vpr.path,
            "tasks_agree",
            f"задания в заголовке ({_tasks_text(vpr)}) не совпадают с заданиями той же работы "
            f"в файле {first.report.file} ({_tasks_text(first.vpr)}): файлы одной работы "
            "должны быть выгрузками одной и той же работы",
            row=vpr.header_row,
        )


def _stage_vpr_file(
    rep: FileReport, vpr: VprFile, school_mun: Lookup, first: _Staged | None
) -> _Staged | None:
    """File-level rules of one workbook (scale, task maxima, tasks agree with the work's first
    file) and its staging rows; rows are checked later, a batch of works at a time."""
    try:
        _check_structure(vpr)
        if first is not None:
            _check_same_tasks(vpr, first)
        tasks_long = vpr_task_staging(vpr, rep.file)
        staging = vpr_results_staging(vpr, tasks_long, school_mun(vpr.year), rep.file)
    except FileProblem as exc:
        file_problem(rep, exc, rows_read=len(vpr.rows))
        return None
    staging["row_signature"] = row_signature(vpr)
    return _Staged(rep, vpr, staging, tasks_long)


def _canonical_vpr(st: _Staged, accepted: pd.DataFrame, mun_code: Lookup, out: VprTables) -> None:
    """Canonical rows of one file's accepted rows (identical copies already left out)."""
    vpr, n = st.vpr, len(accepted)
    ident = {"year": vpr.year, "subject": vpr.subject, "grade": vpr.grade}
    out.results.append(
        pd.DataFrame(
            {
                **{k: [v] * n for k, v in ident.items()},
                "school_code": accepted["school_code"].to_numpy(),
                "municipality_code": accepted["school_code"].map(mun_code(vpr.year)).to_numpy(),
                "participant_code": accepted["participant_code"].to_numpy(),
                "class_label": accepted["class_label"].to_numpy(),
                "variant": accepted["variant_raw"].to_numpy(),
                "primary_score": accepted["primary_score"].to_numpy(),
                "mark": accepted["mark"].to_numpy(),
                "journal_mark": accepted["journal_mark"].to_numpy(),
                "source_file": st.report.file,
                "source_row": accepted["source_row"].to_numpy(),
            }
        )
    )
    keep = st.tasks_long[st.tasks_long["source_row"].isin(accepted["source_row"])]
    who = accepted.set_index("source_row")[["school_code", "participant_code"]]
    out.task_scores.append(
        pd.DataFrame(
            {
                **{k: [v] * len(keep) for k, v in ident.items()},
                "school_code": keep["source_row"].map(who["school_code"]).to_numpy(),
                "participant_code": keep["source_row"].map(who["participant_code"]).to_numpy(),
                "task": keep["task"].to_numpy(),
                "score": keep["score"].to_numpy(),
            }
        )
    )


def _canonical_tasks(vpr: VprFile, out: VprTables) -> None:
    """The work's tasks, once per work (its files' headers agree)."""
    ident = {"year": vpr.year, "subject": vpr.subject, "grade": vpr.grade}
    out.tasks.append(
        pd.DataFrame(
            {
                **{k: [v] * len(vpr.tasks) for k, v in ident.items()},
                "task": [t.task for t in vpr.tasks],
                "task_order": list(range(1, len(vpr.tasks) + 1)),
                "max_score": [t.max_score for t in vpr.tasks],
                "level": [t.level or "Б" for t in vpr.tasks],
            }
        )
    )


def _in_layout(problem: Problem, layout: WorkbookLayout) -> Problem:
    """A contract problem worded for the procedure's file: its header, its scales file."""
    return replace(
        problem,
        column=layout.file_column(problem.column),
        message=problem.message.replace(
            f"config/{VPR_LAYOUT.scales_file}", f"config/{layout.scales_file}"
        ),
    )


Lookup = Callable[[int], dict[str, str]]  # year -> {school code: value that year}


def registry_lookups(schools: pd.DataFrame) -> tuple[Lookup, Lookup]:
    """Year → school code → municipality name (checked against the file) and → municipality
    code (written), from the registry as it was that year (``soko.school_registry``). The one
    place the workbook ingest looks at the registry."""
    return by_year(schools, "municipality_name"), by_year(schools, "municipality_code")


@dataclass
class _Found:
    """A workbook after the first pass: its report, its work, and (while memory allows) its
    parsed content."""

    path: Path
    report: FileReport
    work: Work
    vpr: VprFile | None


def _index_files(
    paths: list[Path], raw: Path, layout: WorkbookLayout
) -> tuple[list[FileReport], dict[Work, list[_Found]]]:
    """First pass: read each workbook once to learn its work; unreadable files are reported
    here and go no further."""
    reports: list[FileReport] = []
    works: dict[Work, list[_Found]] = {}
    held = 0
    for path in paths:
        rep = FileReport(display_name(path, raw), layout.procedure)
        reports.append(rep)
        try:
            vpr = read_vpr_workbook(path, layout)
        except FileProblem as exc:
            file_problem(rep, exc)
            continue
        keep = held + len(vpr.rows) <= HELD_ROWS
        held += len(vpr.rows) if keep else 0
        found = _Found(path, rep, (vpr.year, vpr.subject, vpr.grade), vpr if keep else None)
        works.setdefault(found.work, []).append(found)
    return reports, works


def _stage_work(files: list[_Found], school_mun: Lookup, layout: WorkbookLayout) -> _Work | None:
    """Stage the files of one work (in name order) and combine them into one set of rows."""
    staged: list[_Staged] = []
    for found in sorted(files, key=lambda f: f.report.file):
        try:
            vpr = found.vpr or read_vpr_workbook(found.path, layout)
        except FileProblem as exc:  # read well in the first pass, not now: changed meanwhile
            file_problem(found.report, exc)
            continue
        found.vpr = None  # released once staged
        st = _stage_vpr_file(found.report, vpr, school_mun, staged[0] if staged else None)
        if st is not None:
            staged.append(st)
    if not staged:
        return None
    results = pd.concat([st.results for st in staged], ignore_index=True)
    return _Work(staged, combine_rows(results, list(PARTICIPANT_KEY), ["row_signature"]))


def _finish_batch(
    batch: list[_Work],
    schools: pd.DataFrame,
    mun_code: Lookup,
    out: VprTables,
    layout: WorkbookLayout,
) -> None:
    """One contract pass over a batch of works; each file's rows accepted or rejected,
    identical copies counted in their files and written once."""
    results = pd.concat([w.combined.rows for w in batch], ignore_index=True)
    kept = []
    for w in batch:
        for st in w.files:
            copy = w.combined.is_copy(st.report.file, st.tasks_long["source_row"])
            kept.append(st.tasks_long[~copy.to_numpy()])
    tasks_long = pd.concat(kept, ignore_index=True)
    params = {"known_school_codes": schools["school_code"].tolist()}
    problems = validate_frame("vpr_results", results, None, params)
    problems += validate_frame("vpr_task_scores", tasks_long, None, {})
    problems += rows_year_problems(results, schools, "ОО")  # known, but not that year
    problems = [_in_layout(p, layout) for p in problems]
    problems += [p for w in batch for p in spread_to_copies(problems, w.combined.copies)]
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    part = VprTables()  # the batch's canonical rows, handed over as one frame per table
    for w in batch:
        written = False
        for st in w.files:
            mine = sorted(by_file.get(st.report.file, []), key=lambda p: (p.row or 0, p.rule))
            accepted = note_copies(
                st.report, apply_problems(st.report, mine, st.results), w.combined
            )
            if not accepted.empty:
                _canonical_vpr(st, accepted, mun_code, part)
                written = True
        if written:
            _canonical_tasks(w.files[0].vpr, part)
    for mine, theirs in (
        (part.results, out.results),
        (part.task_scores, out.task_scores),
        (part.tasks, out.tasks),
    ):
        if mine:
            theirs.append(pd.concat(mine, ignore_index=True))


def ingest_vpr(
    paths: list[Path],
    raw: Path,
    schools: pd.DataFrame,
    out: VprTables,
    layout: WorkbookLayout = VPR_LAYOUT,
) -> list[FileReport]:
    """All workbooks of one procedure (ВПР by default; ``layout`` says which), one work at a
    time: the files of a work (region, municipality and school exports alike) are combined
    into one set of rows, a batch of works is checked in one contract pass, its canonical
    rows are produced and its staging released. Works go in (year, subject, grade) order and
    a work's files in name order, so the output does not depend on the order files were
    found in."""
    school_mun, mun_code = registry_lookups(schools)
    reports, works = _index_files(paths, raw, layout)
    batch: list[_Work] = []
    held = 0
    for work in sorted(works):
        staged = _stage_work(works.pop(work), school_mun, layout)
        if staged is None:
            continue
        batch.append(staged)
        held += len(staged.combined.rows)
        if held >= BATCH_ROWS:
            _finish_batch(batch, schools, mun_code, out, layout)
            batch, held = [], 0
    if batch:
        _finish_batch(batch, schools, mun_code, out, layout)
    return reports
