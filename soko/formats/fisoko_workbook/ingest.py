"""Ingest of ФИС ОКО workbooks (ВПР, НИКО, РПР): file rules per file, row rules in one
contract pass over all files of a procedure, canonical rows for what passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from soko.contracts.registry_periods import year_problems
from soko.contracts.suites import validate_frame
from soko.file_report import FileReport, apply_problems, display_name, file_problem
from soko.formats.fisoko_workbook.reader import (
    VPR_LAYOUT,
    VprFile,
    WorkbookLayout,
    read_vpr_workbook,
)
from soko.formats.fisoko_workbook.staging import (
    require_scale,
    vpr_results_staging,
    vpr_task_staging,
)
from soko.readers.problems import FileProblem, Problem
from soko.school_registry import by_year


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


def _stage_vpr_file(
    path: Path,
    raw: Path,
    school_mun: Callable[[int], dict[str, str]],
    seen: dict[tuple[int, str, int], str],
    layout: WorkbookLayout = VPR_LAYOUT,
) -> tuple[FileReport, _Staged | None]:
    """Read one workbook and apply the file-level rules; rows are checked later, in bulk."""
    rep = FileReport(display_name(path, raw), layout.procedure)
    try:
        vpr = read_vpr_workbook(path, layout)
    except FileProblem as exc:
        file_problem(rep, exc)
        return rep, None
    try:
        key = (vpr.year, vpr.subject, vpr.grade)
        if key in seen:
            raise FileProblem(
                path,
                "file_unique",
                f"работа {layout.title} {vpr.year}, «{vpr.subject_name}», {vpr.grade} класс "
                "уже загружена "
                f"из файла {seen[key]}",
                row=1,
            )
        _check_structure(vpr)
        tasks_long = vpr_task_staging(vpr, rep.file)
        staging = vpr_results_staging(vpr, tasks_long, school_mun(vpr.year), rep.file)
    except FileProblem as exc:
        file_problem(rep, exc, rows_read=len(vpr.rows))
        return rep, None
    seen[key] = rep.file
    return rep, _Staged(rep, vpr, staging, tasks_long)


def _canonical_vpr(
    st: _Staged, accepted: pd.DataFrame, mun_code: Callable[[int], dict[str, str]], out: VprTables
) -> None:
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


def ingest_vpr(
    paths: list[Path],
    raw: Path,
    schools: pd.DataFrame,
    out: VprTables,
    layout: WorkbookLayout = VPR_LAYOUT,
) -> list[FileReport]:
    """All workbooks of one procedure (ВПР by default; ``layout`` says which): file rules per
    file, row rules in one pass over all of them, with the ВПР contracts."""
    school_mun = by_year(schools, "municipality_name")  # the registry as it was that year
    mun_code = by_year(schools, "municipality_code")
    seen: dict[tuple[int, str, int], str] = {}
    reports: list[FileReport] = []
    staged: list[_Staged] = []
    for path in paths:
        rep, st = _stage_vpr_file(path, raw, school_mun, seen, layout)
        reports.append(rep)
        if st is not None:
            staged.append(st)
    if not staged:
        return reports
    params = {"known_school_codes": schools["school_code"].tolist()}
    results = pd.concat([st.results for st in staged], ignore_index=True)
    tasks_long = pd.concat([st.tasks_long for st in staged], ignore_index=True)
    problems = validate_frame("vpr_results", results, None, params)
    problems += validate_frame("vpr_task_scores", tasks_long, None, {})
    for st in staged:  # a code the registry knows, but not in the file's year
        codes, rows = st.results["school_code"], st.results["source_row"]
        problems += year_problems(codes, rows, schools, st.vpr.year, st.report.file, "ОО")
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(_in_layout(p, layout))
    for st in staged:
        mine = sorted(by_file.get(st.report.file, []), key=lambda p: (p.row or 0, p.rule))
        accepted = apply_problems(st.report, mine, st.results)
        if not accepted.empty:
            _canonical_vpr(st, accepted, mun_code, out)
    return reports
