"""The cross-procedure shape of results: one row per participant × work, any procedure.

Every procedure maps its canonical results to this shape (``Procedure.unified_results``),
so the analytic base and cross-procedure comparisons (ВПР grade 8 → ОГЭ next year,
ОГЭ → ЕГЭ two years later) need no procedure-specific code.
"""

from __future__ import annotations

import pandas as pd

UNIFIED_RESULTS: dict[str, str] = {
    "procedure": "string",  # vpr, oge, ege, niko, rpr
    "year": "int64",
    "subject": "string",  # subject code from config (ru, ma, ...)
    "grade": "int64",
    "school_code": "string",
    "municipality_code": "string",
    "participant_id": "string",  # pseudonymous id or the procedure's anonymous code; may be NA
    "primary_score": "float64",
    "max_primary_score": "float64",
    "mark": "Int64",  # 2..5 where the procedure gives marks
    "scaled_score": "float64",  # ЕГЭ test score (0..100) and similar; NA otherwise
    "passed": "boolean",  # mark ≥ 3, or at/above the certificate minimum
}


def unified_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Select and type the unified columns (missing optional ones become NA)."""
    out = pd.DataFrame(index=df.index)
    for col, dtype in UNIFIED_RESULTS.items():
        # None, not pd.NA: an object column of pd.NA cannot be cast to float64
        out[col] = df[col] if col in df else pd.Series(None, index=df.index, dtype=dtype)
        out[col] = out[col].astype(dtype)
    return out.reset_index(drop=True)


def vpr_unified(vpr_results: pd.DataFrame, vpr_tasks: pd.DataFrame) -> pd.DataFrame:
    maxima = (
        vpr_tasks.groupby(["year", "subject", "grade"])["max_score"]
        .sum()
        .rename("max_primary_score")
    )
    df = vpr_results.join(maxima, on=["year", "subject", "grade"])
    df = df.assign(
        procedure="vpr",
        participant_id=df["participant_code"],
        passed=df["mark"].ge(3),
    )
    return unified_frame(df)
