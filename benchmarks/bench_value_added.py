"""Value-added model: fit time, peak memory and recovery of planted effects; prints figures.

python benchmarks/bench_value_added.py [--size small|demo|region] [--keep DIR] [--skip-federal]

1. Demo region of ``--size`` (generated and ingested in a temp folder, or reused from
   ``--keep``): time of every configured analysis (config/value_added.yml), and per analysis
   the correlation of estimated with true school effects, the coverage of the 95 % intervals
   and the RMSE, against data/truth/value_added.parquet (true_va_z, in the outcome's units).
2. Simulated federal size: 1 000 000 students in 40 000 schools in 2 500 municipalities,
   drawn from the model itself; two- and three-level fits, with and without a random slope.

Each fit runs in a fresh child process so its peak memory (max RSS: interpreter, libraries,
data and the fit) is its own.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd


def _child(task: tuple) -> tuple[float, float, str]:
    kind, args = task
    from soko.value_added import fit_value_added
    from soko.value_added.recovery import recovery, simulate

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if kind == "federal":
        n, j, m, mun, slope = args
        df, truth = simulate(n, j, m)
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        res = fit_value_added(
            df,
            "y",
            ["prior"],
            ["context"],
            "school_code",
            municipality="municipality_code" if mun else None,
            random_slope=slope,
        )
        took = time.perf_counter() - t
        rec = recovery(res.schools.set_index("school")[["effect", "ci_low", "ci_high"]], truth)
        note = f"school effects: r = {rec.correlation:.3f}, coverage {rec.coverage:.3f}"
        if not mun:
            note += " (truth includes no municipality effect: 2-level fit of 3-level data)"
    else:
        from dataclasses import replace

        from soko.value_added.tables import VA_INPUTS, analyses, fit_analysis, va_tables

        processed = Path(args)
        frames = {}
        for t_name in VA_INPUTS:
            path = processed / f"{t_name}.parquet"
            frames[t_name] = pd.read_parquet(path) if path.is_file() else pd.DataFrame()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        schools, models = va_tables(frames, frames["schools"], frames["school_context"])
        took = time.perf_counter() - t
        # the alternative specification of each analysis, to show why the config chose its own
        rows = [schools]
        for a in analyses():
            alt = (
                replace(a, prior_mode="regress", context=(*a.context, "prior_school_mean"))
                if a.prior_mode == "gain"
                else replace(a, prior_mode="gain")
            )
            name = f"{a.id}:{alt.prior_mode}"
            for key, _, res in fit_analysis(
                frames[f"{a.procedure}_results"], frames["school_context"], alt
            ):
                s = res.schools.rename(columns={"school": "school_code"})
                rows.append(s[s["n"] >= 10].assign(**key, analysis=name))
        pd.concat(rows, ignore_index=True).to_parquet(processed / "bench_va_schools.parquet")
        fits = models.groupby(["year", "analysis", "subject"]).ngroups
        note = f"{fits} fits, {len(schools)} school rows listed"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return took, peak / 1024, f"{note}; data loaded: {base / 1024:,.0f} MB"


def _run(task: tuple) -> tuple[float, float, str]:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_child, (task,))


def _demo(size: str, keep: str | None) -> Path:
    from soko.pipeline.demo import generate_demo
    from soko.pipeline.ingest import ingest

    work = Path(keep or tempfile.mkdtemp(prefix="soko-bench-va-"))
    processed = work / "processed"
    if not (processed / "vpr_results.parquet").is_file():
        t = time.perf_counter()
        generate_demo(out=work / "raw", size=size, truth_out=work / "truth")
        ingest(work / "raw", processed)
        print(f"generated and ingested the {size} region in {time.perf_counter() - t:.0f} s")
    return work


def _recovery_table(work: Path) -> None:
    from soko.value_added.recovery import demo_recovery

    truth_path = work / "truth" / "value_added.parquet"
    if not truth_path.is_file():
        print("no data/truth/value_added.parquet: recovery not measured")
        return
    est = pd.read_parquet(work / "processed" / "bench_va_schools.parquet")
    table = demo_recovery(est, pd.read_parquet(truth_path))
    print("analysis:alt = the other specification (prior regressed / gain), for comparison")
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="region", choices=["small", "demo", "region"])
    ap.add_argument("--keep", default=None, help="work folder to keep/reuse")
    ap.add_argument("--skip-federal", action="store_true")
    args = ap.parse_args()

    work = _demo(args.size, args.keep)
    took, mem, note = _run(("demo", str(work / "processed")))
    print(f"demo {args.size}: all analyses {took:6.2f} s, peak RSS {mem:,.0f} MB ({note})")
    _recovery_table(work)

    if not args.skip_federal:
        print("federal size: 1 000 000 students, 40 000 schools, 2 500 municipalities")
        for mun in (False, True):
            for slope in (False, True):
                task = ("federal", (1_000_000, 40_000, 2_500, mun, slope))
                took, mem, note = _run(task)
                label = f"{'3' if mun else '2'}-level{', random slope' if slope else ''}"
                print(f"  {label:<26} fit {took:6.2f} s, peak RSS {mem:,.0f} MB; {note}")
    print(f"work folder: {work}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
