"""ВПР mark vs the school's journal mark: понизили / подтвердили / повысили.

A school whose students systematically get lower marks on ВПР than in its journal is a
standard signal of inflated current marks (or of a non-objective ВПР if the reverse). Only
participants with both marks are compared (``n``); ``n_no_journal`` shows how many the
school did not report, since a school could hide the gap by not reporting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from soko.config import RegionConfig, thresholds
from soko.indicators import levels as lv

OUTCOMES: tuple[str, ...] = ("lowered", "confirmed", "raised")
COUNT_COLUMNS: tuple[str, ...] = (
    "n_participants",
    "n",
    "n_lowered",
    "n_confirmed",
    "n_raised",
    "n_large_gap",
    "n_no_journal",
)
RATE_COLUMNS: tuple[str, ...] = (
    "share_lowered",
    "share_confirmed",
    "share_raised",
    "share_large_gap",
)


def default_large_gap() -> int:
    return int(thresholds()["journal"]["large_gap"])


def journal_counts(
    results: pd.DataFrame, by: Sequence[str], *, large_gap: int | None = None
) -> pd.DataFrame:
    """Additive counts per group; the input of both ``journal_stats`` and the roll-up."""
    gap_limit = default_large_gap() if large_gap is None else large_gap
    keys = list(by)
    mark = results["mark"].to_numpy(dtype="float64", na_value=np.nan)
    journal = results["journal_mark"].to_numpy(dtype="float64", na_value=np.nan)
    gap = mark - journal  # NaN unless both present
    both = ~np.isnan(gap)
    frame = results[keys].copy()
    frame["n_participants"] = 1
    frame["n"] = both.astype("int64")
    with np.errstate(invalid="ignore"):
        frame["n_lowered"] = (gap < 0).astype("int64")
        frame["n_confirmed"] = (gap == 0).astype("int64")
        frame["n_raised"] = (gap > 0).astype("int64")
        frame["n_large_gap"] = (np.abs(gap) >= gap_limit).astype("int64")
    frame["n_no_journal"] = np.isnan(journal).astype("int64")
    return (
        frame.groupby(keys, sort=True, dropna=False, observed=True)[list(COUNT_COLUMNS)]
        .sum()
        .reset_index()
    )


def _finish(counts: pd.DataFrame) -> pd.DataFrame:
    out = counts.copy()
    for name in (*OUTCOMES, "large_gap"):
        out[f"share_{name}"] = lv.safe_divide(out[f"n_{name}"], out["n"])
    return out


def journal_stats(
    results: pd.DataFrame,
    by: Sequence[str] = lv.TEST_KEYS,
    *,
    large_gap: int | None = None,
) -> pd.DataFrame:
    """ВПР vs journal grouped any way (``by`` = columns of ``results``).

    ``lowered``: ВПР mark below the journal mark; ``raised``: above; ``large_gap``:
    |ВПР − journal| ≥ ``large_gap`` (config ``journal.large_gap``, 2). Shares are over ``n``,
    the participants with both marks.

    Columns: ``by``, ``n_participants``, ``n``, ``n_lowered``, ``n_confirmed``,
    ``n_raised``, ``n_large_gap``, ``n_no_journal``, ``share_lowered``,
    ``share_confirmed``, ``share_raised``, ``share_large_gap``.
    """
    return _finish(journal_counts(results, by, large_gap=large_gap))


def journal_table(
    results: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    *,
    region: RegionConfig | None = None,
    levels: Sequence[str] = lv.LEVELS,
    large_gap: int | None = None,
) -> pd.DataFrame:
    """ВПР vs journal for region, municipalities and schools, per year × subject × grade.

    Columns: ``level``, ``unit_code``, ``unit_name``, ``municipality_code``, ``year``,
    ``subject``, ``grade`` and the ``journal_stats`` metrics.
    """
    region = lv.resolve_region(region)
    counts = journal_counts(results, [*lv.SCHOOL_GRAIN, *lv.TEST_KEYS], large_gap=large_gap)
    rolled = lv.roll_up(counts, lv.TEST_KEYS, COUNT_COLUMNS, region_code=region.code, levels=levels)
    return lv.add_unit_names(_finish(rolled), schools, region)
