"""Demo diagnostics of competences: one filled form per municipality and year, with a planted
relation between a subject's teachers and the school's results and none for another subject.

Teachers follow the school's size (:mod:`soko.demo.staff`, the model the staffing demo counts
its teachers by, so the diagnosed are a part of the staffing monitoring's teachers); one head
per school. Every person keeps an anonymous code over the years and is diagnosed in
a year with probability ``diagnosed_share``.

The planted relation (``DemoParams``): for ``planted_subject`` the school's teacher level is
``ρ·z(level) + √(1 − ρ²)·e`` where ``level`` is the school's true mean ability in that subject
(:func:`soko.demo.vpr.school_means`, the same numbers ВПР's demo draws the students from:
context, intake, the school's effect) averaged over the years and standardised over schools,
and ``e`` independent noise; for ``null_subject`` it is ``e`` alone (no relation). A teacher's
domain score adds the person's own deviation and the domain's and year's noise. The truth
(``competence_schools.parquet`` and ``truth.json`` key ``competences``) records ρ and, per year,
the correlation between the school means of the drawn scores and the true level — what the
school-level analysis should recover up to the noise of the ВПР means.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo.model import ModelParams, rng_for
from soko.demo.staff import teachers_needed
from soko.demo.vpr import school_means
from soko.demo.writers import add_truth_meta, write_truth_tables
from soko.forms import NO, YES, write_form
from soko.procedure import DemoContext, FormContext
from soko.procedures.competences.form import FOLDER, FORM, SHEET, score_column
from soko.procedures.competences.settings import (
    HEAD,
    TEACHER,
    CompetencesBlock,
    competences_settings,
)


@dataclass(frozen=True)
class DemoParams:
    planted_subject: str = "ma"
    null_subject: str = "ru"
    planted_correlation: float = 0.8  # ρ between the school's teacher level and its true level
    diagnosed_share: float = 0.9
    between_sd: float = 9.0  # school teacher level, score points
    within_sd: float = 6.0  # a teacher's own deviation from the school's level
    domain_sd: float = 5.0  # person × domain
    year_sd: float = 3.0  # person × domain × year
    head_sd: float = 11.0
    trained_low: float = 0.2  # share of persons with a deficit trained, per municipality
    trained_high: float = 0.6


TEACHER_MEANS = {"subject_knowledge": 70.0, "methods": 62.0, "assessment_literacy": 59.0}
HEAD_MEANS = {"quality_management": 63.0, "results_analysis": 61.0, "psychological_climate": 68.0}
DEFAULT_MEAN = 62.0


def staff(schools: pd.DataFrame, settings: CompetencesBlock, params: DemoParams) -> pd.DataFrame:
    """Teachers per school × subject from the school's size (:mod:`soko.demo.staff`, the
    model the staffing demo counts its teachers by): ``school`` (row index), ``subject``, ``n``."""
    rows = [
        (i, subject, teachers_needed(float(s.cohort), str(s.kind), subject))
        for i, s in enumerate(schools.itertuples(index=False))
        for subject in settings.subjects
    ]
    return pd.DataFrame(rows, columns=["school", "subject", "n"])


def _z(values: np.ndarray) -> np.ndarray:
    sd = values.std()
    return (values - values.mean()) / sd if sd > 0 else values * 0.0


def school_levels(ctx: DemoContext, params: DemoParams) -> dict[str, np.ndarray]:
    """Per subject, the school's latent teacher level (standardised): related to the true
    level for the planted subject, independent noise for the others."""
    years = tuple(sorted(ctx.years))
    means = school_means(ctx.seed, ctx.schools, years, [params.planted_subject], ModelParams())
    level = np.mean([means.mean[(y, params.planted_subject)] for y in years], axis=0)
    n = len(ctx.schools)
    out = {}
    settings = competences_settings(ctx.config_dir)
    for subject in settings.subjects:
        noise = rng_for(ctx.seed, "competences", "school_level", subject).normal(0, 1, n)
        if subject == params.planted_subject:
            rho = params.planted_correlation
            out[subject] = rho * _z(level) + math.sqrt(1 - rho * rho) * noise
        else:
            out[subject] = noise
    out["_true_level"] = level
    out["_year_levels"] = np.array([means.mean[(y, params.planted_subject)] for y in years])
    return out


def _codes(rng: np.random.Generator, n: int, prefix: str) -> list[str]:
    numbers = rng.choice(9_000_000, size=n, replace=False) + 1_000_000
    return [f"{prefix}{int(v)}" for v in numbers]


def persons(
    ctx: DemoContext,
    settings: CompetencesBlock,
    params: DemoParams,
    levels: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Every teacher and head of the demo region with a persistent code and latent level."""
    plan = staff(ctx.schools, settings, params)
    rows = []
    for school, subject, n in plan.itertuples(index=False):
        rng = rng_for(ctx.seed, "competences", "teachers", int(school), subject)
        own = rng.normal(0, params.within_sd, n)
        for k in range(n):
            level = params.between_sd * levels[subject][school] + own[k]
            rows.append((int(school), TEACHER, subject, k, level))
    for school in range(len(ctx.schools)):
        rng = rng_for(ctx.seed, "competences", "head", school)
        rows.append((school, HEAD, None, 0, float(rng.normal(0, params.head_sd))))
    out = pd.DataFrame(rows, columns=["school", "role", "subject", "k", "level"])
    codes = rng_for(ctx.seed, "competences", "codes")
    out["person_code"] = _codes(codes, len(out), "T")
    out.loc[out["role"] == HEAD, "person_code"] = (
        "H" + out.loc[out["role"] == HEAD, "person_code"].str[1:]
    )
    return out


def diagnostics(
    ctx: DemoContext, settings: CompetencesBlock, params: DemoParams, people: pd.DataFrame
) -> pd.DataFrame:
    """The rows of every year: who was diagnosed, under which school and municipality, their
    domain scores and whether they were trained (canonical names; scores in % of max)."""
    rows = []
    munis = sorted(ctx.schools["municipality_code"].astype(str).unique())
    share_rng = rng_for(ctx.seed, "competences", "trained_share")
    trained_share = dict(
        zip(
            munis,
            share_rng.uniform(params.trained_low, params.trained_high, len(munis)),
            strict=True,
        )
    )
    domains = {r.code: r.domains for r in settings.roles}
    subject_names = settings.subjects
    for year in sorted(ctx.years):
        labels = ctx.labels(year)
        for p in people.itertuples(index=False):
            lab = labels.iloc[p.school]
            if p.role == HEAD and not bool(lab["exists"]):
                continue  # a merged school has no head of its own
            rng = rng_for(ctx.seed, "competences", "diag", p.person_code, year)
            if rng.random() > params.diagnosed_share:
                continue
            means = TEACHER_MEANS if p.role == TEACHER else HEAD_MEANS
            record: dict[str, object] = {
                "year": int(year),
                "municipality_code": str(lab["municipality_code"]),
                "municipality_name": str(lab["municipality_name"]),
                "person_code": p.person_code,
                "role": p.role,
                "school_code": str(lab["school_code"]),
                "subject": subject_names[p.subject] if p.role == TEACHER else None,
                "subject_code": p.subject if p.role == TEACHER else None,
                "school": p.school,
            }
            person_rng = rng_for(ctx.seed, "competences", "person", p.person_code)
            deficit = False
            for d in domains[p.role]:
                mean = means.get(d.code, DEFAULT_MEAN)
                value = (
                    mean
                    + p.level
                    + person_rng.normal(0, params.domain_sd)
                    + rng.normal(0, params.year_sd)
                )
                value = round(float(np.clip(value, 0.0, settings.scale_max)), 1)
                record[score_column(d.code)] = value
                deficit |= value < d.deficit_level
            record["trained"] = bool(
                deficit and rng.random() < trained_share[record["municipality_code"]]
            )
            rows.append(record)
    return pd.DataFrame(rows)


def _truth(
    ctx: DemoContext,
    settings: CompetencesBlock,
    params: DemoParams,
    rows: pd.DataFrame,
    levels: dict[str, np.ndarray],
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Per year × subject (planted and null) × school: the school mean of the drawn teacher
    scores and the true level; the realized correlation per year and subject."""
    teacher = [d.code for d in settings.role(TEACHER).domains]  # type: ignore[union-attr]
    years = sorted(ctx.years)
    out, summary = [], []
    for subject in (params.planted_subject, params.null_subject):
        mine = rows[(rows["role"] == TEACHER) & (rows["subject_code"] == subject)].copy()
        mine["score"] = mine[[score_column(c) for c in teacher]].mean(axis=1)
        for i, year in enumerate(years):
            part = mine[mine["year"] == year]
            per = part.groupby("school_code").agg(
                teacher_mean=("score", "mean"),
                n_teachers=("score", "size"),
                school=("school", "min"),
            )
            per["true_level"] = levels["_year_levels"][i][per["school"].to_numpy()]
            per["planted"] = subject == params.planted_subject
            r = float(np.corrcoef(per["teacher_mean"], per["true_level"])[0, 1])
            summary.append(
                {
                    "year": int(year),
                    "subject": subject,
                    "planted_correlation": params.planted_correlation
                    if subject == params.planted_subject
                    else 0.0,
                    "realized_correlation": r,
                    "n_schools": len(per),
                }
            )
            out.append(per.reset_index().assign(year=int(year), subject=subject))
    table = pd.concat(out, ignore_index=True)[
        ["year", "subject", "school_code", "n_teachers", "teacher_mean", "true_level", "planted"]
    ]
    meta = {
        "competences": {
            "params": asdict(params),
            "rows": len(rows),
            "association": summary,
        }
    }
    return table, meta


def _remove_stale(folder: Path, written: set[Path]) -> None:
    for path in folder.glob(f"*/{FORM.code}_*.xlsx"):
        if path.resolve() not in written:
            path.unlink()


def generate(ctx: DemoContext, params: DemoParams | None = None) -> list[Path]:
    """``Procedure.demo``: ``<out>/competences/<year>/kompetentsii_<year>_<municipality>.xlsx``
    (as ``soko forms`` names them) and the planted truth."""
    params = params or DemoParams()
    settings = competences_settings(ctx.config_dir)
    levels = school_levels(ctx, params)
    people = persons(ctx, settings, params, levels)
    rows = diagnostics(ctx, settings, params, people)
    folder = ctx.out / FOLDER
    files = []
    columns = ["person_code", "role", "school_code", "subject"]
    columns += [score_column(c) for c in settings.domain_codes()] + ["trained"]
    role_names = {r.code: r.name for r in settings.roles}
    for year in sorted(ctx.years):
        labels = ctx.labels(year)
        units = labels.drop_duplicates("municipality_code").sort_values("municipality_code")
        for code, name in zip(units["municipality_code"], units["municipality_name"], strict=True):
            part = rows[(rows["year"] == year) & (rows["municipality_code"] == code)]
            part = part.sort_values(["school_code", "role", "person_code"], kind="stable")
            values = []
            for r in part.to_dict("records"):
                cells = {
                    c: r[c]
                    for c in columns
                    if c in r
                    and r[c] is not None
                    and not (isinstance(r[c], float) and pd.isna(r[c]))
                }
                cells["role"] = role_names[r["role"]]
                cells["trained"] = YES if r["trained"] else NO
                values.append(cells)
            form = FormContext(
                year=int(year),
                municipality_code=str(code),
                municipality_name=str(name),
                config_dir=ctx.config_dir,
            )
            path = folder / str(int(year)) / FORM.file_name(form)
            files.append(write_form(FORM.spec(form), path, form.identity(), {SHEET: values}))
    _remove_stale(folder, {f.resolve() for f in files})
    table, meta = _truth(ctx, settings, params, rows, levels)
    write_truth_tables(ctx.truth_dir, {"competence_schools": table})
    add_truth_meta(ctx.truth_dir, meta)
    return files
