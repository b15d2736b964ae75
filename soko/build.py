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
from soko.paths import (
    config_dir,
    notebooks_dir,
    processed_dir,
    project_root,
    raw_dir,
    reports_dir,
)
from soko.pipeline import fingerprint
from soko.pipeline.analytic_base import BASE_FILE
from soko.pipeline.cache import TaskCache, task_fingerprint
from soko.pipeline.cluster import ClusterError, connect
from soko.pipeline.derived import (
    PERIODS,
    derive_combined,
    derive_part,
    derive_table,
    partition_values,
)
from soko.pipeline.fingerprint import DigestCache
from soko.pipeline.graph import Graph, GraphResult, Task, TaskResult, failure_causes, run_graph
from soko.pipeline.notebooks import execute_notebook
from soko.pipeline.progress import BuildProgress
from soko.pipeline.templates import pair_of
from soko.provenance import BuildDateError, Provenance, current
from soko.registry import derived_tables, discover
from soko.report.html import TEMPLATES_DIR, render_page, write_text_atomic
from soko.report.manifest import (
    MANIFEST_NAME,
    ManifestPage,
    footer_facts,
    manifest,
    manifest_text,
)
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
    provenance: Provenance
    processed: Path


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


#: Modules every task of a kind runs besides its own code.
DERIVE_CODE = "soko.pipeline.derived"
NOTEBOOK_CODE = "soko.pipeline.notebooks"
RENDER_CODE = "soko.report.html"
REGISTRY = "soko.registry"
PROCEDURES = "soko.procedures"


def code_module(compute: object) -> str:
    """The module of a derived table's compute function (through ``functools.partial``)."""
    while hasattr(compute, "func"):
        compute = compute.func
    return str(getattr(compute, "__module__", ""))


class Fingerprints:
    """Static fingerprints of the build's tasks (``Task.fingerprint``), shared parts once.

    Every task keys on the locked dependency set, the whole ``config/`` folder (tasks are not
    told which settings they read) and the interpreter version. Code is the AST closure of
    the soko modules the task runs (``fingerprint.code_digest``). The one import the AST
    cannot see is the registry discovering procedure packages by name: a task that reaches
    ``soko.registry`` also keys on every procedure package's ``__init__`` (where titles,
    tables and derived specs are declared), not on their whole closure, so editing one
    procedure's commentary reruns only the pages that import it.
    """

    def __init__(self) -> None:
        root = project_root()
        self.env = {
            "lock": fingerprint.lock_digest(root),
            "config": fingerprint.config_digest(config_dir()),
            "python": sys.version,
        }
        self._code: dict[frozenset[str], str] = {}
        self._imports: dict[Path, frozenset[str]] = {}
        self._templates: str | None = None

    def code(self, modules: set[str]) -> str:
        roots = frozenset(modules)
        if roots not in self._code:
            parts = [fingerprint.code_digest(roots)]
            if REGISTRY in fingerprint.module_closure(roots):
                files = fingerprint.module_files()
                for name in sorted(files):
                    if name.startswith(PROCEDURES + ".") and name.count(".") == 2:
                        parts += [name, fingerprint.digest_file(files[name])]
            self._code[roots] = fingerprint.digest_bytes(*parts)
        return self._code[roots]

    def template_imports(self, template: Path) -> frozenset[str]:
        if template not in self._imports:
            found = fingerprint.notebook_imports(template) if template.is_file() else set()
            self._imports[template] = frozenset(found)
        return self._imports[template]

    def task(self, action: object, args: tuple, kwargs: dict, modules: set[str]) -> str:
        return task_fingerprint(action, args, kwargs, code=self.code(modules), **self.env)

    def derive(self, compute: object, args: tuple) -> str:
        return self.task(derive_table, args, {}, {code_module(compute), DERIVE_CODE})

    def notebook(self, template: Path, args: tuple, kwargs: dict, procedure: object) -> str:
        modules = {*self.template_imports(template), NOTEBOOK_CODE}
        own = f"{PROCEDURES}.{procedure}"
        if procedure and own in fingerprint.module_files():
            modules.add(own)  # what the registry hands the page for its procedure parameter
        return self.task(execute_notebook, args, kwargs, modules)

    def render(self, args: tuple, kwargs: dict) -> str:
        if self._templates is None:  # the nbconvert template the pages are rendered with
            files = sorted(p for p in TEMPLATES_DIR.rglob("*") if p.is_file())
            self._templates = fingerprint.files_digest(files, TEMPLATES_DIR)
        kwargs = {**kwargs, "_templates": self._templates}
        return self.task(render_page, args, kwargs, {RENDER_CODE})


def page_reads(processed: Path, reads: tuple[str, ...]) -> dict[str, Path]:
    """A page's declared reads by name, with their files (what its footer lists)."""
    return dict(zip(reads, read_paths(processed, reads), strict=True))


def derive_tasks(spec: DerivedSpec, processed: Path, prints: Fingerprints) -> list[Task]:
    """The build tasks of one derived table: one, or — for a table that declares a
    partitioning — one per partition (``derive:<name>@<value>``) and the combining task
    ``derive:<name>``, which writes the same file (and bytes) the single task would."""
    out = derive.output_path(processed, spec.name)
    inputs = tuple(processed / f"{t}.parquet" for t in spec.present_inputs(processed))
    # read_input maps canonical rows to today's boundaries through this table: an input too
    periods = processed / f"{PERIODS}.parquet"
    if periods.is_file() and any(not t.startswith(f"{derive.DERIVED}/") for t in spec.inputs):
        inputs = (*inputs, periods)
    code = {code_module(spec.compute), DERIVE_CODE}
    if spec.partition is not None:
        code |= {code_module(spec.partition.part), code_module(spec.partition.combine)}
    values = partition_values(spec.name, processed)
    if not values:
        return [
            Task(
                name=f"derive:{spec.name}",
                action=derive_table,
                args=(spec.name, str(processed)),
                inputs=inputs,
                outputs=(out,),
                fingerprint=prints.task(derive_table, (spec.name, str(processed)), {}, code),
            )
        ]
    assert spec.partition is not None
    split = tuple(processed / f"{t}.parquet" for t in spec.partition.split)
    parts = [
        Task(
            name=f"derive:{spec.name}@{value}",
            action=derive_part,
            args=(spec.name, str(processed), value),
            inputs=(*split, *([periods] if periods in inputs else [])),
            outputs=(derive.part_path(processed, spec.name, value),),
            fingerprint=prints.task(derive_part, (spec.name, str(processed), value), {}, code),
        )
        for value in values
    ]
    combined = Task(
        name=f"derive:{spec.name}",
        action=derive_combined,
        args=(spec.name, str(processed), values),
        inputs=(*inputs, *(p for task in parts for p in task.outputs)),
        outputs=(out,),
        fingerprint=prints.task(derive_combined, (spec.name, str(processed), values), {}, code),
    )
    return [*parts, combined]


def plan(
    year: int,
    processed: Path,
    reports: Path,
    only: str | None = None,
    pages: Path | None = None,
    provenance: Provenance | None = None,
) -> BuildPlan:
    """The build's task graph. ``provenance`` (the build's date, commit and versions, learnt
    once: :func:`soko.provenance.current` when not given) goes into every page's footer."""
    title, specs = load_pages(pages or pages_file())
    provenance = provenance or current()
    facts = footer_facts(provenance)
    graph = Graph()
    prints = Fingerprints()
    for spec in derived_tables():
        for task in derive_tasks(spec, processed, prints):
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
        nb_args = (template, executed, run.parameters(processed))
        nb_kwargs = {"cwd": notebooks_dir(), "env": kernel_env(run.spec.id, run.spec.reads)}
        reads = page_reads(processed, run.spec.reads)
        graph.add(
            Task(
                name=f"notebook:{run.name}",
                action=execute_notebook,
                args=nb_args,
                kwargs=nb_kwargs,
                # both files of the template's jupytext pair: the .py is what runs, the .ipynb
                # is checked against it
                inputs=(*pair_of(template), *read_paths(processed, run.spec.reads)),
                outputs=(executed,),
                fingerprint=prints.notebook(
                    template, nb_args, nb_kwargs, run.spec.parameters.get("procedure")
                ),
            )
        )
        render_kwargs = {
            "title": run.title,
            "breadcrumbs": [(title, "../index.html"), (f"{year} год", "index.html")],
            "banner": INTERNAL_BANNER,
            "provenance": facts,
            "reads": {name: str(path) for name, path in reads.items()},
        }
        graph.add(
            Task(
                name=f"render:{run.name}",
                action=render_page,
                args=(executed, page),
                kwargs=render_kwargs,
                # the footer names the build and each read table's hash: the tables are
                # inputs too, so a changed table re-renders the page (its footer changes)
                inputs=(executed, *reads.values()),
                outputs=(page,),
                fingerprint=prints.render((executed, page), render_kwargs),
            )
        )
    graph.validate()
    return BuildPlan(
        year=year,
        graph=graph,
        runs=runs,
        html=html,
        title=title,
        provenance=provenance,
        processed=Path(processed),
    )


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


#: Page parameters that name a folder of this machine, not what the page shows.
_LOCAL_PARAMETERS = frozenset({"processed_dir"})


def manifest_pages(bp: BuildPlan, built: dict[str, bool]) -> list[ManifestPage]:
    """Every page of the year for the manifest: template, parameters (without local
    folders), declared reads, the HTML file, and whether it was built."""
    return [
        ManifestPage(
            name=run.name,
            template=run.spec.template,
            template_file=notebooks_dir() / run.spec.template,
            parameters={
                k: v for k, v in run.parameters(bp.processed).items() if k not in _LOCAL_PARAMETERS
            },
            inputs=page_reads(bp.processed, run.spec.reads),
            output=bp.html[run.name],
            status="built" if built[run.name] else "not_built",
        )
        for run in bp.runs
    ]


def write_manifest(bp: BuildPlan, built: dict[str, bool], reports: Path, raw: Path) -> Path:
    """``reports/<year>/manifest.json``: what every page was built from (see
    :mod:`soko.report.manifest`). File digests are remembered between builds by size, mtime
    and inode (``cache/manifest``), so an unchanged raw folder is not read again."""
    digests = DigestCache(bp.processed / "cache" / "manifest" / "digests.json")
    data = manifest(
        bp.provenance,
        year=bp.year,
        root=project_root(),
        raw=Path(raw),
        processed=bp.processed,
        pages=manifest_pages(bp, built),
        digests=digests,
    )
    digests.save()
    out = reports / str(bp.year) / MANIFEST_NAME
    write_text_atomic(out, manifest_text(data))
    return out


def write_indexes(
    bp: BuildPlan, result: GraphResult, reports: Path, raw: Path | None = None
) -> Path:
    """The year's index, the list of years and the year's manifest.json."""
    entries = []
    built: dict[str, bool] = {}
    for run in bp.runs:
        task = f"render:{run.name}"
        reason = None
        if task in bp.graph:
            status = result.status(task)
            if status != "ok":
                reason = not_built_reason(bp.graph, result, task)
        else:
            status = "ok" if bp.html[run.name].is_file() else "missing"
        built[run.name] = status == "ok" and bp.html[run.name].is_file()
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
    facts = footer_facts(bp.provenance)
    write_year_index(
        year_dir, bp.year, entries, title=bp.title, banner=INTERNAL_BANNER, provenance=facts
    )
    years = sorted(int(p.name) for p in reports.iterdir() if p.is_dir() and p.name.isdigit())
    write_root_index(reports, years, title=bp.title, banner=INTERNAL_BANNER, provenance=facts)
    write_manifest(bp, built, reports, raw if raw is not None else raw_dir())
    return year_dir / "index.html"


def build(
    year: int | None = None,
    jobs: int = 2,
    only: str | None = None,
    processed: Path | None = None,
    reports: Path | None = None,
    *,
    force: bool = False,
    pages: Path | None = None,
    raw: Path | None = None,
    scheduler: str | None = None,
) -> int:
    """Build one year's compendium; return the exit code (0 only if every task succeeded).

    Tasks whose code, parameters and input files are unchanged since their last successful
    run are reused from the cache in ``<processed>/cache`` (``force``: run everything, still
    recording). ``pages``: another page declaration than ``pipelines/pages.yml``.
    ``raw`` is the folder of raw files the manifest digests (``data/raw`` by default).
    ``scheduler`` runs the tasks on a Dask cluster (``tcp://HOST:PORT``, or ``local[:N]`` for
    a cluster on this machine; :mod:`soko.pipeline.cluster`) instead of ``jobs`` local
    processes: as many tasks in flight as the cluster has worker threads.
    """
    project_root()
    processed = Path(processed or processed_dir())
    reports = Path(reports or reports_dir())
    try:
        provenance = current()
    except BuildDateError as err:
        print(f"Сборка не начата: {err}.", file=sys.stderr)
        return 2
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
    bp = plan(year, processed, reports, only=only, pages=pages, provenance=provenance)
    cache = TaskCache.for_processed(processed)
    forced = " Кэш не используется (--force)." if force else ""
    if scheduler:
        reports.mkdir(parents=True, exist_ok=True)  # workers are asked whether they see it
        try:
            with connect(scheduler, [project_root() / "config", processed, reports]) as cluster:
                print(
                    f"Сборник за {year} год: задач {len(bp.graph)}, страниц {len(bp.runs)}, "
                    f"кластер Dask {cluster.address}: рабочих процессов {cluster.workers}, "
                    f"потоков {cluster.threads}.{forced}"
                )
                print(f"Дата сборки: {provenance.date.ru()} ({provenance.date.source_ru()}).")
                estimates = cache.estimates(bp.graph, force)
                with BuildProgress(estimates, cluster.threads) as progress:
                    result = run_graph(
                        bp.graph,
                        jobs=cluster.threads,
                        executor=cluster.executor,
                        on_result=progress,
                        cache=cache,
                        force=force,
                    )
        except ClusterError as exc:
            print(str(exc), file=sys.stderr)
            return 2
    else:
        print(
            f"Сборник за {year} год: задач {len(bp.graph)}, страниц {len(bp.runs)}, "
            f"процессов {jobs}.{forced}"
        )
        print(f"Дата сборки: {provenance.date.ru()} ({provenance.date.source_ru()}).")
        with BuildProgress(cache.estimates(bp.graph, force), jobs) as progress:
            result = run_graph(bp.graph, jobs=jobs, on_result=progress, cache=cache, force=force)
    cache.save()
    progress.finish(result)
    index = write_indexes(bp, result, reports, raw)
    print(result.summary_ru())
    print(f"Сборник: {index.resolve()}")
    return 0 if result.ok else 1
