"""Time and memory of `soko ingest` on a generated region; prints figures, asserts nothing.

python benchmarks/bench_ingest.py [--size small|demo|region|large] [--raw DIR] [--keep DIR]
                                  [--no-profile]

Two child processes, so the figures are the ingest's own and not this script's:

1. ``soko ingest`` as a user runs it: wall time, peak RSS (``os.wait4`` gives that child's
   own ``ru_maxrss``), rows read per second.
2. A profiling run of the same ingest (``--no-profile`` skips it): the RSS is sampled every
   20 ms while the stage being run is recorded — reading the files, staging rows for the
   contracts, contract validation, building canonical tables, writing parquet — so the
   table tells where memory goes (peak RSS reached in each stage and time spent in it).
   Stages are found by wrapping the functions that do them wherever soko imported them, so
   the benchmark needs no hooks in soko itself. Sampling costs a few per cent of time.

Measured on the project machine (2 cores, 24 GB; ``nice -n 10`` with other people's work
running, so times are high and vary), region size: 123 files, 2 277 331 rows read:

| ingest | time | peak RSS |
|---|---|---|
| before issue 11 (main at 7b73326) | 480 s | 7 043 MB |
| compact parts, tables written part by part, contracts in batches | 570 s | 4 961 MB |
| the above with ВПР ingested one work at a time (the combining branch) | 1 159 s | 1 847 MB |

The profile before per-work ingest: reading 1.96 GB, staging 1.97 GB, contracts 4.2 GB,
canonical tables 5.0 GB, writing parquet 2.35 GB (peak RSS reached within each stage).
The ``large`` size: see README.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from soko.demo import SIZES

# stage -> functions ("module:attribute") whose calls belong to it; the innermost wins.
STAGES: dict[str, tuple[str, ...]] = {
    "чтение файлов": (
        "soko.readers.grid:read_grid",
        "soko.readers.delimited:read_delimited",
        "soko.formats.fisoko_workbook.reader:read_vpr_workbook",
    ),
    "подготовка строк": (
        "soko.formats.fisoko_workbook.staging:vpr_task_staging",
        "soko.formats.fisoko_workbook.staging:vpr_results_staging",
    ),
    "проверка контрактов": ("soko.contracts.suites:validate_frame",),
    "канонические таблицы": (
        "soko.file_report:apply_problems",
        "soko.schema:typed",
        "soko.formats.fisoko_workbook.ingest:_canonical_vpr",
    ),
    "запись parquet": (
        "pandas.core.frame:DataFrame.to_parquet",
        "soko.pipeline.ingest:write_rejected",
    ),
    "аналитическая база": ("soko.pipeline.analytic_base:build_analytic_base",),
}

_PROFILE = r"""
import importlib, sys, threading, time
from pathlib import Path

stages = STAGES
current = ["прочее"]
peak: dict[str, int] = {}
spent: dict[str, float] = {}
page = __import__("os").sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * page


def sample() -> None:
    while True:
        name = current[-1]
        peak[name] = max(peak.get(name, 0), rss())
        time.sleep(0.02)


def wrap(stage, fn):
    def run(*a, **k):
        current.append(stage)
        t = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - t
            peak[stage] = max(peak.get(stage, 0), rss())
            current.pop()
    run.__wrapped__ = fn
    return run


import soko.pipeline.ingest as ingest_mod
import soko.registry
for proc in soko.registry.discover():
    importlib.import_module(proc.ingester.run.__module__)
try:
    import soko.pipeline.analytic_base
except ImportError:
    pass
for stage, targets in stages.items():
    for target in targets:
        mod_name, attr = target.split(":")
        try:
            mod = importlib.import_module(mod_name)
        except ImportError:
            continue
        owner, _, name = attr.rpartition(".")
        holder = getattr(mod, owner) if owner else mod
        original = getattr(holder, name, None)
        if original is None:
            continue
        wrapped = wrap(stage, original)
        setattr(holder, name, wrapped)
        if owner:
            continue
        for m in list(sys.modules.values()):  # every `from x import f` made before
            if getattr(m, "__name__", "").startswith("soko") and getattr(m, name, None) is original:
                setattr(m, name, wrapped)

threading.Thread(target=sample, daemon=True).start()
from soko.cli import main
t0 = time.perf_counter()
try:
    main(["ingest", "--raw", sys.argv[1], "--processed", sys.argv[2]])
except SystemExit:
    pass
total = time.perf_counter() - t0
print("STAGES")
for name in [*stages, "прочее"]:
    if name in peak:
        print(f"{name}\t{peak[name] / 2**20:.0f}\t{spent.get(name, 0.0):.1f}")
print(f"всего\t{max(peak.values()) / 2**20:.0f}\t{total:.1f}")
"""


def _run(cmd: list[str], log: Path) -> tuple[float, float, int]:
    """Wall seconds, the child's own peak RSS in MB, exit code."""
    t = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - t, usage.ru_maxrss / 1024, proc.returncode


def _rows_read(processed: Path) -> tuple[int, int]:
    import json

    rep = json.loads((processed / "ingest_report.json").read_text(encoding="utf-8"))
    return len(rep["files"]), sum(f["rows_read"] for f in rep["files"])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="small", choices=SIZES)
    ap.add_argument("--raw", default=None, help="an existing data/raw to ingest (no generation)")
    ap.add_argument("--keep", default=None, help="work folder to keep (default: a temp folder)")
    ap.add_argument("--no-profile", action="store_true", help="skip the per-stage profile run")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="soko-bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    soko = str(Path(sys.executable).with_name("soko"))
    raw = Path(args.raw) if args.raw else work / "raw"
    if not args.raw:
        secs, mb, code = _run(
            [soko, "demo", "--out", str(raw), "--size", args.size, "--truth", str(work / "truth")],
            work / "demo.log",
        )
        print(f"generate {args.size}: {secs:7.1f} s, peak {mb:7,.0f} MB (exit {code})")

    processed = work / "processed"
    secs, mb, code = _run(
        [soko, "ingest", "--raw", str(raw), "--processed", str(processed)], work / "ingest.log"
    )
    files, rows = _rows_read(processed)
    print(f"raw: {raw}")
    print(
        f"ingest:  {secs:7.1f} s, peak {mb:7,.0f} MB, {files} files, {rows:,} rows read, "
        f"{rows / secs:,.0f} rows/s (exit {code})"
    )
    if args.no_profile:
        return 0

    script = work / "profile_ingest.py"
    script.write_text(f"STAGES = {STAGES!r}\n{_PROFILE}", encoding="utf-8")
    secs, mb, code = _run(
        [sys.executable, str(script), str(raw), str(work / "processed_profile")],
        work / "profile.log",
    )
    print(f"profile run: {secs:.1f} s, peak {mb:,.0f} MB (exit {code}); by stage:")
    print(f"  {'stage':<24} {'peak RSS, MB':>12} {'time, s':>9}")
    lines = (work / "profile.log").read_text(encoding="utf-8").splitlines()
    if "STAGES" in lines:
        for line in lines[lines.index("STAGES") + 1 :]:
            name, peak, spent = line.split("\t")
            print(f"  {name:<24} {float(peak):>12,.0f} {float(spent):>9.1f}")
    print(f"work folder: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
