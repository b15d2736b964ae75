"""ВПР's demo: one ФИС ОКО workbook per year × subject × grade, planted manipulations, truth.

Order of work: the shared population's rosters and school means (:mod:`soko.demo.vpr`, the
same ones НИКО draws from) → one blueprint per subject × grade × maximum (calibrated) →
planted schools and their actions per file → the workbooks (in worker processes when the
region is big: every file has its own random stream, so the files do not depend on the
number of workers) → ВПР's truth: ``planted.parquet``, ``school_effects.parquet``,
``tasks.parquet``, ``measure_effects.parquet`` (the planted measures' gains,
:mod:`soko.demo.measures`) and its keys of ``truth.json`` (result rows per year, planted schools,
calibration shifts). The region's part of the truth (schools, parameters, the value-added
truth across ВПР and РПР) is written by :func:`soko.pipeline.demo.generate_demo`, which gets
ВПР's blueprints from :func:`work_blueprints` (deterministic, so they are the files' own).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from soko.config import region, vpr_scale, vpr_subjects
from soko.demo.blueprint import Blueprint, build_blueprint
from soko.demo.lab import lab_plan, practical_mask, practical_shift
from soko.demo.measures import effect_truth, summary_truth
from soko.demo.model import (
    GRADES,
    SELECTIVE_KINDS,
    SUBJECTS_BY_GRADE,
    ModelParams,
    default_workers,
    rng_for,
)
from soko.demo.planted import PlantedSchool, actions_by_file, choose_planted
from soko.demo.vpr import (
    FileJob,
    SchoolMeans,
    build_rosters,
    roster_for_subject,
    school_means,
    simulate_file,
)
from soko.demo.writers import add_truth_meta, write_truth_tables, write_vpr_workbook
from soko.formats.fisoko_workbook.demo import remove_stale
from soko.procedure import DemoContext

CODE = "vpr"
SUBJECTS = sorted({k for g in GRADES for k in SUBJECTS_BY_GRADE[g]})
TRUTH_TABLES = (
    "planted",
    "school_effects",
    "tasks",
    "measure_effects",
)  # ВПР's truth files, ``<name>.parquet``
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
Structures = dict[tuple[str, int, int], Blueprint]  # (subject, grade, maximum) -> blueprint


@dataclass
class _FileOutcome:
    path: Path
    year: int
    n_rows: int
    planted_records: list[dict[str, object]]


def works(ctx: DemoContext) -> list[tuple[str, int]]:
    """(subject, grade) of every work some demo year has a scale for, grade by grade."""
    return [
        (k, g)
        for g in GRADES
        for k in SUBJECTS_BY_GRADE[g]
        if any(vpr_scale(y, k, g, ctx.config_dir) for y in ctx.years)
    ]


def _means(ctx: DemoContext, params: ModelParams) -> SchoolMeans:
    return school_means(ctx.seed, ctx.schools, ctx.years, SUBJECTS, params)


def _structures(ctx: DemoContext, params: ModelParams, means: SchoolMeans) -> Structures:
    """One blueprint per subject × grade, the same every year; a year whose scale has another
    maximum gets a new structure (as when ФИС ОКО changes a work)."""
    blueprints: Structures = {}
    scheduled = works(ctx)
    for year in ctx.years:
        for k, g in scheduled:
            scale = vpr_scale(year, k, g, ctx.config_dir)
            if scale is None or (k, g, scale.max_score) in blueprints:
                continue
            first = not any(key[:2] == (k, g) for key in blueprints)
            blueprints[(k, g, scale.max_score)] = build_blueprint(
                ctx.seed,
                k,
                g,
                scale,
                params,
                means.theta_sd_for(g),
                variant=0 if first else scale.max_score,
            )
    return blueprints


def _by_work(ctx: DemoContext, structures: Structures) -> dict[tuple[int, str, int], Blueprint]:
    out = {}
    for year in ctx.years:
        for subject, grade in works(ctx):
            scale = vpr_scale(year, subject, grade, ctx.config_dir)
            if scale is not None:  # no scale for this year: the work was not written
                out[(year, subject, grade)] = structures[(subject, grade, scale.max_score)]
    return out


def work_blueprints(ctx: DemoContext) -> dict[tuple[int, str, int], Blueprint]:
    """(year, subject, grade) -> the blueprint of every written ВПР work. Deterministic (like
    :func:`soko.formats.fisoko_workbook.demo.work_blueprints` for НИКО and РПР), so the
    value-added truth gets the very blueprints of the files."""
    params = ModelParams()
    return _by_work(ctx, _structures(ctx, params, _means(ctx, params)))


def _work_date(seed: int, year: int, subject: str, grade: int) -> str:
    """A weekday in the ВПР window (April – mid-May), fixed per year × subject × grade."""
    rng = rng_for(seed, "date", year, subject, grade)
    day = date(year, 4, 1) + timedelta(days=int(rng.integers(0, 45)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.strftime("%d.%m.%Y")


def generate(ctx: DemoContext) -> list[Path]:
    """Write ``<out>/vpr/<year>/vpr_<year>_<subject>_<grade>.xlsx`` and ВПР's truth."""
    params = ModelParams()
    schools = ctx.schools
    subject_names = vpr_subjects(ctx.config_dir)
    region_name = region(ctx.config_dir).name
    rosters = build_rosters(ctx.seed, schools, ctx.years, params)
    means = _means(ctx, params)
    structures = _structures(ctx, params, means)
    blueprints = _by_work(ctx, structures)
    planted = choose_planted(ctx.seed, schools, ctx.years, works(ctx), params)
    actions = actions_by_file(planted)

    leniency = schools["leniency"].to_numpy()
    growth = schools["true_va"].to_numpy()
    lab = lab_plan(ctx.seed, schools, ctx.years)  # the equipment's relation (soko.demo.lab)
    jobs: list[FileJob] = []
    for (year, subject, grade), bp in blueprints.items():
        scale = vpr_scale(year, subject, grade, ctx.config_dir)
        assert scale is not None  # blueprints holds the works with a scale only
        jobs.append(
            FileJob(
                path=ctx.out / CODE / str(year) / f"{CODE}_{year}_{subject}_{grade}.xlsx",
                seed=ctx.seed,
                year=year,
                subject=subject,
                subject_name=subject_names[subject],
                grade=grade,
                region_name=region_name,
                date=_work_date(ctx.seed, year, subject, grade),
                thresholds=scale.thresholds,
                blueprint=bp,
                params=params,
                # codes and names as the registry had them that year (mergers, reforms)
                school_codes=ctx.labels(year)["school_code"].tolist(),
                school_names=ctx.labels(year)["school_name"].tolist(),
                municipality_names=ctx.labels(year)["municipality_name"].tolist(),
                participant_prefix=ctx.labels(year)["participant_prefix"].tolist(),
                school_mean=means.mean[(year, subject)],
                leniency=leniency,
                roster=roster_for_subject(rosters[(year, grade)], subject),
                planted=actions.get((year, subject, grade), []),
                growth=growth,
                practical=practical_mask(bp),
                practical_shift=practical_shift(lab, year),
            )
        )

    n_rows_estimate = sum(len(j.roster) for j in jobs)
    n_workers = ctx.workers if ctx.workers is not None else default_workers(n_rows_estimate)
    outcomes = _run_jobs(jobs, max(1, int(n_workers)))
    written = [o.path for o in outcomes]
    remove_stale(ctx.out / CODE, CODE, {p.resolve() for p in written})
    _write_truth(ctx, params, means, jobs, outcomes, planted, structures)
    return written


def _write_truth(
    ctx: DemoContext,
    params: ModelParams,
    means: SchoolMeans,
    jobs: list[FileJob],
    outcomes: list[_FileOutcome],
    planted: list[PlantedSchool],
    structures: Structures,
) -> None:
    """ВПР's truth tables and its keys of ``truth.json`` (the region's keys are the
    generator's)."""
    measure_truth = effect_truth(
        means.measures, ctx.schools, means.base, _by_work(ctx, structures), params
    )
    planted_df = pd.DataFrame(
        [rec for o in outcomes for rec in o.planted_records], columns=PLANTED_COLUMNS
    )
    planted_df = planted_df.sort_values(["school_code", "year", "subject", "grade"], kind="stable")
    planted_df = planted_df.astype(
        {"year": "int64", "grade": "int64", "n_participants": "int64", "n_affected": "int64"}
    )
    tables = dict(
        zip(
            TRUTH_TABLES,
            (
                planted_df.reset_index(drop=True),
                _effects_table(ctx.schools, means, ctx.years, SUBJECTS, params),
                _tasks_table(jobs),
                measure_truth,
            ),
            strict=True,
        )
    )
    write_truth_tables(ctx.truth_dir, tables)
    summary = summary_truth(measure_truth)
    rows_per_year = {y: sum(o.n_rows for o in outcomes if o.year == y) for y in ctx.years}
    add_truth_meta(
        ctx.truth_dir,
        {
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
            "measures": [
                {
                    "kind": str(r.kind),
                    "subject": str(r.subject),
                    "n_treated": int(r.n_treated),
                    "effect_sd": float(r.effect_sd),
                    "effect_pp": round(float(r.effect_pp), 6),
                    "start_year": min(
                        (t.start_year for t in means.measures.treatments if t.kind == r.kind),
                        default=None,
                    ),
                    "schools": sorted(
                        t.school_code for t in means.measures.treatments if t.kind == r.kind
                    ),
                }
                for r in summary.itertuples(index=False)
            ],
            "blueprints": {
                f"{k}{g}_max{m}": {"shift": bp.shift, "target_mark2_share": bp.target_mark2_share}
                for (k, g, m), bp in structures.items()
            },
        },
    )


def _run_job(job: FileJob) -> _FileOutcome:
    data = simulate_file(job)
    write_vpr_workbook(job, data)
    return _FileOutcome(job.path, job.year, len(data.school), data.planted_records)


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
    """Per school × year × subject: mean ability and the school's part of it (u_s + v_sk + w_sy
    + a planted measure's gain)."""
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
