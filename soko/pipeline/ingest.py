"""Ingest: every raw file through its contract into canonical parquet tables.

A bad file or row never stops the others. Each file's rows end up either accepted (in the
canonical tables) or rejected (in ``rejected/``, next to the reasons), and the report
proves nothing was lost: accepted + rejected = read, per file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from soko.config import region
from soko.contracts.staging import (
    CONTEXT_COLUMNS,
    REGISTRY_COLUMNS,
    context_staging,
    registry_staging,
)
from soko.contracts.suites import validate_frame
from soko.file_report import FileReport, apply_problems, display_name, file_problem, find_files
from soko.readers.delimited import read_delimited
from soko.readers.grid import read_grid
from soko.readers.problems import FileProblem, Problem
from soko.registry import discover
from soko.schema import TableWriter, typed

KINDS = ("registry", "context")
REJECTED_DIR = "rejected"
REPORT_FILE = "ingest_report.json"


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows written

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files) and bool(self.files)

    def summary_ru(self, limit: int = 20) -> str:
        lines = [f"Проверено файлов: {len(self.files)}."]
        read = sum(f.rows_read for f in self.files)
        acc = sum(f.rows_accepted for f in self.files)
        lines.append(f"Строк прочитано: {read}, принято: {acc}, отклонено: {read - acc}.")
        bad = [f for f in self.files if not f.ok]
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
        else:
            lines.append("Ошибок нет.")
        return "\n".join(lines)


# --- registry and context -------------------------------------------------------------------


def ingest_registry(paths: list[Path], raw: Path) -> tuple[pd.DataFrame, list[FileReport]]:
    frames, reports = [], []
    for path in paths:
        rep = FileReport(display_name(path, raw), "registry")
        reports.append(rep)
        try:
            table = read_delimited(path, list(REGISTRY_COLUMNS))
            staging = registry_staging(table.rows)
            cfg = region()
            params = {
                "municipality_codes": list(cfg.municipalities),
                "school_kinds": list(cfg.school_kinds),
                "localities": list(cfg.localities),
            }
            problems = validate_frame("registry", staging, rep.file, params)
        except FileProblem as exc:
            file_problem(rep, exc)
            continue
        frames.append(apply_problems(rep, problems, staging))
    schools = typed("schools", frames)
    schools = schools.drop_duplicates("school_code").sort_values("school_code", ignore_index=True)
    return schools, reports


def ingest_context(
    paths: list[Path], raw: Path, known_codes: list[str]
) -> tuple[pd.DataFrame, list[FileReport]]:
    frames, reports = [], []
    for path in paths:
        rep = FileReport(display_name(path, raw), "context")
        reports.append(rep)
        try:
            table = read_delimited(path, list(CONTEXT_COLUMNS))
            staging = context_staging(table.rows)
            problems = validate_frame(
                "context", staging, rep.file, {"known_school_codes": known_codes}
            )
        except FileProblem as exc:
            file_problem(rep, exc)
            continue
        frames.append(apply_problems(rep, problems, staging))
    ctx = typed("school_context", frames).drop_duplicates(["school_code", "year"], keep="first")
    return ctx.sort_values(["year", "school_code"], ignore_index=True), reports


# --- the whole ingest -----------------------------------------------------------------------


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
    processed: Path, name: str, parts: list[pd.DataFrame], schema: Mapping[str, str]
) -> int:
    """Write a canonical table part by part, each part released once written (the memory of
    one row group, not of the table); the number of rows written."""
    with TableWriter(processed / f"{name}.parquet", name, schema) as writer:
        while parts:
            writer.append(parts.pop(0))
    return writer.rows


def ingest(raw: Path, processed: Path) -> IngestReport:
    report = IngestReport()
    processed.mkdir(parents=True, exist_ok=True)

    schools, reps = ingest_registry(find_files(raw, "registry", ("*.csv", "*.txt")), raw)
    report.files += reps
    ctx, reps = ingest_context(
        find_files(raw, "context", ("*.csv", "*.txt")), raw, schools["school_code"].tolist()
    )
    report.files += reps

    for name, df in (("schools", schools), ("school_context", ctx)):
        df.to_parquet(processed / f"{name}.parquet", index=False)
        report.tables[name] = len(df)
    for proc in discover():
        ing = proc.ingester
        result = ing.run(find_files(raw, ing.folder, ing.patterns), raw, schools)
        report.files += result.reports
        for name in proc.schemas:
            report.tables[name] = write_table(
                processed, name, result.tables.pop(name, []), proc.schemas[name]
            )
        del result  # a procedure's canonical parts go before the next one is read
    write_rejected(report.files, processed)
    (processed / REPORT_FILE).write_text(
        json.dumps(
            {
                "ok": report.ok,
                "tables": report.tables,
                "files": [f.as_dict() for f in report.files],
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return report


def _head_text(path: Path) -> str:
    """The first rows of a file as text: enough to recognise its kind."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            grid = read_grid(path)
        except FileProblem:
            return ""
        return "\n".join(" ".join(row) for row in grid[:15])
    head = path.read_bytes()[:4096]
    for enc in ("utf-8-sig", "cp1251"):
        try:
            return head.decode(enc)
        except UnicodeDecodeError:
            continue
    return ""


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
    """The registry to check codes against: the ingested one, else the raw registry."""
    table = processed / "schools.parquet"
    if table.is_file():
        return pd.read_parquet(table)
    schools, _ = ingest_registry(find_files(raw, "registry", ("*.csv", "*.txt")), raw)
    return schools


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
