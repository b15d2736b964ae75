"""Mark distribution: shares of «2»–«5», успеваемость, качество знаний, mean primary score.

The first thing every ВПР report shows for a school next to its municipality and region.
Shares are over participants with a mark (``n``); ``n_participants`` also counts rows
without one, so a gap between the two is visible rather than hidden in the shares.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from soko.config import RegionConfig, vpr_scale
from soko.indicators import levels as lv

MARKS: tuple[int, ...] = (2, 3, 4, 5)

COUNT_COLUMNS: tuple[str, ...] = (
    "n_participants",
    "n",
    *(f"n_mark{m}" for m in MARKS),
)
RATE_COLUMNS: tuple[str, ...] = (
    *(f"share_mark{m}" for m in MARKS),
    "success_rate",
    "quality_rate",
    "mean_primary_score",
    "mean_score_share",
)
# Additive helpers summed before the means are taken.
_SUM_COLUMNS: tuple[str, ...] = (
    *COUNT_COLUMNS,
    "_score_sum",
    "_n_scored",
    "_score_share_sum",
    "_n_score_share",
)


def max_primary_scores(tasks: pd.DataFrame) -> pd.DataFrame:
    """Maximum primary score per test = sum of its tasks' maxima (``vpr_tasks``)."""
    out = tasks.groupby(list(lv.TEST_KEYS), sort=True, observed=True)["max_score"].sum()
    return out.rename("max_primary_score").reset_index()


def max_primary_scores_from_config(results: pd.DataFrame) -> pd.DataFrame:
    """Maximum primary score of each test in ``results`` from ``config/vpr_scales.yml``.

    Fallback when ``vpr_tasks`` is not at hand; tests without a configured scale get NA.
    """
    tests = results[list(lv.TEST_KEYS)].drop_duplicates().reset_index(drop=True)
    maxima = []
    for year, subject, grade in tests.itertuples(index=False):
        scale = vpr_scale(int(year), str(subject), int(grade))
        maxima.append(scale.max_score if scale else pd.NA)
    tests["max_primary_score"] = pd.array(maxima, dtype="Int64")
    return tests


def _row_max(results: pd.DataFrame, max_scores: pd.DataFrame | None) -> np.ndarray:
    """Each result row's test maximum (NaN when unknown), in row order."""
    if max_scores is None:
        return np.full(len(results), np.nan)
    joined = results[list(lv.TEST_KEYS)].merge(
        max_scores[[*lv.TEST_KEYS, "max_primary_score"]], on=list(lv.TEST_KEYS), how="left"
    )
    return joined["max_primary_score"].to_numpy(dtype="float64", na_value=np.nan)


def mark_counts(
    results: pd.DataFrame,
    by: Sequence[str],
    max_scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Additive counts per group (the input of both ``mark_stats`` and the roll-up)."""
    keys = list(by)
    mark = results["mark"].to_numpy(dtype="float64", na_value=np.nan)
    score = results["primary_score"].to_numpy(dtype="float64", na_value=np.nan)
    score_share = score / _row_max(results, max_scores)
    frame = results[keys].copy()
    frame["n_participants"] = 1
    frame["n"] = (~np.isnan(mark)).astype("int64")
    for m in MARKS:
        frame[f"n_mark{m}"] = (mark == m).astype("int64")
    frame["_score_sum"] = np.nan_to_num(score)
    frame["_n_scored"] = (~np.isnan(score)).astype("int64")
    frame["_score_share_sum"] = np.nan_to_num(score_share)
    frame["_n_score_share"] = (~np.isnan(score_share)).astype("int64")
    return (
        frame.groupby(keys, sort=True, dropna=False, observed=True)[list(_SUM_COLUMNS)]
        .sum()
        .reset_index()
    )


def _finish(counts: pd.DataFrame) -> pd.DataFrame:
    """Shares and means from summed counts; drops the helper sums."""
    out = counts.copy()
    n = out["n"]
    for m in MARKS:
        out[f"share_mark{m}"] = lv.safe_divide(out[f"n_mark{m}"], n)
    out["success_rate"] = lv.safe_divide(out["n_mark3"] + out["n_mark4"] + out["n_mark5"], n)
    out["quality_rate"] = lv.safe_divide(out["n_mark4"] + out["n_mark5"], n)
    out["mean_primary_score"] = lv.safe_divide(out["_score_sum"], out["_n_scored"])
    out["mean_score_share"] = lv.safe_divide(out["_score_share_sum"], out["_n_score_share"])
    return out.drop(columns=[c for c in _SUM_COLUMNS if c.startswith("_")])


def mark_stats(
    results: pd.DataFrame,
    by: Sequence[str] = lv.TEST_KEYS,
    *,
    max_scores: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Mark distribution grouped any way (``by`` = columns of ``results``).

    Keep the test keys in ``by`` unless pooling tests is meant. ``max_scores`` (from
    ``max_primary_scores``) enables ``mean_score_share``, the mean of each student's
    score / test maximum, which stays meaningful when tests are pooled.

    Columns: ``by``, ``n_participants``, ``n`` (with a mark), ``n_mark2..5``,
    ``share_mark2..5``, ``success_rate``, ``quality_rate``, ``mean_primary_score``,
    ``mean_score_share``.
    """
    return _finish(mark_counts(results, by, max_scores))


def marks_table(
    results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    tasks: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
) -> pd.DataFrame:
    """Mark distribution for region, municipalities and schools, per year × subject × grade.

    The test maximum comes from ``tasks`` (``vpr_tasks``) or, without it, from the config
    scales. Columns: ``level``, ``unit_code``, ``unit_name``, ``municipality_code``,
    ``year``, ``subject``, ``grade``, ``max_primary_score`` and the ``mark_stats`` metrics.
    """
    region = lv.resolve_region(region)
    max_scores = (
        max_primary_scores(tasks) if tasks is not None else max_primary_scores_from_config(results)
    )
    counts = mark_counts(results, [*lv.SCHOOL_GRAIN, *lv.TEST_KEYS], max_scores)
    rolled = lv.roll_up(counts, lv.TEST_KEYS, _SUM_COLUMNS, region_code=region.code, levels=levels)
    out = _finish(rolled)
    maxima = max_scores[[*lv.TEST_KEYS, "max_primary_score"]].astype({"max_primary_score": "Int64"})
    out = out.merge(maxima, on=list(lv.TEST_KEYS), how="left")
    out.insert(out.columns.get_loc("grade") + 1, "max_primary_score", out.pop("max_primary_score"))
    return lv.add_unit_names(out, schools, region)
