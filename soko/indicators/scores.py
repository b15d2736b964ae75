"""Primary-score distribution: students per primary score, for histograms with mark thresholds.

Pronounced peaks exactly at a mark threshold are a known sign of non-objective checking, so
the histogram is drawn per unit against the year's scale. Only counts leave this module,
never student rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from soko.config import RegionConfig
from soko.indicators import levels as lv


def _score_counts(results: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    scored = results.loc[results["primary_score"].notna(), [*by, "primary_score"]]
    counts = (
        scored.groupby([*by, "primary_score"], sort=True, dropna=False, observed=True)
        .size()
        .rename("n_students")
        .reset_index()
    )
    counts["primary_score"] = counts["primary_score"].astype("int64")
    return counts


def _finish(counts: pd.DataFrame, group: Sequence[str]) -> pd.DataFrame:
    """Add the group total ``n`` and each score's ``share`` of it."""
    out = counts.copy()
    out["n"] = out.groupby(list(group), sort=False, dropna=False, observed=True)[
        "n_students"
    ].transform("sum")
    out["share"] = lv.safe_divide(out["n_students"], out["n"])
    return out


def score_distribution(results: pd.DataFrame, by: Sequence[str] = lv.TEST_KEYS) -> pd.DataFrame:
    """Students per observed primary score, grouped any way (``by`` = columns of ``results``).

    Participants without a primary score are left out. Scores nobody got have no row.
    Columns: ``by``, ``primary_score``, ``n_students``, ``n`` (students with a score in the
    group), ``share`` (= n_students / n).
    """
    return _finish(_score_counts(results, list(by)), list(by))


def score_distribution_table(
    results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
) -> pd.DataFrame:
    """Primary-score distribution for region, municipalities and schools.

    Columns: ``level``, ``unit_code``, ``unit_name``, ``municipality_code``, ``year``,
    ``subject``, ``grade``, ``primary_score``, ``n_students``, ``n``, ``share``.
    """
    region = lv.resolve_region(region)
    counts = _score_counts(results, [*lv.SCHOOL_GRAIN, *lv.TEST_KEYS])
    keys = [*lv.TEST_KEYS, "primary_score"]
    rolled = lv.roll_up(counts, keys, ["n_students"], region_code=region.code, levels=levels)
    out = _finish(rolled, ["level", "unit_code", *lv.TEST_KEYS])
    return lv.add_unit_names(out, schools, region)
