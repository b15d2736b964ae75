"""Demo survey files: students' and parents' questionnaires and the invited contingents.

Each school has a latent climate per year (satisfaction, engagement, teacher support),
consistent with its context and true effect; a respondent's latent traits scatter around
the school's, and each Likert answer is an ordered-category draw from the item's trait
(negatively worded items answered the other way round). Schools differ in response rate;
some tiny or reluctant schools end up with fewer than five respondents, which reports must
suppress. A few answers are left empty. The truth (school latent means, response
probabilities) goes to ``truth_dir/survey_schools.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from soko.demo.model import KIND_OOSH, rng_for
from soko.demo.writers import write_csv
from soko.formats.replicate_study.demo import remove_stale
from soko.procedure import DemoContext
from soko.procedures.survey.settings import Questionnaire, SurveySettings, survey_settings

RESPONSE_HEAD = ("Код ОО", "Код анкеты", "Дата заполнения", "Респондент", "Класс")
CONTINGENT_HEADER = ("Код ОО", "Год", "Анкета", "Приглашено")
FILE_NAMES = {"students": "anketa_obuchayushchihsya", "parents": "anketa_roditeley"}
FACTORS = ("satisfaction", "engagement", "support")


@dataclass(frozen=True)
class SurveyDemoParams:
    """Constants of the survey demo (latent units: respondent SDs)."""

    response_mean: dict[str, float] = field(
        default_factory=lambda: {"students": 0.75, "parents": 0.5}
    )
    response_concentration: float = 8.0  # Beta(a, b) with a + b = this
    reluctant_share: float = 0.06  # schools that barely take part in a given year
    reluctant_rate: float = 0.08
    context_coef: float = 0.25
    effect_coef: float = 0.6
    school_sd: float = 0.25
    school_year_sd: float = 0.08
    trend_per_year: float = 0.04
    engagement_from_satisfaction: float = 0.5
    cut_points: tuple[float, float, float, float] = (-1.6, -0.8, 0.0, 0.9)
    item_noise_sd: float = 0.75
    missing_answer_share: float = 0.04
    # which latent trait drives each item (items of several indices load on the first)
    item_factor: dict[str, str] = field(
        default_factory=lambda: {
            "У01": "satisfaction", "У02": "satisfaction", "У03": "satisfaction",
            "У04": "satisfaction", "У05": "engagement", "У06": "engagement",
            "У07": "engagement", "У08": "engagement", "У09": "support", "У10": "support",
            "У11": "engagement", "Р01": "satisfaction", "Р02": "satisfaction",
            "Р03": "satisfaction", "Р04": "engagement", "Р05": "satisfaction",
            "Р06": "satisfaction", "Р07": "engagement", "Р08": "engagement",
            "Р09": "satisfaction",
        }
    )  # fmt: skip


def school_climate(
    schools: pd.DataFrame, seed: int, years: tuple[int, ...], params: SurveyDemoParams
) -> pd.DataFrame:
    """Latent school means per year and questionnaire: the survey's truth."""
    rng = rng_for(seed, "survey", "climate")
    n = len(schools)
    base = (
        params.context_coef * schools["context"].to_numpy()
        + params.effect_coef * schools["true_effect"].to_numpy()
    )
    frames = []
    for q in ("students", "parents"):
        stable = {f: base + rng.normal(0, params.school_sd, n) for f in FACTORS}
        stable["engagement"] = params.engagement_from_satisfaction * stable[
            "satisfaction"
        ] + rng.normal(0, params.school_sd, n)
        for k, year in enumerate(years):
            shift = params.trend_per_year * k + rng.normal(0, params.school_year_sd, n)
            frames.append(
                pd.DataFrame(
                    {
                        "year": year,
                        "questionnaire": q,
                        "school_code": schools["school_code"].to_numpy(),
                        **{f"latent_{f}": stable[f] + shift for f in FACTORS},
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def _invited_by_grade(
    schools: pd.DataFrame, q: Questionnaire, rng: np.random.Generator
) -> np.ndarray:
    """Students (or their parents) invited per school and grade: (n_schools, n_grades)."""
    basic = (schools["kind"] == KIND_OOSH).to_numpy()
    grades = np.asarray(q.grades)
    invited = rng.poisson(schools["cohort"].to_numpy()[:, None], (len(schools), len(grades)))
    invited[basic[:, None] & (grades[None, :] > 9)] = 0
    return invited


def _factor(item: str, q: Questionnaire, params: SurveyDemoParams) -> str:
    """The latent trait behind an item: as planted, else its first index's (a region's own
    questionnaire needs no code change), else satisfaction."""
    if item in params.item_factor:
        return params.item_factor[item]
    owner = next((code for code, ix in q.indices.items() if item in ix.items), None)
    return owner if owner in FACTORS else "satisfaction"


def _answers(
    latent: np.ndarray,
    q: Questionnaire,
    rng: np.random.Generator,
    params: SurveyDemoParams,
    seed: int,
) -> np.ndarray:
    """Likert answers (n, items) as strings, '' for no answer. ``latent``: (n, factors)."""
    items = list(q.items)
    n = len(latent)
    factor_pos = np.array([FACTORS.index(_factor(i, q, params)) for i in items])
    easiness = rng_for(seed, "survey", "items", q.code).uniform(0.0, 0.7, len(items))
    sign = np.array([-1.0 if i in q.reversed else 1.0 for i in items])
    z = sign * (latent[:, factor_pos] + easiness) + rng.normal(
        0, params.item_noise_sd, (n, len(items))
    )
    answer = 1 + np.searchsorted(np.asarray(params.cut_points), z, side="right")
    text = answer.astype(str)
    text[rng.random((n, len(items))) < params.missing_answer_share] = ""
    return text


def _survey_dates(year: int, n: int, rng: np.random.Generator) -> list[str]:
    start = date(year, 2, 1)
    days = rng.integers(0, 50, n)
    return [(start + timedelta(days=int(d))).strftime("%d.%m.%Y") for d in days]


def simulate_year(
    schools: pd.DataFrame,
    climate: pd.DataFrame,
    seed: int,
    year: int,
    settings: SurveySettings,
    params: SurveyDemoParams,
    exists: np.ndarray | None = None,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame, pd.DataFrame]:
    """Response files (per questionnaire), the contingent file and the response truth;
    ``exists`` (per school) leaves out schools that no longer exist that year."""
    responses: dict[str, pd.DataFrame] = {}
    contingent, truth = [], []
    for q_code, q in settings.questionnaires.items():
        rng = rng_for(seed, "survey", year, q_code)
        invited = _invited_by_grade(schools, q, rng)
        if exists is not None:
            invited[~exists] = 0  # a school merged away no longer surveys
        total = invited.sum(axis=1)
        mean = params.response_mean[q_code]
        c = params.response_concentration
        prob = rng.beta(mean * c, (1 - mean) * c, len(schools))
        prob = np.where(
            rng.random(len(schools)) < params.reluctant_share, params.reluctant_rate, prob
        )
        answered = rng.binomial(invited, prob[:, None])
        school = np.repeat(np.arange(len(schools)), answered.sum(axis=1))
        grade = (
            np.concatenate([np.repeat(q.grades, row) for row in answered]).astype(int)
            if len(school)
            else np.array([], dtype=int)
        )
        lat = climate[(climate["year"] == year) & (climate["questionnaire"] == q_code)]
        school_latent = lat[[f"latent_{f}" for f in FACTORS]].to_numpy()[school]
        person = rng.standard_normal((len(school), len(FACTORS)))
        person[:, 1] += params.engagement_from_satisfaction * person[:, 0]
        answers = _answers(school_latent + person, q, rng, params, seed)
        ids = 100_000 + rng.choice(900_000, len(school), replace=False)
        frame = pd.DataFrame(
            {
                "Код ОО": schools["school_code"].to_numpy()[school],
                "Код анкеты": ids.astype(str),
                "Дата заполнения": _survey_dates(year, len(school), rng),
                "Респондент": q.respondent,
                "Класс": grade,
            }
        )
        frame = pd.concat([frame, pd.DataFrame(answers, columns=list(q.items))], axis=1)
        order = rng.permutation(len(frame))  # export order: by submission, not by school
        responses[q_code] = frame.iloc[order].reset_index(drop=True)
        keep = total > 0
        contingent.append(
            pd.DataFrame(
                {
                    "Код ОО": schools["school_code"].to_numpy()[keep],
                    "Год": year,
                    "Анкета": q.contingent,
                    "Приглашено": total[keep],
                }
            )
        )
        truth.append(
            pd.DataFrame(
                {
                    "year": year,
                    "questionnaire": q_code,
                    "school_code": schools["school_code"].to_numpy(),
                    "n_invited": total,
                    "response_prob": prob,
                    "n_responded": answered.sum(axis=1),
                }
            )
        )
    return responses, pd.concat(contingent, ignore_index=True), pd.concat(truth, ignore_index=True)


def generate(ctx: DemoContext, params: SurveyDemoParams | None = None) -> list[Path]:
    """``Procedure.demo``: per year two questionnaires and a contingent file (cp1251 CSV)."""
    params = params or SurveyDemoParams()
    settings = survey_settings(ctx.config_dir)
    climate = school_climate(ctx.schools, ctx.seed, ctx.years, params)
    files: list[Path] = []
    truths = []
    for year in ctx.years:
        responses, contingent, truth = simulate_year(
            ctx.schools,
            climate,
            ctx.seed,
            year,
            settings,
            params,
            exists=ctx.labels(year)["exists"].to_numpy(dtype=bool),
        )
        folder = ctx.out / "surveys" / str(year)
        for q_code, frame in responses.items():
            path = folder / f"{FILE_NAMES[q_code]}_{year}.csv"
            files.append(write_csv(path, list(frame.columns), frame.itertuples(index=False)))
        path = folder / f"kontingent_{year}.csv"
        files.append(write_csv(path, CONTINGENT_HEADER, contingent.itertuples(index=False)))
        truths.append(truth)
    patterns = ("*/anketa_*.csv", "*/kontingent_*.csv")
    remove_stale(ctx.out / "surveys", patterns, files)
    ctx.truth_dir.mkdir(parents=True, exist_ok=True)
    truth = pd.concat(truths, ignore_index=True).merge(
        climate, on=["year", "questionnaire", "school_code"], how="left"
    )
    truth.to_parquet(ctx.truth_dir / "survey_schools.parquet", index=False)
    return files
