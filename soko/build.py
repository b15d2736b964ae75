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
from soko.pages import PageRun, expand, load_pages, pages_file
from soko.paths import notebooks_dir, processed_dir, project_root, reports_dir
from soko.pipeline.derived import derive_table
from soko.pipeline.graph import Graph, GraphResult, Task, TaskResult, run_graph
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


def available_years(processed: Path) -> list[int]:
    table = processed / "vpr_results.parquet"
    if not table.is_file():
        return []
    years = pd.read_parquet(table, columns=["year"])["year"].unique()
    return sorted(int(y) for y in years)


def municipalities_in(processed: Path, year: int) -> dict[str, str]:
    """Municipalities with results that year, in config order, with their names."""
    results = pd.read_parquet(
        processed / "vpr_results.parquet", columns=["year", "municipality_code"]
    )
    present = set(results.loc[results["year"] == year, "municipality_code"].dropna())
    names = region().municipalities
    ordered = [c for c in names if c in present] + sorted(present - set(names))
    return {c: names.get(c, c) for c in ordered}


def procedures_in(processed: Path, year: int) -> set[str]:
    """Procedures with data in ``year``: a page is built only where its procedure has data."""
    mains = {p.code: p.main_table for p in discover()}
    present = set()
    for code, table in mains.items():
        path = processed / f"{table}.parquet"
        if path.is_file() and (pd.read_parquet(path, columns=["year"])["year"] == year).any():
            present.add(code)
    return present


def plan(
    year: int,
    processed: Path,
    reports: Path,
    only: str | None = None,
    pages: Path | None = None,
) -> BuildPlan:
    title, specs = load_pages(pages or pages_file())
    graph = Graph()
    derived_outputs: list[Path] = []
    for spec in derived_tables():
        out = derive.output_path(processed, spec.name)
        graph.add(
            Task(
                name=f"derive:{spec.name}",
                action=derive_table,
                args=(spec.name, str(processed)),
                inputs=tuple(processed / f"{t}.parquet" for t in spec.present_inputs(processed)),
                outputs=(out,),
            )
        )
        derived_outputs.append(out)

    runs = expand(specs, year, municipalities_in(processed, year), procedures_in(processed, year))
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
                kwargs={"cwd": notebooks_dir()},
                inputs=(template, *derived_outputs),
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


def write_indexes(bp: BuildPlan, result: GraphResult, reports: Path) -> Path:
    entries = []
    for run in bp.runs:
        task = f"render:{run.name}"
        if task in bp.graph:
            status = result.status(task)
        else:
            status = "ok" if bp.html[run.name].is_file() else "missing"
        entries.append(
            PageEntry(
                section=run.spec.section,
                label=run.title,
                href=bp.html[run.name].name,
                status=None if status == "ok" else "не построено",
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
) -> int:
    """Build one year's compendium; return the exit code (0 only if every task succeeded)."""
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
    print(
        f"Сборник за {year} год: задач {len(bp.graph)}, страниц {len(bp.runs)}, процессов {jobs}."
    )
    result = run_graph(bp.graph, jobs=jobs, on_result=_progress)
    index = write_indexes(bp, result, reports)
    print(result.summary_ru())
    print(f"Сборник: {index.resolve()}")
    return 0 if result.ok else 1
