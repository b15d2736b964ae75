"""The build from the user's side: cold, no-op, after one municipality's file, after one template.

python benchmarks/bench_build.py [--size small|demo|region] [--jobs 2] [--keep DIR]

In a temporary project (config, templates and pages.yml copied from this checkout, data of
its own; ``SOKO_ROOT`` points there) it runs the commands a region runs — ``soko demo``,
``soko ingest``, ``soko build`` — each as a separate process, and prints, asserting nothing:

* the wall time of each step: cold build; no-op rebuild; rebuild after one score changes in
  one municipality's ВПР file (ingest + build); rebuild after one template changes;
* seconds per page of the cold build;
* peak memory: the largest sum of RSS over the command and all its descendants (workers,
  kernels), sampled every 0.2 s with psutil, and the largest single process
  (``RUSAGE_CHILDREN``);
* the per-page time split, where the executed notebooks carry ``metadata["soko"]["timing"]``
  (phase -> seconds: kernel start, imports, tables, charts…): mean and median per phase; and
  the notebook and render (HTML export) durations the build cache recorded.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import openpyxl
import psutil

REPO = Path(__file__).resolve().parent.parent
SOKO = Path(sys.executable).parent / "soko"
#: What a project needs besides its data.
PROJECT_FILES = ("config", "expectations", "notebooks", "pipelines", "pyproject.toml", "uv.lock")
#: The template changed in the last step (ВПР, НИКО and РПР region pages share it).
TEMPLATE = "vpr_region.ipynb"


def make_project(work: Path) -> Path:
    root = work / "project"
    for name in PROJECT_FILES:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            root.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / name)
    return root


def run(label: str, argv: list[str], root: Path, slowest: bool = False) -> tuple[float, float]:
    """Run one command in the project; return (seconds, peak MB of its process tree)."""
    env = {**os.environ, "SOKO_ROOT": str(root)}
    log = root.parent / "logs" / (label.split(":")[0].strip(" …").replace(" ", "_") + ".log")
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = psutil.Popen(argv, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while proc.poll() is None:
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):  # a worker may end meanwhile
                        total += p.memory_info().rss
            peak = max(peak, total)
            time.sleep(0.2)
    seconds = time.perf_counter() - started
    text = log.read_text(encoding="utf-8", errors="replace")
    summary = [ln for ln in text.splitlines() if ln.startswith(("Задач:", "Сборник за"))]
    print(f"{label:<44} {seconds:8.1f} s  peak {peak / 2**20:8,.0f} MB  (exit {proc.returncode})")
    for line in summary:
        print(f"    {line}")
    if slowest and "Самые долгие задачи:" in text:
        block = text.split("Самые долгие задачи:", 1)[1].splitlines()[1:11]
        print("    the slowest tasks:\n" + "\n".join(f"    {ln}" for ln in block))
    if proc.returncode not in (0, 1):
        print(text[-3000:])
    return seconds, peak / 2**20


def swap_two_task_scores(workbook: Path, municipality: str) -> None:
    """In one participant's row of a school of ``municipality``, swap the scores of two
    one-point tasks that differ: the primary score and the mark stay valid, task completion
    changes. (Used by tests/test_build_cache.py too.)"""
    wb = openpyxl.load_workbook(workbook)
    ws = wb.active
    header = next(r for r in range(1, 30) if ws.cell(r, 1).value == "ОО")
    one_point = [
        c
        for c in range(1, ws.max_column + 1)
        if str(ws.cell(header, c).value or "").endswith("(1б)")
    ]
    for row in range(header + 1, ws.max_row + 1):
        if not str(ws.cell(row, 1).value or "").startswith(f"edu99{municipality}"):
            continue
        values = {c: ws.cell(row, c).value for c in one_point}
        zero = next((c for c, v in values.items() if v == 0), None)
        one = next((c for c, v in values.items() if v == 1), None)
        if zero is not None and one is not None:
            ws.cell(row, zero).value, ws.cell(row, one).value = 1, 0
            wb.save(workbook)
            return
    raise ValueError(f"в {workbook.name} нет подходящей строки муниципалитета {municipality}")


def add_markdown_cell(template: Path, text: str) -> None:
    nb = json.loads(template.read_text(encoding="utf-8"))
    cell = {"cell_type": "markdown", "id": "bench-edit", "metadata": {}, "source": [text]}
    nb["cells"].insert(0, cell)
    template.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    # a template is a jupytext pair: the .py follows, as JupyterLab's save would do
    subprocess.run([sys.executable, "-m", "jupytext", "--sync", str(template)], check=True)


def _stats(label: str, values: list[float]) -> str:
    if not values:
        return f"  {label:<22} —"
    return (
        f"  {label:<22} n={len(values):4d}  mean {statistics.mean(values):6.2f} s  "
        f"median {statistics.median(values):6.2f} s  max {max(values):6.2f} s"
    )


def time_split(processed: Path) -> None:
    """Per-page phases from the executed notebooks, task durations from the cache."""
    phases: dict[str, list[float]] = {}
    for path in sorted((processed / "notebooks").rglob("*.ipynb")):
        meta = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
        timing = (meta.get("soko") or {}).get("timing") or {}
        for phase, seconds in timing.items():
            if isinstance(seconds, (int, float)):
                phases.setdefault(str(phase), []).append(float(seconds))
    print("per-page time split (executed notebooks' metadata.soko.timing):")
    if not phases:
        print("  (no timing in the executed notebooks)")
    for phase, values in phases.items():
        print(_stats(phase, values))
    tasks_file = processed / "cache" / "tasks.json"
    if tasks_file.is_file():
        tasks = json.loads(tasks_file.read_text(encoding="utf-8")).get("tasks", {})
        print("task durations recorded by the build cache (last run of each):")
        for kind in ("derive", "notebook", "render"):
            values = [t["seconds"] for n, t in tasks.items() if n.startswith(kind + ":")]
            print(_stats(kind, values))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="demo", choices=["small", "demo", "region", "large"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="work folder to keep (default: a temp folder)")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="soko-bench-build-"))
    root = make_project(work)
    processed, reports = root / "data" / "processed", root / "reports"
    soko = [str(SOKO)]
    build = [*soko, "build", "--jobs", str(args.jobs)]
    print(f"size={args.size}, jobs={args.jobs}, cores={os.cpu_count()}, project: {root}")

    run("demo", [*soko, "demo", "--out", "data/raw", "--size", args.size], root)
    run("ingest", [*soko, "ingest"], root)
    cold, cold_peak = run("cold build", build, root, slowest=True)
    pages = [p for p in (reports).rglob("*.html") if p.name != "index.html"]
    if pages:
        print(f"    {len(pages)} pages: {cold / len(pages):.2f} s per page (cold, wall)")
    noop, _ = run("no-op rebuild", build, root)

    workbook = sorted((root / "data" / "raw" / "vpr").rglob("vpr_*_ma_5.xlsx"))[-1]
    swap_two_task_scores(workbook, "01")
    ing, _ = run(
        f"one municipality's file changed: ingest ({workbook.name})", [*soko, "ingest"], root
    )
    reb, _ = run("  … then build", build, root)
    print(f"    one municipality's ВПР file: {ing + reb:.1f} s (ingest + build)")

    add_markdown_cell(root / "notebooks" / TEMPLATE, "Замер: изменённый шаблон.")
    run(f"one template changed ({TEMPLATE}): build", build, root)

    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak memory: cold build {cold_peak:,.0f} MB (process tree); "
        f"largest single process {largest:,.0f} MB"
    )
    time_split(processed)
    print(f"no-op rebuild {noop:.1f} s; work folder: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
