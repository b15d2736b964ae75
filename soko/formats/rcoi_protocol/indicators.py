"""Indicators of a protocol kind for region, municipalities and schools (true numbers,
unsuppressed).

Long tables like ВПР's (``level``, ``unit_code``, ``unit_name``, ``municipality_code``,
``year``, ``subject``, ``grade``, metrics): counts at the school grain are summed up to
municipalities and the region (``soko.indicators.levels.roll_up``), shares are taken from the
summed counts, then the change since the previous available year is added. Kinds with marks
(ОГЭ, ...) reuse ВПР's mark indicators (same marks «2»–«5») and add the mark conditions;
kinds with test scores (ЕГЭ) have test-score bands and minimums. :func:`derived_specs` gives
a kind's derived tables. Suppress small groups with ``soko.suppression`` before rendering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from soko import indicators as ind
from soko.config import RegionConfig
from soko.derive import DerivedSpec
from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.indicators import levels as lv

MARK_DYNAMICS: tuple[str, ...] = (
    "success_rate",
    "quality_rate",
    "share_mark2",
    "mean_primary_score",
)
SCORE_DYNAMICS: tuple[str, ...] = (
    "mean_test_score",
    "share_below_min",
    "share_below_university",
    "share_high",
)


PerTest = Callable[[scales.GiaScale | None, pd.DataFrame], tuple[np.ndarray, ...]]


def _per_test(
    results: pd.DataFrame, kind: GiaKind, compute: PerTest, n_outputs: int
) -> tuple[np.ndarray, ...]:
    """Apply ``compute(scale, rows)`` per year × subject × grade; its arrays come back in row
    order (NaN for rows of no group)."""
    outputs = [np.full(len(results), np.nan) for _ in range(n_outputs)]
    keys = results[list(lv.TEST_KEYS)].astype("object")
    for (year, subject, grade), idx in keys.groupby(list(lv.TEST_KEYS), sort=True).indices.items():
        sc = scales.scale(kind, int(year), str(subject), int(grade))
        for out, values in zip(outputs, compute(sc, results.iloc[idx]), strict=True):
            out[idx] = values
    return tuple(outputs)


# --- marks (ОГЭ, ...) -------------------------------------------------------------------------

MARK_EXTRA_COUNTS: tuple[str, ...] = ("n_below_threshold", "n_condition_failed")


def condition_counts(kind: GiaKind, results: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
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

    (by_threshold,) = _per_test(results, kind, compute, 1)
    frame["n_below_threshold"] = (by_threshold == 2).astype("int64")
    frame["n_condition_failed"] = ((by_threshold >= 3) & (mark == 2)).astype("int64")
    return (
        frame.groupby(keys, sort=True, dropna=False, observed=True)[list(MARK_EXTRA_COUNTS)]
        .sum()
        .reset_index()
    )


def marks_table(
    kind: GiaKind,
    results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
) -> pd.DataFrame:
    """Mark distribution, успеваемость, качество, mean primary score, dynamics.

    ВПР's ``marks_table`` columns plus ``n_below_threshold``, ``n_condition_failed`` and
    ``share_condition_failed`` (a «2» only because of an extra condition such as the geometry
    minimum), ``share_*_prev``/``_change`` and ``negative_dynamics``.
    """
    region = lv.resolve_region(region)
    maxima = (
        results.groupby(list(lv.TEST_KEYS), sort=True)["max_primary_score"]
        .max()
        .rename("max_score")
        .reset_index()
    )
    table = ind.marks_table(results, schools, maxima, region=region, levels=levels)
    extra = condition_counts(kind, results, [*lv.SCHOOL_GRAIN, *lv.TEST_KEYS])
    rolled = lv.roll_up(
        extra, lv.TEST_KEYS, MARK_EXTRA_COUNTS, region_code=region.code, levels=levels
    )
    keys = ["level", "unit_code", *lv.TEST_KEYS]
    table = table.merge(rolled.drop(columns="municipality_code"), on=keys, how="left")
    table["share_condition_failed"] = lv.safe_divide(table["n_condition_failed"], table["n"])
    table = ind.add_dynamics(table, list(MARK_DYNAMICS))
    return ind.flag_negative_dynamics(table)


def score_distribution(results: pd.DataFrame, schools: pd.DataFrame | None = None) -> pd.DataFrame:
    """Students per primary score for the region and municipalities (histograms)."""
    return ind.score_distribution_table(results, schools, levels=("region", "municipality"))


# --- test scores (ЕГЭ) ----------------------------------------------------------------------


def band_edges(kind: GiaKind, directory: Path | None = None) -> list[int]:
    return [int(b) for b in scales.gia_config(kind, directory)["bands"]]


def band_labels(kind: GiaKind, directory: Path | None = None) -> list[str]:
    """«0–20», «21–40», … «81–100» (ФИПИ's test-score bands)."""
    edges = band_edges(kind, directory)
    lows = [0, *(e + 1 for e in edges[:-1])]
    return [f"{lo}–{hi}" for lo, hi in zip(lows, edges, strict=True)]


def high_score(kind: GiaKind, directory: Path | None = None) -> int:
    return int(scales.gia_config(kind, directory)["high_score"])


def score_count_columns(kind: GiaKind, directory: Path | None = None) -> tuple[str, ...]:
    bands = tuple(f"n_band{i}" for i in range(1, len(band_edges(kind, directory)) + 1))
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


_SCORE_SUMS = ("_test_sum", "_primary_sum", "_n_primary")


def score_counts(kind: GiaKind, results: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
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

    min_any, min_cert, min_univ = _per_test(results, kind, compute, 3)
    has = ~np.isnan(score)
    frame = results[keys].copy()
    frame["n_participants"] = 1
    frame["n"] = has.astype("int64")
    edges = band_edges(kind)
    lows = [0, *(e + 1 for e in edges[:-1])]
    with np.errstate(invalid="ignore"):
        for i, (lo, hi) in enumerate(zip(lows, edges, strict=True), start=1):
            frame[f"n_band{i}"] = ((score >= lo) & (score <= hi)).astype("int64")
        for name, limit in (("min", min_any), ("certificate", min_cert), ("university", min_univ)):
            applies = has & ~np.isnan(limit)
            frame[f"n_with_{name}"] = applies.astype("int64")
            frame[f"n_below_{name}"] = (applies & (score < limit)).astype("int64")
        frame["n_high"] = (score >= high_score(kind)).astype("int64")
        frame["n_100"] = (score == 100).astype("int64")
    frame["_test_sum"] = np.nan_to_num(score)
    frame["_primary_sum"] = np.nan_to_num(primary)
    frame["_n_primary"] = (~np.isnan(primary)).astype("int64")
    columns = [*score_count_columns(kind), *_SCORE_SUMS]
    return frame.groupby(keys, sort=True, dropna=False, observed=True)[columns].sum().reset_index()


def _score_finish(kind: GiaKind, counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.copy()
    n = out["n"]
    for i in range(1, len(band_edges(kind)) + 1):
        out[f"share_band{i}"] = lv.safe_divide(out[f"n_band{i}"], n)
    for name in ("min", "certificate", "university"):
        out[f"share_below_{name}"] = lv.safe_divide(out[f"n_below_{name}"], out[f"n_with_{name}"])
    out["share_high"] = lv.safe_divide(out["n_high"], n)
    out["mean_test_score"] = lv.safe_divide(out["_test_sum"], n)
    out["mean_primary_score"] = lv.safe_divide(out["_primary_sum"], out["_n_primary"])
    return out.drop(columns=list(_SCORE_SUMS))


def score_stats(
    kind: GiaKind, results: pd.DataFrame, by: Sequence[str] = lv.TEST_KEYS
) -> pd.DataFrame:
    """Test-score indicators grouped any way (``by`` = columns of the results table).

    Columns: ``by``, counts (``n`` = with a test score, ``n_band1..5``, ``n_below_min`` =
    below the certificate minimum or, for electives, the university minimum, ``n_high`` ≥ 81,
    ``n_100``), their shares, ``mean_test_score``, ``mean_primary_score``.
    """
    return _score_finish(kind, score_counts(kind, results, by))


def scores_table(
    kind: GiaKind,
    results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
) -> pd.DataFrame:
    """Test-score indicators for region, municipalities and schools per year × subject, with
    the change since the previous available year (``*_prev``, ``*_change``)."""
    region = lv.resolve_region(region)
    counts = score_counts(kind, results, [*lv.SCHOOL_GRAIN, *lv.TEST_KEYS])
    sums = [*score_count_columns(kind), *_SCORE_SUMS]
    rolled = lv.roll_up(counts, lv.TEST_KEYS, sums, region_code=region.code, levels=levels)
    table = lv.add_unit_names(_score_finish(kind, rolled), schools, region)
    return ind.add_dynamics(table, list(SCORE_DYNAMICS))


# --- a kind's derived tables ------------------------------------------------------------------


def _derive(
    compute: Callable[..., pd.DataFrame],
    kind: GiaKind,
    schools: pd.DataFrame | None = None,
    **tables: pd.DataFrame,
) -> pd.DataFrame:
    """A derived table's compute: the build passes the results table by its own name."""
    return compute(kind, tables[kind.table], schools)


def _distribution(
    kind: GiaKind, results: pd.DataFrame, schools: pd.DataFrame | None
) -> pd.DataFrame:
    return score_distribution(results, schools)


def derived_specs(kind: GiaKind) -> tuple[DerivedSpec, ...]:
    """Marks kinds: ``<code>_marks`` and ``<code>_scores`` (primary-score distribution);
    test-score kinds: ``<code>_scores``."""
    inputs = (kind.table, "schools")
    if kind.by_marks:
        return (
            DerivedSpec(kind.indicator_table, inputs, partial(_derive, marks_table, kind)),
            DerivedSpec(
                str(kind.distribution_table), inputs, partial(_derive, _distribution, kind)
            ),
        )
    return (DerivedSpec(kind.indicator_table, inputs, partial(_derive, scores_table, kind)),)
