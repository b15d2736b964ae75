"""The model's design: fixed-effect columns, random-effect columns and the grouping codes.

Kept apart from the estimator so the estimator sees only numbers: it never learns column
names, dummy coding or how schools nest in municipalities, and the same code serves
student-level and school-level models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class Design:
    """Numbers for the estimator, plus the labels to put them back into tables."""

    y: np.ndarray  # (N,)
    X: np.ndarray  # (N, p), first column the intercept
    z_columns: tuple[int, ...]  # columns of X that also vary by school (0 = intercept)
    school: np.ndarray  # (N,) school index 0..J-1
    municipality_of_school: np.ndarray | None  # (J,) municipality index 0..M-1
    terms: tuple[str, ...]  # names of X's columns
    schools: pd.Index  # school labels, by index
    municipalities: pd.Index | None  # municipality labels, by index


def _term_columns(df: pd.DataFrame, name: str) -> tuple[list[str], np.ndarray]:
    """A numeric column as is; a categorical one as treatment dummies (first level dropped)."""
    col = df[name]
    if isinstance(col.dtype, pd.CategoricalDtype) or not pd.api.types.is_numeric_dtype(col):
        levels = (
            list(col.cat.categories)
            if isinstance(col.dtype, pd.CategoricalDtype)
            else sorted(col.dropna().unique().tolist())
        )
        values = col.to_numpy()
        names = [f"{name}[T.{lvl}]" for lvl in levels[1:]]
        mat = np.column_stack([(values == lvl).astype(np.float64) for lvl in levels[1:]])
        return names, mat.reshape(len(df), len(names))
    return [name], col.to_numpy(dtype=np.float64).reshape(-1, 1)


def build_design(
    df: pd.DataFrame,
    outcome: str,
    covariates: list[str],
    school: str,
    municipality: str | None,
    random_slope: str | None,
) -> Design:
    """Rows with any missing value in a used column are dropped (complete cases)."""
    used = [outcome, *covariates, school, *([municipality] if municipality else [])]
    missing = [c for c in used if c not in df.columns]
    if missing:
        raise KeyError(f"В таблице нет столбцов: {', '.join(missing)}")
    data = df[used].dropna()
    if data.empty:
        raise ValueError("Нет ни одной строки без пропусков в переменных модели.")
    names: list[str] = [INTERCEPT]
    blocks: list[np.ndarray] = [np.ones((len(data), 1))]
    for c in covariates:
        n, m = _term_columns(data, c)
        names += n
        blocks.append(m)
    X = np.hstack(blocks)
    z_columns: tuple[int, ...] = (0,)
    if random_slope is not None:
        if random_slope not in names:
            raise ValueError(
                f"Случайный наклон возможен только для числовой переменной: {random_slope}"
            )
        z_columns = (0, names.index(random_slope))
    school_codes, school_labels = pd.factorize(data[school], sort=True)
    mun_of_school: np.ndarray | None = None
    mun_labels: pd.Index | None = None
    if municipality:
        pairs = data[[school, municipality]].drop_duplicates()
        if pairs[school].duplicated().any():
            bad = pairs.loc[pairs[school].duplicated(), school].iloc[0]
            raise ValueError(f"Школа {bad} отнесена к нескольким муниципалитетам.")
        mun_codes, mun_labels = pd.factorize(pairs[municipality], sort=True)
        order = school_labels.get_indexer(pairs[school])
        mun_of_school = np.empty(len(school_labels), dtype=np.int64)
        mun_of_school[order] = mun_codes
    return Design(
        y=data[outcome].to_numpy(dtype=np.float64),
        X=X,
        z_columns=z_columns,
        school=school_codes.astype(np.int64),
        municipality_of_school=mun_of_school,
        terms=tuple(names),
        schools=pd.Index(school_labels),
        municipalities=None if mun_labels is None else pd.Index(mun_labels),
    )
