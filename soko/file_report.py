"""One file's account of an ingest: rows read, accepted, and the problems found; and how
the files of one work are combined into one set of rows.

Every reader of every procedure reports through these, so the invariant «accepted +
rejected = read» is kept in one place. A leaf module: it imports nothing of soko's but the
problem type.

Combining (``combine_rows``, ``spread_to_copies``): region, municipality and school exports
of one work overlap. A row whose key and content equal a row of an earlier file is an
*identical copy*: it is checked as its original is, counts as accepted in its own file when
the original is accepted, and is written once (a ``DuplicateNotice`` in its file's report
says where the kept row is). Two rows with the same key and different content are both
rejected by the contract's uniqueness rule, each naming the other (the ``same_key`` column).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fnmatch import fnmatch
from pathlib import Path

import pandas as pd

from soko.readers.problems import FileProblem, Problem

SAME_KEY = "same_key"  # staging column: the other rows with this row's key (conflicts only)


@dataclass(frozen=True)
class DuplicateNotice:
    """Row ``row`` of a file is an identical copy of ``other_row`` of ``other_file``: both
    accepted, written once (as the other file's row). A notice, not a problem."""

    row: int
    other_file: str
    other_row: int

    def text(self, file: str) -> str:
        return (
            f"файл {file}, строка {self.row}: та же строка, что строка {self.other_row} "
            f"файла {self.other_file}; записана один раз"
        )

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "other_file": self.other_file, "other_row": self.other_row}


@dataclass
class FileReport:
    file: str
    kind: str
    rows_read: int = 0
    rows_accepted: int = 0
    problems: list[Problem] = field(default_factory=list)
    # accepted rows that are identical copies of rows taken from another file (written once)
    duplicates: list[DuplicateNotice] = field(default_factory=list)

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
            "rows_duplicate": len(self.duplicates),
            "problems": [p.as_dict() for p in self.problems],
            "duplicates": [d.as_dict() for d in self.duplicates],
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


# --- files of one work combined -------------------------------------------------------------


@dataclass
class Combined:
    """``rows``: what the contract checks (identical copies removed, ``same_key`` added);
    ``copies``: ``source_file``, ``source_row`` of each copy and ``original_file``,
    ``original_row`` of the row it repeats."""

    rows: pd.DataFrame
    copies: pd.DataFrame
    _by_file: dict[str, pd.DataFrame] | None = field(default=None, repr=False)

    def copies_of(self, file: str) -> pd.DataFrame:
        """The copies in ``file``, indexed by their source row (looked up once per file, not
        by scanning every copy: a region's school files can be hundreds)."""
        if self._by_file is None:
            self._by_file = {
                str(name): part.set_index("source_row")
                for name, part in self.copies.groupby("source_file", sort=False)
            }
        return self._by_file.get(file, _NO_COPIES)

    def is_copy(self, file: str, rows: pd.Series) -> pd.Series:
        """Which of ``rows`` (source rows of ``file``) are identical copies."""
        return rows.isin(self.copies_of(file).index)


_NO_COPIES = pd.DataFrame(
    {"source_file": [], "original_file": [], "original_row": []},
    index=pd.Index([], name="source_row", dtype="int64"),
)


def _where(files: pd.Series, rows: pd.Series) -> pd.Series:
    return "строка " + rows.astype("string") + " файла " + files.astype("string")


def combine_rows(frame: pd.DataFrame, key: list[str], content: list[str]) -> Combined:
    """Combine the staging rows of several files (``source_file``, ``source_row``).

    Files are taken in name order, so the result does not depend on the order they were
    found in. A row whose ``key`` and ``content`` equal those of a row of an earlier *file*
    is a copy of it; a repeat inside one file is not (a file that lists a participant twice
    is wrong, whatever the other files hold). Rows with a missing key part are never
    combined: their own rules reject them. Rows left with a shared key get ``same_key``:
    where the others are ("строка 7 файла vpr/b.xlsx"), for the uniqueness rule's message.
    """
    order = frame.sort_values(["source_file", "source_row"], kind="stable").reset_index(drop=True)
    complete = order[key].notna().all(axis=1)
    sig = pd.util.hash_pandas_object(order[[*key, *content]], index=False)
    first = pd.Series(order.index, index=order.index).groupby(sig.to_numpy()).transform("first")
    first_file = order["source_file"].to_numpy()[first.to_numpy()]
    copy = complete & (order["source_file"].to_numpy() != first_file)
    copies = pd.DataFrame(
        {
            "source_file": order.loc[copy, "source_file"].to_numpy(),
            "source_row": order.loc[copy, "source_row"].to_numpy(),
            "original_file": first_file[copy.to_numpy()],
            "original_row": order["source_row"].to_numpy()[first.to_numpy()][copy.to_numpy()],
        }
    )
    rows = order[~copy].reset_index(drop=True)
    clash = rows[key].notna().all(axis=1) & rows.duplicated(key, keep=False)
    same = pd.Series(pd.NA, index=rows.index, dtype="string")
    if clash.any():
        part = rows.loc[clash, key]
        where = _where(rows.loc[clash, "source_file"], rows.loc[clash, "source_row"])
        group = part.groupby(key, sort=False, dropna=False).ngroup()
        members = where.groupby(group.to_numpy()).agg(list)
        same.loc[clash] = [
            "; ".join(w for w in members[g] if w != mine)
            for g, mine in zip(group.to_numpy(), where.to_numpy(), strict=True)
        ]
    rows[SAME_KEY] = same
    return Combined(rows, copies)


def spread_to_copies(problems: list[Problem], copies: pd.DataFrame) -> list[Problem]:
    """The problems of each copied row, readdressed to its copies: a copy holds the same
    values, so it breaks the same rules (a whole-file problem of the original's file
    becomes a row problem of the copy, whose own file is not at fault)."""
    if copies.empty or not problems:
        return []
    by_row: dict[tuple[str, int | None], list[Problem]] = {}
    for p in problems:
        by_row.setdefault((p.file, p.row), []).append(p)
    out: list[Problem] = []
    for file, row, ofile, orow in copies[
        ["source_file", "source_row", "original_file", "original_row"]
    ].itertuples(index=False):
        for p in by_row.get((ofile, int(orow)), []) + by_row.get((ofile, None), []):
            out.append(replace(p, file=file, row=int(row)))
    return out


def note_copies(report: FileReport, accepted: pd.DataFrame, combined: Combined) -> pd.DataFrame:
    """Record the accepted identical copies of ``report``'s file; return the rows to write."""
    mine = combined.copies_of(report.file)
    if mine.empty:
        return accepted
    copy = accepted["source_row"].isin(mine.index).to_numpy()
    hit = mine.loc[accepted.loc[copy, "source_row"].to_numpy()]
    report.duplicates.extend(
        DuplicateNotice(int(row), str(ofile), int(orow))
        for row, ofile, orow in zip(
            hit.index, hit["original_file"], hit["original_row"], strict=True
        )
    )
    return accepted[~copy]
