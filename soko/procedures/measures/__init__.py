"""Реестр мер и их результативность: the register of measures and whether they worked.

Decision 001_* §5 asks whether the decisions taken were effective; roadmap 004_* 3.3 asks for
a roadmap for schools with low results (ШНОР). The register (``data/raw/measures/``, one row
per measure: school or municipality, kind, subject, years, addressee, document) is read
through its contract; ``measure_effects`` compares, for every kind of measure in
``config/measures.yml``, the change in results of the schools that got it with that of
comparable schools that did not (matched difference-in-differences, :mod:`.effects`);
``shnor_roadmap`` lists each ШНОР with its years in the list and its measures. Method and
assumptions: docs/measures.md.
"""

from __future__ import annotations

import pandas as pd

from soko.derive import DerivedSpec
from soko.procedure import Ingester, Procedure
from soko.procedures.measures import tables
from soko.procedures.measures.demo import generate
from soko.procedures.measures.register import FORM, SCHEMA, TABLE, ingest_register
from soko.procedures.measures.settings import CONFIG_FILE, MeasuresFile, measures_settings
from soko.readers.sheets import TABLE_PATTERNS


def _register(measures: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return tables.register_table(measures, schools, measures_settings())


def _effects(
    measures: pd.DataFrame,
    vpr_results: pd.DataFrame,
    vpr_tasks: pd.DataFrame,
    schools: pd.DataFrame,
    school_context: pd.DataFrame,
    objectivity_markers: pd.DataFrame,
) -> pd.DataFrame:
    return tables.effects_table(
        measures,
        vpr_results,
        vpr_tasks,
        schools,
        school_context,
        objectivity_markers,
        measures_settings(),
    )


def _roadmap(
    school_classes: pd.DataFrame, measure_register: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    return tables.roadmap_table(school_classes, measure_register, schools)


PROCEDURE = Procedure(
    code="measures",
    title="Реестр мер и их результативность",
    schemas={TABLE: SCHEMA},
    main_table=TABLE,
    ingester=Ingester(folder="measures", patterns=TABLE_PATTERNS, run=ingest_register),
    derived=(
        DerivedSpec("measure_register", (TABLE, "schools"), _register),
        DerivedSpec(
            "measure_effects",
            (
                TABLE,
                "vpr_results",
                "vpr_tasks",
                "schools",
                "school_context",
                "derived/objectivity_markers",
            ),
            _effects,
            optional=("derived/objectivity_markers",),
        ),
        DerivedSpec(
            "shnor_roadmap",
            ("derived/school_classes", "derived/measure_register", "schools"),
            _roadmap,
        ),
    ),
    demo=generate,
    # measures are not results: nothing for the unified `results` table
    unified_results=None,
    title_words=("Реестр мер",),
    config_schemas={CONFIG_FILE: MeasuresFile},
    forms=(FORM,),
)
