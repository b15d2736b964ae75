"""Time each stage of the yearly build on a generated region; prints figures, asserts nothing.

python benchmarks/bench_pipeline.py [--size small|demo|region] [--jobs 2] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from soko.build import build
from soko.pipeline.demo import generate_demo
from soko.pipeline.derived import derive_table
from soko.pipeline.ingest import ingest
from soko.registry import derived_tables


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return own / 1024


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="small", choices=["small", "demo", "region", "large"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="work folder to keep (default: a temp folder)")
    args = ap.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="soko-bench-"))
    raw, processed, reports = work / "raw", work / "processed", work / "reports"

    t = time.perf_counter()
    summary = generate_demo(out=raw, size=args.size, truth_out=work / "truth")
    gen = time.perf_counter() - t
    rows = sum(summary.n_result_rows_per_year.values())
    print(f"size={args.size}: {summary.n_schools} schools, {rows} ВПР rows over 3 years")
    print(f"generate: {gen:6.1f} s")

    t = time.perf_counter()
    report = ingest(raw, processed)
    ing = time.perf_counter() - t
    read = sum(f.rows_read for f in report.files)
    print(
        f"ingest:   {ing:6.1f} s  ({len(report.files)} files, "
        f"{read / ing:,.0f} rows/s, ok={report.ok})"
    )

    for spec in derived_tables():
        t = time.perf_counter()
        derive_table(spec.name, processed)
        print(f"derive {spec.name:<12} {time.perf_counter() - t:6.1f} s")

    t = time.perf_counter()
    code = build(jobs=args.jobs, processed=processed, reports=reports)
    print(f"build:    {time.perf_counter() - t:6.1f} s  (jobs={args.jobs}, exit {code})")
    print(f"peak memory of this process: {_peak_mb():,.0f} MB; work folder: {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
