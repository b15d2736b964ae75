"""Ingest of the PISA-model student files: file rules per file, row rules in one pass.

Every file is read and staged; file-level faults (encoding, no header, missing or surplus
weight / PV columns, no rows) reject that file only. The files are combined on the student
key (an identical row in two files kept once and noted, different rows both rejected), the
rows go through the ``pisa_students`` suite once, and each file keeps the rows its problems
do not name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
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
from soko.formats.replicate_study.settings import PisaSettings, pisa_settings
from soko.formats.replicate_study.staging import (
    check_design_columns,
    pisa_staging,
    required_headers,
)
from soko.procedure import IngestResult
from soko.readers.problems import FileProblem, Problem
from soko.readers.textfile import read_text_table, rows_read
from soko.school_registry import at_year, by_year

KIND = "pisa"
TABLE = "pisa_students"
# The contract's student key (rule student_unique) and the canonical table's: a student is
# one row per year and school, whichever file (school's or region's) brought it.
STUDENT_KEY: tuple[str, ...] = ("year", "school_code", "student_id")


def schema(settings: PisaSettings | None = None) -> dict[str, str]:
    """Canonical ``pisa_students``: one row per participating student, weights and PVs."""
    s = settings or pisa_settings()
    cols = {
        "year": "int64",
        "school_code": "string",
        "municipality_code": "string",
        "student_id": "string",
        "grade": "Int64",
        "gender": "string",
        "escs": "float64",
        "w_fstuwt": "float64",
    }
    cols.update({c: "float64" for c in s.replicate_columns()})
    cols.update({c: "float64" for d in s.domains for c in s.pv_columns(d)})
    cols.update({"source_file": "string", "source_row": "int64"})
    return cols


def _canonical(
    staging: pd.DataFrame,
    values: np.ndarray,
    accepted: pd.DataFrame,
    mun: Callable[[int], dict[str, str]],
    settings: PisaSettings,
) -> pd.DataFrame:
    pos = staging.index.get_indexer(accepted.index)
    names = ["w_fstuwt", *settings.replicate_columns()]
    names += [c for d in settings.domains for c in settings.pv_columns(d)]
    numbers = pd.DataFrame(values[pos], columns=names)
    ids = pd.DataFrame(
        {
            "year": accepted["year"].astype("int64").to_numpy(),
            "school_code": accepted["school_code"].to_numpy(),
            "municipality_code": at_year(mun, accepted["school_code"], accepted["year"]).to_numpy(),
            "student_id": accepted["student_id"].to_numpy(),
            "grade": accepted["grade"].to_numpy(),
            "gender": accepted["gender"].to_numpy(),
            "escs": accepted["escs"].to_numpy(),
        }
    )
    tail = pd.DataFrame(
        {
            "source_file": accepted["source_file"].to_numpy(),
            "source_row": accepted["source_row"].to_numpy(),
        }
    )
    return pd.concat([ids, numbers, tail], axis=1)


def _signature(values: np.ndarray) -> np.ndarray:
    """A hash per row of the weights and plausible values (kept apart from the staging
    frame), so two files' identical student rows are recognised as one."""
    return pd.util.hash_pandas_object(pd.DataFrame(values), index=False).to_numpy()


def ingest_pisa(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    settings = pisa_settings()
    result = IngestResult()
    staged: list[tuple[FileReport, pd.DataFrame, np.ndarray]] = []
    for path in paths:
        rep = FileReport(display_name(path, raw), KIND)
        result.reports.append(rep)
        try:
            table = read_text_table(path, required_headers(settings), expected="pisa")
            check_design_columns(path, list(table.rows.columns), len(table.rows), settings)
            staging, values = pisa_staging(table.rows, settings, rep.file)
        except FileProblem as exc:
            file_problem(rep, exc, rows_read(exc))
            continue
        staged.append((rep, staging, values))
    if not staged:
        return result
    params = {
        "known_school_codes": schools["school_code"].tolist(),
        "pv_min": settings.pv_range[0],
        "pv_max": settings.pv_range[1],
        "escs_min": settings.escs_range[0],
        "escs_max": settings.escs_range[1],
    }
    frame = pd.concat(
        [s.assign(row_signature=_signature(v)) for _, s, v in staged], ignore_index=True
    )
    content = [c for c in frame.columns if c not in (*STUDENT_KEY, "source_file", "source_row")]
    combined = combine_rows(frame, list(STUDENT_KEY), content)
    problems = validate_frame(TABLE, combined.rows.drop(columns="row_signature"), None, params)
    problems += rows_year_problems(combined.rows, schools, "Код ОО")  # known, not that year
    problems += spread_to_copies(problems, combined.copies)
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    mun = by_year(schools, "municipality_code")  # the registry as it was that year
    parts = []
    for rep, staging, values in staged:
        accepted = note_copies(
            rep, apply_problems(rep, by_file.get(rep.file, []), staging), combined
        )
        if not accepted.empty:
            parts.append(_canonical(staging, values, accepted, mun, settings))
    result.tables[TABLE] = parts
    return result
