"""Demo РЦОИ protocols of the invented region (any kind: ОГЭ, ЕГЭ, ...), consistent with its
ВПР schools.

Generating model of a participant i of school s taking subject k in year y::

    θ_isk = c·context_s + intake·selective_s + u_s − centre + v_sk + w_sy
            + σ_w · (√ρ · η_i + √(1−ρ) · ε_ik)

with the same context, selectivity and true school effect ``u_s`` as the ВПР model
(``ctx.schools``, ``soko.demo.model.ModelParams``), so a school strong in ВПР grade 8 is strong
in ОГЭ the next year. ``η_i`` belongs to the person: a grade-9 cohort is invented once per
school and year it finishes grade 9; ЕГЭ two years later is taken by the part of that cohort
that stays (more likely for able students and in lyceums/gymnasiums), so the same person has
the same pseudonymous id in ОГЭ and ЕГЭ. A kind's exam in grade g is sat by the cohort that
finished grade 9 ``g − 9`` years earlier (grade 9: all of it; later grades: those who stay),
or by a share of it (``GiaDemoParams.share``, drawn once per school, year and grade from the
kind's own stream, so the same students sit all its subjects). Task points follow a logistic
item model per subject (a blueprint fixed across years, shifted a little each year); the
primary score is their sum and the mark or test score comes from the year's scale in the
kind's scales file (``config/gia_scales.yml`` for ОГЭ and ЕГЭ).

Files: ``<kind folder>/<year>/<code>_<year>_<subject>.xlsx`` (``..._<subject>_<grade>`` for
kinds of several grades; title rows, merged title cell) or ``.csv`` (cp1251, «;», decimal
commas), alternating so every year has both forms.
"""

from __future__ import annotations

import csv
import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from scipy.special import expit

from soko.config import region
from soko.demo.model import SELECTIVE_KINDS, ModelParams, rng_for
from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.demo_people import People, invent_people
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.formats.rcoi_protocol.reader import COMMON_COLUMNS
from soko.procedure import DemoContext

CLASS_LETTERS = "АБВГДЕЖИКЛ"
COHORT_GRADE = 9  # a cohort is the students of a school finishing this grade in a year


def file_name(kind: GiaKind) -> re.Pattern[str]:
    """Names of the demo's own files in the kind's folder (others are left alone)."""
    return re.compile(rf"{re.escape(kind.code)}_\d{{4}}_[a-z]+(?:_\d{{1,2}})?\.(xlsx|csv)")


@dataclass(frozen=True)
class GiaDemoParams:
    """Constants of one kind's demo model (recorded in the truth). The cohort constants
    (``cohort_year_log_sd``, ``stay_*``) must be the same for every kind: cohorts are shared."""

    absent_share: float = 0.02
    cohort_year_log_sd: float = 0.08
    class_cap: int = 25
    subject_dev_sd: float = 0.10  # school × subject (shared by ОГЭ and ЕГЭ)
    school_year_sd: float = 0.08  # school × year
    compulsory: tuple[str, ...] = ("ru",)
    # elective: (logit intercept, slope on the subject ability); unknown subjects: 20 %
    choice: dict[str, tuple[float, float]] = field(default_factory=dict)
    stay_intercept: float = -0.2  # logit of staying for grades 10-11
    stay_ability: float = 1.0
    stay_selective: float = 1.0
    short_difficulty: tuple[float, float] = (-2.0, 0.3)
    long_difficulty: tuple[float, float] = (0.3, 2.6)
    discrimination: tuple[float, float] = (0.8, 1.6)
    # share of participants below the pass score the tasks are calibrated to (first year)
    # (unknown subjects: 8 %)
    target_below: dict[str, float] = field(default_factory=dict)
    year_shift_sd: float = 0.08
    share: float = 1.0  # share of a cohort sitting the kind's exams (below 1: ГВЭ-like)


@dataclass(frozen=True)
class Cohort:
    """Students of one school finishing grade 9 in ``year``."""

    people: People
    eta: np.ndarray  # general ability
    stays: np.ndarray  # bool: goes on to grades 10-11 in the same school


@dataclass
class _Region:
    ctx: DemoContext
    params: GiaDemoParams
    model: ModelParams
    mean: np.ndarray  # school mean ability (centred), in ctx.schools order
    records: list[dict[str, object]]  # ctx.schools as plain dicts (fast row access)
    cohorts: dict[tuple[int, int], Cohort] = field(default_factory=dict)
    deviations: dict[tuple[str | int, ...], float] = field(default_factory=dict)
    shifts: dict[tuple[str, str], float] = field(default_factory=dict)


def _region(ctx: DemoContext, params: GiaDemoParams) -> _Region:
    model = ModelParams()
    schools = ctx.schools
    selective = schools["kind"].isin(SELECTIVE_KINDS).to_numpy()
    fixed = (
        model.context_coef * schools["context"].to_numpy()
        + model.selective_intake * selective
        + schools["true_effect"].to_numpy()
    )
    centre = float(np.average(fixed, weights=schools["cohort"].to_numpy()))
    return _Region(ctx, params, model, fixed - centre, schools.to_dict("records"))


def _cohort(reg: _Region, s: int, year: int) -> Cohort:
    key = (s, year)
    if key not in reg.cohorts:
        school = reg.records[s]
        rng = rng_for(reg.ctx.seed, "gia", "cohort", school["school_code"], year)
        size = school["cohort"] * math.exp(rng.normal(0.0, reg.params.cohort_year_log_sd))
        n = max(1, round(size))
        people = invent_people(rng, n, s, year)
        eta = rng.standard_normal(n)
        selective = school["kind"] in SELECTIVE_KINDS
        p_stay = expit(
            reg.params.stay_intercept
            + reg.params.stay_ability * eta
            + reg.params.stay_selective * selective
        )
        stays = rng.random(n) < p_stay
        if school["kind"] == "ООШ":
            stays[:] = False  # basic schools have no grades 10-11
        reg.cohorts[key] = Cohort(people, eta, stays)
    return reg.cohorts[key]


def _class_labels(n: int, grade: int, cap: int) -> np.ndarray:
    n_cls = max(1, min(len(CLASS_LETTERS), math.ceil(n / cap)))
    return np.array([f"{grade}{CLASS_LETTERS[i % n_cls]}" for i in range(n)], dtype=object)


@dataclass(frozen=True)
class Blueprint:
    """Item parameters of one subject's tasks (short answers first, as in the strings)."""

    difficulty: np.ndarray
    discrimination: np.ndarray
    maxima: np.ndarray

    def expected_score(self, theta: float, shift: float) -> float:
        prob = expit(self.discrimination * (theta - self.difficulty - shift))
        return float((self.maxima * prob).sum())


def _exam(kind: GiaKind, sc: scales.GiaScale) -> str:
    """The exam's key in random streams: the subject (with the grade for kinds of several)."""
    return sc.subject if sc.grade is None else f"{sc.subject}{sc.grade}"


def _grade(kind: GiaKind, sc: scales.GiaScale) -> int:
    return kind.grades[0] if sc.grade is None else sc.grade


def _blueprint(reg: _Region, kind: GiaKind, sc: scales.GiaScale) -> Blueprint:
    """Tasks of a subject and structure: the same in every year that structure is used."""
    p = reg.params
    rng = rng_for(reg.ctx.seed, "gia", kind.code, "blueprint", _exam(kind, sc), sc.max_score)
    n_short, n_long = len(sc.short_max), len(sc.long_max)
    short = np.sort(rng.uniform(*p.short_difficulty, n_short))
    return Blueprint(
        difficulty=np.concatenate([short, rng.uniform(*p.long_difficulty, n_long)]),
        discrimination=rng.uniform(*p.discrimination, n_short + n_long),
        maxima=np.array([*sc.short_max, *sc.long_max]),
    )


def pass_score(sc: scales.GiaScale) -> int:
    """Lowest primary score that passes: «3» (ОГЭ) or the ЕГЭ minimum's test score."""
    if sc.marks is not None:
        return sc.marks[0]
    minimum = sc.minimum if sc.minimum is not None else 0
    return next(i for i, t in enumerate(sc.test_scores or (0,)) if t >= minimum)


def calibrate(bp: Blueprint, theta: float, score: float) -> float:
    """The difficulty shift that gives a student of ability ``theta`` the expected primary
    ``score`` (bisection: the expected score falls as the shift grows)."""
    lo, hi = -6.0, 6.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if bp.expected_score(theta, mid) > score:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def _deviation(reg: _Region, sd: float, *key: str | int) -> float:
    """One school-level normal deviation, drawn once per key from its own stream."""
    if key not in reg.deviations:
        reg.deviations[key] = float(rng_for(reg.ctx.seed, "gia", *key).normal(0.0, sd))
    return reg.deviations[key]


def _school_dev(reg: _Region, s: int, subject: str, year: int) -> float:
    """v_sk + w_sy: the school's subject deviation (shared by ОГЭ and ЕГЭ) and year noise."""
    code = str(reg.records[s]["school_code"])
    return _deviation(reg, reg.params.subject_dev_sd, "subject_dev", code, subject) + _deviation(
        reg, reg.params.school_year_sd, "school_year", code, year
    )


def _exam_date(seed: int, kind: GiaKind, year: int, subject: str) -> str:
    """A weekday from late May to mid June, fixed per procedure × year × subject."""
    rng = rng_for(seed, "gia", kind.code, "date", year, subject)
    day = date(year, 5, 20) + timedelta(days=int(rng.integers(0, 25)))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.strftime("%d.%m.%Y")


def _answer_strings(points: np.ndarray, sc: scales.GiaScale) -> tuple[list[str], list[str]]:
    """«+-2…» and «2(3)1(2)…» per row."""
    n_short = len(sc.short_max)
    short_max = np.array(sc.short_max)
    chars = np.where(
        points[:, :n_short] == 0,
        "-",
        np.where(short_max == 1, "+", points[:, :n_short].astype(int).astype(str)),
    )
    short = ["".join(row) for row in chars]
    pieces = [
        np.array([f"{v}({m})" for v in range(m + 1)], dtype=object)[points[:, n_short + j]]
        for j, m in enumerate(sc.long_max)
    ]
    long = ["".join(row) for row in zip(*pieces, strict=True)] if pieces else [""] * len(points)
    return short, long


@dataclass
class _Takers:
    """Everyone who sat one exam, in school order (parallel arrays)."""

    school: list[int] = field(default_factory=list)
    person: list[np.ndarray] = field(default_factory=list)
    theta: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)


def _takers(
    reg: _Region, kind: GiaKind, sc: scales.GiaScale
) -> tuple[_Takers, list[dict[str, object]]]:
    """Who sat the exam at each school (compulsory or chosen, not absent) and their ability."""
    ctx, p, model = reg.ctx, reg.params, reg.model
    grade = _grade(kind, sc)
    cohort_year = sc.year - (grade - COHORT_GRADE)
    compulsory = sc.subject in p.compulsory
    intercept, slope = p.choice.get(sc.subject, (-1.4, 0.0))
    rho = model.subject_corr
    out, truth = _Takers(), []
    for s, school in enumerate(reg.records):
        cohort = _cohort(reg, s, cohort_year)
        if grade == COHORT_GRADE:
            members = np.arange(len(cohort.eta))
        else:
            members = np.flatnonzero(cohort.stays)
        if p.share < 1.0:
            code = str(school["school_code"])
            drawn = rng_for(ctx.seed, kind.code, "share", code, sc.year, grade)
            members = members[drawn.random(members.size) < p.share]
        if members.size == 0:
            continue
        labels = _class_labels(members.size, grade, p.class_cap)
        rng = rng_for(
            ctx.seed, "gia", kind.code, sc.year, _exam(kind, sc), str(school["school_code"])
        )
        eps = rng.standard_normal(members.size)
        theta_mean = reg.mean[s] + _school_dev(reg, s, sc.subject, sc.year)
        theta = theta_mean + model.within_sd * (
            math.sqrt(rho) * cohort.eta[members] + math.sqrt(1 - rho) * eps
        )
        takes = rng.random(members.size) >= p.absent_share
        if not compulsory:
            takes &= rng.random(members.size) < expit(intercept + slope * (theta - reg.mean[s]))
        if not takes.any():
            continue
        out.school.append(s)
        out.person.append(members[takes])
        out.theta.append(theta[takes])
        out.labels.append(labels[takes])
        truth.append(
            {
                "school_code": school["school_code"],
                "year": sc.year,
                "subject": sc.subject,
                "mean_ability": round(float(theta_mean), 6),
                "n_participants": int(takes.sum()),
            }
        )
    return out, truth


def _shift(reg: _Region, kind: GiaKind, sc: scales.GiaScale, bp: Blueprint, theta: np.ndarray):
    """Difficulty shift of the year: calibrated once per subject (its first year) so that
    about ``target_below`` of the participants fall below the pass score, plus year noise."""
    p = reg.params
    key = (kind.code, _exam(kind, sc))
    if key not in reg.shifts:
        target = p.target_below.get(sc.subject, 0.08)
        reg.shifts[key] = calibrate(bp, float(np.quantile(theta, target)), pass_score(sc) - 0.5)
    year_rng = rng_for(reg.ctx.seed, "gia", kind.code, "year_shift", sc.year, _exam(kind, sc))
    return reg.shifts[key] + float(year_rng.normal(0.0, p.year_shift_sd))


def _exam_rows(
    reg: _Region, kind: GiaKind, sc: scales.GiaScale, exam_date: str
) -> tuple[list[list[object]], list[dict[str, object]]]:
    """Protocol rows (header order, typed values) and per-school truth of one exam."""
    ctx = reg.ctx
    rcoi = scales.rcoi_code(kind, sc.subject, _grade(kind, sc), ctx.config_dir)
    takers, truth = _takers(reg, kind, sc)
    if not takers.school:
        return [], truth
    theta = np.concatenate(takers.theta)
    bp = _blueprint(reg, kind, sc)
    shift = _shift(reg, kind, sc, bp, theta)
    rng = rng_for(ctx.seed, "gia", kind.code, sc.year, _exam(kind, sc), "points")
    prob = expit(bp.discrimination * (theta[:, None] - bp.difficulty - shift))
    points = rng.binomial(bp.maxima, prob)
    primary = points.sum(axis=1)
    if kind.by_marks:
        labels = (*sc.short_labels, *sc.long_labels)
        result = sc.marks_for(primary, {t: points[:, j] for j, t in enumerate(labels)})
    else:
        result = sc.test_scores_for(primary)
    short, long = _answer_strings(points, sc)
    rooms = rng.integers(1, 25, size=len(theta))
    variants = 300 + rng.integers(1, 11, size=len(theta))
    rows: list[list[object]] = []
    i = 0
    cohort_year = sc.year - (_grade(kind, sc) - COHORT_GRADE)
    written = ctx.labels(sc.year)  # codes as the registry had them that year
    for s, persons, labels_s in zip(takers.school, takers.person, takers.labels, strict=True):
        school = written.iloc[s]
        people = _cohort(reg, s, cohort_year).people
        ppe = f"{school['municipality_code']}{1 + s % 3:02d}"
        for person, label in zip(persons, labels_s, strict=True):
            rows.append(
                [
                    school["municipality_code"],
                    school["school_code"],
                    label,
                    ppe,
                    f"{rooms[i]:04d}",
                    people.surname[person],
                    people.first_name[person],
                    people.patronymic[person],
                    people.document[person],
                    int(rcoi),
                    exam_date,
                    int(variants[i]),
                    short[i],
                    long[i],
                    int(primary[i]),
                    round(100.0 * primary[i] / sc.max_score, 1),
                    int(result[i]),
                ]
            )
            i += 1
    rows.sort(key=lambda r: (r[1], r[2], r[5], r[6]))
    return rows, truth


def _header(kind: GiaKind) -> list[str]:
    return [*COMMON_COLUMNS, kind.result_header]


def _write_xlsx(
    path: Path, kind: GiaKind, sc: scales.GiaScale, title: str, rows: list[list[object]]
) -> Path:
    """An Excel protocol: two title rows (the first merged across), a blank row, the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_properties(
        {
            "title": f"Протокол {kind.title} {sc.year}: {sc.subject}",
            "author": "РЦОИ (демо)",
            "created": datetime(sc.year, 6, 30, 9, 0, 0),
        }
    )
    ws = wb.add_worksheet("Протокол")
    bold = wb.add_format({"bold": True})
    header = _header(kind)
    ws.merge_range(
        0, 0, 0, len(header) - 1, f"Протокол результатов {kind.title} {sc.year} года", bold
    )
    ws.write_string(1, 0, title)
    ws.write_row(3, 0, header, bold)
    for r, row in enumerate(rows, start=4):
        ws.write_row(r, 0, row)
    wb.close()
    return path


def _write_csv(path: Path, kind: GiaKind, rows: list[list[object]]) -> Path:
    """cp1251, «;», CRLF, decimal commas: a protocol saved from a Russian Windows Excel."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="cp1251", newline="") as fh:
        writer = csv.writer(fh, delimiter=";", lineterminator="\r\n")
        writer.writerow(_header(kind))
        for row in rows:
            writer.writerow(
                [f"{v:.1f}".replace(".", ",") if isinstance(v, float) else v for v in row]
            )
    return path


def _remove_stale(kind: GiaKind, folder: Path, written: set[Path]) -> None:
    pattern = file_name(kind)
    for path in folder.glob("*/*"):
        if pattern.fullmatch(path.name) and path.resolve() not in written:
            path.unlink()


def generate(kind: GiaKind, ctx: DemoContext, params: GiaDemoParams | None = None) -> list[Path]:
    """Write one procedure's protocols for every configured year and subject; truth beside."""
    params = params or GiaDemoParams()
    reg = _region(ctx, params)
    names = scales.subjects(kind, ctx.config_dir)
    order = list(names)
    grades: tuple[int | None, ...] = kind.grades if kind.several_grades else (None,)
    folder = ctx.out / kind.folder
    region_name = region(ctx.config_dir).name
    files: list[Path] = []
    truth: list[dict[str, object]] = []
    for year in ctx.years:
        for g, grade in enumerate(grades):
            for subject in order:
                sc = scales.scale(kind, year, subject, grade, ctx.config_dir)
                if sc is None:
                    continue
                exam_date = _exam_date(ctx.seed, kind, year, _exam(kind, sc))
                rows, school_truth = _exam_rows(reg, kind, sc, exam_date)
                truth += school_truth
                if not rows:
                    continue  # nobody sat it (a tiny region): no protocol, as in reality
                stem = folder / str(year) / f"{kind.code}_{year}_{subject}"
                name = names[subject]
                if grade is not None:
                    stem = stem.with_name(f"{stem.name}_{grade}")
                    name = f"{name}, {grade} класс"
                title = f"Предмет: {name}. Дата экзамена: {exam_date}. {region_name}"
                if (year + order.index(subject) + g) % 2 == 0:
                    files.append(_write_xlsx(stem.with_suffix(".xlsx"), kind, sc, title, rows))
                else:
                    files.append(_write_csv(stem.with_suffix(".csv"), kind, rows))
    if folder.is_dir():
        _remove_stale(kind, folder, {f.resolve() for f in files})
    truth_dir = ctx.truth_dir / "gia"
    truth_dir.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        truth, columns=["school_code", "year", "subject", "mean_ability", "n_participants"]
    ).to_parquet(truth_dir / f"{kind.code}_school_means.parquet", index=False)
    model = {
        "parameters": asdict(params),
        "difficulty_shift": {subject: round(v, 6) for (_, subject), v in reg.shifts.items()},
    }
    (truth_dir / f"{kind.code}_model.json").write_text(
        json.dumps(model, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return files
