"""Signal 5: a jump followed by reversion across years (Jacob & Levitt, 2003).

Cheating lifts one year's results and the next year falls back; honest schools change
slowly. For a school's work (subject × grade, a new cohort each year) the spike of year y
against its neighbouring years present in the data,

    S = level_y − mean(level_{y−1}, level_{y+1}),

is standardised by its sampling variance plus the cohort-to-cohort variance σ²_c of honest
schools: Var S = v_y + Σ v_nb / k² + σ²_c (1 + 1/k), k = number of neighbours (1 at the ends
of the series: then it is a jump, or a fall-back, against the one year there is). σ²_c is half
the between-school variance of consecutive-year changes (``stats.between_variance``), so a
school is compared with how much the region's schools move from one cohort to the next.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.objectivity.stats import between_variance

SERIES: tuple[str, ...] = ("school_code", "subject", "grade")


def jump_signal(levels: pd.DataFrame, *, min_n: int = 10) -> pd.DataFrame:
    """Add ``jump`` (S), ``jump_neighbours`` and ``jump_reversion_z`` to unit levels."""
    out = levels.copy()
    ok = (out["n"] >= min_n) & np.isfinite(out["level"])
    lv = out["level"].where(ok)
    var = out["level_var"].where(ok)
    key = out[list(SERIES)].astype(str).agg("|".join, axis=1)
    table = pd.DataFrame({"key": key, "year": out["year"].astype("int64"), "lv": lv, "v": var})
    prev = table.assign(year=table["year"] + 1).rename(columns={"lv": "lv_prev", "v": "v_prev"})
    nxt = table.assign(year=table["year"] - 1).rename(columns={"lv": "lv_next", "v": "v_next"})
    t = table.merge(prev, on=["key", "year"], how="left").merge(nxt, on=["key", "year"], how="left")
    diff = (t["lv"] - t["lv_prev"]).to_numpy(dtype="float64")
    diff_var = (t["v"] + t["v_prev"]).to_numpy(dtype="float64")
    sigma2 = between_variance(diff, diff_var) / 2.0
    nb = t[["lv_prev", "lv_next"]].notna().sum(axis=1).to_numpy(dtype="float64")
    nb_mean = t[["lv_prev", "lv_next"]].mean(axis=1, skipna=True).to_numpy(dtype="float64")
    nb_var = t[["v_prev", "v_next"]].sum(axis=1, min_count=1).to_numpy(dtype="float64")
    spike = t["lv"].to_numpy(dtype="float64") - nb_mean
    with np.errstate(invalid="ignore", divide="ignore"):
        total_var = t["v"].to_numpy("float64") + nb_var / nb**2 + sigma2 * (1 + 1 / nb)
        z = np.where(nb > 0, spike / np.sqrt(total_var), np.nan)
    out["jump"] = np.where(nb > 0, spike, np.nan)
    out["jump_neighbours"] = nb.astype("int64")
    out["jump_reversion_z"] = z
    return out
