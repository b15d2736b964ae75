"""Surveys of students and parents: satisfaction and engagement (seed 003_*, domain.md §8).

Questionnaires with Likert items (1–5), files of invited contingents for response rates;
indices (means of items, negatively worded items flipped) per school, municipality and
region, with small groups suppressed on every page and dynamics over the years surveyed.
Questionnaires and indices: config/surveys.yml. Formats: docs/pisa_survey_formats.md.
"""

from __future__ import annotations

import pandas as pd

from soko.derive import DerivedSpec
from soko.procedure import Ingester, Procedure
from soko.procedures.survey import indicators
from soko.procedures.survey.demo import generate
from soko.procedures.survey.ingest import SCHEMAS, ingest_surveys
from soko.readers.sheets import TABLE_PATTERNS


def _rates(
    survey_responses: pd.DataFrame, survey_contingents: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    return indicators.response_rates(survey_responses, survey_contingents, schools)


def _items(
    survey_answers: pd.DataFrame, survey_responses: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    return indicators.item_table(survey_answers, survey_responses, schools)


def _indices(
    survey_answers: pd.DataFrame, survey_responses: pd.DataFrame, schools: pd.DataFrame
) -> pd.DataFrame:
    return indicators.index_table(survey_answers, survey_responses, schools)


PROCEDURE = Procedure(
    code="survey",
    title="Анкетирование обучающихся и родителей",
    schemas=SCHEMAS,
    main_table="survey_responses",
    ingester=Ingester(folder="surveys", patterns=TABLE_PATTERNS, run=ingest_surveys),
    derived=(
        DerivedSpec(
            "survey_response_rates", ("survey_responses", "survey_contingents", "schools"), _rates
        ),
        DerivedSpec("survey_items", ("survey_answers", "survey_responses", "schools"), _items),
        DerivedSpec("survey_indices", ("survey_answers", "survey_responses", "schools"), _indices),
    ),
    demo=generate,
    # Opinions, not results: nothing for the unified `results` table.
    unified_results=None,
)
