"""Measures the demo region took, and the effect planted for each (the truth of «Реестр мер»).

A region does not hand out its support programmes at random: it gives them to schools whose
results were low the year before. A school's observed result in one year is its lasting level
plus that year's luck (the school × year deviation ``w_sy`` and the sampling noise of a few
dozen students), so the schools picked for being low were, on average, also unlucky that
year, and they rise the next year with no help at all (regression to the mean). The demo
reproduces exactly that: treated schools are drawn with weights ``exp(−slope · z)`` of their
*observed* pre-year result ``z`` (latent mean + year deviation + sampling noise), so a naive
before/after comparison of the treated schools overstates every measure's effect, and an
analysis must compare them with similar untreated schools.

From the start year on, a treated school's students gain ``effect_sd`` ability units (student
SDs) in the measure's subjects. The planted kinds (their codes are those of
``config/measures.yml``): the ШНОР support programme (Russian and mathematics), a training
programme for mathematics teachers (mathematics only) and a curator school with a true effect
of **zero** (chosen the same way, so only its regression to the mean shows). A school gets at
most one measure; schools planted with manipulations of ВПР (:mod:`soko.demo.planted`), the
merged school and its successor are never treated, so the measures' truth and the
manipulations' truth do not mix. The shift enters :func:`soko.demo.vpr.school_means`, so ВПР,
НИКО, РПР and the value-added truth all see the same schools' gains.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import expit

from soko.demo.blueprint import Blueprint
from soko.demo.model import ModelParams, rng_for
from soko.demo.planted import planted_school_indices
from soko.demo.registry import school_merger

GRADES_PER_SCHOOL = 5  # ВПР grades 4–8: the students behind one school's yearly result


@dataclass(frozen=True)
class PlantedMeasure:
    """One kind of measure as the demo plants it."""

    kind: str  # the kind's code in config/measures.yml
    subjects: tuple[str, ...]  # the results it moves
    effect_sd: float  # ability units (student SDs), from the start year on
    share: float  # share of the eligible schools that get it
    select_on: tuple[str, ...] = ("ru", "ma")  # the results the region selects schools by
    register_subject: str | None = None  # the register's «Предмет» cell (training programmes)


DEFAULT_MEASURES: tuple[PlantedMeasure, ...] = (
    PlantedMeasure("shnor_support", ("ru", "ma"), 0.30, 0.10),
    PlantedMeasure("teacher_training", ("ma",), 0.25, 0.10, ("ma",), "ma"),
    PlantedMeasure("curator_school", ("ru", "ma"), 0.0, 0.08),
)


@dataclass(frozen=True)
class MeasuresDemoParams:
    measures: tuple[PlantedMeasure, ...] = DEFAULT_MEASURES
    start_offset: int = 1  # start year = the region's years[start_offset]
    selection_slope: float = 2.0  # weight exp(−slope · z) of the standardised pre-year result
    min_cohort: float = 8.0  # students per grade: smaller schools' results are too noisy
    min_treated: int = 3
    cross_check_municipalities: int = 1  # municipalities whose ВПР works are cross-checked


@dataclass(frozen=True)
class Treatment:
    kind: str
    school: int  # row index in the schools table
    school_code: str
    start_year: int
    subjects: tuple[str, ...]
    effect_sd: float
    register_subject: str | None = None


@dataclass(frozen=True)
class MeasuresPlan:
    treatments: tuple[Treatment, ...] = ()
    params: MeasuresDemoParams = field(default_factory=MeasuresDemoParams)

    def shift(self, n_schools: int, year: int, subject: str) -> np.ndarray:
        """Ability added to each school's mean in ``year`` and ``subject``."""
        out = np.zeros(n_schools)
        for t in self.treatments:
            if subject in t.subjects and year >= t.start_year:
                out[t.school] += t.effect_sd
        return out


def _eligible(
    seed: int,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    params: ModelParams,
    demo: MeasuresDemoParams,
) -> np.ndarray:
    ok = (schools["cohort"].to_numpy() >= demo.min_cohort) & ~schools["strong_genuine"].to_numpy(
        dtype=bool
    )
    ok[planted_school_indices(seed, schools, params)] = False
    merger = school_merger(schools, tuple(years))
    if merger is not None:
        ok[[merger.merged, merger.successor]] = False
    return ok


def measures_plan(
    seed: int,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    base_mean: Callable[[int, str], np.ndarray],
    params: ModelParams,
    demo: MeasuresDemoParams | None = None,
) -> MeasuresPlan:
    """Which schools get which measure, from which year (deterministic in the seed).

    ``base_mean(year, subject)`` is :func:`soko.demo.vpr.school_means`' school mean before
    any measure: the pre-year result the region selects on.
    """
    demo = demo or MeasuresDemoParams()
    years = tuple(sorted(years))
    if len(years) <= demo.start_offset:
        return MeasuresPlan((), demo)
    start = years[demo.start_offset]
    pre = years[demo.start_offset - 1]
    free = _eligible(seed, schools, years, params, demo)
    cohort = schools["cohort"].to_numpy(dtype=np.float64)
    codes = schools["school_code"].astype(str).tolist()
    out: list[Treatment] = []
    for m in demo.measures:
        pool = np.flatnonzero(free)
        if len(pool) < 2:
            continue
        rng = rng_for(seed, "measures", "selection", m.kind)
        latent = np.mean([base_mean(pre, k) for k in m.select_on], axis=0)
        noise_sd = params.within_sd / np.sqrt(np.maximum(cohort, 1.0) * GRADES_PER_SCHOOL)
        observed = latent + rng.normal(0.0, 1.0, len(latent)) * noise_sd
        z = (observed[pool] - observed[pool].mean()) / observed[pool].std()
        weight = np.exp(-demo.selection_slope * z)
        n = min(len(pool) // 2, max(demo.min_treated, round(m.share * len(pool))))
        picked = np.sort(rng.choice(pool, n, replace=False, p=weight / weight.sum()))
        free[picked] = False
        out += [
            Treatment(m.kind, int(s), codes[s], start, m.subjects, m.effect_sd, m.register_subject)
            for s in picked
        ]
    return MeasuresPlan(tuple(out), demo)


def expected_share(
    bp: Blueprint, levels: np.ndarray, sd: float, params: ModelParams, n_grid: int = 801
) -> np.ndarray:
    """Expected mean primary score as a share of the maximum, for schools whose students'
    ability is N(level, sd): the blueprint's item model with the missing-cell rule of
    ``simulate_file`` (a cell lost with probability base + slope·(1 − p) scores 0), as in
    :func:`soko.formats.fisoko_workbook.value_added_truth.z_per_theta`."""
    unit = np.linspace(-6.0, 6.0, n_grid)
    weight = np.exp(-0.5 * unit**2)
    weight /= weight.sum()
    theta = np.asarray(levels, dtype=np.float64)[:, None, None] + sd * unit[None, :, None]
    a, b = bp.discrimination[None, None, :], bp.difficulty[None, None, :]
    m = bp.maxima.astype(np.float64)[None, None, :]
    p = expit(a * (theta - b))
    lost = np.where(
        bp.advanced, params.task_missing_advanced_slope, params.task_missing_basic_slope
    )[None, None, :]
    kept = 1.0 - params.task_missing_base - lost * (1.0 - p)
    score = (m * p * kept).sum(axis=2)  # (schools, grid)
    return (score @ weight) / float(bp.maxima.sum())


def effect_truth(
    plan: MeasuresPlan,
    schools: pd.DataFrame,
    base_mean: dict[tuple[int, str], np.ndarray],
    blueprints: dict[tuple[int, str, int], Blueprint],
    params: ModelParams,
) -> pd.DataFrame:
    """What each treated school gained, per subject it targets and year from its start: in
    ability units and in percentage points of the ВПР maximum (the mean over the grades
    written, each grade once, as the outcome of ``soko.procedures.measures`` averages them).

    The expected share with and without the shift is integrated over the school's students
    (ability N(level, within_sd), level = mean + (grade − reference) · true_va), so the
    percentage points are exact for the item model, not a linear approximation.
    """
    va = schools["true_va"].to_numpy(dtype=np.float64)
    rows = []
    for t in plan.treatments:
        for k in t.subjects:
            for (year, subject, grade), bp in sorted(blueprints.items()):
                if subject != k or year < t.start_year:
                    continue
                level = (
                    base_mean[(year, k)][t.school]
                    + (grade - params.va_reference_grade) * va[t.school]
                )
                both = expected_share(
                    bp, np.array([level, level + t.effect_sd]), params.within_sd, params
                )
                rows.append(
                    {
                        "kind": t.kind,
                        "school_code": t.school_code,
                        "start_year": t.start_year,
                        "subject": k,
                        "year": year,
                        "grade": grade,
                        "effect_sd": t.effect_sd,
                        "effect_pp": 100.0 * float(both[1] - both[0]),
                    }
                )
    cols = ["kind", "school_code", "start_year", "subject", "year", "grade", "effect_sd",
            "effect_pp"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=cols)
    return frame.astype({"start_year": "int64", "year": "int64", "grade": "int64"})


def summary_truth(per_work: pd.DataFrame) -> pd.DataFrame:
    """Per kind × subject: treated schools and the effect the analysis should recover (the
    mean over treated schools of their mean over post years of the grades' mean, pp)."""
    if per_work.empty:
        return pd.DataFrame(columns=["kind", "subject", "n_treated", "effect_sd", "effect_pp"])
    per_year = per_work.groupby(["kind", "subject", "school_code", "year"], sort=True).agg(
        effect_pp=("effect_pp", "mean"), effect_sd=("effect_sd", "first")
    )
    per_school = per_year.groupby(["kind", "subject", "school_code"]).agg(
        effect_pp=("effect_pp", "mean"), effect_sd=("effect_sd", "first")
    )
    out = per_school.groupby(["kind", "subject"]).agg(
        n_treated=("effect_pp", "size"),
        effect_sd=("effect_sd", "first"),
        effect_pp=("effect_pp", "mean"),
    )
    return out.reset_index()
