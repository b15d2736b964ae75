"""Year-on-year change of an indicator and the negative-dynamics flag.

Reports compare each year with the previous year *available* for the same unit and test:
subjects other than Russian and mathematics are assigned by lot, so a school may skip
years. Compare task rows across years only where the task structure did not change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from soko.config import thresholds

# Columns that identify "the same thing" in another year, when present in the table.
DYNAMICS_KEYS: tuple[str, ...] = (
    "level",
    "unit_code",
    "subject",
    "grade",
    "task",
    "primary_score",
)


def default_keys(table: pd.DataFrame) -> list[str]:
    return [c for c in DYNAMICS_KEYS if c in table.columns]


def add_dynamics(
    table: pd.DataFrame,
    value_columns: Sequence[str],
    *,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add the previous available year's values and the change, row order kept.

    New columns: ``prev_year`` (NA when there is no earlier year), ``n_prev`` (when the
    table has ``n``: suppression needs the earlier group's size too), and per value column
    ``<col>_prev`` and ``<col>_change`` (= value − previous value; for shares in share
    units, i.e. 0.10 = 10 percentage points).
    """
    keys = default_keys(table) if keys is None else list(keys)
    values = list(value_columns)
    if table.duplicated([*keys, "year"]).any():
        raise ValueError(
            f"rows are not unique by {[*keys, 'year']}: pass `keys` identifying a series"
        )
    carry = ["year", *(["n"] if "n" in table.columns else []), *values]
    # Work on positions so that any index (even a duplicated one) comes back unchanged.
    work = table.reset_index(drop=True)
    ordered = work.sort_values([*keys, "year"], kind="stable")
    prev = ordered.groupby(keys, sort=False, dropna=False, observed=True)[carry].shift(1)
    prev = prev.sort_index().set_axis(table.index)
    out = table.copy()
    out["prev_year"] = prev["year"].astype("Int64")
    if "n" in table.columns:
        out["n_prev"] = prev["n"].astype("Int64")
    for col in values:
        out[f"{col}_prev"] = prev[col]
        out[f"{col}_change"] = out[col] - prev[col]
    return out


def flag_negative_dynamics(
    table: pd.DataFrame,
    *,
    rise_pp: float | None = None,
    keys: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Add ``negative_dynamics``: the share of «2» rose by ≥ ``rise_pp`` percentage points
    (config ``dynamics.negative_share2_rise_pp``, 10) since the previous available year.

    NA where there is no previous year. Works on a ``marks_table``/``mark_stats`` output;
    adds ``share_mark2_prev``/``_change`` first if they are missing.
    """
    limit = (
        float(thresholds()["dynamics"]["negative_share2_rise_pp"]) if rise_pp is None else rise_pp
    )
    out = table
    if "share_mark2_change" not in out.columns:
        out = add_dynamics(out, ["share_mark2"], keys=keys)
    else:
        out = out.copy()
    change_pp = out["share_mark2_change"].to_numpy(dtype="float64", na_value=np.nan) * 100
    # Round so that 0.30 − 0.20 (= 0.0999… in binary) counts as the 10 pp it is.
    flag = pd.array(np.round(change_pp, 9) >= limit, dtype="boolean")
    flag[np.isnan(change_pp)] = pd.NA
    out["negative_dynamics"] = flag
    return out
