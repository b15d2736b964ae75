"""Procedures with ВПР's per-student task layout (НИКО, РПР): one factory, configured in YAML.

Such a procedure differs from ВПР only in its title word, its column names and its scales
(``config/<code>.yml``), so it reuses the ВПР reader, contracts, canonical shapes, indicator
tables and unified results, under its own table names (``<code>_results``, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import pandas as pd

from soko.procedures import DemoContext, Ingester, IngestResult, Procedure
from soko.procedures._workbook.derived import derived_specs, table_name
from soko.procedures._workbook.layout import layout_for
from soko.schema import SCHEMAS
from soko.unified import vpr_unified

__all__ = ["layout_for", "table_name", "workbook_procedure"]


def _ingest(code: str, paths: list[Path], raw: Path, schools: pd.DataFrame) -> IngestResult:
    from soko.ingest import VprTables, ingest_vpr  # soko.ingest discovers procedures

    tables = VprTables()
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
    code: str, title: str, demo: Callable[[DemoContext], list[Path]] | None = None
) -> Procedure:
    """A procedure whose raw files are per-student task workbooks under ``data/raw/<code>/``."""
    vpr_tables = ("vpr_results", "vpr_task_scores", "vpr_tasks")
    return Procedure(
        code=code,
        title=title,
        schemas={table_name(code, t): dict(SCHEMAS[t]) for t in vpr_tables},
        main_table=table_name(code, "vpr_results"),
        ingester=Ingester(code, ("*.xlsx",), partial(_ingest, code)),
        derived=derived_specs(code),
        demo=demo,
        unified_results=partial(_unified, code),
        extra={"subjects": partial(_subjects, code)},  # code -> name, for labels
    )
