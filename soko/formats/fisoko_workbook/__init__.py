"""ФИС ОКО «Индивидуальные результаты» workbooks (ВПР, НИКО, РПР): one factory.

Such a procedure differs from ВПР only in its title word, its column names and its scales
(``config/<code>.yml``; ВПР's layout is built in, its scales in ``config/vpr_scales.yml``),
so one reader, staging, contract, canonical shape, indicator tables and unified rows serve
them all, under each procedure's own table names (``<code>_results``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from soko.formats.fisoko_workbook.derived import derived_specs, table_name
from soko.formats.fisoko_workbook.ingest import VprTables, ingest_vpr
from soko.formats.fisoko_workbook.layout import layout_for
from soko.procedure import DemoContext, Ingester, IngestResult, Procedure
from soko.readers.sheets import TABLE_PATTERNS
from soko.schema import TableParts
from soko.unified import vpr_unified

__all__ = ["WORKBOOK_SCHEMAS", "layout_for", "table_name", "workbook_procedure"]

# The canonical tables of a workbook procedure, under ВПР's names (НИКО: niko_results, ...).
WORKBOOK_SCHEMAS: dict[str, dict[str, str]] = {
    "vpr_results": {
        "year": "int64",
        "subject": "string",
        "grade": "int64",
        "school_code": "string",
        "municipality_code": "string",
        "participant_code": "string",
        "class_label": "string",
        "variant": "Int64",
        "primary_score": "Int64",
        "mark": "Int64",
        "journal_mark": "Int64",
        "source_file": "string",
        "source_row": "int64",
    },
    "vpr_task_scores": {
        "year": "int64",
        "subject": "string",
        "grade": "int64",
        "school_code": "string",
        "participant_code": "string",
        "task": "string",
        "score": "Int64",
    },
    "vpr_tasks": {
        "year": "int64",
        "subject": "string",
        "grade": "int64",
        "task": "string",
        "task_order": "int64",
        "max_score": "int64",
        "level": "string",
    },
}


def _ingest(code: str, paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    # parts held compact until ingest writes them (a region's task scores are tens of millions
    # of rows)
    def parts(table: str) -> TableParts:
        return TableParts(table_name(code, table), WORKBOOK_SCHEMAS[table])

    tables = VprTables(
        results=parts("vpr_results"), task_scores=parts("vpr_task_scores"), tasks=parts("vpr_tasks")
    )
    reports = ingest_vpr(paths, raw, schools, tables, layout_for(code))
    return IngestResult(
        tables={
            table_name(code, "vpr_results"): tables.results,
            table_name(code, "vpr_task_scores"): tables.task_scores,
            table_name(code, "vpr_tasks"): tables.tasks,
        },
        reports=reports,
    )


def _unified(code: str, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    out = vpr_unified(
        tables[table_name(code, "vpr_results")], tables[table_name(code, "vpr_tasks")]
    )
    return out.assign(procedure=pd.Series(code, index=out.index, dtype="string"))


def _subjects(code: str) -> dict[str, str]:
    return layout_for(code).subjects()


def workbook_procedure(
    code: str,
    title: str,
    demo: Callable[[DemoContext], list[Path]] | None = None,
    *,
    folder: str | None = None,
) -> Procedure:
    """A procedure whose raw files are per-student task workbooks under ``data/raw/<code>/``."""
    return Procedure(
        code=code,
        title=title,
        schemas={table_name(code, t): dict(s) for t, s in WORKBOOK_SCHEMAS.items()},
        main_table=table_name(code, "vpr_results"),
        ingester=Ingester(folder or code, TABLE_PATTERNS, partial(_ingest, code)),
        derived=derived_specs(code),
        demo=demo,
        unified_results=partial(_unified, code),
        unified_inputs=(table_name(code, "vpr_results"), table_name(code, "vpr_tasks")),
        title_words=(title,),
        extra={"subjects": partial(_subjects, code)},  # code -> name, for labels
    )
