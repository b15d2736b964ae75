"""Students and their ВПР results: rosters, abilities, task scores, marks, journal marks.

Generating model of one student i in school s, year y, grade g, subject k::

    θ_isygk = c·context_s + intake·selective_s + u_s + v_sk + w_sy − centre
              + (g − g_ref) · va_s + σ_w · (√ρ · η_iy + √(1−ρ) · ε_iyk)

``u_s`` is the school's true effect (its level in every grade), ``va_s`` its value added
(growth per year: grade g of year y to grade g + 1 of year y + 1 gains va_s + w_s,y+1 − w_s,y
in expectation), ``v_sk`` a school × subject deviation, ``w_sy`` year noise; ``η`` is the
student's general ability (shared by the subjects of one year, so subject results correlate
with ρ) and ``ε`` the subject-specific part. Task scores follow
the blueprint's item model; a few cells are missing (``X``/``Х``, 0 points), more often on
hard tasks and for weak students. The journal mark is an ordinal cut of
``θ + leniency_s + noise``: typical schools' journals are somewhat more generous than ВПР.
Students have no identity across years; the participant code is unique within a school and
year and shared by that year's subjects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

from soko.demo.blueprint import Blueprint
from soko.demo.measures import MeasuresPlan, measures_plan
from soko.demo.model import (
    CITY,
    GRADES,
    JOURNAL_MISSING,
    LOT_SUBJECTS,
    SELECTIVE_KINDS,
    TASK_MISSING_CYRILLIC,
    TASK_MISSING_LATIN,
    ModelParams,
    rng_for,
)
from soko.demo.planted import (
    PlantedAction,
    bunch_at_thresholds,
    copy_answers,
    inflate_hard_tasks,
    inflate_journal,
)

CLASS_LETTERS = "АБВГДЕЖИКЛМН"


@dataclass(frozen=True)
class Roster:
    """Enrolled students of one grade in one year, ordered by school, class, code."""

    school: np.ndarray  # int, row index in the school table
    code: np.ndarray  # int, 5-digit participant code
    class_label: np.ndarray  # object (str), e.g. «5Б»
    lot: np.ndarray  # int8: which of LOT_SUBJECTS the class writes (grades 5-8)
    eta: np.ndarray  # general ability of the year

    def subset(self, mask: np.ndarray) -> Roster:
        return Roster(
            *(arr[mask] for arr in (self.school, self.code, self.class_label, self.lot, self.eta))
        )

    def __len__(self) -> int:
        return len(self.school)


def build_rosters(
    seed: int, schools: pd.DataFrame, years: tuple[int, ...], params: ModelParams
) -> dict[tuple[int, int], Roster]:
    """(year, grade) -> roster: cohort sizes vary a little by year, classes ≤ a cap."""
    cohort = schools["cohort"].to_numpy()
    caps = np.where(
        schools["locality"].to_numpy() == CITY, params.class_cap_city, params.class_cap_village
    )
    codes = schools["school_code"].tolist()
    out: dict[tuple[int, int], Roster] = {}
    for year in years:
        parts: dict[int, list[tuple[np.ndarray, ...]]] = {g: [] for g in GRADES}
        for s, code in enumerate(codes):
            rng = rng_for(seed, "roster", code, year)
            sizes = np.maximum(
                1,
                np.round(
                    cohort[s] * np.exp(rng.normal(0.0, params.cohort_year_log_sd, len(GRADES)))
                ),
            ).astype(int)
            pcodes = rng.choice(90000, size=int(sizes.sum()), replace=False) + 10000
            eta = rng.standard_normal(int(sizes.sum()))
            start = 0
            for g, n in zip(GRADES, sizes, strict=True):
                n_cls = min(len(CLASS_LETTERS), math.ceil(n / caps[s]))
                cls = np.arange(n) % n_cls
                gcodes = pcodes[start : start + n]
                order = np.lexsort((gcodes, cls))
                cls = cls[order]
                lot = ((cls + rng.integers(2)) % 2).astype(np.int8)
                labels = np.array([f"{g}{CLASS_LETTERS[c]}" for c in range(n_cls)], dtype=object)[
                    cls
                ]
                parts[g].append(
                    (
                        np.full(n, s, dtype=np.int32),
                        gcodes[order],
                        labels,
                        lot,
                        eta[start : start + n][order],
                    )
                )
                start += n
        for g in GRADES:
            cols = list(zip(*parts[g], strict=True))
            out[(year, g)] = Roster(*(np.concatenate(c) for c in cols))
    return out


@dataclass(frozen=True)
class SchoolMeans:
    """Per-school mean ability for each (year, subject), centred on the region's students."""

    mean: dict[tuple[int, str], np.ndarray]
    theta_sd: float  # SD of student ability over the region in the reference grade
    centre: float  # enrolment-weighted mean of the fixed part, subtracted from every school
    growth_var: float = 0.0  # enrolment-weighted variance of true_va
    growth_cov: float = 0.0  # ... and its covariance with the fixed part
    reference_grade: int = 6
    # the measures the region took (soko.demo.measures): who, from when, how much; ``mean``
    # includes their shifts, ``base`` is the mean before them (what the region selected on)
    measures: MeasuresPlan = field(default_factory=MeasuresPlan)
    base: dict[tuple[int, str], np.ndarray] = field(default_factory=dict)

    def theta_sd_for(self, grade: int) -> float:
        """SD of ability in a grade (for blueprint calibration): away from the reference
        grade the growth term spreads schools apart."""
        d = grade - self.reference_grade
        var = self.theta_sd**2 + d * d * self.growth_var + 2 * d * self.growth_cov
        return math.sqrt(var)


def school_means(
    seed: int,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    subjects: list[str],
    params: ModelParams,
) -> SchoolMeans:
    """c·context + intake + u_s (+ subject and year deviations), centred by enrolment, plus
    the planted measures' gains from their start year (:mod:`soko.demo.measures`)."""
    n = len(schools)
    selective = schools["kind"].isin(SELECTIVE_KINDS).to_numpy()
    fixed = (
        params.context_coef * schools["context"].to_numpy()
        + params.selective_intake * selective
        + schools["true_effect"].to_numpy()
    )
    weights = schools["cohort"].to_numpy()
    centre = float(np.average(fixed, weights=weights))
    var_between = float(np.average((fixed - centre) ** 2, weights=weights))
    theta_sd = math.sqrt(
        var_between + params.subject_effect_sd**2 + params.year_effect_sd**2 + params.within_sd**2
    )
    va = schools["true_va"].to_numpy()
    va_centred = va - np.average(va, weights=weights)
    growth_var = float(np.average(va_centred**2, weights=weights))
    growth_cov = float(np.average(va_centred * (fixed - centre), weights=weights))
    subject_dev = {
        k: rng_for(seed, "subject_effect", k).normal(0, params.subject_effect_sd, n)
        for k in subjects
    }
    year_dev = {
        y: rng_for(seed, "year_effect", y).normal(0, params.year_effect_sd, n) for y in years
    }
    base = {(y, k): fixed - centre + subject_dev[k] + year_dev[y] for y in years for k in subjects}

    def base_of(year: int, subject: str) -> np.ndarray:
        # any subject, whatever ``subjects`` holds: every caller gets the same plan
        dev = subject_dev.get(subject)
        if dev is None:
            dev = rng_for(seed, "subject_effect", subject).normal(0, params.subject_effect_sd, n)
        return fixed - centre + dev + year_dev[year]

    plan = measures_plan(seed, schools, tuple(years), base_of, params)
    mean = {key: value + plan.shift(n, *key) for key, value in base.items()}
    return SchoolMeans(
        mean=mean,
        measures=plan,
        base=base,
        theta_sd=theta_sd,
        centre=centre,
        growth_var=growth_var,
        growth_cov=growth_cov,
        reference_grade=params.va_reference_grade,
    )


def roster_for_subject(roster: Roster, subject: str) -> Roster:
    """Classes of grades 5-8 write one of the lot subjects: keep those that drew this one."""
    if subject not in LOT_SUBJECTS:
        return roster
    return roster.subset(roster.lot == LOT_SUBJECTS.index(subject))


@dataclass
class FileJob:
    """Everything one worker needs to simulate and write one year × subject × grade file."""

    path: Path
    seed: int
    year: int
    subject: str
    subject_name: str
    grade: int
    region_name: str
    date: str  # dd.mm.yyyy of the work
    thresholds: tuple[int, int, int]
    blueprint: Blueprint
    params: ModelParams
    school_codes: list[str]
    school_names: list[str]
    municipality_names: list[str]
    school_mean: np.ndarray
    leniency: np.ndarray
    roster: Roster
    planted: list[PlantedAction] = field(default_factory=list)
    growth: np.ndarray | None = None  # per school: true_va (θ per grade); None: no growth
    # per school: written before the participant code (a merged school's students under its
    # successor keep codes apart from the successor's own); None: nothing
    participant_prefix: list[str] | None = None
    # the practical tasks of the work (bool per task) and, per school, the ability added on
    # them (the laboratory equipment's planted relation, soko.demo.lab); None: nothing
    practical: np.ndarray | None = None
    practical_shift: np.ndarray | None = None


@dataclass
class FileData:
    """Simulated rows of one file (row order = output order)."""

    school: np.ndarray
    code: np.ndarray
    class_label: np.ndarray
    variant: np.ndarray
    scores: np.ndarray  # int, students × tasks (0 where missing)
    missing: np.ndarray  # bool, cell written as X/Х
    cyrillic: np.ndarray  # bool, missing cell written as Cyrillic «Х»
    primary: np.ndarray
    mark: np.ndarray
    journal: np.ndarray
    journal_missing: np.ndarray
    planted_records: list[dict[str, object]]


def marks_for(primary: np.ndarray, thresholds: tuple[int, int, int]) -> np.ndarray:
    """2-5 by the scale: the same rule as soko.config.MarkScale.mark."""
    return np.searchsorted(np.asarray(thresholds), primary, side="right") + 2


def simulate_file(job: FileJob) -> FileData:
    """Draw one file's participants, task scores, marks and journal marks, then plant."""
    p, bp = job.params, job.blueprint
    rng = rng_for(job.seed, "vpr", job.year, job.subject, job.grade)
    roster = job.roster
    present = rng.random(len(roster)) >= p.absent_share
    r = roster.subset(present)
    n = len(r)
    level = job.school_mean[r.school]
    if job.growth is not None:
        level = level + (job.grade - p.va_reference_grade) * job.growth[r.school]
    theta = level + p.within_sd * (
        math.sqrt(p.subject_corr) * r.eta + math.sqrt(1.0 - p.subject_corr) * rng.standard_normal(n)
    )
    prob = expit(bp.discrimination[None, :] * (theta[:, None] - bp.difficulty[None, :]))
    scores = rng.binomial(bp.maxima[None, :], prob)
    slope = np.where(bp.advanced, p.task_missing_advanced_slope, p.task_missing_basic_slope)
    missing = rng.random(scores.shape) < p.task_missing_base + slope[None, :] * (1.0 - prob)
    scores[missing] = 0

    latent = theta + job.leniency[r.school] + rng.normal(0.0, p.journal_noise_sd, n)
    cuts = np.array([p.journal_cut3, p.journal_cut4, p.journal_cut5])
    journal = np.searchsorted(cuts, latent, side="right") + 2
    journal_missing = rng.random(n) < p.journal_missing_share

    records: list[dict[str, object]] = []
    school_rows = {a.school: np.flatnonzero(r.school == a.school) for a in job.planted}
    for a in job.planted:
        if a.kind == "journal_inflation":
            continue
        rows = school_rows[a.school]
        prng = rng_for(job.seed, "plant", job.year, job.subject, job.grade, a.school_code)
        if a.kind == "hard_task_inflation":
            k = inflate_hard_tasks(scores, missing, rows, bp.maxima, bp.advanced, a.share, p, prng)
        elif a.kind == "answer_copying":
            k = copy_answers(scores, missing, rows, r.class_label, bp.maxima, a.share, p, prng)
        else:
            k = bunch_at_thresholds(
                scores, missing, rows, bp.maxima, job.thresholds, a.share, p, prng
            )
        records.append(_record(job, a, len(rows), k))
    _add_practical(job, r.school, theta, scores, missing, set(school_rows))
    primary = scores.sum(axis=1)
    mark = marks_for(primary, job.thresholds)
    for a in job.planted:
        if a.kind != "journal_inflation":
            continue
        rows = school_rows[a.school]
        prng = rng_for(job.seed, "plant", job.year, job.subject, job.grade, a.school_code)
        k = inflate_journal(journal, journal_missing, mark, rows, a.share, p, prng)
        records.append(_record(job, a, len(rows), k))

    cyrillic = np.zeros_like(missing)
    cyrillic[missing] = rng.random(int(missing.sum())) < p.task_missing_cyrillic_share
    position = np.zeros(n, dtype=np.int64)
    if n:
        new_group = np.r_[
            True, (r.school[1:] != r.school[:-1]) | (r.class_label[1:] != r.class_label[:-1])
        ]
        starts = np.flatnonzero(new_group)
        position = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    return FileData(
        school=r.school,
        code=r.code,
        class_label=r.class_label,
        variant=1 + position % 2,
        scores=scores,
        missing=missing,
        cyrillic=cyrillic,
        primary=primary,
        mark=mark,
        journal=journal,
        journal_missing=journal_missing,
        planted_records=[rec for rec in records if rec["n_participants"]],
    )


def _add_practical(
    job: FileJob,
    school: np.ndarray,
    theta: np.ndarray,
    scores: np.ndarray,
    missing: np.ndarray,
    planted: set[int],
) -> None:
    """The equipment's planted relation: a student of a school with ``practical_shift`` δ
    scores on each practical task as with ability θ + δ (every step failed at θ succeeds
    with probability (p(θ + δ) − p(θ)) / (1 − p(θ)), so the score is Binomial(m, p(θ + δ))).
    Drawn after everything else from a stream of its own, so nothing else in the file
    changes; a missing cell stays missing; a school with a planted manipulation in this
    file is left as planted (the manipulations' truth stays exact)."""
    if job.practical is None or job.practical_shift is None:
        return
    shift = job.practical_shift[school]
    keep = shift != 0
    if planted:
        keep &= ~np.isin(school, list(planted))
    rows = np.flatnonzero(keep)
    if not len(rows):
        return
    bp = job.blueprint
    cols = np.flatnonzero(job.practical)
    a, b = bp.discrimination[cols][None, :], bp.difficulty[cols][None, :]
    th = theta[rows][:, None]
    p0 = expit(a * (th - b))
    p1 = expit(a * (th + shift[rows][:, None] - b))
    step = np.clip((p1 - p0) / np.maximum(1.0 - p0, 1e-12), 0.0, 1.0)
    cells = np.ix_(rows, cols)
    now = scores[cells]
    rng = rng_for(job.seed, "lab", job.year, job.subject, job.grade)
    extra = rng.binomial(bp.maxima[cols][None, :] - now, step)
    extra[missing[cells]] = 0
    scores[cells] = now + extra


def _record(job: FileJob, a: PlantedAction, n_rows: int, n_affected: int) -> dict[str, object]:
    return {
        "school_code": a.school_code,
        "year": job.year,
        "subject": job.subject,
        "grade": job.grade,
        "kind": a.kind,
        "share_affected": round(n_affected / n_rows, 4) if n_rows else 0.0,
        "intensity": a.share,
        "n_participants": n_rows,
        "n_affected": n_affected,
    }


def cell_rows(job: FileJob, data: FileData) -> list[list[object]]:
    """Output rows as written to the sheet: strings for codes, ints, «X»/«Х», «НЕТ ОТМЕТКИ»."""
    tasks = data.scores.tolist()
    for i, j in zip(*np.nonzero(data.missing), strict=True):
        tasks[i][j] = TASK_MISSING_CYRILLIC if data.cyrillic[i, j] else TASK_MISSING_LATIN
    journal: list[object] = data.journal.tolist()
    for i in np.flatnonzero(data.journal_missing):
        journal[i] = JOURNAL_MISSING
    codes, names, muns = job.school_codes, job.school_names, job.municipality_names
    school = data.school.tolist()
    prefix = job.participant_prefix or [""] * len(codes)
    pcode = [f"{prefix[s]}{c:05d}" for s, c in zip(school, data.code.tolist(), strict=True)]
    labels = data.class_label.tolist()
    variant = data.variant.tolist()
    primary = data.primary.tolist()
    mark = data.mark.tolist()
    return [
        [
            codes[s],
            muns[s],
            names[s],
            pcode[i],
            labels[i],
            variant[i],
            *tasks[i],
            primary[i],
            mark[i],
            journal[i],
        ]
        for i, s in enumerate(school)
    ]
