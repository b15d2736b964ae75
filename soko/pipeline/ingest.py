"""Ingest: every raw file through its contract into canonical parquet tables.

A bad file or row never stops the others. Each file's rows end up either accepted (in the
canonical tables) or rejected (in ``rejected/``, next to the reasons), and the report
proves nothing was lost: accepted + rejected = read, per file.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from soko.config import region
from soko.contracts.registry_periods import period_problems
from soko.contracts.staging import (
    CONTEXT_COLUMNS,
    REGISTRY_COLUMNS,
    context_staging,
    registry_staging,
)
from soko.contracts.suites import validate_frame
from soko.file_report import (
    FileReport,
    apply_problems,
    combine_rows,
    display_name,
    file_problem,
    find_files,
    note_copies,
    spread_to_copies,
)
from soko.paths import project_root
from soko.pipeline.fingerprint import digest_json, module_closure
from soko.pipeline.ingest_cache import GroupCache, GroupHit, SheetFiles, place_table
from soko.pipeline.ingest_state import Digests, environment_digest, raw_files
from soko.procedure import Procedure
from soko.pseudonym import load_salt
from soko.readers.delimited import read_delimited
from soko.readers.problems import FileProblem, Problem
from soko.readers.sheets import (
    TABLE_EXTENSIONS,
    TABLE_PATTERNS,
    read_sheets,
    reading_through,
)
from soko.registry import discover
from soko.schema import KEYS, TableWriter, typed
from soko.school_registry import STATUSES, today

KINDS = ("registry", "context")
# The registry's files are combined on a school's period: its code and «Действует с»
# (KEYS["school_periods"]), written by staging as one never-missing text column, so a
# registry without periods is still combined on the code alone.
REGISTRY_KEY = ("period_key",)
UNRECOGNISED = "не распознан"  # the kind of a file no ingester took
REJECTED_DIR = "rejected"
REPORT_FILE = "ingest_report.json"


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows written
    # groups whose stored result was reused ("registry", procedure codes): not read again
    reused: list[str] = field(default_factory=list)
    files_parsed: int = 0  # table files parsed (not taken from the sheet store) in this run

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and bool(self.files)

    @property
    def unrecognised(self) -> list[FileReport]:
        return [f for f in self.files if f.kind == UNRECOGNISED]

    def summary_ru(self, limit: int = 20) -> str:
        lines = [f"Проверено файлов: {len(self.files)}."]
        read = sum(f.rows_read for f in self.files)
        acc = sum(f.rows_accepted for f in self.files)
        lines.append(f"Строк прочитано: {read}, принято: {acc}, отклонено: {read - acc}.")
        lines += self._duplicates_ru(limit)
        bad = [f for f in self.files if not f.ok and f.kind != UNRECOGNISED]
        odd = self.unrecognised
        if odd:
            lines.append(f"Не распознано и не прочитано файлов: {len(odd)}:")
            lines += [f"  {f.file}: {f.problems[0].message}" for f in odd]
        if not self.files:
            lines.append(
                "Нет ни одного входного файла: сначала выполните `soko demo` "
                "или положите файлы в data/raw/."
            )
        if bad:
            lines.append(f"Файлов с ошибками: {len(bad)}:")
            for f in bad:
                lines.append(
                    f"  {f.file}: отклонено строк {f.rows_rejected} из {f.rows_read}, "
                    f"замечаний {len(f.problems)}"
                )
                for p in f.problems[:limit]:
                    lines.append(f"    - {p.text()}")
                if len(f.problems) > limit:
                    lines.append(
                        f"    … и ещё {len(f.problems) - limit}; полный список в {REJECTED_DIR}/"
                    )
        elif not odd:
            lines.append("Ошибок нет.")
        return "\n".join(lines)

    @property
    def rows_duplicate(self) -> int:
        return sum(len(f.duplicates) for f in self.files)

    def _duplicates_ru(self, limit: int) -> list[str]:
        """Identical rows of several files of one work: accepted, written once. Not an
        error (combining exports is ordinary work), but the user sees that it happened."""
        n = self.rows_duplicate
        if not n:
            return []
        lines = [
            f"Одинаковых строк в разных файлах (выгрузки региона, муниципалитетов и школ "
            f"одной работы и т. п.): {n} "
            "(приняты, записаны один раз). Например:"
        ]
        examples = [d.text(f.file) for f in self.files for d in f.duplicates][: min(limit, 5)]
        lines += [f"  - {e}" for e in examples]
        if n > len(examples):
            lines.append(f"  … и ещё {n - len(examples)}; полный список в {REPORT_FILE}")
        return lines


# --- registry and context -------------------------------------------------------------------


def ingest_combined(
    kind: str,
    paths: list[Path],
    raw: Path,
    stage: Callable[[Path], pd.DataFrame],
    key: tuple[str, ...],
    parameters: dict[str, Any],
    extra: Callable[[pd.DataFrame], list[Problem]] | None = None,
) -> tuple[list[pd.DataFrame], list[FileReport]]:
    """Files of one kind combined into one set of rows, checked in one contract pass.

    ``stage(path)`` reads one file into its staging frame (or raises FileProblem). Identical
    rows of several files are accepted in each and kept once; rows sharing ``key`` with
    different content are rejected, each naming the other (``soko.file_report``). Returns the
    accepted rows to write (copies left out) and every file's report. A small interface the
    other single-table kinds can reuse. ``extra`` adds rules across rows that a suite cannot
    state (the registry's periods), given the combined rows with ``source_file``."""
    reports: list[FileReport] = []
    staged: list[tuple[FileReport, pd.DataFrame]] = []
    for path in paths:
        rep = FileReport(display_name(path, raw), kind)
        reports.append(rep)
        try:
            frame = stage(path)
        except FileProblem as exc:
            file_problem(rep, exc)
            continue
        staged.append((rep, frame.assign(source_file=rep.file)))
    if not staged:
        return [], reports
    frame = pd.concat([f for _, f in staged], ignore_index=True)
    content = [c for c in frame.columns if c not in (*key, "source_file", "source_row")]
    combined = combine_rows(frame, list(key), content)
    problems = validate_frame(kind, combined.rows, None, parameters)
    if extra is not None:
        problems += extra(combined.rows)
    problems += spread_to_copies(problems, combined.copies)
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p)
    frames = []
    for rep, rows in staged:
        mine = sorted(by_file.get(rep.file, []), key=lambda p: (p.row or 0, p.rule))
        frames.append(note_copies(rep, apply_problems(rep, mine, rows), combined))
    return frames, reports


def ingest_registry(paths: list[Path], raw: Path) -> tuple[pd.DataFrame, list[FileReport]]:
    """Today's registry (``schools``); the periods are :func:`ingest_registry_periods`."""
    periods, reports = ingest_registry_periods(paths, raw)
    return today(periods), reports


def ingest_registry_periods(paths: list[Path], raw: Path) -> tuple[pd.DataFrame, list[FileReport]]:
    """The registry with history (``school_periods``): every period of every school, from
    all registry files combined on (school, «Действует с») (``period_key``)."""
    cfg = region()
    params = {
        "municipality_codes": cfg.all_municipality_codes,
        "school_kinds": list(cfg.school_kinds),
        "localities": list(cfg.localities),
        "statuses": list(STATUSES),
    }

    def stage(path: Path) -> pd.DataFrame:
        return registry_staging(
            read_delimited(path, list(REGISTRY_COLUMNS), expected="registry").rows
        )

    def periods_agree(rows: pd.DataFrame) -> list[Problem]:
        """Rules across a school's periods (overlaps, successors), over every file's rows."""
        return [
            p
            for file, mine in rows.groupby("source_file", sort=True)
            for p in period_problems(mine, rows, str(file))
        ]

    frames, reports = ingest_combined(
        "registry", paths, raw, stage, REGISTRY_KEY, params, extra=periods_agree
    )
    periods = typed("school_periods", frames).sort_values(
        ["school_code", "valid_from"], ignore_index=True, na_position="first"
    )
    return periods, reports


def ingest_context(
    paths: list[Path], raw: Path, known_codes: list[str]
) -> tuple[pd.DataFrame, list[FileReport]]:
    """School context from all its files, combined on (school, year) (KEYS["school_context"])."""

    def stage(path: Path) -> pd.DataFrame:
        return context_staging(read_delimited(path, list(CONTEXT_COLUMNS), expected="context").rows)

    params = {"known_school_codes": known_codes}
    key = KEYS["school_context"]
    frames, reports = ingest_combined("context", paths, raw, stage, key, params)
    ctx = typed("school_context", frames)
    return ctx.sort_values(["year", "school_code"], ignore_index=True), reports


# --- the whole ingest -----------------------------------------------------------------------

# Rows per parquet row group: parts (one per file or work) are gathered up to this many
# rows, so a region of small school files does not give thousands of tiny row groups.
ROW_GROUP_ROWS = 200_000


def write_rejected(reports: list[FileReport], processed: Path) -> None:
    """One CSV of problems for the whole run (Excel-friendly UTF-8 with BOM)."""
    rej = processed / REJECTED_DIR
    rej.mkdir(parents=True, exist_ok=True)
    for old in rej.glob("*.csv"):
        old.unlink()
    rows = [
        {
            "Файл": p.file,
            "Строка": p.row,
            "Столбец": p.column,
            "Правило": p.rule,
            "Значение": p.value,
            "Сообщение": p.message,
        }
        for f in reports
        for p in f.problems
    ]
    if rows:
        pd.DataFrame(rows).to_csv(rej / "problems.csv", index=False, encoding="utf-8-sig", sep=";")


def write_table(
    processed: Path,
    name: str,
    parts: list[pd.DataFrame],
    schema: Mapping[str, str] | None = None,
) -> int:
    """Write a canonical table part by part, each part released once written (the memory of
    one row group, not of the table); the number of rows written. The same parts in the same
    order give the same bytes. The interface the ingest of every kind writes through."""
    path = processed / f"{name}.parquet"
    with TableWriter(path, name, schema, group_rows=ROW_GROUP_ROWS) as writer:
        while parts:
            writer.append(parts.pop(0))
    return writer.rows


def _group_key(
    digests: Digests,
    group: str,
    files: list[Path],
    raw: Path,
    code: list[str],
    environment: str,
    upstream: str = "",
) -> str:
    """A group's key: its files (names under ``raw`` and bytes), the soko modules that
    ingest it (their import closure), the environment and what it is checked against."""
    return digest_json(
        {
            "group": group,
            "files": digests.files(files, raw),
            "code": digests.code(module_closure(code)),
            "environment": environment,
            "upstream": upstream,
        }
    )


def _procedure_module(proc: Procedure) -> str:
    """The package that defines ``proc`` (its ingest code is in its import closure)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("soko.procedures.") and getattr(module, "PROCEDURE", None) is proc:
            return name
    return "soko.procedures"


def _reuse(hit: GroupHit, processed: Path, digests: Digests, report: IngestReport) -> None:
    """A reused group's tables put in place (left alone when the bytes are already there)."""
    for name, stored in hit.tables.items():
        place_table(stored, processed / f"{name}.parquet", digests)
        report.tables[name] = hit.rows[name]
    report.files += hit.reports


def ingest(raw: Path, processed: Path, force: bool = False) -> IngestReport:
    """Every raw file through its contract into the canonical tables.

    A group of files (the registry with the context; each procedure's files) whose inputs
    are unchanged is not read again: its stored tables and reports are reused
    (``soko.pipeline.ingest_cache``). A group that reruns parses only its files that
    changed: the others' cells come from the sheet store. ``force`` recomputes everything."""
    sheets = SheetFiles(processed, force)
    with reading_through(sheets):
        report = _ingest(raw, processed, force)
    report.files_parsed = sheets.read
    digests = Digests(processed)
    sheets.prune({digest for _, digest in digests.files(raw_files(raw), raw)})
    digests.save()
    return report


def _ingest(raw: Path, processed: Path, force: bool) -> IngestReport:
    report = IngestReport()
    processed.mkdir(parents=True, exist_ok=True)
    root = project_root()
    load_salt()  # created now if missing, so the keys below hold the salt ГИА ids use
    digests = Digests(processed)
    cache = GroupCache(processed, force)
    environment = environment_digest(digests, root)
    ingest_code = [__name__]

    taken = find_files(raw, "registry", TABLE_PATTERNS)
    found = find_files(raw, "context", TABLE_PATTERNS)
    base = ("schools", "school_periods", "school_context")
    registry_key = _group_key(digests, "registry", taken + found, raw, ingest_code, environment)
    hit = cache.get("registry", registry_key)
    if hit is not None:
        periods = pd.read_parquet(hit.tables["school_periods"])
        _reuse(hit, processed, digests, report)
        report.reused.append("registry")
    else:
        periods, reps = ingest_registry_periods(taken, raw)
        schools = today(periods)
        group_reports = list(reps)
        # a school merged or closed since still has its earlier years' context
        ctx, reps = ingest_context(found, raw, periods["school_code"].unique().tolist())
        group_reports += reps
        for name, frame in zip(base, (schools, periods, ctx), strict=True):
            report.tables[name] = write_table(processed, name, [frame])
        del schools, ctx
        report.files += group_reports
        cache.put(
            "registry",
            registry_key,
            group_reports,
            {name: processed / f"{name}.parquet" for name in base},
            {name: report.tables[name] for name in base},
        )
        # procedures get the registry as they would from the cache: read back from its table
        periods = pd.read_parquet(processed / "school_periods.parquet")
    taken += found
    for proc in discover():
        ing = proc.ingester
        found = find_files(raw, ing.folder, ing.patterns)
        taken += found
        group = f"procedure_{proc.code}"
        code = [*ingest_code, _procedure_module(proc)]
        key = _group_key(digests, group, found, raw, code, environment, registry_key)
        hit = cache.get(group, key)
        if hit is not None:
            _reuse(hit, processed, digests, report)
            report.reused.append(proc.code)
            continue
        # every year's files are checked against the registry as it was that year
        result = ing.run(found, raw, periods)
        report.files += result.reports
        rows = {}
        for name, schema in proc.schemas.items():
            # written (and released) before the next procedure runs
            rows[name] = write_table(processed, name, result.tables.pop(name, []), schema)
        report.tables.update(rows)
        cache.put(
            group,
            key,
            result.reports,
            {name: processed / f"{name}.parquet" for name in rows},
            rows,
        )
        del result
    digests.save()
    report.files += unrecognised_files(raw, taken)
    write_rejected(report.files, processed)
    (processed / REPORT_FILE).write_text(
        json.dumps(
            {
                "ok": report.ok,
                "tables": report.tables,
                "unrecognised": [
                    {"file": f.file, "reason": f.problems[0].message} for f in report.unrecognised
                ],
                "rows_duplicate": report.rows_duplicate,
                "files": [f.as_dict() for f in report.files],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return report


# --- files no ingester takes --------------------------------------------------------------


def skipped(path: Path, raw: Path) -> bool:
    """Files that are never data: .gitkeep, hidden files and folders, Excel's lock files."""
    try:
        parts = path.relative_to(raw).parts
    except ValueError:
        parts = (path.name,)
    return (
        path.name == ".gitkeep"
        or path.name.startswith("~$")
        or any(part.startswith(".") for part in parts)
    )


def _places() -> str:
    """Where files of each kind belong (for the message on a file nobody reads)."""
    places = [
        "реестр ОО — data/raw/registry/",
        "контекстные данные — data/raw/context/",
        *(f"{p.title} — data/raw/{p.ingester.folder}/" for p in discover()),
    ]
    return "; ".join(places)


def _unrecognised_reason(path: Path, raw: Path) -> str:
    ext = path.suffix.lower()
    supported = ", ".join(TABLE_EXTENSIONS)
    if ext not in TABLE_EXTENSIONS:
        what = f"файл «{ext}»" if ext else "файл без расширения"
        return (
            f"{what} не прочитан: soko читает только таблицы ({supported}); уберите его из "
            "data/raw/ или замените выгрузкой в одном из этих форматов"
        )
    rel = display_name(path, raw)
    folder = rel.rsplit("/", 1)[0] if "/" in rel else ""
    where = f"папку data/raw/{folder}/" if folder else "корень data/raw/"
    kind = detect_kind(path)
    hint = ""
    if kind is not None:
        places = {"registry": ("реестр ОО", "registry"), "context": ("контекст", "context")}
        places.update({p.code: (p.title, p.ingester.folder) for p in discover()})
        title, home = places[kind]
        hint = f" По содержанию это {title}: место таких файлов — data/raw/{home}/."
    return f"файл не прочитан: {where} не читает ни одна процедура.{hint} Места файлов: {_places()}"


def unrecognised_files(raw: Path, taken: list[Path]) -> list[FileReport]:
    """Every file under ``raw`` that no ingester took, each with the reason, so that nothing
    is skipped in silence (an unread file makes the ingest fail)."""
    seen = {p.resolve() for p in taken}
    reports = []
    files = sorted(p for p in raw.rglob("*") if p.is_file()) if raw.is_dir() else []
    for path in files:
        if path.resolve() in seen or skipped(path, raw):
            continue
        rep = FileReport(display_name(path, raw), UNRECOGNISED)
        rep.problems.append(
            Problem(rep.file, None, None, "file_recognised", _unrecognised_reason(path, raw))
        )
        reports.append(rep)
    return reports


def _head_text(path: Path) -> str:
    """The first rows of every sheet of a table file as text: enough to recognise its kind."""
    if path.suffix.lower() not in TABLE_EXTENSIONS:
        return ""
    try:
        sheets = read_sheets(path)
    except FileProblem:
        return ""
    return "\n".join(" ".join(row) for sheet in sheets for row in sheet.rows[:15])


def detect_kind(path: Path, raw: Path | None = None) -> str | None:
    """A file's kind for `soko validate`: from its folder under data/raw, else its content."""
    folders = {"registry": "registry", "context": "context"}
    folders.update({p.ingester.folder: p.code for p in discover()})
    if raw is not None:
        try:
            rel = path.resolve().relative_to(raw.resolve()).as_posix()
        except ValueError:
            rel = ""
        for folder in sorted(folders, key=len, reverse=True):
            if rel.startswith(folder.rstrip("/") + "/"):
                return folders[folder]
    try:
        text = _head_text(path)
    except OSError:
        return None
    if "ИСБШ" in text:
        return "context"
    if "Наименование ОО" in text or "Вид ОО" in text:
        return "registry"
    positions = [
        (text.find(word), p.code) for p in discover() for word in p.title_words if word in text
    ]
    return min(positions)[1] if positions else None


def known_schools(raw: Path, processed: Path) -> pd.DataFrame:
    """The registry (with its periods) to check codes against: the ingested one, else the
    raw registry."""
    table = processed / "school_periods.parquet"
    if table.is_file():
        return pd.read_parquet(table)
    periods, _ = ingest_registry_periods(find_files(raw, "registry", TABLE_PATTERNS), raw)
    return periods


def validate_file(path: Path, kind: str | None, raw: Path, processed: Path) -> FileReport:
    """Validate one file against its contract without writing anything."""
    kind = kind or detect_kind(path, raw)
    procedures = {p.code: p for p in discover()}
    if kind in procedures:
        result = procedures[kind].ingester.run([path], raw, known_schools(raw, processed))
        return result.reports[0]
    if kind == "registry":
        return ingest_registry([path], raw)[1][0]
    if kind == "context":
        codes = known_schools(raw, processed)["school_code"].tolist()
        return ingest_context([path], raw, codes)[1][0]
    rep = FileReport(display_name(path, raw), kind or "?")
    try:
        read_sheets(path)
    except FileProblem as exc:  # the real cause: empty, damaged, protected, not a table
        file_problem(rep, exc)
        return rep
    rep.problems.append(
        Problem(
            rep.file,
            None,
            None,
            "kind_known",
            "не удалось определить вид файла; укажите --kind " + "|".join([*KINDS, *procedures]),
        )
    )
    return rep
