"""One ВПР work (year × subject × grade) as arrays: the unit every signal starts from.

Signals compare a school with the region inside one work, so they need each participant's
school, class, marks and task-score vector side by side. ``iter_works`` builds that once per
work from the long canonical tables (``vpr_task_scores`` runs to tens of millions of rows in a
large region); a task a participant did not do (NA) counts 0 points, as in ФИС ОКО.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.config import vpr_scale

WORK_KEYS: tuple[str, ...] = ("year", "subject", "grade")
UNIT_KEYS: tuple[str, ...] = (*WORK_KEYS, "school_code")


@dataclass(frozen=True)
class Work:
    """Participants of one work in the region (row order of ``vpr_results``)."""

    year: int
    subject: str
    grade: int
    school: np.ndarray  # str school codes
    class_label: np.ndarray  # str
    primary: np.ndarray  # int
    mark: np.ndarray  # int
    journal: np.ndarray  # float, NaN when not reported
    scores: np.ndarray  # int (participants × tasks), NA = 0
    maxima: np.ndarray  # int per task
    advanced: np.ndarray  # bool per task (level П)
    thresholds: tuple[int, int, int] | None  # minimum primary score for «3», «4», «5»
    scale_max: int | None = None  # the scale's maximum primary score (config), if known

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.year, self.subject, self.grade)

    @property
    def max_score(self) -> int:
        """Maximum primary score: the tasks' sum, else the scale's, else the best seen."""
        if len(self.maxima):
            return int(self.maxima.sum())
        if self.scale_max is not None:
            return int(self.scale_max)
        return int(self.primary.max()) if len(self.primary) else 0

    def __len__(self) -> int:
        return len(self.school)


def scale_thresholds(
    year: int, subject: str, grade: int, primary: np.ndarray, mark: np.ndarray
) -> tuple[int, int, int] | None:
    """The year's scale from config; without one, the lowest primary score seen per mark."""
    scale = vpr_scale(year, subject, grade)
    if scale is not None:
        return scale.thresholds
    found = []
    for m in (3, 4, 5):
        at_least = primary[mark >= m]
        if len(at_least) == 0:
            return None
        found.append(int(at_least.min()))
    return (found[0], found[1], found[2])


def iter_works(
    vpr_results: pd.DataFrame,
    vpr_task_scores: pd.DataFrame | None = None,
    vpr_tasks: pd.DataFrame | None = None,
) -> Iterator[Work]:
    """Every work of ``vpr_results`` in key order; without task tables, ``scores`` is empty."""
    keys = list(WORK_KEYS)
    score_rows: dict[tuple, np.ndarray] = {}
    if vpr_task_scores is not None and len(vpr_task_scores):
        score_rows = {
            _norm(k): v for k, v in vpr_task_scores.groupby(keys, sort=False).indices.items()
        }
    task_rows: dict[tuple, pd.DataFrame] = {}
    if vpr_tasks is not None and len(vpr_tasks):
        for k, part in vpr_tasks.groupby(keys, sort=False):
            task_rows[_norm(k)] = part.sort_values("task_order")
    for k, res in vpr_results.groupby(keys, sort=True):
        key = _norm(k)
        primary = res["primary_score"].to_numpy(dtype="int64")
        mark = res["mark"].to_numpy(dtype="int64")
        tasks = task_rows.get(key)
        if tasks is None:
            maxima = np.zeros(0, dtype="int64")
            advanced = np.zeros(0, dtype=bool)
        else:
            maxima = tasks["max_score"].to_numpy(dtype="int64")
            advanced = (tasks["level"] == "П").to_numpy(dtype=bool)
        scores = np.zeros((len(res), len(maxima)), dtype="int64")
        idx = score_rows.get(key)
        if idx is not None and tasks is not None:
            part = vpr_task_scores.iloc[idx]
            people = pd.MultiIndex.from_arrays(
                [res["school_code"].astype(str), res["participant_code"].astype(str)]
            )
            row = people.get_indexer(
                pd.MultiIndex.from_arrays(
                    [part["school_code"].astype(str), part["participant_code"].astype(str)]
                )
            )
            col = pd.Index(tasks["task"].astype(str)).get_indexer(part["task"].astype(str))
            val = part["score"].to_numpy(dtype="float64", na_value=np.nan)
            ok = (row >= 0) & (col >= 0) & ~np.isnan(val)
            scores[row[ok], col[ok]] = val[ok].astype("int64")
        yield Work(
            year=key[0],
            subject=key[1],
            grade=key[2],
            school=res["school_code"].astype(str).to_numpy(dtype=object),
            class_label=res["class_label"].astype(str).to_numpy(dtype=object),
            primary=primary,
            mark=mark,
            journal=res["journal_mark"].to_numpy(dtype="float64", na_value=np.nan),
            scores=scores,
            maxima=maxima,
            advanced=advanced,
            thresholds=scale_thresholds(key[0], key[1], key[2], primary, mark),
            scale_max=_scale_max(key),
        )


def _scale_max(key: tuple[int, str, int]) -> int | None:
    scale = vpr_scale(*key)
    return None if scale is None else scale.max_score


def _norm(key: tuple) -> tuple[int, str, int]:
    return (int(key[0]), str(key[1]), int(key[2]))


def school_groups(school: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, index of each participant's school in codes) — codes sorted."""
    codes, inverse = np.unique(school.astype(str), return_inverse=True)
    return codes, inverse
