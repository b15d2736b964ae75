"""The register of measures: its columns, reading its files, its contract, its canonical table.

One row per measure: the municipality, the school (empty for a measure addressed to the whole
municipality), the kind (a name from ``config/measures.yml``), the subject (for a subject
teachers' programme), start and end year, the addressee and the document that ordered it.
Every file is read as a table of text cells (:mod:`soko.readers`), staged with the raw text
beside the typed values, combined across files on the measure's key (an identical row in a
second file is a copy, kept once; two rows with one key and different content are both
rejected) and checked in one pass against ``expectations/measures.json``; a bad row gets a
Russian message naming file, row, column and rule, and the good rows flow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import vpr_subjects
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
from soko.procedure import IngestResult
from soko.procedures.measures.settings import MeasuresBlock, measures_settings
from soko.readers.problems import FileProblem, Problem
from soko.readers.textfile import read_text_table, rows_read
from soko.school_registry import by_year

KIND = "measures"
TABLE = "measures"
# Russian header → staging column (the order of the register's columns)
COLUMNS: dict[str, str] = {
    "Код муниципалитета": "municipality_code",
    "Код ОО": "school_code",
    "Вид меры": "kind_raw",
    "Предмет": "subject_raw",
    "Год начала": "start_year_raw",
    "Год окончания": "end_year_raw",
    "Адресат": "addressee",
    "Документ": "document",
}
REQUIRED: tuple[str, ...] = ("Код муниципалитета", "Код ОО", "Вид меры", "Год начала")
MARKER = "Вид меры"
# The measure's key (the contract's uniqueness rule): one kind, for one school (or the
# whole municipality), in one subject, from one year.
KEY: tuple[str, ...] = ("kind", "unit_key", "subject_key", "start_year")
SCHEMA: dict[str, str] = {
    "year": "int64",
    "municipality_code": "string",
    "school_code": "string",
    "kind": "string",
    "subject": "string",
    "start_year": "int64",
    "end_year": "Int64",
    "addressee": "string",
    "document": "string",
    "source_file": "string",
    "source_row": "int64",
}


def _text(rows: pd.DataFrame, column: str) -> pd.Series:
    if column not in rows.columns:
        return pd.Series(pd.NA, index=rows.index, dtype="string")
    s = rows[column].astype("string").str.strip()
    return s.mask(s == "")


def _year(raw: pd.Series) -> pd.Series:
    return pd.to_numeric(raw.where(raw.str.fullmatch(r"\d{4}").fillna(False)), errors="coerce")


def staging(
    rows: pd.DataFrame,
    source_file: str,
    settings: MeasuresBlock,
    schools: pd.DataFrame,
    subject_names: dict[str, str],
) -> pd.DataFrame:
    """Raw text and typed values of the register's rows, with the helper columns the
    contract's cross-column rules check (``school_given``, ``school_in_municipality``,
    ``subject_given``)."""
    out = pd.DataFrame({canon: _text(rows, ru) for ru, canon in COLUMNS.items()})
    by_name = {k.name.casefold(): k.code for k in settings.kinds}
    kinds = {k.code: k for k in settings.kinds}
    out["kind"] = out["kind_raw"].str.casefold().map(by_name).astype("string")
    by_subject = {name.casefold(): code for code, name in subject_names.items()}
    by_subject.update({code.casefold(): code for code in subject_names})
    out["subject"] = out["subject_raw"].str.casefold().map(by_subject).astype("string")
    out["start_year"] = _year(out["start_year_raw"]).astype("float64")
    out["end_year"] = _year(out["end_year_raw"]).astype("float64")
    level = out["kind"].map({c: k.level for c, k in kinds.items()})
    by_register = out["kind"].map({c: k.outcome.by_register for c, k in kinds.items()})
    # NA where the rule does not apply (the kind is unknown: its own rule says so)
    out["school_given"] = np.where(
        level.isna(), True, (level != "school") | out["school_code"].notna()
    )
    out["subject_given"] = np.where(
        by_register.isna(),
        True,
        ~by_register.fillna(False).astype(bool) | out["subject_raw"].notna(),
    )
    # the school's municipality in the measure's start year (a district merged into an okrug
    # later still holds the measures it took before); today's registry without a start year
    today = schools.drop_duplicates("school_code", keep="last").set_index("school_code")
    own = out["school_code"].map(today["municipality_code"]).astype("string")
    lookup = by_year(schools, "municipality_code")
    for year in out["start_year"].dropna().unique():
        at = out["start_year"] == year
        own[at] = out.loc[at, "school_code"].map(lookup(int(year))).astype("string")
    out["school_in_municipality"] = (
        own.isna() | out["municipality_code"].isna() | (own == out["municipality_code"])
    ).to_numpy(dtype=bool)
    out["school_municipality"] = own.astype("string")
    out["unit_key"] = out["school_code"].fillna("муниципалитет " + out["municipality_code"])
    out["subject_key"] = out["subject"].fillna("")
    out["extra_cells"] = rows["__extra_cells"].astype("int64").to_numpy()
    out["source_row"] = rows["source_row"].astype("int64").to_numpy()
    out["source_file"] = source_file
    return out


def _stage(
    path: Path,
    raw: Path,
    settings: MeasuresBlock,
    schools: pd.DataFrame,
    subject_names: dict[str, str],
) -> tuple[FileReport, pd.DataFrame | None]:
    rep = FileReport(display_name(path, raw), KIND)
    try:
        table = read_text_table(path, REQUIRED, marker=MARKER, expected=KIND)
    except FileProblem as exc:
        file_problem(rep, exc, rows_read(exc))
        return rep, None
    return rep, staging(table.rows, rep.file, settings, schools, subject_names)


def canonical(ok: pd.DataFrame) -> pd.DataFrame:
    """Accepted staging rows → the canonical ``measures`` rows (``year`` = start year)."""
    start = ok["start_year"].astype("int64").to_numpy()
    return pd.DataFrame(
        {
            "year": start,
            "municipality_code": ok["municipality_code"].astype("string").to_numpy(),
            "school_code": ok["school_code"].astype("string").to_numpy(),
            "kind": ok["kind"].astype("string").to_numpy(),
            "subject": ok["subject"].astype("string").to_numpy(),
            "start_year": start,
            "end_year": ok["end_year"].astype("Float64").round().astype("Int64").to_numpy(),
            "addressee": ok["addressee"].astype("string").to_numpy(),
            "document": ok["document"].astype("string").to_numpy(),
            "source_file": ok["source_file"].astype("string").to_numpy(),
            "source_row": ok["source_row"].astype("int64").to_numpy(),
        }
    ).astype(SCHEMA)


def check(
    staged: list[tuple[FileReport, pd.DataFrame]],
    settings: MeasuresBlock,
    schools: pd.DataFrame,
    subject_names: dict[str, str],
) -> list[pd.DataFrame]:
    """Combine the files' rows, check them against the contract, note each file's rejected
    rows in its report; the accepted rows, canonical, per file."""
    if not staged:
        return []
    frame = pd.concat([s for _, s in staged], ignore_index=True)
    content = [c for c in frame.columns if c not in (*KEY, "source_file", "source_row")]
    combined = combine_rows(frame, list(KEY), content)
    params = {
        "known_school_codes": schools["school_code"].astype(str).tolist(),
        "known_municipality_codes": sorted(schools["municipality_code"].astype(str).unique()),
        "kind_names": [k.name for k in settings.kinds],
        "subject_names": sorted({*subject_names.values(), *subject_names}),
    }
    problems = validate_frame(TABLE, combined.rows, None, params)
    problems += spread_to_copies(problems, combined.copies)
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    out = []
    for rep, rows in staged:
        mine = sorted(by_file.get(rep.file, []), key=lambda p: (p.row or 0, p.rule))
        ok = note_copies(rep, apply_problems(rep, mine, rows), combined)
        out.append(canonical(ok))
    return out


def ingest_register(paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    """``Ingester.run``: every register file under ``data/raw/measures/``."""
    settings = measures_settings()
    subject_names = vpr_subjects()
    result = IngestResult()
    staged = []
    for path in paths:
        rep, frame = _stage(path, raw, settings, schools, subject_names)
        result.reports.append(rep)
        if frame is not None:
            staged.append((rep, frame))
    accepted = check(staged, settings, schools, subject_names)
    if accepted:
        result.tables[TABLE] = accepted
    return result
