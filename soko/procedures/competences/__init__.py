"""Профессиональные компетенции педагогов и руководителей: diagnostics, deficits, training
topics and how teachers' results relate to the schools' results.

Decision 002_* §3.3, 4.1, 5.1, 7.1 and roadmap 004_* 2.3, 2.12, 3.4 ask for diagnostics of
teachers' and school leaders' competences, their deficits, training programmes corrected to
address them, and a joint analysis of the diagnostics and the students' results. The form
(one per municipality and year, a row per anonymous person code: :mod:`.form`) is read
through its contract into ``competence_scores`` (one row per person × domain). Derived:
``competence_units`` (persons diagnosed / with a deficit / trained per unit and role — read by
the management-mechanism indicators), ``competence_deficits`` (share below the level by
subject × domain × unit), ``competence_programmes`` (the region's ranked list for training
programmes), ``competence_association`` and ``competence_association_points`` (the school-level
correlation with ВПР results and value added, with its interval; an association, not a
teacher's effect — 002_* §3.7 forbids evaluating teachers by ВПР). Method: docs/competences.md.
"""

from __future__ import annotations

import pandas as pd

from soko.derive import DerivedSpec
from soko.procedure import Ingester, Procedure
from soko.procedures.competences import tables
from soko.procedures.competences.demo import generate
from soko.procedures.competences.form import FOLDER, FORM, SCHEMA, TABLE, ingest_competences
from soko.procedures.competences.settings import (
    CONFIG_FILE,
    CompetencesFile,
    competences_settings,
)
from soko.readers.sheets import TABLE_PATTERNS

ASSOCIATION_INPUTS = (TABLE, "vpr_results", "vpr_tasks", "derived/va_schools")
ASSOCIATION_OPTIONAL = ("vpr_results", "vpr_tasks", "derived/va_schools")


def _units(competence_scores: pd.DataFrame, school_periods: pd.DataFrame) -> pd.DataFrame:
    return tables.units_table(competence_scores, school_periods, competences_settings())


def _deficits(competence_scores: pd.DataFrame, school_periods: pd.DataFrame) -> pd.DataFrame:
    return tables.deficits_table(competence_scores, school_periods, competences_settings())


def _programmes(competence_deficits: pd.DataFrame) -> pd.DataFrame:
    return tables.programmes_table(competence_deficits, competences_settings())


def _school_frame(
    competence_scores: pd.DataFrame,
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    va_schools: pd.DataFrame,
) -> pd.DataFrame:
    return tables.school_frame(
        competence_scores, vpr_results, vpr_tasks, va_schools, competences_settings()
    )


def _association(**frames: pd.DataFrame) -> pd.DataFrame:
    return tables.association_table(_school_frame(**frames), competences_settings())


def _points(**frames: pd.DataFrame) -> pd.DataFrame:
    return tables.points_table(_school_frame(**frames), competences_settings())


PROCEDURE = Procedure(
    code="competences",
    title="Профессиональные компетенции педагогов и руководителей",
    schemas={TABLE: SCHEMA},
    main_table=TABLE,
    ingester=Ingester(folder=FOLDER, patterns=TABLE_PATTERNS, run=ingest_competences),
    derived=(
        DerivedSpec("competence_units", (TABLE, "school_periods"), _units),
        DerivedSpec("competence_deficits", (TABLE, "school_periods"), _deficits),
        DerivedSpec("competence_programmes", ("derived/competence_deficits",), _programmes),
        DerivedSpec(
            "competence_association", ASSOCIATION_INPUTS, _association, ASSOCIATION_OPTIONAL
        ),
        DerivedSpec(
            "competence_association_points", ASSOCIATION_INPUTS, _points, ASSOCIATION_OPTIONAL
        ),
    ),
    demo=generate,
    # diagnostics of adults are not students' results: nothing for the unified `results` table
    unified_results=None,
    title_words=("Диагностика профессиональных компетенций",),
    config_schemas={CONFIG_FILE: CompetencesFile},
    forms=(FORM,),
)
