"""Использование учебного и лабораторного оборудования: the laboratory equipment schools
have and whether they use it (decision 000_* §4.5, 5.3, 3.4).

Each municipality fills one form a year (``data/raw/lab/<year>/``, a sheet per kind of
equipment of ``config/lab.yml``, a row per school: has it, year received, sets, lessons and
practical works per term), read through its contract (:mod:`.form`). Derived tables
(:mod:`.tables`): ``lab_schools`` (each school's equipment and its state of use),
``lab_units`` (schools with equipment and with some of it unused or under-used, per
municipality and region — the management mechanisms read it), ``lab_kinds`` (the same by
kind), ``lab_association`` (the practical tasks of ВПР and ОГЭ in schools that use the equipment
vs those that do not: an association with its interval). Method: docs/lab.md.
"""

from __future__ import annotations

import pandas as pd

from soko.config import region
from soko.derive import DerivedSpec
from soko.procedure import Ingester, Procedure
from soko.procedures.lab import tables
from soko.procedures.lab.demo import generate
from soko.procedures.lab.form import FOLDER, FORM, SCHEMA, TABLE, ingest_lab
from soko.procedures.lab.settings import CONFIG_FILE, LabFile, lab_settings
from soko.readers.sheets import TABLE_PATTERNS


def _schools(lab_equipment: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return tables.school_table(lab_equipment, schools, lab_settings())


def _units(lab_schools: pd.DataFrame) -> pd.DataFrame:
    return tables.units_table(lab_schools, region().code)


def _kinds(lab_schools: pd.DataFrame) -> pd.DataFrame:
    cfg = region()
    return tables.kinds_table(lab_schools, cfg.code, cfg.name, lab_settings())


def _association(
    lab_schools: pd.DataFrame, vpr_tasks: pd.DataFrame, oge_tasks: pd.DataFrame
) -> pd.DataFrame:
    cfg = region()
    return tables.association_table(
        lab_schools, vpr_tasks, lab_settings(), cfg.code, cfg.name, oge_tasks
    )


PROCEDURE = Procedure(
    code="lab",
    title="Использование учебного и лабораторного оборудования",
    schemas={TABLE: SCHEMA},
    main_table=TABLE,
    ingester=Ingester(folder=FOLDER, patterns=TABLE_PATTERNS, run=ingest_lab),
    derived=(
        DerivedSpec("lab_schools", (TABLE, "schools"), _schools),
        DerivedSpec("lab_units", ("derived/lab_schools",), _units),
        DerivedSpec("lab_kinds", ("derived/lab_schools",), _kinds),
        DerivedSpec(
            "lab_association",
            ("derived/lab_schools", "derived/vpr_tasks", "derived/oge_tasks"),
            _association,
            # ОГЭ's task table (procedure oge) is read when the build has it
            optional=("derived/oge_tasks",),
        ),
    ),
    demo=generate,
    # equipment is not a result: nothing for the unified `results` table
    unified_results=None,
    title_words=("лабораторного оборудования",),
    config_schemas={CONFIG_FILE: LabFile},
    forms=(FORM,),
)
