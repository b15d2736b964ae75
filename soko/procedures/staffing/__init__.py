"""Кадровое обеспечение: потребность в педагогах — teacher staffing, quarterly (000_* §4.6).

The order asks for an objective monitoring of the real need for teachers by level of
education, qualification and subject, to help schools remove shortages and to see whether
the measures taken worked — every quarter. Each municipality fills one form a quarter
(:mod:`.form`: positions by school × subject × level, teachers under anonymous codes, who left
and why); :mod:`.indicators` turns the canonical tables into the vacancy rate, uncovered hours,
the share of teachers of retirement age, the projected need in 1, 3 and 5 years, the critical
shortages and the effect of staffing measures of the register of measures. Method and
assumptions: docs/staffing.md.
"""

from __future__ import annotations

import pandas as pd

from soko.config import region
from soko.derive import DerivedSpec
from soko.procedure import Ingester, Procedure
from soko.procedures.staffing import indicators
from soko.procedures.staffing.demo import generate
from soko.procedures.staffing.form import (
    FOLDER,
    FORM,
    LEAVERS,
    POSITIONS,
    SCHEMAS,
    TEACHERS,
    empty,
    ingest_staffing,
)
from soko.procedures.staffing.settings import CONFIG_FILE, StaffingFile, staffing_settings
from soko.readers.sheets import TABLE_PATTERNS

MEASURE_COLUMNS = {
    "kind": "string",
    "measured_by": "string",
    "school_code": "string",
    "start_year": "int64",
}


def _typed(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """An optional input a region lacks arrives with no columns: give it its schema."""
    return empty(table) if frame.empty and not len(frame.columns) else frame


def _units(
    staffing_positions: pd.DataFrame,
    staffing_teachers: pd.DataFrame,
    staffing_leavers: pd.DataFrame,
    schools: pd.DataFrame,
) -> pd.DataFrame:
    reg = region()
    return indicators.units_table(
        staffing_positions,
        _typed(staffing_teachers, TEACHERS),
        _typed(staffing_leavers, LEAVERS),
        schools,
        staffing_settings(),
        reg.code,
        reg.name,
    )


def _subjects(staffing_positions: pd.DataFrame) -> pd.DataFrame:
    return indicators.subjects_table(staffing_positions, staffing_settings(), region().code)


def _projection(staffing_positions: pd.DataFrame, staffing_teachers: pd.DataFrame) -> pd.DataFrame:
    return indicators.projection_table(
        staffing_positions, _typed(staffing_teachers, TEACHERS), staffing_settings(), region().code
    )


def _critical(staffing_positions: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return indicators.critical_table(staffing_positions, schools, staffing_settings())


def _effects(
    staffing_positions: pd.DataFrame, measure_register: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    measures = measure_register
    if measures.empty and not len(measures.columns):
        measures = pd.DataFrame({c: pd.Series(dtype=t) for c, t in MEASURE_COLUMNS.items()})
    reg = region()
    return indicators.measure_effects(
        staffing_positions, measures, schools, staffing_settings(), reg.code, reg.name
    )


_OPTIONAL = (TEACHERS, LEAVERS)

PROCEDURE = Procedure(
    code="staffing",
    title="Кадровое обеспечение: потребность в педагогах",
    schemas=dict(SCHEMAS),
    main_table=POSITIONS,
    ingester=Ingester(folder=FOLDER, patterns=TABLE_PATTERNS, run=ingest_staffing),
    derived=(
        DerivedSpec(
            "staffing_units", (POSITIONS, TEACHERS, LEAVERS, "schools"), _units, optional=_OPTIONAL
        ),
        DerivedSpec("staffing_subjects", (POSITIONS,), _subjects),
        DerivedSpec("staffing_projection", (POSITIONS, TEACHERS), _projection, optional=_OPTIONAL),
        DerivedSpec("staffing_critical", (POSITIONS, "schools"), _critical),
        DerivedSpec(
            "staffing_measure_effects",
            (POSITIONS, "derived/measure_register", "schools"),
            _effects,
            optional=("derived/measure_register",),
        ),
    ),
    demo=generate,
    # staffing is not a result of students: nothing for the unified `results` table
    unified_results=None,
    title_words=("Кадровое обеспечение",),
    config_schemas={CONFIG_FILE: StaffingFile},
    forms=(FORM,),
)
