"""Measure the objectivity screen against the demo region's planted truth (not a test).

Generates (or reuses) a region, ingests it, computes every signal, the combined index and
the markers, and prints for each signal and the index: recall of planted school × year ×
work units, precision, the false-positive rate on clean schools' units, school-level
figures and how many units of genuinely strong schools (``strong_genuine``) are marked.

python benchmarks/bench_objectivity.py                      # small and region
python benchmarks/bench_objectivity.py --size demo
python benchmarks/bench_objectivity.py --size region --keep /tmp/soko   # /tmp/soko/region, reused
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd

from soko.demo import DEFAULT_SEED, SIZES
from soko.objectivity import INPUTS, load_settings, objectivity_signals
from soko.objectivity.evaluation import (
    detection_table,
    label_units,
    recall_by_kind,
    school_year_rates,
)
from soko.pipeline.demo import generate_demo
from soko.pipeline.ingest import ingest

MIN_AFFECTED = 5  # the test's definition of a planted unit a screen can be asked to find
BARS = (1.75, 2.0, 2.5, 3.0)


def prepare(size: str, seed: int, root: Path) -> tuple[Path, Path]:
    """Generate and ingest unless ``root`` already holds an ingested region."""
    processed, truth = root / "processed", root / "truth"
    if (processed / "vpr_results.parquet").is_file() and (truth / "planted.parquet").is_file():
        print(f"  reusing {root}")
        return processed, truth
    t = time.perf_counter()
    generate_demo(out=root / "raw", seed=seed, size=size, truth_out=truth)
    print(f"  generate {time.perf_counter() - t:7.1f} s")
    t = time.perf_counter()
    ingest(root / "raw", processed)
    print(f"  ingest   {time.perf_counter() - t:7.1f} s")
    return processed, truth


def bench(size: str, seed: int, root: Path) -> None:
    print(f"== {size} (seed {seed})")
    processed, truth = prepare(size, seed, root)
    tables = {t: pd.read_parquet(processed / f"{t}.parquet") for t in INPUTS}
    t = time.perf_counter()
    signals = objectivity_signals(**tables)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  signals  {elapsed:7.1f} s for {len(signals)} units (peak memory {peak:,.0f} MB)")
    planted = pd.read_parquet(truth / "planted.parquet")
    schools = pd.read_parquet(truth / "schools.parquet")
    bar = load_settings().marker_z
    print(
        f"  planted schools {planted['school_code'].nunique()}, "
        f"strong genuine {int(schools['strong_genuine'].sum())}, marker bar z ≥ {bar}"
    )
    pd.set_option("display.width", 200)
    for min_affected, title in ((1, "every planted unit"), (MIN_AFFECTED, "≥ 5 changed")):
        labelled = label_units(signals, planted, schools, min_affected=min_affected)
        table = detection_table(labelled, bar)
        print(f"\n  units judged, planted = {title}:")
        print(_indent(table.round(3).to_string(index=False)))
    labelled = label_units(signals, planted, schools, min_affected=MIN_AFFECTED)
    print(f"\n  recall by kind (≥ {MIN_AFFECTED} changed):")
    print(_indent(recall_by_kind(labelled, bar).round(2).to_string()))
    print("\n  school-years (federal-list view):")
    print(_indent(", ".join(f"{k} {v:.3g}" for k, v in school_year_rates(labelled).items())))
    print("\n  combined index at other bars (≥ 5 changed):")
    judged = labelled[labelled["judged"]]
    for other in BARS:
        hit = judged["index_z"] >= other
        rates = {s: hit[judged["status"] == s].mean() for s in ("planted", "clean", "strong")}
        print(
            f"    z ≥ {other:4}: recall {rates['planted']:.3f}, FPR clean {rates['clean']:.4f}, "
            f"strong units marked {int(hit[judged['status'] == 'strong'].sum())}"
        )
    print()


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), action="append")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--keep", type=Path, default=None, help="work folder (reused if ingested)")
    args = parser.parse_args()
    sizes = args.size or ["small", "region"]
    with tempfile.TemporaryDirectory(prefix="soko_bench_objectivity_") as tmp:
        root = args.keep or Path(tmp)
        for size in sizes:
            bench(size, args.seed, root / size)


if __name__ == "__main__":
    main()
