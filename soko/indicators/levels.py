"""Group keys and the region → municipality → school roll-up shared by the indicator tables.

Every indicator is first reduced to additive counts at the school grain, then summed up to
municipalities and the region. Shares are computed only after that, from the summed
counts, so the region's n is the sum of its municipalities' n by construction and a share
is never an average of shares.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from soko.config import RegionConfig
from soko.config import region as region_config

LEVELS: tuple[str, ...] = ("region", "municipality", "school")
TEST_KEYS: tuple[str, ...] = ("year", "subject", "grade")
PARTICIPANT_KEYS: tuple[str, ...] = ("year", "subject", "grade", "school_code", "participant_code")
UNIT_COLUMNS: tuple[str, ...] = ("level", "unit_code", "unit_name", "municipality_code")
SCHOOL_GRAIN: tuple[str, ...] = ("municipality_code", "school_code")

_LEVEL_RANK = {name: rank for rank, name in enumerate(LEVELS)}


def check_levels(levels: Sequence[str]) -> list[str]:
    """Validate early: a typo in a level name would otherwise silently drop rows."""
    unknown = [lv for lv in levels if lv not in _LEVEL_RANK]
    if unknown:
        raise ValueError(f"unknown levels {unknown}; expected some of {list(LEVELS)}")
    return sorted(dict.fromkeys(levels), key=_LEVEL_RANK.__getitem__)


def group_sum(frame: pd.DataFrame, keys: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """Sum ``columns`` by ``keys`` keeping NA keys (a missing code is still a group)."""
    return (
        frame.groupby(list(keys), sort=False, dropna=False, observed=True)[list(columns)]
        .sum()
        .reset_index()
    )


def roll_up(
    counts: pd.DataFrame,
    keys: Sequence[str],
    sum_columns: Sequence[str],
    *,
    region_code: str,
    levels: Sequence[str] = LEVELS,
    sort: bool = True,
) -> pd.DataFrame:
    """Sum school-grain counts to the requested levels, in one long table.

    ``counts`` holds ``municipality_code``, ``school_code``, ``keys`` and the additive
    ``sum_columns``. Output: ``level``, ``unit_code``, ``municipality_code``, ``keys``,
    ``sum_columns``; ordered region, municipalities, schools (each by code and keys
    unless ``sort`` is False, for callers that sort afterwards anyway).
    """
    keys = list(keys)
    sums = list(sum_columns)
    muni_dtype = counts["municipality_code"].dtype
    parts: list[pd.DataFrame] = []
    for level in check_levels(levels):
        if level == "school":
            part = group_sum(counts, [*SCHOOL_GRAIN, *keys], sums)
            part = part.rename(columns={"school_code": "unit_code"})
        elif level == "municipality":
            part = group_sum(counts, ["municipality_code", *keys], sums)
            part["unit_code"] = part["municipality_code"]
        else:
            part = group_sum(counts, keys, sums)
            part["unit_code"] = region_code
            part["municipality_code"] = pd.Series(np.nan, index=part.index, dtype=muni_dtype)
        part.insert(0, "level", level)
        if sort:
            part = part.sort_values(["unit_code", *keys], kind="stable", na_position="last")
        parts.append(part[["level", "unit_code", "municipality_code", *keys, *sums]])
    out = pd.concat(parts, ignore_index=True)
    out["unit_code"] = out["unit_code"].astype("str")
    return out


def add_unit_names(
    table: pd.DataFrame,
    schools: pd.DataFrame | None = None,
    region: RegionConfig | None = None,
) -> pd.DataFrame:
    """Insert ``unit_name`` after ``unit_code``, so rendered tables need no further joins.

    Region name from config; municipality names from ``schools`` (the registry) with the
    config as fallback; school names from ``schools`` (NA without it).
    """
    region = region or region_config()
    muni_names: dict[str, str] = dict(region.municipalities)
    school_names: Mapping[str, str] = {}
    if schools is not None:
        munis = schools.dropna(subset=["municipality_code", "municipality_name"])
        muni_names.update(zip(munis["municipality_code"], munis["municipality_name"], strict=True))
        school_names = dict(zip(schools["school_code"], schools["school_name"], strict=True))
    level = table["level"]
    code = table["unit_code"]
    names = np.where(
        level == "region",
        region.name,
        np.where(level == "municipality", fast_map(code, muni_names), fast_map(code, school_names)),
    )
    name = pd.Series(names, index=table.index, dtype="str")
    out = table.drop(columns="unit_name", errors="ignore")
    out.insert(out.columns.get_loc("unit_code") + 1, "unit_name", name)
    return out


def sort_rows(table: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Sort by ``keys`` with ``level`` in hierarchy order (region first), not alphabetically."""

    def key(col: pd.Series) -> pd.Series:
        if col.name != "level":
            return col
        return pd.Series(pd.Categorical(col, categories=LEVELS, ordered=True), index=col.index)

    return table.sort_values(list(keys), kind="stable", key=key).reset_index(drop=True)


def fast_map(values: pd.Series, mapping: Mapping[object, object]) -> np.ndarray:
    """``values.map(mapping)`` as an object array, looking up each distinct value once
    (string columns of a million rows map slowly row by row)."""
    codes, uniques = pd.factorize(values)
    looked_up = np.array([mapping.get(u) for u in uniques] + [None], dtype=object)
    return looked_up[codes]


def resolve_region(region: RegionConfig | None) -> RegionConfig:
    """The configured region unless the caller passes one (tests, other regions)."""
    return region or region_config()


def safe_divide(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """Float ratio with NaN, not inf, where the denominator is 0."""
    den = denominator.astype("float64")
    return numerator.astype("float64") / den.where(den > 0)
