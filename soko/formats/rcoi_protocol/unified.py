"""ОГЭ and ЕГЭ rows in the analytic base's cross-procedure shape (``soko.unified``).

Subject codes are ВПР's where the subject is the same (ru, ma, hi), and the participant id
is the salted pseudonym, the same for one person in ОГЭ and, two years later, in ЕГЭ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.formats.rcoi_protocol import scales
from soko.unified import unified_frame


def oge_unified(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    df = tables["oge_results"]
    df = df.assign(procedure="oge", passed=df["mark"].ge(3))
    return unified_frame(df)


def _minimums(results: pd.DataFrame) -> np.ndarray:
    """The pass threshold of each row's year and subject (NaN where the config has none)."""
    out = np.full(len(results), np.nan)
    keys = results[["year", "subject"]].astype("object")
    for (year, subject), idx in keys.groupby(["year", "subject"], sort=True).indices.items():
        sc = scales.scale("ege", int(year), str(subject))
        if sc is not None and sc.minimum is not None:
            out[idx] = sc.minimum
    return out


def ege_unified(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """ЕГЭ: ``scaled_score`` = test score; ``passed`` = at or above the certificate minimum
    (electives: the university minimum); no marks."""
    df = tables["ege_results"]
    score = df["test_score"].to_numpy(dtype="float64", na_value=np.nan)
    minimum = _minimums(df)
    known = ~np.isnan(score) & ~np.isnan(minimum)
    with np.errstate(invalid="ignore"):
        passed = pd.array(score >= minimum, dtype="boolean")
    passed[~known] = pd.NA
    df = df.assign(procedure="ege", scaled_score=score, passed=passed)
    return unified_frame(df)
