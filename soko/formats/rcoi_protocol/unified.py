"""A protocol kind's rows in the analytic base's cross-procedure shape (``soko.unified``).

Subject codes are ВПР's where the subject is the same (ru, ma, hi), and the participant id
is the salted pseudonym, the same for one person in ОГЭ and, two years later, in ЕГЭ.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from soko.formats.rcoi_protocol import scales
from soko.formats.rcoi_protocol.kinds import GiaKind
from soko.unified import unified_frame


def _minimums(kind: GiaKind, results: pd.DataFrame) -> np.ndarray:
    """The pass threshold of each row's exam (NaN where the config has none)."""
    out = np.full(len(results), np.nan)
    keys = results[["year", "subject", "grade"]].astype("object")
    groups = keys.groupby(["year", "subject", "grade"], sort=True).indices
    for (year, subject, grade), idx in groups.items():
        sc = scales.scale(kind, int(year), str(subject), int(grade))
        if sc is not None and sc.minimum is not None:
            out[idx] = sc.minimum
    return out


def unified_results(kind: GiaKind, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Marks kinds: ``passed`` = «3» or above. Test-score kinds: ``scaled_score`` = test
    score; ``passed`` = at or above the certificate minimum (electives: the university
    minimum); no marks."""
    df = tables[kind.table]
    if kind.by_marks:
        return unified_frame(df.assign(procedure=kind.code, passed=df["mark"].ge(3)))
    score = df["test_score"].to_numpy(dtype="float64", na_value=np.nan)
    minimum = _minimums(kind, df)
    known = ~np.isnan(score) & ~np.isnan(minimum)
    with np.errstate(invalid="ignore"):
        passed = pd.array(score >= minimum, dtype="boolean")
    passed[~known] = pd.NA
    df = df.assign(procedure=kind.code, scaled_score=score, passed=passed)
    return unified_frame(df)
