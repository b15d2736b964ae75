"""Synthetic value-added and school-class tables with the derived tables' schemas.

The report code is tested (and its templates run) on these before and apart from the real
model: effects are drawn the way an empirical-Bayes random-intercept model produces them,
so bands, intervals and the funnel's limits agree with each other.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

RESIDUAL_VARIANCE = 0.8
SCHOOL_VARIANCE = 0.04
Z = 1.959963984540054

# (procedure, model, subject, outcome grade)
ANALYSES: tuple[tuple[str, str, str, int], ...] = (
    ("rpr", "student", "ru", 8),
    ("rpr", "student", "ma", 8),
    *(("vpr", "school", s, g) for s in ("ru", "ma") for g in (5, 6, 7, 8)),
)
CLASS_NAMES = {
    "shnor": "Школы с низкими образовательными результатами (ШНОР)",
    "shnsu": "Школы, функционирующие в неблагоприятных социальных условиях (ШНСУ)",
    "resilient": "Резильентные школы",
    "high_results": "Школы с высокими результатами",
}


def schools_frame(n_schools: int = 30, n_municipalities: int = 3) -> pd.DataFrame:
    codes = [f"{m:02d}" for m in range(1, n_municipalities + 1)]
    rows = []
    for i in range(n_schools):
        mun = codes[i % n_municipalities]
        rows.append(
            {
                "school_code": f"edu99{mun}{i:02d}",
                "school_name": f"Школа № {i + 1}",
                "municipality_code": mun,
                "municipality_name": f"Муниципалитет {mun}",
            }
        )
    return pd.DataFrame(rows)


def va_schools_frame(
    schools: pd.DataFrame,
    years: tuple[int, ...] = (2025, 2026),
    seed: int = 1,
    analyses: tuple[tuple[str, str, str, int], ...] = ANALYSES,
) -> pd.DataFrame:
    """One row per school, year and analysis; a few schools under 5 students."""
    rng = np.random.default_rng(seed)
    true = rng.normal(0, np.sqrt(SCHOOL_VARIANCE) * 2.5, len(schools))  # stable school effects
    intake = rng.normal(0, 0.4, len(schools))
    frames = []
    for year in years:
        for procedure, model, subject, grade in analyses:
            n = rng.integers(8, 120, len(schools))
            n[:2] = (3, 4)  # under the suppression minimum
            raw = rng.normal(true, np.sqrt(RESIDUAL_VARIANCE / n))
            shrink = SCHOOL_VARIANCE / (SCHOOL_VARIANCE + RESIDUAL_VARIANCE / n)
            effect = shrink * raw
            se = np.sqrt(1 / (n / RESIDUAL_VARIANCE + 1 / SCHOOL_VARIANCE))
            lo, hi = effect - Z * se, effect + Z * se
            band = np.where(lo > 0, "above", np.where(hi < 0, "below", "average"))
            frames.append(
                schools.assign(
                    year=year,
                    procedure=procedure,
                    model=model,
                    subject=subject,
                    grade=grade,
                    n=n,
                    effect=effect,
                    se=se,
                    ci_low=lo,
                    ci_high=hi,
                    band=band,
                    outcome_mean=intake + effect + rng.normal(0, 0.05, len(schools)),
                )
            )
    table = pd.concat(frames, ignore_index=True)
    keys = ["procedure", "model", "subject", "grade", "school_code"]
    prev = table[[*keys, "year", "effect", "band"]].assign(year=table["year"] + 1)
    table = table.merge(
        prev.rename(columns={"effect": "effect_prev", "band": "band_prev"}),
        on=[*keys, "year"],
        how="left",
    )
    return table


def va_models_frame(va: pd.DataFrame) -> pd.DataFrame:
    rows = []
    keys = ["year", "procedure", "model", "subject", "grade"]
    for key, part in va.groupby(keys):
        base = dict(zip(keys, key, strict=True))
        size = {"n_students": int(part["n"].sum()), "n_schools": len(part)}
        fixed = [("Intercept", 0.01, 0.02), ("prior", 0.62, 0.01), ("isbs", 0.08, 0.02)]
        for term, est, se in fixed:
            rows.append({**base, "term": term, "estimate": est, "se": se, **size})
        for term, est in (
            ("school_variance", SCHOOL_VARIANCE),
            ("residual_variance", RESIDUAL_VARIANCE),
            ("municipality_variance", 0.005),
        ):
            rows.append({**base, "term": term, "estimate": est, "se": np.nan, **size})
    return pd.DataFrame(rows)


def school_classes_frame(
    schools: pd.DataFrame, years: tuple[int, ...] = (2025, 2026)
) -> pd.DataFrame:
    """Each class holds a few schools; some stay, some leave, some join between years."""
    rows = []
    picks = {
        "shnor": {years[0]: [0, 3, 6], years[-1]: [3, 6, 9]},
        "shnsu": {years[0]: [1, 4], years[-1]: [1, 4, 7]},
        "resilient": {years[0]: [4], years[-1]: [4]},
        # municipality 03 (indices 2, 5, ...) is in no class of high results
        "high_results": {years[0]: [10], years[-1]: [10, 12]},
    }
    for cls, by_year in picks.items():
        for y_i, year in enumerate(years):
            for idx in by_year.get(year, []):
                school = schools.iloc[idx]
                before = years[y_i - 1] if y_i else None
                prev = before is not None and idx in by_year.get(before, [])
                rows.append(
                    {
                        "year": year,
                        "school_code": school["school_code"],
                        "school_name": school["school_name"],
                        "municipality_code": school["municipality_code"],
                        "municipality_name": school["municipality_name"],
                        "class": cls,
                        "class_name": CLASS_NAMES[cls],
                        "reason": f"основание для категории «{cls}», {year} год",
                        "years_in_class": 2 if prev else 1,
                        "in_class_prev_year": prev,
                    }
                )
    return pd.DataFrame(rows)


def write_tables(
    processed: Path,
    schools: pd.DataFrame,
    years: tuple[int, ...],
    analyses: tuple[tuple[str, str, str, int], ...] = ANALYSES,
    pooled_grades: bool = False,
) -> None:
    """The three derived tables into ``processed/derived`` (to run the templates).

    ``pooled_grades``: no ``grade`` column, as when one model pools several grades.
    """
    out = Path(processed) / "derived"
    out.mkdir(parents=True, exist_ok=True)
    va = va_schools_frame(schools, years, analyses=analyses)
    models = va_models_frame(va)
    if pooled_grades:
        va, models = va.drop(columns="grade"), models.drop(columns="grade")
    va.to_parquet(out / "va_schools.parquet", index=False)
    models.to_parquet(out / "va_models.parquet", index=False)
    school_classes_frame(schools, years).to_parquet(out / "school_classes.parquet", index=False)
