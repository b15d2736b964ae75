"""ОГЭ and ЕГЭ indicators for region, municipalities and schools (true numbers, unsuppressed).

Long tables like ВПР's (``level``, ``unit_code``, ``unit_name``, ``municipality_code``,
``year``, ``subject``, ``grade``, metrics): counts at the school grain are summed up to
municipalities and the region (``soko.indicators.levels.roll_up``), shares are taken from the
summed counts, then the change since the previous available year is added. ОГЭ reuses ВПР's
mark indicators (same marks «2»–«5») and adds the mark conditions; ЕГЭ has test-score bands
and minimums. Suppress small groups with ``soko.suppression`` before rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from soko import indicators as ind
from soko.config import RegionConfig
from soko.formats.rcoi_protocol import scales
from soko.indicators.levels import (
    LEVELS,
    SCHOOL_GRAIN,
    TEST_KEYS,
    add_unit_names,
    resolve_region,
    roll_up,
    safe_divide,
)

OGE_DYNAMICS: tuple[str, ...] = (
    "success_rate",
    "quality_rate",
    "share_mark2",
    "mean_primary_score",
)
EGE_DYNAMICS: tuple[str, ...] = (
    "mean_test_score",
    "share_below_min",
    "share_below_university",
    "share_high",
)


PerTest = Callable[[scales.GiaScale | None, pd.DataFrame], tuple[np.ndarray, ...]]


def _per_test(
    results: pd.DataFrame, procedure: str, compute: PerTest, n_outputs: int
) -> tuple[np.ndarray, ...]:
    """Apply ``compute(scale, rows)`` per year × subject; its arrays come back in row order
    (NaN for rows of no group)."""
    outputs = [np.full(len(results), np.nan) for _ in range(n_outputs)]
    keys = results[["year", "subject"]].astype("object")
    for (year, subject), idx in keys.groupby(["year", "subject"], sort=True).indices.items():
        sc = scales.scale(procedure, int(year), str(subject))
        for out, values in zip(outputs, compute(sc, results.iloc[idx]), strict=True):
            out[idx] = values
    return tuple(outputs)


# --- ОГЭ ------------------------------------------------------------------------------------

OGE_EXTRA_COUNTS: tuple[str, ...] = ("n_below_threshold", "n_condition_failed")


def oge_condition_counts(results: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Per group: «2» by the primary score alone, and «2» only for a failed extra condition
    (the primary score reached «3», the geometry or similar minimum did not)."""
    keys = list(by)
    frame = results[keys].copy()
    mark = results["mark"].to_numpy(dtype="float64", na_value=np.nan)

    def compute(sc: scales.GiaScale | None, rows: pd.DataFrame) -> tuple[np.ndarray]:
        primary = rows["primary_score"].to_numpy(dtype="float64", na_value=np.nan)
        if sc is None or sc.marks is None:
            return (np.full(len(rows), np.nan),)
        return (sc.threshold_marks(primary),)

    (by_threshold,) = _per_test(results, "oge", compute, 1)
    frame["n_below_threshold"] = (by_threshold == 2).astype("int64")
    frame["n_condition_failed"] = ((by_threshold >= 3) & (mark == 2)).astype("int64")
    return (
        frame.groupby(keys, sort=True, dropna=False, observed=True)[list(OGE_EXTRA_COUNTS)]
        .sum()
        .reset_index()
    )


def oge_marks_table(
    oge_results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = LEVELS,
) -> pd.DataFrame:
    """ОГЭ mark distribution, успеваемость, качество, mean primary score, dynamics.

    ВПР's ``marks_table`` columns plus ``n_below_threshold``, ``n_condition_failed`` and
    ``share_condition_failed`` (a «2» only because of an extra condition such as the geometry
    minimum), ``share_*_prev``/``_change`` and ``negative_dynamics``.
    """
    region = resolve_region(region)
    maxima = (
        oge_results.groupby(list(TEST_KEYS), sort=True)["max_primary_score"]
        .max()
        .rename("max_score")
        .reset_index()
    )
    table = ind.marks_table(oge_results, schools, maxima, region=region, levels=levels)
    extra = oge_condition_counts(oge_results, [*SCHOOL_GRAIN, *TEST_KEYS])
    rolled = roll_up(extra, TEST_KEYS, OGE_EXTRA_COUNTS, region_code=region.code, levels=levels)
    keys = ["level", "unit_code", *TEST_KEYS]
    table = table.merge(rolled.drop(columns="municipality_code"), on=keys, how="left")
    table["share_condition_failed"] = safe_divide(table["n_condition_failed"], table["n"])
    table = ind.add_dynamics(table, list(OGE_DYNAMICS))
    return ind.flag_negative_dynamics(table)


def oge_score_distribution(
    oge_results: pd.DataFrame, schools: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Students per primary score for the region and municipalities (histograms)."""
    return ind.score_distribution_table(oge_results, schools, levels=("region", "municipality"))


# --- ЕГЭ ------------------------------------------------------------------------------------


def band_edges(directory: Path | None = None) -> list[int]:
    return [int(b) for b in scales.gia_config("ege", directory)["bands"]]


def band_labels(directory: Path | None = None) -> list[str]:
    """«0–20», «21–40», … «81–100» (ФИПИ's test-score bands)."""
    edges = band_edges(directory)
    lows = [0, *(e + 1 for e in edges[:-1])]
    return [f"{lo}–{hi}" for lo, hi in zip(lows, edges, strict=True)]


def high_score(directory: Path | None = None) -> int:
    return int(scales.gia_config("ege", directory)["high_score"])


def ege_count_columns(directory: Path | None = None) -> tuple[str, ...]:
    bands = tuple(f"n_band{i}" for i in range(1, len(band_edges(directory)) + 1))
    return (
        "n_participants",
        "n",
        *bands,
        "n_with_min",
        "n_below_min",
        "n_with_certificate",
        "n_below_certificate",
        "n_with_university",
        "n_below_university",
        "n_high",
        "n_100",
    )


_EGE_SUMS = ("_test_sum", "_primary_sum", "_n_primary")


def ege_counts(results: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Additive counts per group; ``n_with_*`` count participants whose subject has that
    minimum (electives have no certificate minimum), the denominators of the shares."""
    keys = list(by)
    score = results["test_score"].to_numpy(dtype="float64", na_value=np.nan)
    primary = results["primary_score"].to_numpy(dtype="float64", na_value=np.nan)

    def compute(sc: scales.GiaScale | None, rows: pd.DataFrame) -> tuple[np.ndarray, ...]:
        n = len(rows)
        if sc is None:
            return (np.full(n, np.nan),) * 3
        return tuple(
            np.full(n, np.nan if v is None else float(v))
            for v in (sc.minimum, sc.certificate_min, sc.university_min)
        )

    min_any, min_cert, min_univ = _per_test(results, "ege", compute, 3)
    has = ~np.isnan(score)
    frame = results[keys].copy()
    frame["n_participants"] = 1
    frame["n"] = has.astype("int64")
    lows = [0, *(e + 1 for e in band_edges()[:-1])]
    with np.errstate(invalid="ignore"):
        for i, (lo, hi) in enumerate(zip(lows, band_edges(), strict=True), start=1):
            frame[f"n_band{i}"] = ((score >= lo) & (score <= hi)).astype("int64")
        for name, limit in (("min", min_any), ("certificate", min_cert), ("university", min_univ)):
            applies = has & ~np.isnan(limit)
            frame[f"n_with_{name}"] = applies.astype("int64")
            frame[f"n_below_{name}"] = (applies & (score < limit)).astype("int64")
        frame["n_high"] = (score >= high_score()).astype("int64")
        frame["n_100"] = (score == 100).astype("int64")
    frame["_test_sum"] = np.nan_to_num(score)
    frame["_primary_sum"] = np.nan_to_num(primary)
    frame["_n_primary"] = (~np.isnan(primary)).astype("int64")
    columns = [*ege_count_columns(), *_EGE_SUMS]
    return frame.groupby(keys, sort=True, dropna=False, observed=True)[columns].sum().reset_index()


def _ege_finish(counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.copy()
    n = out["n"]
    for i in range(1, len(band_edges()) + 1):
        out[f"share_band{i}"] = safe_divide(out[f"n_band{i}"], n)
    for name in ("min", "certificate", "university"):
        out[f"share_below_{name}"] = safe_divide(out[f"n_below_{name}"], out[f"n_with_{name}"])
    out["share_high"] = safe_divide(out["n_high"], n)
    out["mean_test_score"] = safe_divide(out["_test_sum"], n)
    out["mean_primary_score"] = safe_divide(out["_primary_sum"], out["_n_primary"])
    return out.drop(columns=list(_EGE_SUMS))


def ege_stats(results: pd.DataFrame, by: Sequence[str] = TEST_KEYS) -> pd.DataFrame:
    """ЕГЭ indicators grouped any way (``by`` = columns of ``ege_results``).

    Columns: ``by``, counts (``n`` = with a test score, ``n_band1..5``, ``n_below_min`` =
    below the certificate minimum or, for electives, the university minimum, ``n_high`` ≥ 81,
    ``n_100``), their shares, ``mean_test_score``, ``mean_primary_score``.
    """
    return _ege_finish(ege_counts(results, by))


def ege_scores_table(
    ege_results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = LEVELS,
) -> pd.DataFrame:
    """ЕГЭ indicators for region, municipalities and schools per year × subject, with the
    change since the previous available year (``*_prev``, ``*_change``)."""
    region = resolve_region(region)
    counts = ege_counts(ege_results, [*SCHOOL_GRAIN, *TEST_KEYS])
    sums = [*ege_count_columns(), *_EGE_SUMS]
    rolled = roll_up(counts, TEST_KEYS, sums, region_code=region.code, levels=levels)
    table = add_unit_names(_ege_finish(rolled), schools, region)
    return ind.add_dynamics(table, list(EGE_DYNAMICS))
