"""Ingest: every raw file through its contract into canonical parquet tables.

A bad file or row never stops the others. Each file's rows end up either accepted (in the
canonical tables) or rejected (in ``rejected/``, next to the reasons), and the report
proves nothing was lost: accepted + rejected = read, per file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from soko.config import region
from soko.contracts.staging import (
    CONTEXT_COLUMNS,
    REGISTRY_COLUMNS,
    context_staging,
    registry_staging,
    require_scale,
    vpr_results_staging,
    vpr_task_staging,
)
from soko.contracts.suites import validate_frame
from soko.procedures import discover
from soko.readers.delimited import read_delimited
from soko.readers.fisoko import VPR_LAYOUT, VprFile, WorkbookLayout, read_vpr_workbook
from soko.readers.problems import FileProblem, Problem
from soko.schema import typed

KINDS = ("registry", "context", "vpr")
REJECTED_DIR = "rejected"
REPORT_FILE = "ingest_report.json"


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


def display_name(path: Path, raw: Path) -> str:
    try:
        return path.resolve().relative_to(raw.resolve()).as_posix()
    except ValueError:
        return path.name


def _apply(report: FileReport, problems: list[Problem], rows: pd.DataFrame) -> pd.DataFrame:
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


def _file_problem(report: FileReport, exc: FileProblem, rows_read: int = 0) -> None:
    report.problems.append(replace(exc.problem, file=report.file))
    report.rows_read = max(rows_read, exc.rows_read)
    report.rows_accepted = 0


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
            _file_problem(rep, exc)
            continue
        frames.append(_apply(rep, problems, staging))
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
            _file_problem(rep, exc)
            continue
        frames.append(_apply(rep, problems, staging))
    ctx = typed("school_context", frames).drop_duplicates(["school_code", "year"], keep="first")
    return ctx.sort_values(["year", "school_code"], ignore_index=True), reports


# --- ВПР (and every procedure with its per-student task layout: НИКО, РПР) ---------------------


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
    school_mun: dict[str, str],
    seen: dict[tuple[int, str, int], str],
    layout: WorkbookLayout = VPR_LAYOUT,
) -> tuple[FileReport, _Staged | None]:
    """Read one workbook and apply the file-level rules; rows are checked later, in bulk."""
    rep = FileReport(display_name(path, raw), layout.procedure)
    try:
        vpr = read_vpr_workbook(path, layout)
    except FileProblem as exc:
        _file_problem(rep, exc)
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
        staging = vpr_results_staging(vpr, tasks_long, school_mun, rep.file)
    except FileProblem as exc:
        _file_problem(rep, exc, rows_read=len(vpr.rows))
        return rep, None
    seen[key] = rep.file
    return rep, _Staged(rep, vpr, staging, tasks_long)


def _canonical_vpr(
    st: _Staged, accepted: pd.DataFrame, mun_code: dict[str, str], out: VprTables
) -> None:
    vpr, n = st.vpr, len(accepted)
    ident = {"year": vpr.year, "subject": vpr.subject, "grade": vpr.grade}
    out.results.append(
        pd.DataFrame(
            {
                **{k: [v] * n for k, v in ident.items()},
                "school_code": accepted["school_code"].to_numpy(),
                "municipality_code": accepted["school_code"].map(mun_code).to_numpy(),
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
    school_mun = dict(zip(schools["school_code"], schools["municipality_name"], strict=True))
    mun_code = dict(zip(schools["school_code"], schools["municipality_code"], strict=True))
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
    by_file: dict[str, list[Problem]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(_in_layout(p, layout))
    for st in staged:
        mine = sorted(by_file.get(st.report.file, []), key=lambda p: (p.row or 0, p.rule))
        accepted = _apply(st.report, mine, st.results)
        if not accepted.empty:
            _canonical_vpr(st, accepted, mun_code, out)
    return reports


# --- the whole ingest -----------------------------------------------------------------------


def _files(raw: Path, sub: str, patterns: tuple[str, ...]) -> list[Path]:
    folder = raw / sub
    found = {p for pat in patterns for p in folder.rglob(pat)} if folder.is_dir() else set()
    return sorted(p for p in found if p.is_file() and not p.name.startswith(("~$", ".")))


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


def ingest(raw: Path, processed: Path) -> IngestReport:
    report = IngestReport()
    processed.mkdir(parents=True, exist_ok=True)

    schools, reps = ingest_registry(_files(raw, "registry", ("*.csv", "*.txt")), raw)
    report.files += reps
    ctx, reps = ingest_context(
        _files(raw, "context", ("*.csv", "*.txt")), raw, schools["school_code"].tolist()
    )
    report.files += reps

    tables = VprTables()
    report.files += ingest_vpr(_files(raw, "vpr", ("*.xlsx",)), raw, schools, tables)

    outputs = {
        "schools": schools,
        "school_context": ctx,
        "vpr_results": typed("vpr_results", tables.results),
        "vpr_task_scores": typed("vpr_task_scores", tables.task_scores),
        "vpr_tasks": typed("vpr_tasks", tables.tasks),
    }
    for proc in discover():
        ing = proc.ingester
        result = ing.run(_files(raw, ing.folder, ing.patterns), raw, schools)
        report.files += result.reports
        for name in proc.schemas:
            outputs[name] = typed(name, result.tables.get(name, []))
    for name, df in outputs.items():
        df.to_parquet(processed / f"{name}.parquet", index=False)
        report.tables[name] = len(df)
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


_TITLE_KINDS = (("НИКО", "niko"), ("РПР", "rpr"), ("ОГЭ", "oge"), ("ЕГЭ", "ege"), ("ВПР", "vpr"))


def _head_text(path: Path) -> str:
    """The first rows of a file as text: enough to recognise its kind."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from soko.readers.fisoko import read_grid

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
    folders = {"registry": "registry", "context": "context", "vpr": "vpr"}
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
    positions = [(text.find(word), kind) for word, kind in _TITLE_KINDS if word in text]
    return min(positions)[1] if positions else None


def known_schools(raw: Path, processed: Path) -> pd.DataFrame:
    """The registry to check codes against: the ingested one, else the raw registry."""
    table = processed / "schools.parquet"
    if table.is_file():
        return pd.read_parquet(table)
    schools, _ = ingest_registry(_files(raw, "registry", ("*.csv", "*.txt")), raw)
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
    if kind == "vpr":
        return ingest_vpr([path], raw, known_schools(raw, processed), VprTables())[0]
    rep = FileReport(display_name(path, raw), kind or "?")
    rep.problems.append(
        Problem(
            rep.file,
            None,
            None,
            "kind_known",
            "не удалось определить вид файла; укажите --kind "
            + "|".join(["registry", "context", "vpr", *procedures]),
        )
    )
    return rep
