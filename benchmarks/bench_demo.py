"""Time the demo-region generator per size and print what it produced (not a test).

python benchmarks/bench_demo.py                 # small and demo
python benchmarks/bench_demo.py --size region   # 500 schools, ~150 000 students/year
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from soko.demo import DEFAULT_SEED, SIZES
from soko.pipeline.demo import generate_demo


def bench(size: str, seed: int, out_root: Path, workers: int | None) -> None:
    start = time.perf_counter()
    summary = generate_demo(out=out_root / size / "raw", seed=seed, size=size, workers=workers)
    elapsed = time.perf_counter() - start
    raw_bytes = sum(p.stat().st_size for p in summary.files)
    rows = sum(summary.n_result_rows_per_year.values())
    print(
        f"{size:>6}: {elapsed:7.2f} s | {summary.n_municipalities} municipalities, "
        f"{summary.n_schools} schools | students/year "
        f"{', '.join(f'{y}: {n}' for y, n in summary.n_students_per_year.items())} | "
        f"ВПР rows {rows} ({rows / elapsed:,.0f}/s) | {len(summary.files)} files, "
        f"{raw_bytes / 1e6:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=[*SIZES, "all"], action="append")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--workers", type=int, default=None, help="default: auto")
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    sizes = args.size or ["small", "demo"]
    if "all" in sizes:
        sizes = list(SIZES)
    with tempfile.TemporaryDirectory(prefix="soko_bench_demo_") as tmp:
        root = args.out or Path(tmp)
        for size in sizes:
            bench(size, args.seed, root, args.workers)


if __name__ == "__main__":
    main()
