"""The shape of a catalogue case and the one runner that checks it.

A case writes files under a fresh ``data/raw`` (a two-school registry is written first
unless the case writes its own), runs the whole ingest, and checks:

- every problem it expects is reported, with that file, row, column and rule, and a message
  containing the expected words (Russian, and never an English technical tail);
- no problem it does not expect is reported (``exact=True``, the default);
- the rows each named file must still have accepted, and the rows each canonical table has;
- the accounting that holds for every case: accepted + rejected = read per file, per kind
  and in total.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from soko.pipeline.ingest import IngestReport, ingest
from tests.fisoko_files import write_registry


@dataclass(frozen=True)
class Expect:
    """One problem the case must produce. ``file`` is the display name under data/raw
    (``vpr/a.xlsx``); ``row``/``column`` as the user sees them (None: the whole file / no
    column); ``words``: substrings the message must contain."""

    file: str
    rule: str
    row: int | None = None
    column: str | None = None
    words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    id: str
    kind: str  # vpr, niko, rpr, oge, ege, gve, pisa, survey, registry, context, any
    write: Callable[[Path], None]  # writes the case's files under the raw root it gets
    problems: tuple[Expect, ...] = ()
    accepted: dict[str, int] = field(default_factory=dict)  # display name -> rows accepted
    tables: dict[str, int] = field(default_factory=dict)  # canonical table -> rows written
    exact: bool = True  # no problems beyond ``problems``
    registry: bool = True  # write the default two-school registry first
    check: Callable[[IngestReport, Path], None] | None = None  # anything more


# Words that betray an untranslated technical message (exception names, English phrases).
_ENGLISH = re.compile(r"[A-Za-z]{4,}(Error|Exception)|Traceback|EOCD|\b(the|file|not|is)\b")


def run_case(case: Case, tmp: Path) -> IngestReport:
    raw, processed = tmp / "raw", tmp / "processed"
    raw.mkdir(parents=True)
    if case.registry:
        write_registry(raw)
    case.write(raw)
    report = ingest(raw, processed)
    _check_accounting(report)
    found = [p for f in report.files for p in f.problems]
    for p in found:
        assert not _ENGLISH.search(p.message), f"{case.id}: English in a message: {p.text()}"
    unmatched = list(found)
    for exp in case.problems:
        match = [
            p
            for p in unmatched
            if p.file == exp.file
            and p.rule == exp.rule
            and p.row == exp.row
            and p.column == exp.column
            and all(w in p.message or w in (p.value or "") for w in exp.words)
        ]
        assert match, f"{case.id}: expected {exp} not reported; got:\n" + "\n".join(
            p.text() for p in found
        )
        unmatched.remove(match[0])
    if case.exact:
        # the same rule repeated for the same cell counts once
        extra = [p for p in unmatched if not any(_same(p, e) for e in case.problems)]
        assert not extra, f"{case.id}: unexpected problems:\n" + "\n".join(p.text() for p in extra)
    by_file = {f.file: f for f in report.files}
    for name, n in case.accepted.items():
        assert name in by_file, f"{case.id}: {name} not in the report ({sorted(by_file)})"
        assert by_file[name].rows_accepted == n, (
            f"{case.id}: {name} accepted {by_file[name].rows_accepted}, expected {n}"
        )
    for table, n in case.tables.items():
        got = len(pd.read_parquet(processed / f"{table}.parquet"))
        assert got == n, f"{case.id}: table {table} has {got} rows, expected {n}"
    if case.check is not None:
        case.check(report, processed)
    return report


def _same(p, e: Expect) -> bool:
    return (p.file, p.rule, p.row, p.column) == (e.file, e.rule, e.row, e.column)


def _check_accounting(report: IngestReport) -> None:
    kinds: dict[str, list[int]] = {}
    for f in report.files:
        assert f.rows_accepted + f.rows_rejected == f.rows_read, f.as_dict()
        assert 0 <= f.rows_accepted <= f.rows_read, f.as_dict()
        k = kinds.setdefault(f.kind, [0, 0, 0])
        k[0] += f.rows_read
        k[1] += f.rows_accepted
        k[2] += f.rows_rejected
    for kind, (read, acc, rej) in kinds.items():
        assert acc + rej == read, (kind, read, acc, rej)
