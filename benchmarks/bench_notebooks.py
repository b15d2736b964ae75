"""Timings of the notebook runner and HTML rendering (a benchmark, not a test).

    .venv/bin/python benchmarks/bench_notebooks.py [--n 8] [--jobs 1 2]

Runs N trivial parametrised notebooks through ``run_graph`` for each ``--jobs`` value (a
fresh pool each time, so worker start-up and imports are included, as in a real build), then
renders one executed notebook to HTML several times. Prints wall times.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from soko.pipeline.graph import Graph, Task, run_graph
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=8, help="notebooks per run")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="soko-bench-") as tmp:
        workdir = Path(tmp)
        template = make_template(workdir / "template.ipynb")
        for jobs in args.jobs:
            bench_graph(template, workdir, args.n, jobs)
        bench_html(workdir / f"jobs{args.jobs[0]}" / "nb0.ipynb", workdir)


if __name__ == "__main__":  # required: worker processes are spawned and re-import this file
    main()
