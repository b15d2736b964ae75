"""Всероссийская олимпиада школьников: participation and results of the olympiad's stages.

Decision 002_* §9 and direction 1.3 of the management mechanisms (identifying, supporting and
developing abilities and talents) ask how many pupils take part in ВсОШ and how far they get.
Each municipality fills one form a year (``data/raw/olympiads/<year>/``): the participants of
every stage by code (never by name) and its schools' students by grade band (:mod:`.form`).
The derived tables (:mod:`.tables`) give participation per 100 students by grade band,
winners and prize-winners per school, municipality and stage, schools without awards over
several years, the subjects where the region is weakest, and ``olympiad_units`` — the inputs
of the mechanisms' direction 1.3. Method and decisions: docs/olympiads.md.
"""

from __future__ import annotations

import pandas as pd

from soko.config import region
from soko.derive import DerivedSpec
from soko.procedure import Ingester, Procedure
from soko.procedures.olympiads import tables
from soko.procedures.olympiads.demo import generate
from soko.procedures.olympiads.form import (
    FOLDER,
    FORM,
    RESULTS_SCHEMA,
    RESULTS_TABLE,
    STUDENTS_SCHEMA,
    STUDENTS_TABLE,
    ingest_olympiads,
)
from soko.procedures.olympiads.settings import CONFIG_FILE, OlympiadsFile, olympiad_settings
from soko.readers.sheets import TABLE_PATTERNS


def _units(olympiad_results: pd.DataFrame, olympiad_students: pd.DataFrame) -> pd.DataFrame:
    return tables.units_table(
        olympiad_results, olympiad_students, olympiad_settings(), region().code
    )


def _participation(
    olympiad_results: pd.DataFrame, olympiad_students: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    cfg = region()
    return tables.participation_table(
        olympiad_results, olympiad_students, schools, olympiad_settings(), cfg.code, cfg.name
    )


def _schools(
    olympiad_results: pd.DataFrame, olympiad_students: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    return tables.schools_table(olympiad_results, olympiad_students, schools, olympiad_settings())


def _subjects(olympiad_results: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    cfg = region()
    return tables.subjects_table(olympiad_results, schools, olympiad_settings(), cfg.code, cfg.name)


PROCEDURE = Procedure(
    code="olympiads",
    title="Всероссийская олимпиада школьников",
    schemas={RESULTS_TABLE: RESULTS_SCHEMA, STUDENTS_TABLE: STUDENTS_SCHEMA},
    main_table=RESULTS_TABLE,
    ingester=Ingester(folder=FOLDER, patterns=TABLE_PATTERNS, run=ingest_olympiads),
    derived=(
        DerivedSpec("olympiad_units", (RESULTS_TABLE, STUDENTS_TABLE), _units),
        DerivedSpec(
            "olympiad_participation", (RESULTS_TABLE, STUDENTS_TABLE, "schools"), _participation
        ),
        DerivedSpec("olympiad_schools", (RESULTS_TABLE, STUDENTS_TABLE, "schools"), _schools),
        DerivedSpec("olympiad_subjects", (RESULTS_TABLE, "schools"), _subjects),
    ),
    demo=generate,
    # olympiad results are not a procedure's marks: nothing for the unified `results` table
    unified_results=None,
    title_words=("олимпиад", "ВсОШ"),
    config_schemas={CONFIG_FILE: OlympiadsFile},
    forms=(FORM,),
)
