"""``generate_demo``: the whole deterministic demo region, raw files plus truth.

Order of work: schools → rosters → school means → blueprints (calibrated) → planted
schools → registry and context CSVs → one workbook per year × subject × grade (in worker
processes when the region is big: every file has its own random stream, so the result does
not depend on the number of workers) → truth. Files the generator itself wrote earlier under
the same names but no longer produces (e.g. a year dropped from the config) are removed, so
``out`` holds exactly one generation.
"""

from __future__ import annotations

import multiprocessing
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import region, vpr_scale, vpr_subjects
from soko.demo.blueprint import Blueprint, build_blueprint
from soko.demo.model import (
    DEFAULT_SEED,
    GRADES,
    SELECTIVE_KINDS,
    SIZES,
    SUBJECTS_BY_GRADE,
    ModelParams,
    default_workers,
    rng_for,
)
from soko.demo.planted import actions_by_file, choose_planted
from soko.demo.registry import build_schools, enrolment_for_year, isbs_for_year
from soko.demo.vpr import (
    FileJob,
    SchoolMeans,
    build_rosters,
    roster_for_subject,
    school_means,
    simulate_file,
)
from soko.demo.writers import write_context, write_registry, write_truth, write_vpr_workbook
from soko.formats.fisoko_workbook.value_added_truth import value_added_truth
from soko.procedure import DemoContext
from soko.registry import discover

GENERATOR_VERSION = 2  # 2: schools' value added (growth) in ability and its truth

PLANTED_COLUMNS = [
    "school_code",
    "year",
    "subject",
    "grade",
    "kind",
    "share_affected",
    "intensity",
    "n_participants",
    "n_affected",
]


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


@dataclass
class _FileOutcome:
    path: Path
    year: int
    n_rows: int
    planted_records: list[dict[str, object]]


def _run_job(job: FileJob) -> _FileOutcome:
    data = simulate_file(job)
    write_vpr_workbook(job, data)
    return _FileOutcome(job.path, job.year, len(data.school), data.planted_records)


def _work_date(seed: int, year: int, subject: str, grade: int) -> str:
    """A weekday in the ВПР window (April – mid-May), fixed per year × subject × grade."""
    rng = rng_for(seed, "date", year, subject, grade)
    day = date(year, 4, 1) + timedelta(days=int(rng.integers(0, 45)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.strftime("%d.%m.%Y")


def _is_within(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _remove_stale(out: Path, written: set[Path]) -> None:
    """Drop generator-named files of an earlier generation that this one did not write."""
    named = re.compile(r"kontekst_oo_\d{4}\.csv|vpr_\d{4}_[a-z]+_\d+\.xlsx")
    for pattern in ("context/*.csv", "vpr/*/*.xlsx"):
        for path in out.glob(pattern):
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
    subject_names = vpr_subjects(config_dir)

    schools = build_schools(seed, profile, cfg.municipalities, cfg.code, params)
    rosters = build_rosters(seed, schools, years, params)
    subjects = sorted({k for g in GRADES for k in SUBJECTS_BY_GRADE[g]})
    means = school_means(seed, schools, years, subjects, params)

    works: list[tuple[str, int]] = [
        (k, g)
        for g in GRADES
        for k in SUBJECTS_BY_GRADE[g]
        if any(vpr_scale(y, k, g, config_dir) for y in years)
    ]
    # One blueprint per subject × grade, the same every year; a year whose scale has another
    # maximum gets a new structure (as when ФИС ОКО changes a work).
    blueprints: dict[tuple[str, int, int], Blueprint] = {}
    for year in years:
        for k, g in works:
            scale = vpr_scale(year, k, g, config_dir)
            if scale is None or (k, g, scale.max_score) in blueprints:
                continue
            first = not any(key[:2] == (k, g) for key in blueprints)
            blueprints[(k, g, scale.max_score)] = build_blueprint(
                seed,
                k,
                g,
                scale,
                params,
                means.theta_sd_for(g),
                variant=0 if first else scale.max_score,
            )

    planted = choose_planted(seed, schools, years, works, params)
    actions = actions_by_file(planted)

    files: list[Path] = []
    files.append(write_registry(out / "registry" / "reestr_oo.csv", schools))
    for year in years:
        files.append(
            write_context(
                out / "context" / f"kontekst_oo_{year}.csv",
                schools,
                year,
                enrolment_for_year(schools, seed, year, params).tolist(),
                isbs_for_year(schools, seed, year, params).tolist(),
            )
        )

    codes = schools["school_code"].tolist()
    names = schools["school_name"].tolist()
    muns = schools["municipality_name"].tolist()
    leniency = schools["leniency"].to_numpy()
    growth = schools["true_va"].to_numpy()
    jobs: list[FileJob] = []
    for year in years:
        for subject, grade in works:
            scale = vpr_scale(year, subject, grade, config_dir)
            if scale is None:
                continue  # no scale for this year: the work was not written
            bp = blueprints[(subject, grade, scale.max_score)]
            jobs.append(
                FileJob(
                    path=out / "vpr" / str(year) / f"vpr_{year}_{subject}_{grade}.xlsx",
                    seed=seed,
                    year=year,
                    subject=subject,
                    subject_name=subject_names[subject],
                    grade=grade,
                    region_name=cfg.name,
                    date=_work_date(seed, year, subject, grade),
                    thresholds=scale.thresholds,
                    blueprint=bp,
                    params=params,
                    school_codes=codes,
                    school_names=names,
                    municipality_names=muns,
                    school_mean=means.mean[(year, subject)],
                    leniency=leniency,
                    roster=roster_for_subject(rosters[(year, grade)], subject),
                    planted=actions.get((year, subject, grade), []),
                    growth=growth,
                )
            )

    n_rows_estimate = sum(len(j.roster) for j in jobs)
    n_workers = workers if workers is not None else default_workers(n_rows_estimate)
    outcomes = _run_jobs(jobs, max(1, int(n_workers)))
    files += [o.path for o in outcomes]
    ctx = DemoContext(
        out=out,
        truth_dir=truth_dir,
        seed=seed,
        size=size,
        years=tuple(years),
        schools=schools.copy(),
        config_dir=config_dir,
    )
    for proc in discover():
        if proc.demo is not None:
            files += proc.demo(ctx)
    _remove_stale(out, {f.resolve() for f in files})

    rows_per_year = {y: sum(o.n_rows for o in outcomes if o.year == y) for y in years}
    students = {y: sum(len(rosters[(y, g)]) for g in GRADES) for y in years}
    planted_df = pd.DataFrame(
        [rec for o in outcomes for rec in o.planted_records], columns=PLANTED_COLUMNS
    )
    planted_df = planted_df.sort_values(["school_code", "year", "subject", "grade"], kind="stable")
    planted_df = planted_df.astype(
        {"year": "int64", "grade": "int64", "n_participants": "int64", "n_affected": "int64"}
    )
    meta: dict[str, object] = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "size": size,
        "size_profile": asdict(profile),
        "parameters": asdict(params),
        "years": list(years),
        "n_municipalities": profile.n_municipalities,
        "n_schools": len(schools),
        "n_students_per_year": {str(y): n for y, n in students.items()},
        "n_result_rows_per_year": {str(y): n for y, n in rows_per_year.items()},
        "n_planted_schools": len(planted),
        "planted_schools": [
            {
                "school_code": ps.school_code,
                "kind": ps.kind,
                "intensity": ps.share,
                "years": list(ps.years),
                "works": [f"{k}{g}" for k, g in ps.works],
            }
            for ps in planted
        ],
        "blueprints": {
            f"{k}{g}_max{m}": {"shift": bp.shift, "target_mark2_share": bp.target_mark2_share}
            for (k, g, m), bp in blueprints.items()
        },
    }
    truth_files = write_truth(
        truth_dir,
        seed=seed,
        size=size,
        schools=schools,
        planted=planted_df.reset_index(drop=True),
        effects=_effects_table(schools, means, years, subjects, params),
        tasks=_tasks_table(jobs),
        value_added=value_added_truth(
            ctx, {(j.year, j.subject, j.grade): j.blueprint for j in jobs}, params
        ),
        meta=meta,
    )
    return DemoSummary(
        n_municipalities=profile.n_municipalities,
        n_schools=len(schools),
        n_students_per_year=students,
        files=files,
        truth_dir=truth_dir,
        seed=seed,
        size=size,
        n_result_rows_per_year=rows_per_year,
        truth_files=truth_files,
    )


def _run_jobs(jobs: list[FileJob], workers: int) -> list[_FileOutcome]:
    """Run file jobs, biggest first when parallel; results come back in job order."""
    if workers <= 1 or len(jobs) <= 1:
        return [_run_job(j) for j in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].roster))
    results: dict[int, _FileOutcome] = {}
    # fork needs no `if __name__ == "__main__"` guard in the caller's script (spawn does);
    # workers only run numpy and xlsxwriter.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {i: pool.submit(_run_job, jobs[i]) for i in order}
        for i, fut in futures.items():
            results[i] = fut.result()
    return [results[i] for i in range(len(jobs))]


def _effects_table(
    schools: pd.DataFrame,
    means: SchoolMeans,
    years: tuple[int, ...],
    subjects: list[str],
    params: ModelParams,
) -> pd.DataFrame:
    """Per school × year × subject: mean ability and the school's part of it (u_s + v_sk + w_sy)."""
    selective = schools["kind"].isin(SELECTIVE_KINDS).to_numpy()
    intake = (
        params.context_coef * schools["context"].to_numpy() + params.selective_intake * selective
    )
    frames = []
    for y in years:
        for k in subjects:
            mean = means.mean[(y, k)]
            frames.append(
                pd.DataFrame(
                    {
                        "school_code": schools["school_code"],
                        "year": y,
                        "subject": k,
                        "mean_ability": np.round(mean, 6),
                        "effect": np.round(mean - intake + means.centre, 6),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _tasks_table(jobs: list[FileJob]) -> pd.DataFrame:
    """The blueprint of every written file, with item parameters (truth only)."""
    rows = []
    for job in jobs:
        bp = job.blueprint
        for order, (label, m, lvl, b, a) in enumerate(
            zip(bp.labels, bp.maxima, bp.levels, bp.difficulty, bp.discrimination, strict=True), 1
        ):
            rows.append(
                {
                    "year": job.year,
                    "subject": job.subject,
                    "grade": job.grade,
                    "task": label,
                    "task_order": order,
                    "max_score": int(m),
                    "level": lvl,
                    "difficulty": float(b),
                    "discrimination": float(a),
                }
            )
    return pd.DataFrame(rows)
