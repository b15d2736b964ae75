"""``generate_demo``: the whole deterministic demo region, raw files plus truth.

Order of work: schools → registry and context CSVs → the :class:`DemoContext` → every
procedure's demo, ВПР first (its workbooks, planted manipulations and its part of the truth:
:mod:`soko.procedures.vpr.demo`) → the cross-procedure truth (value added across ВПР and
РПР) and the region's truth. Files the generator itself wrote earlier under the same names
but no longer produces (e.g. a year dropped from the config) are removed, so ``out`` holds
exactly one generation.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from soko.config import region
from soko.demo.model import DEFAULT_SEED, GRADES, SIZES, ModelParams
from soko.demo.registry import (
    build_schools,
    enrolment_for_year,
    isbs_for_year,
    labels_in,
    registry_periods,
    school_merger,
)
from soko.demo.vpr import build_rosters
from soko.demo.writers import (
    read_truth_meta,
    write_context,
    write_registry,
    write_truth_meta,
    write_truth_readme,
    write_truth_tables,
)
from soko.formats.fisoko_workbook.value_added_truth import value_added_truth
from soko.procedure import DemoContext
from soko.procedures.vpr import demo as vpr_demo
from soko.registry import discover

GENERATOR_VERSION = 2  # 2: schools' value added (growth) in ability and its truth


@dataclass
class DemoSummary:
    """What a generation produced (counts for the CLI and benchmarks, paths for tests)."""

    n_municipalities: int
    n_schools: int
    n_students_per_year: dict[int, int]  # enrolled in grades 4-8
    files: list[Path]  # raw files, under out
    truth_dir: Path
    seed: int = DEFAULT_SEED
    size: str = "demo"
    n_result_rows_per_year: dict[int, int] = field(default_factory=dict)  # ВПР rows
    truth_files: list[Path] = field(default_factory=list)


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _remove_stale(out: Path, written: set[Path]) -> None:
    """Drop generator-named context files of an earlier generation that this one did not
    write (each procedure's demo removes its own stale files)."""
    named = re.compile(r"kontekst_oo_\d{4}\.csv")
    for path in out.glob("context/*.csv"):
        if named.fullmatch(path.name) and path.resolve() not in written:
            path.unlink()


def generate_demo(
    out: Path,
    seed: int = DEFAULT_SEED,
    size: str = "demo",
    truth_out: Path | None = None,
    *,
    workers: int | None = None,
    config_dir: Path | None = None,
) -> DemoSummary:
    """Write the demo region's raw files to ``out`` and its truth to ``truth_out``.

    ``truth_out`` defaults to ``out.parent / "truth"`` and must not lie inside ``out`` (the
    pipeline reads everything under ``out``). ``workers`` defaults to 1 for small regions and
    to the available CPUs otherwise; the output is identical either way.
    """
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
    if int(seed) < 0:
        raise ValueError("seed must be a non-negative integer")
    seed = int(seed)
    out = Path(out)
    truth_dir = Path(truth_out) if truth_out is not None else out.parent / "truth"
    if _is_within(truth_dir, out) or _is_within(out, truth_dir):
        raise ValueError(f"truth_out ({truth_dir}) must not be inside out ({out}) or hold it")
    profile = SIZES[size]
    params = ModelParams()
    cfg = region(config_dir)
    years = cfg.years

    # the region as it was in its first year: later reforms are the registry's history
    schools = build_schools(seed, profile, cfg.municipalities_in(min(years)), cfg.code, params)
    merger = school_merger(schools, tuple(years))
    rosters = build_rosters(seed, schools, years, params)  # the population every work draws on
    students = {y: sum(len(rosters[(y, g)]) for g in GRADES) for y in years}

    files: list[Path] = []
    history = registry_periods(schools, tuple(years), cfg, merger)
    files.append(write_registry(out / "registry" / "reestr_oo.csv", history))
    for year in years:
        exists = labels_in(schools, year, cfg=cfg, merger=merger)["exists"].to_numpy(dtype=bool)
        isbs = isbs_for_year(schools, seed, year, params)
        isbs = (isbs - isbs[exists].mean()) / isbs[exists].std()  # over that year's schools
        files.append(
            write_context(
                out / "context" / f"kontekst_oo_{year}.csv",
                schools,
                year,
                enrolment_for_year(schools, seed, year, params).tolist(),
                isbs.tolist(),
                exists.tolist(),
            )
        )

    # the region's keys of truth.json first, fresh; procedures add theirs (ВПР: result rows,
    # planted schools, calibration shifts)
    write_truth_meta(
        truth_dir,
        {
            "generator_version": GENERATOR_VERSION,
            "seed": seed,
            "size": size,
            "size_profile": asdict(profile),
            "parameters": asdict(params),
            "years": list(years),
            "n_municipalities": profile.n_municipalities,
            "n_schools": len(schools),
            "n_students_per_year": {str(y): n for y, n in students.items()},
            # the registry's history the files follow (soko.demo.registry)
            "school_merger": None
            if merger is None
            else {
                "merged": str(schools["school_code"].iloc[merger.merged]),
                "successor": str(schools["school_code"].iloc[merger.successor]),
                "from_year": merger.year,
            },
            "moved_schools": sorted(
                history.loc[history["status"] == "переведена", "school_code"].astype(str)
            ),
        },
    )
    ctx = DemoContext(
        out=out,
        truth_dir=truth_dir,
        seed=seed,
        size=size,
        years=tuple(years),
        schools=schools.copy(),
        config_dir=config_dir,
        workers=workers,
        labels_by_year=partial(labels_in, schools.copy(), cfg=cfg, merger=merger),
    )
    for proc in discover():  # ВПР first
        if proc.demo is not None:
            files += proc.demo(ctx)
    _remove_stale(out, {f.resolve() for f in files})

    value_added = value_added_truth(ctx, vpr_demo.work_blueprints(ctx), params)
    write_truth_tables(truth_dir, {"schools": schools, "value_added": value_added})
    write_truth_readme(truth_dir, seed=seed, size=size)
    # ВПР rows, as ВПР's demo recorded them in truth.json
    rows = read_truth_meta(truth_dir).get("n_result_rows_per_year") or {}
    assert isinstance(rows, dict)
    names = ["schools", *vpr_demo.TRUTH_TABLES, "value_added"]
    return DemoSummary(
        n_municipalities=profile.n_municipalities,
        n_schools=len(schools),
        n_students_per_year=students,
        files=files,
        truth_dir=truth_dir,
        seed=seed,
        size=size,
        n_result_rows_per_year={y: int(rows[str(y)]) for y in years if str(y) in rows},
        truth_files=[
            *(truth_dir / f"{name}.parquet" for name in names),
            truth_dir / "truth.json",
            truth_dir / "README.md",
        ],
    )
