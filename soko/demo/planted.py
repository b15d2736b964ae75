"""Planted non-objectivity: which schools manipulate, where, and how it shows in the data.

About ``planted_share`` of the schools (at least one per kind; never a strong genuine school)
get one manipulation kind, active in some years and some subject × grade works:

* ``hard_task_inflation`` — affected students get near-full points on advanced (П) tasks
  whatever their ability: the "inverted difficulty" sign of Rosobrnadzor's criteria.
* ``threshold_bunching`` — students a few points below a mark threshold get the missing
  points on tasks with headroom, landing on the threshold or one above it.
* ``journal_inflation`` — journal marks set to the ВПР mark + 1 or + 2 (at most 5).
* ``answer_copying`` — in one class, a share of the students write dictated answers: their
  task-score vectors are near-copies of one high-scoring vector (Jacob & Levitt's identical
  answer strings).

Manipulations change task scores (or journal marks) before the primary score and the mark
are computed, so every row stays internally consistent: the signal is in the data, not in a
format error. Planted schools are chosen across school sizes (terciles of students per grade).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.demo.model import MANIPULATIONS, ModelParams, rng_for


@dataclass(frozen=True)
class PlantedSchool:
    """One manipulating school: its kind, intensity, years and subject × grade works."""

    school: int  # row index in the school table
    school_code: str
    kind: str
    share: float  # intensity: probability an eligible student is affected
    years: tuple[int, ...]
    works: tuple[tuple[str, int], ...]  # (subject, grade)


@dataclass(frozen=True)
class PlantedAction:
    """A planted school's manipulation inside one file."""

    school: int
    school_code: str
    kind: str
    share: float


def _chosen_schools(
    rng: np.random.Generator, schools: pd.DataFrame, params: ModelParams
) -> list[int]:
    """Row indices of the manipulating schools: the first draws of the "planted" stream, so
    :func:`planted_school_indices` knows them without the works (the measures' demo keeps
    its treated schools apart from them)."""
    cohort = schools["cohort"].to_numpy()
    eligible = np.flatnonzero(
        ~schools["strong_genuine"].to_numpy() & (cohort >= params.planted_min_cohort)
    )
    if len(eligible) == 0:
        return []
    n_planted = min(
        len(eligible), max(params.planted_min, round(params.planted_share * len(schools)))
    )
    by_size = eligible[np.argsort(cohort[eligible], kind="stable")]
    terciles = [rng.permutation(t) for t in np.array_split(by_size, 3) if len(t)]
    chosen: list[int] = []
    while len(chosen) < n_planted:
        for t in terciles:
            left = [s for s in t if s not in chosen]
            if left and len(chosen) < n_planted:
                chosen.append(int(left[0]))
    return chosen


def planted_school_indices(seed: int, schools: pd.DataFrame, params: ModelParams) -> list[int]:
    """The schools :func:`choose_planted` picks (row indices), without their kinds and works."""
    return _chosen_schools(rng_for(seed, "planted"), schools, params)


def choose_planted(
    seed: int,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    works: list[tuple[str, int]],
    params: ModelParams,
) -> list[PlantedSchool]:
    """Pick the manipulating schools across size terciles and give each kind, years, works."""
    rng = rng_for(seed, "planted")
    chosen = _chosen_schools(rng, schools, params)
    if not chosen:
        return []
    compulsory = [w for w in works if w[0] in ("ru", "ma")]
    out: list[PlantedSchool] = []
    for i, school in enumerate(chosen):
        # chosen cycles through the size terciles; this cycles kinds against them so that every
        # kind meets every tercile (for three kinds: i + i // 3, as before the fourth was added)
        n_kinds = len(MANIPULATIONS)
        kind = MANIPULATIONS[(i + i // math.lcm(3, n_kinds)) % n_kinds]
        n_years = int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))
        chosen_years = tuple(
            sorted(int(y) for y in rng.choice(years, min(n_years, len(years)), replace=False))
        )
        if kind == "journal_inflation":
            pool, n_works = works, int(rng.integers(3, 8))
        elif kind == "answer_copying":
            pool, n_works = works, int(rng.integers(2, 5))
        elif kind == "threshold_bunching":
            pool, n_works = compulsory, int(rng.integers(2, 5))
        else:
            pool, n_works = compulsory, int(rng.integers(2, 4))
        picks = rng.choice(len(pool), min(n_works, len(pool)), replace=False)
        out.append(
            PlantedSchool(
                school=school,
                school_code=str(schools["school_code"].iloc[school]),
                kind=kind,
                share=round(
                    float(rng.uniform(params.affected_share_low, params.affected_share_high)), 3
                ),
                years=chosen_years,
                works=tuple(sorted(pool[int(k)] for k in picks)),
            )
        )
    return sorted(out, key=lambda ps: ps.school)


def actions_by_file(
    planted: list[PlantedSchool],
) -> dict[tuple[int, str, int], list[PlantedAction]]:
    """(year, subject, grade) -> the manipulations active in that file."""
    out: dict[tuple[int, str, int], list[PlantedAction]] = {}
    for ps in planted:
        for year in ps.years:
            for subject, grade in ps.works:
                out.setdefault((year, subject, grade), []).append(
                    PlantedAction(ps.school, ps.school_code, ps.kind, ps.share)
                )
    return out


def inflate_hard_tasks(
    scores: np.ndarray,
    missing: np.ndarray,
    rows: np.ndarray,
    maxima: np.ndarray,
    advanced: np.ndarray,
    share: float,
    params: ModelParams,
    rng: np.random.Generator,
) -> int:
    """Near-full points on П tasks for a share of the school's students; returns how many."""
    adv = np.flatnonzero(advanced)
    aff = rows[rng.random(len(rows)) < share]
    if len(aff) == 0 or len(adv) == 0:
        return 0
    success = rng.uniform(
        params.hard_task_success_low, params.hard_task_success_high, (len(aff), 1)
    )
    new = rng.binomial(maxima[adv][None, :], success)
    cells = np.ix_(aff, adv)
    old = scores[cells]
    scores[cells] = np.maximum(old, new)
    missing[cells] = missing[cells] & (new == 0)
    return int((new > old).any(axis=1).sum())


def bunch_at_thresholds(
    scores: np.ndarray,
    missing: np.ndarray,
    rows: np.ndarray,
    maxima: np.ndarray,
    thresholds: tuple[int, int, int],
    share: float,
    params: ModelParams,
    rng: np.random.Generator,
) -> int:
    """Push students a few points below a threshold onto it (or one above); returns how many."""
    window = max(params.bunching_window_min, round(params.bunching_window_share * maxima.sum()))
    affected = 0
    for i in rows:
        primary = int(scores[i].sum())
        target = next((t for t in thresholds if t - window <= primary < t), None)
        if target is None or rng.random() >= share:
            continue
        target += int(rng.random() < 0.3)
        gain = min(target - primary, int((maxima - scores[i]).sum()))
        for _ in range(gain):
            room = np.flatnonzero(scores[i] < maxima)
            j = int(room[rng.integers(len(room))])
            scores[i, j] += 1
            missing[i, j] = False
        affected += 1
    return affected


def inflate_journal(
    journal: np.ndarray,
    journal_missing: np.ndarray,
    mark: np.ndarray,
    rows: np.ndarray,
    share: float,
    params: ModelParams,
    rng: np.random.Generator,
) -> int:
    """Journal mark raised to the ВПР mark + 1 or + 2 (max 5); returns how many changed."""
    reported = rows[~journal_missing[rows]]
    aff = reported[rng.random(len(reported)) < share]
    boost = 1 + (rng.random(len(aff)) < params.journal_boost_two_prob)
    new = np.maximum(journal[aff], np.minimum(5, mark[aff] + boost))
    changed = int((new != journal[aff]).sum())
    journal[aff] = new
    return changed


def copy_answers(
    scores: np.ndarray,
    missing: np.ndarray,
    rows: np.ndarray,
    class_label: np.ndarray,
    maxima: np.ndarray,
    share: float,
    params: ModelParams,
    rng: np.random.Generator,
) -> int:
    """Dictated answers in one class of the school; returns how many students changed.

    One class is drawn; the dictated vector earns ``Binomial(max, s)`` points per task with
    ``s ~ U(copy_key_success_low, copy_key_success_high)``; for a share (= intensity) of the
    class, each task cell becomes the dictated one with probability ``copy_fidelity`` (the
    rest stays the student's own work). A copied cell is written, never «X».
    """
    if len(rows) == 0:
        return 0
    labels = class_label[rows]
    classes = np.unique(labels)
    members = rows[labels == classes[rng.integers(len(classes))]]
    copiers = members[rng.random(len(members)) < share]
    success = rng.uniform(params.copy_key_success_low, params.copy_key_success_high)
    key = rng.binomial(maxima, success)
    take = rng.random((len(copiers), len(maxima))) < params.copy_fidelity
    old = scores[copiers]
    new = np.where(take, key[None, :], old)
    scores[copiers] = new
    missing[copiers] = missing[copiers] & ~take
    return int((new != old).any(axis=1).sum())
