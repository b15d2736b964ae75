"""The build cache reruns exactly what depends on a change, and its result equals a fresh build.

One small-demo project (a copy of ``small_region``'s data, config and templates under
``SOKO_ROOT``) with three pages of three kinds — ВПР and НИКО on one shared template, the
olympiad page on its own — is built, then changed one kind of input at a time: nothing, a
template, a soko module the olympiad page imports, one score in one municipality's ВПР file
(re-ingested), a configuration file. After each build, which tasks ran is read from their
outputs' modification times, and compared with what *should* have run, computed from
content digests taken before and after: a task runs ⇔ the content of one of its inputs
changed or its template/code/settings did. Then a ``force`` build must give byte-identical
pages and tables, which is what shows that the declared inputs are complete.

Only the derived tables these pages need are planned (``derived_tables`` patched in the
build), so the test builds in about a minute and a half.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import soko.build as build_module
from benchmarks.bench_build import swap_two_task_scores
from soko.build import DERIVE_CODE, RENDER_CODE, build, code_module, plan
from soko.pages import load_pages
from soko.pipeline import fingerprint as fp
from soko.pipeline.cache import TaskCache, cache_dir
from soko.pipeline.graph import Graph, Task
from soko.pipeline.ingest import ingest
from soko.pseudonym import SALT_ENV, salt_path
from soko.registry import derived_tables
from tests.conftest import SmallRegion

pytestmark = pytest.mark.notebooks

REPO = Path(__file__).resolve().parent.parent
YEAR = 2026
PAGES = """title: Проверка кэша
pages:
  - {id: vpr_region, template: vpr_region.ipynb, title: "ВПР {year}", section: Регион,
     scope: region, procedures: [vpr], reads: [vpr_marks, vpr_tasks, vpr_journal, vpr_scores]}
  - {id: niko_region, template: vpr_region.ipynb, title: "НИКО {year}", section: Регион,
     scope: region, procedures: [niko], parameters: {procedure: niko},
     reads: [niko_marks, niko_tasks, niko_journal, niko_scores]}
  - {id: olympiads_region, template: olympiads_region.ipynb, title: "ВсОШ {year}",
     section: Олимпиады, scope: region, procedures: [olympiads],
     reads: [olympiad_participation, olympiad_schools, olympiad_subjects]}
"""
#: A module the olympiad template imports and the ВПР template does not.
EDITED_MODULE = "soko.procedures.olympiads.commentary"


def _mtime(path: Path) -> int:
    return path.stat().st_mtime_ns if path.exists() else -1


def _needed_specs(reads: Iterable[str]) -> list:
    """The derived tables the pages read, and those they are computed from."""
    by_name = {s.name: s for s in derived_tables()}
    needed: set[str] = set()
    stack = list(reads)
    while stack:
        name = stack.pop()
        if name not in needed:
            needed.add(name)
            stack += [t.split("/", 1)[1] for t in by_name[name].inputs if t.startswith("derived/")]
    return [s for s in derived_tables() if s.name in needed]


class Project:
    """The copied project and what the test observes of it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.processed = root / "data" / "processed"
        self.raw = root / "data" / "raw"
        self.reports = root / "reports"
        self.pages = root / "pipelines" / "pages.yml"

    def graph(self) -> Graph:
        return plan(YEAR, self.processed, self.reports, pages=self.pages).graph

    def stamps(self, graph: Graph) -> dict[str, int]:
        """Task -> modification time of its first output (a rerun rewrites it)."""
        return {t.name: _mtime(t.outputs[0]) for t in graph}

    def digests(self) -> dict[str, str]:
        """Every file a task may read or write, by content."""
        files = [
            *self.processed.rglob("*.parquet"),
            *(self.processed / "notebooks").rglob("*.ipynb"),
            *self.reports.rglob("*.html"),
            *(self.root / "notebooks").glob("*.ipynb"),
            *(self.root / "notebooks").glob("*.py"),
        ]
        return {str(p): fp.digest_file(p) for p in files}

    def build(self, **kwargs: object) -> tuple[set[str], Graph]:
        """Build; return the tasks that ran (their outputs were rewritten)."""
        graph = self.graph()
        before = self.stamps(graph)
        assert (
            build(processed=self.processed, reports=self.reports, pages=self.pages, **kwargs) == 0
        )
        after = self.stamps(graph)
        return {n for n in before if after[n] != before[n]}, graph


def expected(
    graph: Graph, before: dict[str, str], after: dict[str, str], *, always: set[str]
) -> set[str]:
    """Tasks that must run: one of their inputs changed content, or they are in ``always``
    (their template, code or settings changed)."""
    must = set(always)
    for task in graph:
        if any(before.get(str(p)) != after.get(str(p)) for p in task.inputs):
            must.add(task.name)
    return must


def code_of(task: Task) -> list[str]:
    """The soko modules a task runs, by what it is (independent of the build's fingerprints)."""
    if task.name.startswith("notebook:"):
        return fp.module_closure(fp.notebook_imports(task.args[0]))
    if task.name.startswith("derive:"):
        spec = next(s for s in build_module.derived_tables() if s.name == task.args[0])
        return fp.module_closure([code_module(spec.compute), DERIVE_CODE])
    return fp.module_closure([RENDER_CODE])


def pages_of(tasks: set[str]) -> set[str]:
    return {n.split(":", 1)[1] for n in tasks if n.startswith("notebook:")}


@pytest.fixture()
def project(small_region: SmallRegion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    root = tmp_path / "project"
    for name in ("config", "expectations", "notebooks"):
        shutil.copytree(REPO / name, root / name)
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy2(REPO / name, root / name)
    proj = Project(root)
    proj.pages.parent.mkdir(parents=True)
    proj.pages.write_text(PAGES, encoding="utf-8")
    shutil.copytree(
        small_region.processed,
        proj.processed,
        ignore=shutil.ignore_patterns("cache", "notebooks", "*.duckdb"),
    )
    shutil.copytree(small_region.raw, proj.raw)
    # re-ingesting must pseudonymise as the session's ingest did
    monkeypatch.setenv(SALT_ENV, str(salt_path()))
    monkeypatch.setenv("SOKO_ROOT", str(root))
    _, specs = load_pages(proj.pages)
    needed = _needed_specs(r for spec in specs for r in spec.reads)
    monkeypatch.setattr(build_module, "derived_tables", lambda: needed)
    return proj


def test_rebuild_reruns_exactly_what_changed(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the copied project is not a git checkout: without this the build date is the current
    # minute, which every page's footer shows, so a minute passing would rerun every render
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796083200")
    ran, graph = project.build()
    assert ran == set(graph.names), "the first build runs every task"
    assert (cache_dir(project.processed) / "tasks.json").is_file()
    cache = TaskCache.for_processed(project.processed)
    assert all(cache.seconds(n) is not None for n in graph.names), "durations are recorded"

    # (a) nothing changed: every task is reused, and the summary says so
    capsys.readouterr()
    ran, graph = project.build()
    assert ran == set()
    assert f"переиспользовано из кэша: {len(graph)}" in capsys.readouterr().out

    # (d) a template: a markdown cell added to the template ВПР and НИКО share
    before = project.digests()
    template = project.root / "notebooks" / "vpr_region.ipynb"
    text = template.read_text(encoding="utf-8")
    marker = '"cells": ['
    # with an id, as every cell of a template has: nbformat gives a cell without one a random
    # id at each execution, and the id reaches the page (``cell-id=…``)
    cell = (
        '{"cell_type": "markdown", "id": "cache-test", "metadata": {},'
        ' "source": ["Проверка кэша: новый абзац."]},'
    )
    template.write_text(text.replace(marker, marker + cell, 1), encoding="utf-8")
    # as an analyst's save in JupyterLab does: the pair's .py follows the edited .ipynb
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", str(template)], check=True)
    ran, graph = project.build()
    after = project.digests()
    assert ran == expected(graph, before, after, always=set())
    assert pages_of(ran) == {"vpr_region", "niko_region"}
    assert "Проверка кэша: новый абзац." in (
        project.reports / str(YEAR) / "niko_region.html"
    ).read_text(encoding="utf-8")

    # (e) a soko module only the olympiad page imports (an edited copy stands in for it)
    files = dict(fp.module_files())
    copy = project.root / "edited.py"
    copy.write_text(
        files[EDITED_MODULE].read_text(encoding="utf-8") + "\n# правка\n", encoding="utf-8"
    )
    files[EDITED_MODULE] = copy
    monkeypatch.setattr(fp, "module_files", lambda: files)
    importing = {t.name for t in graph if EDITED_MODULE in code_of(t)}
    assert pages_of(importing) == {"olympiads_region"}
    before = project.digests()
    ran, graph = project.build()
    after = project.digests()
    assert ran == expected(graph, before, after, always=importing)
    assert pages_of(ran) == {"olympiads_region"}

    # (b) one score in one municipality's ВПР file, re-ingested
    workbook = project.raw / "vpr" / str(YEAR) / "vpr_2026_ma_5.xlsx"
    swap_two_task_scores(workbook, "01")
    before = project.digests()
    report = ingest(project.raw, project.processed)
    assert report.ok, report.summary_ru()
    ran, graph = project.build()
    after = project.digests()
    assert ran == expected(graph, before, after, always=set())
    changed_tables = {
        Path(p).stem for p in after if p.endswith(".parquet") and before.get(p) != after[p]
    }
    assert "vpr_tasks" in changed_tables, "the swapped scores change task completion"
    assert pages_of(ran) == {"vpr_region"}, "НИКО and the olympiads read nothing that changed"
    # (ingest rewrote the canonical tables; only changed content reruns. A derived table that
    # comes out identical stopping the cascade: tests/test_task_cache.py)
    # the incremental result equals a build from scratch: pages and tables byte for byte
    incremental = project.digests()
    ran, graph = project.build(force=True)
    assert ran == set(graph.names)
    forced = project.digests()
    compared = [p for p in incremental if p.endswith((".html", ".parquet"))]
    assert compared and {p: forced[p] for p in compared} == {p: incremental[p] for p in compared}

    # (c) a configuration file: every task keys on config/ as a whole, so all of them rerun
    # (the settings a task reads are not declared per task); renders rerun because their
    # executed notebooks did
    settings = project.root / "config" / "olympiads.yml"
    text = settings.read_text(encoding="utf-8")
    assert "window_years: 3" in text
    settings.write_text(text.replace("window_years: 3", "window_years: 1"), encoding="utf-8")
    before = project.digests()
    ran, graph = project.build()
    after = project.digests()
    assert ran == set(graph.names)
    assert ran == expected(
        graph, before, after, always={n for n in graph.names if not n.startswith("render:")}
    )
