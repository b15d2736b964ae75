"""One file's account of an ingest: rows read, accepted, and the problems found.

Every reader of every procedure reports through these, so the invariant «accepted +
rejected = read» is kept in one place. A leaf module: it imports nothing of soko's but the
problem type.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from soko.readers.problems import FileProblem, Problem


@dataclass
class FileReport:
    file: str
    kind: str
    rows_read: int = 0
    rows_accepted: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_accepted

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_rejected": self.rows_rejected,
            "problems": [p.as_dict() for p in self.problems],
        }


def display_name(path: Path, raw: Path) -> str:
    try:
        return path.resolve().relative_to(raw.resolve()).as_posix()
    except ValueError:
        return path.name


def apply_problems(report: FileReport, problems: list[Problem], rows: pd.DataFrame) -> pd.DataFrame:
    """Split ``rows`` (with ``source_row``) into accepted ones; record the rest in the report."""
    report.rows_read = len(rows)
    report.problems.extend(problems)
    if any(p.row is None for p in problems):
        report.rows_accepted = 0
        return rows.iloc[0:0]
    bad = {p.row for p in problems}
    accepted = rows[~rows["source_row"].isin(bad)]
    report.rows_accepted = len(accepted)
    return accepted


def file_problem(report: FileReport, exc: FileProblem, rows_read: int = 0) -> None:
    report.problems.append(replace(exc.problem, file=report.file))
    report.rows_read = max(rows_read, exc.rows_read)
    report.rows_accepted = 0


def find_files(raw: Path, sub: str, patterns: tuple[str, ...]) -> list[Path]:
    """Files under ``raw/sub`` whose name matches one of ``patterns`` in any case (Windows
    saves «.XLSX» as readily as «.xlsx»), sorted; lock and hidden files skipped."""
    folder = raw / sub
    every = folder.rglob("*") if folder.is_dir() else ()
    found = {p for p in every if any(fnmatch(p.name.lower(), pat) for pat in patterns)}
    return sorted(
        p
        for p in found
        if p.is_file()
        and not p.name.startswith("~$")
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
