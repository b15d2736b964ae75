"""Issue 11 point 6: the contract's uniqueness rule of every table is the key later steps
join on. Each key is a constant next to the code that joins (or writes) on it; this test
reads the suites in ``expectations/`` and fails when a rule and its constant drift apart."""

from __future__ import annotations

import pytest

from soko.contracts.suites import suite_definition
from soko.formats.fisoko_workbook import WORKBOOK_SCHEMAS
from soko.formats.fisoko_workbook.ingest import PARTICIPANT_KEY as WORKBOOK_KEY
from soko.formats.rcoi_protocol.ingest import PARTICIPANT_KEY as PROTOCOL_KEY
from soko.formats.rcoi_protocol.kinds import schema as protocol_schema
from soko.formats.replicate_study.ingest import STUDENT_KEY
from soko.formats.replicate_study.ingest import schema as pisa_schema
from soko.indicators.levels import PARTICIPANT_KEYS
from soko.paths import expectations_dir
from soko.pipeline.ingest import REGISTRY_KEY
from soko.procedures.competences.form import KEY as COMPETENCE_KEY
from soko.procedures.competences.form import SCHEMA as COMPETENCES
from soko.procedures.ege import KIND as EGE
from soko.procedures.gve import KIND as GVE
from soko.procedures.lab.form import KEY as LAB_KEY
from soko.procedures.lab.form import SCHEMA as LAB
from soko.procedures.measures.register import KEY as MEASURE_KEY
from soko.procedures.measures.register import SCHEMA as MEASURES
from soko.procedures.mechanisms.ingest import SCHEMAS as MECHANISMS
from soko.procedures.mechanisms.ingest import STAGE_KEY, VALUE_KEY
from soko.procedures.oge import KIND as OGE
from soko.procedures.olympiads.form import KEY as OLYMPIAD_KEY
from soko.procedures.olympiads.form import RESULTS_SCHEMA as OLYMPIAD_RESULTS
from soko.procedures.olympiads.form import STUDENTS_KEY as OLYMPIAD_STUDENTS_KEY
from soko.procedures.olympiads.form import STUDENTS_SCHEMA as OLYMPIAD_STUDENTS
from soko.procedures.staffing.form import KEYS as STAFFING_KEYS
from soko.procedures.staffing.form import SCHEMAS as STAFFING
from soko.procedures.survey.ingest import CONTINGENT_KEY, RESPONDENT_KEY, SCHEMAS
from soko.schema import KEYS
from soko.schema import SCHEMAS as CORE

# suite -> (its uniqueness rule, the declared key, the canonical table's columns)
DECLARED: dict[str, tuple[str, tuple[str, ...], list[str]]] = {
    "vpr_results": ("participant_unique", WORKBOOK_KEY, list(WORKBOOK_SCHEMAS["vpr_results"])),
    "oge_results": ("participant_unique", PROTOCOL_KEY, list(protocol_schema(OGE))),
    "ege_results": ("participant_unique", PROTOCOL_KEY, list(protocol_schema(EGE))),
    "gve_results": ("participant_unique", PROTOCOL_KEY, list(protocol_schema(GVE))),
    "pisa_students": ("student_unique", STUDENT_KEY, list(pisa_schema())),
    "survey_responses": (
        "respondent_unique",
        RESPONDENT_KEY,
        list(SCHEMAS["survey_responses"]),
    ),
    "survey_contingents": (
        "contingent_unique",
        CONTINGENT_KEY,
        list(SCHEMAS["survey_contingents"]),
    ),
    # the registry's key is a school's period (KEYS["school_periods"]), checked and combined
    # as the one text column period_key (code + «Действует с»; see test below)
    "registry": (
        "school_code_unique",
        REGISTRY_KEY,
        [*CORE["school_periods"], *REGISTRY_KEY],
    ),
    "context": ("school_year_unique", KEYS["school_context"], list(CORE["school_context"])),
    "mechanism_values": (
        "mechanism_value_unique",
        VALUE_KEY,
        list(MECHANISMS["mechanism_values"]),
    ),
    "mechanism_stages": (
        "mechanism_stage_unique",
        STAGE_KEY,
        list(MECHANISMS["mechanism_stages"]),
    ),
    # a measure: its kind for one school or the whole municipality, a subject, a start year;
    # school and subject may be empty, so the contract checks them as the text columns
    # unit_key (the school's code, else «муниципалитет <code>») and subject_key
    "measures": (
        "measure_unique",
        MEASURE_KEY,
        [*MEASURES, "unit_key", "subject_key"],
    ),
    # ВсОШ: a participant × stage × subject × year; a school's students in a year
    "olympiads": ("participation_unique", OLYMPIAD_KEY, list(OLYMPIAD_RESULTS)),
    "olympiad_students": (
        "school_year_unique",
        OLYMPIAD_STUDENTS_KEY,
        list(OLYMPIAD_STUDENTS),
    ),
    # a diagnosed person: one row per anonymous person code and year
    "competences": ("person_unique", COMPETENCE_KEY, list(COMPETENCES)),
    # a school's report on one kind of equipment in a year (the canonical table has a row
    # per term of that report)
    "lab": ("school_kind_unique", LAB_KEY, list(LAB)),
    # staffing, per quarter: a school's subject and level; a teacher (and a leaver) by code
    **{
        table: (rule, STAFFING_KEYS[table], list(STAFFING[table]))
        for table, rule in (
            ("staffing_positions", "positions_unique"),
            ("staffing_teachers", "person_unique"),
            ("staffing_leavers", "leaver_unique"),
        )
    },
}
# Tables whose rows are children of another's (one per participant × task / respondent ×
# item, built from the parent's accepted rows): unique by construction on the parent's key
# and the item, so their suites have no uniqueness rule of their own.
CHILDREN = {"vpr_task_scores": "vpr_results", "survey_answers": "survey_responses"}


def _unique_rules(suite: str) -> dict[str, list[str]]:
    out = {}
    for e in suite_definition(suite)["expectations"]:
        kw = e["kwargs"]
        if e["type"] == "expect_compound_columns_to_be_unique":
            out[e["meta"]["rule"]] = list(kw["column_list"])
        elif e["type"] == "expect_column_values_to_be_unique":
            out[e["meta"]["rule"]] = [kw["column"]]
    return out


def test_every_suite_is_declared() -> None:
    suites = {p.stem for p in expectations_dir().glob("*.json")}
    assert suites == set(DECLARED) | set(CHILDREN)


@pytest.mark.parametrize("suite", sorted(DECLARED))
def test_contract_key_is_the_declared_key(suite: str) -> None:
    rule, key, canonical = DECLARED[suite]
    rules = _unique_rules(suite)
    assert list(rules) == [rule], f"{suite}: one uniqueness rule expected, got {rules}"
    assert rules[rule] == list(key), f"{suite}: contract {rules[rule]} ≠ declared {key}"
    # the key can be joined on: every part is a column of the canonical table
    assert set(key) <= set(canonical), f"{suite}: {set(key) - set(canonical)} not written"


@pytest.mark.parametrize("child", sorted(CHILDREN))
def test_child_tables_have_no_key_of_their_own(child: str) -> None:
    assert _unique_rules(child) == {}


def test_workbook_key_is_the_join_key_of_the_indicators_and_objectivity() -> None:
    # indicators (task scores joined to results), objectivity and value added join on these
    assert WORKBOOK_KEY == PARTICIPANT_KEYS
    assert set(PARTICIPANT_KEYS) <= set(WORKBOOK_SCHEMAS["vpr_task_scores"])


def test_unique_rules_fire_only_on_complete_keys() -> None:
    """A row with a missing key part is rejected by its own not-null rule, not reported a
    second time as a repeat of every other such row."""
    for suite in DECLARED:
        for e in suite_definition(suite)["expectations"]:
            if e["type"] == "expect_compound_columns_to_be_unique":
                assert e["kwargs"].get("ignore_row_if") == "any_value_is_missing", suite


def test_registry_period_key_is_code_and_start_year() -> None:
    """period_key stands for KEYS["school_periods"]: two periods of a school differ in it,
    two rows of one period do not."""
    import pandas as pd

    from soko.contracts.staging import registry_staging

    rows = pd.DataFrame(
        {
            "Код ОО": ["edu1", "edu1", "edu1"],
            "Наименование ОО": ["a", "a", "b"],
            "Код МО": ["01"] * 3,
            "Муниципальное образование": ["x"] * 3,
            "Вид ОО": ["СОШ"] * 3,
            "Тип местности": ["Город"] * 3,
            "Действует с": ["", "", "2025"],
            "__extra_cells": ["0"] * 3,
            "source_row": [2, 3, 4],
        }
    )
    keys = registry_staging(rows)["period_key"].tolist()
    assert keys[0] == keys[1] != keys[2]
    assert KEYS["school_periods"] == ("school_code", "valid_from")
