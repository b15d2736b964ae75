"""Time and memory of one region's yearly run at a demo size, for the projection in
docs/scaling.md (printed, not asserted).

    .venv/bin/python benchmarks/bench_scaling.py --size region --work /tmp/scale/region \\
        --steps demo,ingest,derive,build --jobs 2

Each step runs as a child process (``soko demo``, ``soko ingest``, every derived table in
order, ``soko build``); its wall time, CPU time (user + system, of it and of its own worker
processes: the figure that does not depend on what else runs on the machine) and peak
resident memory of the largest single process are printed, with the region's size (schools,
municipalities, ВПР participants, rows of student results), and per ВПР result row. ``derive`` also
prints the slowest derived tables. Run one size at a time: ``region`` ingest peaks at ~7 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

#: Run in a child: every derived table in the build's order, whole, with its seconds.
DERIVE_ALL = """
import json, sys, time
from pathlib import Path
from soko.pipeline.derived import derive_table
from soko.registry import derived_tables
seconds, failed = {}, []
for spec in derived_tables():
    started = time.perf_counter()
    try:
        derive_table(spec.name, Path(sys.argv[1]))
    except Exception as exc:  # measured anyway; the failure is printed
        failed.append(f"{spec.name}: {type(exc).__name__}: {exc}"[:200])
    seconds[spec.name] = time.perf_counter() - started
print("FAILED " + json.dumps(failed, ensure_ascii=False))
print("SECONDS " + json.dumps(seconds))
"""


def run_step(name: str, argv: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run one step as a child; its wall and CPU seconds and peak RSS (of the largest process
    among it and its waited-for descendants)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1) or (name == "derive" and done.returncode):
        sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
        raise SystemExit(f"{name}: exit code {done.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far (KiB on Linux): run the
    # memory-heavy steps in their own benchmark call to read it per step
    return {
        "step": name,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "peak_rss_gb": round(after.ru_maxrss / 1024**2, 2),
        "stdout": done.stdout,
    }


def region_size(processed: Path) -> dict[str, int]:
    """Schools, municipalities, ВПР participants and student result rows of all procedures."""
    schools = pd.read_parquet(
        processed / "schools.parquet", columns=["school_code", "municipality_code"]
    )
    vpr = pd.read_parquet(processed / "vpr_results.parquet", columns=["participant_code"])
    rows = 0
    for table in (
        "vpr_results",
        "niko_results",
        "rpr_results",
        "oge_results",
        "ege_results",
        "gve_results",
        "pisa_students",
    ):
        path = processed / f"{table}.parquet"
        if path.is_file():
            rows += len(pd.read_parquet(path, columns=["year"]))
    return {
        "schools": int(schools["school_code"].nunique()),
        "municipalities": int(schools["municipality_code"].nunique()),
        "vpr_participants": int(vpr["participant_code"].nunique()),
        "vpr_rows": len(vpr),
        "student_rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small")
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--steps", default="demo,ingest,derive,build")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--scheduler", default=None, help="build on a Dask cluster instead")
    args = parser.parse_args()
    raw, processed = args.work / "raw", args.work / "processed"
    env = {
        **os.environ,
        "SOKO_ROOT": str(ROOT),
        "SOKO_PROCESSED": str(processed),
        "MPLBACKEND": "Agg",
        "GX_ANALYTICS_ENABLED": "false",
    }
    soko = str(BIN / "soko")
    commands = {
        "demo": [soko, "demo", "--out", str(raw), "--size", args.size],
        "ingest": [soko, "ingest", "--raw", str(raw), "--processed", str(processed)],
        "derive": [sys.executable, "-c", DERIVE_ALL, str(processed)],
        "build": [soko, "build", "--jobs", str(args.jobs)]
        + (["--scheduler", args.scheduler] if args.scheduler else []),
    }
    results = []
    for step in args.steps.split(","):
        result = run_step(step, commands[step], env)
        out = str(result.pop("stdout"))
        if step == "derive":
            line = next(x for x in out.splitlines() if x.startswith("SECONDS "))
            seconds = json.loads(line.removeprefix("SECONDS "))
            failed = next(x for x in out.splitlines() if x.startswith("FAILED "))
            result["failed"] = json.loads(failed.removeprefix("FAILED "))
            result["slowest"] = {
                k: round(v, 1) for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])[:8]
            }
        if step == "build":
            result["tasks"] = next((x for x in out.splitlines() if x.startswith("Задач:")), "")
        results.append(result)
        print(f"{args.size:>7} {step:>7}: {json.dumps(result, ensure_ascii=False)}", flush=True)
    size = region_size(processed)
    print(f"{args.size:>7}   size: {json.dumps(size, ensure_ascii=False)}")
    for r in results:
        # per result row (a student sitting one work): participant codes repeat across works
        # and schools, so unique codes do not count students comparably between sizes
        per = 1000 * float(r["cpu_s"]) / max(1, size["vpr_rows"])
        print(f"{args.size:>7} {r['step']:>7}: CPU {per:.3f} ms per ВПР result row")


if __name__ == "__main__":
    main()
