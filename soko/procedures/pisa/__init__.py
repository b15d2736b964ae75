"""Regional assessment on the PISA model (order Rosobrnadzor 590 / Минпросвещения 219).

A two-stage sample of schools and 15-year-olds with final and 80 Fay replicate weights and
ten plausible values per domain (reading, mathematics, science). The sample represents the
region: pages report region estimates with standard errors (BRR + Rubin's rules), by
subgroup and over study years; municipalities only where their part of the sample allows,
with SE and a caution. Formats: docs/pisa_survey_formats.md.
"""

from __future__ import annotations

import pandas as pd

from soko.derive import DerivedSpec
from soko.formats.replicate_study import estimates
from soko.formats.replicate_study.demo import generate
from soko.formats.replicate_study.ingest import TABLE, ingest_pisa, schema
from soko.procedure import Ingester, Procedure
from soko.readers.sheets import TABLE_PATTERNS


def _estimates(pisa_students: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return estimates.group_estimates(pisa_students, schools)


def _gaps(pisa_students: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return estimates.gaps(pisa_students, schools)


def _levels(pisa_students: pd.DataFrame) -> pd.DataFrame:
    return estimates.levels(pisa_students)


def _resilience(pisa_students: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return estimates.resilience(pisa_students, schools)


def _municipalities(pisa_students: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    return estimates.municipalities(pisa_students, schools)


PROCEDURE = Procedure(
    code="pisa",
    title="Региональная оценка по модели PISA",
    schemas={TABLE: schema()},
    main_table=TABLE,
    ingester=Ingester(folder="pisa", patterns=TABLE_PATTERNS, run=ingest_pisa),
    derived=(
        DerivedSpec("pisa_estimates", (TABLE, "schools"), _estimates),
        DerivedSpec("pisa_gaps", (TABLE, "schools"), _gaps),
        DerivedSpec("pisa_levels", (TABLE,), _levels),
        DerivedSpec("pisa_resilience", (TABLE, "schools"), _resilience),
        DerivedSpec("pisa_municipalities", (TABLE, "schools"), _municipalities),
    ),
    demo=generate,
    # No rows for the unified `results` table: a sampled student's plausible values mean
    # nothing without the weights, so PISA estimates stay in their own derived tables.
    unified_results=None,
)
