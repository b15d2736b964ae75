"""Timings of the notebook runner and HTML rendering (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_notebooks.py [--n 8] [--jobs 1 2]
    .venv/bin/python benchmarks/bench_notebooks.py --pages [--processed data/processed]

Runs N trivial parametrised notebooks through ``run_graph`` for each ``--jobs`` value (a
fresh pool each time, so worker start-up and imports are included, as in a real build), then
renders one executed notebook to HTML several times. Prints wall times.

``--pages`` runs every page of the small demo (generated in a temporary folder unless
``--processed`` names an ingested one) with cold kernels and with warm ones, two workers,
and prints each phase of the per-page time split (``metadata["soko"]["timing"]`` of the
executed notebooks: kernel start, imports, tables, charts, the rest of the cells) as mean
and median, and the pages' chart weight.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from soko.build import available_years, plan
from soko.pipeline import kernels
from soko.pipeline.demo import generate_demo
from soko.pipeline.graph import Graph, Task, run_graph
from soko.pipeline.ingest import ingest
from soko.pipeline.notebooks import execute_notebook
from soko.report.html import render_page

CELLS = [
    "import pandas as pd\nimport matplotlib.pyplot as plt",
    "df = pd.DataFrame({'школа': [f'Школа {i}' for i in range(20)], 'балл': range(20)})\n"
    "df.assign(номер=n).head()",
    "fig, ax = plt.subplots(figsize=(4, 2))\nax.bar(df['школа'][:5], df['балл'][:5]);",
]


def make_template(path: Path) -> Path:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Проверка скорости"),
            new_code_cell("n = 0", metadata={"tags": ["parameters"]}),
            *(new_code_cell(c) for c in CELLS),
        ]
    )
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def bench_graph(template: Path, workdir: Path, n: int, jobs: int) -> None:
    out_dir = workdir / f"jobs{jobs}"
    graph = Graph(
        Task(
            f"nb{i}",
            execute_notebook,
            (template, out_dir / f"nb{i}.ipynb"),
            {"parameters": {"n": i}},
            inputs=(template,),
            outputs=(out_dir / f"nb{i}.ipynb",),
        )
        for i in range(n)
    )
    started = time.perf_counter()
    result = run_graph(graph, jobs=jobs)
    wall = time.perf_counter() - started
    per_task = [r.seconds for r in result]
    print(
        f"jobs={jobs}: {n} notebooks in {wall:.2f} s wall "
        f"({wall / n:.2f} s/notebook); per task median {statistics.median(per_task):.2f} s, "
        f"max {max(per_task):.2f} s; ok={result.ok}"
    )
    if not result.ok:
        print(result.summary_ru())


def bench_html(executed: Path, workdir: Path, repeats: int = 10) -> None:
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        render_page(
            executed,
            workdir / "html" / f"p{i}.html",
            title="Проверка скорости",
            breadcrumbs=[("Год", "index.html")],
            banner="Для служебного пользования",
        )
        times.append(time.perf_counter() - started)
    print(
        f"render_page: first {times[0]:.3f} s (imports + template environment), "
        f"then median {statistics.median(times[1:]):.3f} s over {repeats - 1}"
    )


def small_demo(workdir: Path) -> Path:
    raw, processed = workdir / "raw", workdir / "processed"
    generate_demo(out=raw, seed=20260415, size="small", truth_out=workdir / "truth")
    ingest(raw, processed)
    return processed


def _png_bytes(notebook: Path) -> int:
    nb = nbformat.read(notebook, as_version=4)
    return sum(
        len(out.get("data", {}).get("image/png", "")) * 3 // 4  # base64 -> bytes
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
    )


def bench_pages(processed: Path, workdir: Path, jobs: int) -> None:
    """Every page of the region, cold kernels then warm: the per-page time split."""
    year = available_years(processed)[-1]
    bp = plan(year, processed, workdir / "reports")
    derive = Graph(t for t in bp.graph if t.name.startswith("derive:"))
    print(f"derived tables: {len(derive)} ... ", end="", flush=True)
    print("ok" if run_graph(derive, jobs=jobs).ok else "FAILED")
    pages = [t for t in bp.graph if t.name.startswith("notebook:")]
    for mode in ("cold", "warm"):
        os.environ[kernels.WARM_ENV] = "0" if mode == "cold" else "1"  # spawned workers see it
        started = time.perf_counter()
        result = run_graph(Graph(pages), jobs=jobs)
        wall = time.perf_counter() - started
        splits, weight = [], 0
        for task in pages:
            executed = Path(task.outputs[0])
            if executed.is_file():
                meta = nbformat.read(executed, as_version=4).metadata.get("soko", {})
                if "timing" in meta:
                    splits.append(meta["timing"])
                weight += _png_bytes(executed)
        print(
            f"\n{mode} kernels, jobs={jobs}: {len(pages)} pages in {wall:.1f} s wall "
            f"({wall / len(pages):.2f} s/page); ok={result.ok}; charts {weight / 1024:.0f} KB "
            f"in all, {weight / 1024 / max(1, len(pages)):.0f} KB/page"
        )
        print(f"  {'phase':<13}{'mean, s':>9}{'median, s':>11}{'max, s':>9}")
        for name in kernels.PHASES:
            values = [s[name] for s in splits]
            if values:
                print(
                    f"  {name:<13}{statistics.mean(values):>9.2f}"
                    f"{statistics.median(values):>11.2f}{max(values):>9.2f}"
                )
        totals = [s["kernel_start"] + s["cells"] for s in splits]
        if totals:
            print(
                f"  {'total':<13}{statistics.mean(totals):>9.2f}{statistics.median(totals):>11.2f}"
            )
    os.environ.pop(kernels.WARM_ENV, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="notebooks per run")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--pages", action="store_true", help="the small demo's pages instead")
    parser.add_argument("--processed", type=Path, help="an ingested region (default: generate)")
    args = parser.parse_args()
    if args.pages:
        with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
            processed = args.processed or small_demo(Path(tmp))
            bench_pages(processed.resolve(), Path(tmp), jobs=max(args.jobs))
        return
    with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
        workdir = Path(tmp)
        template = make_template(workdir / "template.ipynb")
        for jobs in args.jobs:
            bench_graph(template, workdir, args.n, jobs)
        bench_html(workdir / f"jobs{args.jobs[0]}" / "nb0.ipynb", workdir)


if __name__ == "__main__":  # required: worker processes are spawned and re-import this file
    main()
