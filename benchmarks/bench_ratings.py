"""Measure the ratings (soko.ratings) at the `large` demo size: time, peak memory, per replicate.

Two ways to get the inputs:

- ``--synthetic`` (default): tables of the large profile's shape built directly (1 500
  schools in 65 municipalities; ВПР русский язык и математика in grades 4–8, ОГЭ, ЕГЭ and the
  value added per school), so the rating alone is timed in seconds, without generating and
  ingesting a region first;
- ``--processed DIR``: the canonical tables of an ingested region (e.g. after
  ``soko demo --size large`` and ``soko ingest``), with ``derived/va_schools`` if built.

python benchmarks/bench_ratings.py                       # synthetic, large, 200 replicates
python benchmarks/bench_ratings.py --replicates 1000
python benchmarks/bench_ratings.py --processed data/processed
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo import SIZES
from soko.ratings import load_settings
from soko.ratings.tables import rating_table

YEARS = (2024, 2025, 2026)


def synthetic(n_schools: int, n_municipalities: int, seed: int = 1) -> dict[str, pd.DataFrame]:
    """Result rows of a region of this size: school effects plus student noise."""
    rng = np.random.default_rng(seed)
    codes = np.array([f"s{i:05d}" for i in range(n_schools)])
    muni = np.array([f"{i % n_municipalities + 1:02d}" for i in range(n_schools)])
    size = rng.integers(15, 90, n_schools)  # students per grade
    effect = rng.normal(0, 0.5, n_schools)
    schools = pd.DataFrame(
        {
            "school_code": codes,
            "school_name": [f"Школа {c}" for c in codes],
            "municipality_code": muni,
            "municipality_name": [f"Муниципалитет {m}" for m in muni],
        }
    )

    def rows(grades: tuple[int, ...], share_of_size: float, year: int) -> pd.DataFrame:
        parts = []
        for subject in ("ru", "ma"):
            for grade in grades:
                n = np.maximum((size * share_of_size).astype(int), 1)
                school = np.repeat(np.arange(n_schools), n)
                theta = effect[school] + rng.normal(0, 1, len(school))
                parts.append(
                    pd.DataFrame(
                        {
                            "year": year,
                            "subject": subject,
                            "grade": grade,
                            "school_code": codes[school],
                            "municipality_code": muni[school],
                            "participant_code": np.arange(len(school)).astype(str),
                            "theta": theta,
                        }
                    )
                )
        return pd.concat(parts, ignore_index=True)

    vpr, oge, ege = [], [], []
    for year in YEARS:
        v = rows((4, 5, 6, 7, 8), 1.0, year)
        v["primary_score"] = np.clip(np.round(20 + 6 * v.pop("theta")), 0, 40).astype("Int64")
        v["mark"] = (
            pd.cut(v["primary_score"], [-1, 12, 20, 28, 40], labels=False).astype("Int64") + 2
        )
        vpr.append(v)
        o = rows((9,), 0.9, year).rename(columns={"participant_code": "participant_id"})
        o["primary_score"] = np.clip(np.round(18 + 6 * o.pop("theta")), 0, 33).astype("Int64")
        o["max_primary_score"] = pd.array([33] * len(o), dtype="Int64")
        o["mark"] = (
            pd.cut(o["primary_score"], [-1, 8, 15, 22, 33], labels=False).astype("Int64") + 2
        )
        oge.append(o)
        e = rows((11,), 0.4, year).rename(columns={"participant_code": "participant_id"})
        e["test_score"] = np.clip(np.round(60 + 15 * e.pop("theta")), 0, 100).astype("Int64")
        ege.append(e)
    tasks = pd.DataFrame(
        [
            {"year": y, "subject": s, "grade": g, "task": "1", "task_order": 1,
             "max_score": 40, "level": "базовый"}
            for y in YEARS for s in ("ru", "ma") for g in (4, 5, 6, 7, 8)
        ]
    )  # fmt: skip
    va = pd.DataFrame(
        [
            {"year": y, "analysis": "vpr_school", "subject": s, "school_code": c,
             "municipality_code": m, "n": int(n), "effect": float(e), "se": 0.1}
            for y in YEARS[1:] for s in ("ru", "ma")
            for c, m, n, e in zip(codes, muni, size * 4, effect * 0.2, strict=True)
        ]
    )  # fmt: skip
    return {
        "vpr_results": pd.concat(vpr, ignore_index=True),
        "vpr_tasks": tasks,
        "oge_results": pd.concat(oge, ignore_index=True),
        "ege_results": pd.concat(ege, ignore_index=True),
        "schools": schools,
        "va_schools": va,
    }


def from_processed(folder: Path) -> dict[str, pd.DataFrame]:
    def read(name: str) -> pd.DataFrame:
        path = folder / f"{name}.parquet"
        return pd.read_parquet(path) if path.is_file() else pd.DataFrame()

    return {
        "vpr_results": read("vpr_results"),
        "vpr_tasks": read("vpr_tasks"),
        "oge_results": read("oge_results"),
        "ege_results": read("ege_results"),
        "schools": read("schools"),
        "va_schools": read("derived/va_schools"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processed", type=Path, help="canonical tables of an ingested region")
    parser.add_argument("--size", default="large", choices=sorted(SIZES))
    parser.add_argument("--replicates", type=int, default=None)
    args = parser.parse_args()
    settings = load_settings()
    if args.replicates:
        boot = settings.bootstrap.model_copy(update={"replicates": args.replicates})
        settings = settings.model_copy(update={"bootstrap": boot})
    reps = settings.bootstrap.replicates
    if args.processed:
        tables = from_processed(args.processed)
        what = str(args.processed)
    else:
        profile = SIZES[args.size]
        tables = synthetic(profile.n_schools, profile.n_municipalities)
        what = f"synthetic {args.size}: {profile.n_schools} schools"
    rows = sum(len(tables[t]) for t in ("vpr_results", "oge_results", "ege_results"))
    years = len(pd.unique(tables["vpr_results"]["year"])) if len(tables["vpr_results"]) else 0
    print(f"== {what}; {rows:,} result rows over {years} years; {reps} replicates")
    for level in ("schools", "municipalities"):
        t = time.perf_counter()
        out = rating_table(level, settings=settings, **tables)
        elapsed = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        per = elapsed / max(reps * years, 1) * 1000
        width = (out["place_high"] - out["place_low"]).astype("float").median()
        print(
            f"  {level:15s} {elapsed:6.1f} s  ({per:5.1f} ms per replicate-year)  "
            f"{len(out):6d} rows  median interval width {width:.0f} places  "
            f"peak memory {peak:,.0f} MB"
        )


if __name__ == "__main__":
    main()
