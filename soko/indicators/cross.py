"""One school across procedures: ВПР grade 8 vs its ОГЭ a year later, ОГЭ vs ЕГЭ two years on.

The decree's roadmap (004_* 3.1) asks to compare procedures at school level: a school whose
ВПР-8 results are far above its own ОГЭ the next year (the same cohort, now under external
proctoring) is a known sign of non-objective ВПР. Everything here works on the unified
``results`` shape (:mod:`soko.unified`, the analytic base's table), so any pair of
procedures, grades and lag can be compared; a region's pairs are ``comparisons`` in
``config/region.yml`` (composed in :mod:`soko.registry`).

Per school the metrics are those of the mark tables, computed the same way for every
procedure: ``mean_mark``; ``success_rate`` = share ``passed`` (mark ≥ 3, or the ЕГЭ
minimum); ``quality_rate`` = share of marks 4 and 5 (NA without marks, as in ЕГЭ);
``mean_score_share`` = mean primary score / maximum, comparable across works.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from soko.config import core_subjects
from soko.indicators.levels import SCHOOL_GRAIN, safe_divide

METRICS: tuple[str, ...] = ("mean_mark", "success_rate", "quality_rate", "mean_score_share")
_STAT_KEYS = (*SCHOOL_GRAIN, "year", "subject")


@dataclass(frozen=True)
class Stage:
    """One procedure in one grade: what a cohort writes at some point of its schooling."""

    procedure: str
    grade: int


@dataclass(frozen=True)
class Comparison:
    """``earlier`` in year Y against ``later`` in year Y + ``lag``, school by school."""

    code: str
    earlier: Stage
    later: Stage
    lag: int


def school_stats(
    results: pd.DataFrame, stage: Stage, subjects: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per school × year × subject of one stage: ``n`` (participants) and :data:`METRICS`."""
    rows = results[(results["procedure"] == stage.procedure) & (results["grade"] == stage.grade)]
    if subjects is not None:
        rows = rows[rows["subject"].isin(list(subjects))]
    mark = rows["mark"].to_numpy(dtype="float64", na_value=np.nan)
    passed = rows["passed"].to_numpy(dtype="float64", na_value=np.nan)
    share = rows["primary_score"].to_numpy(dtype="float64", na_value=np.nan) / rows[
        "max_primary_score"
    ].to_numpy(dtype="float64", na_value=np.nan)
    frame = rows[list(_STAT_KEYS)].assign(
        n=1,
        _mark=np.nan_to_num(mark),
        _n_mark=~np.isnan(mark),
        _quality=mark >= 4,
        _passed=np.nan_to_num(passed),
        _n_passed=~np.isnan(passed),
        _share=np.nan_to_num(share),
        _n_share=~np.isnan(share),
    )
    sums = frame.groupby(list(_STAT_KEYS), sort=True, dropna=False, observed=True).sum()
    out = sums[["n"]].copy()
    out["mean_mark"] = safe_divide(sums["_mark"], sums["_n_mark"])
    out["success_rate"] = safe_divide(sums["_passed"], sums["_n_passed"])
    out["quality_rate"] = safe_divide(sums["_quality"], sums["_n_mark"])
    out["mean_score_share"] = safe_divide(sums["_share"], sums["_n_share"])
    return out.reset_index()


def compare_schools(
    results: pd.DataFrame,
    earlier: Stage,
    later: Stage,
    lag: int,
    subjects: Sequence[str] | Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Each school's ``earlier`` stage in year Y next to its ``later`` stage in Y + ``lag``.

    ``subjects``: codes compared with themselves, or a mapping earlier -> later code
    (default: ``core_subjects`` of ``config/region.yml``). Only
    schools with both stages appear. Columns: ``municipality_code``, ``school_code``,
    ``subject``, ``year``, ``year_later``, ``n_earlier``, ``n_later`` and per metric
    ``<metric>_earlier``, ``<metric>_later``, ``<metric>_diff`` (later − earlier).
    """
    if subjects is None:
        subjects = core_subjects()
    pairs = dict(subjects) if isinstance(subjects, Mapping) else {s: s for s in subjects}
    a = school_stats(results, earlier, list(pairs))
    b = school_stats(results, later, list(pairs.values()))
    back = {v: k for k, v in pairs.items()}
    b = b.assign(subject=b["subject"].map(back), year_later=b["year"], year=b["year"] - lag)
    out = a.merge(
        b.drop(columns="municipality_code"),
        on=["school_code", "year", "subject"],
        suffixes=("_earlier", "_later"),
        how="inner",
    )
    for metric in METRICS:
        out[f"{metric}_diff"] = out[f"{metric}_later"] - out[f"{metric}_earlier"]
    lead = [*SCHOOL_GRAIN, "subject", "year", "year_later", "n_earlier", "n_later"]
    metrics = [f"{m}_{part}" for m in METRICS for part in ("earlier", "later", "diff")]
    return out[lead + metrics].sort_values(["subject", "year", "school_code"], ignore_index=True)


def correlations(
    comparison: pd.DataFrame, min_n: int = 5, metrics: Sequence[str] = METRICS
) -> pd.DataFrame:
    """Across schools, per subject × year: Pearson r of each metric's earlier and later value.

    Schools with fewer than ``min_n`` participants in either stage are left out (a mean of
    three students says little). Columns: ``subject``, ``year``, ``metric``, ``n_schools``,
    ``r`` (NaN with fewer than 3 schools or no spread).
    """
    big = comparison[(comparison["n_earlier"] >= min_n) & (comparison["n_later"] >= min_n)]
    rows = []
    for (subject, year), part in big.groupby(["subject", "year"], sort=True):
        for metric in metrics:
            both = part[[f"{metric}_earlier", f"{metric}_later"]].dropna().astype("float64")
            x, y = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
            spread = len(both) >= 3 and x.std() > 0 and y.std() > 0
            r = float(np.corrcoef(x, y)[0, 1]) if spread else np.nan
            rows.append((subject, int(year), metric, len(both), r))
    return pd.DataFrame(rows, columns=["subject", "year", "metric", "n_schools", "r"])
