"""Task completion: share of the maximum points per task, with level (Б/П) and zone.

Completion = points earned / (participants × task maximum). A task a participant did not
do (score NA, «X» in the file) counts as 0 points, as in ФИС ОКО; so does a participant
with no row for the task. The zone (deficit / grey / sufficient) uses the thresholds of
``config/thresholds.yml`` for the task's level, which is how methodists pick the skills
to work on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from soko.config import RegionConfig, thresholds
from soko.indicators import levels as lv

ZONES: tuple[str, ...] = ("deficit", "grey", "sufficient")
TASK_COLUMNS: tuple[str, ...] = ("task", "task_order", "task_level", "max_score")
# Shares are ratios of integers, so a value equal to a threshold is exact; the tolerance
# only guards against a threshold written with more digits than float can hold.
_EPS = 1e-9


def default_thresholds() -> dict[str, dict[str, float]]:
    return dict(thresholds()["task_completion"])


def task_zone(
    completion: pd.Series,
    task_level: pd.Series,
    zone_thresholds: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.Series:
    """Zone of each completion share: ``deficit`` below the level's ``deficit`` threshold,
    ``sufficient`` at or above ``sufficient``, ``grey`` between; NA if either is unknown."""
    limits = default_thresholds() if zone_thresholds is None else zone_thresholds
    # Look thresholds up per distinct level, not per row: rows run to millions.
    codes, uniques = pd.factorize(task_level)
    nan = float("nan")
    d_of = np.array([float(limits[u]["deficit"]) if u in limits else nan for u in uniques] + [nan])
    s_of = np.array(
        [float(limits[u]["sufficient"]) if u in limits else nan for u in uniques] + [nan]
    )
    c = completion.to_numpy(dtype="float64", na_value=np.nan)
    d = d_of[codes]  # code -1 (NA level) picks the trailing NaN
    s = s_of[codes]
    with np.errstate(invalid="ignore"):
        zone = np.select([c < d - _EPS, c < s - _EPS], ["deficit", "grey"], "sufficient")
    zone = np.where(np.isnan(c) | np.isnan(d) | np.isnan(s), None, zone)
    return pd.Series(zone, index=completion.index, dtype="str", name="zone")


def _task_info(tasks: pd.DataFrame) -> pd.DataFrame:
    info = tasks[[*lv.TEST_KEYS, "task", "task_order", "max_score", "level"]]
    return info.rename(columns={"level": "task_level"})


def _task_points(
    task_scores: pd.DataFrame, results: pd.DataFrame, by: Sequence[str]
) -> pd.DataFrame:
    """Points per group and task. Groups by task-score columns directly when it can, and
    joins the participants' result rows only for columns task scores do not carry."""
    by = list(by)
    missing = [c for c in by if c not in task_scores.columns]
    scores = task_scores[[*lv.PARTICIPANT_KEYS, "task", "score"]] if missing else task_scores
    if missing:
        people = results[[*lv.PARTICIPANT_KEYS, *missing]]
        scores = scores.merge(people, on=list(lv.PARTICIPANT_KEYS), how="inner")
    points = scores.groupby([*by, "task"], sort=False, dropna=False, observed=True)["score"].sum()
    return points.astype("int64").rename("points").reset_index()


def _expand(
    n: pd.DataFrame, tasks: pd.DataFrame, points: pd.DataFrame, by: list[str]
) -> pd.DataFrame:
    """Every group × every task of its test, with 0 points where nobody scored."""
    frame = n.merge(tasks[[*lv.TEST_KEYS, "task"]], on=list(lv.TEST_KEYS), how="inner")
    frame = frame.merge(points, on=[*by, "task"], how="left")
    frame["points"] = frame["points"].fillna(0).astype("int64")
    return frame


def _finish(
    frame: pd.DataFrame,
    tasks: pd.DataFrame,
    keys: list[str],
    zone_thresholds: Mapping[str, Mapping[str, Any]] | None,
) -> pd.DataFrame:
    out = frame.merge(_task_info(tasks), on=[*lv.TEST_KEYS, "task"], how="left")
    out["completion"] = lv.safe_divide(out["points"], out["n"] * out["max_score"])
    out["zone"] = task_zone(out["completion"], out["task_level"], zone_thresholds)
    lead = [c for c in frame.columns if c not in ("task", "n", "points")]
    out = out[[*lead, *TASK_COLUMNS, "n", "points", "completion", "zone"]]
    sort_keys = [*[k for k in keys if k != "task"], "task_order"]
    return lv.sort_rows(out, sort_keys)


def task_completion(
    results: pd.DataFrame,
    task_scores: pd.DataFrame,
    tasks: pd.DataFrame,
    by: Sequence[str] = lv.TEST_KEYS,
    *,
    zone_thresholds: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Task completion grouped any way; ``by`` must contain the test keys (task maxima and
    levels are per test). Extra ``by`` columns may come from ``results`` (e.g.
    ``class_label``, ``variant``, or a column merged onto results beforehand).

    ``n`` = participants of the group in ``results``. Columns: ``by``, ``task``,
    ``task_order``, ``task_level`` (Б/П), ``max_score``, ``n``, ``points``,
    ``completion`` (points / (n × max_score)), ``zone``.
    """
    by = list(by)
    if not set(lv.TEST_KEYS) <= set(by):
        raise ValueError(f"task_completion needs the test keys {list(lv.TEST_KEYS)} in `by`")
    n = results.groupby(by, sort=False, dropna=False, observed=True).size().rename("n")
    points = _task_points(task_scores, results, by)
    frame = _expand(n.reset_index(), tasks, points, by)
    return _finish(frame, tasks, by, zone_thresholds)


def task_completion_table(
    results: pd.DataFrame,
    task_scores: pd.DataFrame,
    tasks: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
    zone_thresholds: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Task completion for region, municipalities and schools, per test and task.

    Columns: ``level``, ``unit_code``, ``unit_name``, ``municipality_code``, ``year``,
    ``subject``, ``grade``, ``task``, ``task_order``, ``task_level``, ``max_score``, ``n``,
    ``points``, ``completion``, ``zone``.
    """
    region = lv.resolve_region(region)
    school_keys = [*lv.TEST_KEYS, "school_code"]
    n = results.groupby([*lv.SCHOOL_GRAIN, *lv.TEST_KEYS], sort=False, dropna=False, observed=True)
    n = n.size().rename("n").reset_index()
    points = _task_points(task_scores, results, school_keys)
    counts = _expand(n, tasks, points, school_keys)
    rolled = lv.roll_up(
        counts,
        [*lv.TEST_KEYS, "task"],
        ["n", "points"],
        region_code=region.code,
        levels=levels,
        sort=False,
    )
    out = _finish(rolled, tasks, ["level", "unit_code", *lv.TEST_KEYS, "task"], zone_thresholds)
    return lv.add_unit_names(out, schools, region)
