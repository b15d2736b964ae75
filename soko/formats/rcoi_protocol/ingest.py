"""Ingest of РЦОИ protocols of one kind (ОГЭ, ЕГЭ, ...): read every file, one contract pass
over all rows, split.

Same shape as ВПР's ingest: whole-file problems (unreadable, empty, no header, merged or
missing columns) reject the file's rows; the staging frames of all other files are checked
in one great-expectations validation (a fixed ~0.4 s each), and every problem goes back to
its file. Each file's report keeps accepted + rejected = read. Protocols are combined
across all files of the run (``soko.file_report.combine_rows``): a participant's identical
row in two protocols (a protocol split into overlapping files) is kept once and noted; two
different rows for one participant, year and subject are both rejected, each naming the
other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko.contracts.registry_periods import rows_year_problems
from soko.contracts.suites import validate_frame
from soko.file_report import (
    FileReport,
    apply_problems,
    combine_rows,
    display_name,
    file_problem,
    note_copies,
    spread_to_copies,
)
from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.kinds import GiaKind, schema
from soko.formats.rcoi_protocol.reader import read_protocol
from soko.formats.rcoi_protocol.staging import stage_protocol
from soko.procedure import IngestResult
from soko.pseudonym import load_salt
from soko.readers.problems import FileProblem, Problem
from soko.readers.sheets import TABLE_PATTERNS
from soko.school_registry import at_year, by_year

PATTERNS: tuple[str, ...] = TABLE_PATTERNS

# The contract's participant key (rule participant_unique): one result per person, year
# and subject. ГВЭ's subject codes name the grade too, so the grade is not needed.
PARTICIPANT_KEY: tuple[str, ...] = ("year", "subject", "participant_id")
# What a participant's row says, independent of the file's form (text or workbook, decimal
# mark): two protocols with the same key and these values hold the same row.
_CONTENT: tuple[str, ...] = (
    "school_code",
    "class_label",
    "exam_point",
    "subject_code_raw",
    "exam_date_raw",
    "variant_raw",
    "short_raw",
    "long_raw",
    "primary_score_raw",
    "result_raw",
    "percent_error",
)


@dataclass
class _Staged:
    report: FileReport
    frame: pd.DataFrame


def canonical(
    kind: GiaKind, accepted: pd.DataFrame, mun_code: Callable[[int], dict[str, str]]
) -> pd.DataFrame:
    """Accepted staging rows → the canonical table's columns (no personal fields exist here)."""
    cols = schema(kind)
    out = pd.DataFrame(
        {
            "year": accepted["year"].astype("int64"),
            "subject": accepted["subject"],
            "grade": accepted["expected_grade"].astype("int64"),
            "school_code": accepted["school_code"],
            "municipality_code": at_year(mun_code, accepted["school_code"], accepted["year"]),
            "participant_id": accepted["participant_id"],
            "class_label": accepted["class_label"],
            "exam_point": accepted["exam_point"],
            "exam_date": accepted["exam_date"],
            "variant": pd.to_numeric(accepted["variant_raw"], errors="coerce"),
            "short_answers": accepted["short_raw"],
            "long_answers": accepted["long_raw"],
            "primary_score": accepted["primary_score"],
            "max_primary_score": accepted["max_score"],
            kind.result: accepted["result"],
            "source_file": accepted["source_file"],
            "source_row": accepted["source_row"],
        }
    )
    return out[list(cols)].astype(cols)


def ingest_gia(
    kind: GiaKind,
    paths: list[Path],
    raw: Path,
    schools: pd.DataFrame,
    *,
    config_dir: Path | None = None,
    expectations: Path | None = None,
) -> IngestResult:
    """All protocols of one procedure; never raises for bad data."""
    result = IngestResult(tables={kind.table: []})
    if not paths:
        return result
    school_mun = by_year(schools, "municipality_code")  # the registry as it was that year
    subject_codes = scales.subject_grade_by_rcoi(kind, config_dir)
    salt = load_salt()
    staged: list[_Staged] = []
    for path in paths:
        rep = FileReport(display_name(path, raw), kind.code)
        result.reports.append(rep)
        try:
            protocol = read_protocol(path, kind)
        except FileProblem as exc:
            file_problem(rep, exc, rows_read=getattr(exc, "rows_read", 0))
            continue
        frame = stage_protocol(protocol, kind, rep.file, {}, subject_codes, salt, config_dir)
        frame["registry_municipality"] = at_year(school_mun, frame["school_code"], frame["year"])
        staged.append(_Staged(rep, frame))
    if not staged:
        return result
    frame = pd.concat([st.frame for st in staged], ignore_index=True)
    combined = combine_rows(frame, list(PARTICIPANT_KEY), list(_CONTENT))
    params = {"known_school_codes": schools["school_code"].tolist()}
    problems = validate_frame(kind.suite_name, combined.rows, None, params, directory=expectations)
    problems += rows_year_problems(combined.rows, schools, "Код ОО")  # known, not that year
    problems += spread_to_copies(problems, combined.copies)
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    for st in staged:
        mine = sorted(by_file.get(st.report.file, []), key=lambda p: (p.row or 0, p.rule))
        accepted = note_copies(st.report, apply_problems(st.report, mine, st.frame), combined)
        if not accepted.empty:
            result.tables[kind.table].append(canonical(kind, accepted, school_mun))
    return result
