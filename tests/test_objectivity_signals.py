"""Objectivity signals on simulated works: honest schools stay near N(0, 1), a planted
manipulation of the kind a signal targets stands out (the simulation is the truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from soko.objectivity.difficulty import difficulty_signal, difficulty_stats
from soko.objectivity.expectation import expectation_signal, unit_levels
from soko.objectivity.patterns import (
    person_fit_signal,
    person_fit_stats,
    similarity_signal,
    task_profile,
)
from soko.objectivity.settings import Settings
from soko.objectivity.works import Work

MAXIMA = np.array([1, 1, 2, 1, 2, 1, 1, 2, 1, 3, 2, 2, 1, 2])
ADVANCED = np.arange(len(MAXIMA)) >= 10
DIFFICULTY = np.r_[np.linspace(-1.8, -0.3, 10), np.linspace(0.2, 1.4, 4)]
N_SCHOOLS, CLASS_SIZE = 120, 22


def simulate(seed: int, *, hard: tuple[int, ...] = (), copied: tuple[int, ...] = ()) -> Work:
    """120 schools × 2 classes of a 14-task work; ``hard`` schools get near-full П points
    for 70 % of their students, one class of each ``copied`` school writes a dictated vector."""
    rng = np.random.default_rng(seed)
    effect = rng.normal(0, 0.35, N_SCHOOLS)
    school = np.repeat(np.arange(N_SCHOOLS), 2 * CLASS_SIZE)
    cls = np.tile(np.repeat([0, 1], CLASS_SIZE), N_SCHOOLS)
    theta = effect[school] + rng.normal(0, 0.85, len(school))
    a = rng.uniform(0.8, 1.6, len(MAXIMA))
    prob = 1 / (1 + np.exp(-a * (theta[:, None] - DIFFICULTY[None, :])))
    scores = rng.binomial(MAXIMA[None, :], prob)
    for s in hard:
        rows = np.flatnonzero((school == s) & (rng.random(len(school)) < 0.7))
        boost = rng.binomial(MAXIMA[ADVANCED][None, :], 0.9, (len(rows), ADVANCED.sum()))
        scores[np.ix_(rows, np.flatnonzero(ADVANCED))] = np.maximum(
            scores[np.ix_(rows, np.flatnonzero(ADVANCED))], boost
        )
    for s in copied:
        rows = np.flatnonzero((school == s) & (cls == 0) & (rng.random(len(school)) < 0.7))
        key = rng.binomial(MAXIMA, 0.85)
        take = rng.random((len(rows), len(MAXIMA))) < 0.9
        scores[rows] = np.where(take, key[None, :], scores[rows])
    primary = scores.sum(axis=1)
    return Work(
        year=2025,
        subject="ma",
        grade=6,
        school=np.array([f"s{s:03d}" for s in school], dtype=object),
        class_label=np.array(["6А", "6Б"], dtype=object)[cls],
        primary=primary,
        mark=np.searchsorted([6, 11, 16], primary, side="right") + 2,
        journal=np.full(len(school), np.nan),
        scores=scores,
        maxima=MAXIMA,
        advanced=ADVANCED,
        thresholds=(6, 11, 16),
    )


@pytest.fixture(scope="module")
def honest() -> Work:
    return simulate(11)


@pytest.fixture(scope="module")
def manipulated() -> Work:
    return simulate(12, hard=(0, 1, 2, 3, 4), copied=(5, 6, 7, 8, 9))


def _by_school(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.set_index("school_code")[column]


def _signals(work: Work) -> pd.DataFrame:
    settings = Settings()
    profile = task_profile(work.scores, work.maxima, settings.profile_n)
    keys = {"year": work.year, "subject": work.subject, "grade": work.grade}
    diff = difficulty_signal(difficulty_stats(work, profile, settings).assign(**keys))
    fit = person_fit_signal(person_fit_stats(work, profile, settings).assign(**keys))
    sim = similarity_signal(work, profile, settings)
    return (
        diff[["school_code", "inverted_difficulty_z"]]
        .merge(fit[["school_code", "person_fit_z"]], on="school_code")
        .merge(sim[["school_code", "answer_similarity_z", "similarity_class"]], on="school_code")
        .set_index("school_code")
    )


def test_honest_schools_are_standard_normal(honest: Work) -> None:
    z = _signals(honest)
    for col in ("inverted_difficulty_z", "person_fit_z"):
        assert abs(z[col].mean()) < 0.25 and 0.75 < z[col].std() < 1.25, col
        assert (z[col] >= 2.5).mean() < 0.03, col
    # similarity is a conservative Poisson test of rare pairs: seldom far above 0
    assert (z["answer_similarity_z"] >= 2.5).mean() < 0.03


def test_hard_task_inflation_shows_as_inverted_difficulty_and_misfit(manipulated: Work) -> None:
    z = _signals(manipulated)
    hard = [f"s{s:03d}" for s in range(5)]
    rest = z.drop(index=[f"s{s:03d}" for s in range(10)])
    assert (z.loc[hard, "inverted_difficulty_z"] > 3).all()
    assert (z.loc[hard, "person_fit_z"] > 2).all()
    assert (rest["inverted_difficulty_z"] >= 3).mean() < 0.03


def test_dictated_class_shows_as_answer_similarity(manipulated: Work) -> None:
    z = _signals(manipulated)
    copied = [f"s{s:03d}" for s in range(5, 10)]
    assert (z.loc[copied, "answer_similarity_z"] > 4).all()
    assert (z.loc[copied, "similarity_class"] == "6А").all()
    hard = [f"s{s:03d}" for s in range(5)]
    assert (z.loc[hard, "answer_similarity_z"] < 3).all()  # inflated alone, not copied


def test_above_expectation_respects_context_and_other_procedures() -> None:
    """Results explained by context and ОГЭ are expected; a jump nothing explains is not."""
    rng = np.random.default_rng(13)
    n = 200
    codes = [f"s{s:03d}" for s in range(n)]
    isbs = rng.normal(0, 1, n)
    effect = rng.normal(0, 0.25, n)
    effect[0] = 0.9  # a genuinely strong lyceum: its ОГЭ shows it too
    lift = np.zeros(n)
    lift[1] = 0.9  # an ordinary school whose ВПР alone is high
    kind = np.where(np.arange(n) == 0, "Лицей", "СОШ")
    schools = pd.DataFrame(
        {"school_code": codes, "kind": kind, "locality": "Город", "school_name": codes}
    )
    context = pd.DataFrame({"school_code": codes, "year": 2025, "isbs": isbs})
    oge = pd.DataFrame(
        {
            "school_code": np.repeat(codes, 30),
            "year": 2025,
            "subject": "ma",
            "primary_score": np.repeat(0.4 * isbs + effect, 30) + rng.normal(0, 1, 30 * n),
        }
    )
    school = np.repeat(np.arange(n), 40)
    primary = np.round(
        15 + 4 * (0.4 * isbs + effect + lift)[school] + rng.normal(0, 4, len(school))
    ).astype(int)
    work = Work(
        year=2025,
        subject="ma",
        grade=6,
        school=np.array(codes, dtype=object)[school],
        class_label=np.array(["6А"] * len(school), dtype=object),
        primary=primary,
        mark=np.ones(len(school), dtype=int),
        journal=np.full(len(school), np.nan),
        scores=np.zeros((len(school), 0), dtype=int),
        maxima=np.array([40]),
        advanced=np.array([False]),
        thresholds=(10, 15, 20),
    )
    levels = unit_levels(work).assign(year=2025, subject="ma", grade=6)
    out = expectation_signal(levels, schools, context, oge_results=oge)
    z = _by_school(out, "above_expectation_z")
    assert z["s001"] > 3.5
    assert z["s000"] < 2.0
    rest = z.drop(index=["s000", "s001"])
    assert abs(rest.mean()) < 0.2 and 0.8 < rest.std() < 1.2
