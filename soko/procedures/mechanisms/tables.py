"""The derived tables of the assessment of management mechanisms.

A chain, each one a build task: ``mechanism_indicators`` (every configured indicator per
year × unit, computed from the procedures' derived tables or read from the municipal form,
with its points) → ``mechanism_cycle`` (the nine stages per unit × direction) →
``mechanism_scores`` (scores, cycle completeness, level, rank, change; direction ``total``
too) → ``mechanism_recommendations`` (the configured rules, each text with its figures).

A region without ОГЭ, PISA-model studies or surveys gets no value for those indicators (never
a zero) and the pages say so: their derived tables are then empty, which every computation
here takes as «no data». They are declared as required inputs all the same, so that the
build computes them first: an optional input is left out of the build graph when its file
does not exist yet, as on a fresh build. Only the municipal forms are optional. The years
assessed are the years of the municipal forms; without any form, the years soko can compute
indicators for.
"""

from __future__ import annotations

import pandas as pd

from soko.config import region, subject_names
from soko.derive import DerivedSpec
from soko.procedures.mechanisms import computed, recommendations, scoring
from soko.procedures.mechanisms.settings import mechanism_settings

SOURCE_TABLES = (
    "derived/vpr_marks",
    "derived/oge_marks",
    "derived/ege_scores",
    "derived/objectivity_markers",
    "derived/school_classes",
    "derived/va_schools",
    "derived/pisa_municipalities",
    "derived/survey_indices",
    "derived/staffing_units",
    "derived/competence_units",
    "derived/olympiad_units",
)
FORM_TABLES = ("mechanism_values", "mechanism_stages")


def _years(frames: list[pd.DataFrame]) -> list[int]:
    years: set[int] = set()
    for f in frames:
        if not f.empty and "year" in f.columns:
            years |= {int(y) for y in f["year"].dropna().unique()}
    return sorted(years)


def _units(*frames: pd.DataFrame) -> tuple[dict[str, str], str, str]:
    """The municipalities assessed — those with a form row or a computed value, in the
    configuration's order (a municipality of the list without any data is not ranked last
    for lack of a form) —, the region's code and name."""
    reg = region()
    present: set[str] = set()
    for f in frames:
        if f.empty:
            continue
        if "municipality_code" in f.columns:
            present |= set(f["municipality_code"].dropna().astype(str))
        if {"level", "unit_code"} <= set(f.columns):
            present |= set(f.loc[f["level"] == "municipality", "unit_code"].astype(str))
    names = dict(reg.municipalities)
    for period in reg.municipality_periods:  # a former district keeps its own name
        names.setdefault(period.code, period.name)
    ordered = [c for c in names if c in present] + sorted(present - set(names))
    return {c: names.get(c, c) for c in ordered}, reg.code, reg.name


def _in_their_years(table: pd.DataFrame) -> pd.DataFrame:
    """Only the municipalities that existed in each row's year (and the region's rows): a
    district merged into an okrug is assessed for its own years, not shown in later ones as a
    unit without a score whose cycle «breaks at goals». A code the configuration does not
    know at all is kept (the registry check names it elsewhere)."""
    reg = region()
    known = set(reg.all_municipality_codes)
    keep = [
        level != "municipality" or code not in known or code in reg.municipalities_in(int(year))
        for year, level, code in zip(table["year"], table["level"], table["unit_code"], strict=True)
    ]
    return table[keep].reset_index(drop=True)


def mechanism_indicators(
    mechanism_values: pd.DataFrame, mechanism_stages: pd.DataFrame, **sources: pd.DataFrame
) -> pd.DataFrame:
    _, code, _ = _units()
    values = computed.compute_all(region_code=code, **sources)
    units, code, name = _units(mechanism_values, mechanism_stages, values)
    years = _years([mechanism_values, mechanism_stages]) or _years([values])
    return _in_their_years(
        scoring.indicator_table(
            mechanism_settings(), values, mechanism_values, years, units, code, name
        )
    )


def mechanism_cycle(
    mechanism_stages: pd.DataFrame, mechanism_indicators: pd.DataFrame
) -> pd.DataFrame:
    units, code, name = _units(mechanism_indicators)
    years = _years([mechanism_indicators])
    return _in_their_years(
        scoring.cycle_table(mechanism_settings(), mechanism_stages, years, units, code, name)
    )


def mechanism_scores(
    mechanism_indicators: pd.DataFrame, mechanism_cycle: pd.DataFrame
) -> pd.DataFrame:
    return scoring.score_table(mechanism_settings(), mechanism_indicators, mechanism_cycle)


def mechanism_recommendations(
    mechanism_scores: pd.DataFrame,
    mechanism_indicators: pd.DataFrame,
    mechanism_cycle: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    school_classes: pd.DataFrame,
) -> pd.DataFrame:
    years = set(_years([mechanism_scores]))
    _, _, name = _units()
    out = recommendations.recommend(
        mechanism_settings(),
        mechanism_scores,
        mechanism_indicators,
        mechanism_cycle,
        vpr_tasks=vpr_tasks,
        school_classes=school_classes,
        subject_names=subject_names(),
        region_name=name,
    )
    return out[out["year"].isin(years)].reset_index(drop=True)


DERIVED: tuple[DerivedSpec, ...] = (
    DerivedSpec(
        "mechanism_indicators",
        (*FORM_TABLES, *SOURCE_TABLES),
        mechanism_indicators,
        optional=FORM_TABLES,
    ),
    DerivedSpec(
        "mechanism_cycle",
        ("mechanism_stages", "derived/mechanism_indicators"),
        mechanism_cycle,
        optional=("mechanism_stages",),
    ),
    DerivedSpec(
        "mechanism_scores",
        ("derived/mechanism_indicators", "derived/mechanism_cycle"),
        mechanism_scores,
    ),
    DerivedSpec(
        "mechanism_recommendations",
        (
            "derived/mechanism_scores",
            "derived/mechanism_indicators",
            "derived/mechanism_cycle",
            "derived/vpr_tasks",
            "derived/school_classes",
        ),
        mechanism_recommendations,
    ),
)
