"""Pages declare the derived tables they read (pipelines/pages.yml `reads`).

A page depends on exactly what it declares, so a failing derived table costs only the pages
that read it; in the build, reading an undeclared table fails the page; the years and
municipalities of the compendium come from every procedure's data, not ВПР's alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from soko import derive
from soko.build import (
    available_years,
    municipalities_by_procedure,
    municipalities_in,
    plan,
    write_indexes,
)
from soko.declared_reads import (
    ANALYTIC_BASE,
    DECLARED_ENV,
    PAGE_ENV,
    UndeclaredReadError,
    check_read,
    kernel_env,
)
from soko.pages import known_tables, load_pages
from soko.pipeline.graph import Graph, GraphResult, Task, TaskResult, failure_causes, run_graph
from soko.registry import derived_tables
from tests.conftest import SmallRegion


def _pages(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "pages.yml"
    path.write_text("title: Тест\npages:\n" + body, encoding="utf-8")
    return path


# --- the declaration --------------------------------------------------------------------------


def test_every_page_declares_tables_the_build_knows() -> None:
    _, specs = load_pages()
    known = known_tables()
    assert {s.name for s in derived_tables()} <= known
    for spec in specs:
        assert spec.reads, spec.id
        assert set(spec.reads) <= known, spec.id
    reads = {s.id: s.reads for s in specs}
    assert reads["niko_region"] == ("niko_marks", "niko_tasks", "niko_journal", "niko_scores")
    assert reads["ege_municipality"] == ("ege_scores",)
    assert "va_schools" not in reads["vpr_region"]


def test_unknown_table_is_refused_naming_file_page_and_table(tmp_path: Path) -> None:
    path = _pages(
        tmp_path,
        "  - {id: my_page, template: vpr_region.ipynb, title: t, section: s, scope: region,"
        " reads: [vpr_marks, vpr_markz]}\n",
    )
    with pytest.raises(ValueError, match=r"pages\.yml: страница my_page: .*неизвестная.*vpr_markz"):
        load_pages(path)


def test_reads_are_required_and_filled_from_parameters(tmp_path: Path) -> None:
    missing = _pages(
        tmp_path, "  - {id: p, template: vpr_region.ipynb, title: t, section: s, scope: region}\n"
    )
    with pytest.raises(ValueError, match="reads"):
        load_pages(missing)
    ok = _pages(
        tmp_path,
        "  - {id: p, template: vpr_region.ipynb, title: t, section: s, scope: region,"
        ' reads: ["{procedure}_marks", "{procedure}_scores"], parameters: {procedure: rpr}}\n',
    )
    assert load_pages(ok)[1][0].reads == ("rpr_marks", "rpr_scores")
    unfilled = _pages(
        tmp_path,
        "  - {id: p, template: vpr_region.ipynb, title: t, section: s, scope: region,"
        ' reads: ["{procedure}_marks"]}\n',
    )
    with pytest.raises(ValueError, match=r"страница p: .*\{procedure\}_marks"):
        load_pages(unfilled)


# --- enforcement ------------------------------------------------------------------------------


def test_loading_an_undeclared_table_fails_only_under_a_declaration(
    small_region: SmallRegion, monkeypatch: pytest.MonkeyPatch
) -> None:
    from soko import notebook as nb

    processed = small_region.processed
    assert not derive.load("va_schools", processed).empty  # JupyterLab: nothing is checked
    for key, value in kernel_env("vpr_region", ["vpr_marks"]).items():
        monkeypatch.setenv(key, value)
    assert not derive.load("vpr_marks", processed).empty
    with pytest.raises(UndeclaredReadError, match="страница vpr_region читает таблицу va_schools"):
        derive.load("va_schools", processed)
    with pytest.raises(UndeclaredReadError, match=ANALYTIC_BASE):
        nb.sql("SELECT 1", str(processed))
    # the page helpers go through the same loader
    from soko.formats.rcoi_protocol.pages import page
    from soko.registry import procedure

    with pytest.raises(UndeclaredReadError, match="oge_marks"):
        page(procedure("oge"), 2026, str(processed))


def test_check_read_reads_the_environment_it_is_given() -> None:
    check_read("anything", {})
    env = {DECLARED_ENV: '["a"]', PAGE_ENV: "p"}
    check_read("a", env)
    with pytest.raises(UndeclaredReadError, match="«b»"):
        check_read("b", env)
    with pytest.raises(UndeclaredReadError, match="JSON"):
        check_read("a", {DECLARED_ENV: "a,b"})


def test_notebook_tasks_depend_on_their_declared_tables_only(
    small_region: SmallRegion, tmp_path: Path
) -> None:
    bp = plan(2026, small_region.processed, tmp_path / "reports")
    _, specs = load_pages()
    by_id = {s.id: s for s in specs}
    for run in bp.runs:
        task = bp.graph[f"notebook:{run.name}"]
        derived = {p.stem for p in task.inputs if p.parent.name == derive.DERIVED}
        assert derived == set(by_id[run.spec.id].reads), run.name
        assert task.kwargs["env"] == kernel_env(run.spec.id, by_id[run.spec.id].reads)
    deps = bp.graph.dependencies()
    assert "derive:va_schools" not in deps["notebook:vpr_region"]
    assert "derive:va_schools" in deps["notebook:va_region"]


# --- causes of a page not built ---------------------------------------------------------------


def _noop() -> None:
    pass


def test_failure_causes_follow_skips_to_the_failed_task(tmp_path: Path) -> None:
    a, b, c = (tmp_path / n for n in "abc")
    graph = Graph(
        [
            Task("derive:a", _noop, outputs=(a,)),
            Task("derive:b", _noop, inputs=(a,), outputs=(b,)),
            Task("notebook:p", _noop, inputs=(b,), outputs=(c,)),
        ]
    )
    result = GraphResult(
        {
            "derive:a": TaskResult("derive:a", "failed", "RuntimeError: плохо\nподробности"),
            "derive:b": TaskResult("derive:b", "skipped", "не выполнена задача"),
            "notebook:p": TaskResult("notebook:p", "skipped", "не выполнена задача"),
        }
    )
    assert [r.name for r in failure_causes(graph, result, "notebook:p")] == ["derive:a"]
    assert failure_causes(graph, result, "derive:a")[0].status == "failed"


# --- years and municipalities from every procedure --------------------------------------------


def _copy_without_vpr(small_region: SmallRegion, tmp_path: Path) -> Path:
    processed = tmp_path / "processed"
    shutil.copytree(
        small_region.processed, processed, ignore=shutil.ignore_patterns("*.duckdb", "notebooks")
    )
    for path in processed.glob("vpr_*.parquet"):
        path.unlink()
    return processed


def test_a_year_without_vpr_still_plans_the_other_procedures(
    small_region: SmallRegion, tmp_path: Path
) -> None:
    processed = _copy_without_vpr(small_region, tmp_path)
    # PISA's main table with school codes only: its municipalities come through `schools`
    pisa = pd.read_parquet(processed / "pisa_students.parquet")
    pisa.drop(columns="municipality_code").to_parquet(processed / "pisa_students.parquet")
    assert 2026 in available_years(processed)
    munis = municipalities_in(processed, 2026)
    expected = set(pd.read_parquet(processed / "schools.parquet")["municipality_code"])
    assert set(munis) == expected
    assert set(municipalities_by_procedure(processed, 2026)["pisa"]) == set(
        pisa.loc[pisa["year"] == 2026, "municipality_code"]
    )
    assert "vpr" not in municipalities_by_procedure(processed, 2026)

    bp = plan(2026, processed, tmp_path / "reports")
    pages = {r.spec.id for r in bp.runs}
    assert {"oge_region", "oge_municipality", "pisa_region", "pisa_municipality"} <= pages
    assert not pages & {"vpr_region", "vpr_municipality", "va_region", "objectivity_region"}
    first = next(iter(munis))
    assert f"notebook:oge_municipality_{first}" in bp.graph
    assert f"notebook:pisa_municipality_{first}" in bp.graph


# --- a build with a broken derived table (runs notebooks) -------------------------------------


@pytest.mark.notebooks
def test_a_failing_derived_table_costs_only_its_own_pages(
    small_region: SmallRegion, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from soko.value_added import tables as va_tables

    def broken(**_: object) -> pd.DataFrame:
        raise RuntimeError("модель не сошлась")

    monkeypatch.setattr(va_tables, "va_schools", broken)
    processed = tmp_path / "processed"
    shutil.copytree(small_region.processed, processed, ignore=shutil.ignore_patterns("notebooks"))
    first = municipalities_in(processed, 2026)
    code = next(iter(first))
    pages = _pages(
        tmp_path,
        "".join(
            f"  - {{id: {pid}, template: {tpl}, title: {pid}, section: s, scope: {scope},"
            f" municipalities: ['{code}'], reads: [{reads}]{extra}}}\n"
            for pid, tpl, scope, reads, extra in [
                ("vpr_region", "vpr_region.ipynb", "region",
                 "vpr_marks, vpr_tasks, vpr_journal, vpr_scores", ""),
                ("oge_region", "gia_region.ipynb", "region", "oge_marks, oge_scores",
                 ", parameters: {procedure: oge}"),
                ("pisa_region", "pisa_region.ipynb", "region",
                 "pisa_estimates, pisa_levels, pisa_gaps, pisa_resilience, pisa_municipalities",
                 ""),
                ("va_region", "value_added.ipynb", "region",
                 "vpr_marks, va_schools, va_models, school_classes", ""),
                ("va_municipality", "value_added.ipynb", "municipality",
                 "vpr_marks, va_schools, va_models, school_classes", ""),
                # reads vpr_scores without declaring it: fails in the build
                ("undeclared", "vpr_region.ipynb", "region",
                 "vpr_marks, vpr_tasks, vpr_journal", ""),
            ]
        ),
    )  # fmt: skip
    reports = tmp_path / "reports"
    bp = plan(2026, processed, reports, pages=pages)
    result = run_graph(bp.graph, jobs=1)  # inline: the monkeypatch reaches the derive task

    assert result.status("derive:va_schools") == "failed"
    assert result.status("derive:school_classes") == "skipped"  # reads derived/va_schools
    assert result.status("derive:va_models") == "ok"
    for page in ("vpr_region", "oge_region", "pisa_region"):
        assert result.status(f"render:{page}") == "ok", result[f"notebook:{page}"].error
    assert result.status("render:va_region") == "skipped"
    assert result.status(f"render:va_municipality_{code}") == "skipped"
    assert result.status("notebook:undeclared") == "failed"
    assert "UndeclaredReadError" in (result["notebook:undeclared"].error or "")
    assert "vpr_scores" in (result["notebook:undeclared"].error or "")

    index = write_indexes(bp, result, reports).read_text(encoding="utf-8")
    assert 'href="vpr_region.html"' in index and 'href="pisa_region.html"' in index
    assert 'href="oge_region.html"' in index and 'href="va_region.html"' not in index
    cause = (
        "не построено: не удалось вычислить таблицу va_schools — RuntimeError: модель не сошлась"
    )
    assert index.count(cause) == 2  # va_region and va_municipality
    assert "не построено: ошибка при выполнении страницы — UndeclaredReadError" in index
