"""Demo workbooks of a procedure with ВПР's layout: the ВПР generator under other names.

A procedure supplies who writes (a :class:`~soko.demo.vpr.Roster` per year and grade); this
module builds the works' blueprints from the procedure's scales, simulates students with
the ВПР item model and the same schools' mean abilities and growth (so a school strong in
ВПР is strong here too), and writes each file in the procedure's layout. Every random stream
hangs off the procedure's code, so adding a procedure changes no ВПР file.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import xlsxwriter

from soko.config import MarkScale, region
from soko.demo.blueprint import Blueprint, build_blueprint
from soko.demo.model import ModelParams, default_workers, rng_for
from soko.demo.vpr import (
    FileData,
    FileJob,
    Roster,
    SchoolMeans,
    cell_rows,
    school_means,
    simulate_file,
)
from soko.demo.writers import LEVEL_ROW_LABEL, VPR_HEAD, VPR_TAIL
from soko.formats.fisoko_workbook.layout import layout_for
from soko.formats.fisoko_workbook.reader import FIXED_COLUMNS, WorkbookLayout
from soko.procedure import DemoContext

RosterFor = Callable[[int, str, int], Roster | None]  # (year, subject, grade) -> who writes


@dataclass(frozen=True)
class DemoWork:
    year: int
    subject: str
    grade: int
    scale: MarkScale


@dataclass(frozen=True)
class DemoStyle:
    """What a procedure's files look like beyond the layout."""

    caption: str  # second row of the sheet
    month: int  # the works are written in this month (the first 4 weeks)


_Task = tuple[FileJob, WorkbookLayout, DemoStyle]


def stream_seed(seed: int, code: str) -> int:
    """The procedure's own seed: its streams never coincide with ВПР's for the same work."""
    return int(rng_for(seed, code).integers(2**62))


def scheduled_works(ctx: DemoContext, layout: WorkbookLayout) -> list[DemoWork]:
    """Every work of the demo years that has a scale in the procedure's config."""
    works = []
    for year in ctx.years:
        for subject, grade in layout.works(year, ctx.config_dir):
            scale = layout.scale(year, subject, grade, ctx.config_dir)
            if scale is not None:
                works.append(DemoWork(year, subject, grade, scale))
    return works


def _date(seed: int, work: DemoWork, month: int) -> str:
    rng = rng_for(seed, "date", work.year, work.subject, work.grade)
    day = date(work.year, month, 1) + timedelta(days=int(rng.integers(0, 28)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.strftime("%d.%m.%Y")


def _columns(layout: WorkbookLayout, bp: Blueprint) -> tuple[list[str], list[int], int]:
    """The layout's headers, where each one's cell sits in a ВПР row, and the first task column."""
    vpr = [*VPR_HEAD, *bp.headers, *VPR_TAIL]
    kept = [
        (layout.file_column(h), j)
        for j, h in enumerate(vpr)
        if FIXED_COLUMNS.get(h) not in layout.absent
    ]
    first_task = sum(1 for h in VPR_HEAD if FIXED_COLUMNS[h] not in layout.absent)
    return [str(h) for h, _ in kept], [j for _, j in kept], first_task


def write_workbook(job: FileJob, data: FileData, layout: WorkbookLayout, style: DemoStyle) -> Path:
    """One participant workbook in ``layout``: title and metadata, levels, header, rows."""
    bp = job.blueprint
    headers, cells, first_task = _columns(layout, bp)
    title = f"{layout.title} {job.year} {job.subject_name} {job.grade} класс"
    top: list[list[object]] = [
        [title],
        [style.caption],
        ["Предмет:", job.subject_name],
        ["Максимальный первичный балл:", bp.max_score],
        ["Дата:", job.date],
        ["Регион:", job.region_name],
        [],
        [LEVEL_ROW_LABEL, *[""] * (first_task - 1), *bp.levels],
        headers,
    ]
    job.path.parent.mkdir(parents=True, exist_ok=True)
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(str(job.path), options)
    wb.set_properties({"title": title, "created": datetime(job.year, style.month, 28, 9)})
    ws = wb.add_worksheet("Результаты")
    for r, row in enumerate(top):
        ws.write_row(r, 0, row)
    for r, row in enumerate(cell_rows(job, data), start=len(top)):
        ws.write_row(r, 0, [row[j] for j in cells])
    wb.close()
    return job.path


def remove_stale(folder: Path, code: str, written: set[Path]) -> None:
    """Drop generator-named files of an earlier generation that this one did not write."""
    named = re.compile(rf"{code}_\d{{4}}_[a-z]+_\d+\.xlsx")
    for path in folder.glob("*/*.xlsx"):
        if named.fullmatch(path.name) and path.resolve() not in written:
            path.unlink()


def work_blueprints(ctx: DemoContext, code: str) -> dict[tuple[int, str, int], Blueprint]:
    """(year, subject, grade) -> the blueprint of every scheduled work: one structure per
    subject × grade × maximum, calibrated to the grade's spread of ability. Deterministic, so
    the value-added truth (:mod:`soko.formats.fisoko_workbook.value_added_truth`) gets the
    very blueprints of the files."""
    layout = layout_for(code, ctx.config_dir)
    seed = stream_seed(ctx.seed, code)
    params = ModelParams()
    works = scheduled_works(ctx, layout)
    subjects = sorted({w.subject for w in works})
    means = school_means(ctx.seed, ctx.schools, ctx.years, subjects, params)
    built: dict[tuple[str, int, int], Blueprint] = {}
    out: dict[tuple[int, str, int], Blueprint] = {}
    for work in works:
        key = (work.subject, work.grade, work.scale.max_score)
        if key not in built:
            theta_sd = means.theta_sd_for(work.grade)
            built[key] = build_blueprint(
                seed, *key[:2], work.scale, params, theta_sd, variant=key[2]
            )
        out[(work.year, work.subject, work.grade)] = built[key]
    return out


def generate_workbooks(
    ctx: DemoContext, code: str, style: DemoStyle, roster_for: RosterFor
) -> list[Path]:
    """Write ``data/raw/<code>/<year>/<code>_<year>_<subject>_<grade>.xlsx`` for every work."""
    layout = layout_for(code, ctx.config_dir)
    seed = stream_seed(ctx.seed, code)
    params = ModelParams()
    works = scheduled_works(ctx, layout)
    subjects = sorted({w.subject for w in works})
    means: SchoolMeans = school_means(ctx.seed, ctx.schools, ctx.years, subjects, params)
    names = layout.subjects(ctx.config_dir)
    schools = ctx.schools
    blueprints = work_blueprints(ctx, code)
    tasks: list[_Task] = []
    for work in works:
        roster = roster_for(work.year, work.subject, work.grade)
        if roster is None or not len(roster):
            continue
        job = FileJob(
            path=ctx.out / code / str(work.year) / f"{code}_{work.year}_{work.subject}_"
            f"{work.grade}.xlsx",
            seed=seed,
            year=work.year,
            subject=work.subject,
            subject_name=names[work.subject],
            grade=work.grade,
            region_name=region(ctx.config_dir).name,
            date=_date(seed, work, style.month),
            thresholds=work.scale.thresholds,
            blueprint=blueprints[(work.year, work.subject, work.grade)],
            params=params,
            school_codes=ctx.labels(work.year)["school_code"].tolist(),  # as that year
            school_names=ctx.labels(work.year)["school_name"].tolist(),
            municipality_names=ctx.labels(work.year)["municipality_name"].tolist(),
            participant_prefix=ctx.labels(work.year)["participant_prefix"].tolist(),
            school_mean=means.mean[(work.year, work.subject)],
            leniency=schools["leniency"].to_numpy(dtype=np.float64),
            roster=roster,
            growth=schools["true_va"].to_numpy(dtype=np.float64),
        )
        tasks.append((job, layout, style))
    written = _run(tasks, ctx.workers)
    remove_stale(ctx.out / code, code, {p.resolve() for p in written})
    return written


def _simulate_and_write(task: _Task) -> Path:
    job, layout, style = task
    return write_workbook(job, simulate_file(job), layout, style)


def _run(tasks: list[_Task], workers: int | None = None) -> list[Path]:
    """Simulate and write every file; in worker processes for a big region (each file has
    its own random stream, so the files do not depend on the number of workers)."""
    if workers is None:
        workers = default_workers(sum(len(job.roster) for job, _, _ in tasks))
    if workers <= 1 or len(tasks) <= 1:
        return [_simulate_and_write(t) for t in tasks]
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return list(pool.map(_simulate_and_write, tasks))
