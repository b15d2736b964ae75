"""`soko build`: the yearly compendium as a graph of tasks.

derive tables (once, for all pages) → run one notebook per page → render one HTML page per
notebook → write the year's index. Every task declares what it reads and writes; a failed
task only takes down what depends on it, and the build ends with a summary.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from soko import derive
from soko.config import region
from soko.declared_reads import ANALYTIC_BASE, kernel_env
from soko.derive import DerivedSpec
from soko.pages import PageRun, expand, load_pages, pages_file
from soko.paths import notebooks_dir, processed_dir, project_root, reports_dir
from soko.pipeline.analytic_base import BASE_FILE
from soko.pipeline.cluster import ClusterError, connect
from soko.pipeline.derived import (
    derive_combined,
    derive_part,
    derive_table,
    partition_values,
)
from soko.pipeline.graph import Graph, GraphResult, Task, TaskResult, failure_causes, run_graph
from soko.pipeline.notebooks import execute_notebook
from soko.registry import derived_tables, discover
from soko.report.html import render_page
from soko.report.site import PageEntry, write_root_index, write_year_index

INTERNAL_BANNER = (
    "Для служебного пользования. Материалы содержат данные об отдельных образовательных "
    "организациях и не предназначены для публикации."
)


@dataclass(frozen=True)
class BuildPlan:
    year: int
    graph: Graph
    runs: list[PageRun]
    html: dict[str, Path]  # run name -> page
    title: str


def main_tables() -> dict[str, str]:
    """Procedure code -> its main canonical table (has ``year``), ВПР first."""
    return {p.code: p.main_table for p in discover()}


def _years_of(path: Path) -> set[int]:
    if not path.is_file():
        return set()
    return {int(y) for y in pd.read_parquet(path, columns=["year"])["year"].dropna().unique()}


def available_years(processed: Path) -> list[int]:
    """Years with data of any procedure (a year with ОГЭ but no ВПР still has a compendium)."""
    years: set[int] = set()
    for table in main_tables().values():
        years |= _years_of(Path(processed) / f"{table}.parquet")
    return sorted(years)


def _municipality_codes(processed: Path, table: str, year: int) -> set[str]:
    """Municipalities with rows of ``table`` in ``year``: from its ``municipality_code``, or
    through ``schools`` (school_code -> municipality_code) when it has school codes only."""
    import pyarrow.parquet as pq

    path = processed / f"{table}.parquet"
    if not path.is_file():
        return set()
    columns = set(pq.read_schema(path).names)
    if "municipality_code" in columns:
        rows = pd.read_parquet(path, columns=["year", "municipality_code"])
        return set(rows.loc[rows["year"] == year, "municipality_code"].dropna().astype(str))
    schools = processed / "schools.parquet"
    if "school_code" not in columns or not schools.is_file():
        return set()
    rows = pd.read_parquet(path, columns=["year", "school_code"])
    codes = set(rows.loc[rows["year"] == year, "school_code"].dropna())
    registry = pd.read_parquet(schools, columns=["school_code", "municipality_code"])
    found = registry.loc[registry["school_code"].isin(codes), "municipality_code"]
    return set(found.dropna().astype(str))


def municipalities_by_procedure(processed: Path, year: int) -> dict[str, set[str]]:
    """Procedure code -> municipalities with its data in ``year`` (procedures without any are
    left out)."""
    found = {
        code: _municipality_codes(Path(processed), table, year)
        for code, table in main_tables().items()
    }
    return {code: codes for code, codes in found.items() if codes}


def municipalities_in(processed: Path, year: int) -> dict[str, str]:
    """Municipalities with results of any procedure that year, in config order, with names."""
    present: set[str] = set()
    for codes in municipalities_by_procedure(processed, year).values():
        present |= codes
    names = region().municipalities
    ordered = [c for c in names if c in present] + sorted(present - set(names))
    return {c: names.get(c, c) for c in ordered}


def procedures_in(processed: Path, year: int) -> set[str]:
    """Procedures with data in ``year``: a page is built only where its procedure has data."""
    return {
        code
        for code, table in main_tables().items()
        if year in _years_of(Path(processed) / f"{table}.parquet")
    }


def read_paths(processed: Path, reads: tuple[str, ...]) -> tuple[Path, ...]:
    """The files behind a page's ``reads``: derived tables, and the analytic base."""
    processed = Path(processed)
    return tuple(
        processed / BASE_FILE if name == ANALYTIC_BASE else derive.output_path(processed, name)
        for name in reads
    )


def derive_tasks(spec: DerivedSpec, processed: Path) -> list[Task]:
    """The build tasks of one derived table: one, or — for a table that declares a
    partitioning — one per partition (``derive:<name>@<value>``) and the combining task
    ``derive:<name>``, which writes the same file (and bytes) the single task would."""
    out = derive.output_path(processed, spec.name)
    inputs = tuple(processed / f"{t}.parquet" for t in spec.present_inputs(processed))
    values = partition_values(spec.name, processed)
    if not values:
        return [
            Task(
                name=f"derive:{spec.name}",
                action=derive_table,
                args=(spec.name, str(processed)),
                inputs=inputs,
                outputs=(out,),
            )
        ]
    assert spec.partition is not None
    split = tuple(processed / f"{t}.parquet" for t in spec.partition.split)
    parts = [
        Task(
            name=f"derive:{spec.name}@{value}",
            action=derive_part,
            args=(spec.name, str(processed), value),
            inputs=split,
            outputs=(derive.part_path(processed, spec.name, value),),
        )
        for value in values
    ]
    combined = Task(
        name=f"derive:{spec.name}",
        action=derive_combined,
        args=(spec.name, str(processed), values),
        inputs=(*inputs, *(p for task in parts for p in task.outputs)),
        outputs=(out,),
    )
    return [*parts, combined]


def plan(
    year: int,
    processed: Path,
    reports: Path,
    only: str | None = None,
    pages: Path | None = None,
) -> BuildPlan:
    title, specs = load_pages(pages or pages_file())
    graph = Graph()
    for spec in derived_tables():
        for task in derive_tasks(spec, processed):
            graph.add(task)

    runs = expand(
        specs,
        year,
        municipalities_in(processed, year),
        procedures_in(processed, year),
        municipalities_by_procedure(processed, year),
    )
    year_dir = reports / str(year)
    executed_dir = processed / "notebooks" / str(year)
    html: dict[str, Path] = {}
    for run in runs:
        html[run.name] = year_dir / f"{run.name}.html"
        if only and only not in run.name:
            continue  # listed in the index as it stands, not rebuilt
        template = notebooks_dir() / run.spec.template
        executed = executed_dir / f"{run.name}.ipynb"
        page = html[run.name]
        graph.add(
            Task(
                name=f"notebook:{run.name}",
                action=execute_notebook,
                args=(template, executed, run.parameters(processed)),
                kwargs={"cwd": notebooks_dir(), "env": kernel_env(run.spec.id, run.spec.reads)},
                inputs=(template, *read_paths(processed, run.spec.reads)),
                outputs=(executed,),
            )
        )
        graph.add(
            Task(
                name=f"render:{run.name}",
                action=render_page,
                args=(executed, page),
                kwargs={
                    "title": run.title,
                    "breadcrumbs": [(title, "../index.html"), (f"{year} год", "index.html")],
                    "banner": INTERNAL_BANNER,
                },
                inputs=(executed,),
                outputs=(page,),
            )
        )
    graph.validate()
    return BuildPlan(year=year, graph=graph, runs=runs, html=html, title=title)


#: Longest error line quoted in the index for a page that was not built.
MAX_REASON_CHARS = 240


def _cause_ru(res: TaskResult) -> str:
    lines = (res.error or "").strip().splitlines()
    first = lines[0] if lines else "нет описания"
    if len(first) > MAX_REASON_CHARS:
        first = first[: MAX_REASON_CHARS - 1] + "…"
    kind, _, target = res.name.partition(":")
    if kind == "derive":
        return f"не удалось вычислить таблицу {target} — {first}"
    if kind == "notebook":
        return f"ошибка при выполнении страницы — {first}"
    if kind == "render":
        return f"ошибка при оформлении страницы — {first}"
    return f"ошибка в задаче «{res.name}» — {first}"


def not_built_reason(graph: Graph, result: GraphResult, task: str) -> str | None:
    """Why ``task`` (a page's render task) did not succeed, in Russian, for the index:
    the derived tables, notebook or rendering that failed upstream of it."""
    causes = failure_causes(graph, result, task)
    if not causes:
        return None
    shown = [_cause_ru(c) for c in causes[:3]]
    if len(causes) > 3:
        shown.append(f"и ещё {len(causes) - 3}")
    return "; ".join(shown)


def write_indexes(bp: BuildPlan, result: GraphResult, reports: Path) -> Path:
    entries = []
    for run in bp.runs:
        task = f"render:{run.name}"
        reason = None
        if task in bp.graph:
            status = result.status(task)
            if status != "ok":
                reason = not_built_reason(bp.graph, result, task)
        else:
            status = "ok" if bp.html[run.name].is_file() else "missing"
        entries.append(
            PageEntry(
                section=run.spec.section,
                label=run.title,
                href=bp.html[run.name].name,
                status=None if status == "ok" else "не построено",
                reason=reason,
            )
        )
    year_dir = reports / str(bp.year)
    write_year_index(year_dir, bp.year, entries, title=bp.title, banner=INTERNAL_BANNER)
    years = sorted(int(p.name) for p in reports.iterdir() if p.is_dir() and p.name.isdigit())
    write_root_index(reports, years, title=bp.title, banner=INTERNAL_BANNER)
    return year_dir / "index.html"


_STATUS_RU = {"ok": "готово", "failed": "ОШИБКА", "skipped": "пропущено"}


def _progress(res: TaskResult) -> None:
    print(
        f"  {_STATUS_RU.get(res.status, res.status):>9}  {res.name}  ({res.seconds:.1f} с)",
        flush=True,
    )
    if res.status == "failed" and res.error:
        print("            " + res.error.splitlines()[0][:300], flush=True)


def build(
    year: int | None = None,
    jobs: int = 2,
    only: str | None = None,
    processed: Path | None = None,
    reports: Path | None = None,
    scheduler: str | None = None,
) -> int:
    """Build one year's compendium; return the exit code (0 only if every task succeeded).

    ``scheduler`` runs the tasks on a Dask cluster (``tcp://HOST:PORT``, or ``local[:N]`` for
    a cluster on this machine; :mod:`soko.pipeline.cluster`) instead of ``jobs`` local
    processes: as many tasks in flight as the cluster has worker threads.
    """
    project_root()
    processed = Path(processed or processed_dir())
    reports = Path(reports or reports_dir())
    years = available_years(processed)
    if not years:
        print(
            "Нет канонических таблиц в data/processed: сначала выполните `soko ingest` "
            "(или `make compendium`).",
            file=sys.stderr,
        )
        return 2
    year = year or years[-1]
    if year not in years:
        print(f"Нет данных за {year} год; есть: {', '.join(map(str, years))}.", file=sys.stderr)
        return 2
    bp = plan(year, processed, reports, only=only)
    if scheduler:
        reports.mkdir(parents=True, exist_ok=True)  # workers are asked whether they see it
        try:
            with connect(scheduler, [project_root() / "config", processed, reports]) as cluster:
                print(
                    f"Сборник за {year} год: задач {len(bp.graph)}, страниц {len(bp.runs)}, "
                    f"кластер Dask {cluster.address}: рабочих процессов {cluster.workers}, "
                    f"потоков {cluster.threads}."
                )
                result = run_graph(
                    bp.graph, jobs=cluster.threads, executor=cluster.executor, on_result=_progress
                )
        except ClusterError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    else:
        print(
            f"Сборник за {year} год: задач {len(bp.graph)}, страниц {len(bp.runs)}, "
            f"процессов {jobs}."
        )
        result = run_graph(bp.graph, jobs=jobs, on_result=_progress)
    index = write_indexes(bp, result, reports)
    print(result.summary_ru())
    print(f"Сборник: {index.resolve()}")
    return 0 if result.ok else 1
